/**
 * `volt-agent init` and `volt-agent doctor` as a new team runs them, against the simulators serving
 * a workspace whose time is partly untagged and partly tagged with a type Fibery does not have.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { loadDataset, SAMPLE_DATASET_PATH, startSandbox, type Dataset, type Sandbox } from '../src/sandbox/index.js';
import { parseDescription } from '../src/toggl/description.js';
import { cliIn } from './support/cli-process.js';

let work: string;
let sandbox: Sandbox;
let dataset: Dataset;
const { volt } = cliIn(() => work);
const PERIOD = { start_date: '2026-10-26', end_date: '2026-11-22' };
const INIT = ['init', '--weeks', '4', '--end-date', PERIOD.end_date];

before(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'volt-setup-'));
  const sample = await loadDataset(SAMPLE_DATASET_PATH);
  // Every fifth Scrum/Task entry is tagged with a type the workspace lacks; a running entry gets a stop.
  let n = 0;
  const entries = sample.toggl.time_entries.map((e) => {
    const stop = e.stop ?? new Date(Date.parse(e.start) + 3600_000).toISOString();
    const retagged = /\[Scrum\] \[Task\]/.test(e.description) && n++ % 5 === 0 ? e.description.replace('[Scrum] [Task]', '[Scrum] [Story]') : e.description;
    return { ...e, stop, description: retagged };
  });
  dataset = { ...sample, toggl: { ...sample.toggl, time_entries: entries } };
  // Pages of 1000 rows (what the client asks; the default simulator serves 200): one page a run, at the paced 1 request a second.
  sandbox = await startSandbox({ dataset, togglOptions: { maxPageSize: 1000 }, llm: true });
});
after(async () => {
  await sandbox?.close();
  await rm(work, { recursive: true, force: true });
});

/** The user's environment: the sandbox's tokens, a home of its own (so the per-user config dir is the test's). */
const envWith = (extra: Record<string, string> = {}) => ({ ...sandbox.env, HOME: path.join(work, 'home'), XDG_CONFIG_HOME: path.join(work, 'xdg'), ...extra });
const userDir = () => path.join(work, 'xdg', 'volt-agent');

/** What the workspace holds, computed from the dataset (not through the CLI's code path). */
function expected() {
  const inPeriod = dataset.toggl.time_entries.filter((e) => e.start.slice(0, 10) >= PERIOD.start_date && e.start.slice(0, 10) <= PERIOD.end_date);
  let total = 0;
  let tagged = 0;
  const hours = new Map<string, number>();
  for (const e of inPeriod) {
    const seconds = (Date.parse(e.stop!) - Date.parse(e.start)) / 1000;
    total += seconds;
    const p = parseDescription(e.description);
    if (!p.entityId || !p.database || !p.type) continue;
    tagged += seconds;
    const key = `${p.database}/${p.type}`;
    hours.set(key, (hours.get(key) ?? 0) + seconds / 3600);
  }
  return { rate: tagged / total, hours };
}

interface InitJson {
  match_rate: number;
  types: { key: string; entries: number; hours: number; exists: boolean; nearest: string[] }[];
  people: { email: string; hours: number }[];
  config_dir: string;
}

test('init --dry-run prints the findings and writes nothing', async () => {
  const r = await volt([...INIT, '--dry-run', '--json'], envWith());
  assert.equal(r.code, 0, r.stderr);
  const found = JSON.parse(r.stdout) as InitJson;
  assert.equal(found.config_dir, userDir());
  assert.ok(!existsSync(userDir()), 'nothing written');
  assert.match(r.stderr, /Toggl: page \d+, \d+ entries so far/, 'a progress line per page');
});

test('init: match rate, every type with its hours, the missing type flagged; the config names only fields that exist', async () => {
  const r = await volt([...INIT, '--json'], envWith());
  assert.equal(r.code, 0, r.stderr);
  const found = JSON.parse(r.stdout) as InitJson;
  const want = expected();
  assert.ok(Math.abs(found.match_rate - want.rate) <= 0.01, `match rate ${found.match_rate} vs ${want.rate}`);
  assert.deepEqual(found.types.map((t) => t.key).sort(), [...want.hours.keys()].sort());
  for (const t of found.types) assert.ok(Math.abs(t.hours - want.hours.get(t.key)!) <= 0.1, `${t.key}: ${t.hours} h vs ${want.hours.get(t.key)}`);
  const story = found.types.find((t) => t.key === 'Scrum/Story')!;
  assert.equal(story.exists, false);
  assert.ok(story.nearest.length > 0, 'the nearest existing type is named');
  assert.ok(found.types.filter((t) => t.key !== 'Scrum/Story').every((t) => t.exists));
  assert.equal(found.people.length, dataset.toggl.users.length);

  const config = parse(await readFile(path.join(userDir(), 'enrichment_config.yaml'), 'utf8')) as { enrichment_activities: Record<string, { fields: string[] }> };
  assert.ok(!('Scrum/Story' in config.enrichment_activities), 'no entry for a type the workspace lacks');
  const fieldsOf = (key: string) => {
    const [space, type] = key.split('/');
    return new Set(dataset.fibery.spaces.find((s) => s.name === space)!.types.find((t) => t.name === type)!.fields.map((f) => f.name));
  };
  for (const [key, entry] of Object.entries(config.enrichment_activities)) {
    if (key === 'default') continue;
    const real = fieldsOf(key);
    for (const f of entry.fields) assert.ok(real.has(f), `${key} has "${f}"`);
  }
  assert.ok(config.enrichment_activities['Scrum/Feature']!.fields.includes('Planned Release Date'), 'a real date field of Scrum/Feature');
  assert.ok(existsSync(path.join(userDir(), 'config.yaml')));
});

test('a second init does not overwrite: one line, exit 2', async () => {
  const file = path.join(userDir(), 'enrichment_config.yaml');
  await writeFile(file, `# edited by hand\n${await readFile(file, 'utf8')}`);
  const before = await readFile(file, 'utf8');
  const r = await volt(INIT, envWith());
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr.trim(), /^volt-agent: .*already exist.*--force/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.equal(await readFile(file, 'utf8'), before);
});

test('doctor finds the config init wrote by itself: all good; a planted wrong field is exit 2 with the nearest names', async () => {
  const good = await volt(['doctor', '--json'], envWith());
  assert.equal(good.code, 0, good.stdout + good.stderr);
  const report = JSON.parse(good.stdout) as { config_dir: string; checks: { check: string; status: string; message: string }[] };
  assert.equal(report.config_dir, userDir());
  assert.match(report.checks.find((c) => c.check === 'toggl-quota')!.message, /\d+ requests of the hourly quota left/);
  assert.equal(report.checks.find((c) => c.check === 'llm')!.status, 'ok', 'the LLM key works');

  const file = path.join(userDir(), 'enrichment_config.yaml');
  await writeFile(file, (await readFile(file, 'utf8')).replace('- Actual Release Date', '- Release Date'));
  const bad = await volt(['doctor'], envWith());
  assert.equal(bad.code, 2, bad.stdout + bad.stderr);
  const problems = bad.stdout.split('\n').filter((l) => l.startsWith('PROBLEM'));
  assert.deepEqual(problems, ['PROBLEM types: Scrum/Feature has no field "Release Date"; did you mean "Planned Release Date" or "Actual Release Date"?']);
});

test('doctor with a wrong Fibery token: one line, exit 3', async () => {
  const r = await volt(['doctor'], envWith({ FIBERY_API_TOKEN: 'not-the-token' }));
  assert.equal(r.code, 3, r.stdout + r.stderr);
  const problems = r.stdout.split('\n').filter((l) => l.startsWith('PROBLEM'));
  assert.equal(problems.length, 1, r.stdout);
  assert.match(problems[0]!, /Fibery rejected the token in FIBERY_API_TOKEN \(HTTP 401\)/);
  assert.ok(!r.stdout.includes('not-the-token'), 'the token is never shown');
});
