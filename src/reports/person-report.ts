/**
 * Activity 7's report: `reports/individual/<slug>.md` and `.html`, one person's time by Fibery
 * entity (with what Fibery says about each) and by other activity, per day, against the previous
 * period, and the person's tracking hygiene. One model, one section list; the writer adds the prose.
 */
import type { AggregatedUser, EnrichedEntity, MatchedEntity, PersonHygieneComplete, TogglAggregated, UnmatchedActivity } from '../storage/schemas.js';
import { completePersonHygiene } from '../toggl/hygiene.js';
import { entityIdCell, entityOutcome, NO_PROJECT_LABEL, OTHER_ACTIVITIES_LABEL, summariseByType } from './common.js';
import { commentsNewestFirst, daysOverdue, entityStatus, otherFields, recentComments, statusDetails, type EntityStatus } from './entity-status.js';
import type { FactPackSpec } from './fact-pack.js';
import { bullets, entityKey, entityRef, groupSeconds as groupBy, hours, inline, percent, percentValue, periodDays, periodLabel, plural, roundHours, typeLabel } from './format.js';
import { heading, md, tableBlock, type Block, type ReportDefinition, type ReportOptions, type Section } from './model.js';
import { renderReport, type RenderedReport } from './render.js';
import { richTextLines } from './rich-text.js';
import { barsChart, comparisonFactsOf, comparisonInput, comparisonSection, dailySection, hygieneFacts, hygieneSection, type ComparisonInput, type HygieneView } from './shared-sections.js';
import type { ReportWriter } from './writer.js';

export interface PersonReportInput {
  email: string;
  user: AggregatedUser;
  /** Enrichment results keyed `${db ?? '?'}/${type ?? '?'}#${id}` (the aggregation's entity key). */
  entities: Map<string, EnrichedEntity>;
  period: { start_date: string; end_date: string };
  /** Names of the other people in the run (a narrative may mention colleagues). */
  people?: string[];
  /** The aggregate's comparison and hygiene (absent in files of older runs). */
  aggregated?: Pick<TogglAggregated, 'comparison' | 'breakdown' | 'previous' | 'hygiene'>;
}

interface EntityRow {
  entity: MatchedEntity;
  enrichment: EnrichedEntity | undefined;
  status: EntityStatus;
  /** The Fibery name when enriched, else the name from the Toggl descriptions. */
  name: string;
}

interface PersonModel {
  input: PersonReportInput;
  user: AggregatedUser;
  total: number;
  rows: EntityRow[];
  groups: [string, EntityRow[]][];
  completed: EntityRow[];
  overdue: EntityRow[];
  progressing: EntityRow[];
  unknown: EntityRow[];
  activities: UnmatchedActivity[];
  days: number;
  perDay: number;
  workspace: string | null;
  comparison: ComparisonInput;
  hygiene: HygieneView | null;
}

const rowSeconds = (list: readonly EntityRow[]) => list.reduce((s, r) => s + r.entity.total_seconds, 0);

export function buildPersonModel(input: PersonReportInput, options: ReportOptions = {}): PersonModel {
  const { user, period } = input;
  const rows: EntityRow[] = [...user.matched_entities]
    .sort((a, b) => b.total_seconds - a.total_seconds || a.entity_id.localeCompare(b.entity_id, undefined, { numeric: true }))
    .map((entity) => {
      const enrichment = input.entities.get(entityKey(entity.entity_database, entity.entity_type, entity.entity_id));
      const status = entityStatus(enrichment, period, entity);
      return { entity, enrichment, status, name: status.name || entity.name };
    });
  const groups = new Map<string, EntityRow[]>();
  for (const row of rows) {
    const label = typeLabel(row.entity.entity_database, row.entity.entity_type);
    groups.set(label, [...(groups.get(label) ?? []), row]);
  }
  const toggl = input.aggregated?.hygiene?.people[input.email];
  const hygiene: PersonHygieneComplete | null = toggl ? completePersonHygiene(toggl, (key) => entityOutcome(input.entities.get(key), period)) : null;
  return {
    input,
    user,
    total: user.total_seconds,
    rows,
    groups: [...groups.entries()].sort(([la, a], [lb, b]) => rowSeconds(b) - rowSeconds(a) || la.localeCompare(lb)),
    completed: rows.filter((r) => r.status.kind === 'completed'),
    overdue: rows.filter((r) => r.status.kind === 'overdue'),
    progressing: rows.filter((r) => r.status.kind === 'in_progress'),
    unknown: rows.filter((r) => r.status.kind === 'not_found' || r.status.kind === 'not_enrichable'),
    activities: [...user.unmatched_activities].sort((a, b) => b.total_seconds - a.total_seconds || a.description.localeCompare(b.description)),
    days: periodDays(period),
    perDay: user.days_active ? user.total_seconds / user.days_active : 0,
    workspace: options.fiberyWorkspace ?? null,
    comparison: input.aggregated ? comparisonInput(input.aggregated, input.email) : { mode: 'off' },
    hygiene: hygiene ? { team: null, people: [{ email: input.email, hygiene }], togglOnly: false } : null,
  };
}

const R = 'right' as const;
const L = 'left' as const;
const ref = (r: EntityRow) => `${entityRef(r.entity.entity_id)} ${inline(r.name)}`;

function overallText(m: PersonModel): string {
  const { user, total } = m;
  if (total === 0) return `${inline(user.name)} tracked no time in this period.`;
  const out = [
    `${inline(user.name)} tracked ${hours(total)} in ${plural(user.entry_count, 'time entry', 'time entries')} on ${plural(user.days_active, 'day')}.`,
    `${hours(user.matched_seconds)} (${percent(user.matched_seconds, total)}) went to ${plural(m.rows.length, 'Fibery entity', 'Fibery entities')} and ${hours(user.unmatched_seconds)} (${percent(user.unmatched_seconds, total)}) to other activities.`,
  ];
  if (m.groups[0]) out.push(`The main focus was ${inline(m.groups[0][0])} (${hours(rowSeconds(m.groups[0][1]))}).`);
  if (m.completed.length || m.overdue.length) out.push(`${plural(m.completed.length, 'entity is', 'entities are')} completed and ${m.overdue.length} overdue.`);
  return out.join(' ');
}

function doneText(m: PersonModel): string {
  const done: string[] = [];
  if (m.completed.length) done.push(`Completed: ${m.completed.map((r) => `${ref(r)} (${hours(r.entity.total_seconds)})`).join(', ')}.`);
  const p = m.progressing;
  if (p.length) done.push(`In progress: ${p.slice(0, 10).map((r) => `${ref(r)} (${hours(r.entity.total_seconds)})`).join(', ')}${p.length > 10 ? `, and ${p.length - 10} more` : ''}.`);
  if (m.overdue.length) done.push(`Overdue: ${m.overdue.map((r) => `${ref(r)} (planned end ${r.status.planned_end?.date ?? '?'})`).join(', ')}.`);
  if (m.unknown.length) done.push(`Without Fibery data: ${m.unknown.map((r) => `${ref(r)} (${r.status.label})`).join(', ')}.`);
  return done.length ? bullets(done) : 'No time was logged against Fibery entities.';
}

function otherText(m: PersonModel): string {
  if (!m.activities.length) return 'No time was logged on other activities.';
  const top = m.activities.slice(0, 3).map((a) => `"${inline(a.description)}" (${hours(a.total_seconds)})`);
  return `${hours(m.user.unmatched_seconds)} (${percent(m.user.unmatched_seconds, m.total)}) went to other activities, the largest ${top.join(', ')}.`;
}

function patternsText(m: PersonModel): string {
  if (m.total <= 0) return 'No activity to describe.';
  const out = [
    `Active on ${m.user.days_active} of the period's ${plural(m.days, 'day')}, averaging ${hours(m.perDay)} per active day.`,
    `${percent(m.user.matched_seconds, m.total)} of the time was on Fibery entities and ${percent(m.user.unmatched_seconds, m.total)} on other activities.`,
  ];
  if (m.activities[0]) out.push(`The largest other activity was "${inline(m.activities[0].description)}" (${hours(m.activities[0].total_seconds)}).`);
  return out.join(' ');
}

/**
 * The entity's description and its latest comment, as Fibery wrote them (task lists, lists,
 * headings), quoted under its line: `\n  > …` lines, or '' when there is neither.
 */
function richTextQuote(enrichment: EnrichedEntity | undefined): string {
  const description = enrichment?.status === 'enriched' ? richTextLines(enrichment.fibery?.description_md) : [];
  const comment = commentsNewestFirst(enrichment).find((c) => c.text_md.trim());
  const latest = comment ? richTextLines(comment.text_md, { maxLines: 4, maxChars: 300 }) : [];
  const lines = [...description, ...(latest.length ? [`*Latest comment${comment?.author ? ` by ${inline(comment.author)}` : ''}:*`, ...latest] : [])];
  return lines.map((l) => `\n  > ${l}`).join('');
}

/** One type's heading, table and Fibery details. */
function groupBlocks(m: PersonModel, label: string, list: EntityRow[]): (Block | null)[] {
  const details: string[] = [];
  for (const r of list) {
    const head = `**${ref(r)}**`;
    if (r.status.kind === 'not_found' || r.status.kind === 'not_enrichable') {
      details.push(`- ${head}: ${r.status.label}${r.status.reason ? ` (${inline(r.status.reason)})` : ''}.`);
      continue;
    }
    const line = statusDetails(r.status, r.entity.total_seconds);
    const quote = richTextQuote(r.enrichment);
    if (line || quote) details.push(`- ${head}: ${line ? inline(line) : 'no dates or comments in Fibery'}.${quote}`);
  }
  return [
    heading(`${label} · ${hours(rowSeconds(list))}`),
    tableBlock(
      ['ID', 'Name', 'State', 'Hours', 'Entries', 'Status'],
      list.map((r) => [entityIdCell(m.workspace, r.entity), r.name, r.status.state ?? '', hours(r.entity.total_seconds), r.entity.entry_count, r.status.label]),
      [L, L, L, R, R, L],
    ),
    md(details.join('\n')),
  ];
}

/** Hours by type or project, with the other activities, largest first. */
function ownGroups(m: PersonModel, by: 'type' | 'project') {
  const label = (e: MatchedEntity) => (by === 'type' ? typeLabel(e.entity_database, e.entity_type) : (e.project ?? NO_PROJECT_LABEL));
  const groups = groupBy(m.user.matched_entities, label, (e) => e.total_seconds);
  return m.user.unmatched_seconds ? [...groups, { label: OTHER_ACTIVITIES_LABEL, seconds: m.user.unmatched_seconds, items: m.activities.length, entries: 0 }] : groups;
}

function distributionBlocks(m: PersonModel): (Block | null)[] {
  const table = (title: string, groups: ReturnType<typeof ownGroups>) =>
    tableBlock([title, 'Hours', '% of own time'], groups.map((g) => [g.label, hours(g.seconds), percent(g.seconds, m.total)]), [L, R, R]);
  const types = ownGroups(m, 'type');
  const projects = ownGroups(m, 'project');
  return [
    heading('By database / type'),
    barsChart('chart-types', 'Hours per Fibery type', types),
    table('Database / Type', types),
    heading('By project'),
    barsChart('chart-projects', 'Hours per project', projects),
    table('Project', projects),
  ];
}

const SECTIONS: Section<PersonModel>[] = [
  { key: 'overall_summary', title: 'Overall summary', narrated: true, fallback: overallText, blocks: () => [] },
  {
    key: 'at_a_glance',
    title: 'At a glance',
    blocks: ({ user, total, rows, completed, overdue }) => [
      tableBlock(
        ['Metric', 'Value'],
        [
          ['Total tracked', hours(total)],
          ['On Fibery entities', `${hours(user.matched_seconds)} (${percent(user.matched_seconds, total)})`],
          ['Other activities', `${hours(user.unmatched_seconds)} (${percent(user.unmatched_seconds, total)})`],
          ['Time entries', user.entry_count],
          ['Days active', user.days_active],
          ['Entities worked on', rows.length],
          ['Completed entities', completed.length],
          ['Overdue entities', overdue.length],
          ...(user.running_entries ? [['Running entries', `${user.running_entries} (counted up to the end of the period or the time of the fetch)`]] : []),
        ],
        [L, R],
      ),
    ],
  },
  {
    key: 'work_on_entities',
    title: 'Work on Fibery entities',
    blocks: (m) => (m.rows.length ? m.groups.flatMap(([label, list]) => groupBlocks(m, label, list)) : [md('No time was logged against Fibery entities.')]),
  },
  { key: 'distribution', title: 'Time distribution', hidden: (m) => m.total === 0, blocks: distributionBlocks },
  { key: 'what_was_done', title: 'What was done', narrated: true, fallback: doneText, blocks: () => [] },
  {
    key: 'other_activities',
    title: 'Other activities',
    narrated: true,
    fallback: otherText,
    blocks: (m) => [
      m.activities.length
        ? tableBlock(['Activity', 'Hours', 'Entries', '% of own time'], m.activities.map((a) => [a.description, hours(a.total_seconds), a.entry_count, percent(a.total_seconds, m.total)]), [L, R, R, R])
        : null,
    ],
  },
  {
    key: 'work_patterns',
    title: 'Work patterns',
    narrated: true,
    fallback: patternsText,
    blocks: (m) => [
      tableBlock(
        ['Metric', 'Value'],
        [
          ['Days active', `${m.user.days_active} of ${m.days}`],
          ['Average per active day', hours(m.perDay)],
          ['Share on Fibery entities', percent(m.user.matched_seconds, m.total)],
          ['Share on other activities', percent(m.user.unmatched_seconds, m.total)],
        ],
        [L, R],
      ),
    ],
  },
  dailySection((m) => {
    const own = m.input.aggregated?.breakdown?.people[m.input.email];
    return own ? { byDay: own.by_day, period: m.input.period } : null;
  }),
  comparisonSection((m) => m.comparison, (m) => inline(m.user.name)),
  hygieneSection((m) => m.hygiene, () => 'their'),
];

function entityFact(m: PersonModel, r: EntityRow): Record<string, unknown> {
  const comments = recentComments(r.enrichment);
  const fields = otherFields(r.enrichment);
  const overdueDays = daysOverdue(r.status, m.input.period);
  return {
    id: r.entity.entity_id,
    name: r.name,
    type: typeLabel(r.entity.entity_database, r.entity.entity_type),
    project: r.entity.project,
    hours: roundHours(r.entity.total_seconds),
    pct_of_own: percentValue(r.entity.total_seconds, m.total),
    entries: r.entity.entry_count,
    status: r.status.label,
    state: r.status.state,
    ...(r.status.reason ? { reason: r.status.reason } : {}),
    ...(r.status.planned_start ? { planned_start: r.status.planned_start.date } : {}),
    ...(r.status.planned_end ? { planned_end: r.status.planned_end.date } : {}),
    ...(overdueDays !== null ? { days_overdue: overdueDays } : {}),
    ...(r.status.actual_start ? { started_on: r.status.actual_start.date } : {}),
    ...(r.status.actual_end ? { completed_on: r.status.actual_end.date } : {}),
    ...(r.status.parent ? { parent: [r.status.parent.public_id && `#${r.status.parent.public_id}`, r.status.parent.name].filter(Boolean).join(' ') } : {}),
    ...(r.status.fibery_time_spent_hours !== null ? { fibery_time_spent_hours_total: Math.round(r.status.fibery_time_spent_hours * 10) / 10 } : {}),
    ...(r.status.assignees.length ? { assignees: r.status.assignees } : {}),
    ...(Object.keys(fields).length ? { fields } : {}),
    ...(r.status.description_excerpt ? { description: r.status.description_excerpt } : {}),
    ...(comments.length ? { latest_comments: comments } : {}),
  };
}

function facts(m: PersonModel): FactPackSpec {
  const { user, total } = m;
  const byStatus = (list: readonly EntityRow[]) => {
    const counts: Record<string, number> = {};
    for (const r of list) counts[r.status.label] = (counts[r.status.label] ?? 0) + 1;
    return counts;
  };
  const comparison = comparisonFactsOf(m.comparison);
  const hygiene = hygieneFacts(m.hygiene);
  return {
    base: {
      person: user.name,
      period: m.input.period,
      days_in_period: m.days,
      totals: {
        hours: roundHours(total),
        on_entities_hours: roundHours(user.matched_seconds),
        on_entities_pct: percentValue(user.matched_seconds, total),
        other_hours: roundHours(user.unmatched_seconds),
        other_pct: percentValue(user.unmatched_seconds, total),
        entries: user.entry_count,
        running_entries: user.running_entries,
        days_active: user.days_active,
        hours_per_active_day: roundHours(m.perDay),
        entities: m.rows.length,
        completed: m.completed.length,
        in_progress: m.progressing.length,
        overdue: m.overdue.length,
        without_fibery_data: m.unknown.length,
      },
      by_type: m.groups.map(([label, list]) => ({ type: label, entities: list.length, hours: roundHours(rowSeconds(list)), pct_of_own: percentValue(rowSeconds(list), total) })),
      ...(comparison ? { against_previous_period: comparison } : {}),
      ...(hygiene ? { tracking_hygiene: hygiene } : {}),
    },
    lists: [
      {
        key: 'entities',
        noun: ['entity', 'entities'],
        items: m.rows,
        seconds: (r: EntityRow) => r.entity.total_seconds,
        whole: (r: EntityRow) => entityFact(m, r),
        summarise: (rest: readonly EntityRow[]) => ({ by_status: byStatus(rest), by_type: summariseByType(rest.map((r) => r.entity)) }),
      },
      {
        key: 'other_activities',
        noun: ['activity', 'activities'],
        items: m.activities,
        seconds: (a: UnmatchedActivity) => a.total_seconds,
        whole: (a: UnmatchedActivity) => ({ activity: a.description, hours: roundHours(a.total_seconds), pct_of_own: percentValue(a.total_seconds, total), entries: a.entry_count }),
      },
    ],
  };
}

function known(m: PersonModel) {
  const texts = new Set<string>([...m.groups.map(([label]) => label), ...m.activities.map((a) => a.description)]);
  for (const r of m.rows) {
    texts.add(r.name);
    texts.add(r.entity.name);
    if (r.entity.project) texts.add(r.entity.project);
    if (r.status.parent?.name) texts.add(r.status.parent.name);
    for (const a of r.status.assignees) texts.add(a);
    for (const c of r.enrichment?.fibery?.comments ?? []) if (c.author) texts.add(c.author);
  }
  const parents = m.rows.flatMap((r) => (r.status.parent?.public_id ? [r.status.parent.public_id] : []));
  return { people: [m.user.name, ...(m.input.people ?? [])], ids: [...m.rows.map((r) => r.entity.entity_id), ...parents], texts: [...texts] };
}

export const PERSON_REPORT: ReportDefinition<PersonModel> = {
  kind: 'person_report',
  id: (m) => `person:${m.input.email}`,
  title: (m) => `${m.user.name} · ${periodLabel(m.input.period)}`,
  header: (m) => [`Period: ${periodLabel(m.input.period)}`, `Email: ${m.input.email}`],
  sections: SECTIONS,
  facts,
  known,
  vars: (m) => ({ person: m.user.name, period: periodLabel(m.input.period) }),
  entityTypes: (m) => m.groups.map(([label]) => label),
};

export async function writePersonReport(input: PersonReportInput, writer: ReportWriter, options: ReportOptions = {}): Promise<RenderedReport> {
  return renderReport(PERSON_REPORT, buildPersonModel(input, options), writer);
}
