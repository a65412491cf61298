/**
 * Markdown formatting shared by the reports (pure functions). Every number a reader sees in a
 * table goes through here, so hours are always one decimal and percentages always whole numbers
 * computed from seconds.
 */
import type { Cell } from './model.js';
import { mdCell, mdInline } from './text.js';

/** Hours, one decimal, as a number: 5400 s → 1.5. */
export function roundHours(seconds: number): number {
  const value = Math.round((seconds / 3600) * 10) / 10;
  return Object.is(value, -0) ? 0 : value;
}

/** Hours for a table or a sentence: 5400 s → "1.5 h". */
export function hours(seconds: number): string {
  return `${roundHours(seconds).toFixed(1)} h`;
}

/** A whole-number percentage of `whole` (0 when `whole` is 0): percent(1, 3) → 33. */
export function percentValue(part: number, whole: number): number {
  if (!whole) return 0;
  const value = Math.round((part / whole) * 100);
  return Object.is(value, -0) ? 0 : value;
}

/** "33%" (or "–" when there is nothing to divide by). */
export function percent(part: number, whole: number): string {
  return whole ? `${percentValue(part, whole)}%` : '–';
}

/** "1 entry" / "3 entries". */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

/** One markdown table cell: escaped (no pipes, links, tags or emphasis from the data), one line, shortened. */
export function escapeCell(value: unknown): string {
  return mdCell(value);
}

/** Data text used inline in markdown (a list item, a heading): one line, no markup, no leading markers. */
export function inline(value: unknown): string {
  return mdInline(value);
}

export type Align = 'left' | 'right';

/**
 * A markdown table. `align` gives each column's alignment (default left). A table with no rows
 * still renders its header, so an empty result is visibly empty rather than missing. Every row
 * has exactly the header's number of cells.
 */
export function table(headers: string[], rows: Cell[][], align: Align[] = []): string {
  const head = `| ${headers.map((h) => mdCell(h)).join(' | ')} |`;
  const rule = `|${headers.map((_, i) => (align[i] === 'right' ? '---:' : '---')).join('|')}|`;
  const body = rows.map((row) => `| ${headers.map((_, i) => markdownCell(row[i])).join(' | ')} |`);
  return [head, rule, ...body].join('\n');
}

/** A cell of our own making: bold and links are markup, the text inside is escaped. */
export function markdownCell(cell: Cell): string {
  if (cell === null || cell === undefined || typeof cell !== 'object') return mdCell(cell);
  const text = mdCell(cell.text);
  const linked = cell.href ? `[${text}](${encodeURI(cell.href)})` : text;
  return cell.strong && text ? `**${linked}**` : linked;
}

/** `YYYY-MM-DD` from an ISO date or date-time (null when it is not one). */
export function isoDateOf(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const m = /^(\d{4}-\d{2}-\d{2})(?:$|[T ])/.exec(value.trim());
  return m ? (m[1] ?? null) : null;
}

/** "2025-09-08 10:15 UTC" from an ISO date-time; the input itself when it cannot be parsed. */
export function formatDateTime(value: string): string {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;
}

/** "2025-09-01 – 2025-09-07". */
export function periodLabel(period: { start_date: string; end_date: string }): string {
  return period.start_date === period.end_date ? period.start_date : `${period.start_date} – ${period.end_date}`;
}

/** The number of calendar days in an inclusive `YYYY-MM-DD` period. */
export function periodDays(period: { start_date: string; end_date: string }): number {
  const from = Date.parse(`${period.start_date}T00:00:00Z`);
  const to = Date.parse(`${period.end_date}T00:00:00Z`);
  return Number.isNaN(from) || Number.isNaN(to) ? 0 : Math.max(0, Math.round((to - from) / 86_400_000) + 1);
}

/**
 * A short, single-line excerpt of markdown text, safe to put in a block quote: headings, images,
 * link targets, emphasis markers and HTML are removed, white space collapsed, cut at a word
 * boundary near `max` characters.
 */
export function excerpt(markdown: string | null | undefined, max = 200): string | null {
  if (!markdown) return null;
  const text = markdown
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/!\[[^\]]*\]\([^)]*\)/g, ' ')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]*>/g, ' ')
    .replace(/^\s{0,3}(#{1,6}|>|[-*+]|\d+\.)\s+/gm, '')
    .replace(/(\*\*|__|~~|`)/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (!text) return null;
  const chars = [...text];
  if (chars.length <= max) return text.replace(/</g, '&lt;');
  const cut = chars.slice(0, max).join('');
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,.;:]+$/, '')}…`.replace(/</g, '&lt;');
}

/** Blocks of markdown joined by blank lines (empty blocks dropped), ending with one newline. */
export function joinBlocks(blocks: (string | null | undefined | false)[]): string {
  return `${blocks
    .filter((b): b is string => typeof b === 'string' && b.trim() !== '')
    .map((b) => b.replace(/^\n+|\s+$/g, ''))
    .join('\n\n')}\n`;
}

/** A bulleted list, or `empty` when there are no items. */
export function bullets(items: string[], empty = 'None.'): string {
  return items.length ? items.map((item) => `- ${item}`).join('\n') : empty;
}

export { typeLabel } from '../toggl/breakdown.js';

// The aggregation's entity key (`Scrum/Task#7658`), so report lookups and enrichment results always agree.
export { entityKey } from '../workflows/contract.js';

/** The first `limit` items and how many were left out. */
export function capList<T>(items: readonly T[], limit: number): { items: T[]; omitted: number } {
  return { items: items.slice(0, limit), omitted: Math.max(0, items.length - limit) };
}

/** Groups items by a label and sums their seconds (and counts), largest first, then by label. */
export function groupSeconds<T>(
  items: readonly T[],
  label: (item: T) => string,
  seconds: (item: T) => number,
  entries: (item: T) => number = () => 0,
): { label: string; seconds: number; items: number; entries: number }[] {
  const groups = new Map<string, { label: string; seconds: number; items: number; entries: number }>();
  for (const item of items) {
    const key = label(item);
    const group = groups.get(key) ?? { label: key, seconds: 0, items: 0, entries: 0 };
    group.seconds += seconds(item);
    group.items += 1;
    group.entries += entries(item);
    groups.set(key, group);
  }
  return [...groups.values()].sort((a, b) => b.seconds - a.seconds || a.label.localeCompare(b.label));
}

/** `#7658` for an entity id. */
export function entityRef(id: string): string {
  return `#${id}`;
}
