/**
 * Nothing starts until the input is known good (issue 8 item 4): every bad flag, environment
 * variable, config file and directory is one line on stderr and exit 2, with no stack trace and
 * nothing created: no output directory, no state directory (so no background service), no run
 * directory, and an earlier run byte-identical afterwards. No Temporal server is needed.
 * Every case runs through the CLI's `main` in this process; a sample of them also runs as a
 * process of its own, which must say exactly the same.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { main } from '../src/cli/main.js';
import { loadDataset, SAMPLE_DATASET_PATH, startTogglServer, type TogglServer } from '../src/sandbox/index.js';
import { runMetadata } from './support/run-metadata.js';

const BIN = path.resolve('bin/volt-agent.js');
const EARLIER = 'run_2026-11-16-09-00-00';
const DAMAGED = 'run_2026-11-17-09-00-00';

let work: string;
/** A Toggl simulator: what only the API can tell (a wrong token, an unknown --users email). */
let toggl: TogglServer;
const TOGGL_TOKEN = 'toggl-sim-token';
const runs = () => path.join(work, 'runs');
const state = () => path.join(work, 'state');

/** A completed run as the pipeline leaves it, small enough to write by hand. */
async function writeEarlierRun(runId: string, aggregated: string): Promise<void> {
  const dir = path.join(runs(), runId);
  await mkdir(path.join(dir, 'reports'), { recursive: true });
  const period = { start_date: '2026-11-09', end_date: '2026-11-15' };
  const metadata = runMetadata(runId, {
    created_at: '2026-11-16T09:00:00.000Z',
    updated_at: '2026-11-16T09:01:35.000Z',
    parameters: period,
    stats: { entries: 0, users: 0, entities: 0 },
  });
  await writeFile(path.join(dir, 'run_metadata.json'), `${JSON.stringify(metadata, null, 2)}\n`);
  await writeFile(path.join(dir, 'toggl_aggregated.json'), aggregated);
  await writeFile(path.join(dir, 'enriched_data.json'), '{"entities": []}\n');
  await writeFile(path.join(dir, 'reports', 'team_summary.md'), '# Team\n');
}

const validAggregated = JSON.stringify({
  period: { start_date: '2026-11-09', end_date: '2026-11-15' },
  generated_at: '2026-11-16T09:00:30.000Z',
  users: {},
  entities: [],
  totals: { total_seconds: 0, matched_seconds: 0, unmatched_seconds: 0, users: 0, entries: 0, entities: 0, running_entries: 0 },
  notes: [],
});

/** Every file under `dir` with its content hash and mtime: "byte-identical and not rewritten". */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  const walk = async (current: string) => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) await walk(full);
      else result[path.relative(dir, full)] = `${createHash('sha256').update(await readFile(full)).digest('hex')} ${(await stat(full)).mtimeMs}`;
    }
  };
  await walk(dir);
  return result;
}

before(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'volt-bad-input-'));
  toggl = await startTogglServer({ dataset: await loadDataset(SAMPLE_DATASET_PATH), token: TOGGL_TOKEN });
  await writeEarlierRun(EARLIER, validAggregated);
  await writeEarlierRun(DAMAGED, '{"period": {"start_date": "2026-11-09"}, "users": ');
  await writeFile(path.join(work, 'a-file'), 'not a directory\n');
  await writeFile(path.join(work, 'broken.toml'), '[profile.default\naddress = "x"\n');
  await writeFile(path.join(work, 'profiles.toml'), '[profile.prod]\naddress = "prod.example:7233"\n');
  for (const [name, file, from, to] of [
    ['provider', 'config.yaml', /provider:\s*\n/, 'provider: opnai\n'],
    ['temperature', 'config.yaml', 'temperature: 0.2', 'temperature: hot'],
    ['week_start', 'config.yaml', 'week_start: monday', 'week_start: mondy'],
    ['activity', 'enrichment_config.yaml', 'activity: enrich_scrum_bug', 'activity: enrich_scrum_bugs'],
  ] as const) {
    const dir = path.join(work, `config-${name}`);
    await cp(path.resolve('config'), dir, { recursive: true });
    const text = await readFile(path.join(dir, file), 'utf8');
    const changed = text.replace(from, to);
    assert.notEqual(changed, text, `${name}: the fixture changes ${file}`);
    await writeFile(path.join(dir, file), changed);
  }
});

after(async () => {
  await toggl?.close();
  await rm(work, { recursive: true, force: true });
});

/** A user who has set everything up right: each case breaks one thing. */
function goodEnv(): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(TOGGL_|FIBERY_|OPENAI_|ANTHROPIC_|VOLT_|TEMPORAL_(?!CLI_PATH))/.test(k)));
  return {
    ...clean,
    TOGGL_API_TOKEN: 'toggl-token-1234',
    TOGGL_WORKSPACE_ID: '123456',
    FIBERY_API_TOKEN: 'fibery-token-5678',
    FIBERY_WORKSPACE: 'acme',
    VOLT_STATE_DIR: state(),
    XDG_CONFIG_HOME: path.join(work, 'no-temporal-config'),
  };
}

const PERIOD = ['--start-date', '2026-11-09', '--end-date', '2026-11-15'];
const out = (name: string) => path.join(work, `out-${name}`);

interface Case {
  name: string;
  args: (outputDir: string) => string[];
  env?: Record<string, string | undefined>;
  message: RegExp;
  /** Text that must not appear anywhere (a secret's value). */
  hidden?: string;
}

const run = (extra: string[] = []) => (o: string) => ['run', ...PERIOD, '--output-dir', o, ...extra];
const fibery = (runId: string, extra: string[] = []) => () => ['run', '--start-from', 'fibery', '--run-id', runId, '--output-dir', runs(), ...extra];

const cases: Case[] = [
  // flags
  { name: 'impossible date', args: (o) => ['run', '--start-date', '2026-02-30', '--end-date', '2026-03-02', '--output-dir', o], message: /--start-date "2026-02-30" is not a valid date/ },
  { name: 'end before start', args: (o) => ['run', '--start-date', '2026-11-15', '--end-date', '2026-11-09', '--output-dir', o], message: /--end-date 2026-11-09 is before --start-date 2026-11-15/ },
  { name: 'no dates', args: (o) => ['run', '--output-dir', o], message: /--period \(e\.g\. last-week\) or --start-date and --end-date \(YYYY-MM-DD\) are required/ },
  { name: 'malformed period', args: (o) => ['run', '--period', 'last-fortnight', '--output-dir', o], message: /--period "last-fortnight" is not a period: use last-week, this-week, last-month, this-month, YYYY-Www/ },
  { name: 'no such ISO week', args: (o) => ['run', '--period', '2021-W53', '--output-dir', o], message: /--period "2021-W53": 2021 has no ISO week 53/ },
  { name: 'no such month', args: (o) => ['run', '--period', '2026-13', '--output-dir', o], message: /--period "2026-13" is not a period/ },
  { name: 'period range backwards', args: (o) => ['run', '--period', '2026-11-15..2026-11-09', '--output-dir', o], message: /--period "2026-11-15\.\.2026-11-09": 2026-11-09 is before 2026-11-15/ },
  { name: 'period and dates', args: run(['--period', 'last-week']), message: /--period replaces --start-date\/--end-date: give one or the other/ },
  { name: 'trend not a number', args: run(['--trend', 'six']), message: /--trend must be a whole number from 0 to 26, not "six"/ },
  { name: 'period for an earlier run', args: fibery(EARLIER, ['--period', 'last-week']), message: /--period\/--start-date\/--end-date cannot change run "run_2026-11-16-09-00-00"/ },
  { name: 'trend for an earlier run', args: fibery(EARLIER, ['--trend', '4']), message: /--trend cannot change run "run_2026-11-16-09-00-00"/ },
  { name: 'bad email', args: run(['--users', 'ann@example.com,bob']), message: /--users: "bob" is not an email address/ },
  { name: 'unknown stage', args: run(['--start-from', 'reports']), message: /--start-from must be one of toggl, fibery, not "reports"/ },
  { name: 'fibery without run id', args: (o) => ['run', '--start-from', 'fibery', '--output-dir', o], message: /--start-from fibery needs --run-id/ },
  { name: 'run id with a slash', args: run(['--run-id', 'a/b']), message: /invalid run id "a\/b"/ },
  { name: 'run id ..', args: (o) => ['run', '--start-from', 'fibery', '--run-id', '..', '--output-dir', o], message: /invalid run id "\.\."/ },
  { name: 'run id escaping upwards', args: run(['--run-id', '../x']), message: /invalid run id "\.\.\/x"/ },
  { name: 'impossible month', args: (o) => ['run', '--start-date', '2025-13-01', '--end-date', '2025-13-05', '--output-dir', o], message: /--start-date "2025-13-01" is not a valid date/ },
  { name: 'run id taken', args: () => ['run', ...PERIOD, '--run-id', EARLIER, '--output-dir', runs()], message: /run "run_2026-11-16-09-00-00" already exists/ },
  { name: 'unknown run', args: fibery('run_2020-01-01-00-00-00'), message: /no run "run_2020-01-01-00-00-00"/ },
  { name: 'new period for an earlier run', args: fibery(EARLIER, ['--start-date', '2026-11-01']), message: /cannot change run "run_2026-11-16-09-00-00"/ },
  { name: 'damaged earlier run', args: fibery(DAMAGED), message: /toggl_aggregated\.json is not valid JSON/ },
  { name: 'latency not a number', args: run(['--sandbox', '--sandbox-latency', 'fast']), message: /--sandbox-latency must be a whole number from 0 to 60000, not "fast"/ },
  { name: 'latency too long', args: run(['--sandbox', '--sandbox-latency', '70000']), message: /--sandbox-latency must be a whole number from 0 to 60000/ },
  { name: 'dataset without sandbox', args: run(['--dataset', 'x.json']), message: /--dataset needs --sandbox/ },
  { name: 'missing dataset', args: run(['--sandbox', '--dataset', '/nonexistent/dataset.json']), message: /Cannot read dataset \/nonexistent\/dataset\.json: file not found/ },
  // environment
  { name: 'no Toggl token', args: run(), env: { TOGGL_API_TOKEN: undefined }, message: /^TOGGL_API_TOKEN is not set: / },
  { name: 'no Toggl workspace', args: run(), env: { TOGGL_WORKSPACE_ID: '' }, message: /^TOGGL_WORKSPACE_ID is not set: / },
  { name: 'workspace id not digits', args: run(), env: { TOGGL_WORKSPACE_ID: 'acme' }, message: /^TOGGL_WORKSPACE_ID="acme" is not a number: / },
  { name: 'no Fibery token', args: run(), env: { FIBERY_API_TOKEN: undefined }, message: /^FIBERY_API_TOKEN is not set: / },
  { name: 'no Fibery workspace', args: run(), env: { FIBERY_WORKSPACE: undefined }, message: /^FIBERY_WORKSPACE is not set: .*FIBERY_API_URL/ },
  { name: 'Fibery workspace as a URL', args: run(), env: { FIBERY_WORKSPACE: 'https://acme.fibery.io' }, message: /^FIBERY_WORKSPACE="https:\/\/acme\.fibery\.io" is not a Fibery account name: use the account name only/ },
  { name: 'Toggl URL', args: run(), env: { TOGGL_API_URL: 'not-a-url' }, message: /^TOGGL_API_URL="not-a-url" is not an http\(s\) URL: / },
  { name: 'Fibery URL', args: run(), env: { FIBERY_API_URL: 'ftp://acme.fibery.io' }, message: /^FIBERY_API_URL="ftp:\/\/acme\.fibery\.io" is not an http\(s\) URL/ },
  { name: 'OpenAI URL', args: run(), env: { OPENAI_BASE_URL: 'localhost:11434' }, message: /^OPENAI_BASE_URL="localhost:11434" is not an http\(s\) URL/ },
  { name: 'Anthropic URL', args: run(), env: { ANTHROPIC_BASE_URL: 'http//api.anthropic.com' }, message: /^ANTHROPIC_BASE_URL=".*" is not an http\(s\) URL/ },
  { name: 'LLM provider typo', args: run(), env: { VOLT_LLM_PROVIDER: 'opnai' }, message: /^VOLT_LLM_PROVIDER="opnai" is not a known LLM provider: use one of openai, anthropic/ },
  { name: 'LLM provider without its key', args: run(), env: { VOLT_LLM_PROVIDER: 'anthropic' }, message: /ANTHROPIC_API_KEY is not set/ },
  { name: 'token with a space', args: run(), env: { TOGGL_API_TOKEN: 'abc secret-value' }, message: /^TOGGL_API_TOKEN contains whitespace: /, hidden: 'secret-value' },
  { name: 'worker slots', args: run(), env: { VOLT_WORKER_MAX_CONCURRENT_ACTIVITIES: '0' }, message: /^VOLT_WORKER_MAX_CONCURRENT_ACTIVITIES="0" must be at least 1/ },
  { name: 'idle seconds', args: run(), env: { VOLT_SERVICE_IDLE_SECONDS: 'soon' }, message: /^VOLT_SERVICE_IDLE_SECONDS="soon" is not a number of seconds/ },
  { name: 'Temporal address without port', args: run(), env: { TEMPORAL_ADDRESS: 'localhost' }, message: /^TEMPORAL_ADDRESS="localhost" is not host:port/ },
  { name: 'TLS flag', args: run(), env: { TEMPORAL_TLS: 'maybe' }, message: /^TEMPORAL_TLS="maybe" must be true, false, 1 or 0/ },
  { name: 'sandbox on a server of your own', args: run(['--sandbox']), env: { TEMPORAL_ADDRESS: '127.0.0.1:1' }, message: /--sandbox runs its simulators next to the embedded Temporal server/ },
  { name: 'unknown Temporal profile', args: run(), env: { TEMPORAL_CONFIG_FILE: 'PROFILES', TEMPORAL_PROFILE: 'staging' }, message: /Temporal connection settings .*Profile 'staging' not found/ },
  // what only the Toggl API can tell, with the users request the run makes anyway
  { name: 'wrong Toggl token', args: run(), env: { TOGGL_API_URL: 'TOGGL-SIM', TOGGL_API_TOKEN: 'wrong-token-value' }, message: /^Toggl rejected the token in TOGGL_API_TOKEN \(HTTP 40[13]\)/, hidden: 'wrong-token-value' },
  {
    name: 'unknown --users email',
    args: run(['--users', 'zoe.muller@acme.example,nobody@example.com']),
    env: { TOGGL_API_URL: 'TOGGL-SIM', TOGGL_API_TOKEN: 'TOGGL-SIM-TOKEN', TOGGL_WORKSPACE_ID: '4242' },
    message: /^no Toggl user with email nobody@example\.com in workspace 4242; check --users/,
  },
  { name: 'unknown --users email in the sandbox', args: run(['--sandbox', '--users', 'nobody@example.com']), message: /^no Toggl user with email nobody@example\.com in workspace 4242; check --users/ },
  { name: 'broken Temporal config file', args: run(), env: { TEMPORAL_CONFIG_FILE: 'BROKEN' }, message: /Temporal connection settings .*broken\.toml/ },
  // config files
  { name: 'provider typo in config.yaml', args: run(), env: { VOLT_CONFIG_DIR: 'CONFIG-provider' }, message: /config\.yaml: llm\.provider: unknown provider "opnai": use one of openai, anthropic/ },
  { name: 'temperature not a number', args: run(), env: { VOLT_CONFIG_DIR: 'CONFIG-temperature' }, message: /config\.yaml: llm\.temperature/ },
  { name: 'unknown week start in config.yaml', args: (o) => ['run', '--period', 'last-week', '--output-dir', o], env: { VOLT_CONFIG_DIR: 'CONFIG-week_start' }, message: /config\.yaml: periods\.week_start: unknown weekday "mondy": use one of monday/ },
  { name: 'unknown enrichment activity', args: run(), env: { VOLT_CONFIG_DIR: 'CONFIG-activity' }, message: /enrichment_config\.yaml: enrichment_activities\.Scrum\/Bug\.activity: unknown activity "enrich_scrum_bugs"/ },
  // directories
  { name: 'output dir is a file', args: () => ['run', ...PERIOD, '--output-dir', path.join(work, 'a-file')], message: /--output-dir .*a-file is a file, not a directory/ },
  { name: 'output dir under a file', args: () => ['run', ...PERIOD, '--output-dir', path.join(work, 'a-file', 'runs')], message: /--output-dir .* cannot be created: .*a-file is a file/ },
  { name: 'state dir is a file', args: run(), env: { VOLT_STATE_DIR: 'A-FILE' }, message: /VOLT_STATE_DIR .*a-file is a file, not a directory/ },
  // other commands
  { name: 'list-runs limit', args: (o) => ['list-runs', '--limit', '0', '--output-dir', o], message: /--limit must be a whole number ≥ 1, not "0"/ },
  { name: 'cancel-run wait', args: () => ['cancel-run', '--run-id', EARLIER, '--wait', 'long', '--output-dir', runs()], message: /--wait must be a number of seconds ≥ 0, not "long"/ },
  { name: 'cancel a finished run', args: () => ['cancel-run', '--run-id', EARLIER, '--output-dir', runs()], message: /is completed since .*nothing to cancel/ },
  { name: 'worker with a bad slot count', args: () => ['worker', '--max-concurrent-activities', 'many'], message: /--max-concurrent-activities must be a whole number ≥ 1, not "many"/ },
];

/** Placeholders in env values that name fixtures of this run's work directory. */
function resolveEnv(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const fixtures: Record<string, string> = {
    PROFILES: path.join(work, 'profiles.toml'),
    BROKEN: path.join(work, 'broken.toml'),
    'A-FILE': path.join(work, 'a-file'),
    'TOGGL-SIM': toggl.url,
    'TOGGL-SIM-TOKEN': TOGGL_TOKEN,
  };
  return Object.fromEntries(
    Object.entries(env).map(([k, v]) => [k, v === undefined ? undefined : (fixtures[v] ?? (v.startsWith('CONFIG-') ? path.join(work, v.toLowerCase()) : v))]),
  );
}

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** The command as a user runs it: its own Node process. */
async function voltProcess(args: string[], env: NodeJS.ProcessEnv): Promise<Outcome> {
  return promisify(execFile)(process.execPath, [BIN, ...args], { cwd: work, env, timeout: 60_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

/**
 * The same command in this process (`main` is what bin/volt-agent.js calls), with this environment
 * and its output captured: about 0.3 CPU-seconds less per case than a process of its own. One at
 * a time, as it swaps process.env and the output streams' write.
 */
async function voltInProcess(args: string[], env: NodeJS.ProcessEnv): Promise<Outcome> {
  const saved = { env: process.env, cwd: process.cwd(), out: process.stdout.write, err: process.stderr.write };
  const captured = { stdout: '', stderr: '' };
  const capture = (stream: 'stdout' | 'stderr') =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      captured[stream] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof process.stdout.write;
  process.env = { ...env };
  process.chdir(work);
  process.stdout.write = capture('stdout');
  process.stderr.write = capture('stderr');
  try {
    const code = await main([process.execPath, BIN, ...args]);
    return { code, ...captured };
  } finally {
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
    process.chdir(saved.cwd);
    process.env = saved.env;
  }
}

const envOf = (c: Case): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...goodEnv(), ...resolveEnv(c.env ?? {}) };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return env;
};
const outOf = (c: Case) => out(c.name.replace(/\W+/g, '-'));

/** What is wrong with a refusal: not exit 2, not one line, a stack, something created. */
function problemsOf(c: Case, result: Outcome): string[] {
  const lines = result.stderr.trim().split('\n').filter((l) => !l.startsWith('(run with --help'));
  return [
    result.code !== 2 && `exit ${result.code}`,
    lines.length !== 1 && `${lines.length} lines`,
    !c.message.test(lines[0]?.replace(/^(volt-agent|error): /, '') ?? '') && `message does not match ${c.message}`,
    /\n\s+at /.test(result.stderr) && 'a stack trace',
    result.stdout !== '' && 'output on stdout',
    c.hidden !== undefined && (result.stderr + result.stdout).includes(c.hidden) && 'the secret was echoed',
    existsSync(outOf(c)) && 'the output dir was created',
    existsSync(state()) && 'the state dir was created',
  ].filter((p): p is string => typeof p === 'string');
}

test(`${cases.length} bad inputs: exit 2, one line, no stack, nothing created, earlier runs untouched`, async () => {
  assert.ok(cases.length >= 25);
  const earlier = await snapshot(runs());
  const failures: string[] = [];
  for (const c of cases) {
    const result = await voltInProcess(c.args(outOf(c)), envOf(c));
    const problems = problemsOf(c, result);
    if (problems.length) failures.push(`${c.name}: ${problems.join(', ')}\n  stderr: ${result.stderr.trim()}`);
  }
  assert.deepEqual(failures, []);
  assert.deepEqual(await snapshot(runs()), earlier, 'the earlier runs are byte-identical and were not rewritten');
  assert.ok((await stat(path.join(work, 'a-file'))).isFile(), 'the file in the way is still a file');
});

test('the installed command refuses them the same way: a flag, a variable, a config file and a run directory, each in its own process', async () => {
  const earlier = await snapshot(runs());
  const sample = ['impossible date', 'token with a space', 'unknown enrichment activity', 'damaged earlier run'].map((name) => cases.find((c) => c.name === name)!);
  const results = await Promise.all(sample.map(async (c) => ({ c, own: await voltProcess(c.args(outOf(c)), envOf(c)) })));
  for (const { c, own } of results) {
    assert.deepEqual(problemsOf(c, own), [], `${c.name}: ${own.stderr}`);
    assert.deepEqual(own, await voltInProcess(c.args(outOf(c)), envOf(c)), `${c.name}: the same exit, stdout and stderr in and out of process`);
  }
  assert.deepEqual(await snapshot(runs()), earlier);
});
