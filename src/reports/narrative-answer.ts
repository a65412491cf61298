/**
 * Reads an LLM's answer as a report's narrative: its reasoning stripped, split into the requested
 * sections, and each section judged as prose (not empty, not self-talk, not a program's output,
 * not a repetition or an echo of the prompt). A section that fails is rejected: the report uses
 * its data-only text and says why. An answer with none of the requested headings (when more
 * than one section was asked for) is no report at all.
 */
import { proseProblem, stripReasoning } from '../llm/answer.js';
import { parseSanitised } from './sections.js';
import type { NarrativeSection } from './writer.js';

export interface Rejection {
  key: string;
  /** "it repeats itself", "its heading is missing from the answer" */
  why: string;
}

export interface ReadAnswer {
  /** The accepted sections, sanitised. */
  sections: Record<string, string>;
  rejected: Rejection[];
  /** Why the whole answer is unusable ('empty' for no text after the reasoning is stripped), or null. */
  failure: string | null;
}

export const EMPTY_ANSWER = 'the answer was empty';
const MISSING_HEADING = 'its heading is missing from the answer';

export function readAnswer(raw: string, sections: readonly NarrativeSection[], prompts: readonly string[]): ReadAnswer {
  const text = stripReasoning(raw);
  if (!text || !/\p{L}/u.test(text)) return { sections: {}, rejected: [], failure: EMPTY_ANSWER };
  const { sections: found, headed } = parseSanitised(text, sections);
  if (sections.length > 1 && headed.size === 0) {
    const whole = proseProblem(text, { prompts });
    return { sections: {}, rejected: [], failure: `the answer has none of the requested headings${whole ? ` and ${whole}` : ''}` };
  }
  const accepted: Record<string, string> = {};
  const rejected: Rejection[] = [];
  for (const s of sections) {
    const body = found[s.key];
    if (!body) {
      rejected.push({ key: s.key, why: MISSING_HEADING });
      continue;
    }
    const problem = proseProblem(body, { prompts });
    if (problem) rejected.push({ key: s.key, why: problem });
    else accepted[s.key] = body;
  }
  if (!Object.keys(accepted).length) {
    return { sections: {}, rejected, failure: `no section of the answer is usable (${[...new Set(rejected.map((r) => r.why))].join('; ')})` };
  }
  return { sections: accepted, rejected, failure: null };
}

/**
 * How many sections an answer spoilt (written, but not prose a report can use): a correction must
 * not spoil more than the answer it corrects. A section it leaves out is no fault: it keeps its
 * first text.
 */
export const malformed = (answer: ReadAnswer): number => answer.rejected.filter((r) => r.why !== MISSING_HEADING).length;
