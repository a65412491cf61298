/**
 * Who writes the narrative parts of a report. The LLM writes only prose sections, from a compact
 * fact pack cut to the prompt budget; every figure and name it writes is checked against that
 * pack, a mismatch is sent back for correction (once by default), and what still does not match
 * is marked in the text and counted in the report's footer. Every table of hours and percentages
 * is rendered by code from the data. Without an LLM (none configured) the deterministic texts the
 * report computed are used, and the report says so.
 */
import path from 'node:path';
import { loadAppConfig, type AppConfig } from '../config/app-config.js';
import { createLlmClient, type LlmClient, type LlmResult, type LlmTurn } from '../llm/client.js';
import type { LlmUsage } from '../storage/schemas.js';
import { describeSummarised, estimateTokens, fitFactPack, summarisedPromptNote, type FactPackSpec, type SummarisedList } from './fact-pack.js';
import { plural } from './format.js';
import { entityTypeKey, loadPrompts, renderPrompt, SHIPPED_PROMPTS_DIR, type Prompts, type ReportPromptKind } from './prompts.js';
import { EmptyAnswerError } from '../llm/answer.js';
import { defaultMaxConcurrent, slotsFor } from '../llm/concurrency.js';
import { EMPTY_ANSWER, malformed, readAnswer, type ReadAnswer } from './narrative-answer.js';
import { checkLines, rejectionSummary } from './narrative-footer.js';
import { ValidationError } from '../errors.js';
import { indexFacts, markUnverified, verifySections, type Finding, type KnownData } from './verify.js';
export { parseSections } from './sections.js';

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

/** The `{{sections}}` value: one heading line per section, in order. */
export function sectionHeadings(sections: readonly NarrativeSection[]): string {
  return sections.map((s) => `## ${s.title}`).join('\n');
}

/** The `{{entity_types}}` value: the notes of the report's types that have an entity-type prompt. */
export function entityTypeNotes(prompts: Prompts, labels: readonly string[] = []): string {
  const notes: string[] = [];
  const seen = new Set<string>();
  for (const label of labels) {
    const key = entityTypeKey(label);
    const prompt = prompts.entityTypes[key];
    if (!prompt || seen.has(key)) continue;
    seen.add(key);
    notes.push(`- ${renderPrompt(prompt.text, { type: label })}`);
  }
  return notes.length ? `About the Fibery types in this report:\n${notes.join('\n')}` : '';
}

export interface BuiltPrompt {
  system: string;
  user: string;
  /** Estimated tokens of system + user prompt. */
  tokens: number;
  /** The fact pack as sent. */
  facts: Record<string, unknown>;
  summarised: SummarisedList[];
}

/** The prompts of a report, the fact pack cut so that both together stay within `budgetTokens`. */
export function buildPrompt(prompts: Prompts, req: Pick<NarrativeRequest, 'kind' | 'sections' | 'facts' | 'vars' | 'entityTypes'>, budgetTokens: number, charsPerToken = 4): BuiltPrompt {
  const tokens = (text: string) => estimateTokens(text, charsPerToken);
  const system = prompts.files.system.text;
  const template = prompts.files[req.kind].text;
  const values = { ...(req.vars ?? {}), sections: sectionHeadings(req.sections), entity_types: entityTypeNotes(prompts, req.entityTypes) };
  // The instructions are fixed; the fact pack gets what they leave of the budget, less room for the
  // note saying what was cut and for the code fence.
  const fixed = tokens(system) + tokens(renderPrompt(template, { ...values, facts: '', summarised: '' })) + 200;
  const pack = fitFactPack(req.facts, Math.max(100, budgetTokens - fixed), charsPerToken);
  const user = renderPrompt(template, { ...values, summarised: summarisedPromptNote(pack.summarised), facts: `\`\`\`json\n${pack.json}\n\`\`\`` });
  return { system, user, tokens: tokens(system) + tokens(user), facts: pack.facts, summarised: pack.summarised };
}

export interface LlmWriterSettings {
  temperature?: number;
  maxTokens?: number;
  /** For the label before the first call; the answer's provider and model are reported after it. */
  provider?: string | null;
  model?: string | null;
  /** The prompts (default: the shipped ones). */
  prompts?: Prompts;
  /** System + user prompt of one report, in estimated tokens (default 12000). */
  promptTokenBudget?: number;
  /** Correction requests before mismatches are marked unverified (default 1). */
  maxCorrections?: number;
  /** Everything one report asks the LLM, retries and corrections included (default 240 s). */
  deadlineMs?: number;
  /** The activity's cancellation. */
  signal?: AbortSignal;
  /** Characters a token for the prompt estimate (default 4; `charsPerTokenFor` gives 3 for OpenAI-compatible servers). */
  charsPerToken?: number;
  /** Reports asking this server at once in this process (`llm.max_concurrent`; null or unset: no limit). */
  maxConcurrent?: number | null;
  /** What the slots are counted per: the server's base URL (default: one count for the writer's client). */
  server?: string;
  /**
   * `llm.required`: an LLM that still fails after its retries fails the report (and the run).
   * Off (the default), the report falls back to the data-only narrative and says so.
   */
  required?: boolean;
}

type CompletionClient = Pick<LlmClient, 'complete'>;

function describeClient(client: CompletionClient, settings: LlmWriterSettings): string {
  const known = (client as Partial<Pick<LlmClient, 'settings'>>).settings;
  const provider = typeof known?.provider === 'string' ? known.provider : settings.provider;
  const model = typeof known?.model === 'string' ? known.model : settings.model;
  return ['LLM:', provider || 'configured provider', model || ''].join(' ').trim();
}

const DEFAULT_BUDGET = 12_000;
const DEFAULT_DEADLINE_MS = 240_000;
/** A correction request is not started with less time than this left. */
const MIN_CORRECTION_MS = 10_000;

/** The bullets of a correction request: each mismatch with its sentence and what the facts say. */
export function describeFindings(findings: readonly Finding[], sections: readonly NarrativeSection[]): string {
  const title = (key: string) => sections.find((s) => s.key === key)?.title ?? key;
  return findings
    .map((f) => {
      const sentence = f.sentence.length > 220 ? `${f.sentence.slice(0, 217)}…` : f.sentence;
      return `- "${f.text}" in "${title(f.section)}" ("${sentence}"): ${f.problem}.`;
    })
    .join('\n');
}

const sumOrNull = (values: (number | null)[]): number | null => (values.some((v) => v === null) ? null : values.reduce<number>((s, v) => s + (v ?? 0), 0));

/** One answer the LLM gave a report, as it came (reasoning included): kept with the run for review. */
export interface RawAnswer {
  request: 'answer' | 'retry' | 'correction';
  text: string;
  /** Whether the report used it (a rejected correction, an empty first answer are not). */
  used: boolean;
  /** Why it was not used, or which of its sections were not. */
  note: string | null;
}

/** The answer of one request, '' when the provider sent an empty one. */
type Asked = { result: LlmResult | null; text: string };

const keyOf = (f: Finding) => `${f.section}\u0000${f.kind}\u0000${f.text}`;

/** How many findings a correction fixes, and how many new ones it brings. */
function fixedAndBroken(before: readonly Finding[], after: readonly Finding[]): { fixed: number; broken: number } {
  const was = new Set(before.map(keyOf));
  const now = new Set(after.map(keyOf));
  return { fixed: [...was].filter((k) => !now.has(k)).length, broken: [...now].filter((k) => !was.has(k)).length };
}

/** The answer was not a report, or was empty twice: the report falls back to the data-only text. */
class NotAReport extends Error {}

export function llmWriter(client: CompletionClient, settings: LlmWriterSettings = {}): ReportWriter {
  const label = describeClient(client, settings);
  let prompts: Prompts | undefined = settings.prompts;
  const slots = settings.maxConcurrent ? slotsFor(settings.server ?? label, settings.maxConcurrent) : null;
  const narrateWithLlm = async (req: NarrativeRequest, answers: RawAnswer[]): Promise<NarrativeResult> => {
    prompts ??= await loadPrompts(path.dirname(SHIPPED_PROMPTS_DIR));
    const started = Date.now();
    const deadlineAt = started + (settings.deadlineMs ?? DEFAULT_DEADLINE_MS);
    const budget = settings.promptTokenBudget ?? DEFAULT_BUDGET;
    const prompt = buildPrompt(prompts, req, budget, settings.charsPerToken ?? 4);
    const calls: LlmResult[] = [];
    const ask = async (followUp: LlmTurn[], request: RawAnswer['request']): Promise<Asked> => {
      try {
        const result = await client.complete({
          system: prompt.system,
          user: prompt.user,
          ...(followUp.length ? { followUp } : {}),
          ...(settings.maxTokens !== undefined ? { maxTokens: settings.maxTokens } : {}),
          ...(settings.temperature !== undefined ? { temperature: settings.temperature } : {}),
          ...(settings.signal ? { signal: settings.signal } : {}),
          deadlineMs: Math.max(1, deadlineAt - Date.now()),
        });
        calls.push(result);
        answers.push({ request, text: result.text, used: false, note: null });
        return { result, text: result.text };
      } catch (error) {
        if (!(error instanceof EmptyAnswerError)) throw error;
        answers.push({ request, text: '', used: false, note: error.message });
        return { result: null, text: '' };
      }
    };
    const sent = [prompt.system, prompt.user];

    // A failure here (after the client's retries) is handled by `narrate` below.
    let asked = await ask([], 'answer');
    let read = readAnswer(asked.text, req.sections, sent);
    let retriedEmpty = false;
    if (read.failure === EMPTY_ANSWER) {
      // Small local models now and then stop at once (or only think): one fresh try.
      answers[answers.length - 1]!.note = EMPTY_ANSWER;
      retriedEmpty = true;
      asked = await ask([], 'retry');
      read = readAnswer(asked.text, req.sections, sent);
    }
    if (read.failure) {
      answers[answers.length - 1]!.note = read.failure;
      throw new NotAReport(read.failure === EMPTY_ANSWER ? 'the answer was empty twice' : `the answer was not a report: ${read.failure}`);
    }
    answers[answers.length - 1]!.used = true;
    answers[answers.length - 1]!.note = read.rejected.length ? `not used: ${read.rejected.map((r) => `${r.key} (${r.why})`).join(', ')}` : null;

    let written = read.sections;
    const index = indexFacts(prompt.facts, req.known, sent.join('\n'));
    const options = { peopleSections: req.sections.filter((s) => s.people).map((s) => s.key) };
    const found = verifySections(written, index, options);
    let findings = found;
    let corrections = 0;
    let correctionNote: string | null = null;
    const conversation: LlmTurn[] = [];
    let lastAnswer = asked.text;
    const maxCorrections = settings.maxCorrections ?? 1;
    while (findings.length && corrections < maxCorrections) {
      if (deadlineAt - Date.now() < MIN_CORRECTION_MS) {
        correctionNote = 'no time was left for a correction request';
        break;
      }
      corrections++;
      const request = renderPrompt(prompts.files.correction.text, { problems: describeFindings(findings, req.sections), sections: sectionHeadings(req.sections) });
      conversation.push({ role: 'assistant', content: lastAnswer }, { role: 'user', content: request });
      let again: Asked;
      try {
        again = await ask(conversation, 'correction');
      } catch (error) {
        // The first answer stands (the provider works); its mismatches are marked below.
        if (settings.signal?.aborted) throw error;
        correctionNote = `the correction request failed: ${error instanceof Error ? error.message : String(error)}`;
        break;
      }
      // The request quotes the answer's own sentences: an echo is of its fixed wording (the template).
      const verdict = judgeCorrection(again.text, read, written, findings, { sections: req.sections, prompts: [...sent, prompts.files.correction.text], index, options });
      answers[answers.length - 1]!.note = verdict.note;
      if (!verdict.accepted) {
        correctionNote = verdict.note;
        break;
      }
      answers[answers.length - 1]!.used = true;
      lastAnswer = again.text;
      written = verdict.written;
      findings = verdict.findings;
    }

    const sections: Record<string, string> = {};
    const fellBack: string[] = [];
    for (const s of req.sections) {
      const text = written[s.key];
      if (text) sections[s.key] = markUnverified(text, findings.filter((f) => f.section === s.key));
      else {
        sections[s.key] = req.fallback[s.key] ?? '';
        fellBack.push(s.key);
      }
    }
    const rejected = read.rejected.filter((r) => fellBack.includes(r.key));

    const last = calls[calls.length - 1]!;
    // An empty answer is a request too (the provider threw it away as no text).
    const requests = calls.reduce((n, c) => n + (c.attempts ?? 1), 0) + (answers.length - calls.length);
    const summarised = describeSummarised(prompt.summarised);
    const usage: LlmUsage = {
      report: req.report,
      provider: last.provider,
      model: last.model,
      input_tokens: sumOrNull(calls.map((c) => c.input_tokens)),
      output_tokens: sumOrNull(calls.map((c) => c.output_tokens)),
      seconds: Math.round(calls.reduce((s, c) => s + c.seconds, 0) * 1000) / 1000,
      requests,
      corrections,
      corrected: Math.max(0, found.length - findings.length),
      unverified: findings.length,
      prompt_tokens_estimate: prompt.tokens,
      summarised,
    };

    const title = (key: string) => req.sections.find((s) => s.key === key)?.title ?? key;
    const count = req.sections.length - fellBack.length;
    const partial = fellBack.length ? `; ${fellBack.length} of ${req.sections.length} sections were written without it (${rejectionSummary(rejected, title)})` : '';
    const source = `Narrative written by LLM ${last.provider} ${last.model}${partial}; all tables computed from the data`;

    const footer: string[] = [
      `Written by LLM ${last.provider} ${last.model} (${plural(requests, 'request')}, ${usage.input_tokens ?? '?'} input and ${usage.output_tokens ?? '?'} output tokens); every table is computed from the data.`,
      ...checkLines({ title, found, findings, corrections, correctionNote, rejected, retriedEmpty, written: count }),
    ];
    if (summarised.length) {
      footer.push(`To fit the prompt budget (${budget} tokens), the LLM was given ${summarised.join('; ')}; the tables list everything.`);
    }
    if (calls.some((c) => c.truncated)) {
      footer.push("The LLM's answer stopped at its token limit (llm.max_tokens): sections it did not reach were written without it.");
    }
    const warning = rejected.length
      ? `${req.report}: ${plural(rejected.length, 'section')} of the LLM's answer ${rejected.length === 1 ? 'was' : 'were'} not used and ${rejected.length === 1 ? 'is' : 'are'} the data-only narrative (${rejectionSummary(rejected, title)})`
      : null;
    return { sections, usage, source, fellBack, footer, unverified: findings, answers, ...(warning ? { warning } : {}) };
  };
  return {
    label,
    usesLlm: true,
    async narrate(req) {
      const answers: RawAnswer[] = [];
      // Waiting for the server's slot is not the model's time: the report's deadline starts after it.
      const release = await slots?.acquire(settings.signal);
      try {
        return await narrateWithLlm(req, answers);
      } catch (error) {
        // Never lose a report to the LLM: the data-only text stands in, and the report says so at its
        // top. A cancelled activity, a bad prompt file and `llm.required` still fail.
        if (settings.signal?.aborted || error instanceof ValidationError) throw error;
        if (settings.required && !(error instanceof NotAReport)) throw error;
        const failure = error instanceof Error ? error.message : String(error);
        const sections = Object.fromEntries(req.sections.map((s) => [s.key, req.fallback[s.key] ?? '']));
        return {
          sections,
          usage: null,
          source: error instanceof NotAReport ? `Narrative written without an LLM (${label}: ${failure})` : `Narrative written without an LLM (${label} failed after its retries)`,
          fellBack: req.sections.map((s) => s.key),
          footer: [],
          failure,
          ...(error instanceof NotAReport ? { notAReport: true } : {}),
          answers,
        };
      } finally {
        release?.();
      }
    },
  };
}

interface CorrectionContext {
  sections: readonly NarrativeSection[];
  prompts: readonly string[];
  index: ReturnType<typeof indexFacts>;
  options: { peopleSections: string[] };
}

/**
 * A correction is used only when it is at least as well-formed as the answer it corrects (it is a
 * report, and spoils no more sections) and fixes more findings than it brings; a section it leaves out or spoils keeps
 * its first text.
 */
function judgeCorrection(
  text: string,
  original: ReadAnswer,
  written: Record<string, string>,
  findings: readonly Finding[],
  ctx: CorrectionContext,
): { accepted: true; written: Record<string, string>; findings: Finding[]; note: string | null } | { accepted: false; note: string } {
  const read = readAnswer(text, ctx.sections, ctx.prompts);
  if (read.failure) return { accepted: false, note: `the correction answer was not used (${read.failure}); the first answer stands with its marks` };
  if (malformed(read) > malformed(original)) {
    return { accepted: false, note: `the correction answer was not used (${[...new Set(read.rejected.map((r) => r.why))].join('; ')}); the first answer stands with its marks` };
  }
  const candidate = { ...written, ...read.sections };
  const after = verifySections(candidate, ctx.index, ctx.options);
  const { fixed, broken } = fixedAndBroken(findings, after);
  if (fixed <= broken) {
    const what = fixed === 0 && broken === 0 ? 'it fixed none of them' : `it fixed ${fixed} and brought ${broken} new`;
    return { accepted: false, note: `the correction answer was not used (${what}); the first answer stands with its marks` };
  }
  return { accepted: true, written: candidate, findings: after, note: read.rejected.length ? `sections kept from the first answer: ${read.rejected.map((r) => r.key).join(', ')}` : null };
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
