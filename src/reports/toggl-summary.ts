/**
 * Activity 3's report: `reports/toggl_summary.md` and `.html`, the team's Toggl time by person,
 * by Fibery entity and by other activity, this period against the last, and the Toggl side of
 * tracking hygiene. One model, one section list; the writer adds the prose.
 */
import type { AggregatedUser, TeamEntity, TogglAggregated } from '../storage/schemas.js';
import { completePersonHygiene, teamHygiene } from '../toggl/hygiene.js';
import {
  byHours,
  distributionList,
  entityIdCell,
  knownFromToggl,
  namesOf,
  NO_PROJECT_LABEL,
  OTHER_ACTIVITIES_LABEL,
  sortedUsers,
  strong,
  summariseByType,
  teamActivities,
  TOP_ACTIVITIES,
  TOP_ENTITIES,
  type TeamActivity,
} from './common.js';
import { teamTotalsFacts, type FactPackSpec } from './fact-pack.js';
import { bullets, capList, entityRef, formatDateTime, groupSeconds, hours, inline, percent, percentValue, periodDays, periodLabel, plural, roundHours, typeLabel } from './format.js';
import { heading, md, tableBlock, type ReportDefinition, type ReportOptions, type Section } from './model.js';
import { renderReport, type RenderedReport } from './render.js';
import {
  barsChart,
  comparisonFactsOf,
  comparisonInput,
  comparisonSection,
  dailySection,
  hygieneFacts,
  hygieneSection,
  shareChart,
  stackedChart,
  type ComparisonInput,
  type HygieneView,
} from './shared-sections.js';
import type { ReportWriter } from './writer.js';


interface TogglModel {
  data: TogglAggregated;
  total: number;
  people: [string, AggregatedUser][];
  entities: TeamEntity[];
  activities: TeamActivity[];
  byType: ReturnType<typeof groupSeconds>;
  byProject: ReturnType<typeof groupSeconds>;
  shared: TeamEntity[];
  who(emails: string[]): string[];
  workspace: string | null;
  comparison: ComparisonInput;
  hygiene: HygieneView | null;
}

export function buildTogglModel(data: TogglAggregated, options: ReportOptions = {}): TogglModel {
  const entities = byHours(data.entities);
  const hygienePeople = Object.entries(data.hygiene?.people ?? {}).map(([email, h]) => ({ email, hygiene: completePersonHygiene(h, () => undefined) }));
  hygienePeople.sort((a, b) => b.hygiene.total_seconds - a.hygiene.total_seconds || a.hygiene.name.localeCompare(b.hygiene.name));
  return {
    data,
    total: data.totals.total_seconds,
    people: sortedUsers(data.users),
    entities,
    activities: teamActivities(data.users),
    byType: groupSeconds(entities, (e) => typeLabel(e.entity_database, e.entity_type), (e) => e.total_seconds, (e) => e.entry_count),
    byProject: groupSeconds(entities, (e) => e.project ?? NO_PROJECT_LABEL, (e) => e.total_seconds, (e) => e.entry_count),
    shared: entities.filter((e) => e.users.length >= 2),
    who: (emails) => namesOf(emails, data.users),
    workspace: options.fiberyWorkspace ?? null,
    comparison: comparisonInput(data),
    hygiene: data.hygiene ? { team: teamHygiene(hygienePeople.map((p) => p.hygiene)), people: hygienePeople, togglOnly: true } : null,
  };
}

const R = 'right' as const;
const L = 'left' as const;

const entityPhrase = (e: TeamEntity) => `${entityRef(e.entity_id)} ${inline(e.name)} (${hours(e.total_seconds)})`;

function executiveText(m: TogglModel): string {
  const { totals } = m.data;
  const total = m.total;
  if (total === 0) return `No time was tracked by the ${plural(totals.users, 'person', 'people')} in scope in this period.`;
  const out = [
    `${plural(totals.users, 'person', 'people')} tracked ${hours(total)} in ${plural(totals.entries, 'time entry', 'time entries')}.`,
    `${hours(totals.matched_seconds)} (${percent(totals.matched_seconds, total)}) was logged against ${plural(totals.entities, 'Fibery entity', 'Fibery entities')} and ${hours(totals.unmatched_seconds)} (${percent(totals.unmatched_seconds, total)}) on other activities.`,
  ];
  if (m.entities[0]) out.push(`The entity with the most time was ${entityPhrase(m.entities[0])}.`);
  if (m.activities[0]) out.push(`The largest other activity was "${inline(m.activities[0].activity)}" (${hours(m.activities[0].total_seconds)}).`);
  if (totals.running_entries > 0) out.push(`${plural(totals.running_entries, 'entry was', 'entries were')} still running (see Notes).`);
  return out.join(' ');
}

function perUserText(m: TogglModel): string {
  const lines = m.people.map(([, u]) => {
    const top = u.matched_entities[0];
    const other = u.unmatched_activities[0];
    const parts = [
      `**${inline(u.name)}**: ${hours(u.total_seconds)} over ${plural(u.days_active, 'day')}, ${percent(u.matched_seconds, u.total_seconds)} on ${plural(u.matched_entities.length, 'entity', 'entities')}`,
      top ? `largest ${inline(`${entityRef(top.entity_id)} ${top.name}`)} (${hours(top.total_seconds)})` : null,
      other ? `other activities ${hours(u.unmatched_seconds)}, largest "${inline(other.description)}" (${hours(other.total_seconds)})` : null,
    ];
    return `- ${parts.filter(Boolean).join('; ')}.`;
  });
  return lines.length ? lines.join('\n') : 'No one tracked time in this period.';
}

function entitiesText(m: TogglModel): string {
  if (!m.entities.length) return 'No time was logged against Fibery entities.';
  return [
    `The entities with the most time were ${m.entities.slice(0, 3).map(entityPhrase).join(', ')}.`,
    m.shared.length ? `${plural(m.shared.length, 'entity was', 'entities were')} worked on by two or more people.` : 'No entity was worked on by more than one person.',
  ].join(' ');
}

function unmatchedText(m: TogglModel): string {
  if (!m.activities.length) return 'No time was logged on other activities.';
  const top = m.activities.slice(0, 3).map((a) => `"${inline(a.activity)}" (${hours(a.total_seconds)}, ${plural(a.people.length, 'person', 'people')})`);
  return `Other activities took ${hours(m.data.totals.unmatched_seconds)} (${percent(m.data.totals.unmatched_seconds, m.total)} of the time); the largest were ${top.join(', ')}.`;
}

function distributionText(m: TogglModel): string {
  if (m.total <= 0) return 'No time to distribute.';
  const out: string[] = [];
  if (m.byType[0]) out.push(`Most entity time went to ${inline(m.byType[0].label)} (${hours(m.byType[0].seconds)}, ${percent(m.byType[0].seconds, m.total)} of all time).`);
  if (m.byProject[0]) out.push(`The project with the most entity time was ${inline(m.byProject[0].label)} (${hours(m.byProject[0].seconds)}, ${percent(m.byProject[0].seconds, m.total)}).`);
  out.push(`Other activities took ${percent(m.data.totals.unmatched_seconds, m.total)} of the time.`);
  return out.join(' ');
}

/** A distribution table with the other activities and the total as its last rows. */
export function distributionTable(label: string, groups: ReturnType<typeof groupSeconds>, totals: TogglAggregated['totals'], withEntries: boolean, otherEntries = 0) {
  const total = totals.total_seconds;
  const headers = [label, 'Hours', '% of total', 'Entities', ...(withEntries ? ['Entries'] : [])];
  return tableBlock(
    headers,
    [
      ...groups.map((g) => [g.label, hours(g.seconds), percent(g.seconds, total), g.items, ...(withEntries ? [g.entries] : [])]),
      [OTHER_ACTIVITIES_LABEL, hours(totals.unmatched_seconds), percent(totals.unmatched_seconds, total), '', ...(withEntries ? [otherEntries] : [])],
      [strong('Total'), strong(hours(total)), total ? strong('100%') : '–', totals.entities, ...(withEntries ? [totals.entries] : [])],
    ],
    headers.map((_, i) => (i === 0 ? L : R)),
  );
}

/** The matched/unmatched split table. */
export function splitTable(totals: TogglAggregated['totals']) {
  const total = totals.total_seconds;
  return tableBlock(
    ['Category', 'Hours', '% of total'],
    [
      ['On Fibery entities (matched)', hours(totals.matched_seconds), percent(totals.matched_seconds, total)],
      ['Other activities (unmatched)', hours(totals.unmatched_seconds), percent(totals.unmatched_seconds, total)],
      [strong('Total'), strong(hours(total)), total ? strong('100%') : '–'],
    ],
    [L, R, R],
  );
}

/** Hours per person by type (from the description tags), other activities as their own part. */
export function peopleByType(people: readonly [string, AggregatedUser][]) {
  return people.map(([, u]) => {
    const seconds: Record<string, number> = {};
    for (const e of u.matched_entities) {
      const label = typeLabel(e.entity_database, e.entity_type);
      seconds[label] = (seconds[label] ?? 0) + e.total_seconds;
    }
    if (u.unmatched_seconds) seconds[OTHER_ACTIVITIES_LABEL] = u.unmatched_seconds;
    return { name: u.name, seconds };
  });
}

const SECTIONS: Section<TogglModel>[] = [
  { key: 'executive_summary', title: 'Executive summary', narrated: true, fallback: executiveText, blocks: () => [] },
  {
    key: 'team_totals',
    title: 'Team totals',
    blocks: ({ data: { totals }, total }) => [
      tableBlock(
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
      ),
    ],
  },
  {
    key: 'per_user',
    title: 'Per-user summaries',
    narrated: true,
    people: true,
    fallback: perUserText,
    blocks: (m) => [
      tableBlock(
        ['Person', 'Total', 'On entities', 'Other', 'Matched %', 'Entries', 'Days active'],
        m.people.map(([, u]) => [u.name, hours(u.total_seconds), hours(u.matched_seconds), hours(u.unmatched_seconds), percent(u.matched_seconds, u.total_seconds), u.entry_count, u.days_active]),
        [L, R, R, R, R, R, R],
      ),
      m.people.length ? stackedChart('chart-people-types', 'Hours per person, by Fibery type', peopleByType(m.people)) : null,
      shareChart('chart-people-share', m.people.map(([, u]) => u)),
    ],
  },
  {
    key: 'entities_overview',
    title: 'Matched entities overview',
    narrated: true,
    fallback: entitiesText,
    blocks: (m) => {
      const top = capList(m.entities, TOP_ENTITIES);
      const notEnrichable = m.entities.filter((e) => !e.enrichable);
      return [
        m.entities.length
          ? tableBlock(
              ['ID', 'Name', 'Database / Type', 'Project', 'Hours', 'People', 'Entries'],
              top.items.map((e) => [entityIdCell(m.workspace, e), e.name, typeLabel(e.entity_database, e.entity_type), e.project ?? '', hours(e.total_seconds), m.who(e.users).join(', '), e.entry_count]),
              [L, L, L, L, R, L, R],
            )
          : null,
        md(top.omitted ? `… and ${plural(top.omitted, 'more entity', 'more entities')} (${hours(m.entities.slice(TOP_ENTITIES).reduce((s, e) => s + e.total_seconds, 0))}).` : null),
        md(
          notEnrichable.length
            ? `Not enrichable (no [Database] [Type] in the description; time counted as matched): ${notEnrichable.map((e) => `${entityRef(e.entity_id)} ${inline(e.name)} (${hours(e.total_seconds)})`).join(', ')}.`
            : null,
        ),
      ];
    },
  },
  {
    key: 'unmatched',
    title: 'Unmatched activities',
    narrated: true,
    fallback: unmatchedText,
    blocks: (m) => {
      const top = capList(m.activities, TOP_ACTIVITIES);
      return [
        m.activities.length
          ? tableBlock(['Activity', 'Hours', 'People', 'Entries'], top.items.map((a) => [a.activity, hours(a.total_seconds), m.who(a.people).join(', '), a.entry_count]), [L, R, L, R])
          : null,
        md(top.omitted ? `… and ${plural(top.omitted, 'more activity', 'more activities')} (${hours(m.activities.slice(TOP_ACTIVITIES).reduce((s, a) => s + a.total_seconds, 0))}).` : null),
      ];
    },
  },
  {
    key: 'distribution',
    title: 'Time distribution',
    narrated: true,
    fallback: distributionText,
    blocks: (m) => {
      const otherEntries = m.activities.reduce((s, a) => s + a.entry_count, 0);
      return [
        heading('Matched vs unmatched'),
        splitTable(m.data.totals),
        heading('By database / type'),
        barsChart('chart-types', 'Hours per Fibery type', [...m.byType, { label: OTHER_ACTIVITIES_LABEL, seconds: m.data.totals.unmatched_seconds }]),
        distributionTable('Database / Type', m.byType, m.data.totals, true, otherEntries),
        heading('By project'),
        barsChart('chart-projects', 'Hours per project', [...m.byProject, { label: OTHER_ACTIVITIES_LABEL, seconds: m.data.totals.unmatched_seconds }]),
        distributionTable('Project', m.byProject, m.data.totals, true, otherEntries),
      ];
    },
  },
  dailySection((m) => (m.data.breakdown ? { byDay: m.data.breakdown.by_day, period: m.data.period } : null)),
  comparisonSection((m) => m.comparison, () => 'The team'),
  hygieneSection((m) => m.hygiene, () => "the team's"),
  {
    key: 'notes',
    title: 'Notes',
    blocks: (m) => [
      md(
        bullets([
          ...m.data.notes.map(inline),
          'Hours are rounded to one decimal and percentages to whole numbers, each computed from the tracked seconds, so rounded rows may not add up exactly to the totals.',
        ]),
      ),
    ],
  },
];

function facts(m: TogglModel): FactPackSpec {
  const { totals } = m.data;
  const total = m.total;
  const comparison = comparisonFactsOf(m.comparison);
  const hygiene = hygieneFacts(m.hygiene);
  return {
    base: {
      period: m.data.period,
      days_in_period: periodDays(m.data.period),
      totals: { ...teamTotalsFacts(totals), shared_entities: m.shared.length, running_entries: totals.running_entries },
      notes: m.data.notes,
      ...(comparison ? { against_previous_period: comparison } : {}),
      ...(hygiene ? { tracking_hygiene: hygiene } : {}),
    },
    lists: [
      {
        key: 'people',
        noun: ['person', 'people'],
        items: m.people,
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
        items: m.entities,
        seconds: (e: TeamEntity) => e.total_seconds,
        whole: (e: TeamEntity) => ({
          id: e.entity_id,
          name: e.name,
          type: typeLabel(e.entity_database, e.entity_type),
          project: e.project,
          hours: roundHours(e.total_seconds),
          pct_of_total: percentValue(e.total_seconds, total),
          people: m.who(e.users),
          entries: e.entry_count,
          ...(e.enrichable ? {} : { not_enrichable: e.not_enrichable_reason }),
        }),
        summarise: (rest: readonly TeamEntity[]) => ({ by_type: summariseByType(rest) }),
      },
      {
        key: 'other_activities',
        noun: ['activity', 'activities'],
        items: m.activities,
        seconds: (a: TeamActivity) => a.total_seconds,
        whole: (a: TeamActivity) => ({ activity: a.activity, hours: roundHours(a.total_seconds), pct_of_total: percentValue(a.total_seconds, total), people: m.who(a.people), entries: a.entry_count }),
      },
      distributionList('by_type', 'type', ['database/type', 'database/types'], m.byType, total),
      distributionList('by_project', 'project', ['project', 'projects'], m.byProject, total),
    ],
  };
}

export const TOGGL_SUMMARY: ReportDefinition<TogglModel> = {
  kind: 'toggl_summary',
  id: () => 'toggl_summary',
  title: (m) => `Toggl summary · ${periodLabel(m.data.period)}`,
  header: (m) => [`Period: ${periodLabel(m.data.period)}`, `Generated: ${formatDateTime(m.data.generated_at)}`],
  sections: SECTIONS,
  facts,
  known: (m) => knownFromToggl(m.data.users, m.entities),
  vars: (m) => ({ period: periodLabel(m.data.period), people: plural(m.data.totals.users, 'person', 'people') }),
};

export async function writeTogglSummary(aggregated: TogglAggregated, writer: ReportWriter, options: ReportOptions = {}): Promise<RenderedReport> {
  return renderReport(TOGGL_SUMMARY, buildTogglModel(aggregated, options), writer);
}
