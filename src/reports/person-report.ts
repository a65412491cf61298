/**
 * Activity 7's report: `reports/individual/<slug>.md`, one person's time by Fibery entity (with
 * what Fibery says about each) and by other activity. Tables come from the data; the writer adds
 * the prose.
 */
import type { AggregatedUser, EnrichedEntity, LlmUsage, MatchedEntity } from '../storage/schemas.js';
import { daysOverdue, entityStatus, otherFields, recentComments, statusDetails, type EntityStatus } from './entity-status.js';
import type { FactPackSpec } from './fact-pack.js';
import {
  bullets,
  entityKey,
  entityRef,
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
import { headerLine, summariseByType } from './toggl-summary.js';
import { narrativeFooter, narrativeSource, type NarrativeSection, type ReportWriter } from './writer.js';

export interface PersonReportInput {
  email: string;
  user: AggregatedUser;
  /** Enrichment results keyed `${db ?? '?'}/${type ?? '?'}#${id}` (the aggregation's entity key). */
  entities: Map<string, EnrichedEntity>;
  period: { start_date: string; end_date: string };
  /** Names of the other people in the run (a narrative may mention colleagues). */
  people?: string[];
}

interface EntityRow {
  entity: MatchedEntity;
  enrichment: EnrichedEntity | undefined;
  status: EntityStatus;
  /** The Fibery name when enriched, else the name from the Toggl descriptions. */
  name: string;
}

const SECTIONS: NarrativeSection[] = [
  { key: 'overall_summary', title: 'Overall summary' },
  { key: 'what_was_done', title: 'What was done' },
  { key: 'other_activities', title: 'Other activities' },
  { key: 'work_patterns', title: 'Work patterns' },
];

const R = 'right' as const;
const L = 'left' as const;

export async function writePersonReport(input: PersonReportInput, writer: ReportWriter): Promise<{ markdown: string; usage: LlmUsage | null }> {
  const { user, period } = input;
  const total = user.total_seconds;
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
  const groupSeconds = (list: EntityRow[]) => list.reduce((s, r) => s + r.entity.total_seconds, 0);
  const sortedGroups = [...groups.entries()].sort(([la, a], [lb, b]) => groupSeconds(b) - groupSeconds(a) || la.localeCompare(lb));
  const completed = rows.filter((r) => r.status.kind === 'completed');
  const overdue = rows.filter((r) => r.status.kind === 'overdue');
  const activities = [...user.unmatched_activities].sort((a, b) => b.total_seconds - a.total_seconds || a.description.localeCompare(b.description));
  const days = periodDays(period);
  const perDay = user.days_active ? total / user.days_active : 0;
  const ref = (r: EntityRow) => `${entityRef(r.entity.entity_id)} ${inline(r.name)}`;

  // ---- deterministic texts ----
  const overall: string[] = [];
  if (total === 0) overall.push(`${user.name} tracked no time in this period.`);
  else {
    overall.push(
      `${user.name} tracked ${hours(total)} in ${plural(user.entry_count, 'time entry', 'time entries')} on ${plural(user.days_active, 'day')}.`,
      `${hours(user.matched_seconds)} (${percent(user.matched_seconds, total)}) went to ${plural(rows.length, 'Fibery entity', 'Fibery entities')} and ${hours(user.unmatched_seconds)} (${percent(user.unmatched_seconds, total)}) to other activities.`,
    );
    if (sortedGroups[0]) overall.push(`The main focus was ${sortedGroups[0][0]} (${hours(groupSeconds(sortedGroups[0][1]))}).`);
    if (completed.length || overdue.length) overall.push(`${plural(completed.length, 'entity is', 'entities are')} completed and ${overdue.length} overdue.`);
  }
  const done: string[] = [];
  if (completed.length) done.push(`Completed: ${completed.map((r) => `${ref(r)} (${hours(r.entity.total_seconds)})`).join(', ')}.`);
  const progressing = rows.filter((r) => r.status.kind === 'in_progress');
  if (progressing.length) done.push(`In progress: ${progressing.slice(0, 10).map((r) => `${ref(r)} (${hours(r.entity.total_seconds)})`).join(', ')}${progressing.length > 10 ? `, and ${progressing.length - 10} more` : ''}.`);
  if (overdue.length) done.push(`Overdue: ${overdue.map((r) => `${ref(r)} (planned end ${r.status.planned_end?.date ?? '?'})`).join(', ')}.`);
  const unknown = rows.filter((r) => r.status.kind === 'not_found' || r.status.kind === 'not_enrichable');
  if (unknown.length) done.push(`Without Fibery data: ${unknown.map((r) => `${ref(r)} (${r.status.label})`).join(', ')}.`);
  const patterns: string[] = [];
  if (total > 0) {
    patterns.push(`Active on ${user.days_active} of the period's ${plural(days, 'day')}, averaging ${hours(perDay)} per active day.`);
    patterns.push(`${percent(user.matched_seconds, total)} of the time was on Fibery entities and ${percent(user.unmatched_seconds, total)} on other activities.`);
    if (activities[0]) patterns.push(`The largest other activity was "${inline(activities[0].description)}" (${hours(activities[0].total_seconds)}).`);
  }

  const otherText = activities.length
    ? `${hours(user.unmatched_seconds)} (${percent(user.unmatched_seconds, total)}) went to other activities, the largest ${activities
        .slice(0, 3)
        .map((a) => `"${inline(a.description)}" (${hours(a.total_seconds)})`)
        .join(', ')}.`
    : 'No time was logged on other activities.';

  // ---- fact pack ----
  const byStatus = (list: readonly EntityRow[]) => {
    const counts: Record<string, number> = {};
    for (const r of list) counts[r.status.label] = (counts[r.status.label] ?? 0) + 1;
    return counts;
  };
  const facts: FactPackSpec = {
    base: {
      person: user.name,
      period,
      days_in_period: days,
      totals: {
        hours: roundHours(total),
        on_entities_hours: roundHours(user.matched_seconds),
        on_entities_pct: percentValue(user.matched_seconds, total),
        other_hours: roundHours(user.unmatched_seconds),
        other_pct: percentValue(user.unmatched_seconds, total),
        entries: user.entry_count,
        running_entries: user.running_entries,
        days_active: user.days_active,
        hours_per_active_day: roundHours(perDay),
        entities: rows.length,
        completed: completed.length,
        in_progress: progressing.length,
        overdue: overdue.length,
        without_fibery_data: unknown.length,
      },
      by_type: sortedGroups.map(([label, list]) => ({ type: label, entities: list.length, hours: roundHours(groupSeconds(list)), pct_of_own: percentValue(groupSeconds(list), total) })),
    },
    lists: [
      {
        key: 'entities',
        noun: ['entity', 'entities'],
        items: rows,
        seconds: (r: EntityRow) => r.entity.total_seconds,
        whole: (r: EntityRow) => {
          const comments = recentComments(r.enrichment);
          const fields = otherFields(r.enrichment);
          const overdueDays = daysOverdue(r.status, period);
          return {
            id: r.entity.entity_id,
            name: r.name,
            type: typeLabel(r.entity.entity_database, r.entity.entity_type),
            project: r.entity.project,
            hours: roundHours(r.entity.total_seconds),
            pct_of_own: percentValue(r.entity.total_seconds, total),
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
        },
        summarise: (rest: readonly EntityRow[]) => ({ by_status: byStatus(rest), by_type: summariseByType(rest.map((r) => r.entity)) }),
      },
      {
        key: 'other_activities',
        noun: ['activity', 'activities'],
        items: activities,
        seconds: (a: (typeof activities)[number]) => a.total_seconds,
        whole: (a: (typeof activities)[number]) => ({ activity: a.description, hours: roundHours(a.total_seconds), pct_of_own: percentValue(a.total_seconds, total), entries: a.entry_count }),
      },
    ],
  };

  const texts = new Set<string>([...sortedGroups.map(([label]) => label), ...activities.map((a) => a.description)]);
  for (const r of rows) {
    texts.add(r.name);
    texts.add(r.entity.name);
    if (r.entity.project) texts.add(r.entity.project);
    if (r.status.parent?.name) texts.add(r.status.parent.name);
    for (const a of r.status.assignees) texts.add(a);
    for (const c of r.enrichment?.fibery?.comments ?? []) if (c.author) texts.add(c.author);
  }
  const narrative = await writer.narrate({
    report: `person:${input.email}`,
    kind: 'person_report',
    sections: SECTIONS,
    facts,
    vars: { person: user.name, period: periodLabel(period) },
    entityTypes: sortedGroups.map(([label]) => label),
    known: { people: [user.name, ...(input.people ?? [])], ids: [...rows.map((r) => r.entity.entity_id), ...rows.flatMap((r) => (r.status.parent?.public_id ? [r.status.parent.public_id] : []))], texts: [...texts] },
    fallback: {
      overall_summary: overall.join(' '),
      what_was_done: done.length ? bullets(done) : 'No time was logged against Fibery entities.',
      other_activities: otherText,
      work_patterns: patterns.join(' ') || 'No activity to describe.',
    },
  });
  const text = (key: string) => narrative.sections[key] ?? '';

  // ---- tables ----
  const glance = table(
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
  );

  const entityBlocks: string[] = [];
  for (const [label, list] of sortedGroups) {
    entityBlocks.push(`### ${inline(label)} · ${hours(groupSeconds(list))}`);
    entityBlocks.push(
      table(
        ['ID', 'Name', 'State', 'Hours', 'Entries', 'Status'],
        list.map((r) => [entityRef(r.entity.entity_id), r.name, r.status.state ?? '', hours(r.entity.total_seconds), r.entity.entry_count, r.status.label]),
        [L, L, L, R, R, L],
      ),
    );
    const details: string[] = [];
    for (const r of list) {
      const head = `**${ref(r)}**`;
      if (r.status.kind === 'not_found' || r.status.kind === 'not_enrichable') {
        details.push(`- ${head}: ${r.status.label}${r.status.reason ? ` (${inline(r.status.reason)})` : ''}.`);
        continue;
      }
      const line = statusDetails(r.status, r.entity.total_seconds);
      const quote = r.status.description_excerpt ? `\n  > ${r.status.description_excerpt}` : '';
      if (line || quote) details.push(`- ${head}: ${line ? inline(line) : 'no dates or comments in Fibery'}.${quote}`);
    }
    if (details.length) entityBlocks.push(details.join('\n'));
  }

  const otherTable = table(
    ['Activity', 'Hours', 'Entries', '% of own time'],
    activities.map((a) => [a.description, hours(a.total_seconds), a.entry_count, percent(a.total_seconds, total)]),
    [L, R, R, R],
  );
  const patternTable = table(
    ['Metric', 'Value'],
    [
      ['Days active', `${user.days_active} of ${days}`],
      ['Average per active day', hours(perDay)],
      ['Share on Fibery entities', percent(user.matched_seconds, total)],
      ['Share on other activities', percent(user.unmatched_seconds, total)],
    ],
    [L, R],
  );

  const markdown = joinBlocks([
    `# ${inline(user.name)} · ${periodLabel(period)}`,
    headerLine([`Period: ${periodLabel(period)}`, `Email: ${input.email}`, narrativeSource(writer, narrative)]),
    '## Overall summary',
    text('overall_summary'),
    '## At a glance',
    glance,
    '## Work on Fibery entities',
    rows.length ? entityBlocks.join('\n\n') : 'No time was logged against Fibery entities.',
    '## What was done',
    text('what_was_done'),
    '## Other activities',
    activities.length ? otherTable : null,
    text('other_activities'),
    '## Work patterns',
    patternTable,
    text('work_patterns'),
    narrativeFooter(narrative),
  ]);
  return { markdown, usage: narrative.usage };
}
