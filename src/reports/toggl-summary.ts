/**
 * Activity 3's report: `reports/toggl_summary.md`, the team's Toggl time by person, by Fibery
 * entity and by other activity. Tables come from the aggregated data; the writer adds the prose.
 */
import type { AggregatedUser, TeamEntity, TogglAggregated } from '../storage/schemas.js';
import { normaliseActivity } from '../toggl/description.js';
import {
  capList,
  entityRef,
  formatDateTime,
  groupSeconds,
  hours,
  inline,
  joinBlocks,
  percent,
  percentValue,
  periodDays,
  periodLabel,
  plural,
  roundHours,
  table,
  typeLabel,
  bullets,
} from './format.js';
import { narrativeFooter, narrativeSource, type NarrativeSection, type ReportWriter } from './writer.js';
import { teamTotalsFacts, type FactList, type FactPackSpec } from './fact-pack.js';
import type { KnownData } from './verify.js';
import type { LlmUsage } from '../storage/schemas.js';

export const TOP_ENTITIES = 25;
export const TOP_ACTIVITIES = 25;

export const OTHER_ACTIVITIES_LABEL = 'Other activities (no entity)';
export const NO_PROJECT_LABEL = '(no project tag)';

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
    .map(({ spellings, ...g }) => {
      let best = g.activity;
      let bestSeconds = -1;
      for (const [spelling, seconds] of spellings) {
        if (seconds > bestSeconds || (seconds === bestSeconds && spelling < best)) [best, bestSeconds] = [spelling, seconds];
      }
      return { ...g, activity: best, people: [...g.people].sort() };
    })
    .sort((a, b) => b.total_seconds - a.total_seconds || a.activity.localeCompare(b.activity));
}

/** People sorted by total time, largest first, then by name. */
export function sortedUsers<U extends AggregatedUser>(users: Record<string, U>): [string, U][] {
  return Object.entries(users).sort(([ea, a], [eb, b]) => b.total_seconds - a.total_seconds || a.name.localeCompare(b.name) || ea.localeCompare(eb));
}

export function namesOf(emails: string[], users: Record<string, { name: string }>): string[] {
  return emails.map((email) => users[email]?.name || email);
}

const byHours = <T extends { total_seconds: number; entity_id: string }>(list: readonly T[]): T[] =>
  [...list].sort((a, b) => b.total_seconds - a.total_seconds || a.entity_id.localeCompare(b.entity_id, undefined, { numeric: true }));

export function headerLine(parts: (string | null | undefined)[]): string {
  return parts.filter(Boolean).join(' · ');
}

const SECTIONS: NarrativeSection[] = [
  { key: 'executive_summary', title: 'Executive summary' },
  { key: 'per_user', title: 'Per-user summaries', people: true },
  { key: 'entities_overview', title: 'Matched entities overview' },
  { key: 'unmatched', title: 'Unmatched activities' },
  { key: 'distribution', title: 'Time distribution' },
];

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

export async function writeTogglSummary(aggregated: TogglAggregated, writer: ReportWriter): Promise<{ markdown: string; usage: LlmUsage | null }> {
  const { totals, users } = aggregated;
  const total = totals.total_seconds;
  const people = sortedUsers(users);
  const entities = byHours(aggregated.entities);
  const activities = teamActivities(users);
  const byType = groupSeconds(entities, (e) => typeLabel(e.entity_database, e.entity_type), (e) => e.total_seconds, (e) => e.entry_count);
  const byProject = groupSeconds(entities, (e) => e.project ?? NO_PROJECT_LABEL, (e) => e.total_seconds, (e) => e.entry_count);
  const who = (emails: string[]) => namesOf(emails, users);

  // ---- deterministic texts (also what a missing LLM section falls back to) ----
  const entityPhrase = (e: TeamEntity) => `${entityRef(e.entity_id)} ${e.name} (${hours(e.total_seconds)})`;
  const executive: string[] = [];
  if (total === 0) {
    executive.push(`No time was tracked by the ${plural(totals.users, 'person', 'people')} in scope in this period.`);
  } else {
    executive.push(
      `${plural(totals.users, 'person', 'people')} tracked ${hours(total)} in ${plural(totals.entries, 'time entry', 'time entries')}.`,
      `${hours(totals.matched_seconds)} (${percent(totals.matched_seconds, total)}) was logged against ${plural(totals.entities, 'Fibery entity', 'Fibery entities')} and ${hours(totals.unmatched_seconds)} (${percent(totals.unmatched_seconds, total)}) on other activities.`,
    );
    if (entities[0]) executive.push(`The entity with the most time was ${entityPhrase(entities[0])}.`);
    if (activities[0]) executive.push(`The largest other activity was "${activities[0].activity}" (${hours(activities[0].total_seconds)}).`);
    if (totals.running_entries > 0) executive.push(`${plural(totals.running_entries, 'entry was', 'entries were')} still running (see Notes).`);
  }
  const perUser = people.map(([, u]) => {
    const top = u.matched_entities[0];
    const other = u.unmatched_activities[0];
    const parts = [
      `**${inline(u.name)}**: ${hours(u.total_seconds)} over ${plural(u.days_active, 'day')}, ${percent(u.matched_seconds, u.total_seconds)} on ${plural(u.matched_entities.length, 'entity', 'entities')}`,
      top ? `largest ${inline(`${entityRef(top.entity_id)} ${top.name}`)} (${hours(top.total_seconds)})` : null,
      other ? `other activities ${hours(u.unmatched_seconds)}, largest "${inline(other.description)}" (${hours(other.total_seconds)})` : null,
    ];
    return `- ${parts.filter(Boolean).join('; ')}.`;
  });
  const distribution: string[] = [];
  if (total > 0) {
    if (byType[0]) distribution.push(`Most entity time went to ${byType[0].label} (${hours(byType[0].seconds)}, ${percent(byType[0].seconds, total)} of all time).`);
    if (byProject[0]) distribution.push(`The project with the most entity time was ${byProject[0].label} (${hours(byProject[0].seconds)}, ${percent(byProject[0].seconds, total)}).`);
    distribution.push(`Other activities took ${percent(totals.unmatched_seconds, total)} of the time.`);
  }

  const shared = entities.filter((e) => e.users.length >= 2);
  const entitiesOverview: string[] = [];
  if (entities.length) {
    entitiesOverview.push(`The entities with the most time were ${entities.slice(0, 3).map(entityPhrase).join(', ')}.`);
    entitiesOverview.push(
      shared.length
        ? `${plural(shared.length, 'entity was', 'entities were')} worked on by two or more people.`
        : 'No entity was worked on by more than one person.',
    );
  }
  const unmatchedText = activities.length
    ? `Other activities took ${hours(totals.unmatched_seconds)} (${percent(totals.unmatched_seconds, total)} of the time); the largest were ${activities
        .slice(0, 3)
        .map((a) => `"${inline(a.activity)}" (${hours(a.total_seconds)}, ${plural(a.people.length, 'person', 'people')})`)
        .join(', ')}.`
    : 'No time was logged on other activities.';

  // ---- fact pack ----
  const facts: FactPackSpec = {
    base: {
      period: aggregated.period,
      days_in_period: periodDays(aggregated.period),
      totals: {
        ...teamTotalsFacts(totals),
        shared_entities: shared.length,
        running_entries: totals.running_entries,
      },
      notes: aggregated.notes,
    },
    lists: [
      {
        key: 'people',
        noun: ['person', 'people'],
        items: people,
        seconds: ([, u]: [string, AggregatedUser]) => u.total_seconds,
        whole: ([, u]: [string, AggregatedUser]) => ({
          name: u.name,
          hours: roundHours(u.total_seconds),
          on_entities_hours: roundHours(u.matched_seconds),
          on_entities_pct: percentValue(u.matched_seconds, u.total_seconds),
          other_hours: roundHours(u.unmatched_seconds),
          other_pct: percentValue(u.unmatched_seconds, u.total_seconds),
          entries: u.entry_count,
          days_active: u.days_active,
          entities: u.matched_entities.length,
          top_entities: u.matched_entities.slice(0, 5).map((e) => ({ id: e.entity_id, name: e.name, hours: roundHours(e.total_seconds) })),
          top_other_activities: u.unmatched_activities.slice(0, 3).map((a) => ({ activity: a.description, hours: roundHours(a.total_seconds) })),
        }),
        summarise: (rest: readonly [string, AggregatedUser][]) => ({
          on_entities_hours: roundHours(rest.reduce((s, [, u]) => s + u.matched_seconds, 0)),
          other_hours: roundHours(rest.reduce((s, [, u]) => s + u.unmatched_seconds, 0)),
        }),
      },
      {
        key: 'entities',
        noun: ['entity', 'entities'],
        items: entities,
        seconds: (e: TeamEntity) => e.total_seconds,
        whole: (e: TeamEntity) => ({
          id: e.entity_id,
          name: e.name,
          type: typeLabel(e.entity_database, e.entity_type),
          project: e.project,
          hours: roundHours(e.total_seconds),
          pct_of_total: percentValue(e.total_seconds, total),
          people: who(e.users),
          entries: e.entry_count,
          ...(e.enrichable ? {} : { not_enrichable: e.not_enrichable_reason }),
        }),
        summarise: (rest: readonly TeamEntity[]) => ({ by_type: summariseByType(rest) }),
      },
      {
        key: 'other_activities',
        noun: ['activity', 'activities'],
        items: activities,
        seconds: (a: TeamActivity) => a.total_seconds,
        whole: (a: TeamActivity) => ({ activity: a.activity, hours: roundHours(a.total_seconds), pct_of_total: percentValue(a.total_seconds, total), people: who(a.people), entries: a.entry_count }),
      },
      distributionList('by_type', 'type', ['database/type', 'database/types'], byType, total),
      distributionList('by_project', 'project', ['project', 'projects'], byProject, total),
    ],
  };

  const narrative = await writer.narrate({
    report: 'toggl_summary',
    kind: 'toggl_summary',
    sections: SECTIONS,
    facts,
    vars: { period: periodLabel(aggregated.period), people: plural(totals.users, 'person', 'people') },
    known: knownFromToggl(users, entities),
    fallback: {
      executive_summary: executive.join(' '),
      per_user: perUser.length ? perUser.join('\n') : 'No one tracked time in this period.',
      entities_overview: entitiesOverview.join(' ') || 'No time was logged against Fibery entities.',
      unmatched: unmatchedText,
      distribution: distribution.join(' ') || 'No time to distribute.',
    },
  });
  const text = (key: string) => narrative.sections[key] ?? '';

  // ---- tables ----
  const R = 'right' as const;
  const L = 'left' as const;
  const teamTable = table(
    ['Metric', 'Value'],
    [
      ['Total tracked', hours(total)],
      ['On Fibery entities', `${hours(totals.matched_seconds)} (${percent(totals.matched_seconds, total)})`],
      ['Other activities', `${hours(totals.unmatched_seconds)} (${percent(totals.unmatched_seconds, total)})`],
      ['People', totals.users],
      ['Time entries', totals.entries],
      ['Distinct entities', totals.entities],
      ['Running entries', totals.running_entries],
    ],
    [L, R],
  );
  const userTable = table(
    ['Person', 'Total', 'On entities', 'Other', 'Matched %', 'Entries', 'Days active'],
    people.map(([, u]) => [u.name, hours(u.total_seconds), hours(u.matched_seconds), hours(u.unmatched_seconds), percent(u.matched_seconds, u.total_seconds), u.entry_count, u.days_active]),
    [L, R, R, R, R, R, R],
  );

  const topEntities = capList(entities, TOP_ENTITIES);
  const entityTable = table(
    ['ID', 'Name', 'Database / Type', 'Project', 'Hours', 'People', 'Entries'],
    topEntities.items.map((e) => [entityRef(e.entity_id), e.name, typeLabel(e.entity_database, e.entity_type), e.project ?? '', hours(e.total_seconds), who(e.users).join(', '), e.entry_count]),
    [L, L, L, L, R, L, R],
  );
  const moreEntities = topEntities.omitted
    ? `… and ${plural(topEntities.omitted, 'more entity', 'more entities')} (${hours(entities.slice(TOP_ENTITIES).reduce((s, e) => s + e.total_seconds, 0))}).`
    : null;
  const notEnrichable = entities.filter((e) => !e.enrichable);
  const notEnrichableText = notEnrichable.length
    ? `Not enrichable (no [Database] [Type] in the description; time counted as matched): ${notEnrichable.map((e) => `${entityRef(e.entity_id)} ${inline(e.name)} (${hours(e.total_seconds)})`).join(', ')}.`
    : null;

  const topActivities = capList(activities, TOP_ACTIVITIES);
  const activityTable = table(
    ['Activity', 'Hours', 'People', 'Entries'],
    topActivities.items.map((a) => [a.activity, hours(a.total_seconds), who(a.people).join(', '), a.entry_count]),
    [L, R, L, R],
  );
  const moreActivities = topActivities.omitted
    ? `… and ${plural(topActivities.omitted, 'more activity', 'more activities')} (${hours(activities.slice(TOP_ACTIVITIES).reduce((s, a) => s + a.total_seconds, 0))}).`
    : null;

  const distributionTable = (label: string, groups: ReturnType<typeof groupSeconds>) =>
    table(
      [label, 'Hours', '% of total', 'Entities', 'Entries'],
      [
        ...groups.map((g) => [g.label, hours(g.seconds), percent(g.seconds, total), g.items, g.entries]),
        [OTHER_ACTIVITIES_LABEL, hours(totals.unmatched_seconds), percent(totals.unmatched_seconds, total), '', activities.reduce((s, a) => s + a.entry_count, 0)],
        ['**Total**', `**${hours(total)}**`, total ? '**100%**' : '–', totals.entities, totals.entries],
      ],
      [L, R, R, R, R],
    );
  const splitTable = table(
    ['Category', 'Hours', '% of total'],
    [
      ['On Fibery entities (matched)', hours(totals.matched_seconds), percent(totals.matched_seconds, total)],
      ['Other activities (unmatched)', hours(totals.unmatched_seconds), percent(totals.unmatched_seconds, total)],
      ['**Total**', `**${hours(total)}**`, total ? '**100%**' : '–'],
    ],
    [L, R, R],
  );

  const notes = [
    ...aggregated.notes.map(inline),
    'Hours are rounded to one decimal and percentages to whole numbers, each computed from the tracked seconds, so rounded rows may not add up exactly to the totals.',
  ];

  const markdown = joinBlocks([
    `# Toggl summary · ${periodLabel(aggregated.period)}`,
    headerLine([`Period: ${periodLabel(aggregated.period)}`, `Generated: ${formatDateTime(aggregated.generated_at)}`, narrativeSource(writer, narrative)]),
    '## Executive summary',
    text('executive_summary'),
    '## Team totals',
    teamTable,
    '## Per-user summaries',
    userTable,
    text('per_user'),
    '## Matched entities overview',
    entities.length ? entityTable : null,
    moreEntities,
    notEnrichableText,
    text('entities_overview'),
    '## Unmatched activities',
    activities.length ? activityTable : null,
    moreActivities,
    text('unmatched'),
    '## Time distribution',
    '### Matched vs unmatched',
    splitTable,
    '### By database / type',
    distributionTable('Database / Type', byType),
    '### By project',
    distributionTable('Project', byProject),
    text('distribution'),
    '## Notes',
    bullets(notes),
    narrativeFooter(narrative),
  ]);
  return { markdown, usage: narrative.usage };
}
