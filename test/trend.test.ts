/**
 * Allocation over time (issue 22): a weekly run over a team with eight weeks of time shows the
 * last six weeks per type, project and person, equal to the data, in the markdown and the HTML
 * page. With none of the earlier weeks stored, one fetch pass covers them; with each stored as a
 * completed run, they come from those runs' aggregates (no Toggl request for them) and
 * run_metadata.json names the runs. On a real Temporal dev server against the simulators.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { addDays, trendPeriods, type Period } from '../src/config/period.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { generateWorkload } from '../src/sandbox/workload.js';
import { EnrichedDataSchema, RawTogglDataSchema, RunMetadataSchema, TogglAggregatedSchema } from '../src/storage/schemas.js';
import { buildFactPack } from '../src/reports/fact-pack.js';
import { buildTeamModel, TEAM_REPORT } from '../src/reports/team-report.js';
import { indexFacts, verifySections } from '../src/reports/verify.js';
import { labelsOf } from '../src/toggl/breakdown.js';
import { parseDescription } from '../src/toggl/description.js';
import type { PipelineInput } from '../src/workflows/contract.js';
import { loadDeliveredRun } from '../src/delivery/run-digest.js';
import { trendLine } from '../src/reports/digest.js';
import { runPipelineOn } from './support/pipeline.js';
import { startTestTemporal, type TestTemporal } from './support/temporal.js';

const FIRST_MONDAY = '2026-01-05';
const WEEKS = 8;
const week = (i: number): Period => ({ start_date: addDays(FIRST_MONDAY, 7 * i), end_date: addDays(FIRST_MONDAY, 7 * i + 6) });
const LAST = week(WEEKS - 1);
const TREND = trendPeriods(LAST, 6);

let temporal: TestTemporal;
let sandbox: Sandbox;
let work: string;

before(async () => {
  const dataset = generateWorkload({ people: 4, days: 7 * WEEKS, startDate: FIRST_MONDAY, entities: 24, seed: 22, name: 'Eight weeks' });
  [temporal, sandbox] = await Promise.all([startTestTemporal(), startSandbox({ limits: 'none', dataset })]);
  work = await mkdtemp(path.join(os.tmpdir(), 'volt-trend-'));
});
after(async () => {
  await sandbox?.close();
  await temporal?.stop();
  await rm(work, { recursive: true, force: true });
});

async function run(outputDir: string, runId: string, period: Period, extra: Partial<PipelineInput> = {}) {
  const { error } = await runPipelineOn(temporal, { ...period, run_id: runId, output_dir: outputDir, ...extra }, sandbox.env);
  assert.equal(error, null, String(error));
  return path.join(outputDir, runId);
}

const readJson = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as unknown;
const key = (p: Period) => `${p.start_date} – ${p.end_date}`;

/** The first header of each trend table. */
const TITLES: Record<string, string> = { 'By database / type': 'Database / Type', 'By project': 'Project', 'By person': 'Person' };

interface Figures {
  total: number;
  type: Map<string, number>;
  project: Map<string, number>;
  person: Map<string, number>;
}

/** Hours per type, project and person of one week, from that week's raw entries. */
async function figuresOf(runDir: string): Promise<Figures> {
  const raw = RawTogglDataSchema.parse(await readJson(path.join(runDir, 'raw_toggl_data.json')));
  const out: Figures = { total: 0, type: new Map(), project: new Map(), person: new Map() };
  const add = (map: Map<string, number>, label: string, seconds: number) => map.set(label, (map.get(label) ?? 0) + seconds / 3600);
  for (const e of raw.time_entries) {
    const labels = labelsOf(parseDescription(e.description));
    out.total += e.seconds / 3600;
    add(out.type, labels.type, e.seconds);
    add(out.project, labels.project, e.seconds);
    add(out.person, e.user_name, e.seconds);
  }
  return out;
}

/** A markdown table under `### heading` of the trend section: label → hours per period column. */
function markdownTable(markdown: string, headingText: string): { periods: string[]; rows: Map<string, number[]> } {
  const section = markdown.slice(markdown.indexOf('## Allocation over time'));
  const after = section.slice(section.indexOf(`### ${headingText}`));
  const lines = after.slice(after.indexOf(`| ${TITLES[headingText]} |`)).split('\n\n')[0]!.split('\n');
  const cells = (line: string) => line.slice(1, -1).split(' | ').map((c) => c.trim());
  const periods = cells(lines[0]!).slice(1);
  const rows = new Map<string, number[]>();
  for (const line of lines.slice(2)) {
    const [label, ...values] = cells(line);
    if (label!.includes('Total')) break;
    rows.set(label!.replace(/\\(.)/g, '$1'), values.map((v) => Number(/^([\d.]+) h/.exec(v)?.[1] ?? NaN)));
  }
  return { periods, rows };
}

/** The same table of the HTML page: the cells' text. */
function htmlTable(html: string, headingText: string): { periods: string[]; rows: Map<string, number[]> } {
  const section = html.slice(html.indexOf('<section id="trend">'));
  const tables = section.slice(section.indexOf(`<h3>${headingText}</h3>`)).split('</table>');
  const text = (cell: string) => cell.replace(/<[^>]*>/g, '').replace(/&amp;/g, '&').trim();
  const table = tables.find((t) => text(/<th[^>]*>([\s\S]*?)<\/th>/.exec(t)?.[1] ?? '') === TITLES[headingText])!;
  const rowsOf = [...table.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((m) => [...m[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => text(c[1]!)));
  const periods = rowsOf[0]!.slice(1);
  const rows = new Map<string, number[]>();
  for (const [label, ...values] of rowsOf.slice(1)) {
    if (label === 'Total') break;
    rows.set(label!, values.map((v) => Number(/^([\d.]+) h/.exec(v)?.[1] ?? NaN)));
  }
  return { periods, rows };
}

/** Every period's hours per type, project and person in the report equal the data within 0.1 h. */
function assertTrendEquals(report: { markdown: string; html: string }, expected: Map<string, Figures>): void {
  for (const [headingText, dimension] of [['By database / type', 'type'], ['By project', 'project'], ['By person', 'person']] as const) {
    for (const [format, table] of [['markdown', markdownTable(report.markdown, headingText)], ['html', htmlTable(report.html, headingText)]] as const) {
      assert.deepEqual(table.periods, TREND.map(key), `${format} ${headingText}: the periods, named by their dates`);
      const labels = new Set([...expected.values()].flatMap((f) => [...f[dimension].keys()]));
      assert.deepEqual(new Set(table.rows.keys()), labels, `${format} ${headingText}: the rows`);
      TREND.forEach((p, column) => {
        const figures = expected.get(key(p))!;
        for (const label of labels) {
          const shown = table.rows.get(label)![column]!;
          const actual = figures[dimension].get(label) ?? 0;
          assert.ok(Math.abs(shown - actual) <= 0.1, `${format} ${headingText} ${label} in ${key(p)}: ${shown} h shown, ${actual.toFixed(2)} h in the data`);
        }
      });
    }
  }
}

test('a weekly trend over eight weeks of time: from one fetch pass, then from the stored runs of the earlier weeks', async () => {
  // The data: each week on its own, as completed runs without a trend or a comparison.
  const stored = path.join(work, 'stored');
  const expected = new Map<string, Figures>();
  const storedIds = new Map<string, string>();
  for (const p of TREND) {
    const runId = `week_${p.start_date}`;
    const dir = await run(stored, runId, p, { trend: 0, compare: 'none' });
    expected.set(key(p), await figuresOf(dir));
    storedIds.set(key(p), runId);
  }
  for (const f of expected.values()) assert.ok(f.total > 10, 'every week has time');

  // Nothing stored: the earlier weeks and the comparison week come from one fetch pass.
  const fresh = path.join(work, 'fresh');
  let before = sandbox.requestLogs().toggl.length;
  const freshDir = await run(fresh, 'run_fresh', LAST, { trend: 6 });
  const searches = sandbox.requestLogs().toggl.slice(before).filter((e) => e.range);
  // One pass: the pages of one range, from the first week of the trend to the end of the run's week (+1 day, see fetch-plan.ts).
  const ranges = new Set(searches.map((s) => JSON.stringify(s.range)));
  assert.deepEqual([...ranges], [JSON.stringify({ start: TREND[0]!.start_date, end: addDays(LAST.end_date, 1) })], 'one range, fetched once');
  assert.equal(new Set(searches.map((s) => JSON.stringify(s.cursor))).size, searches.length, 'no page asked twice');
  const freshMeta = RunMetadataSchema.parse(await readJson(path.join(freshDir, 'run_metadata.json')));
  assert.deepEqual(
    freshMeta.trend,
    TREND.map((p, i) => ({ period: p, source: i === TREND.length - 1 ? 'this_run' : 'fetched', run_id: null })),
  );
  const freshReport = { markdown: await readFile(path.join(freshDir, 'reports/team_summary.md'), 'utf8'), html: await readFile(path.join(freshDir, 'reports/team_summary.html'), 'utf8') };
  assertTrendEquals(freshReport, expected);
  assert.match(freshReport.html, /<figure class="chart" id="chart-trend-types"/, 'the HTML page charts the trend');

  // Each earlier week stored as a completed run: no Toggl request for them, and the metadata names the runs.
  before = sandbox.requestLogs().toggl.length;
  const reuseDir = await run(stored, 'run_reuse', LAST, { trend: 6 });
  const reuseSearches = sandbox.requestLogs().toggl.slice(before).filter((e) => e.range);
  assert.ok(reuseSearches.length >= 1);
  for (const s of reuseSearches) assert.ok(s.range!.start >= LAST.start_date, `asked from ${s.range!.start}: no earlier week is fetched`);
  const reuseMeta = RunMetadataSchema.parse(await readJson(path.join(reuseDir, 'run_metadata.json')));
  assert.deepEqual(
    reuseMeta.trend,
    TREND.map((p, i) => (i === TREND.length - 1 ? { period: p, source: 'this_run', run_id: null } : { period: p, source: 'run', run_id: storedIds.get(key(p))! })),
  );
  const reuseReport = { markdown: await readFile(path.join(reuseDir, 'reports/team_summary.md'), 'utf8'), html: await readFile(path.join(reuseDir, 'reports/team_summary.html'), 'utf8') };
  assertTrendEquals(reuseReport, expected);
  assert.match(reuseReport.markdown, new RegExp(`\\| run ${storedIds.get(key(TREND[0]!))!.replace(/_/g, '\\\\_')} \\|`), 'the hygiene table names the run a week came from');
  // The comparison week came from its stored run too, and still compares.
  const aggregated = TogglAggregatedSchema.parse(await readJson(path.join(reuseDir, 'toggl_aggregated.json')));
  assert.equal(aggregated.previous?.period.start_date, TREND.at(-2)!.start_date);
  assert.ok(Math.abs(aggregated.previous!.total_seconds / 3600 - expected.get(key(TREND.at(-2)!))!.total) < 0.01);
  assert.match(reuseReport.markdown, /This period against the last/);

  // Some weeks stored, some not: one pass fetches the others and goes around the stored ones.
  const partial = path.join(work, 'partial');
  const kept = [TREND[0]!, TREND[2]!];
  for (const p of kept) await cp(path.join(stored, storedIds.get(key(p))!), path.join(partial, storedIds.get(key(p))!), { recursive: true });
  before = sandbox.requestLogs().toggl.length;
  const partialDir = await run(partial, 'run_partial', LAST, { trend: 6 });
  const partialSearches = sandbox.requestLogs().toggl.slice(before).filter((e) => e.range);
  for (const s of partialSearches) {
    // A chunk asks for its last day + 1 to learn whether the API's end date is inclusive: at most that day of a stored week.
    const asked = { start: s.range!.start, last: addDays(s.range!.end, -1) };
    for (const p of kept) assert.ok(asked.last < p.start_date || asked.start > p.end_date, `${JSON.stringify(s.range)} fetches the stored week ${key(p)}`);
  }
  assert.equal(partialSearches[0]!.range!.start, TREND[1]!.start_date, 'the first week is stored: the fetch starts with the second');
  const partialMeta = RunMetadataSchema.parse(await readJson(path.join(partialDir, 'run_metadata.json')));
  assert.deepEqual(
    partialMeta.trend?.map((t) => [t.source, t.run_id]),
    [['run', storedIds.get(key(TREND[0]!))], ['fetched', null], ['run', storedIds.get(key(TREND[2]!))], ['fetched', null], ['fetched', null], ['this_run', null]],
  );
  assertTrendEquals({ markdown: await readFile(path.join(partialDir, 'reports/team_summary.md'), 'utf8'), html: await readFile(path.join(partialDir, 'reports/team_summary.html'), 'utf8') }, expected);

  // The fact pack has the trend's figures, so a narrative's figure about an earlier week is checked like any other.
  const enriched = EnrichedDataSchema.parse(await readJson(path.join(reuseDir, 'enriched_data.json')));
  const model = buildTeamModel(enriched);
  const index = indexFacts(buildFactPack(TEAM_REPORT.facts(model)).facts, TEAM_REPORT.known(model));
  const firstWeek = expected.get(key(TREND[0]!))!.total.toFixed(1);
  assert.deepEqual(verifySections({ trend: `In the week of 2026-01-19 the team tracked ${firstWeek} h.` }, index), [], 'an earlier week\'s hours are in the facts');
  assert.equal(verifySections({ trend: 'In the week of 2026-01-19 the team tracked 999.9 h.' }, index).length, 1, 'a made-up figure is caught');

  // The digest carries the trend: each period's hours, and one line for Slack and e-mail.
  const { digest } = await loadDeliveredRun(reuseDir);
  assert.deepEqual(digest.trend?.map((t) => t.period), TREND);
  digest.trend!.forEach((t) => assert.ok(Math.abs(t.seconds / 3600 - expected.get(key(t.period))!.total) < 0.01, key(t.period)));
  assert.match(trendLine(digest)!, new RegExp(`^01-19: ${expected.get(key(TREND[0]!))!.total.toFixed(1)} h \\(\\d+% on entities\\) · 01-26: `));
});
