/**
 * The digest of a finished run: what every delivery channel says about it, built once from the
 * run's files (period, totals, the largest changes against the previous period, risks, the
 * hygiene score when the data has one, and where the full report is). Channels format it; none
 * of them reads run files itself.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { entityStatus } from '../reports/entity-status.js';
import { hours } from '../reports/format.js';
import { UNMATCHED_RISK_SHARE } from '../reports/team-report.js';
import { EnrichedDataSchema, RunMetadataSchema, TogglAggregatedSchema, type EnrichedData } from '../storage/schemas.js';
import { readJsonFile, RUN_FILES } from '../storage/json-storage.js';
import { compareWithPrevious, type Amount, type Comparison, type Dimension } from './changes.js';
import { NothingToDeliver } from './record.js';

export const TEAM_REPORT_HTML = path.join('reports', 'team_summary.html');

export type RiskKind = 'overdue' | 'other_activities' | 'not_found' | 'not_enrichable' | 'running_timers';

export interface Risk {
  kind: RiskKind;
  /** The person or entity concerned, as the data names it (escape it where it is shown), or null. */
  subject: string | null;
  /** Our own words and figures about it: no text from the data. */
  text: string;
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

export interface Digest {
  run: { id: string; status: string };
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
    overdue_entities: number;
  };
  /** Null when the run's data has no previous period to compare with. */
  comparison: Comparison | null;
  risks: Risk[];
  /** 0–100 when the run's data has a hygiene score. */
  hygiene_score: number | null;
  /** Absolute paths: the run directory and its team report (HTML where it was written). */
  reports: { dir: string; markdown: string; html: string | null };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `{hygiene: {score}}` or `{hygiene: {team: {score}}}`, from the enriched data first (it is complete). */
export function hygieneScoreOf(...sources: Record<string, unknown>[]): number | null {
  for (const source of sources) {
    const h = source.hygiene;
    const candidates = isRecord(h) ? [h.score, isRecord(h.team) ? h.team.score : undefined] : [];
    const score = candidates.find((s): s is number => typeof s === 'number' && Number.isFinite(s));
    if (score !== undefined) return Math.max(0, Math.min(100, score));
  }
  return null;
}

function sharePercent(part: number, whole: number): number {
  return whole > 0 ? Math.round((part / whole) * 100) : 0;
}

function risksOf(data: EnrichedData): { risks: Risk[]; completed: number; overdue: number } {
  const rows = data.entities
    .map((e) => ({ e, status: entityStatus(e.enrichment, data.period, e) }))
    .sort((a, b) => b.e.total_seconds - a.e.total_seconds);
  const name = (r: (typeof rows)[number]) => `#${r.e.entity_id} ${r.status.name || r.e.name}`;
  const overdue = rows.filter((r) => r.status.kind === 'overdue');
  const risks: Risk[] = overdue.map((r) => ({
    kind: 'overdue',
    subject: name(r),
    text: `overdue${r.status.planned_end ? ` (planned end ${r.status.planned_end.date})` : ''}, ${hours(r.e.total_seconds)} this period`,
  }));
  const people = Object.values(data.users)
    .filter((u) => u.total_seconds > 0 && u.unmatched_seconds / u.total_seconds > UNMATCHED_RISK_SHARE)
    .sort((a, b) => b.unmatched_seconds / b.total_seconds - a.unmatched_seconds / a.total_seconds);
  for (const u of people) {
    risks.push({
      kind: 'other_activities',
      subject: u.name,
      text: `${sharePercent(u.unmatched_seconds, u.total_seconds)}% of ${hours(u.total_seconds)} on other activities`,
    });
  }
  for (const r of rows.filter((x) => x.status.kind === 'not_found')) {
    risks.push({ kind: 'not_found', subject: name(r), text: `not found in Fibery, ${hours(r.e.total_seconds)} this period` });
  }
  const notEnrichable = rows.filter((r) => r.status.kind === 'not_enrichable');
  if (notEnrichable.length > 0) {
    const seconds = notEnrichable.reduce((s, r) => s + r.e.total_seconds, 0);
    const n = notEnrichable.length;
    risks.push({
      kind: 'not_enrichable',
      subject: null,
      text: `${n} ${n === 1 ? 'reference' : 'references'} without [Database] [Type] tags could not be looked up (${hours(seconds)})`,
    });
  }
  if (data.totals.running_entries > 0) {
    const n = data.totals.running_entries;
    risks.push({
      kind: 'running_timers',
      subject: null,
      text: `${n} ${n === 1 ? 'timer was' : 'timers were'} still running, counted up to the end of the period or the fetch`,
    });
  }
  const completed = rows.filter((r) => r.status.kind === 'completed').length;
  return { risks, completed, overdue: overdue.length };
}

/** The period's own breakdown per person, type and project, keyed like the aggregation keys them. */
function breakdownOf(data: EnrichedData): Record<Dimension, Amount[]> {
  const sum = (items: Amount[]) => {
    const byKey = new Map<string, Amount>();
    for (const a of items) {
      const seen = byKey.get(a.key);
      if (seen) seen.seconds += a.seconds;
      else byKey.set(a.key, { ...a });
    }
    return [...byKey.values()];
  };
  return {
    person: Object.entries(data.users).map(([email, u]) => ({ key: email, label: u.name, seconds: u.total_seconds })),
    type: sum(
      data.entities.map((e) => {
        const key = [e.entity_database, e.entity_type].filter(Boolean).join('/') || '(no type)';
        return { key, label: key, seconds: e.total_seconds };
      }),
    ),
    project: sum(data.entities.map((e) => ({ key: e.project ?? '(no project)', label: e.project ?? '(no project)', seconds: e.total_seconds }))),
  };
}

/**
 * Reads a run directory into its digest. A run that failed or was cancelled has nothing to
 * deliver (`NothingToDeliver`); a run without its enriched data or team report is an error.
 */
export async function loadDigest(runDir: string): Promise<Digest> {
  const dir = path.resolve(runDir);
  const metadata = await readJsonFile(path.join(dir, RUN_FILES.metadata), RunMetadataSchema);
  if (metadata.status === 'failed' || metadata.status === 'cancelled') {
    throw new NothingToDeliver(`run ${metadata.run_id} ${metadata.status}: it has no report to deliver`);
  }
  const enrichedFile = path.join(dir, RUN_FILES.enriched);
  const aggregatedFile = path.join(dir, RUN_FILES.aggregated);
  const data = await readJsonFile(enrichedFile, EnrichedDataSchema.loose());
  const aggregated = existsSync(aggregatedFile) ? await readJsonFile(aggregatedFile, TogglAggregatedSchema.loose()) : {};
  const markdown = path.join(dir, RUN_FILES.teamSummary);
  if (!existsSync(markdown)) throw new Error(`run ${metadata.run_id} has no team report yet (${markdown} is missing)`);
  const html = path.join(dir, TEAM_REPORT_HTML);
  const { risks, completed, overdue } = risksOf(data);
  const t = data.totals;
  return {
    run: { id: metadata.run_id, status: metadata.status },
    period: data.period,
    totals: {
      seconds: t.total_seconds,
      entity_seconds: t.matched_seconds,
      other_seconds: t.unmatched_seconds,
      entity_share: sharePercent(t.matched_seconds, t.total_seconds),
      people: t.users,
      entities: t.entities,
      entries: t.entries,
      completed_entities: completed,
      overdue_entities: overdue,
    },
    // The aggregate file holds the comparison; the enriched data may carry a copy of it.
    comparison: compareWithPrevious('previous' in aggregated ? aggregated : data, breakdownOf(data)),
    risks,
    hygiene_score: hygieneScoreOf(data, aggregated),
    reports: { dir, markdown, html: existsSync(html) ? html : null },
  };
}

/** The team report to attach or publish: the HTML page where one exists (when asked for), else the markdown. */
export async function readTeamReport(digest: Digest, prefer: 'html' | 'markdown'): Promise<{ file: string; content: string; kind: 'html' | 'markdown' }> {
  const file = prefer === 'html' && digest.reports.html ? digest.reports.html : digest.reports.markdown;
  return { file, content: await readFile(file, 'utf8'), kind: file.endsWith('.html') ? 'html' : 'markdown' };
}
