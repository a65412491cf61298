/**
 * Activity 9's report: `reports/team_summary.md` and `.html`, the team's time joined with what
 * Fibery says about the work: members, accomplishments, shared work, allocation, risks, this
 * period against the last and tracking hygiene. One model, one section list; the writer adds the prose.
 */
import type { EnrichedData } from '../storage/schemas.js';
import {
  distributionList,
  entityIdCell,
  knownFromToggl,
  namesOf,
  NO_PROJECT_LABEL,
  OTHER_ACTIVITIES_LABEL,
  sortedUsers,
  summariseByType,
  teamActivities,
  type TeamActivity,
} from './common.js';
import { digestOf, hoursWithShare, riskListMarkdown } from './digest.js';
import { daysOverdue, entityStatus, type EntityStatus } from './entity-status.js';
import { teamTotalsFacts, type FactList, type FactPackSpec } from './fact-pack.js';
import { bullets, capList, entityRef, formatDateTime, groupSeconds, hours, inline, percent, percentValue, periodDays, periodLabel, plural, roundHours, typeLabel } from './format.js';
import { heading, md, NARRATIVE, tableBlock, type Cell, type ReportDefinition, type ReportOptions, type Section } from './model.js';
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
import { distributionTable, peopleByType, splitTable } from './toggl-summary.js';
import { trendFacts, trendSection } from './trend-section.js';
import type { ReportWriter } from './writer.js';

/** A person with more than this share of their time on other activities is listed as a risk. */
export const UNMATCHED_RISK_SHARE = 0.4;
const MAX_WARNINGS = 20;
const MAX_SHARED_ROWS = 25;
/** Risks of one kind listed before "…and N more" (the tables list them all). */
const RISKS_PER_KIND = 10;
const THRESHOLD_PCT = Math.round(UNMATCHED_RISK_SHARE * 100);

export type TeamEntityRow = EnrichedData['entities'][number] & { status: EntityStatus; display_name: string };
export type Member = [string, EnrichedData['users'][string]];

export interface TeamModel {
  data: EnrichedData;
  total: number;
  people: Member[];
  rows: TeamEntityRow[];
  completed: TeamEntityRow[];
  overdue: TeamEntityRow[];
  notFound: TeamEntityRow[];
  notEnrichable: TeamEntityRow[];
  shared: TeamEntityRow[];
  activities: TeamActivity[];
  sharedActivities: TeamActivity[];
  highUnmatched: Member[];
  byType: ReturnType<typeof groupSeconds>;
  byProject: ReturnType<typeof groupSeconds>;
  completedSeconds: number;
  who(emails: string[]): string[];
  workspace: string | null;
  comparison: ComparisonInput;
  hygiene: HygieneView | null;
}

export function buildTeamModel(data: EnrichedData, options: ReportOptions = {}): TeamModel {
  const { period, users } = data;
  const people = sortedUsers(users);
  const rows: TeamEntityRow[] = [...data.entities]
    .sort((a, b) => b.total_seconds - a.total_seconds || a.entity_id.localeCompare(b.entity_id, undefined, { numeric: true }))
    .map((e) => {
      const status = entityStatus(e.enrichment, period, e);
      return { ...e, status, display_name: status.name || e.name };
    });
  const completed = rows.filter((r) => r.status.kind === 'completed');
  const activities = teamActivities(users);
  const hygiene = data.hygiene;
  const hygienePeople = hygiene ? people.flatMap(([email]) => (hygiene.people[email] ? [{ email, hygiene: hygiene.people[email] }] : [])) : [];
  return {
    data,
    total: data.totals.total_seconds,
    people,
    rows,
    completed,
    overdue: rows.filter((r) => r.status.kind === 'overdue'),
    notFound: rows.filter((r) => r.status.kind === 'not_found'),
    notEnrichable: rows.filter((r) => r.status.kind === 'not_enrichable'),
    shared: rows.filter((r) => r.users.length >= 2),
    activities,
    sharedActivities: activities.filter((a) => a.people.length >= 2),
    highUnmatched: people.filter(([, u]) => u.total_seconds > 0 && u.unmatched_seconds / u.total_seconds > UNMATCHED_RISK_SHARE),
    byType: groupSeconds(rows, (e) => typeLabel(e.entity_database, e.entity_type), (e) => e.total_seconds, (e) => e.entry_count),
    byProject: groupSeconds(rows, (e) => e.project ?? NO_PROJECT_LABEL, (e) => e.total_seconds, (e) => e.entry_count),
    completedSeconds: completed.reduce((s, r) => s + r.total_seconds, 0),
    who: (emails) => namesOf(emails, users),
    workspace: options.fiberyWorkspace ?? null,
    comparison: comparisonInput(data),
    hygiene: hygiene ? { team: hygiene.team, people: hygienePeople, togglOnly: false } : null,
  };
}

const R = 'right' as const;
const L = 'left' as const;
const ref = (r: TeamEntityRow) => `${entityRef(r.entity_id)} ${inline(r.display_name)}`;
const secondsOf = (list: readonly { total_seconds: number }[]) => list.reduce((s, r) => s + r.total_seconds, 0);
const focusOf = (u: Member[1]) => groupSeconds(u.matched_entities, (e) => typeLabel(e.entity_database, e.entity_type), (e) => e.total_seconds)[0] ?? null;

/** `reports/individual/x.md` (relative to the run) → a link relative to the team report, to the markdown or the HTML page. */
function reportLink(file: string | null): Cell {
  if (!file) return '';
  const rel = file.replace(/\\/g, '/').replace(/^reports\//, '');
  return { text: 'report', href: rel, htmlHref: rel.replace(/\.md$/, '.html') };
}

function executiveText(m: TeamModel): string {
  const { totals } = m.data;
  const total = m.total;
  if (total === 0) return `No time was tracked by the ${plural(totals.users, 'person', 'people')} in scope in this period.`;
  const out = [
    `${plural(totals.users, 'person', 'people')} tracked ${hours(total)}: ${hours(totals.matched_seconds)} (${percent(totals.matched_seconds, total)}) on ${plural(totals.entities, 'Fibery entity', 'Fibery entities')} and ${hours(totals.unmatched_seconds)} (${percent(totals.unmatched_seconds, total)}) on other activities.`,
    `${plural(m.completed.length, 'entity', 'entities')} worked on ${m.completed.length === 1 ? 'is' : 'are'} completed in Fibery (${hours(m.completedSeconds)} this period) and ${m.overdue.length} ${m.overdue.length === 1 ? 'is' : 'are'} overdue.`,
  ];
  if (m.byType[0]) out.push(`Most entity time went to ${inline(m.byType[0].label)} (${hours(m.byType[0].seconds)}, ${percent(m.byType[0].seconds, total)}).`);
  if (m.highUnmatched.length) out.push(`${plural(m.highUnmatched.length, 'person spends', 'people spend')} more than ${THRESHOLD_PCT}% of their time on other activities.`);
  if (m.notFound.length) out.push(`${plural(m.notFound.length, 'referenced entity was', 'referenced entities were')} not found in Fibery.`);
  if (m.notEnrichable.length) out.push(`${plural(m.notEnrichable.length, 'reference', 'references')} without [Database] [Type] tags could not be looked up.`);
  return out.join(' ');
}

function accomplishmentsText(m: TeamModel): string {
  if (!m.completed.length) {
    const top = m.rows[0];
    return `No entity worked on in this period is completed in Fibery.${top ? ` The largest work item was ${ref(top)} (${hours(top.total_seconds)}, ${top.status.label}).` : ''}`;
  }
  const list = bullets(m.completed.slice(0, 15).map((r) => `${ref(r)} (${inline(typeLabel(r.entity_database, r.entity_type))}): ${hours(r.total_seconds)} this period by ${m.who(r.users).map(inline).join(', ')}.`));
  return list + (m.completed.length > 15 ? `\n\n… and ${m.completed.length - 15} more.` : '');
}

function crossTeamText(m: TeamModel): string {
  const first = m.shared[0];
  const out = [
    first
      ? `${plural(m.shared.length, 'entity was', 'entities were')} worked on by two or more people, ${hours(secondsOf(m.shared))} in all; the largest was ${ref(first)} (${hours(first.total_seconds)}, ${m.who(first.users).map(inline).join(', ')}).`
      : 'No entity was worked on by more than one person.',
  ];
  const a = m.sharedActivities[0];
  if (a) out.push(`The most common shared other activity was "${inline(a.activity)}" (${hours(a.total_seconds)}, ${plural(a.people.length, 'person', 'people')}).`);
  return out.join(' ');
}

function allocationText(m: TeamModel): string {
  if (m.total <= 0) return 'No time to allocate.';
  const out: string[] = [];
  const top = m.people[0]?.[1];
  if (top) out.push(`${inline(top.name)} tracked the most time (${hours(top.total_seconds)}, ${percent(top.total_seconds, m.total)} of the team's).`);
  if (m.byProject[0]) out.push(`The project with the most entity time was ${inline(m.byProject[0].label)} (${hours(m.byProject[0].seconds)}, ${percent(m.byProject[0].seconds, m.total)}).`);
  out.push(`Other activities took ${percent(m.data.totals.unmatched_seconds, m.total)} of the team's time.`);
  return out.join(' ');
}

function recommendationsText(m: TeamModel): string {
  const out: string[] = [];
  const { overdue, highUnmatched, notEnrichable, notFound } = m;
  if (overdue.length) out.push(`Review ${overdue.length === 1 ? 'the overdue entity' : `the ${overdue.length} overdue entities`} with the people working on ${overdue.length === 1 ? 'it' : 'them'} and update the plan: ${overdue.slice(0, 5).map(ref).join(', ')}${overdue.length > 5 ? ' and the others under Risks' : ''}.`);
  if (highUnmatched.length) out.push(`Look at the other-activity time of ${highUnmatched.map(([, u]) => inline(u.name)).join(', ')} (more than ${THRESHOLD_PCT}% of their time): is it overhead to reduce, or work that should be tracked against Fibery entities?`);
  if (notEnrichable.length) out.push(`Start timers from Fibery so descriptions carry [Database] [Type] tags: ${plural(notEnrichable.length, 'reference', 'references')} could not be looked up.`);
  if (notFound.length) out.push(`Check the ${plural(notFound.length, 'reference', 'references')} not found in Fibery (mistyped ids, deleted entities or a wrong database/type tag).`);
  if (!out.length) out.push('The data shows no overdue work, no high share of other activities and no broken references: no specific action follows from it.');
  return bullets(out);
}

/** The digest's totals first (what Slack and e-mail say), then what only the report shows. */
function glanceBlock(m: TeamModel) {
  const { enrichment } = m.data;
  const t = digestOf(m).totals;
  return tableBlock(
    ['Metric', 'Value'],
    [
      ['Total tracked', hours(t.seconds)],
      ['On Fibery entities', hoursWithShare(t.entity_seconds, t.seconds)],
      ['Other activities', hoursWithShare(t.other_seconds, t.seconds)],
      ['People', t.people],
      ['Time entries', t.entries],
      ['Distinct entities', t.entities],
      ['Completed entities', `${t.completed_entities} (${hours(t.completed_seconds)} this period)`],
      ['Overdue entities', t.overdue_entities],
      ['Enriched from Fibery', enrichment.enriched],
      ['Not found in Fibery', enrichment.not_found],
      ['Not enrichable references', enrichment.not_enrichable],
      ...(t.running_entries ? [['Running entries', `${t.running_entries} (counted up to the end of the period or the time of the fetch)`]] : []),
    ],
    [L, R],
  );
}

function risksBlocks(m: TeamModel) {
  const id = (r: TeamEntityRow) => entityIdCell(m.workspace, r);
  const warnings = capList(m.data.enrichment.warnings, MAX_WARNINGS);
  return [
    // The digest's risks, as the channels send them; the narrative and the tables follow.
    md(riskListMarkdown(digestOf(m), RISKS_PER_KIND)),
    NARRATIVE,
    heading('Overdue entities'),
    m.overdue.length
      ? tableBlock(
          ['ID', 'Name', 'Database / Type', 'Planned end', 'State', 'Hours', 'People'],
          m.overdue.map((r) => [id(r), r.display_name, typeLabel(r.entity_database, r.entity_type), r.status.planned_end?.date ?? '', r.status.state ?? '', hours(r.total_seconds), m.who(r.users).join(', ')]),
          [L, L, L, L, L, R, L],
        )
      : md('None: no entity worked on has a planned end before the end of the period without being completed.'),
    heading(`More than ${THRESHOLD_PCT}% of time on other activities`),
    m.highUnmatched.length
      ? tableBlock(['Person', 'Other activities', 'Total', 'Share of own time'], m.highUnmatched.map(([, u]) => [u.name, hours(u.unmatched_seconds), hours(u.total_seconds), percent(u.unmatched_seconds, u.total_seconds)]), [L, R, R, R])
      : md('None.'),
    heading('Not found in Fibery'),
    m.notFound.length
      ? tableBlock(['ID', 'Name (from Toggl)', 'Database / Type', 'Hours', 'Reason'], m.notFound.map((r) => [id(r), r.name, typeLabel(r.entity_database, r.entity_type), hours(r.total_seconds), r.status.reason ?? '']), [L, L, L, R, L])
      : md('None.'),
    heading('Not enrichable references'),
    m.notEnrichable.length
      ? tableBlock(['ID', 'Name (from Toggl)', 'Hours', 'People', 'Reason'], m.notEnrichable.map((r) => [id(r), r.name, hours(r.total_seconds), m.who(r.users).join(', '), r.status.reason ?? '']), [L, L, R, L, L])
      : md('None.'),
    warnings.items.length ? heading('Enrichment warnings') : null,
    md(warnings.items.length ? bullets(warnings.items.map(inline)) + (warnings.omitted ? `\n\n… and ${warnings.omitted} more.` : '') : null),
  ];
}

const SECTIONS: Section<TeamModel>[] = [
  { key: 'executive_summary', title: 'Executive summary', narrated: true, fallback: executiveText, blocks: () => [] },
  { key: 'at_a_glance', title: 'Team at a glance', blocks: (m) => [glanceBlock(m)] },
  {
    key: 'members',
    title: 'Members',
    blocks: (m) => [
      m.people.length
        ? tableBlock(
            ['Person', 'Total', 'On entities', 'Other', '% of team time', 'Report'],
            m.people.map(([, u]) => [u.name, hours(u.total_seconds), hours(u.matched_seconds), hours(u.unmatched_seconds), percent(u.total_seconds, m.total), reportLink(u.report_file)]),
            [L, R, R, R, R, L],
          )
        : md('No one tracked time in this period.'),
    ],
  },
  {
    key: 'accomplishments',
    title: 'Key accomplishments',
    narrated: true,
    fallback: accomplishmentsText,
    blocks: (m) => [
      m.completed.length
        ? tableBlock(
            ['ID', 'Name', 'Database / Type', 'State', 'Completed on', 'Hours', 'People'],
            m.completed.map((r) => [entityIdCell(m.workspace, r), r.display_name, typeLabel(r.entity_database, r.entity_type), r.status.state ?? '', r.status.actual_end?.date ?? '', hours(r.total_seconds), m.who(r.users).join(', ')]),
            [L, L, L, L, L, R, L],
          )
        : null,
    ],
  },
  {
    key: 'cross_team',
    title: 'Cross-team patterns',
    narrated: true,
    fallback: crossTeamText,
    blocks: (m) => [
      m.shared.length
        ? tableBlock(
            ['ID', 'Name', 'Database / Type', 'Hours', 'People', 'Status'],
            m.shared.slice(0, MAX_SHARED_ROWS).map((r) => [entityIdCell(m.workspace, r), r.display_name, typeLabel(r.entity_database, r.entity_type), hours(r.total_seconds), m.who(r.users).join(', '), r.status.label]),
            [L, L, L, R, L, L],
          )
        : null,
      md(m.shared.length > MAX_SHARED_ROWS ? `… and ${plural(m.shared.length - MAX_SHARED_ROWS, 'more shared entity', 'more shared entities')} (${hours(secondsOf(m.shared.slice(MAX_SHARED_ROWS)))}).` : null),
      md(m.sharedActivities.length ? 'Other activities shared by two or more people:' : null),
      m.sharedActivities.length
        ? tableBlock(['Activity', 'Hours', 'People', 'Entries'], m.sharedActivities.slice(0, 15).map((a) => [a.activity, hours(a.total_seconds), m.who(a.people).join(', '), a.entry_count]), [L, R, L, R])
        : null,
    ],
  },
  {
    key: 'allocation',
    title: 'Resource allocation',
    narrated: true,
    fallback: allocationText,
    blocks: (m) => [
      heading('By person'),
      tableBlock(
        ['Person', 'Hours', '% of team time', 'Main focus (database / type)', 'Focus hours'],
        m.people.map(([, u]) => {
          const focus = focusOf(u);
          return [u.name, hours(u.total_seconds), percent(u.total_seconds, m.total), focus?.label ?? '', focus ? hours(focus.seconds) : ''];
        }),
        [L, R, R, L, R],
      ),
      m.people.length ? stackedChart('chart-people-types', 'Hours per person, by Fibery type', peopleByType(m.people)) : null,
      heading('By database / type'),
      barsChart('chart-types', 'Hours per Fibery type', [...m.byType, { label: OTHER_ACTIVITIES_LABEL, seconds: m.data.totals.unmatched_seconds }]),
      distributionTable('Database / Type', m.byType, m.data.totals, false),
      heading('By project'),
      barsChart('chart-projects', 'Hours per project', [...m.byProject, { label: OTHER_ACTIVITIES_LABEL, seconds: m.data.totals.unmatched_seconds }]),
      distributionTable('Project', m.byProject, m.data.totals, false),
      heading('Matched vs unmatched'),
      splitTable(m.data.totals),
      shareChart('chart-people-share', m.people.map(([, u]) => u)),
    ],
  },
  dailySection((m) => (m.data.breakdown ? { byDay: m.data.breakdown.by_day, period: m.data.period } : null)),
  comparisonSection((m) => m.comparison, () => 'The team'),
  trendSection((m) => m.data.trend),
  // No data-only prose: the digest's risk list at the top of the section says it.
  { key: 'risks', title: 'Risks', narrated: true, blocks: risksBlocks },
  hygieneSection((m) => m.hygiene, () => "the team's"),
  { key: 'recommendations', title: 'Recommendations', narrated: true, fallback: recommendationsText, blocks: () => [] },
  {
    key: 'notes',
    title: 'Notes',
    blocks: (m) => [
      md(
        bullets([
          `"Completed" means the Fibery state is done, completed, closed, released or resolved; "overdue" means a planned end, due date, deadline or release date before ${m.data.period.end_date} with no completion.`,
          'Hours are rounded to one decimal and percentages to whole numbers, each computed from the tracked seconds, so rounded rows may not add up exactly to the totals.',
        ]),
      ),
    ],
  },
];

function entityFact(m: TeamModel, r: TeamEntityRow): Record<string, unknown> {
  const overdueDays = daysOverdue(r.status, m.data.period);
  return {
    id: r.entity_id,
    name: r.display_name,
    type: typeLabel(r.entity_database, r.entity_type),
    project: r.project,
    hours: roundHours(r.total_seconds),
    pct_of_total: percentValue(r.total_seconds, m.total),
    people: m.who(r.users),
    status: r.status.label,
    state: r.status.state,
    ...(r.status.planned_end ? { planned_end: r.status.planned_end.date } : {}),
    ...(overdueDays !== null ? { days_overdue: overdueDays } : {}),
    ...(r.status.actual_end ? { completed_on: r.status.actual_end.date } : {}),
    ...(r.status.parent ? { parent: [r.status.parent.public_id && `#${r.status.parent.public_id}`, r.status.parent.name].filter(Boolean).join(' ') } : {}),
    ...(r.status.reason ? { reason: r.status.reason } : {}),
  };
}

function facts(m: TeamModel): FactPackSpec {
  const entityList = (key: string, items: TeamEntityRow[]): FactList<TeamEntityRow> => ({
    key,
    noun: ['entity', 'entities'],
    items,
    seconds: (r) => r.total_seconds,
    whole: (r) => entityFact(m, r),
    summarise: (rest) => ({ by_type: summariseByType(rest) }),
  });
  const comparison = comparisonFactsOf(m.comparison);
  const hygiene = hygieneFacts(m.hygiene);
  const trend = trendFacts(m.data.trend);
  return {
    base: {
      period: m.data.period,
      days_in_period: periodDays(m.data.period),
      other_activities_risk_threshold_pct: THRESHOLD_PCT,
      totals: {
        ...teamTotalsFacts(m.data.totals),
        completed_entities: m.completed.length,
        completed_entities_hours: roundHours(m.completedSeconds),
        overdue_entities: m.overdue.length,
        overdue_entities_hours: roundHours(secondsOf(m.overdue)),
        shared_entities: m.shared.length,
        shared_entities_hours: roundHours(secondsOf(m.shared)),
        not_found_in_fibery: m.notFound.length,
        not_enrichable: m.notEnrichable.length,
        people_over_other_activities_threshold: m.highUnmatched.length,
      },
      people_over_other_activities_threshold: m.highUnmatched.slice(0, 30).map(([, u]) => ({ name: u.name, other_pct_of_own: percentValue(u.unmatched_seconds, u.total_seconds), other_hours: roundHours(u.unmatched_seconds) })),
      ...(comparison ? { against_previous_period: comparison } : {}),
      ...(hygiene ? { tracking_hygiene: hygiene } : {}),
      ...(trend ? { trend } : {}),
    },
    lists: [
      {
        key: 'members',
        noun: ['person', 'people'],
        items: m.people,
        seconds: ([, u]: Member) => u.total_seconds,
        whole: ([, u]: Member) => {
          const focus = focusOf(u);
          return {
            name: u.name,
            hours: roundHours(u.total_seconds),
            pct_of_team: percentValue(u.total_seconds, m.total),
            on_entities_hours: roundHours(u.matched_seconds),
            other_hours: roundHours(u.unmatched_seconds),
            other_pct_of_own: percentValue(u.unmatched_seconds, u.total_seconds),
            days_active: u.days_active,
            entities: u.matched_entities.length,
            ...(focus ? { main_focus: focus.label, main_focus_hours: roundHours(focus.seconds) } : {}),
          };
        },
        summarise: (rest: readonly Member[]) => ({
          on_entities_hours: roundHours(rest.reduce((s, [, u]) => s + u.matched_seconds, 0)),
          other_hours: roundHours(rest.reduce((s, [, u]) => s + u.unmatched_seconds, 0)),
        }),
      },
      entityList('completed', m.completed),
      entityList('overdue', m.overdue),
      entityList('entities', m.rows),
      {
        key: 'shared_entities',
        noun: ['shared entity', 'shared entities'],
        items: m.shared,
        seconds: (r: TeamEntityRow) => r.total_seconds,
        whole: (r: TeamEntityRow) => ({ id: r.entity_id, name: r.display_name, hours: roundHours(r.total_seconds), people: m.who(r.users) }),
      },
      {
        key: 'other_activities',
        noun: ['activity', 'activities'],
        items: m.activities,
        seconds: (a: TeamActivity) => a.total_seconds,
        whole: (a: TeamActivity) => ({ activity: a.activity, hours: roundHours(a.total_seconds), pct_of_total: percentValue(a.total_seconds, m.total), people: m.who(a.people), entries: a.entry_count }),
      },
      distributionList('by_type', 'type', ['database/type', 'database/types'], m.byType, m.total),
      distributionList('by_project', 'project', ['project', 'projects'], m.byProject, m.total),
    ],
  };
}

function known(m: TeamModel) {
  const k = knownFromToggl(m.data.users, m.data.entities);
  for (const r of m.rows) {
    k.texts.push(r.display_name);
    if (r.status.parent?.name) k.texts.push(r.status.parent.name);
    if (r.status.parent?.public_id) k.ids.push(r.status.parent.public_id);
    k.texts.push(...r.status.assignees);
  }
  return k;
}

export const TEAM_REPORT: ReportDefinition<TeamModel> = {
  kind: 'team_report',
  id: () => 'team_summary',
  title: (m) => `Team summary · ${periodLabel(m.data.period)}`,
  header: (m) => [`Period: ${periodLabel(m.data.period)}`, `Generated: ${formatDateTime(m.data.generated_at)}`, plural(m.data.totals.users, 'person', 'people')],
  sections: SECTIONS,
  facts,
  known,
  vars: (m) => ({ period: periodLabel(m.data.period), people: plural(m.data.totals.users, 'person', 'people') }),
  entityTypes: (m) => m.byType.map((g) => g.label),
};

export async function writeTeamReport(data: EnrichedData, writer: ReportWriter, options: ReportOptions = {}): Promise<RenderedReport> {
  return renderReport(TEAM_REPORT, buildTeamModel(data, options), writer);
}
