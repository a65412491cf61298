/**
 * The footer lines of a narrated report: what was checked, what was marked, what the checks never
 * cover, and what of the LLM's answer was not used. It never says that everything was checked or
 * matches while a mark remains or a section was not the model's.
 */
import { plural } from './format.js';
import type { Rejection } from './narrative-answer.js';
import { UNVERIFIED_MARK, type Finding } from './verify.js';

/** "1 figure, 2 names and 1 date" */
export function countPhrase(findings: readonly Finding[]): string {
  const count = (kind: Finding['kind'], word: string) => {
    const n = findings.filter((f) => f.kind === kind).length;
    return n ? plural(n, word) : '';
  };
  const parts = [count('number', 'figure'), count('name', 'name'), count('date', 'date')].filter(Boolean);
  return parts.length > 2 ? `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}` : parts.join(' and ');
}

/** What the checks read, and what they cannot. */
export const CHECKS_LINE =
  'Checked against the data: figures (hours, percentages, days, counts), entity ids, names of people, entities, projects, types and states, field values, quotations, dates and relative times. Not checked: statements of fact about people and work (what was done, why, how well) are the model\'s.';

export interface FooterInput {
  title(key: string): string;
  /** Mismatches of the first answer. */
  found: readonly Finding[];
  /** What is still marked. */
  findings: readonly Finding[];
  corrections: number;
  /** Why no (further) correction was used: it failed, was not a report, or fixed less than it broke. */
  correctionNote: string | null;
  rejected: readonly Rejection[];
  /** The first answer was empty and the LLM was asked once more. */
  retriedEmpty: boolean;
  /** Sections written by the model. */
  written: number;
}

export function checkLines(input: FooterInput): string[] {
  const lines: string[] = [];
  const { findings, found } = input;
  if (input.written > 0) {
    lines.push(CHECKS_LINE);
    if (findings.length) {
      const list = findings.slice(0, 10).map((f) => `"${f.text}" (${input.title(f.section)})`);
      const after = input.correctionNote ? ` (${input.correctionNote.replace(/\.$/, '')}.)` : input.corrections ? ` They remained after ${plural(input.corrections, 'correction request')}.` : '';
      lines.push(
        `**${countPhrase(findings)} could not be verified** against the data and ${findings.length === 1 ? 'is' : 'are'} marked ${UNVERIFIED_MARK}: ${list.join(', ')}${findings.length > 10 ? ', …' : ''}.${after}`,
      );
    } else if (found.length) {
      lines.push(`${countPhrase(found)} in the first answer did not match the data and ${found.length === 1 ? 'was' : 'were'} corrected by a follow-up request; the checks found nothing more to mark.`);
    } else {
      lines.push('The checks found nothing to mark.');
    }
    if (!findings.length && input.correctionNote) lines.push(`(${input.correctionNote.replace(/\.$/, '')}.)`);
  }
  for (const [why, keys] of groupRejections(input.rejected)) {
    const titles = keys.map((k) => `"${input.title(k)}"`);
    const list = titles.length > 1 ? `${titles.slice(0, -1).join(', ')} and ${titles[titles.length - 1]}` : titles[0];
    lines.push(`The LLM's text for ${list} was not used (${why}): ${titles.length > 1 ? 'those sections are' : 'that section is'} the data-only narrative.`);
  }
  if (input.retriedEmpty) lines.push("The LLM's first answer was empty; it was asked once more.");
  return lines;
}

/** Rejected sections by reason, in order. */
export function groupRejections(rejected: readonly Rejection[]): [string, string[]][] {
  const by = new Map<string, string[]>();
  for (const r of rejected) by.set(r.why, [...(by.get(r.why) ?? []), r.key]);
  return [...by];
}

/** "Time distribution, Unmatched activities: its heading is missing from the answer; …" */
export function rejectionSummary(rejected: readonly Rejection[], title: (key: string) => string): string {
  return groupRejections(rejected)
    .map(([why, keys]) => `${keys.map(title).join(', ')}: ${why}`)
    .join('; ');
}
