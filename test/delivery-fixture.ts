/**
 * A finished run directory written by hand for the delivery tests: the run files as the pipeline
 * writes them (checked by their schemas on the way out), for any number of people, with hostile
 * long names, an optional previous period, hygiene score and HTML report.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RUN_FILES } from '../src/storage/json-storage.js';
import { EnrichedDataSchema, TogglAggregatedSchema, type EnrichedData, type RunMetadata, type TogglAggregated } from '../src/storage/schemas.js';
import { runMetadata } from './support/run-metadata.js';

export const PERIOD = { start_date: '2026-11-16', end_date: '2026-11-22' };
export const PREVIOUS_PERIOD = { start_date: '2026-11-09', end_date: '2026-11-15' };
export const HOSTILE = '<script>alert(1)</script> & <@channel> | *bold* ';

export interface FixtureOptions {
  people?: number;
  /** Repeat a hostile, non-ASCII name part this often in every person and entity name. */
  longNames?: number;
  /** Add `previous` (per person, type and project) to toggl_aggregated.json and enriched_data.json, as the pipeline does. */
  previous?: boolean;
  hygiene?: number;
  html?: boolean;
  status?: RunMetadata['status'];
}

export interface RunFixture {
  dir: string;
  markdown: string;
  html: string | null;
  data: EnrichedData;
}

const HOUR = 3600;
const NONE = { entries: 0, seconds: 0 };
const EMPTY_HYGIENE = {
  entries: 0,
  total_seconds: 0,
  linked_seconds: 0,
  empty_description: NONE,
  no_tags: NONE,
  overlapping: NONE,
  running: NONE,
  over_10h: NONE,
  not_found: NONE,
  after_completion: NONE,
};

function personName(i: number, long: number): string {
  return `Person ${i} Ærø ${HOSTILE.repeat(long)}`.trim();
}

const written: string[] = [];

/** Removes every run directory written so far (call it from `after`). */
export async function removeRunFixtures(): Promise<void> {
  await Promise.all(written.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

export async function writeRunFixture(options: FixtureOptions = {}): Promise<RunFixture> {
  const people = options.people ?? 3;
  const long = options.longNames ?? 0;
  const dir = await mkdtemp(path.join(tmpdir(), 'volt-delivery-'));
  written.push(dir);
  const runId = path.basename(dir).replace(/[^A-Za-z0-9_.-]/g, '_');
  const users: EnrichedData['users'] = {};
  const entities: EnrichedData['entities'] = [];
  for (let i = 0; i < people; i++) {
    const email = `person${i}@example.test`;
    const overdueId = String(7000 + i);
    const doneId = String(8000 + i);
    const entity = (id: string, name: string, seconds: number, state: string, plannedEnd: string) => ({
      entity_id: id,
      entity_database: 'Scrum',
      entity_type: i % 2 ? 'Bug' : 'Task',
      project: i % 3 ? 'Moneyball' : null,
      name,
      total_seconds: seconds,
      entry_count: 2,
      enrichable: true,
      not_enrichable_reason: null,
      users: [email],
      enrichment: {
        key: `Scrum/${i % 2 ? 'Bug' : 'Task'}#${id}`,
        entity_id: id,
        entity_database: 'Scrum',
        entity_type: i % 2 ? 'Bug' : 'Task',
        status: 'enriched' as const,
        reason: null,
        enriched_by: 'default_enrich_entity',
        fibery: {
          id: `uuid-${id}`,
          public_id: id,
          name,
          state,
          created_at: '2026-10-01T10:00:00.000Z',
          modified_at: '2026-11-20T10:00:00.000Z',
          description_md: null,
          assignees: [],
          comments: [],
          fields: { 'Scrum/Planned End': plannedEnd },
        },
      },
    });
    const overdue = entity(overdueId, `Overdue work ${i} ${HOSTILE.repeat(long)}`.trim(), 6 * HOUR, 'In Progress', '2026-11-18');
    const done = entity(doneId, `Finished work ${i}`, 20 * HOUR, 'Done', '2026-11-30');
    entities.push(overdue, done);
    // Every third person spends most of the week on other activities: a risk.
    const other = i % 3 === 0 ? 30 * HOUR : 4 * HOUR;
    const matched = overdue.total_seconds + done.total_seconds;
    const strip = ({ users: _u, enrichment: _e, ...rest }: (typeof entities)[number]) => rest;
    users[email] = {
      name: personName(i, long),
      user_id: 100 + i,
      total_seconds: matched + other,
      matched_seconds: matched,
      unmatched_seconds: other,
      entry_count: 6,
      running_entries: 0,
      days_active: 5,
      matched_entities: [strip(overdue), strip(done)],
      unmatched_activities: [{ description: 'Meetings', total_seconds: other, entry_count: 2 }],
      report_file: null,
      slug: `person_${i}`,
    };
  }
  const sum = (pick: (u: EnrichedData['users'][string]) => number) => Object.values(users).reduce((s, u) => s + pick(u), 0);
  const totals = {
    total_seconds: sum((u) => u.total_seconds),
    matched_seconds: sum((u) => u.matched_seconds),
    unmatched_seconds: sum((u) => u.unmatched_seconds),
    users: people,
    entries: people * 6,
    entities: entities.length,
    running_entries: 1,
  };
  const data: EnrichedData = EnrichedDataSchema.parse({
    generated_at: '2026-11-23T08:00:00.000Z',
    period: PERIOD,
    totals,
    entities,
    users,
    enrichment: { enriched: entities.length, not_found: 0, not_enrichable: 0, requests: 1, warnings: [], by_type: {} },
  });
  const aggregated: TogglAggregated & Record<string, unknown> = {
    ...TogglAggregatedSchema.parse({
      period: PERIOD,
      generated_at: '2026-11-23T08:00:00.000Z',
      users: Object.fromEntries(Object.entries(users).map(([k, { report_file: _r, slug: _s, ...u }]) => [k, u])),
      entities: entities.map(({ enrichment: _e, ...e }) => e),
      totals,
      notes: [],
    }),
  };
  if (options.previous) {
    // The shape of the aggregator's `breakdown` / `previous` (BreakdownSchema). Person 0 worked 10 h
    // more last week, person 1 not at all, person 2 the same, from person 3 on half an hour more per
    // person number; a "Former" colleague has left.
    const previousOf = (i: number) => (i === 0 ? 10 * HOUR : i === 2 ? 0 : i * HOUR * 0.5);
    const person = (name: string, seconds: number) => ({ name, total_seconds: seconds, matched_seconds: seconds, unmatched_seconds: 0, entries: 1, by_type: {}, by_project: {}, by_day: {} });
    const now = Object.fromEntries(Object.entries(users).map(([email, u]) => [email, person(u.name, u.total_seconds)]));
    const before = Object.fromEntries(
      Object.entries(users)
        .map(([email, u], i) => [email, person(u.name, u.total_seconds + previousOf(i))] as const)
        .filter((_, i) => i !== 1),
    );
    before['former@example.test'] = person('Former Colleague', 12 * HOUR);
    const breakdown = (period: typeof PERIOD, people: typeof now, byType: Record<string, number>, byProject: Record<string, number>) => {
      const total = Object.values(people).reduce((s, p) => s + p.total_seconds, 0);
      return { period, total_seconds: total, matched_seconds: total, unmatched_seconds: 0, entries: 1, by_type: byType, by_project: byProject, by_day: {}, people };
    };
    const sumBy = (key: (e: (typeof entities)[number]) => string) => {
      const out: Record<string, number> = {};
      for (const e of entities) out[key(e)] = (out[key(e)] ?? 0) + e.total_seconds;
      return out;
    };
    aggregated.comparison = 'previous';
    aggregated.breakdown = breakdown(PERIOD, now, sumBy((e) => `${e.entity_database} / ${e.entity_type}`), sumBy((e) => e.project ?? '(no project tag)'));
    aggregated.previous = breakdown(PREVIOUS_PERIOD, before, { 'Scrum / Task': 100 * HOUR }, { Moneyball: 1 * HOUR });
  }
  // save_enriched_data copies the comparison from the aggregate (enrichedReportExtras).
  const enrichedJson: Record<string, unknown> = { ...data, ...(options.previous ? { comparison: aggregated.comparison, breakdown: aggregated.breakdown, previous: aggregated.previous } : {}) };
  if (options.hygiene !== undefined) enrichedJson.hygiene = { formula: 'test formula', team: { ...EMPTY_HYGIENE, name: 'Team', score: options.hygiene }, people: {} };
  const metadata = runMetadata(runId, {
    created_at: '2026-11-23T08:00:00.000Z',
    updated_at: '2026-11-23T08:01:00.000Z',
    finished_at: '2026-11-23T08:01:00.000Z',
    status: options.status ?? 'completed',
    parameters: PERIOD,
    temporal_metadata: { workflow_id: `toggl-fibery-${runId}`, run_id: 'r', task_queue: 'q' },
    stages_completed: ['toggl', 'fibery'],
    stages_failed: [],
  });
  const markdown = `# Team summary · ${PERIOD.start_date} – ${PERIOD.end_date}\n\n${Object.values(users).map((u) => `- ${u.name}`).join('\n')}\n`;
  await mkdir(path.join(dir, 'reports'), { recursive: true });
  await writeFile(path.join(dir, RUN_FILES.metadata), JSON.stringify(metadata));
  await writeFile(path.join(dir, RUN_FILES.aggregated), JSON.stringify(aggregated));
  await writeFile(path.join(dir, RUN_FILES.enriched), JSON.stringify(enrichedJson));
  await writeFile(path.join(dir, RUN_FILES.teamSummary), markdown);
  let html: string | null = null;
  if (options.html) {
    html = `<!doctype html><html><head><meta charset="utf-8"><title>Team summary</title></head><body><h1>Team summary</h1><svg width="10" height="10"><rect width="10" height="10"/></svg></body></html>`;
    await writeFile(path.join(dir, 'reports', 'team_summary.html'), html);
  }
  return { dir, markdown, html, data };
}
