/**
 * The prompts a report's narrative is asked with: the system prompt, and the user prompt of the
 * report's kind with its section headings, its entity types' notes and the fact pack, cut so that
 * both stay within the prompt budget.
 */
import { estimateTokens, fitFactPack, summarisedPromptNote, type SummarisedList } from './fact-pack.js';
import { entityTypeKey, renderPrompt, type Prompts } from './prompts.js';
import type { NarrativeRequest, NarrativeSection } from './writer.js';

/** The `{{sections}}` value: one heading line per section, in order. */
export function sectionHeadings(sections: readonly NarrativeSection[]): string {
  return sections.map((s) => `## ${s.title}`).join('\n');
}

/** The `{{entity_types}}` value: the notes of the report's types that have an entity-type prompt. */
export function entityTypeNotes(prompts: Prompts, labels: readonly string[] = []): string {
  const notes: string[] = [];
  const seen = new Set<string>();
  for (const label of labels) {
    const key = entityTypeKey(label);
    const prompt = prompts.entityTypes[key];
    if (!prompt || seen.has(key)) continue;
    seen.add(key);
    notes.push(`- ${renderPrompt(prompt.text, { type: label })}`);
  }
  return notes.length ? `About the Fibery types in this report:\n${notes.join('\n')}` : '';
}

export interface BuiltPrompt {
  system: string;
  user: string;
  /** Estimated tokens of system + user prompt. */
  tokens: number;
  /** The fact pack as sent. */
  facts: Record<string, unknown>;
  summarised: SummarisedList[];
}

/** The prompts of a report, the fact pack cut so that both together stay within `budgetTokens`. */
export function buildPrompt(prompts: Prompts, req: Pick<NarrativeRequest, 'kind' | 'sections' | 'facts' | 'vars' | 'entityTypes'>, budgetTokens: number, charsPerToken = 4): BuiltPrompt {
  const tokens = (text: string) => estimateTokens(text, charsPerToken);
  const system = prompts.files.system.text;
  const template = prompts.files[req.kind].text;
  const values = { ...(req.vars ?? {}), sections: sectionHeadings(req.sections), entity_types: entityTypeNotes(prompts, req.entityTypes) };
  // The instructions are fixed; the fact pack gets what they leave of the budget, less room for the
  // note saying what was cut and for the code fence.
  const fixed = tokens(system) + tokens(renderPrompt(template, { ...values, facts: '', summarised: '' })) + 200;
  const pack = fitFactPack(req.facts, Math.max(100, budgetTokens - fixed), charsPerToken);
  const user = renderPrompt(template, { ...values, summarised: summarisedPromptNote(pack.summarised), facts: `\`\`\`json\n${pack.json}\n\`\`\`` });
  return { system, user, tokens: tokens(system) + tokens(user), facts: pack.facts, summarised: pack.summarised };
}
