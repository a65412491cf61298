/**
 * The correction loop of an LLM narrative: the figures and names of the answer that do not match
 * the fact pack are sent back (once by default), and a correction is used only when it fixes more
 * than it breaks; what still does not match stays in the findings, to be marked in the text.
 */
import type { LlmTurn } from '../llm/client.js';
import { malformed, readAnswer, type ReadAnswer } from './narrative-answer.js';
import { sectionHeadings } from './narrative-prompt.js';
import type { Asked, NarrativeSession } from './narrative-session.js';
import { renderPrompt } from './prompts.js';
import { indexFacts, verifySections, type Finding } from './verify.js';
import type { NarrativeRequest, NarrativeSection } from './writer.js';

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

export interface CorrectionSettings {
  /** The correction prompt's template. */
  template: string;
  /** Correction requests before mismatches are marked unverified. */
  maxCorrections: number;
  /** The activity's cancellation: a correction request that fails because of it fails the report. */
  signal?: AbortSignal;
}

export interface Corrected {
  /** The sections as they stand after the corrections used. */
  written: Record<string, string>;
  /** Mismatches of the first answer. */
  found: Finding[];
  /** Mismatches still there: to be marked unverified. */
  findings: Finding[];
  corrections: number;
  /** Why no (further) correction was used: no time, it failed, was not a report, or fixed less than it broke. */
  correctionNote: string | null;
}

/** Checks the first answer against the facts and asks for corrections while mismatches remain. */
export async function correctAnswer(session: NarrativeSession, req: NarrativeRequest, first: { asked: Asked; read: ReadAnswer }, settings: CorrectionSettings): Promise<Corrected> {
  const index = indexFacts(session.prompt.facts, req.known, session.sent.join('\n'));
  const ctx: CorrectionContext = {
    sections: req.sections,
    // The request quotes the answer's own sentences: an echo is of its fixed wording (the template).
    prompts: [...session.sent, settings.template],
    index,
    options: { peopleSections: req.sections.filter((s) => s.people).map((s) => s.key) },
  };
  const found = verifySections(first.read.sections, index, ctx.options);
  const state: Corrected = { written: first.read.sections, found, findings: found, corrections: 0, correctionNote: null };
  const conversation: LlmTurn[] = [];
  let lastAnswer = first.asked.text;
  while (state.findings.length && state.corrections < settings.maxCorrections) {
    if (session.msLeft() < MIN_CORRECTION_MS) {
      state.correctionNote = 'no time was left for a correction request';
      break;
    }
    state.corrections++;
    const request = renderPrompt(settings.template, { problems: describeFindings(state.findings, req.sections), sections: sectionHeadings(req.sections) });
    conversation.push({ role: 'assistant', content: lastAnswer }, { role: 'user', content: request });
    const round = await correctionRound(session, conversation, first.read, state, ctx, settings.signal);
    if (!round.accepted) {
      state.correctionNote = round.note;
      break;
    }
    lastAnswer = round.text;
    state.written = round.written;
    state.findings = round.findings;
  }
  return state;
}

type Verdict = { accepted: true; written: Record<string, string>; findings: Finding[]; note: string | null } | { accepted: false; note: string };

/** Sends the correction request and judges its answer; a request that fails leaves the first answer standing (the provider works). */
async function correctionRound(
  session: NarrativeSession,
  conversation: LlmTurn[],
  original: ReadAnswer,
  current: Pick<Corrected, 'written' | 'findings'>,
  ctx: CorrectionContext,
  signal: AbortSignal | undefined,
): Promise<(Verdict & { accepted: false }) | (Verdict & { accepted: true; text: string })> {
  let again: Asked;
  try {
    again = await session.ask(conversation, 'correction');
  } catch (error) {
    if (signal?.aborted) throw error;
    return { accepted: false, note: `the correction request failed: ${error instanceof Error ? error.message : String(error)}` };
  }
  const verdict = judgeCorrection(again.text, original, current.written, current.findings, ctx);
  session.latest().note = verdict.note;
  if (!verdict.accepted) return verdict;
  session.latest().used = true;
  return { ...verdict, text: again.text };
}

interface CorrectionContext {
  sections: readonly NarrativeSection[];
  prompts: readonly string[];
  index: ReturnType<typeof indexFacts>;
  options: { peopleSections: string[] };
}

const keyOf = (f: Finding) => `${f.section}\u0000${f.kind}\u0000${f.text}`;

/** How many findings a correction fixes, and how many new ones it brings. */
function fixedAndBroken(before: readonly Finding[], after: readonly Finding[]): { fixed: number; broken: number } {
  const was = new Set(before.map(keyOf));
  const now = new Set(after.map(keyOf));
  return { fixed: [...was].filter((k) => !now.has(k)).length, broken: [...now].filter((k) => !was.has(k)).length };
}

/**
 * A correction is used only when it is at least as well-formed as the answer it corrects (it is a
 * report, and spoils no more sections) and fixes more findings than it brings; a section it leaves out or spoils keeps
 * its first text.
 */
function judgeCorrection(text: string, original: ReadAnswer, written: Record<string, string>, findings: readonly Finding[], ctx: CorrectionContext): Verdict {
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
