/**
 * This period against the previous one, per person, type and project, from the `breakdown` and
 * `previous` sections the aggregator writes into `toggl_aggregated.json` (`{period, total_seconds,
 * by_type: {label: seconds}, by_project: {…}, people: {email: {name, total_seconds, …}}}`; `previous`
 * null or absent when comparison is off). Read tolerantly, so a run written before those sections
 * existed, or a small change of their shape, costs the digest its comparison and nothing else: a
 * dimension may be a record (`{key: seconds}` or `{key: {seconds | total_seconds | hours, name?}}`)
 * or an array of such objects keyed by `key`/`email`/`label`/`name`. Without a `breakdown`, the
 * period's side comes from its own totals, keyed alike.
 */

export const DIMENSIONS = ['person', 'type', 'project'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export interface Change {
  dimension: Dimension;
  label: string;
  seconds: number;
  previous_seconds: number;
  delta_seconds: number;
}

export interface Comparison {
  period: { start_date: string; end_date: string } | null;
  /** Total seconds of the previous period, when the data states it. */
  seconds: number | null;
  /** Largest absolute change first. */
  changes: Change[];
}

/** One row of a breakdown: how it is keyed, what a reader sees, how many seconds. */
export interface Amount {
  key: string;
  label: string;
  seconds: number;
}

const DIMENSION_FIELDS: Record<Dimension, string[]> = {
  person: ['by_person', 'people', 'persons', 'users', 'by_user'],
  type: ['by_type', 'types'],
  project: ['by_project', 'projects'],
};
const CURRENT_FIELDS = ['breakdown', 'current', 'period_breakdown'];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);

/** `Scrum / Task`, `scrum/task` and `Scrum/Task` are one key. */
export function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/\s+/g, ' ').replace(/\s*\/\s*/g, '/').trim();
}

function secondsOf(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (!isRecord(v)) return null;
  for (const field of ['total_seconds', 'seconds']) {
    const n = v[field];
    if (typeof n === 'number' && Number.isFinite(n)) return n;
  }
  return typeof v.hours === 'number' && Number.isFinite(v.hours) ? v.hours * 3600 : null;
}

function amountOf(key: string | null, v: unknown): Amount | null {
  const seconds = secondsOf(v);
  const fields = isRecord(v) ? v : {};
  const k = key ?? text(fields.key) ?? text(fields.email) ?? text(fields.label) ?? text(fields.name);
  if (seconds === null || k === null) return null;
  return { key: k, label: text(fields.name) ?? text(fields.label) ?? k, seconds };
}

/** The rows of one dimension, or null when the section has no recognisable breakdown for it. */
export function readAmounts(section: unknown, dimension: Dimension): Amount[] | null {
  if (!isRecord(section)) return null;
  const field = DIMENSION_FIELDS[dimension].find((f) => section[f] !== undefined);
  if (field === undefined) return null;
  const value = section[field];
  const rows = Array.isArray(value)
    ? value.map((v) => amountOf(null, v))
    : isRecord(value)
      ? Object.entries(value).map(([k, v]) => amountOf(k, v))
      : [];
  return rows.filter((r): r is Amount => r !== null);
}

/** Pairs the two sides by key or label; rows only one side has count as zero on the other. */
export function diff(dimension: Dimension, current: Amount[], previous: Amount[]): Change[] {
  const index = new Map<string, Amount>();
  for (const p of previous) {
    index.set(normaliseKey(p.key), p);
    if (!index.has(normaliseKey(p.label))) index.set(normaliseKey(p.label), p);
  }
  const used = new Set<Amount>();
  const changes: Change[] = [];
  for (const c of current) {
    const p = index.get(normaliseKey(c.key)) ?? index.get(normaliseKey(c.label));
    if (p && !used.has(p)) used.add(p);
    const before = p ? p.seconds : 0;
    changes.push({ dimension, label: c.label, seconds: c.seconds, previous_seconds: before, delta_seconds: c.seconds - before });
  }
  for (const p of previous) {
    if (!used.has(p)) changes.push({ dimension, label: p.label, seconds: 0, previous_seconds: p.seconds, delta_seconds: -p.seconds });
  }
  return changes;
}

function periodOf(v: unknown): Comparison['period'] {
  if (!isRecord(v)) return null;
  const start = text(v.start_date);
  const end = text(v.end_date);
  return start && end ? { start_date: start, end_date: end } : null;
}

/**
 * The comparison a run's data supports, or null when it has none (comparison off, or a run
 * written before comparisons existed). `computed` is the period's own breakdown, used when the
 * aggregate file has none of the previous section's shape.
 */
export function compareWithPrevious(aggregated: Record<string, unknown>, computed: Record<Dimension, Amount[]>): Comparison | null {
  const previous = aggregated.previous;
  if (!isRecord(previous)) return null;
  const currentSection = CURRENT_FIELDS.map((f) => aggregated[f]).find(isRecord);
  const changes: Change[] = [];
  let any = false;
  for (const dimension of DIMENSIONS) {
    const before = readAmounts(previous, dimension);
    if (before === null) continue;
    any = true;
    const now = readAmounts(currentSection, dimension) ?? computed[dimension];
    changes.push(...diff(dimension, now, before).filter((c) => Math.round(c.delta_seconds / 360) !== 0));
  }
  const totals = isRecord(previous.totals) ? previous.totals : previous;
  const seconds = secondsOf(totals);
  if (!any && seconds === null) return null;
  changes.sort((a, b) => Math.abs(b.delta_seconds) - Math.abs(a.delta_seconds) || a.label.localeCompare(b.label));
  return { period: periodOf(previous.period), seconds, changes };
}
