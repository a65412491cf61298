import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  EnrichedDataSchema,
  TogglAggregatedSchema,
  type EnrichedData,
  type EnrichedEntity,
  type TogglAggregated,
} from '../src/storage/schemas.js';
import { escapeCell, excerpt, hours, percent, table } from '../src/reports/format.js';
import { entityStatus, isCompletedState } from '../src/reports/entity-status.js';
import { chartSvg } from '../src/reports/charts.js';
import type { ChartSpec } from '../src/reports/model.js';
import { deterministicWriter, llmWriter, loadReportSettings, parseSections, reportWriterFor, type NarrativeSection } from '../src/reports/writer.js';
import { writeTogglSummary } from '../src/reports/toggl-summary.js';
import { writePersonReport } from '../src/reports/person-report.js';
import { writeTeamReport } from '../src/reports/team-report.js';

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

const ZOE = 'zoe@example.com';
const OLENA = 'olena@example.com';
const period = { start_date: '2025-09-01', end_date: '2025-09-07' };

const aggregatedInput: TogglAggregated = {
  period,
  generated_at: '2025-09-08T10:00:00.000Z',
  users: {
    [OLENA]: {
      name: 'Олена Коваленко',
      user_id: 2,
      total_seconds: 10080,
      matched_seconds: 2880,
      unmatched_seconds: 7200,
      entry_count: 5,
      running_entries: 0,
      days_active: 2,
      matched_entities: [
        { entity_id: '7658', entity_database: 'Scrum', entity_type: 'Task', project: 'Volt - Internal', name: 'Provision AWS infrastructure', total_seconds: 1800, entry_count: 1, enrichable: true, not_enrichable_reason: null },
        { entity_id: '999', entity_database: null, entity_type: null, project: null, name: 'Mystery | work', total_seconds: 1080, entry_count: 1, enrichable: false, not_enrichable_reason: 'description names no [Database] and [Type]' },
      ],
      unmatched_activities: [
        { description: 'daily standup', total_seconds: 3600, entry_count: 2 },
        { description: 'Support', total_seconds: 3600, entry_count: 1 },
      ],
    },
    [ZOE]: {
      name: 'Zoë Müller',
      user_id: 1,
      total_seconds: 7200,
      matched_seconds: 5400,
      unmatched_seconds: 1800,
      entry_count: 6,
      running_entries: 1,
      days_active: 3,
      matched_entities: [
        { entity_id: '7658', entity_database: 'Scrum', entity_type: 'Task', project: 'Volt - Internal', name: 'Provision AWS infrastructure', total_seconds: 3600, entry_count: 2, enrichable: true, not_enrichable_reason: null },
        { entity_id: '12', entity_database: 'Scrum', entity_type: 'Bug', project: null, name: 'Fix login', total_seconds: 1800, entry_count: 1, enrichable: true, not_enrichable_reason: null },
      ],
      unmatched_activities: [{ description: 'Daily standup', total_seconds: 1800, entry_count: 3 }],
    },
  },
  entities: [
    { entity_id: '7658', entity_database: 'Scrum', entity_type: 'Task', project: 'Volt - Internal', name: 'Provision AWS infrastructure', total_seconds: 5400, entry_count: 3, enrichable: true, not_enrichable_reason: null, users: [OLENA, ZOE] },
    { entity_id: '12', entity_database: 'Scrum', entity_type: 'Bug', project: null, name: 'Fix login', total_seconds: 1800, entry_count: 1, enrichable: true, not_enrichable_reason: null, users: [ZOE] },
    { entity_id: '999', entity_database: null, entity_type: null, project: null, name: 'Mystery | work', total_seconds: 1080, entry_count: 1, enrichable: false, not_enrichable_reason: 'description names no [Database] and [Type]', users: [OLENA] },
  ],
  totals: { total_seconds: 17280, matched_seconds: 8280, unmatched_seconds: 9000, users: 2, entries: 11, entities: 3, running_entries: 1 },
  notes: ['1 running entry was counted up to the end of the period or the time of the fetch (2025-09-08T09:00:00Z), whichever was earlier.'],
};
const aggregated = TogglAggregatedSchema.parse(aggregatedInput);

const fiberyBase = {
  id: 'uuid',
  created_at: '2025-08-20T09:00:00.000Z',
  modified_at: '2025-09-05T09:00:00.000Z',
  assignees: [{ name: 'Zoë Müller', email: ZOE }],
};

const task7658: EnrichedEntity = {
  key: 'Scrum/Task#7658',
  entity_id: '7658',
  entity_database: 'Scrum',
  entity_type: 'Task',
  status: 'enriched',
  reason: null,
  enriched_by: 'enrich_scrum_task',
  fibery: {
    ...fiberyBase,
    public_id: '7658',
    name: 'Provision AWS infrastructure',
    state: 'In progress',
    description_md: '## Goal\n\nSet up the **VPC**, subnets and [Terraform](https://example.com) state for the staging account.',
    comments: [
      { author: 'Олена Коваленко', created_at: '2025-09-04T12:00:00.000Z', text_md: 'Blocked on IAM' },
      { author: 'Zoë Müller', created_at: '2025-09-02T12:00:00.000Z', text_md: 'Started' },
    ],
    fields: {
      'Planned Start': '2025-08-28',
      'Planned End': '2025-09-03',
      'Completion Date': null,
      Feature: { id: 'f-uuid', public_id: '1575', name: 'Checkout' },
      'Time spent (H)': 12.25,
    },
  },
};

const bug12: EnrichedEntity = {
  key: 'Scrum/Bug#12',
  entity_id: '12',
  entity_database: 'Scrum',
  entity_type: 'Bug',
  status: 'enriched',
  reason: null,
  enriched_by: 'enrich_scrum_bug',
  fibery: {
    ...fiberyBase,
    public_id: '12',
    name: 'Fix login redirect',
    state: 'Done',
    description_md: null,
    comments: [],
    fields: { 'Planned End': '2025-09-02', 'Completion Date': '2025-09-05T16:00:00.000Z' },
  },
};

const enrichedInput: EnrichedData = {
  generated_at: '2025-09-08T11:00:00.000Z',
  period,
  totals: aggregated.totals,
  entities: aggregated.entities.map((e) => ({ ...e, enrichment: e.entity_id === '7658' ? task7658 : e.entity_id === '12' ? bug12 : null })),
  users: {
    [OLENA]: { ...aggregated.users[OLENA]!, slug: 'olena_kovalenko', report_file: 'reports/individual/olena_kovalenko.md' },
    [ZOE]: { ...aggregated.users[ZOE]!, slug: 'zoe_muller', report_file: 'reports/individual/zoe_muller.md' },
  },
  enrichment: {
    enriched: 2,
    not_found: 0,
    not_enrichable: 1,
    requests: 2,
    warnings: ['Scrum/Bug: field "Root Cause" not found in the workspace'],
    by_type: {
      'Scrum/Task': { activity: 'enrich_scrum_task', total: 1, enriched: 1, not_found: 0 },
      'Scrum/Bug': { activity: 'enrich_scrum_bug', total: 1, enriched: 1, not_found: 0 },
    },
  },
};
const enriched = EnrichedDataSchema.parse(enrichedInput);

const entityMap = new Map<string, EnrichedEntity>([
  [task7658.key, task7658],
  [bug12.key, bug12],
]);

/** Every table is preceded and followed by a blank line (or the file edge), every heading too. */
function assertWellFormed(markdown: string): void {
  const lines = markdown.split('\n');
  lines.forEach((line, i) => {
    const prev = lines[i - 1];
    const next = lines[i + 1];
    if (line.startsWith('|')) {
      assert.ok(prev === undefined || prev === '' || prev.startsWith('|'), `table line ${i + 1} needs a blank line before: ${line}`);
      assert.ok(next === undefined || next === '' || next.startsWith('|'), `table line ${i + 1} needs a blank line after: ${line}`);
    }
    if (/^#{1,6} /.test(line)) {
      assert.ok(prev === undefined || prev === '', `heading line ${i + 1} needs a blank line before: ${line}`);
      assert.equal(next, '', `heading line ${i + 1} needs a blank line after: ${line}`);
    }
  });
  assert.ok(markdown.endsWith('\n') && !markdown.endsWith('\n\n'));
}

/** The cells of the table row starting with `first`. */
function row(markdown: string, first: string): string[] {
  const line = markdown.split('\n').find((l) => l.startsWith(`| ${first} |`));
  assert.ok(line, `no table row for ${first}`);
  return line.slice(2, -2).split(' | ');
}

interface CapturedRequest {
  system: string;
  user: string;
  maxTokens?: number;
  temperature?: number;
}

function fakeClient(answer: string | Error) {
  const calls: CapturedRequest[] = [];
  return {
    calls,
    client: {
      async complete(req: CapturedRequest) {
        calls.push(req);
        if (answer instanceof Error) throw answer;
        return { text: answer, provider: 'openai' as const, model: 'gpt-test', input_tokens: 1234, output_tokens: 321, seconds: 2.5 };
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// format and entity status
// ---------------------------------------------------------------------------------------------

test('format: hours, percentages, escaped cells, excerpts', () => {
  assert.equal(hours(5400), '1.5 h');
  assert.equal(hours(0), '0.0 h');
  assert.equal(hours(45_000), '12.5 h');
  assert.equal(percent(1, 3), '33%');
  assert.equal(percent(5, 0), '–');
  assert.equal(escapeCell('a|b\nc'), 'a\\|b c');
  assert.equal(table(['A', 'B'], [['x|y', 1]], ['left', 'right']), '| A | B |\n|---|---:|\n| x\\|y | 1 |');
  assert.equal(excerpt('# Title\n\nSome **bold** [link](http://x) text'), 'Title Some bold link text');
  const long = excerpt('word '.repeat(100), 200)!;
  assert.ok(long.length <= 201 && long.endsWith('…'));
});

test('charts: a spec drawn again is the same SVG; any change of the spec draws anew', () => {
  const spec: ChartSpec = { id: 'hours', title: 'Hours by person', description: 'Zoe 12 h, Olena 8 h', kind: 'bars', categories: ['Zoe', 'Olena'], series: [{ name: 'Hours', values: [12, 8] }], unit: 'h' };
  const svg = chartSvg(spec);
  assert.match(svg, /^<svg\b[^>]* role="img" aria-labelledby="hours-title hours-desc"><title id="hours-title">Hours by person<\/title>/);
  assert.doesNotMatch(svg, /<style/);
  assert.equal(chartSvg({ ...spec, categories: [...spec.categories] }), svg, 'an equal spec');
  const changed = chartSvg({ ...spec, series: [{ name: 'Hours', values: [12, 9] }] });
  assert.notEqual(changed, svg, 'another value');
  assert.match(changed, />9 h</);
  assert.doesNotMatch(svg, />9 h</);
  assert.notEqual(chartSvg({ ...spec, id: 'other' }), svg, 'another id');
  // Drawn again after many others (the memory holds the most recent few hundred).
  for (let i = 0; i < 300; i++) chartSvg({ ...spec, id: `filler-${i}` });
  const unclassed = (text: string) => text.replace(/ class="[^"]*"/g, '');
  assert.equal(unclassed(chartSvg(spec)), unclassed(svg), "the same drawing, but for the renderer's class names");
});

test('entity status: completed, overdue, dates, parent feature, Fibery time spent', () => {
  const overdue = entityStatus(task7658, period);
  assert.equal(overdue.kind, 'overdue');
  assert.equal(overdue.planned_end?.date, '2025-09-03');
  assert.equal(overdue.planned_start?.date, '2025-08-28');
  assert.deepEqual(overdue.parent, { field: 'Feature', public_id: '1575', name: 'Checkout', state: null });
  assert.equal(overdue.fibery_time_spent_hours, 12.25);
  assert.deepEqual(overdue.last_comment, { author: 'Олена Коваленко', date: '2025-09-04' });

  const done = entityStatus(bug12, period);
  assert.equal(done.kind, 'completed');
  assert.equal(done.actual_end?.date, '2025-09-05');

  for (const state of ['done', 'COMPLETED', 'Closed', 'Released', 'resolved']) assert.ok(isCompletedState(state), state);
  for (const state of ['In progress', 'To do', null]) assert.ok(!isCompletedState(state), String(state));

  const withFields = (fields: Record<string, unknown>, state = 'In progress'): EnrichedEntity => ({
    ...task7658,
    fibery: { ...task7658.fibery!, state, fields },
  });
  // Storage and GraphQL spellings of the field names work too.
  assert.equal(entityStatus(withFields({ 'Scrum/Due Date': '2025-09-01' }), period).kind, 'overdue');
  assert.equal(entityStatus(withFields({ deadline: '2025-09-01T00:00:00Z' }), period).kind, 'overdue');
  assert.equal(entityStatus(withFields({ plannedEnd: '2025-09-07' }), period).kind, 'in_progress', 'due on the last day is not overdue');
  assert.equal(entityStatus(withFields({ 'Planned End': '2025-09-01', completionDate: '2025-09-02' }), period).kind, 'in_progress');
  assert.equal(entityStatus(withFields({ 'Release Date': '2025-08-01' }, 'Closed'), period).kind, 'completed');

  const missing = entityStatus({ ...task7658, status: 'not_found', reason: 'no Scrum/Task with public id 7658', fibery: null }, period);
  assert.equal(missing.kind, 'not_found');
  assert.equal(missing.reason, 'no Scrum/Task with public id 7658');
  assert.equal(entityStatus(undefined, period, { enrichable: false, not_enrichable_reason: 'no tags' }).kind, 'not_enrichable');
});

// ---------------------------------------------------------------------------------------------
// Reports with the deterministic writer
// ---------------------------------------------------------------------------------------------

test('Toggl summary (deterministic): sections, per-user hours, notes, no-LLM header', async () => {
  const { markdown, usage } = await writeTogglSummary(aggregated, deterministicWriter());
  assert.equal(usage, null);
  assertWellFormed(markdown);
  assert.ok(markdown.startsWith('# Toggl summary · 2025-09-01 – 2025-09-07\n'));
  assert.match(markdown.split('\n')[2]!, /Narrative written without an LLM \(none configured\)/);
  for (const heading of ['Executive summary', 'Team totals', 'Per-user summaries', 'Matched entities overview', 'Unmatched activities', 'Time distribution', 'Notes']) {
    assert.ok(markdown.includes(`\n## ${heading}\n`), heading);
  }
  assert.deepEqual(row(markdown, 'Zoë Müller'), ['Zoë Müller', '2.0 h', '1.5 h', '0.5 h', '75%', '6', '3']);
  assert.deepEqual(row(markdown, 'Олена Коваленко'), ['Олена Коваленко', '2.8 h', '0.8 h', '2.0 h', '29%', '5', '2']);
  assert.deepEqual(row(markdown, '#7658'), ['#7658', 'Provision AWS infrastructure', 'Scrum / Task', 'Volt - Internal', '1.5 h', 'Олена Коваленко, Zoë Müller', '3']);
  assert.deepEqual(row(markdown, '#999'), ['#999', 'Mystery \\| work', '(no database/type)', '', '0.3 h', 'Олена Коваленко', '1']);
  // Unmatched activities grouped across people by normalised description.
  assert.deepEqual(row(markdown, 'daily standup'), ['daily standup', '1.5 h', 'Олена Коваленко, Zoë Müller', '5']);
  assert.deepEqual(row(markdown, 'On Fibery entities (matched)'), ['On Fibery entities (matched)', '2.3 h', '48%']);
  assert.ok(markdown.includes('1 running entry was counted up to the end of the period'));
  assert.ok(markdown.includes('4.8 h'), 'team total 17280 s');
});

test('person report (deterministic): entities grouped, statuses, Fibery details, other activities', async () => {
  const { markdown, usage } = await writePersonReport({ email: ZOE, user: aggregated.users[ZOE]!, entities: entityMap, period }, deterministicWriter());
  assert.equal(usage, null);
  assertWellFormed(markdown);
  assert.ok(markdown.startsWith('# Zoë Müller · 2025-09-01 – 2025-09-07\n'));
  assert.ok(markdown.includes('Narrative written without an LLM (none configured)'));
  for (const heading of ['Overall summary', 'At a glance', 'Work on Fibery entities', 'What was done', 'Other activities', 'Work patterns']) {
    assert.ok(markdown.includes(`\n## ${heading}\n`), heading);
  }
  assert.ok(markdown.indexOf('### Scrum / Task · 1.0 h') < markdown.indexOf('### Scrum / Bug · 0.5 h'), 'groups sorted by hours');
  assert.deepEqual(row(markdown, '#7658'), ['#7658', 'Provision AWS infrastructure', 'In progress', '1.0 h', '2', 'overdue']);
  assert.deepEqual(row(markdown, '#12'), ['#12', 'Fix login redirect', 'Done', '0.5 h', '1', 'completed']);
  assert.match(markdown, /planned 2025-08-28 → 2025-09-03 · overdue since 2025-09-03/);
  assert.match(markdown, /feature #1575 Checkout/);
  assert.match(markdown, /12\.3 h time spent recorded in Fibery \(1\.0 h tracked this period\)/);
  assert.match(markdown, /last comment 2025-09-04 by Олена Коваленко/);
  // The description keeps its heading; the latest comment follows it, with its author.
  assert.match(markdown, /\n {2}> \*\*Goal\*\*\n {2}> Set up the VPC, subnets and Terraform state for the staging account\.\n {2}> \*Latest comment by Олена Коваленко:\*\n {2}> Blocked on IAM/);
  assert.deepEqual(row(markdown, 'Daily standup'), ['Daily standup', '0.5 h', '3', '25%']);
  assert.deepEqual(row(markdown, 'Average per active day'), ['Average per active day', '0.7 h']);
  assert.deepEqual(row(markdown, 'Running entries'), ['Running entries', '1 (counted up to the end of the period or the time of the fetch)']);
});

test('person report: not enrichable and not found entities say so', async () => {
  const notFound = new Map([[task7658.key, { ...task7658, status: 'not_found' as const, reason: 'no Scrum/Task with public id 7658', fibery: null }]]);
  const { markdown } = await writePersonReport({ email: OLENA, user: aggregated.users[OLENA]!, entities: notFound, period }, deterministicWriter());
  assert.ok(markdown.startsWith('# Олена Коваленко · '));
  assert.equal(row(markdown, '#7658')[5], 'not found in Fibery');
  assert.equal(row(markdown, '#999')[5], 'not enrichable');
  assert.match(markdown, /not found in Fibery \(no Scrum\/Task with public id 7658\)/);
});

test('team report (deterministic): members, accomplishments, shared work, risks', async () => {
  const { markdown, usage } = await writeTeamReport(enriched, deterministicWriter());
  assert.equal(usage, null);
  assertWellFormed(markdown);
  assert.ok(markdown.startsWith('# Team summary · 2025-09-01 – 2025-09-07\n'));
  assert.ok(markdown.includes('Narrative written without an LLM (none configured)'));
  for (const heading of ['Executive summary', 'Team at a glance', 'Members', 'Key accomplishments', 'Cross-team patterns', 'Resource allocation', 'Risks', 'Recommendations']) {
    assert.ok(markdown.includes(`\n## ${heading}\n`), heading);
  }
  assert.deepEqual(row(markdown, 'Zoë Müller'), ['Zoë Müller', '2.0 h', '1.5 h', '0.5 h', '42%', '[report](individual/zoe_muller.md)']);
  assert.deepEqual(row(markdown, 'Олена Коваленко'), ['Олена Коваленко', '2.8 h', '0.8 h', '2.0 h', '58%', '[report](individual/olena_kovalenko.md)']);
  // Completed and overdue from Fibery; shared work; risks.
  const completedRow = markdown.split('\n').find((l) => l.startsWith('| #12 |'));
  assert.equal(completedRow, '| #12 | Fix login redirect | Scrum / Bug | Done | 2025-09-05 | 0.5 h | Zoë Müller |');
  const risks = markdown.slice(markdown.indexOf('## Risks'));
  assert.ok(risks.includes('| #7658 | Provision AWS infrastructure | Scrum / Task | 2025-09-03 | In progress | 1.5 h | Олена Коваленко, Zoë Müller |'));
  assert.ok(risks.includes('| Олена Коваленко | 2.0 h | 2.8 h | 71% |'), 'over 40% on other activities');
  assert.ok(!risks.includes('| Zoë Müller | 0.5 h'), '25% is under the threshold');
  assert.ok(risks.includes('| #999 | Mystery \\| work | 0.3 h | Олена Коваленко | description names no [Database] and [Type] |'));
  assert.ok(risks.includes('Root Cause'));
  const cross = markdown.slice(markdown.indexOf('## Cross-team patterns'), markdown.indexOf('## Resource allocation'));
  assert.ok(cross.includes('| #7658 |') && !cross.includes('| #12 |'));
  assert.match(markdown, /Review the overdue entity with the people working on it and update the plan: #7658 Provision AWS infrastructure/);
});

// ---------------------------------------------------------------------------------------------
// LLM writer
// ---------------------------------------------------------------------------------------------

test('LLM writer: prompt carries the facts and no env values; sections inserted; missing section falls back; usage recorded', async () => {
  const secret = 'sk-test-not-a-real-key-0123456789';
  const previous = process.env.OPENAI_API_KEY;
  process.env.OPENAI_API_KEY = secret;
  try {
    const { client, calls } = fakeClient(
      'Here is the report.\n\n## Executive Summary\nThe team tracked 4.8 h (LLM).\n\n### per-user summaries\n- Zoë Müller: 2.0 h (LLM).\n| a | b |\n|---|---|\n',
    );
    const writer = llmWriter(client, { temperature: 0.1, maxTokens: 900, provider: 'openai', model: 'gpt-test' });
    assert.equal(writer.usesLlm, true);
    assert.equal(writer.label, 'LLM: openai gpt-test');
    const { markdown, usage } = await writeTogglSummary(aggregated, writer);

    assert.equal(calls.length, 1);
    const req = calls[0]!;
    assert.equal(req.maxTokens, 900);
    assert.equal(req.temperature, 0.1);
    assert.match(req.system, /engineering managers/);
    assert.match(req.system, /no tables/i);
    assert.ok(req.user.includes('\n## Executive summary\n') && req.user.includes('\n## Time distribution\n'), 'the section headings to write');
    assert.ok(req.user.includes('Write the narrative of the Toggl summary for 2025-09-01 – 2025-09-07'), 'from config/prompts/toggl_summary.md');
    assert.ok(!/\{\{\w+\}\}/.test(req.user) && !req.user.includes('<!--'), 'placeholders filled, comments not sent');
    assert.ok(req.user.includes('Zoë Müller') && req.user.includes('Олена Коваленко'), 'names survive');
    assert.ok(req.user.includes('"hours":4.8'), 'team hours rounded to 0.1');
    assert.ok(req.user.includes('"on_entities_hours":1.5'));
    assert.ok(req.user.includes('running entry'), 'notes are facts');
    assert.ok(!req.user.includes(ZOE), 'no e-mail addresses in the prompt');
    const sensitive = Object.entries(process.env).filter(([k, v]) => /KEY|TOKEN|SECRET|PASSWORD/i.test(k) && v && v.length >= 8);
    for (const [name, value] of sensitive) {
      assert.ok(!req.user.includes(value!) && !req.system.includes(value!), `${name} leaked into the prompt`);
    }

    assert.ok(markdown.includes('The team tracked 4.8 h (LLM).'));
    assert.ok(markdown.includes('- Zoë Müller: 2.0 h (LLM).'));
    assert.ok(!markdown.includes('Here is the report.'), 'preamble dropped when the first section has its heading');
    assert.ok(!markdown.includes('| a | b |'), 'tables from the LLM are dropped');
    // The LLM left out "Time distribution": the deterministic text is used.
    assert.ok(markdown.includes('Other activities took 52% of the time.'));
    assert.match(markdown, /Narrative written by LLM openai gpt-test; 3 of 5 sections were written without it \(Matched entities overview, Unmatched activities, Time distribution: its heading is missing from the answer\)/);
    assert.match(markdown, /\n---\n\nAbout the narrative:\n\n- Written by LLM openai gpt-test \(1 request, 1234 input and 321 output tokens\)/);
    assert.match(markdown, /- Checked against the data: figures .* Not checked: statements of fact about people and work .*\n- The checks found nothing to mark\.\n/);
    assert.match(markdown, /- The LLM's text for "Matched entities overview", "Unmatched activities" and "Time distribution" was not used \(its heading is missing from the answer\): those sections are the data-only narrative\.\n$/);
    assert.ok(!/every figure and name|now matches/i.test(markdown), 'no claim that everything was checked');
    // Tables still come from the data.
    assert.deepEqual(row(markdown, 'Zoë Müller'), ['Zoë Müller', '2.0 h', '1.5 h', '0.5 h', '75%', '6', '3']);
    assert.ok(usage && usage.prompt_tokens_estimate! > 100);
    assert.deepEqual(
      { ...usage, prompt_tokens_estimate: 0 },
      { report: 'toggl_summary', provider: 'openai', model: 'gpt-test', input_tokens: 1234, output_tokens: 321, seconds: 2.5, requests: 1, corrections: 0, corrected: 0, unverified: 0, prompt_tokens_estimate: 0, summarised: [] },
    );
  } finally {
    if (previous === undefined) delete process.env.OPENAI_API_KEY;
    else process.env.OPENAI_API_KEY = previous;
  }
});

test('LLM writer: person and team reports use the report keys and Fibery facts', async () => {
  const person = fakeClient('## Overall summary\nX\n## What was done\nY\n## Other activities\nO\n## Work patterns\nZ');
  const p = await writePersonReport({ email: ZOE, user: aggregated.users[ZOE]!, entities: entityMap, period }, llmWriter(person.client));
  assert.equal(p.usage?.report, `person:${ZOE}`);
  const prompt = person.calls[0]!.user;
  assert.ok(prompt.includes('"status":"overdue"') && prompt.includes('"planned_end":"2025-09-03"') && prompt.includes('"status":"completed"'));
  assert.ok(prompt.includes('Set up the VPC'));
  assert.ok(prompt.includes('"latest_comments":[{"author":"Олена Коваленко","date":"2025-09-04","text":"Blocked on IAM"}'), 'comment texts, newest first');
  assert.ok(prompt.includes('"days_overdue":4'));
  assert.ok(prompt.includes("Write the narrative of Zoë Müller's individual report"));
  assert.ok(prompt.includes('About the Fibery types in this report:\n- Scrum / Task: development tasks.'), 'entity-type prompts of the types in the report');
  assert.ok(prompt.includes('- Scrum / Bug: defects.'));
  assert.match(p.markdown, /## What was done\n\nY\n/);
  assert.match(p.markdown, /## Other activities\n\n\| Activity[^]*\n\nO\n/);

  const team = fakeClient('# executive summary\nE\n# key accomplishments\nA\n# cross-team patterns\nC\n# resource allocation\nR\n# risks\n- overdue\n# recommendations\n- do it');
  const t = await writeTeamReport(enriched, llmWriter(team.client));
  assert.equal(t.usage?.report, 'team_summary');
  assert.match(t.markdown, /## Recommendations\n\n- do it\n/);
  assert.match(t.markdown, /Narrative written by LLM openai gpt-test; all tables computed from the data/);
});

test('LLM writer: a failed call falls back to the data-only narrative, says so at the top and returns a warning; llm.required fails', async () => {
  const { client } = fakeClient(new Error('OpenAI 503: overloaded (after 4 requests)'));
  const report = await writeTogglSummary(aggregated, llmWriter(client, { provider: 'openai', model: 'gpt-test' }));
  const deterministic = await writeTogglSummary(aggregated, deterministicWriter());
  assert.equal(report.usage, null);
  assert.match(report.warning ?? '', /^toggl_summary: the LLM failed, .*OpenAI 503: overloaded/);
  const lines = report.markdown.split('\n');
  assert.match(lines[2]!, /Narrative written without an LLM \(LLM: openai gpt-test failed after its retries\)/);
  assert.match(lines[4]!, /^> \*\*The LLM failed, so this report's narrative is the data-only text: OpenAI 503: overloaded/);
  // Every section keeps the deterministic text.
  const body = (md: string) => md.slice(md.indexOf('## Executive summary'));
  assert.equal(body(report.markdown), body(deterministic.markdown));
  assert.match(report.html, /class="banner"[^>]*>The LLM failed/);

  const required = llmWriter(client, { provider: 'openai', model: 'gpt-test', required: true });
  await assert.rejects(writeTogglSummary(aggregated, required), /OpenAI 503/);
});

test('parseSections tolerates heading levels, case, numbering and a missing first heading', () => {
  const sections: NarrativeSection[] = [
    { key: 'a', title: 'Executive summary' },
    { key: 'b', title: 'What was done' },
    { key: 'c', title: 'Work patterns' },
  ];
  assert.deepEqual(parseSections('Intro text.\n\n### 2. WHAT WAS DONE\n- one\n#### Details\nmore\n**Work patterns:**\nsteady\n#7658 shipped', sections), {
    a: 'Intro text.',
    b: '- one\n**Details**\nmore',
    c: 'steady\n#7658 shipped',
  });
  assert.deepEqual(parseSections('```markdown\n#Executive summary\nonly\n```', sections), { a: 'only' });
});

test('reportWriterFor: deterministic without an LLM, LLM writer when a key is set', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'volt-reports-'));
  try {
    const none = reportWriterFor(await loadReportSettings(dir), {});
    assert.equal(none.usesLlm, false);
    assert.equal(none.label, 'deterministic writer (no LLM configured)');
    const withKey = reportWriterFor(await loadReportSettings(dir, { llm: { model: 'gpt-test' } }), { OPENAI_API_KEY: 'sk-test-not-real' });
    assert.equal(withKey.usesLlm, true);
    assert.equal(withKey.label, 'LLM: openai gpt-test');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------------------------------------
// Facts, not guesses: wrong figures are corrected or marked
// ---------------------------------------------------------------------------------------------

interface Turn {
  role: string;
  content: string;
}

/** A client answering `answers` in turn (an Error fails that call), recording every request. */
function scriptedClient(answers: (string | Error)[]) {
  const calls: (CapturedRequest & { followUp?: Turn[] })[] = [];
  return {
    calls,
    client: {
      async complete(req: CapturedRequest & { followUp?: Turn[] }) {
        calls.push(req);
        const answer = answers[calls.length - 1] ?? answers[answers.length - 1]!;
        if (answer instanceof Error) throw answer;
        return { text: answer, provider: 'anthropic' as const, model: 'claude-test', input_tokens: 1000, output_tokens: 100, seconds: 1.5, attempts: 1 };
      },
    },
  };
}

const wrongSummary = '## Executive summary\nThe team tracked 4.8 h.\n## Per-user summaries\n- **Zoë Müller**: 12.5 h, 75% on entities.\n- **Олена Коваленко**: 2.8 h.';
const rightSummary = '## Executive summary\nThe team tracked 4.8 h.\n## Per-user summaries\n- **Zoë Müller**: 2.0 h, 75% on entities.\n- **Олена Коваленко**: 2.8 h.';

test('a wrong number of hours for a person is sent back once, naming the mistake, and the corrected answer is used', async () => {
  const { client, calls } = scriptedClient([wrongSummary, rightSummary]);
  const { markdown, usage } = await writeTogglSummary(aggregated, llmWriter(client));
  assert.equal(calls.length, 2);
  const followUp = calls[1]!.followUp!;
  assert.equal(calls[1]!.user, calls[0]!.user, 'the correction carries the same facts');
  assert.deepEqual(followUp.map((t) => t.role), ['assistant', 'user']);
  assert.equal(followUp[0]!.content, wrongSummary);
  assert.match(followUp[1]!.content, /"12\.5 h" in "Per-user summaries" \("- \*\*Zoë Müller\*\*: 12\.5 h, 75% on entities\."\): the facts of Zoë Müller have no such figure \(hours there: 2\.0 h/);
  assert.match(followUp[1]!.content, /## Executive summary\n## Per-user summaries/);

  assert.ok(markdown.includes('- **Zoë Müller**: 2.0 h, 75% on entities.'));
  assert.ok(!markdown.includes('12.5 h') && !markdown.includes('unverified'));
  assert.match(markdown, /- 1 figure in the first answer did not match the data and was corrected by a follow-up request/);
  assert.match(markdown, /Written by LLM anthropic claude-test \(2 requests, 2000 input and 200 output tokens\)/);
  assert.equal(usage?.corrections, 1);
  assert.equal(usage?.corrected, 1);
  assert.equal(usage?.unverified, 0);
  assert.equal(usage?.requests, 2);
  assert.equal(usage?.input_tokens, 2000);
  assert.equal(usage?.seconds, 3);
});

test('a wrong number that survives the correction is marked unverified in the text and counted in the footer', async () => {
  const wrongTwice = wrongSummary.replace('2.8 h.', '2.8 h. #4242 took 1.5 h.');
  const { client, calls } = scriptedClient([wrongTwice, wrongTwice]);
  const { markdown, usage } = await writeTogglSummary(aggregated, llmWriter(client));
  assert.equal(calls.length, 2, 'one correction request, no more');
  assert.match(calls[1]!.followUp![1]!.content, /"#4242" in "Per-user summaries" .*: there is no entity #4242 in the data/);
  assert.ok(markdown.includes('- **Zoë Müller**: 12.5 h *(unverified)*, 75% on entities.'));
  assert.ok(markdown.includes('#4242 *(unverified)* took 1.5 h.'));
  assert.match(markdown, /- \*\*1 figure and 1 name could not be verified\*\* against the data and are marked \*\(unverified\)\*: "12\.5 h" \(Per-user summaries\), "#4242" \(Per-user summaries\)\. \(the correction answer was not used \(it fixed none of them\); the first answer stands with its marks\.\)/);
  assert.equal(usage?.corrections, 1);
  assert.equal(usage?.unverified, 2);
  // Tables are untouched by the narrative.
  assert.deepEqual(row(markdown, 'Zoë Müller'), ['Zoë Müller', '2.0 h', '1.5 h', '0.5 h', '75%', '6', '3']);
});

test('with max_corrections 0 mismatches are marked at once; a failed correction request keeps the first answer, marked', async () => {
  const none = scriptedClient([wrongSummary]);
  const marked = await writeTogglSummary(aggregated, llmWriter(none.client, { maxCorrections: 0 }));
  assert.equal(none.calls.length, 1);
  assert.match(marked.markdown, /\*\*1 figure could not be verified\*\* against the data and is marked \*\(unverified\)\*: "12\.5 h" \(Per-user summaries\)\.\n/);

  const failing = scriptedClient([wrongSummary, new Error('Anthropic 529: Overloaded (after 4 requests)')]);
  const kept = await writeTogglSummary(aggregated, llmWriter(failing.client));
  assert.equal(failing.calls.length, 2);
  assert.ok(kept.markdown.includes('12.5 h *(unverified)*'));
  assert.match(kept.markdown, /\(the correction request failed: Anthropic 529: Overloaded \(after 4 requests\)\.\)/);
  assert.equal(kept.usage?.unverified, 1);
});

/** Every table row of a report whose first cell is a person or an entity id, checked against the aggregates at the rounding shown. */
function assertTablesAgree(markdown: string, data: TogglAggregated): void {
  const h = (s: number) => `${(Math.round((s / 3600) * 10) / 10).toFixed(1)} h`;
  const lines = markdown.split('\n').filter((l) => l.startsWith('| '));
  let checked = 0;
  for (const line of lines) {
    const cells = line.slice(2, -2).split(' | ');
    const user = Object.values(data.users).find((u) => u.name === cells[0]);
    if (user) {
      assert.ok(cells.includes(h(user.total_seconds)), `${line}: total ${h(user.total_seconds)}`);
      checked++;
    }
    const entity = data.entities.find((e) => `#${e.entity_id}` === cells[0]);
    if (entity && cells.some((c) => / h$/.test(c))) {
      const own = Object.values(data.users).flatMap((u) => u.matched_entities).filter((e) => e.entity_id === entity.entity_id).map((e) => h(e.total_seconds));
      assert.ok(cells.some((c) => c === h(entity.total_seconds) || own.includes(c)), `${line}: hours of #${entity.entity_id}`);
      checked++;
    }
  }
  assert.ok(checked > 0);
}

test('the tables of every report agree with the aggregates, whatever the LLM writes', async () => {
  const liar = scriptedClient(['## Executive summary\nEveryone tracked 99.0 h.']);
  const toggl = await writeTogglSummary(aggregated, llmWriter(liar.client));
  assertTablesAgree(toggl.markdown, aggregated);
  const person = await writePersonReport({ email: ZOE, user: aggregated.users[ZOE]!, entities: entityMap, period }, llmWriter(liar.client));
  assertTablesAgree(person.markdown, aggregated);
  const team = await writeTeamReport(enriched, llmWriter(liar.client));
  assertTablesAgree(team.markdown, aggregated);
  assert.ok(team.markdown.includes('Everyone tracked 99.0 h *(unverified)*.'));
});
