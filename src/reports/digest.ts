/**
 * The digest of a run: the figures, changes and risks a reader should see first, taken from the
 * team model once. The team report's "at a glance" and risk list, the Slack message, the e-mail
 * and (through the team report) the Fibery document all render this one value, so they cannot
 * state different numbers. Pure.
 */
import { comparisonOf } from './shared-sections.js';
import { signedHours, type Dimension } from './comparison.js';
import { hours, percent, percentValue, roundHours } from './format.js';
import { mdCell } from './text.js';
import { OTHER_ACTIVITIES_LABEL } from './common.js';
import type { TeamModel } from './team-report.js';

export type { Dimension };

export type RiskKind = 'overdue' | 'other_activities' | 'not_found' | 'not_enrichable' | 'running_timers';

export interface Risk {
  kind: RiskKind;
  /** The person or entity concerned, as the data names it (escape it where it is shown), or null. */
  subject: string | null;
  /** Our own words and figures about it: no text from the data. */
  text: string;
}

/** One person, type or project whose time changed by 0.1 h or more against the previous period. */
export interface Change {
  dimension: Dimension;
  label: string;
  seconds: number;
  previous_seconds: number;
  delta_seconds: number;
}

export interface Comparison {
  period: { start_date: string; end_date: string };
  /** Total seconds of the previous period. */
  seconds: number;
  /** Largest absolute change first. */
  changes: Change[];
}

export interface Digest {
  period: { start_date: string; end_date: string };
  totals: {
    seconds: number;
    entity_seconds: number;
    other_seconds: number;
    /** Whole percent of the time on Fibery entities (0 when nothing was tracked). */
    entity_share: number;
    people: number;
    entities: number;
    entries: number;
    completed_entities: number;
    completed_seconds: number;
    overdue_entities: number;
    running_entries: number;
  };
  /** Null when the run has no previous period to compare with. */
  comparison: Comparison | null;
  risks: Risk[];
  /** 0–100 when the run's data has a hygiene score. */
  hygiene_score: number | null;
  /** The team report's trend, oldest first (this period last): hours and whole percent on Fibery entities per period; null without one. */
  trend: { period: { start_date: string; end_date: string }; seconds: number; entity_share: number }[] | null;
}

const secondsOf = (list: readonly { total_seconds: number }[]) => list.reduce((s, r) => s + r.total_seconds, 0);

function risksOf(m: TeamModel): Risk[] {
  const name = (r: TeamModel['rows'][number]) => `#${r.entity_id} ${r.display_name}`;
  const risks: Risk[] = m.overdue.map((r) => ({
    kind: 'overdue',
    subject: name(r),
    text: `overdue${r.status.planned_end ? ` (planned end ${r.status.planned_end.date})` : ''}, ${hours(r.total_seconds)} this period`,
  }));
  const share = (u: TeamModel['people'][number][1]) => u.unmatched_seconds / u.total_seconds;
  for (const [, u] of [...m.highUnmatched].sort(([, a], [, b]) => share(b) - share(a))) {
    risks.push({ kind: 'other_activities', subject: u.name, text: `${percent(u.unmatched_seconds, u.total_seconds)} of ${hours(u.total_seconds)} on other activities` });
  }
  for (const r of m.notFound) risks.push({ kind: 'not_found', subject: name(r), text: `not found in Fibery, ${hours(r.total_seconds)} this period` });
  const n = m.notEnrichable.length;
  if (n > 0) {
    risks.push({ kind: 'not_enrichable', subject: null, text: `${n} ${n === 1 ? 'reference' : 'references'} without [Database] [Type] tags could not be looked up (${hours(secondsOf(m.notEnrichable))})` });
  }
  const running = m.data.totals.running_entries;
  if (running > 0) {
    risks.push({ kind: 'running_timers', subject: null, text: `${running} ${running === 1 ? 'timer was' : 'timers were'} still running, counted up to the end of the period or the fetch` });
  }
  return risks;
}

function comparisonOfModel(m: TeamModel): Comparison | null {
  const c = comparisonOf(m.comparison);
  if (!c) return null;
  const changes = (Object.keys(c.rows) as Dimension[])
    .flatMap((dimension) => c.rows[dimension].map((r) => ({ dimension, label: r.label, seconds: r.now_seconds, previous_seconds: r.before_seconds, delta_seconds: r.delta_seconds })))
    .filter((ch) => roundHours(ch.delta_seconds) !== 0)
    .sort((a, b) => Math.abs(b.delta_seconds) - Math.abs(a.delta_seconds) || a.label.localeCompare(b.label));
  return { period: c.before.period, seconds: c.seconds.before, changes: c.hasData ? changes : [] };
}

function trendOf(m: TeamModel): Digest['trend'] {
  const periods = m.data.trend?.periods ?? [];
  if (periods.length < 2) return null;
  return periods.map((p) => ({ period: p.period, seconds: p.total_seconds, entity_share: percentValue(p.total_seconds - (p.by_type[OTHER_ACTIVITIES_LABEL] ?? 0), p.total_seconds) }));
}

/** The trend in one line of our own text: `11-09: 98.0 h (91% on entities) · 11-16: …`. */
export function trendLine(d: Digest): string | null {
  if (!d.trend) return null;
  return d.trend.map((t) => `${t.period.start_date.slice(5)}: ${hours(t.seconds)} (${t.entity_share}% on entities)`).join(' · ');
}

const digests = new WeakMap<TeamModel, Digest>();

/** The digest of a team model (computed once per model). */
export function digestOf(m: TeamModel): Digest {
  const cached = digests.get(m);
  if (cached) return cached;
  const t = m.data.totals;
  const score = m.hygiene?.team?.score;
  const digest: Digest = {
    period: m.data.period,
    totals: {
      seconds: t.total_seconds,
      entity_seconds: t.matched_seconds,
      other_seconds: t.unmatched_seconds,
      entity_share: percentValue(t.matched_seconds, t.total_seconds),
      people: t.users,
      entities: t.entities,
      entries: t.entries,
      completed_entities: m.completed.length,
      completed_seconds: m.completedSeconds,
      overdue_entities: m.overdue.length,
      running_entries: t.running_entries,
    },
    comparison: comparisonOfModel(m),
    risks: risksOf(m),
    hygiene_score: typeof score === 'number' && Number.isFinite(score) ? Math.max(0, Math.min(100, score)) : null,
    trend: trendOf(m),
  };
  digests.set(m, digest);
  return digest;
}

// ---------------------------------------------------------------------------------------------
// The words and figures every rendering of a digest uses

/** "12.0 h (40%)": a part of the tracked time with its share. */
export function hoursWithShare(part: number, whole: number): string {
  return `${hours(part)} (${percent(part, whole)})`;
}

/** The totals as `[label, value]` rows, the same in every channel. */
export function digestFigures(d: Digest): [string, string][] {
  const t = d.totals;
  const rows: [string, string][] = [
    ['Tracked', hours(t.seconds)],
    ['People', String(t.people)],
    ['On Fibery entities', hoursWithShare(t.entity_seconds, t.seconds)],
    ['Other activities', hoursWithShare(t.other_seconds, t.seconds)],
    ['Entities', `${t.entities} (${t.completed_entities} completed, ${t.overdue_entities} overdue)`],
  ];
  if (d.hygiene_score !== null) rows.push(['Tracking hygiene', `${Math.round(d.hygiene_score)}/100`]);
  if (d.comparison) rows.push(['Previous period', `${hours(d.comparison.seconds)} (${signedHours(t.seconds - d.comparison.seconds)})`]);
  const trend = trendLine(d);
  if (trend) rows.push([`Last ${d.trend!.length} periods`, trend]);
  return rows;
}

export const CHANGE_DIMENSION_LABEL: Record<Dimension, string> = { person: 'Person', type: 'Type', project: 'Project' };

/** "+2.0 h (1.0 h → 3.0 h)". */
export function changeFigures(c: Change): string {
  return `${signedHours(c.delta_seconds)} (${hours(c.previous_seconds)} → ${hours(c.seconds)})`;
}

/** A risk to show, or how many more of one kind were left out. */
export type RiskItem = { risk: Risk } | { kind: RiskKind; more: number };

const RISK_KIND_PLURAL: Record<RiskKind, string> = {
  overdue: 'overdue entities',
  other_activities: 'people mostly on other activities',
  not_found: 'entities not found in Fibery',
  not_enrichable: 'unresolved references',
  running_timers: 'running timers',
};

/** "…and 11 more overdue entities". */
export function moreRisksText(item: { kind: RiskKind; more: number }): string {
  return `…and ${item.more} more ${RISK_KIND_PLURAL[item.kind]}`;
}

/** At most `perKind` risks of each kind, in the digest's order, so one long kind cannot hide the others. */
export function riskItems(risks: readonly Risk[], perKind: number): RiskItem[] {
  const items: RiskItem[] = [];
  const kinds = [...new Set(risks.map((r) => r.kind))];
  for (const kind of kinds) {
    const ofKind = risks.filter((r) => r.kind === kind);
    items.push(...ofKind.slice(0, perKind).map((risk) => ({ risk })));
    if (ofKind.length > perKind) items.push({ kind, more: ofKind.length - perKind });
  }
  return items;
}

/** The risks as markdown bullets (data escaped), for the team report: the same lines the channels send. */
export function riskListMarkdown(d: Digest, perKind: number): string {
  if (d.risks.length === 0) return 'None found in the data.';
  return riskItems(d.risks, perKind)
    .map((item) => ('risk' in item ? `- ${item.risk.subject === null ? '' : `**${mdCell(item.risk.subject)}**: `}${item.risk.text}` : `- ${moreRisksText(item)} (in the tables below)`))
    .join('\n');
}
