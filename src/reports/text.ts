/**
 * Text from the APIs (names, descriptions, comments, activities) is data, never markup. These
 * functions make it safe for the two places it lands: markdown (tables and prose) and HTML.
 * The LLM's narrative is markdown by design, but it may repeat a hostile name: it is sanitised too.
 */

/** Longest text a table cell shows; the full text stays in the JSON files (and the HTML title). */
export const CELL_MAX_CHARS = 120;
/** A page wraps long cells, so it can show more (the people of a shared activity), yet a hostile 5,000-character name stays bounded. */
export const HTML_CELL_MAX_CHARS = 400;

/** One line, single spaces. */
export function oneLine(value: unknown): string {
  if (value === null || value === undefined) return '';
  return String(value).replace(/\s+/g, ' ').trim();
}

/** The text cut at a character (not code unit) boundary, with "…" when it was longer than `max`. */
export function shorten(text: string, max = CELL_MAX_CHARS): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}

/**
 * Markdown-inert text for any position inside a line: tags, emphasis, code spans, links and table
 * pipes lose their meaning. `<` and `>` become entities (a backslash would leave `<script>` in
 * the file); brackets are escaped only where they could start a link, so `[Scrum] [Task]` reads as is.
 */
export function mdEscape(value: unknown): string {
  return oneLine(value)
    .replace(/\\/g, '\\\\')
    .replace(/&(?=[#\w]+;)/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([*_`~|])/g, '\\$1')
    .replace(/\](?=[([:])/g, '\\]')
    .replace(/!\[/g, '!\\[');
}

/** Markdown text that may start a line (a list item, a heading, a paragraph): no leading markers either. */
export function mdInline(value: unknown): string {
  return mdEscape(value)
    .replace(/^(#{1,6}|[-+])(?=\s|$)/, '\\$1')
    .replace(/^(\d+)([.)])(?=\s|$)/, '$1\\$2');
}

/** A markdown table cell: escaped and shortened. */
export function mdCell(value: unknown, max = CELL_MAX_CHARS): string {
  return mdEscape(shorten(oneLine(value), max));
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for HTML element content and attribute values. */
export function htmlEscape(value: unknown): string {
  if (value === null || value === undefined) return '';
  return String(value).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * The LLM's markdown made safe to store: no HTML tags (`<` becomes an entity), no links or images
 * (their text stays), no tables or code fences (tables come from code).
 */
export function sanitiseNarrative(markdown: string): string {
  return markdown
    .replace(/&(?=[#\w]+;)/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/!?\[([^\]\n]*)\]\((?:[^()\n]|\([^()\n]*\))*\)/g, '$1')
    .replace(/^\s*\[[^\]\n]*\]:.*$/gm, '');
}
