/**
 * Who writes the narrative parts of a report. The LLM writes only prose sections, from a compact
 * fact pack cut to the prompt budget; every figure and name it writes is checked against that
 * pack, a mismatch is sent back for correction (once by default), and what still does not match
 * is marked in the text and counted in the report's footer. Every table of hours and percentages
 * is rendered by code from the data. Without an LLM (none configured) the deterministic texts the
 * report computed are used, and the report says so.
 */
import { loadAppConfig, type AppConfig } from '../config/app-config.js';
import { createLlmClient } from '../llm/client.js';
import { defaultMaxConcurrent } from '../llm/concurrency.js';
import type { LlmUsage } from '../storage/schemas.js';
import type { FactPackSpec } from './fact-pack.js';
import { llmWriter } from './llm-writer.js';
import { loadPrompts, type Prompts, type ReportPromptKind } from './prompts.js';
import type { Finding, KnownData } from './verify.js';
import type { RawAnswer } from './narrative-session.js';
export { parseSections } from './sections.js';
export { llmWriter, type LlmWriterSettings } from './llm-writer.js';
export type { RawAnswer } from './narrative-session.js';

export interface NarrativeSection {
  key: string;
  title: string;
  /** Its bullets lead with a person's name in bold: those names are checked against the people in the data. */
  people?: boolean;
}

export interface NarrativeRequest {
  /** 'toggl_summary' | 'person:<email>' | 'team_summary' */
  report: string;
  /** Which prompt file writes it. */
  kind: ReportPromptKind;
  sections: NarrativeSection[];
  /** The fact pack: what the LLM may use, cut to the prompt budget by `fitFactPack`. */
  facts: FactPackSpec;
  /** Values of the prompt's other placeholders (period, person, people). */
  vars?: Record<string, string>;
  /** The report's `Database / Type` labels, largest first: their entity-type prompts are added. */
  entityTypes?: string[];
  /** Everyone and every entity in the report's data, for the names check. */
  known: KnownData;
  /** Deterministic text per section key: used without an LLM and for any section the LLM left out. */
  fallback: Record<string, string>;
}

export interface NarrativeResult {
  sections: Record<string, string>;
  usage: LlmUsage | null;
  /** How the narrative was written, for the report's header line. */
  source?: string;
  /** Keys of sections that fell back to the deterministic text although an LLM was asked. */
  fellBack?: string[];
  /** Lines for the report's footer: checks, corrections, unverified figures, what the LLM saw only as totals. */
  footer?: string[];
  /** The figures and names still unverified after the corrections (already marked in `sections`). */
  unverified?: Finding[];
  /** Why the LLM gave nothing usable (it failed after its retries, or its answer was no report): the sections are the data-only text. */
  failure?: string;
  /** The failure is the answer's (empty twice, or not a report), not the provider's. */
  notAReport?: boolean;
  /** Sections of the answer that were not a report, for `run_metadata.json` warnings (one line). */
  warning?: string;
  /** Every answer the LLM gave, as it came: kept with the run. */
  answers?: RawAnswer[];
}

export interface ReportWriter {
  /** e.g. "LLM: openai gpt-4o-mini" or "deterministic writer (no LLM configured)" */
  label: string;
  usesLlm: boolean;
  narrate(req: NarrativeRequest): Promise<NarrativeResult>;
}

export const NO_LLM_SOURCE = 'Narrative written without an LLM (none configured)';

/** The header-line text for a narrative result. */
export function narrativeSource(writer: ReportWriter, result: NarrativeResult): string {
  return result.source ?? (writer.usesLlm ? `Narrative written by ${writer.label}` : NO_LLM_SOURCE);
}

export function deterministicWriter(): ReportWriter {
  return {
    label: 'deterministic writer (no LLM configured)',
    usesLlm: false,
    async narrate(req) {
      const sections: Record<string, string> = {};
      for (const section of req.sections) sections[section.key] = req.fallback[section.key] ?? '';
      return { sections, usage: null, source: NO_LLM_SOURCE, footer: [] };
    },
  };
}

/** The prompt estimate's characters a token: 4 for the hosted APIs, 3 (erring high) for any other server's unknown tokenizer. */
export function charsPerTokenFor(settings: { baseUrl?: string }): number {
  return settings.baseUrl && !/\/\/api\.(openai|anthropic)\.com(\/|$)/.test(settings.baseUrl) ? 3 : 4;
}

/** What a run's report writer is made from: resolved once per run, plain data (no file reads). */
export interface ReportSettings {
  app: AppConfig;
  prompts: Prompts;
}

/** The settings from a config directory (config.yaml with the run's overrides, and the prompts). */
export async function loadReportSettings(configDir: string, overrides: Record<string, unknown> | null = null): Promise<ReportSettings> {
  return { app: await loadAppConfig(configDir, overrides), prompts: await loadPrompts(configDir) };
}

/**
 * The writer a run uses: an LLM writer when one is configured (settings + the process
 * environment, where the keys live), else the deterministic one.
 */
export function reportWriterFor(settings: ReportSettings, env: NodeJS.ProcessEnv, signal?: AbortSignal): ReportWriter {
  const llm = settings.app.llm;
  const client = createLlmClient(env, llm);
  if (!client) return deterministicWriter();
  return llmWriter(client, {
    ...(llm.temperature !== null ? { temperature: llm.temperature } : {}),
    maxTokens: llm.max_tokens,
    provider: llm.provider ?? null,
    model: llm.model ?? null,
    prompts: settings.prompts,
    promptTokenBudget: llm.prompt_token_budget,
    maxCorrections: llm.max_corrections,
    deadlineMs: llm.report_deadline_seconds * 1000,
    required: llm.required,
    maxConcurrent: llm.max_concurrent ?? defaultMaxConcurrent(client.settings.baseUrl),
    charsPerToken: charsPerTokenFor(client.settings),
    server: client.settings.baseUrl ?? client.settings.provider,
    ...(signal ? { signal } : {}),
  });
}
