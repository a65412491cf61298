/**
 * The HTML renderer: a rendered document as one self-contained page (inline CSS and SVG, no
 * script, a Content-Security-Policy that forbids every network load), readable offline and
 * printable. Every chart stands next to the table of its numbers.
 */
import { chartSvg } from './charts.js';
import type { Block, Cell, Table } from './model.js';
import type { RenderedDocument } from './render-markdown.js';
import { HTML_CELL_MAX_CHARS, htmlEscape, oneLine, shorten } from './text.js';

export interface HtmlOptions {
  /** The page's language tag. */
  lang?: string;
}

/** No network loads at all: styles and images are inline, nothing else is allowed. */
export const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1180px; padding: 24px 32px 48px; overflow-wrap: anywhere; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1a1a1a; background: #fff; }
h1 { font-size: 1.7rem; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 1.3rem; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 2px solid #0072B2; overflow-wrap: anywhere; }
h3 { font-size: 1.05rem; margin: 20px 0 6px; overflow-wrap: anywhere; }
.meta { color: #555; font-size: 0.9rem; margin: 0 0 12px; }
.banner { border: 2px solid #D55E00; background: #fff4ec; padding: 8px 12px; font-weight: 600; }
.narrative { max-width: 80ch; }
.narrative p, .narrative ul { margin: 6px 0; }
blockquote { margin: 4px 0 4px 16px; padding-left: 10px; border-left: 3px solid #ccc; color: #444; }
.table-wrap { max-width: 100%; overflow-x: auto; margin: 8px 0 12px; }
table { border-collapse: collapse; font-size: 0.88rem; }
th, td { border: 1px solid #d0d4da; padding: 3px 8px; vertical-align: top; text-align: left; overflow-wrap: normal; word-break: normal; hyphens: manual; }
th { background: #eef2f6; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num, td.short, th.short, .nw { white-space: nowrap; }
td.wide { min-width: 12em; }
li.task { list-style: none; margin-left: -1.2em; }
li.task .box { display: inline-block; width: 1.2em; }
@media (max-width: 600px) {
  body { padding: 12px 12px 32px; }
  td.wide { min-width: 9em; }
}
tr.total td { font-weight: 700; background: #f6f8fa; }
figure { margin: 12px 0 4px; break-inside: avoid; page-break-inside: avoid; }
figcaption { font-weight: 600; margin-bottom: 4px; }
figure svg { display: block; max-width: 100%; height: auto; }
em.unverified { color: #D55E00; font-style: normal; font-weight: 600; }
footer { margin-top: 32px; border-top: 1px solid #ccc; color: #444; font-size: 0.9rem; }
a { color: #005a8c; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  .table-wrap { overflow: visible; }
  a { color: inherit; }
}
`;

// ---- the narrative's markdown (already escaped or sanitised) → HTML ----

const PLACEHOLDER_BASE = 0xe000;

/** Inline markdown → HTML: backslash escapes and entities become literal text; bold, italics and code become tags. */
export function inlineHtml(markdown: string): string {
  const literals: string[] = [];
  const keep = (text: string) => {
    literals.push(text);
    return String.fromCharCode(PLACEHOLDER_BASE + literals.length - 1);
  };
  let text = markdown
    .replace(/[\ue000-\uf8ff]/g, '')
    .replace(/\\([!-/:-@[-`{-~])/g, (_, c: string) => keep(c))
    .replace(/&(lt|gt|amp|quot|#39);/g, (_, e: string) => keep({ lt: '<', gt: '>', amp: '&', quot: '"', '#39': "'" }[e]!));
  text = htmlEscape(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*(?=\S)([\s\S]*?\S)\*\*/g, '<strong>$1</strong>')
    .replace(/\*\(unverified\)\*/g, '<em class="unverified">(unverified)</em>')
    .replace(/(^|[^*\w])\*(?=\S)([^*]*?\S)\*(?!\*)/g, '$1<em>$2</em>')
    .replace(/(^|[^\w])_(?=\S)([^_]*?\S)_(?!\w)/g, '$1<em>$2</em>');
  return text.replace(/[\ue000-\uf8ff]/g, (c) => htmlEscape(literals[c.charCodeAt(0) - PLACEHOLDER_BASE] ?? ''));
}

/** A list item's HTML: a task item (`[ ]`, `[x]`) gets a box that says whether it is done. */
function itemHtml(text: string): string {
  const task = /^\[([ xX])\]\s+(.*)$/.exec(text);
  if (!task) return `<li>${inlineHtml(text)}</li>`;
  const done = task[1] !== ' ';
  return `<li class="task" data-done="${done}"><span class="box" aria-label="${done ? 'done' : 'not done'}">${done ? '☑' : '☐'}</span> ${inlineHtml(task[2] ?? '')}</li>`;
}

/** Block markdown (paragraphs, `-` and `1.` lists, task lists, `>` quotes with blocks inside, `---`) → HTML. */
export function markdownHtml(markdown: string): string {
  const out: string[] = [];
  let list: { tag: 'ul' | 'ol'; items: string[] } | null = null;
  let paragraph: string[] = [];
  let quote: string[] | null = null;
  const flush = () => {
    if (paragraph.length) out.push(`<p>${paragraph.map(inlineHtml).join(' ')}</p>`);
    paragraph = [];
    if (list) out.push(`<${list.tag}>${list.items.join('')}</${list.tag}>`);
    list = null;
    if (quote) out.push(`<blockquote>${markdownHtml(quote.join('\n'))}</blockquote>`);
    quote = null;
  };
  for (const raw of markdown.split('\n')) {
    const line = raw.trimEnd();
    const quoted = /^\s*>\s?(.*)$/.exec(line);
    if (quoted) {
      if (!quote) flush();
      (quote ??= []).push(quoted[1] ?? '');
      continue;
    }
    if (quote) flush();
    const bullet = /^\s*[-*+]\s+(.*)$/.exec(line);
    const numbered = /^\s*\d{1,9}[.)]\s+(.*)$/.exec(line);
    const item = bullet ?? numbered;
    if (!line.trim()) flush();
    else if (/^\s*(---+|\*\*\*+)\s*$/.test(line)) {
      flush();
      out.push('<hr>');
    } else if (item) {
      const tag = bullet ? 'ul' : 'ol';
      if (paragraph.length || (list && list.tag !== tag)) flush();
      (list ??= { tag, items: [] }).items.push(itemHtml(item[1] ?? ''));
    } else if (list && /^\s{2,}/.test(raw)) {
      list.items[list.items.length - 1] = list.items[list.items.length - 1]!.replace(/<\/li>$/, ` ${inlineHtml(line.trim())}</li>`);
    } else {
      if (list) flush();
      paragraph.push(line.trim());
    }
  }
  flush();
  return out.join('\n');
}

// ---- tables and charts ----

/** A word longer than this is cut in a cell (the full text stays in the title): words never break across lines. */
const CELL_MAX_WORD_CHARS = 32;
/** A column whose cells are all this short (states, statuses, hours, dates) never wraps. */
const SHORT_COLUMN_CHARS = 24;

/** The text a cell shows: at most HTML_CELL_MAX_CHARS, no word longer than CELL_MAX_WORD_CHARS. */
function shownText(full: string): string {
  return shorten(full, HTML_CELL_MAX_CHARS)
    .split(' ')
    .map((word) => shorten(word, CELL_MAX_WORD_CHARS))
    .join(' ');
}

const cellText = (cell: Cell): string => (cell === null || cell === undefined ? '' : typeof cell === 'object' ? oneLine(cell.text) : oneLine(cell));

/** Characters a browser may break a line after or before inside a word (UAX #14 classes BA, HY, SY, CL, CP, EX, IS, OP). */
const BREAKS_INSIDE = /[-\u2010-\u2014/\\()[\]{}?!\u2026|,;:.]/;

/**
 * Cell text as HTML whose words never break: a browser may break after a hyphen, a slash or a
 * bracket ("Sub-|task"), so a word holding anything but letters and digits is kept on one line.
 */
function wordsHtml(text: string): string {
  return text
    .split(' ')
    .map((word) => (BREAKS_INSIDE.test(word) ? `<span class="nw">${htmlEscape(word)}</span>` : htmlEscape(word)))
    .join(' ');
}

function cellHtml(cell: Cell): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell !== 'object') {
    const full = oneLine(cell);
    const short = shownText(full);
    return short === full ? wordsHtml(full) : `<span title="${htmlEscape(full)}">${wordsHtml(short)}</span>`;
  }
  const text = cellHtml(cell.text);
  const href = cell.htmlHref !== undefined ? cell.htmlHref : cell.href;
  const linked = href && /^(https?:\/\/|[\w./-]+$)/.test(href) ? `<a href="${htmlEscape(encodeURI(href))}">${text}</a>` : text;
  return cell.strong ? `<strong>${linked}</strong>` : linked;
}

const isTotalRow = (row: Cell[]) => typeof row[0] === 'object' && row[0] !== null && row[0].strong === true;

/** How each column lays out: numbers right-aligned, short columns on one line, long ones wide enough to read. */
function columnClasses(table: Table): string[] {
  return table.headers.map((_, i) => {
    if (table.align?.[i] === 'right') return ' class="num"';
    const longest = Math.max(0, ...table.rows.map((row) => [...shownText(cellText(row[i]))].length));
    if (longest <= SHORT_COLUMN_CHARS) return ' class="short"';
    return longest > 2 * SHORT_COLUMN_CHARS ? ' class="wide"' : '';
  });
}

export function tableHtml(table: Table): string {
  const classes = columnClasses(table);
  const cls = (i: number) => classes[i] ?? '';
  const head = `<tr>${table.headers.map((h, i) => `<th${cls(i)} scope="col">${wordsHtml(oneLine(h))}</th>`).join('')}</tr>`;
  const body = table.rows
    .map((row) => `<tr${isTotalRow(row) ? ' class="total"' : ''}>${table.headers.map((_, i) => `<td${cls(i)}>${cellHtml(row[i])}</td>`).join('')}</tr>`)
    .join('\n');
  return `<div class="table-wrap"><table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table></div>`;
}

function blockHtml(block: Block): string {
  switch (block.kind) {
    case 'heading':
      return `<h3>${htmlEscape(oneLine(block.text))}</h3>`;
    case 'table':
      return tableHtml(block.table);
    case 'markdown':
      return `<div class="narrative">${markdownHtml(block.markdown)}</div>`;
    case 'chart':
      return [
        `<figure class="chart" id="${htmlEscape(block.chart.id)}" data-kind="${block.chart.kind}">`,
        `<figcaption>${htmlEscape(block.chart.title)}</figcaption>`,
        chartSvg(block.chart),
        '</figure>',
        block.table ? tableHtml(block.table) : '',
      ].join('\n');
    case 'narrative':
      return '';
  }
}

export function toHtml(doc: RenderedDocument, options: HtmlOptions = {}): string {
  const sections = doc.sections.map((s) => [`<section id="${htmlEscape(s.key)}">`, `<h2>${htmlEscape(oneLine(s.title))}</h2>`, ...s.blocks.map(blockHtml), '</section>'].join('\n'));
  return [
    '<!DOCTYPE html>',
    `<html lang="${htmlEscape(options.lang ?? 'en')}">`,
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${htmlEscape(shorten(oneLine(doc.title), 200))}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    '<header>',
    `<h1>${htmlEscape(oneLine(doc.title))}</h1>`,
    `<p class="meta">${doc.header.map((h) => htmlEscape(oneLine(h))).join(' · ')}</p>`,
    doc.banner ? `<p class="banner" role="alert">${htmlEscape(doc.banner)}</p>` : '',
    '</header>',
    '<main>',
    ...sections,
    '</main>',
    doc.footer.length ? `<footer><p>About the narrative:</p><ul>${doc.footer.map((l) => `<li>${inlineHtml(l)}</li>`).join('')}</ul></footer>` : '',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
