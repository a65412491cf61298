/**
 * The aggregator's report data: the period's breakdown, the previous period (kept apart from the
 * period's figures), Toggl-side hygiene, and how the reports show them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RawTimeEntry, RawTogglData } from '../src/storage/schemas.js';
import { TogglAggregatedSchema } from '../src/storage/schemas.js';
import { aggregateToggl } from '../src/toggl/aggregate.js';
import { previousPeriod } from '../src/toggl/breakdown.js';
import { completePersonHygiene, hygieneScore } from '../src/toggl/hygiene.js';
import { writeTogglSummary } from '../src/reports/toggl-summary.js';
import { writeTeamReport } from '../src/reports/team-report.js';
import { deterministicWriter } from '../src/reports/writer.js';
import { reportData } from './support/report-data.js';

const period = { start_date: '2026-11-16', end_date: '2026-11-22' };
let nextId = 1;
function e(email: string, description: string, start: string, seconds: number, running = false): RawTimeEntry {
  return {
    id: nextId++,
    user_id: email.length,
    user_email: email,
    user_name: email.split('@')[0]!,
    description,
    project_id: null,
    project_name: null,
    client_name: null,
    tags: [],
    start,
    stop: running ? null : new Date(Date.parse(start) + seconds * 1000).toISOString(),
    seconds,
    running,
    api_seconds: running ? -1 : seconds,
  };
}
const raw = (entries: RawTimeEntry[]): RawTogglData => ({ fetched_at: '2026-11-23T00:00:00Z', period, source: { api: 't', workspace_id: '1', requests: 1 }, users_filter: null, users: [], time_entries: entries });

const A = 'ann@example.com';
const B = 'bob@example.com';
const current = [
  e(A, 'Login #1 [Scrum] [Task] [Moneyball]', '2026-11-16T09:00:00+00:00', 7200),
  e(A, 'Review', '2026-11-16T10:30:00+00:00', 3600), // overlaps the first by 30 min
  e(A, '', '2026-11-17T09:00:00+00:00', 1800),
  e(A, 'Crash #2 [Scrum] [Bug]', '2026-11-18T08:00:00+00:00', 11 * 3600),
  e(B, 'Untagged #3', '2026-11-16T09:00:00+00:00', 3600),
  e(B, 'Login #1 [Scrum] [Task] [Moneyball]', '2026-11-20T09:00:00+00:00', 5400, true),
];
const before = [e(A, 'Login #1 [Scrum] [Task] [Moneyball]', '2026-11-10T09:00:00+00:00', 3600), e(B, 'Standup', '2026-11-11T09:00:00+00:00', 1800)];

test('previousPeriod: the period of equal length just before', () => {
  assert.deepEqual(previousPeriod(period), { start_date: '2026-11-09', end_date: '2026-11-15' });
  assert.deepEqual(previousPeriod({ start_date: '2026-03-01', end_date: '2026-03-31' }), { start_date: '2026-01-29', end_date: '2026-02-28' });
});

test('breakdown and previous period: per person, type, project and day; the period\'s users and totals stay the same', () => {
  const without = aggregateToggl(raw(current), new Date('2026-11-23T00:00:00Z'));
  const agg = TogglAggregatedSchema.parse(aggregateToggl(raw(current), new Date('2026-11-23T00:00:00Z'), { entries: before }));
  assert.deepEqual(agg.users, without.users);
  assert.deepEqual(agg.totals, without.totals);
  assert.equal(without.comparison, 'none');
  assert.equal(without.previous, null);
  assert.equal(agg.comparison, 'previous');

  const b = agg.breakdown!;
  assert.equal(b.total_seconds, agg.totals.total_seconds);
  assert.deepEqual(b.by_type, { 'Scrum / Task': 12600, 'Other activities (no entity)': 5400, 'Scrum / Bug': 39600, '(no database/type)': 3600 });
  assert.deepEqual(b.by_project, { Moneyball: 12600, 'Other activities (no entity)': 5400, '(no project tag)': 43200 });
  assert.deepEqual(b.by_day, { '2026-11-16': 14400, '2026-11-17': 1800, '2026-11-18': 39600, '2026-11-20': 5400 });
  assert.equal(b.people[A]!.matched_seconds, 7200 + 39600);
  assert.equal(agg.previous!.total_seconds, 5400);
  assert.deepEqual(agg.previous!.period, { start_date: '2026-11-09', end_date: '2026-11-15' });
  assert.deepEqual(agg.previous!.people[B]!.by_type, { 'Other activities (no entity)': 1800 });

  const empty = aggregateToggl(raw(current), new Date(), { entries: [] });
  assert.equal(empty.comparison, 'previous');
  assert.ok(empty.notes.some((n) => n.includes('has no tracked time')));
});

test('hygiene (Toggl side): empty descriptions, untagged references, overlaps, running timers, entries over 10 h', () => {
  const agg = aggregateToggl(raw(current), new Date());
  const a = agg.hygiene!.people[A]!;
  assert.deepEqual(a.empty_description, { entries: 1, seconds: 1800 });
  assert.deepEqual(a.overlapping, { entries: 2, seconds: 1800 });
  assert.deepEqual(a.over_10h, { entries: 1, seconds: 39600 });
  assert.equal(a.linked_seconds, 7200 + 39600);
  const b = agg.hygiene!.people[B]!;
  assert.deepEqual(b.no_tags, { entries: 1, seconds: 3600 });
  assert.deepEqual(b.running, { entries: 1, seconds: 5400 });
  assert.deepEqual(b.entity_days['Scrum/Task#1'], { '2026-11-20': 5400 });
  // Scores from the Toggl side alone are in the JSON too, and the Toggl summary shows the same.
  assert.equal(agg.hygiene!.toggl_scores!.people[B], completePersonHygiene(b, () => undefined).score);
  assert.match(agg.hygiene!.toggl_scores!.formula, /^score = 50 × /);

  // After enrichment: #1 completed on the 18th (Bob's time on the 20th is late), #2 not found.
  const complete = completePersonHygiene(b, (key) => (key === 'Scrum/Task#1' ? { found: true, completed_on: '2026-11-18' } : undefined));
  assert.deepEqual(complete.after_completion, { entries: 1, seconds: 5400 });
  const ann = completePersonHygiene(a, (key) => (key === 'Scrum/Bug#2' ? { found: false, completed_on: null } : { found: true, completed_on: null }));
  assert.deepEqual(ann.not_found, { entries: 1, seconds: 39600 });
  // 50 × linked share + 50 × (1 − problem share, at most 1): Ann's problems exceed her time.
  assert.equal(ann.score, Math.round(50 * (46800 / 52200)));
  assert.equal(hygieneScore({ ...ann, total_seconds: 0 }), null);
});

// Speed and memory at scale (a year for 200 people) are measured by `npm run bench`, not asserted here.
test('entries in any order give the same result', () => {
  const forward = aggregateToggl(raw(current), new Date('2026-11-23T00:00:00Z'), { entries: before });
  const backward = aggregateToggl(raw([...current].reverse()), new Date('2026-11-23T00:00:00Z'), { entries: [...before].reverse() });
  assert.deepEqual(backward, forward);
});

test('reports: deltas per person, type and project equal the aggregates; no previous data says so; comparison off shows none', async () => {
  const { aggregated, enriched } = reportData(6);
  const summary = await writeTogglSummary(aggregated, deterministicWriter());
  const team = await writeTeamReport(enriched, deterministicWriter());
  for (const md of [summary.markdown, team.markdown]) {
    assert.ok(md.includes('\n## This period against the last\n'));
    const section = md.slice(md.indexOf('## This period against the last'));
    for (const [email, person] of Object.entries(aggregated.breakdown!.people)) {
      const previous = aggregated.previous!.people[email]?.total_seconds ?? 0;
      const row = section.split('\n').find((l) => l.startsWith(`| ${person.name.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;')} |`));
      assert.ok(row, person.name);
      const cells = row.split(' | ');
      assert.equal(cells[1], `${(Math.round((previous / 3600) * 10) / 10).toFixed(1)} h`);
      assert.equal(cells[2], `${(Math.round((person.total_seconds / 3600) * 10) / 10).toFixed(1)} h`);
    }
    assert.match(section, /The largest changes: /);
  }
  assert.match(team.html, /id="chart-change-person"/);

  const none = reportData(4, { previousEmpty: true });
  const empty = await writeTogglSummary(none.aggregated, deterministicWriter());
  assert.match(empty.markdown, /The previous period \(2026-11-02 – 2026-11-15\) has no tracked time, so there is nothing to compare with\./);
  assert.ok(!empty.markdown.includes('### By person\n\n| Person | Previous'));

  const off = reportData(4, { previous: false });
  const offReport = await writeTeamReport(off.enriched, deterministicWriter());
  assert.ok(!offReport.markdown.includes('This period against the last'));
  assert.ok(!offReport.html.includes('chart-change'));
});

test('reports: the hygiene numbers equal the aggregates, with the score and its formula under it', async () => {
  const { enriched, aggregated } = reportData(6);
  const summary = await writeTogglSummary(aggregated, deterministicWriter());
  assert.match(summary.markdown, new RegExp(`\\*\\*Tracking hygiene score: ${aggregated.hygiene!.toggl_scores!.team} / 100\\*\\* \\(from the Toggl data alone`));
  const team = await writeTeamReport(enriched, deterministicWriter());
  const md = team.markdown.slice(team.markdown.indexOf('## Tracking hygiene'));
  assert.match(md, new RegExp(`\\*\\*Tracking hygiene score: ${enriched.hygiene!.team.score} / 100\\*\\*\\n\\nscore = 50 × `));
  const person2 = enriched.hygiene!.people['person2@example.com']!;
  const row = md.split('\n').find((l) => l.startsWith(`| ${person2.name} |`))!.split(' | ');
  assert.equal(row[1], String(person2.score));
  assert.equal(row[4], `${person2.no_tags.entries} · ${(Math.round((person2.no_tags.seconds / 3600) * 10) / 10).toFixed(1)} h`);
  assert.equal(row[5], `${person2.not_found.entries} · 2.0 h`, 'the ghost reference #9999');
  assert.equal(row[6], '2 · 0.5 h', 'two overlapping entries, 30 minutes counted twice');
  assert.match(md, /### Recommendations for tracking\n\n- /);
});
