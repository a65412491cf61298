/**
 * Who writes the narrative parts of a report. The LLM writes only prose sections from a compact
 * fact pack; every table of hours and percentages is rendered by code from the data. Without an
 * LLM (none configured) the deterministic texts the report computed are used, and the report says so.
 */
import type { ActivityDeps } from '../activities/context.js';
import { loadAppConfig } from '../config/app-config.js';
import { createLlmClient, type LlmClient } from '../llm/client.js';
import type { LlmUsage } from '../storage/schemas.js';

export interface NarrativeSection {
  key: string;
  title: string;
  instruction: string;
}

export interface NarrativeRequest {
  /** 'toggl_summary' | 'person:<email>' | 'team_summary' */
  report: string;
  sections: NarrativeSection[];
  /** The compact fact pack sent to the LLM (hours rounded, lists capped). */
  facts: unknown;
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
      return { sections, usage: null, source: NO_LLM_SOURCE };
    },
  };
}

export const SYSTEM_PROMPT = [
  'You are an analyst writing the narrative parts of a time-tracking report (Toggl time, Fibery work items) that engineering managers and team leads read weekly.',
  'Rules:',
  '- Be factual and concise. Use only the facts given in the JSON. Never invent numbers, names, dates, causes or intentions.',
  '- When you mention hours or percentages, copy them exactly as they appear in the facts; do not compute new totals.',
  '- Keep the names of people and work items exactly as given (any language).',
  '- Write plain markdown: short paragraphs or bullet lists. No tables, no code blocks, no headings other than the section headings you are asked for.',
  '- The tables of the report are rendered separately from the same data; do not repeat them, interpret them.',
  '- If the facts do not support a statement, leave it out; if there is little to say, say so in one sentence.',
].join('\n');

function describeReport(report: string): string {
  if (report === 'toggl_summary') return 'Toggl summary: the team\'s tracked time by person, Fibery entity and other activity';
  if (report === 'team_summary') return 'Team summary: the team\'s tracked time joined with what Fibery says about the work items';
  if (report.startsWith('person:')) return 'Individual report: one person\'s tracked time and the Fibery work items it was logged against';
  return report;
}

export function buildUserPrompt(req: Pick<NarrativeRequest, 'report' | 'sections' | 'facts'>): string {
  const list = req.sections.map((s, i) => `${i + 1}. "## ${s.title}": ${s.instruction}`).join('\n');
  return [
    `Report: ${describeReport(req.report)}.`,
    '',
    'Write exactly these sections, in this order. Start each with a line "## <title>" using the title given, followed by its text:',
    '',
    list,
    '',
    'Facts (JSON). Hours are rounded to 0.1 h; percentages are whole numbers of the relevant total; long lists hold only the largest items and an "omitted" count says how many were left out:',
    '',
    '```json',
    JSON.stringify(req.facts),
    '```',
  ].join('\n');
}

const normaliseTitle = (text: string): string =>
  text
    .toLowerCase()
    .replace(/^\s*(\d+[.)]|[-*])\s*/, '')
    .replace(/[^\p{L}\p{N}]+/gu, '');

const HEADING = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/;
/** `#Title` without a space: a heading only when it names a section (`#7658 done` is text). */
const LOOSE_HEADING = /^\s{0,3}#{1,6}(\S.*?)\s*#*\s*$/;
const BOLD_LINE = /^\s*\*\*(.+?)\*\*:?\s*$/;

/**
 * Splits an LLM answer into the requested sections by their headings (`#`, `##`, `###`, any case,
 * numbered or not; a line that is only a bold section title counts too). Text before the first
 * heading belongs to the first section when the answer has no heading for it. Other headings
 * inside a section become bold lines, tables and code fences are dropped (tables come from code).
 * Sections with no text are missing from the result.
 */
export function parseSections(answer: string, sections: NarrativeSection[]): Record<string, string> {
  const byTitle = new Map<string, string>();
  for (const s of sections) {
    byTitle.set(normaliseTitle(s.title), s.key);
    byTitle.set(normaliseTitle(s.key), s.key);
  }
  const found = new Map<string, string[]>();
  const preamble: string[] = [];
  let current: string[] = preamble;
  for (const line of answer.replace(/\r\n?/g, '\n').split('\n')) {
    if (/^\s*```/.test(line) || /^\s*\|/.test(line)) continue;
    const heading = HEADING.exec(line);
    const bold = heading ? null : (BOLD_LINE.exec(line) ?? LOOSE_HEADING.exec(line));
    const title = heading?.[1] ?? bold?.[1];
    if (title !== undefined) {
      const key = byTitle.get(normaliseTitle(title));
      if (key) {
        current = found.get(key) ?? [];
        found.set(key, current);
        continue;
      }
      if (heading) {
        if (title) current.push(`**${title.replace(/\*\*/g, '')}**`);
        continue;
      }
    }
    current.push(line);
  }
  const first = sections[0];
  if (first && !found.has(first.key) && preamble.some((l) => l.trim())) found.set(first.key, preamble);

  const out: Record<string, string> = {};
  for (const s of sections) {
    const text = (found.get(s.key) ?? []).join('\n').replace(/\n{3,}/g, '\n\n').trim();
    if (text) out[s.key] = text;
  }
  return out;
}

export interface LlmWriterSettings {
  temperature?: number;
  maxTokens?: number;
  /** For the label before the first call; the answer's provider and model are reported after it. */
  provider?: string | null;
  model?: string | null;
}

type CompletionClient = Pick<LlmClient, 'complete'>;

function describeClient(client: CompletionClient, settings: LlmWriterSettings): string {
  const known = (client as Partial<Pick<LlmClient, 'settings'>>).settings;
  const provider = typeof known?.provider === 'string' ? known.provider : settings.provider;
  const model = typeof known?.model === 'string' ? known.model : settings.model;
  return ['LLM:', provider || 'configured provider', model || ''].join(' ').trim();
}

export function llmWriter(client: CompletionClient, settings: LlmWriterSettings = {}): ReportWriter {
  const label = describeClient(client, settings);
  return {
    label,
    usesLlm: true,
    async narrate(req) {
      // A configured LLM that fails fails the report (and the run) with the provider's message:
      // quietly writing a report without it would hide a bad key or an unknown model.
      const result = await client.complete({
        system: SYSTEM_PROMPT,
        user: buildUserPrompt(req),
        ...(settings.maxTokens !== undefined ? { maxTokens: settings.maxTokens } : {}),
        ...(settings.temperature !== undefined ? { temperature: settings.temperature } : {}),
      });
      const parsed = parseSections(result.text, req.sections);
      const sections: Record<string, string> = {};
      const fellBack: string[] = [];
      for (const s of req.sections) {
        const text = parsed[s.key];
        if (text) sections[s.key] = text;
        else {
          sections[s.key] = req.fallback[s.key] ?? '';
          fellBack.push(s.key);
        }
      }
      const usage: LlmUsage = {
        report: req.report,
        provider: result.provider,
        model: result.model,
        input_tokens: result.input_tokens,
        output_tokens: result.output_tokens,
        seconds: result.seconds,
      };
      const written = req.sections.length - fellBack.length;
      const partial = fellBack.length
        ? `; ${fellBack.length} of ${req.sections.length} sections missing from its answer were written without it`
        : '';
      const source =
        written === 0
          ? `Narrative written without an LLM (the answer of LLM ${result.provider} ${result.model} had none of the sections)`
          : `Narrative written by LLM ${result.provider} ${result.model}${partial}; all tables computed from the data`;
      return { sections, usage, source, fellBack };
    },
  };
}

/** The writer a run uses: an LLM writer when one is configured (config.yaml + environment), else the deterministic one. */
export async function reportWriterFor(deps: ActivityDeps, configOverrides: Record<string, unknown> | null): Promise<ReportWriter> {
  const config = await loadAppConfig(deps.configDir, configOverrides);
  const { provider, model, temperature, max_tokens } = config.llm;
  const client = createLlmClient(deps.env, {
    ...(provider ? { provider } : {}),
    ...(model ? { model } : {}),
    temperature,
    max_tokens,
  });
  if (!client) return deterministicWriter();
  return llmWriter(client, { temperature, maxTokens: max_tokens, provider: provider ?? null, model: model ?? null });
}
