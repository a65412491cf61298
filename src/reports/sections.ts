/** The sections of an LLM's answer, found by their headings. */
import type { NarrativeSection } from './writer.js';
import { sanitiseNarrative } from './text.js';

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
export function parseSections(answer: string, sections: readonly NarrativeSection[]): Record<string, string> {
  return parseHeaded(answer, sections).sections;
}

/** The sections of an answer, and the keys whose heading it has (not only text before the first heading). */
export function parseHeaded(answer: string, sections: readonly NarrativeSection[]): { sections: Record<string, string>; headed: Set<string> } {
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
  const headed = new Set(found.keys());
  const first = sections[0];
  if (first && !found.has(first.key) && preamble.some((l) => l.trim())) found.set(first.key, preamble);

  const out: Record<string, string> = {};
  for (const s of sections) {
    const text = (found.get(s.key) ?? []).join('\n').replace(/\n{3,}/g, '\n\n').trim();
    if (text) out[s.key] = text;
  }
  return { sections: out, headed };
}

/** The sections of an answer with any HTML, link or image of the LLM's made inert. */
export function parseSanitised(answer: string, sections: readonly NarrativeSection[]): { sections: Record<string, string>; headed: Set<string> } {
  const { sections: found, headed } = parseHeaded(answer, sections);
  return { sections: Object.fromEntries(Object.entries(found).map(([key, text]) => [key, sanitiseNarrative(text)])), headed };
}
