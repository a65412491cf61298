/**
 * Report vocabulary shared by the three reports: team-wide activity groups, people in order,
 * distributions as fact lists, what the narrative may name, and links to Fibery.
 */
import type { AggregatedUser, CompleteHygiene, EnrichedData, EnrichedEntity, TeamEntity, TogglAggregated, TogglHygiene } from '../storage/schemas.js';
import { normaliseActivity } from '../toggl/description.js';
import { completePersonHygiene, HYGIENE_FORMULA, teamHygiene, type EntityOutcome } from '../toggl/hygiene.js';
import { entityStatus } from './entity-status.js';
import type { FactList } from './fact-pack.js';
import { groupSeconds, percentValue, roundHours, typeLabel } from './format.js';
import type { Cell } from './model.js';
import type { KnownData } from './verify.js';

export { NO_PROJECT_LABEL, OTHER_ACTIVITIES_LABEL } from '../toggl/breakdown.js';

export const TOP_ENTITIES = 25;
export const TOP_ACTIVITIES = 25;

export interface TeamActivity {
  /** The description shown: the spelling with the most time. */
  activity: string;
  total_seconds: number;
  entry_count: number;
  /** Emails of the people who logged it, sorted. */
  people: string[];
}

/** Unmatched activities across the team, grouped by normalised description, largest first. */
export function teamActivities(users: Record<string, AggregatedUser>): TeamActivity[] {
  const groups = new Map<string, TeamActivity & { spellings: Map<string, number> }>();
  for (const [email, user] of Object.entries(users)) {
    for (const a of user.unmatched_activities) {
      const key = normaliseActivity(a.description);
      const group = groups.get(key) ?? { activity: a.description, total_seconds: 0, entry_count: 0, people: [] as string[], spellings: new Map<string, number>() };
      group.total_seconds += a.total_seconds;
      group.entry_count += a.entry_count;
      if (!group.people.includes(email)) group.people.push(email);
      group.spellings.set(a.description, (group.spellings.get(a.description) ?? 0) + a.total_seconds);
      groups.set(key, group);
    }
  }
  return [...groups.values()]
    .map(({ spellings, ...g }) => ({ ...g, activity: bestSpelling(spellings, g.activity), people: [...g.people].sort() }))
    .sort((a, b) => b.total_seconds - a.total_seconds || a.activity.localeCompare(b.activity));
}

function bestSpelling(spellings: Map<string, number>, fallback: string): string {
  let best = fallback;
  let bestSeconds = -1;
  for (const [spelling, seconds] of spellings) {
    if (seconds > bestSeconds || (seconds === bestSeconds && spelling < best)) [best, bestSeconds] = [spelling, seconds];
  }
  return best;
}

/** People sorted by total time, largest first, then by name. */
export function sortedUsers<U extends AggregatedUser>(users: Record<string, U>): [string, U][] {
  return Object.entries(users).sort(([ea, a], [eb, b]) => b.total_seconds - a.total_seconds || a.name.localeCompare(b.name) || ea.localeCompare(eb));
}

export function namesOf(emails: string[], users: Record<string, { name: string }>): string[] {
  return emails.map((email) => users[email]?.name || email);
}

/** Entities largest first, then by id. */
export const byHours = <T extends { total_seconds: number; entity_id: string }>(list: readonly T[]): T[] =>
  [...list].sort((a, b) => b.total_seconds - a.total_seconds || a.entity_id.localeCompare(b.entity_id, undefined, { numeric: true }));

/** Names and ids the Toggl data knows, for checking what a narrative mentions. */
export function knownFromToggl(users: Record<string, AggregatedUser>, entities: readonly TeamEntity[]): KnownData {
  const texts = new Set<string>();
  for (const e of entities) {
    texts.add(e.name);
    texts.add(typeLabel(e.entity_database, e.entity_type));
    if (e.project) texts.add(e.project);
  }
  for (const u of Object.values(users)) for (const a of u.unmatched_activities) texts.add(a.description);
  return { people: Object.values(users).map((u) => u.name), ids: entities.map((e) => e.entity_id), texts: [...texts] };
}

/** A distribution (by type, by project) as a fact list. */
export function distributionList(
  key: string,
  field: string,
  noun: readonly [string, string],
  groups: ReturnType<typeof groupSeconds>,
  total: number,
): FactList<ReturnType<typeof groupSeconds>[number]> {
  return {
    key,
    noun,
    items: groups,
    seconds: (g) => g.seconds,
    whole: (g) => ({ [field]: g.label, hours: roundHours(g.seconds), pct_of_total: percentValue(g.seconds, total), entities: g.items }),
  };
}

/** Hours and counts by `Database / Type` of entities a fact pack lists only as totals (at most 10 types). */
export function summariseByType(rest: readonly { entity_database: string | null; entity_type: string | null; total_seconds: number }[]) {
  return groupSeconds(rest, (e) => typeLabel(e.entity_database, e.entity_type), (e) => e.total_seconds)
    .slice(0, 10)
    .map((g) => ({ type: g.label, count: g.items, hours: roundHours(g.seconds) }));
}

/** A bold cell (totals rows). */
export const strong = (text: string | number): Cell => ({ text: String(text), strong: true });

/**
 * The page of an entity in Fibery: `https://{account}.fibery.io/{Space}/{Type}/{public id}`,
 * spaces in names as underscores. Null when the workspace or the database/type is unknown.
 */
export function fiberyEntityUrl(workspace: string | null | undefined, database: string | null, type: string | null, id: string): string | null {
  const account = workspace?.trim();
  if (!account || !database || !type || !/^\d+$/.test(id)) return null;
  const host = account.includes('.') ? account.replace(/^https?:\/\//, '').replace(/\/+$/, '') : `${account}.fibery.io`;
  const part = (name: string) => encodeURIComponent(name.trim().replace(/\s+/g, '_'));
  return `https://${host}/${part(database)}/${part(type)}/${id}`;
}

/** `#7658`, linked to Fibery in the HTML page when the workspace is known. */
export function entityIdCell(workspace: string | null | undefined, e: { entity_id: string; entity_database: string | null; entity_type: string | null }): Cell {
  const url = fiberyEntityUrl(workspace, e.entity_database, e.entity_type, e.entity_id);
  return url ? { text: `#${e.entity_id}`, href: null, htmlHref: url } : `#${e.entity_id}`;
}

/** What enrichment says about an entity, for the hygiene checks (undefined: not looked up). */
export function entityOutcome(enrichment: EnrichedEntity | null | undefined, period: { start_date: string; end_date: string }): EntityOutcome | undefined {
  if (!enrichment) return undefined;
  if (enrichment.status !== 'enriched') return { found: false, completed_on: null };
  return { found: true, completed_on: entityStatus(enrichment, period).actual_end?.date ?? null };
}

/** Complete hygiene for everyone in the aggregate, with the team's line (null for files without hygiene). */
export function completeHygiene(
  hygiene: TogglHygiene | undefined,
  enrichmentByKey: ReadonlyMap<string, EnrichedEntity>,
  period: { start_date: string; end_date: string },
): CompleteHygiene | null {
  if (!hygiene) return null;
  const people = Object.fromEntries(
    Object.entries(hygiene.people).map(([email, h]) => [email, completePersonHygiene(h, (key) => entityOutcome(enrichmentByKey.get(key), period))]),
  );
  return { formula: HYGIENE_FORMULA, team: teamHygiene(Object.values(people)), people };
}

/**
 * What `enriched_data.json` carries for the reports beyond the enrichment itself: the comparison
 * with the previous period (copied from the aggregate) and the complete tracking hygiene.
 * `save_enriched_data` spreads it into the file.
 */
export function enrichedReportExtras(
  aggregated: Pick<TogglAggregated, 'comparison' | 'breakdown' | 'previous' | 'hygiene' | 'period' | 'trend'>,
  enrichmentByKey: ReadonlyMap<string, EnrichedEntity>,
): Pick<EnrichedData, 'comparison' | 'breakdown' | 'previous' | 'hygiene' | 'trend'> {
  const hygiene = completeHygiene(aggregated.hygiene, enrichmentByKey, aggregated.period);
  return {
    ...(aggregated.trend ? { trend: aggregated.trend } : {}),
    ...(aggregated.comparison ? { comparison: aggregated.comparison } : {}),
    ...(aggregated.breakdown ? { breakdown: aggregated.breakdown } : {}),
    ...(aggregated.previous !== undefined ? { previous: aggregated.previous } : {}),
    ...(hygiene ? { hygiene } : {}),
  };
}
