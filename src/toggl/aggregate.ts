/**
 * Activity 2's logic: group raw time entries by person, then by Fibery entity (matched) or by
 * normalised description (unmatched). Pure, so it is tested without any I/O.
 */
import type {
  AggregatedUser,
  Breakdown,
  MatchedEntity,
  RawTimeEntry,
  RawTogglData,
  TeamEntity,
  TogglAggregated,
  UnmatchedActivity,
} from '../storage/schemas.js';
import type { CompareMode } from '../workflows/contract.js';
import { entityKey } from '../workflows/contract.js';
import { BreakdownAccumulator, previousPeriod } from './breakdown.js';
import { normaliseActivity, parseDescription, type ParsedDescription } from './description.js';
import { HygieneAccumulator } from './hygiene.js';

interface EntityAccumulator extends MatchedEntity {
  names: Map<string, number>;
}

function mostCommonName(names: Map<string, number>, fallback: string): string {
  let best = fallback;
  let bestCount = 0;
  for (const [name, count] of names) {
    if (count > bestCount) [best, bestCount] = [name, count];
  }
  return best;
}

const bySecondsThenName = <T extends { total_seconds: number }>(key: (x: T) => string) => (a: T, b: T) =>
  b.total_seconds - a.total_seconds || key(a).localeCompare(key(b));

/** What the aggregator needs to know before the first entry. */
export interface AggregationContext {
  period: RawTogglData['period'];
  fetched_at: string;
  /**
   * 'previous' (the default): the entries of the period of equal length just before arrive through
   * `addPrevious`, and the result compares the two; 'none': no comparison.
   */
  comparison?: CompareMode;
}

/**
 * Entries are added one at a time, in any order, so a period of any length is aggregated while its
 * pages stream from disk; only the aggregates are held in memory, never the entries.
 */
export class TogglAggregator {
  private readonly users = new Map<string, PersonAccumulator>();
  private readonly team = new Map<string, EntityAccumulator & { users: Set<string> }>();
  private entries = 0;
  private readonly breakdown: BreakdownAccumulator;
  private readonly hygiene = new HygieneAccumulator();
  private readonly previous: BreakdownAccumulator | null;
  private previousEntries = 0;
  /** The previous period's figures taken whole from an earlier run's stored aggregates. */
  private storedPrevious: Breakdown | null = null;

  constructor(private readonly context: AggregationContext) {
    this.breakdown = new BreakdownAccumulator(context.period);
    this.previous = (context.comparison ?? 'previous') === 'previous' ? new BreakdownAccumulator(previousPeriod(context.period)) : null;
  }

  /** An entry of the previous period: counted only in the comparison, never in the period's figures. */
  addPrevious(entry: RawTimeEntry): void {
    if (!this.previous) return;
    this.previousEntries += 1;
    this.previous.add(entry);
  }

  /** The previous period from an earlier run's stored aggregates instead of its entries. */
  usePrevious(breakdown: Breakdown): void {
    if (this.previous) this.storedPrevious = breakdown;
  }

  add(entry: RawTimeEntry): void {
    this.entries += 1;
    const email = entry.user_email;
    const person = this.personFor(entry);
    const { user } = person;
    user.total_seconds += entry.seconds;
    user.entry_count += 1;
    if (entry.running) user.running_entries += 1;
    person.days.add(entry.start.slice(0, 10));

    const parsed = parseDescription(entry.description);
    this.breakdown.add(entry, parsed);
    this.hygiene.add(entry, parsed);
    if (parsed.entityId) {
      user.matched_seconds += entry.seconds;
      const key = entityKey(parsed.database, parsed.type, parsed.entityId);
      const mine = person.entities.get(key) ?? freshEntity(parsed);
      person.entities.set(key, mine);
      const shared = this.team.get(key) ?? { ...freshEntity(parsed), users: new Set<string>() };
      this.team.set(key, shared);
      for (const acc of [mine, shared]) {
        acc.total_seconds += entry.seconds;
        acc.entry_count += 1;
        acc.project ??= parsed.project;
        if (parsed.text) acc.names.set(parsed.text, (acc.names.get(parsed.text) ?? 0) + 1);
      }
      shared.users.add(email);
    } else {
      user.unmatched_seconds += entry.seconds;
      const label = entry.description.trim().replace(/\s+/g, ' ') || '(no description)';
      const key = normaliseActivity(label);
      const activity = person.activities.get(key) ?? { description: label, total_seconds: 0, entry_count: 0 };
      activity.total_seconds += entry.seconds;
      activity.entry_count += 1;
      person.activities.set(key, activity);
    }
  }

  private personFor(entry: RawTimeEntry): PersonAccumulator {
    let person = this.users.get(entry.user_email);
    if (!person) {
      person = {
        user: {
          name: entry.user_name,
          user_id: entry.user_id,
          total_seconds: 0,
          matched_seconds: 0,
          unmatched_seconds: 0,
          entry_count: 0,
          running_entries: 0,
          days_active: 0,
          matched_entities: [],
          unmatched_activities: [],
        },
        entities: new Map(),
        activities: new Map(),
        days: new Set(),
      };
      this.users.set(entry.user_email, person);
    }
    return person;
  }

  finish(now: Date = new Date()): TogglAggregated {
    const { users, team } = this;

    const usersOut: Record<string, AggregatedUser> = {};
    for (const email of [...users.keys()].sort()) {
      const person = users.get(email)!;
      usersOut[email] = {
        ...person.user,
        days_active: person.days.size,
        matched_entities: [...person.entities.values()].map(finishEntity).sort(bySecondsThenName((e) => e.entity_id)),
        unmatched_activities: [...person.activities.values()].sort(bySecondsThenName((a) => a.description)),
      };
    }
    const entities: TeamEntity[] = [...team.values()]
      .map(({ users: who, ...acc }) => ({ ...finishEntity(acc), users: [...who].sort() }))
      .sort(bySecondsThenName((e) => e.entity_id));

    const all = Object.values(usersOut);
    const sum = (pick: (u: AggregatedUser) => number) => all.reduce((total, u) => total + pick(u), 0);
    const running = sum((u) => u.running_entries);
    const notes: string[] = [];
    if (running > 0) {
      notes.push(
        `${running} running ${running === 1 ? 'entry was' : 'entries were'} counted up to the end of the period or the time of the fetch (${this.context.fetched_at}), whichever was earlier.`,
      );
    }
    const notEnrichable = entities.filter((e) => !e.enrichable).length;
    if (notEnrichable > 0) {
      notes.push(`${notEnrichable} referenced ${notEnrichable === 1 ? 'entity has' : 'entities have'} no [Database] [Type] tags and cannot be looked up in Fibery; their time still counts as matched.`);
    }
    const previous = this.storedPrevious ?? this.previous?.finish() ?? null;
    if (previous && (this.storedPrevious ? previous.entries : this.previousEntries) === 0) {
      notes.push(`The previous period (${previous.period.start_date} – ${previous.period.end_date}) has no tracked time, so there is nothing to compare with.`);
    }
    return {
      period: this.context.period,
      generated_at: now.toISOString(),
      users: usersOut,
      entities,
      totals: {
        total_seconds: sum((u) => u.total_seconds),
        matched_seconds: sum((u) => u.matched_seconds),
        unmatched_seconds: sum((u) => u.unmatched_seconds),
        users: all.length,
        entries: this.entries,
        entities: entities.length,
        running_entries: running,
      },
      notes,
      comparison: this.previous ? 'previous' : 'none',
      breakdown: this.breakdown.finish(),
      previous,
      hygiene: this.hygiene.finish(),
    };
  }
}

interface PersonAccumulator {
  user: AggregatedUser;
  entities: Map<string, EntityAccumulator>;
  activities: Map<string, UnmatchedActivity>;
  days: Set<string>;
}

function freshEntity(parsed: ParsedDescription): EntityAccumulator {
  const enrichable = Boolean(parsed.database && parsed.type);
  const reason = enrichable
    ? null
    : parsed.database
      ? `description names the database [${parsed.database}] but no type`
      : 'description names no [Database] and [Type]';
  return {
    entity_id: parsed.entityId as string,
    entity_database: parsed.database,
    entity_type: parsed.type,
    project: parsed.project,
    name: '',
    total_seconds: 0,
    entry_count: 0,
    enrichable,
    not_enrichable_reason: reason,
    names: new Map(),
  };
}

function finishEntity({ names, ...entity }: EntityAccumulator): MatchedEntity {
  return { ...entity, name: mostCommonName(names, `#${entity.entity_id}`) };
}

/** The whole period at once: for tests and for data already in memory. */
export function aggregateToggl(
  raw: RawTogglData,
  now: Date = new Date(),
  previous: { entries: readonly RawTimeEntry[] } | null = null,
  comparison: CompareMode = previous ? 'previous' : 'none',
): TogglAggregated {
  const aggregator = new TogglAggregator({ period: raw.period, fetched_at: raw.fetched_at, comparison });
  for (const entry of raw.time_entries) aggregator.add(entry);
  for (const entry of previous?.entries ?? []) aggregator.addPrevious(entry);
  return aggregator.finish(now);
}
