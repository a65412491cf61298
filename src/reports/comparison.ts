/**
 * This period against the previous one of equal length: deltas per person, type and project in
 * hours and in share of the period's time, largest changes first. Pure.
 */
import type { Breakdown } from '../storage/schemas.js';
import { hours, percentValue, periodLabel, roundHours } from './format.js';
import { md, tableBlock, type Block, type Cell } from './model.js';
import { mdInline } from './text.js';

export interface DeltaRow {
  key: string;
  label: string;
  before_seconds: number;
  now_seconds: number;
  delta_seconds: number;
  share_before: number;
  share_now: number;
  /** Change of the share, in percentage points. */
  delta_pp: number;
}

export type Dimension = 'person' | 'type' | 'project';

/** Rows for every label of either period, the largest change (in hours, then share) first. */
export function deltaRows(now: Record<string, number>, before: Record<string, number>, totalNow: number, totalBefore: number, label: (key: string) => string = (k) => k): DeltaRow[] {
  const keys = [...new Set([...Object.keys(now), ...Object.keys(before)])];
  return keys
    .map((key) => {
      const n = now[key] ?? 0;
      const b = before[key] ?? 0;
      const shareNow = percentValue(n, totalNow);
      const shareBefore = percentValue(b, totalBefore);
      return { key, label: label(key), before_seconds: b, now_seconds: n, delta_seconds: n - b, share_before: shareBefore, share_now: shareNow, delta_pp: shareNow - shareBefore };
    })
    .sort((x, y) => Math.abs(y.delta_seconds) - Math.abs(x.delta_seconds) || Math.abs(y.delta_pp) - Math.abs(x.delta_pp) || x.label.localeCompare(y.label));
}

export interface Comparison {
  now: Breakdown;
  before: Breakdown;
  /** False when the previous period has no tracked time. */
  hasData: boolean;
  /** Tracked time in each period, of the person when the comparison is narrowed to one (`now` and `before` are the team's). */
  seconds: { now: number; before: number };
  rows: Record<Dimension, DeltaRow[]>;
}

/** The comparison of two breakdowns; `person` narrows both to one person (whose rows then have no person dimension). */
export function compare(now: Breakdown, before: Breakdown, person?: string): Comparison {
  const pick = (b: Breakdown) => (person ? (b.people[person] ?? { total_seconds: 0, by_type: {}, by_project: {} }) : b);
  const n = pick(now);
  const p = pick(before);
  const names = (key: string) => now.people[key]?.name ?? before.people[key]?.name ?? key;
  const seconds = (b: Breakdown) => Object.fromEntries(Object.entries(b.people).map(([email, x]) => [email, x.total_seconds]));
  return {
    now,
    before,
    hasData: p.total_seconds > 0,
    seconds: { now: n.total_seconds, before: p.total_seconds },
    rows: {
      person: person ? [] : deltaRows(seconds(now), seconds(before), now.total_seconds, before.total_seconds, names),
      type: deltaRows(n.by_type, p.by_type, n.total_seconds, p.total_seconds),
      project: deltaRows(n.by_project, p.by_project, n.total_seconds, p.total_seconds),
    },
  };
}

/** "+2.5 h" / "−1.0 h" / "±0.0 h". */
export function signedHours(seconds: number): string {
  const h = roundHours(seconds);
  return `${h > 0 ? '+' : h < 0 ? '−' : '±'}${Math.abs(h).toFixed(1)} h`;
}

/** "+5 pp" / "−3 pp". */
export function signedPoints(pp: number): string {
  return `${pp > 0 ? '+' : pp < 0 ? '−' : '±'}${Math.abs(pp)} pp`;
}

const DIMENSION_TITLES: Record<Dimension, string> = { person: 'Person', type: 'Database / Type', project: 'Project' };

export function deltaTable(dimension: Dimension, rows: readonly DeltaRow[]): Block {
  const R = 'right' as const;
  return tableBlock(
    [DIMENSION_TITLES[dimension], 'Previous', 'This period', 'Change', 'Share before', 'Share now', 'Change in share'],
    rows.map((r): Cell[] => [r.label, hours(r.before_seconds), hours(r.now_seconds), signedHours(r.delta_seconds), `${r.share_before}%`, `${r.share_now}%`, signedPoints(r.delta_pp)]),
    ['left', R, R, R, R, R, R],
  );
}

/** The three largest changes across the dimensions, as a sentence (markdown, data escaped). */
export function largestChanges(c: Comparison, scope: string): string {
  const total = `${scope} tracked ${hours(c.seconds.now)} against ${hours(c.seconds.before)} in ${periodLabel(c.before.period)} (${signedHours(c.seconds.now - c.seconds.before)}).`;
  const all = (Object.keys(c.rows) as Dimension[])
    .flatMap((d) => c.rows[d].map((r) => ({ d, r })))
    .filter(({ r }) => roundHours(r.delta_seconds) !== 0)
    .sort((a, b) => Math.abs(b.r.delta_seconds) - Math.abs(a.r.delta_seconds));
  const named = all.slice(0, 3).map(({ d, r }) => `${mdInline(r.label)} (${d}) ${signedHours(r.delta_seconds)}, ${r.share_before}% → ${r.share_now}% of the time`);
  return named.length ? `${total} The largest changes: ${named.join('; ')}.` : `${total} No person, type or project changed by 0.1 h or more.`;
}

/** The comparison's facts for the narrative: totals and the five largest changes per dimension. */
export function comparisonFacts(c: Comparison): Record<string, unknown> {
  // Changes as sizes with a direction: the verifier reads "−2.0 h" as 2.0 h.
  const change = (seconds: number) => ({ change_hours: Math.abs(roundHours(seconds)), direction: seconds > 0 ? 'more' : seconds < 0 ? 'less' : 'same' });
  const top = (rows: readonly DeltaRow[]) =>
    rows.slice(0, 5).map((r) => ({ name: r.label, previous_hours: roundHours(r.before_seconds), hours: roundHours(r.now_seconds), ...change(r.delta_seconds), share_before_pct: r.share_before, share_now_pct: r.share_now }));
  return {
    previous_period: c.before.period,
    previous_hours: roundHours(c.seconds.before),
    ...change(c.seconds.now - c.seconds.before),
    ...(c.rows.person.length ? { largest_changes_by_person: top(c.rows.person) } : {}),
    largest_changes_by_type: top(c.rows.type),
    largest_changes_by_project: top(c.rows.project),
  };
}

/** "no data" text for a previous period without time. */
export function noPreviousData(before: Breakdown): Block | null {
  return md(`The previous period (${periodLabel(before.period)}) has no tracked time, so there is nothing to compare with.`);
}
