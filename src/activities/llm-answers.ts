/**
 * What the LLM wrote for each report, kept with the run as it came (reasoning, rejected sections
 * and corrections included) so a reviewer can see what was cut or marked and why. A run file per
 * report under `llm_answers/`, written through the run store, never in workflow history:
 * activities return only keys.
 */
import { RUN_FILES } from '../storage/json-storage.js';
import { joinKey, type RunFiles } from '../storage/run-store.js';
import type { RawAnswer } from '../reports/writer.js';

/** `llm_answers/team_summary.json`, `llm_answers/person/zoe-muller.json` */
export function llmAnswersKey(name: string): string {
  return joinKey(RUN_FILES.llmAnswers, `${name}.json`);
}

/** Writes the answers of one report (nothing when no LLM answered); returns the key or null. */
export async function saveLlmAnswers(files: RunFiles, name: string, report: string, answers: readonly RawAnswer[]): Promise<string | null> {
  if (!answers.length) return null;
  const key = llmAnswersKey(name);
  await files.writeJson(key, { report, answers });
  return key;
}
