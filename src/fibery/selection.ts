/** GraphQL selection sets for the Fibery client: building, rendering, and repairing after field errors. */

export interface Sel {
  name: string;
  alias?: string;
  sub?: Sel[];
}

/** `alias: name { sub }` … */
export function renderSelection(sels: readonly Sel[]): string {
  return sels
    .map((s) => `${s.alias ? `${s.alias}: ` : ''}${s.name}${s.sub ? ` { ${renderSelection(s.sub)} }` : ''}`)
    .join(' ');
}

/** A GraphQL string literal (JSON escaping is valid GraphQL string escaping). */
export function gqlString(value: string): string {
  return JSON.stringify(value);
}

/** Field names that GraphQL error messages blame, with what to do about each. */
export interface FieldFix {
  field: string;
  /** `drop`: the field does not exist (or needs a subselection we cannot guess); `scalar`: it has no subfields. */
  action: 'drop' | 'scalar';
  message: string;
}

const FIELD_IN_MESSAGE = /\bfield\s+["'\u201c]([_A-Za-z][_0-9A-Za-z]*)["'\u201d]/gi;

/** Parse the fixes that graphql-js style validation messages suggest. */
export function fixesFromErrors(messages: readonly string[]): FieldFix[] {
  const fixes: FieldFix[] = [];
  for (const message of messages) {
    for (const m of message.matchAll(FIELD_IN_MESSAGE)) {
      const field = m[1];
      if (!field) continue;
      const action = /must not have a selection|has no subfields/i.test(message) ? 'scalar' : 'drop';
      fixes.push({ field, action, message });
      break; // one field per message: the first quoted field is the culprit
    }
  }
  return fixes;
}

/** Apply fixes anywhere in the tree; a parent whose subselection becomes empty is dropped too. */
export function applyFixes(sels: readonly Sel[], drop: { has(name: string): boolean }, scalar: { has(name: string): boolean }): Sel[] {
  const out: Sel[] = [];
  for (const s of sels) {
    if (drop.has(s.name)) continue;
    if (s.sub && scalar.has(s.name)) {
      out.push({ name: s.name, ...(s.alias ? { alias: s.alias } : {}) });
      continue;
    }
    if (s.sub) {
      const sub = applyFixes(s.sub, drop, scalar);
      if (sub.length === 0) continue;
      out.push({ ...s, sub });
    } else {
      out.push(s);
    }
  }
  return out;
}

/** Whether any node (at any depth) is named `name`. */
export function mentions(sels: readonly Sel[], name: string): boolean {
  return sels.some((s) => s.name === name || (s.sub ? mentions(s.sub, name) : false));
}
