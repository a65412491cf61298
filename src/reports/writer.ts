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
import { sanitiseNarrative } from './text.js';
import { ValidationError } from '../errors.js';
import { indexFacts, markUnverified, UNVERIFIED_MARK, verifySections, type Finding, type KnownData } from './verify.js';

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
  /** Why the LLM gave nothing usable (it failed after its retries): the sections are the data-only text. */
  failure?: string;
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
export function buildPrompt(prompts: Prompts, req: Pick<NarrativeRequest, 'kind' | 'sections' | 'facts' | 'vars' | 'entityTypes'>, budgetTokens: number): BuiltPrompt {
  const system = prompts.files.system.text;
  const template = prompts.files[req.kind].text;
  const values = { ...(req.vars ?? {}), sections: sectionHeadings(req.sections), entity_types: entityTypeNotes(prompts, req.entityTypes) };
  // The instructions are fixed; the fact pack gets what they leave of the budget, less room for the
  // note saying what was cut and for the code fence.
  const fixed = estimateTokens(system) + estimateTokens(renderPrompt(template, { ...values, facts: '', summarised: '' })) + 200;
  const pack = fitFactPack(req.facts, Math.max(100, budgetTokens - fixed));
  const user = renderPrompt(template, { ...values, summarised: summarisedPromptNote(pack.summarised), facts: `\`\`\`json\n${pack.json}\n\`\`\`` });
  return { system, user, tokens: estimateTokens(system) + estimateTokens(user), facts: pack.facts, summarised: pack.summarised };
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

/** The sections of an answer with any HTML, link or image of the LLM's made inert. */
function parseSanitised(answer: string, sections: NarrativeSection[]): Record<string, string> {
  return Object.fromEntries(Object.entries(parseSections(answer, sections)).map(([key, text]) => [key, sanitiseNarrative(text)]));
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

function countPhrase(findings: readonly Finding[]): string {
  const count = (kind: Finding['kind'], word: string) => {
    const n = findings.filter((f) => f.kind === kind).length;
    return n ? plural(n, word) : '';
  };
  const parts = [count('number', 'figure'), count('name', 'name'), count('date', 'date')].filter(Boolean);
  return parts.length > 2 ? `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}` : parts.join(' and ');
}

const sumOrNull = (values: (number | null)[]): number | null => (values.some((v) => v === null) ? null : values.reduce<number>((s, v) => s + (v ?? 0), 0));

export function llmWriter(client: CompletionClient, settings: LlmWriterSettings = {}): ReportWriter {
  const label = describeClient(client, settings);
  let prompts: Prompts | undefined = settings.prompts;
  const narrateWithLlm = async (req: NarrativeRequest): Promise<NarrativeResult> => {
      prompts ??= await loadPrompts(path.dirname(SHIPPED_PROMPTS_DIR));
      const started = Date.now();
      const deadlineAt = started + (settings.deadlineMs ?? DEFAULT_DEADLINE_MS);
      const budget = settings.promptTokenBudget ?? DEFAULT_BUDGET;
      const prompt = buildPrompt(prompts, req, budget);
      const ask = (followUp: LlmTurn[]) =>
        client.complete({
          system: prompt.system,
          user: prompt.user,
          ...(followUp.length ? { followUp } : {}),
          ...(settings.maxTokens !== undefined ? { maxTokens: settings.maxTokens } : {}),
          ...(settings.temperature !== undefined ? { temperature: settings.temperature } : {}),
          ...(settings.signal ? { signal: settings.signal } : {}),
          deadlineMs: Math.max(1, deadlineAt - Date.now()),
        });

      // A failure here (after the client's retries) is handled by `narrate` below.
      const first = await ask([]);
      const calls: LlmResult[] = [first];
      let written = parseSanitised(first.text, req.sections);
      // The prompt's own words (section titles, product names) are the model's to repeat.
      const index = indexFacts(prompt.facts, req.known, `${prompt.system}\n${prompt.user}`);
      const options = { peopleSections: req.sections.filter((s) => s.people).map((s) => s.key) };
      const found = verifySections(written, index, options);
      let findings = found;
      let corrections = 0;
      let correctionFailed: string | null = null;
      const conversation: LlmTurn[] = [];
      let lastAnswer = first.text;
      const maxCorrections = settings.maxCorrections ?? 1;
      while (findings.length && corrections < maxCorrections) {
        if (deadlineAt - Date.now() < MIN_CORRECTION_MS) {
          correctionFailed = 'no time was left for a correction request';
          break;
        }
        corrections++;
        conversation.push(
          { role: 'assistant', content: lastAnswer },
          { role: 'user', content: renderPrompt(prompts.files.correction.text, { problems: describeFindings(findings, req.sections), sections: sectionHeadings(req.sections) }) },
        );
        try {
          const again = await ask(conversation);
          calls.push(again);
          lastAnswer = again.text;
          // A section the corrected answer leaves out keeps its first text (checked again below).
          written = { ...written, ...parseSanitised(again.text, req.sections) };
          findings = verifySections(written, index, options);
        } catch (error) {
          // The first answer stands (the provider works); its mismatches are marked below.
          if (settings.signal?.aborted) throw error;
          correctionFailed = `the correction request failed: ${error instanceof Error ? error.message : String(error)}`;
          break;
        }
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

      const last = calls[calls.length - 1]!;
      const requests = calls.reduce((n, c) => n + (c.attempts ?? 1), 0);
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

      const count = req.sections.length - fellBack.length;
      const partial = fellBack.length ? `; ${fellBack.length} of ${req.sections.length} sections missing from its answer were written without it` : '';
      const source =
        count === 0
          ? `Narrative written without an LLM (the answer of LLM ${last.provider} ${last.model} had none of the sections)`
          : `Narrative written by LLM ${last.provider} ${last.model}${partial}; all tables computed from the data`;

      const footer: string[] = [];
      footer.push(
        `Written by LLM ${last.provider} ${last.model} (${plural(requests, 'request')}, ${usage.input_tokens ?? '?'} input and ${usage.output_tokens ?? '?'} output tokens); every table is computed from the data.`,
      );
      if (findings.length) {
        const list = findings.slice(0, 10).map((f) => `"${f.text}" (${req.sections.find((s) => s.key === f.section)?.title ?? f.section})`);
        footer.push(
          `**${countPhrase(findings)} could not be verified** against the data and ${findings.length === 1 ? 'is' : 'are'} marked ${UNVERIFIED_MARK}: ${list.join(', ')}${findings.length > 10 ? ', …' : ''}.` +
            (correctionFailed ? ` (${correctionFailed.replace(/\.$/, '')}.)` : corrections ? ` They remained after ${plural(corrections, 'correction request')}.` : ''),
        );
      } else if (found.length) {
        footer.push(`${countPhrase(found)} in the first answer did not match the data and ${found.length === 1 ? 'was' : 'were'} corrected by a follow-up request; every figure in the narrative now matches the data.`);
      } else if (count > 0) {
        footer.push('Every figure and name in the narrative was checked against the data.');
      }
      if (summarised.length) {
        footer.push(`To fit the prompt budget (${budget} tokens), the LLM was given ${summarised.join('; ')}; the tables list everything.`);
      }
      if (calls.some((c) => c.truncated)) {
        footer.push('The LLM\'s answer stopped at its token limit (llm.max_tokens): sections it did not reach were written without it.');
      }
      return { sections, usage, source, fellBack, footer, unverified: findings };
  };
  return {
    label,
    usesLlm: true,
    async narrate(req) {
      try {
        return await narrateWithLlm(req);
      } catch (error) {
        // Never lose a report to the LLM: the data-only text stands in, and the report says so at its
        // top. A cancelled activity, a bad prompt file and `llm.required` still fail.
        if (settings.required || settings.signal?.aborted || error instanceof ValidationError) throw error;
        const failure = error instanceof Error ? error.message : String(error);
        const sections = Object.fromEntries(req.sections.map((s) => [s.key, req.fallback[s.key] ?? '']));
        return {
          sections,
          usage: null,
          source: `Narrative written without an LLM (${label} failed after its retries)`,
          fellBack: req.sections.map((s) => s.key),
          footer: [],
          failure,
        };
      }
    },
  };
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
    ...(signal ? { signal } : {}),
  });
}
