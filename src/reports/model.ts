/**
 * A report as data: a list of sections, each a few blocks (tables, charts, text) built from one
 * model, plus a narrative slot the writer fills. Both renderers (markdown, HTML) walk the same
 * list, and the fact pack and the verifier work on the same facts, so a new section is one entry.
 */
import type { FactPackSpec } from './fact-pack.js';
import type { ReportPromptKind } from './prompts.js';
import type { KnownData } from './verify.js';
import type { Align } from './format.js';

/** A table cell: plain text (escaped by each renderer) or a number, optionally linked or bold. */
export type Cell = string | number | null | undefined | { text: string; href?: string | null; htmlHref?: string | null; strong?: boolean };

export interface Table {
  headers: string[];
  rows: Cell[][];
  align?: Align[];
}

/** A chart's data: one value per category and series. Rendered only in HTML, always next to a table. */
export interface ChartSpec {
  /** Unique on the page, used for SVG ids. */
  id: string;
  title: string;
  /** What the chart shows, in a sentence (the SVG's <desc>). */
  description: string;
  kind: 'stacked' | 'bars' | 'share' | 'line' | 'diverging';
  categories: string[];
  series: { name: string; values: number[] }[];
  /** The value axis' unit: hours or percent. */
  unit: 'h' | '%';
}

export type Block =
  | { kind: 'heading'; text: string }
  | { kind: 'table'; table: Table }
  /** Markdown whose data parts were escaped with `mdInline`/`mdEscape`. */
  | { kind: 'markdown'; markdown: string }
  | { kind: 'chart'; chart: ChartSpec; table?: Table }
  /** Where the section's narrative goes (default: after the other blocks). */
  | { kind: 'narrative' };

export interface Section<M> {
  key: string;
  title: string;
  /** The writer (LLM or deterministic) writes this section's prose. */
  narrated?: boolean;
  /** Its bullets lead with a person's name in bold (the verifier checks those names). */
  people?: boolean;
  /** The deterministic prose (markdown, data escaped): without an LLM, or when the LLM leaves the section out. */
  fallback?(model: M): string;
  blocks(model: M): (Block | null | false | undefined)[];
  /** Omit the section (e.g. comparison off). */
  hidden?(model: M): boolean;
}

export interface ReportDefinition<M> {
  kind: ReportPromptKind;
  /** 'toggl_summary' | 'person:<email>' | 'team_summary' (for usage records and warnings). */
  id(model: M): string;
  title(model: M): string;
  /** The parts of the line under the title (period, generated, …); the narrative source is appended. */
  header(model: M): string[];
  sections: Section<M>[];
  facts(model: M): FactPackSpec;
  known(model: M): KnownData;
  vars(model: M): Record<string, string>;
  entityTypes?(model: M): string[];
}

export interface ReportOptions {
  /** The Fibery account (`acme` or `acme.fibery.io`): entity ids link to Fibery in the HTML page. */
  fiberyWorkspace?: string | null;
}

/** Shorthand for a table block. */
export function tableBlock(headers: string[], rows: Cell[][], align?: Align[]): Block {
  return { kind: 'table', table: { headers, rows, ...(align ? { align } : {}) } };
}

/** Shorthand for a markdown block (null when empty, so it drops out). */
export function md(markdown: string | null | undefined | false): Block | null {
  return markdown ? { kind: 'markdown', markdown } : null;
}

export const heading = (text: string): Block => ({ kind: 'heading', text });
export const NARRATIVE: Block = { kind: 'narrative' };
