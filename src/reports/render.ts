/**
 * Renders a report definition over its model in one place: the writer narrates the narrated
 * sections (from the definition's fact pack, checked against the same facts), then the sections
 * are drawn as markdown and as a self-contained HTML page.
 */
import type { LlmUsage } from '../storage/schemas.js';
import type { Block, ReportDefinition } from './model.js';
import type { HtmlOptions } from './render-html.js';
import { toMarkdown, type RenderedDocument } from './render-markdown.js';
import { narrativeSource, type RawAnswer, type ReportWriter } from './writer.js';

export interface RenderedReport {
  markdown: string;
  html: string;
  usage: LlmUsage | null;
  /**
   * Set when the LLM failed after its retries and the report fell back to the data-only narrative
   * (and `llm.required` is off): one line for `run_metadata.json` warnings.
   */
  warning: string | null;
  /** The LLM's answers as they came (none without an LLM), for the run's files. */
  answers: RawAnswer[];
}

export async function renderReport<M>(def: ReportDefinition<M>, model: M, writer: ReportWriter, options: HtmlOptions = {}): Promise<RenderedReport> {
  const sections = def.sections.filter((s) => !s.hidden?.(model));
  const narrated = sections.filter((s) => s.narrated);
  const narrative = await writer.narrate({
    report: def.id(model),
    kind: def.kind,
    sections: narrated.map((s) => ({ key: s.key, title: s.title, ...(s.people ? { people: true } : {}) })),
    facts: def.facts(model),
    vars: def.vars(model),
    ...(def.entityTypes ? { entityTypes: def.entityTypes(model) } : {}),
    known: def.known(model),
    fallback: Object.fromEntries(narrated.map((s) => [s.key, s.fallback?.(model) ?? ''])),
  });

  const doc: RenderedDocument = {
    title: def.title(model),
    header: [...def.header(model), narrativeSource(writer, narrative)],
    banner: narrative.failure
      ? `${narrative.notAReport ? "The LLM's answer was not used" : 'The LLM failed'}, so this report's narrative is the data-only text: ${narrative.failure}`
      : null,
    sections: sections.map((s) => {
      const blocks = s.blocks(model).filter((b): b is Block => Boolean(b));
      const text = narrative.sections[s.key];
      if (!s.narrated || !text) return { key: s.key, title: s.title, blocks };
      const prose: Block = { kind: 'markdown', markdown: text };
      const at = blocks.findIndex((b) => b.kind === 'narrative');
      if (at < 0) blocks.push(prose);
      else blocks.splice(at, 1, prose);
      return { key: s.key, title: s.title, blocks };
    }),
    footer: narrative.footer ?? [],
  };
  // Loaded on first use: ECharts takes seconds to import, and workers and CLI commands start without it.
  const { toHtml } = await import('./render-html.js');
  const what = narrative.notAReport ? "the LLM's answer was not used" : 'the LLM failed';
  const warning = narrative.failure ? `${def.id(model)}: ${what}, the report was written with the data-only narrative (${narrative.failure})` : (narrative.warning ?? null);
  return { markdown: toMarkdown(doc), html: toHtml(doc, options), usage: narrative.usage, warning, answers: narrative.answers ?? [] };
}
