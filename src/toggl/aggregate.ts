/**
 * Activity 2's logic: group raw time entries by person, then by Fibery entity (matched) or by
 * normalised description (unmatched). Pure, so it is tested without any I/O.
 */
import type {
  AggregatedUser,
  MatchedEntity,
  RawTogglData,
  TeamEntity,
  TogglAggregated,
  UnmatchedActivity,
} from '../storage/schemas.js';
import { entityKey } from '../workflows/contract.js';
import { normaliseActivity, parseDescription } from './description.js';

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

export function aggregateToggl(raw: RawTogglData, now: Date = new Date()): TogglAggregated {
  const users = new Map<string, { user: AggregatedUser; entities: Map<string, EntityAccumulator>; activities: Map<string, UnmatchedActivity>; days: Set<string> }>();
  const team = new Map<string, EntityAccumulator & { users: Set<string> }>();

  for (const entry of raw.time_entries) {
    const email = entry.user_email;
    let person = users.get(email);
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
      users.set(email, person);
    }
    const { user } = person;
    user.total_seconds += entry.seconds;
    user.entry_count += 1;
    if (entry.running) user.running_entries += 1;
    person.days.add(entry.start.slice(0, 10));

    const parsed = parseDescription(entry.description);
    if (parsed.entityId) {
      user.matched_seconds += entry.seconds;
      const key = entityKey(parsed.database, parsed.type, parsed.entityId);
      const enrichable = Boolean(parsed.database && parsed.type);
      const reason = enrichable
        ? null
        : parsed.database
          ? `description names the database [${parsed.database}] but no type`
          : 'description names no [Database] and [Type]';
      const fresh = (): EntityAccumulator => ({
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
      });
      const mine = person.entities.get(key) ?? fresh();
      person.entities.set(key, mine);
      const shared = team.get(key) ?? { ...fresh(), users: new Set<string>() };
      team.set(key, shared);
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

  const finish = ({ names, ...entity }: EntityAccumulator): MatchedEntity => ({
    ...entity,
    name: mostCommonName(names, `#${entity.entity_id}`),
  });

  const usersOut: Record<string, AggregatedUser> = {};
  for (const email of [...users.keys()].sort()) {
    const person = users.get(email)!;
    usersOut[email] = {
      ...person.user,
      days_active: person.days.size,
      matched_entities: [...person.entities.values()].map(finish).sort(bySecondsThenName((e) => e.entity_id)),
      unmatched_activities: [...person.activities.values()].sort(bySecondsThenName((a) => a.description)),
    };
  }
  const entities: TeamEntity[] = [...team.values()]
    .map(({ users: who, ...acc }) => ({ ...finish(acc), users: [...who].sort() }))
    .sort(bySecondsThenName((e) => e.entity_id));

  const all = Object.values(usersOut);
  const sum = (pick: (u: AggregatedUser) => number) => all.reduce((total, u) => total + pick(u), 0);
  const running = sum((u) => u.running_entries);
  const notes: string[] = [];
  if (running > 0) {
    notes.push(
      `${running} running ${running === 1 ? 'entry was' : 'entries were'} counted up to the end of the period or the time of the fetch (${raw.fetched_at}), whichever was earlier.`,
    );
  }
  const notEnrichable = entities.filter((e) => !e.enrichable).length;
  if (notEnrichable > 0) {
    notes.push(`${notEnrichable} referenced ${notEnrichable === 1 ? 'entity has' : 'entities have'} no [Database] [Type] tags and cannot be looked up in Fibery; their time still counts as matched.`);
  }
  return {
    period: raw.period,
    generated_at: now.toISOString(),
    users: usersOut,
    entities,
    totals: {
      total_seconds: sum((u) => u.total_seconds),
      matched_seconds: sum((u) => u.matched_seconds),
      unmatched_seconds: sum((u) => u.unmatched_seconds),
      users: all.length,
      entries: raw.time_entries.length,
      entities: entities.length,
      running_entries: running,
    },
    notes,
  };
}
