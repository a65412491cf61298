/** The markdown renderer: a rendered document as `reports/*.md`. Charts appear as their tables. */
import { joinBlocks, table } from './format.js';
import type { Block } from './model.js';
import { mdEscape, mdInline } from './text.js';

/** A report with its narrative in place: what both renderers draw. */
export interface RenderedDocument {
  title: string;
  /** The line under the title. */
  header: string[];
  /** Said at the top when the narrative had to fall back to the data-only text. */
  banner: string | null;
  sections: { key: string; title: string; blocks: Block[] }[];
  /** About the narrative (LLM, checks, corrections); markdown. */
  footer: string[];
}

function blockMarkdown(block: Block): string | null {
  switch (block.kind) {
    case 'heading':
      return `### ${mdInline(block.text)}`;
    case 'table':
      return table(block.table.headers, block.table.rows, block.table.align);
    case 'chart':
      return block.table ? table(block.table.headers, block.table.rows, block.table.align) : null;
    case 'markdown':
      return block.markdown;
    case 'narrative':
      return null;
  }
}

export function toMarkdown(doc: RenderedDocument): string {
  return joinBlocks([
    `# ${mdInline(doc.title)}`,
    doc.header.map(mdEscape).join(' · '),
    doc.banner ? `> **${mdEscape(doc.banner)}**` : null,
    ...doc.sections.flatMap((s) => [`## ${mdInline(s.title)}`, ...s.blocks.map(blockMarkdown)]),
    doc.footer.length ? ['---', 'About the narrative:', doc.footer.map((line) => `- ${line}`).join('\n')].join('\n\n') : null,
  ]);
}
