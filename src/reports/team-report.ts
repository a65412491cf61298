/**
 * Activity 9's report: `reports/team_summary.md`, the team's time joined with what Fibery says
 * about the work: members, accomplishments, shared work, allocation, risks. Tables come from the
 * enriched data; the writer adds the prose.
 */
import type { EnrichedData, LlmUsage } from '../storage/schemas.js';
import { daysOverdue, entityStatus, type EntityStatus } from './entity-status.js';
import { teamTotalsFacts, type FactList, type FactPackSpec } from './fact-pack.js';
import {
  bullets,
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
} from './format.js';
import {
  distributionList,
  headerLine,
  knownFromToggl,
  namesOf,
  NO_PROJECT_LABEL,
  OTHER_ACTIVITIES_LABEL,
  sortedUsers,
  summariseByType,
  teamActivities,
} from './toggl-summary.js';
import { narrativeFooter, narrativeSource, type NarrativeSection, type ReportWriter } from './writer.js';

/** A person with more than this share of their time on other activities is listed as a risk. */
export const UNMATCHED_RISK_SHARE = 0.4;
const MAX_WARNINGS = 20;
const MAX_SHARED_ROWS = 25;

type TeamEntityRow = EnrichedData['entities'][number] & { status: EntityStatus; display_name: string };

const SECTIONS: NarrativeSection[] = [
  { key: 'executive_summary', title: 'Executive summary' },
  { key: 'accomplishments', title: 'Key accomplishments' },
  { key: 'cross_team', title: 'Cross-team patterns' },
  { key: 'allocation', title: 'Resource allocation' },
  { key: 'risks', title: 'Risks' },
  { key: 'recommendations', title: 'Recommendations' },
];

const R = 'right' as const;
const L = 'left' as const;

/** `reports/individual/x.md` (relative to the run) → `individual/x.md` (relative to the team report). */
function reportLink(file: string | null): string {
  if (!file) return '';
  const rel = file.replace(/\\/g, '/').replace(/^reports\//, '');
  return `[report](${rel.replace(/ /g, '%20')})`;
}

export async function writeTeamReport(data: EnrichedData, writer: ReportWriter): Promise<{ markdown: string; usage: LlmUsage | null }> {
  const { totals, users, period } = data;
  const total = totals.total_seconds;
  const people = sortedUsers(users);
  const who = (emails: string[]) => namesOf(emails, users);
  const rows: TeamEntityRow[] = [...data.entities]
    .sort((a, b) => b.total_seconds - a.total_seconds || a.entity_id.localeCompare(b.entity_id, undefined, { numeric: true }))
    .map((e) => {
      const status = entityStatus(e.enrichment, period, e);
      return { ...e, status, display_name: status.name || e.name };
    });
  const completed = rows.filter((r) => r.status.kind === 'completed');
  const overdue = rows.filter((r) => r.status.kind === 'overdue');
  const notFound = rows.filter((r) => r.status.kind === 'not_found');
  const notEnrichable = rows.filter((r) => r.status.kind === 'not_enrichable');
  const shared = rows.filter((r) => r.users.length >= 2);
  const activities = teamActivities(users);
  const sharedActivities = activities.filter((a) => a.people.length >= 2);
  const highUnmatched = people.filter(([, u]) => u.total_seconds > 0 && u.unmatched_seconds / u.total_seconds > UNMATCHED_RISK_SHARE);
  const byType = groupSeconds(rows, (e) => typeLabel(e.entity_database, e.entity_type), (e) => e.total_seconds, (e) => e.entry_count);
  const byProject = groupSeconds(rows, (e) => e.project ?? NO_PROJECT_LABEL, (e) => e.total_seconds, (e) => e.entry_count);
  const focusOf = (u: (typeof people)[number][1]) =>
    groupSeconds(u.matched_entities, (e) => typeLabel(e.entity_database, e.entity_type), (e) => e.total_seconds)[0] ?? null;
  const completedSeconds = completed.reduce((s, r) => s + r.total_seconds, 0);
  const ref = (r: TeamEntityRow) => `${entityRef(r.entity_id)} ${inline(r.display_name)}`;

  // ---- deterministic texts ----
  const executive: string[] = [];
  if (total === 0) executive.push(`No time was tracked by the ${plural(totals.users, 'person', 'people')} in scope in this period.`);
  else {
    executive.push(
      `${plural(totals.users, 'person', 'people')} tracked ${hours(total)}: ${hours(totals.matched_seconds)} (${percent(totals.matched_seconds, total)}) on ${plural(totals.entities, 'Fibery entity', 'Fibery entities')} and ${hours(totals.unmatched_seconds)} (${percent(totals.unmatched_seconds, total)}) on other activities.`,
      `${plural(completed.length, 'entity', 'entities')} worked on ${completed.length === 1 ? 'is' : 'are'} completed in Fibery (${hours(completedSeconds)} this period) and ${overdue.length} ${overdue.length === 1 ? 'is' : 'are'} overdue.`,
    );
    if (byType[0]) executive.push(`Most entity time went to ${byType[0].label} (${hours(byType[0].seconds)}, ${percent(byType[0].seconds, total)}).`);
    if (highUnmatched.length) executive.push(`${plural(highUnmatched.length, 'person spends', 'people spend')} more than ${Math.round(UNMATCHED_RISK_SHARE * 100)}% of their time on other activities.`);
    if (notFound.length) executive.push(`${plural(notFound.length, 'referenced entity was', 'referenced entities were')} not found in Fibery.`);
    if (notEnrichable.length) executive.push(`${plural(notEnrichable.length, 'reference', 'references')} without [Database] [Type] tags could not be looked up.`);
  }
  const accomplishments = completed.length
    ? bullets(completed.slice(0, 15).map((r) => `${ref(r)} (${typeLabel(r.entity_database, r.entity_type)}): ${hours(r.total_seconds)} this period by ${who(r.users).join(', ')}.`)) +
      (completed.length > 15 ? `\n\n… and ${completed.length - 15} more.` : '')
    : `No entity worked on in this period is completed in Fibery.${rows[0] ? ` The largest work item was ${ref(rows[0])} (${hours(rows[0].total_seconds)}, ${rows[0].status.label}).` : ''}`;
  const crossTeam: string[] = [];
  crossTeam.push(
    shared.length
      ? `${plural(shared.length, 'entity was', 'entities were')} worked on by two or more people, ${hours(shared.reduce((s, r) => s + r.total_seconds, 0))} in all; the largest was ${ref(shared[0]!)} (${hours(shared[0]!.total_seconds)}, ${who(shared[0]!.users).join(', ')}).`
      : 'No entity was worked on by more than one person.',
  );
  if (sharedActivities[0]) {
    crossTeam.push(`The most common shared other activity was "${inline(sharedActivities[0].activity)}" (${hours(sharedActivities[0].total_seconds)}, ${plural(sharedActivities[0].people.length, 'person', 'people')}).`);
  }
  const allocation: string[] = [];
  if (total > 0) {
    if (people[0]) allocation.push(`${people[0][1].name} tracked the most time (${hours(people[0][1].total_seconds)}, ${percent(people[0][1].total_seconds, total)} of the team's).`);
    if (byProject[0]) allocation.push(`The project with the most entity time was ${byProject[0].label} (${hours(byProject[0].seconds)}, ${percent(byProject[0].seconds, total)}).`);
    allocation.push(`Other activities took ${percent(totals.unmatched_seconds, total)} of the team's time.`);
  }
  const recommendations: string[] = [];
  if (overdue.length) recommendations.push(`Review ${overdue.length === 1 ? 'the overdue entity' : `the ${overdue.length} overdue entities`} with the people working on ${overdue.length === 1 ? 'it' : 'them'} and update the plan: ${overdue.slice(0, 5).map(ref).join(', ')}${overdue.length > 5 ? ', …' : ''}.`);
  if (highUnmatched.length) recommendations.push(`Look at the other-activity time of ${highUnmatched.map(([, u]) => u.name).join(', ')} (more than ${Math.round(UNMATCHED_RISK_SHARE * 100)}% of their time): is it overhead to reduce, or work that should be tracked against Fibery entities?`);
  if (notEnrichable.length) recommendations.push(`Start timers from Fibery so descriptions carry [Database] [Type] tags: ${plural(notEnrichable.length, 'reference', 'references')} could not be looked up.`);
  if (notFound.length) recommendations.push(`Check the ${plural(notFound.length, 'reference', 'references')} not found in Fibery (mistyped ids, deleted entities or a wrong database/type tag).`);
  if (!recommendations.length) recommendations.push('The data shows no overdue work, no high share of other activities and no broken references: no specific action follows from it.');

  const risks: string[] = [];
  if (overdue.length) risks.push(`${plural(overdue.length, 'entity is', 'entities are')} overdue: ${overdue.slice(0, 5).map((r) => `${ref(r)} (planned end ${r.status.planned_end?.date ?? '?'})`).join(', ')}${overdue.length > 5 ? ', …' : ''}.`);
  if (highUnmatched.length) risks.push(`${highUnmatched.map(([, u]) => `${u.name} (${percent(u.unmatched_seconds, u.total_seconds)})`).join(', ')} spent more than ${Math.round(UNMATCHED_RISK_SHARE * 100)}% of their time on other activities.`);
  if (notFound.length) risks.push(`${plural(notFound.length, 'referenced entity was', 'referenced entities were')} not found in Fibery (${hours(notFound.reduce((s, r) => s + r.total_seconds, 0))}).`);
  if (notEnrichable.length) risks.push(`${plural(notEnrichable.length, 'reference', 'references')} without [Database] [Type] tags could not be looked up (${hours(notEnrichable.reduce((s, r) => s + r.total_seconds, 0))}).`);

  // ---- fact pack ----
  const entityFact = (r: TeamEntityRow) => {
    const overdueDays = daysOverdue(r.status, period);
    return {
      id: r.entity_id,
      name: r.display_name,
      type: typeLabel(r.entity_database, r.entity_type),
      project: r.project,
      hours: roundHours(r.total_seconds),
      pct_of_total: percentValue(r.total_seconds, total),
      people: who(r.users),
      status: r.status.label,
      state: r.status.state,
      ...(r.status.planned_end ? { planned_end: r.status.planned_end.date } : {}),
      ...(overdueDays !== null ? { days_overdue: overdueDays } : {}),
      ...(r.status.actual_end ? { completed_on: r.status.actual_end.date } : {}),
      ...(r.status.parent ? { parent: [r.status.parent.public_id && `#${r.status.parent.public_id}`, r.status.parent.name].filter(Boolean).join(' ') } : {}),
      ...(r.status.reason ? { reason: r.status.reason } : {}),
    };
  };
  const entityList = (key: string, items: TeamEntityRow[]): FactList<TeamEntityRow> => ({
    key,
    noun: ['entity', 'entities'],
    items,
    seconds: (r) => r.total_seconds,
    whole: entityFact,
    summarise: (rest) => ({ by_type: summariseByType(rest) }),
  });
  type Member = (typeof people)[number];
  const facts: FactPackSpec = {
    base: {
      period,
      days_in_period: periodDays(period),
      other_activities_risk_threshold_pct: Math.round(UNMATCHED_RISK_SHARE * 100),
      totals: {
        ...teamTotalsFacts(totals),
        completed_entities: completed.length,
        completed_entities_hours: roundHours(completedSeconds),
        overdue_entities: overdue.length,
        overdue_entities_hours: roundHours(overdue.reduce((s, r) => s + r.total_seconds, 0)),
        shared_entities: shared.length,
        shared_entities_hours: roundHours(shared.reduce((s, r) => s + r.total_seconds, 0)),
        not_found_in_fibery: notFound.length,
        not_enrichable: notEnrichable.length,
        people_over_other_activities_threshold: highUnmatched.length,
      },
      people_over_other_activities_threshold: highUnmatched.slice(0, 30).map(([, u]) => ({ name: u.name, other_pct_of_own: percentValue(u.unmatched_seconds, u.total_seconds), other_hours: roundHours(u.unmatched_seconds) })),
    },
    lists: [
      {
        key: 'members',
        noun: ['person', 'people'],
        items: people,
        seconds: ([, u]: Member) => u.total_seconds,
        whole: ([, u]: Member) => {
          const focus = focusOf(u);
          return {
            name: u.name,
            hours: roundHours(u.total_seconds),
            pct_of_team: percentValue(u.total_seconds, total),
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
      entityList('completed', completed),
      entityList('overdue', overdue),
      entityList('entities', rows),
      {
        key: 'shared_entities',
        noun: ['shared entity', 'shared entities'],
        items: shared,
        seconds: (r: TeamEntityRow) => r.total_seconds,
        whole: (r: TeamEntityRow) => ({ id: r.entity_id, name: r.display_name, hours: roundHours(r.total_seconds), people: who(r.users) }),
      },
      {
        key: 'other_activities',
        noun: ['activity', 'activities'],
        items: activities,
        seconds: (a: (typeof activities)[number]) => a.total_seconds,
        whole: (a: (typeof activities)[number]) => ({ activity: a.activity, hours: roundHours(a.total_seconds), pct_of_total: percentValue(a.total_seconds, total), people: who(a.people), entries: a.entry_count }),
      },
      distributionList('by_type', 'type', ['database/type', 'database/types'], byType, total),
      distributionList('by_project', 'project', ['project', 'projects'], byProject, total),
    ],
  };

  const known = knownFromToggl(users, data.entities);
  for (const r of rows) {
    known.texts.push(r.display_name);
    if (r.status.parent?.name) known.texts.push(r.status.parent.name);
    if (r.status.parent?.public_id) known.ids.push(r.status.parent.public_id);
    known.texts.push(...r.status.assignees);
  }
  const narrative = await writer.narrate({
    report: 'team_summary',
    kind: 'team_report',
    sections: SECTIONS,
    facts,
    vars: { period: periodLabel(period), people: plural(totals.users, 'person', 'people') },
    entityTypes: byType.map((g) => g.label),
    known,
    fallback: {
      executive_summary: executive.join(' '),
      accomplishments,
      cross_team: crossTeam.join(' '),
      allocation: allocation.join(' ') || 'No time to allocate.',
      risks: risks.length ? bullets(risks) : 'No risks stand out in the data: no overdue entities, no one above the threshold of other activities, no broken references.',
      recommendations: bullets(recommendations),
    },
  });
  const text = (key: string) => narrative.sections[key] ?? '';

  // ---- tables ----
  const glance = table(
    ['Metric', 'Value'],
    [
      ['Total tracked', hours(total)],
      ['On Fibery entities', `${hours(totals.matched_seconds)} (${percent(totals.matched_seconds, total)})`],
      ['Other activities', `${hours(totals.unmatched_seconds)} (${percent(totals.unmatched_seconds, total)})`],
      ['People', totals.users],
      ['Time entries', totals.entries],
      ['Distinct entities', totals.entities],
      ['Completed entities', `${completed.length} (${hours(completedSeconds)} this period)`],
      ['Overdue entities', overdue.length],
      ['Enriched from Fibery', data.enrichment.enriched],
      ['Not found in Fibery', data.enrichment.not_found],
      ['Not enrichable references', data.enrichment.not_enrichable],
      ...(totals.running_entries ? [['Running entries', `${totals.running_entries} (counted up to the end of the period or the time of the fetch)`]] : []),
    ],
    [L, R],
  );
  const members = table(
    ['Person', 'Total', 'On entities', 'Other', '% of team time', 'Report'],
    people.map(([, u]) => [u.name, hours(u.total_seconds), hours(u.matched_seconds), hours(u.unmatched_seconds), percent(u.total_seconds, total), reportLink(u.report_file)]),
    [L, R, R, R, R, L],
  );
  const completedTable = table(
    ['ID', 'Name', 'Database / Type', 'State', 'Completed on', 'Hours', 'People'],
    completed.map((r) => [entityRef(r.entity_id), r.display_name, typeLabel(r.entity_database, r.entity_type), r.status.state ?? '', r.status.actual_end?.date ?? '', hours(r.total_seconds), who(r.users).join(', ')]),
    [L, L, L, L, L, R, L],
  );
  const sharedTable = table(
    ['ID', 'Name', 'Database / Type', 'Hours', 'People', 'Status'],
    shared.slice(0, MAX_SHARED_ROWS).map((r) => [entityRef(r.entity_id), r.display_name, typeLabel(r.entity_database, r.entity_type), hours(r.total_seconds), who(r.users).join(', '), r.status.label]),
    [L, L, L, R, L, L],
  );
  const sharedActivityTable = table(
    ['Activity', 'Hours', 'People', 'Entries'],
    sharedActivities.slice(0, 15).map((a) => [a.activity, hours(a.total_seconds), who(a.people).join(', '), a.entry_count]),
    [L, R, L, R],
  );
  const byPerson = table(
    ['Person', 'Hours', '% of team time', 'Main focus (database / type)', 'Focus hours'],
    people.map(([, u]) => {
      const focus = focusOf(u);
      return [u.name, hours(u.total_seconds), percent(u.total_seconds, total), focus?.label ?? '', focus ? hours(focus.seconds) : ''];
    }),
    [L, R, R, L, R],
  );
  const distributionTable = (label: string, groups: ReturnType<typeof groupSeconds>) =>
    table(
      [label, 'Hours', '% of total', 'Entities'],
      [
        ...groups.map((g) => [g.label, hours(g.seconds), percent(g.seconds, total), g.items]),
        [OTHER_ACTIVITIES_LABEL, hours(totals.unmatched_seconds), percent(totals.unmatched_seconds, total), ''],
        ['**Total**', `**${hours(total)}**`, total ? '**100%**' : '–', totals.entities],
      ],
      [L, R, R, R],
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
  const overdueTable = table(
    ['ID', 'Name', 'Database / Type', 'Planned end', 'State', 'Hours', 'People'],
    overdue.map((r) => [entityRef(r.entity_id), r.display_name, typeLabel(r.entity_database, r.entity_type), r.status.planned_end?.date ?? '', r.status.state ?? '', hours(r.total_seconds), who(r.users).join(', ')]),
    [L, L, L, L, L, R, L],
  );
  const unmatchedTable = table(
    ['Person', 'Other activities', 'Total', 'Share of own time'],
    highUnmatched.map(([, u]) => [u.name, hours(u.unmatched_seconds), hours(u.total_seconds), percent(u.unmatched_seconds, u.total_seconds)]),
    [L, R, R, R],
  );
  const notFoundTable = table(
    ['ID', 'Name (from Toggl)', 'Database / Type', 'Hours', 'Reason'],
    notFound.map((r) => [entityRef(r.entity_id), r.name, typeLabel(r.entity_database, r.entity_type), hours(r.total_seconds), r.status.reason ?? '']),
    [L, L, L, R, L],
  );
  const notEnrichableTable = table(
    ['ID', 'Name (from Toggl)', 'Hours', 'People', 'Reason'],
    notEnrichable.map((r) => [entityRef(r.entity_id), r.name, hours(r.total_seconds), who(r.users).join(', '), r.status.reason ?? '']),
    [L, L, R, L, L],
  );
  const warnings = capList(data.enrichment.warnings, MAX_WARNINGS);

  const markdown = joinBlocks([
    `# Team summary · ${periodLabel(period)}`,
    headerLine([`Period: ${periodLabel(period)}`, `Generated: ${formatDateTime(data.generated_at)}`, plural(totals.users, 'person', 'people'), narrativeSource(writer, narrative)]),
    '## Executive summary',
    text('executive_summary'),
    '## Team at a glance',
    glance,
    '## Members',
    people.length ? members : 'No one tracked time in this period.',
    '## Key accomplishments',
    completed.length ? completedTable : null,
    text('accomplishments'),
    '## Cross-team patterns',
    shared.length ? sharedTable : null,
    shared.length > MAX_SHARED_ROWS
      ? `… and ${plural(shared.length - MAX_SHARED_ROWS, 'more shared entity', 'more shared entities')} (${hours(shared.slice(MAX_SHARED_ROWS).reduce((s, r) => s + r.total_seconds, 0))}).`
      : null,
    sharedActivities.length ? 'Other activities shared by two or more people:' : null,
    sharedActivities.length ? sharedActivityTable : null,
    text('cross_team'),
    '## Resource allocation',
    '### By person',
    byPerson,
    '### By database / type',
    distributionTable('Database / Type', byType),
    '### By project',
    distributionTable('Project', byProject),
    '### Matched vs unmatched',
    splitTable,
    text('allocation'),
    '## Risks',
    '### Overdue entities',
    overdue.length ? overdueTable : 'None: no entity worked on has a planned end before the end of the period without being completed.',
    `### More than ${Math.round(UNMATCHED_RISK_SHARE * 100)}% of time on other activities`,
    highUnmatched.length ? unmatchedTable : 'None.',
    '### Not found in Fibery',
    notFound.length ? notFoundTable : 'None.',
    '### Not enrichable references',
    notEnrichable.length ? notEnrichableTable : 'None.',
    warnings.items.length ? '### Enrichment warnings' : null,
    warnings.items.length ? bullets(warnings.items.map(inline)) + (warnings.omitted ? `\n\n… and ${warnings.omitted} more.` : '') : null,
    text('risks'),
    '## Recommendations',
    text('recommendations'),
    '## Notes',
    bullets([
      `"Completed" means the Fibery state is done, completed, closed, released or resolved; "overdue" means a planned end, due date, deadline or release date before ${period.end_date} with no completion.`,
      'Hours are rounded to one decimal and percentages to whole numbers, each computed from the tracked seconds, so rounded rows may not add up exactly to the totals.',
    ]),
    narrativeFooter(narrative),
  ]);
  return { markdown, usage: narrative.usage };
}
