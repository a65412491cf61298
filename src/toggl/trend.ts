/**
 * The trend of a run: for each of the last periods of its length, the hours per Fibery type,
 * project and person and the hygiene score, from the Toggl descriptions alone (no Fibery request
 * is made for earlier periods, so the score is the Toggl side's). Pure; the activity decides
 * where each period's figures come from.
 */
import type { Breakdown, RawTimeEntry, TogglAggregated, TrendPeriod } from '../storage/schemas.js';
import { BreakdownAccumulator } from './breakdown.js';
import { parseDescription } from './description.js';
import { HygieneAccumulator } from './hygiene.js';

export function trendPeriodOf(breakdown: Breakdown, hygieneScore: number | null, source: TrendPeriod['source'], runId: string | null): TrendPeriod {
  return {
    period: breakdown.period,
    source,
    run_id: runId,
    total_seconds: breakdown.total_seconds,
    by_type: breakdown.by_type,
    by_project: breakdown.by_project,
    people: Object.fromEntries(Object.entries(breakdown.people).map(([email, p]) => [email, { name: p.name, total_seconds: p.total_seconds }])),
    hygiene_score: hygieneScore,
  };
}

/** A period's trend figures from its aggregates (this run's, or an earlier run's stored ones). */
export function trendPeriodFromAggregates(aggregated: Pick<TogglAggregated, 'breakdown' | 'hygiene'>, source: TrendPeriod['source'], runId: string | null): TrendPeriod | null {
  if (!aggregated.breakdown) return null;
  return trendPeriodOf(aggregated.breakdown, aggregated.hygiene?.toggl_scores?.team ?? null, source, runId);
}

/** Entries of one earlier period, added as they stream, to its trend figures. */
export class TrendPeriodAccumulator {
  private readonly breakdown: BreakdownAccumulator;
  private readonly hygiene = new HygieneAccumulator();

  constructor(period: { start_date: string; end_date: string }) {
    this.breakdown = new BreakdownAccumulator(period);
  }

  add(entry: RawTimeEntry): void {
    const parsed = parseDescription(entry.description);
    this.breakdown.add(entry, parsed);
    this.hygiene.add(entry, parsed);
  }

  finish(): TrendPeriod {
    return trendPeriodOf(this.breakdown.finish(), this.hygiene.finish().toggl_scores?.team ?? null, 'fetched', null);
  }
}
