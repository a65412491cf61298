/**
 * Fibery rich text (descriptions, comments: markdown as Fibery's API exports it) as a few lines
 * of safe report markdown that keep its shape: headings become bold lines, task lists stay task
 * lists (`- [ ]`, `- [x]`), bullet and numbered lists stay lists, links and images keep only
 * their text, HTML and code fences are dropped. Every piece of text is escaped with `mdEscape`,
 * so a hostile description is as inert as a hostile name.
 */
import { mdEscape, mdInline, shorten } from './text.js';

export interface RichTextLimits {
  /** Lines kept; the rest is summed up as "…". */
  maxLines: number;
  /** Characters of text kept over all lines. */
  maxChars: number;
}

const DEFAULT_LIMITS: RichTextLimits = { maxLines: 10, maxChars: 600 };

/** Inline markdown → plain text: links and images keep their text, emphasis and code marks go. */
function plainInline(text: string): string {
  return text
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]*>/g, ' ')
    .replace(/(\*\*|__|~~|`)/g, '')
    .replace(/(^|\s)[*_](?=\S)([^*_]*?\S)[*_](?=\s|$|[.,;:!?])/g, '$1$2')
    .replace(/\s+/g, ' ')
    .trim();
}

type Line = { kind: 'heading' | 'text'; text: string } | { kind: 'item'; marker: string; text: string };

function parseLine(raw: string): Line | null {
  const line = raw.replace(/\t/g, '  ');
  const task = /^\s*[-*+]\s+\[([ xX])\]\s+(.*)$/.exec(line);
  if (task) return { kind: 'item', marker: task[1] === ' ' ? '- [ ]' : '- [x]', text: task[2]! };
  const bullet = /^\s*[-*+]\s+(.*)$/.exec(line);
  if (bullet) return { kind: 'item', marker: '-', text: bullet[1]! };
  const numbered = /^\s*(\d{1,9})[.)]\s+(.*)$/.exec(line);
  if (numbered) return { kind: 'item', marker: `${Number(numbered[1])}.`, text: numbered[2]! };
  const headingLine = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
  if (headingLine) return { kind: 'heading', text: headingLine[1]! };
  const quote = /^\s*>\s?(.*)$/.exec(line);
  const text = quote ? quote[1]! : line;
  return text.trim() ? { kind: 'text', text } : null;
}

/**
 * The rich text as markdown lines (no blank lines, so they can be quoted under a list item), or
 * an empty list when it holds no text.
 */
export function richTextLines(markdown: string | null | undefined, limits: RichTextLimits = DEFAULT_LIMITS): string[] {
  if (!markdown) return [];
  const withoutCode = markdown.replace(/```[\s\S]*?(```|$)/g, '\n').replace(/\r\n?/g, '\n');
  const out: string[] = [];
  let budget = limits.maxChars;
  for (const raw of withoutCode.split('\n')) {
    const line = parseLine(raw);
    if (!line) continue;
    const text = plainInline(line.text);
    if (!text) continue;
    if (out.length === limits.maxLines || budget <= 0) {
      out.push('…');
      break;
    }
    const kept = shorten(text, Math.max(budget, 1));
    budget -= [...kept].length;
    if (line.kind === 'item') out.push(`${line.marker} ${mdEscape(kept)}`);
    else if (line.kind === 'heading') out.push(`**${mdEscape(kept)}**`);
    // A line of text that would read as a list item or a heading stays text.
    else out.push(mdInline(kept));
  }
  return out;
}
