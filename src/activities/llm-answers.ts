/**
 * What the LLM wrote for each report, kept with the run as it came (reasoning, rejected sections
 * and corrections included) so a reviewer can see what was cut or marked and why. A run file per
 * report under `llm_answers/`, never in workflow history: activities return only paths.
 */
import path from 'node:path';
import type { RunRef } from '../workflows/contract.js';
import { RUN_FILES, writeJsonAtomic } from '../storage/json-storage.js';
import type { RawAnswer } from '../reports/writer.js';
import { runPath } from './context.js';

/** `llm_answers/team_summary.json`, `llm_answers/person/zoe-muller.json` */
export function llmAnswersFile(ref: RunRef, name: string): string {
  return runPath(ref, path.join(RUN_FILES.llmAnswers, `${name}.json`));
}

/** Writes the answers of one report (nothing when no LLM answered); returns the file or null. */
export async function saveLlmAnswers(ref: RunRef, name: string, report: string, answers: readonly RawAnswer[]): Promise<string | null> {
  if (!answers.length) return null;
  const file = llmAnswersFile(ref, name);
  await writeJsonAtomic(file, { report, answers });
  return file;
}
