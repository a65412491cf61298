/**
 * The LLM report writer: it asks for a report's prose sections from its fact pack, reads the
 * answer as a report (asking once more when it is empty), has its figures and names corrected or
 * marked (narrative-correction.ts), and describes what it did in the report's header, footer and
 * usage. An LLM that gives nothing usable never loses the report: the data-only text stands in.
 */
import path from 'node:path';
import type { LlmClient, LlmResult } from '../llm/client.js';
import { slotsFor } from '../llm/concurrency.js';
import { ValidationError } from '../errors.js';
import type { LlmUsage } from '../storage/schemas.js';
import { describeSummarised } from './fact-pack.js';
import { plural } from './format.js';
import { EMPTY_ANSWER, readAnswer, type ReadAnswer, type Rejection } from './narrative-answer.js';
import { correctAnswer, type Corrected } from './narrative-correction.js';
import { checkLines, rejectionSummary } from './narrative-footer.js';
import { buildPrompt } from './narrative-prompt.js';
import { NarrativeSession, type Asked, type CompletionClient, type RawAnswer } from './narrative-session.js';
import { loadPrompts, SHIPPED_PROMPTS_DIR, type Prompts } from './prompts.js';
import { markUnverified } from './verify.js';
import type { NarrativeRequest, NarrativeResult, ReportWriter } from './writer.js';

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

const DEFAULT_BUDGET = 12_000;
const DEFAULT_DEADLINE_MS = 240_000;

/** The answer was not a report, or was empty twice: the report falls back to the data-only text. */
class NotAReport extends Error {}

export function llmWriter(client: CompletionClient, settings: LlmWriterSettings = {}): ReportWriter {
  const label = describeClient(client, settings);
  let prompts: Prompts | undefined = settings.prompts;
  const slots = settings.maxConcurrent ? slotsFor(settings.server ?? label, settings.maxConcurrent) : null;
  return {
    label,
    usesLlm: true,
    async narrate(req) {
      const answers: RawAnswer[] = [];
      // Waiting for the server's slot is not the model's time: the report's deadline starts after it.
      const release = await slots?.acquire(settings.signal);
      try {
        prompts ??= await loadPrompts(path.dirname(SHIPPED_PROMPTS_DIR));
        return await narrateWithLlm(client, settings, prompts, req, answers);
      } catch (error) {
        // Never lose a report to the LLM: the data-only text stands in, and the report says so at its
        // top. A cancelled activity, a bad prompt file and `llm.required` still fail.
        if (settings.signal?.aborted || error instanceof ValidationError) throw error;
        if (settings.required && !(error instanceof NotAReport)) throw error;
        return dataOnly(req, label, error, answers);
      } finally {
        release?.();
      }
    },
  };
}

function describeClient(client: CompletionClient, settings: LlmWriterSettings): string {
  const known = (client as Partial<Pick<LlmClient, 'settings'>>).settings;
  const provider = typeof known?.provider === 'string' ? known.provider : settings.provider;
  const model = typeof known?.model === 'string' ? known.model : settings.model;
  return ['LLM:', provider || 'configured provider', model || ''].join(' ').trim();
}

/** One report narrated by the LLM; a failure of the provider (after its retries) or a NotAReport is the caller's to handle. */
async function narrateWithLlm(client: CompletionClient, settings: LlmWriterSettings, prompts: Prompts, req: NarrativeRequest, answers: RawAnswer[]): Promise<NarrativeResult> {
  const deadlineAt = Date.now() + (settings.deadlineMs ?? DEFAULT_DEADLINE_MS);
  const budget = settings.promptTokenBudget ?? DEFAULT_BUDGET;
  const prompt = buildPrompt(prompts, req, budget, settings.charsPerToken ?? 4);
  const session = new NarrativeSession(client, prompt, settings, deadlineAt, answers);
  const first = await firstAnswer(session, req);
  const corrected = await correctAnswer(session, req, first, {
    template: prompts.files.correction.text,
    maxCorrections: settings.maxCorrections ?? 1,
    ...(settings.signal ? { signal: settings.signal } : {}),
  });
  const { sections, fellBack } = assembleSections(req, corrected);
  const narrated: Narrated = {
    req,
    last: session.calls[session.calls.length - 1]!,
    fellBack,
    rejected: first.read.rejected.filter((r) => fellBack.includes(r.key)),
    summarised: describeSummarised(prompt.summarised),
    title: (key) => req.sections.find((s) => s.key === key)?.title ?? key,
  };
  const usage = usageOf(narrated, session, corrected);
  const footer = footerLines(narrated, usage, corrected, { budget, retriedEmpty: first.retriedEmpty, truncated: session.calls.some((c) => c.truncated) });
  const warning = rejectionWarning(narrated);
  return { sections, usage, source: sourceLine(narrated), fellBack, footer, unverified: corrected.findings, answers, ...(warning ? { warning } : {}) };
}

interface FirstAnswer {
  asked: Asked;
  read: ReadAnswer;
  /** The first answer was empty and the LLM was asked once more. */
  retriedEmpty: boolean;
}

/** The first answer, read as a report; an empty one is asked for once more. No report at all throws NotAReport. */
async function firstAnswer(session: NarrativeSession, req: NarrativeRequest): Promise<FirstAnswer> {
  let asked = await session.ask([], 'answer');
  let read = readAnswer(asked.text, req.sections, session.sent);
  let retriedEmpty = false;
  if (read.failure === EMPTY_ANSWER) {
    // Small local models now and then stop at once (or only think): one fresh try.
    session.latest().note = EMPTY_ANSWER;
    retriedEmpty = true;
    asked = await session.ask([], 'retry');
    read = readAnswer(asked.text, req.sections, session.sent);
  }
  if (read.failure) {
    session.latest().note = read.failure;
    throw new NotAReport(read.failure === EMPTY_ANSWER ? 'the answer was empty twice' : `the answer was not a report: ${read.failure}`);
  }
  const latest = session.latest();
  latest.used = true;
  latest.note = read.rejected.length ? `not used: ${read.rejected.map((r) => `${r.key} (${r.why})`).join(', ')}` : null;
  return { asked, read, retriedEmpty };
}

/** The model's sections with what is still unverified marked; a section it did not write is the data-only text. */
function assembleSections(req: NarrativeRequest, corrected: Pick<Corrected, 'written' | 'findings'>): { sections: Record<string, string>; fellBack: string[] } {
  const sections: Record<string, string> = {};
  const fellBack: string[] = [];
  for (const s of req.sections) {
    const text = corrected.written[s.key];
    if (text) sections[s.key] = markUnverified(text, corrected.findings.filter((f) => f.section === s.key));
    else {
      sections[s.key] = req.fallback[s.key] ?? '';
      fellBack.push(s.key);
    }
  }
  return { sections, fellBack };
}

/** What the header, footer, usage and warning of a narrated report are made from. */
interface Narrated {
  req: NarrativeRequest;
  /** The last answer: its provider and model are the ones named. */
  last: LlmResult;
  /** Sections written without the LLM. */
  fellBack: string[];
  /** Of those, the ones whose text the LLM wrote but the report rejected. */
  rejected: Rejection[];
  /** What the fact pack gave only as totals. */
  summarised: string[];
  title(key: string): string;
}

const sumOrNull = (values: (number | null)[]): number | null => (values.some((v) => v === null) ? null : values.reduce<number>((s, v) => s + (v ?? 0), 0));

function usageOf(narrated: Narrated, session: NarrativeSession, corrected: Corrected): LlmUsage {
  const { calls } = session;
  return {
    report: narrated.req.report,
    provider: narrated.last.provider,
    model: narrated.last.model,
    input_tokens: sumOrNull(calls.map((c) => c.input_tokens)),
    output_tokens: sumOrNull(calls.map((c) => c.output_tokens)),
    seconds: Math.round(calls.reduce((s, c) => s + c.seconds, 0) * 1000) / 1000,
    requests: session.requests(),
    corrections: corrected.corrections,
    corrected: Math.max(0, corrected.found.length - corrected.findings.length),
    unverified: corrected.findings.length,
    prompt_tokens_estimate: session.prompt.tokens,
    summarised: narrated.summarised,
  };
}

/** The header line: who wrote the narrative, and which sections it did not. */
function sourceLine({ req, last, fellBack, rejected, title }: Narrated): string {
  const partial = fellBack.length ? `; ${fellBack.length} of ${req.sections.length} sections were written without it (${rejectionSummary(rejected, title)})` : '';
  return `Narrative written by LLM ${last.provider} ${last.model}${partial}; all tables computed from the data`;
}

function footerLines(narrated: Narrated, usage: LlmUsage, corrected: Corrected, extra: { budget: number; retriedEmpty: boolean; truncated: boolean }): string[] {
  const { req, last, fellBack, rejected, summarised, title } = narrated;
  const { found, findings, corrections, correctionNote } = corrected;
  const footer: string[] = [
    `Written by LLM ${last.provider} ${last.model} (${plural(usage.requests, 'request')}, ${usage.input_tokens ?? '?'} input and ${usage.output_tokens ?? '?'} output tokens); every table is computed from the data.`,
    ...checkLines({ title, found, findings, corrections, correctionNote, rejected, retriedEmpty: extra.retriedEmpty, written: req.sections.length - fellBack.length }),
  ];
  if (summarised.length) {
    footer.push(`To fit the prompt budget (${extra.budget} tokens), the LLM was given ${summarised.join('; ')}; the tables list everything.`);
  }
  if (extra.truncated) {
    footer.push("The LLM's answer stopped at its token limit (llm.max_tokens): sections it did not reach were written without it.");
  }
  return footer;
}

/** The run's warning when sections the LLM wrote were not used, or null. */
function rejectionWarning({ req, rejected, title }: Narrated): string | null {
  if (!rejected.length) return null;
  const one = rejected.length === 1;
  return `${req.report}: ${plural(rejected.length, 'section')} of the LLM's answer ${one ? 'was' : 'were'} not used and ${one ? 'is' : 'are'} the data-only narrative (${rejectionSummary(rejected, title)})`;
}

/** The report without the LLM, after it failed or gave no report: the data-only text, saying why at its top. */
function dataOnly(req: NarrativeRequest, label: string, error: unknown, answers: RawAnswer[]): NarrativeResult {
  const failure = error instanceof Error ? error.message : String(error);
  const notAReport = error instanceof NotAReport;
  return {
    sections: Object.fromEntries(req.sections.map((s) => [s.key, req.fallback[s.key] ?? ''])),
    usage: null,
    source: notAReport ? `Narrative written without an LLM (${label}: ${failure})` : `Narrative written without an LLM (${label} failed after its retries)`,
    fellBack: req.sections.map((s) => s.key),
    footer: [],
    failure,
    ...(notAReport ? { notAReport: true } : {}),
    answers,
  };
}
