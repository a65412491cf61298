/**
 * The description convention of ../shared/facts/domain.md:
 *   `Provision AWS infrastructure #7658 [Scrum] [Task] [Volt - Internal]`
 * The last `#digits` outside brackets is the Fibery public id; the bracketed tags right after it
 * are, in order, database (space), type and project. Brackets before the id belong to the text.
 */
export interface ParsedDescription {
  /** The text before the entity reference (or the whole description when unmatched), trimmed. */
  text: string;
  entityId: string | null;
  database: string | null;
  type: string | null;
  project: string | null;
}

const ENTITY_ID = /#(\d+)(?!\w)/g;
const BRACKET = /\[([^\]]*)\]/g;

export function parseDescription(raw: string | null | undefined): ParsedDescription {
  const description = (raw ?? '').trim();
  const bracketSpans = [...description.matchAll(BRACKET)].map((m) => [m.index, m.index + m[0].length] as const);
  const insideBrackets = (i: number) => bracketSpans.some(([from, to]) => i > from && i < to);

  const ids = [...description.matchAll(ENTITY_ID)].filter((m) => !insideBrackets(m.index));
  const last = ids.at(-1);
  if (!last) return { text: description, entityId: null, database: null, type: null, project: null };

  const after = description.slice(last.index + last[0].length);
  const tags: string[] = [];
  const leftover: string[] = [];
  let rest = after;
  for (;;) {
    const tag = /^\s*\[([^\]]*)\]/.exec(rest);
    if (!tag) break;
    tags.push((tag[1] ?? '').trim());
    rest = rest.slice(tag[0].length);
  }
  if (rest.trim()) leftover.push(rest.trim());

  const text = [description.slice(0, last.index).trim(), ...leftover].filter(Boolean).join(' ');
  const tagAt = (i: number) => (tags[i] ? tags[i] : null);
  return { text, entityId: last[1] ?? null, database: tagAt(0), type: tagAt(1), project: tagAt(2) };
}

/** Groups "other activities": case and white space do not make two activities different. */
export function normaliseActivity(description: string): string {
  return description.trim().replace(/\s+/g, ' ').toLowerCase();
}
