/**
 * Workers on several machines: two `volt-agent worker`s with separate working, output and state
 * directories, one Temporal server, the run files in a real S3-compatible store (versitygw). The
 * CLI runs from directories that are no worker's. Every command runs as the user runs it:
 * bin/volt-agent.js in a child process. Part of `npm run test:s3`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { parseEnv } from '../../src/config/env.js';
import { openRunStore } from '../../src/storage/open-store.js';
import type { RunStore } from '../../src/storage/run-store.js';
import { RunMetadataSchema } from '../../src/storage/schemas.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { repeatedPages } from '../../src/sandbox/toggl-server.js';
import { maxInWindow } from '../../src/sandbox/request-log.js';
import { ensureTemporalBinary } from '../../src/temporal/binary.js';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server.js';
import { workflowIdFor } from '../../src/workflows/contract.js';
import { cliIn, type Spawned } from '../support/cli-process.js';
import { buildDataset } from '../support/datasets.js';
import { createBucket, startTestS3, type TestS3 } from '../support/versitygw.js';

let work: string;
const BUCKET = 'volt-runs';
const PREFIX = 'team';

let server: DevServer;
let sandbox: Sandbox;
let s3: TestS3;
let client: Client;
let connection: Connection;
let store: RunStore;
const workers: { name: string; dir: string; proc: Spawned }[] = [];

/** Each "machine" is a directory of its own: the process's working directory and its state. */
const machine = (name: string) => path.join(work, name);
const { userEnv, spawnVolt } = cliIn(() => work);

/** What every process of the topology has: the Temporal server and the store (no API tokens). */
const shared = (): Record<string, string> => ({ TEMPORAL_ADDRESS: server.address, VOLT_WORKER_SHUTDOWN_GRACE_SECONDS: '5', ...s3.env(BUCKET, PREFIX) });

/** The CLI on a machine that is no worker: its own directory, no tokens. */
async function cli(name: string, args: string[], extra: Record<string, string> = {}) {
  await mkdir(machine(name), { recursive: true });
  const { execFile } = await import('node:child_process');
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [path.resolve('bin/volt-agent.js'), ...args], { cwd: machine(name), env: userEnv({ ...shared(), VOLT_STATE_DIR: path.join(machine(name), 'state'), ...extra }), timeout: 300_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function spawnCli(name: string, args: string[]): Spawned {
  return spawnVolt(args, {}, userEnv({ ...shared(), VOLT_STATE_DIR: path.join(machine(name), 'state') }));
}

async function startWorker(name: string): Promise<void> {
  const dir = machine(name);
  await mkdir(dir, { recursive: true });
  const env = userEnv({ ...shared(), ...sandbox.env, VOLT_STATE_DIR: path.join(dir, 'state') });
  const { spawnProcess } = cliIn(() => dir);
  // One activity at a time: while a worker is busy, the next concurrent activity (a second
  // enrichment batch, another person report) can only go to the other one.
  const proc = spawnProcess(process.execPath, [path.resolve('bin/volt-agent.js'), 'worker', '--max-concurrent-activities', '1'], env);
  workers.push({ name, dir, proc });
  await proc.waitFor(/Worker polling task queue volt-agent-pipeline/, 120_000);
  assert.match(proc.output(), new RegExp(`Run store: s3://${BUCKET}/${PREFIX} \\(${s3.endpoint.replace(/[.]/g, '\\.')}\\)`));
}

/** Every file under `dir` (relative), to show that a worker kept no run file. */
async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) if (entry.isFile()) out.push(path.relative(dir, path.join(entry.parentPath, entry.name)));
  return out;
}

/**
 * The worker identities (`pid@host`) that ran the workflow's activities: regular ones (an activity
 * task each) and local ones (run by the worker of the workflow task that recorded them).
 */
async function activityWorkers(runId: string): Promise<Set<string>> {
  const history = await client.workflow.getHandle(workflowIdFor(runId)).fetchHistory();
  const identities = (history.events ?? []).map((e) => e.activityTaskStartedEventAttributes?.identity ?? e.workflowTaskStartedEventAttributes?.identity);
  return new Set(identities.filter((i): i is string => Boolean(i)));
}

const runIdOf = (output: string) => /Run (run_\S+) started/.exec(output)?.[1] ?? null;

before(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'volt-s3-workers-'));
  [server, sandbox, s3] = await Promise.all([
    // The server's own partitions (four a task queue), as an operator's cluster and Temporal Cloud have.
    startDevServer({ binaryPath: await ensureTemporalBinary(), taskQueuePartitions: 'server-default' }),
    // Pages of 4 entries (several Toggl pages to stop the store between), Fibery answers in 400 ms
    // (an enrichment long enough to kill the worker doing it).
    startSandbox({
      dataset: buildDataset([{ space: 'Scrum', type: 'Task', count: 6 }, { space: 'Scrum', type: 'Bug', count: 3 }], { people: 3 }),
      fiberyLatencyMs: 400,
      togglOptions: { maxPageSize: 4 },
    }),
    startTestS3(),
  ]);
  await createBucket(s3, BUCKET);
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection });
  store = openRunStore(parseEnv(s3.env(BUCKET, PREFIX)), '/nowhere', { patienceMs: 0 });
  await Promise.all([startWorker('worker-a'), startWorker('worker-b')]);
});

after(async () => {
  for (const w of workers) if (w.proc.child.exitCode === null) w.proc.child.kill('SIGKILL');
  await connection?.close();
  await sandbox?.close();
  await server?.stop();
  await s3?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('two workers with separate disks, the run files in an S3-compatible store', () => {
  let firstRun: string;

  test('a run started from a third machine completes; both workers executed activities; neither keeps a run file', async (t) => {
    const before = s3.requests();
    const run = await cli('laptop', ['run', '--start-date', '2026-11-09', '--end-date', '2026-11-22', '--json']);
    const after = s3.requests();
    const used = Object.fromEntries(Object.keys(after).sort().map((k) => [k, after[k]! - (before[k] ?? 0)]));
    t.diagnostic(`store requests for one run (${sandbox.requestLogs().toggl.filter((e) => e.pageKey).length} Toggl pages): ${JSON.stringify(used)}`);
    assert.ok((used.PUT ?? 0) > 0 && (used.GET ?? 0) > 0, JSON.stringify(used));
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { run_id: string; run_dir: string };
    firstRun = result.run_id;
    assert.equal(result.run_dir, `s3://${BUCKET}/${PREFIX}/${firstRun}`);

    const metadata = await store.run(firstRun).readJson('run_metadata.json', RunMetadataSchema);
    assert.equal(metadata.status, 'completed');
    assert.ok((await store.run(firstRun).read('reports/team_summary.html')).length > 1000);
    const identities = await activityWorkers(firstRun);
    for (const w of workers) assert.ok([...identities].some((id) => id.startsWith(`${w.proc.child.pid}@`)), `${w.name} (pid ${w.proc.child.pid}) executed activities: ${[...identities].join(', ')}`);
    for (const dir of [machine('worker-a'), machine('worker-b'), machine('laptop')]) {
      assert.deepEqual((await filesUnder(dir)).filter((f) => !f.startsWith('state')), [], `no run file in ${dir}`);
    }
    assert.deepEqual(repeatedPages(sandbox.requestLogs().toggl), [], 'no Toggl page fetched twice');
  });

  test('from a fourth machine: list-runs, show-run (objects with sizes) and fetch-reports', async () => {
    const list = await cli('desk', ['list-runs', '--json']);
    assert.equal(list.code, 0, list.stderr);
    const runs = JSON.parse(list.stdout) as { run_id: string; status: string; run_dir: string }[];
    assert.deepEqual(runs.map((r) => [r.run_id, r.status]), [[firstRun, 'completed']]);

    const show = await cli('desk', ['show-run', '--run-id', firstRun, '--json']);
    assert.equal(show.code, 0, show.stderr);
    const files = (JSON.parse(show.stdout) as { files: { path: string; bytes: number }[] }).files;
    const html = files.find((f) => f.path === 'reports/team_summary.html');
    assert.ok(html && html.bytes > 1000, JSON.stringify(files));
    assert.ok(files.some((f) => f.path.startsWith('reports/individual/') && f.path.endsWith('.html')));
    assert.ok(!files.some((f) => f.path.startsWith('.')), 'no staging objects left');
    const text = await cli('desk', ['show-run', '--run-id', firstRun]);
    assert.match(text.stdout, new RegExp(`Files in s3://${BUCKET}/${PREFIX}/${firstRun}:\\n(.|\\n)*reports/team_summary\\.html\\s+\\d`));

    const fetched = await cli('desk', ['fetch-reports', '--run-id', firstRun, '--to', 'reports']);
    assert.equal(fetched.code, 0, fetched.stderr);
    const page = await readFile(path.join(machine('desk'), 'reports', 'team_summary.html'), 'utf8');
    assert.equal(page, await store.run(firstRun).read('reports/team_summary.html'));
    assert.ok((await readdir(path.join(machine('desk'), 'reports', 'individual'))).some((f) => f.endsWith('.md')));
  });

  test('two runs at once on the two workers spend one Toggl budget and one Fibery budget', async (t) => {
    sandbox.toggl.server.clearRequestLog();
    sandbox.fibery.server.clearRequestLog();
    const runs = [spawnCli('laptop', ['run', '--start-date', '2026-11-09', '--end-date', '2026-11-22']), spawnCli('desk', ['run', '--start-date', '2026-11-09', '--end-date', '2026-11-22'])];
    for (const run of runs) assert.equal(await run.exited, 0, run.output());
    const { toggl, fibery } = sandbox.requestLogs();
    const pages = toggl.filter((e) => e.pageKey);
    const identities = await Promise.all(runs.map((run) => activityWorkers(runIdOf(run.output())!)));
    assert.ok(pages.length >= 4, `${pages.length} Toggl pages`);
    // Two streams of one request a second that ignored each other would put two requests within
    // half a second somewhere; one budget keeps them a second apart (less a busy timer's lateness).
    const times = toggl.map((e) => e.at).sort((a, b) => a - b);
    t.diagnostic(`Toggl requests at ${times.map((at) => at - times[0]!).join(", ")} ms`);
    assert.equal(maxInWindow(toggl, 600), 1, `Toggl requests ${times.map((t) => t - times[0]!).join(', ')} ms`);
    assert.ok(maxInWindow(fibery, 1000) <= 3, `Fibery: ${maxInWindow(fibery, 1000)} requests in one second`);
    assert.equal(fibery.filter((e) => e.status === 429).length, 0, 'no 429 from Fibery');
    for (const w of workers) assert.ok(identities.some((ids) => [...ids].some((id) => id.startsWith(`${w.proc.child.pid}@`))), `${w.name} worked`);
  });

  test('the store stopped during the Toggl fetch: the run waits, a CLI command says so (exit 3), and it completes with no page fetched twice', async () => {
    sandbox.toggl.server.clearRequestLog();
    const run = spawnCli('laptop', ['run', '--start-date', '2026-11-09', '--end-date', '2026-11-22']);
    // Two pages in, the store goes away.
    await waitUntil(() => sandbox.requestLogs().toggl.filter((e) => e.pageKey).length >= 2, 120_000);
    await s3.pause();
    try {
      const listed = await cli('desk', ['list-runs']);
      assert.equal(listed.code, 3, listed.stderr);
      assert.equal(listed.stderr.trim().split('\n').length, 1, listed.stderr);
      assert.match(listed.stderr, new RegExp(`run store at ${s3.endpoint.replace(/[.]/g, '\\.')} cannot be reached`));
      // A worker waits for the store, saying so, rather than fetching pages again.
      await waitUntil(() => workers.some((w) => /run store at .* does not answer/.test(w.proc.output())), 120_000);
    } finally {
      await s3.resume();
    }
    assert.equal(await run.exited, 0, run.output());
    const runId = runIdOf(run.output())!;
    assert.equal((await store.run(runId).readJson('run_metadata.json', RunMetadataSchema)).status, 'completed');
    assert.deepEqual(repeatedPages(sandbox.requestLogs().toggl), [], 'no Toggl page fetched twice');
  });

  test('the worker doing the enrichment SIGKILLed: the other completes the run; a Fibery-stage restart from a third machine keeps the Toggl stage byte for byte', async () => {
    const run = spawnCli('laptop', ['run', '--start-date', '2026-11-09', '--end-date', '2026-11-22']);
    await run.waitFor(/Run run_\S+ started/, 120_000);
    const runId = runIdOf(run.output())!;
    const handle = client.workflow.getHandle(workflowIdFor(runId));
    let enriching: string | undefined;
    await waitUntil(async () => {
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      enriching = pending.find((a) => /^(enrich_|default_enrich)/.test(a.activityType?.name ?? '') && a.lastWorkerIdentity)?.lastWorkerIdentity ?? undefined;
      return enriching !== undefined;
    }, 120_000);
    const victim = workers.find((w) => enriching!.startsWith(`${w.proc.child.pid}@`));
    assert.ok(victim, `the enriching worker ${enriching} is one of ours`);
    victim.proc.child.kill('SIGKILL');
    assert.equal(await run.exited, 0, run.output());
    const files = store.run(runId);
    assert.equal((await files.readJson('run_metadata.json', RunMetadataSchema)).status, 'completed');

    const togglStage = ['raw_toggl_data.json', 'raw_toggl_previous.json', 'toggl_aggregated.json', 'reports/toggl_summary.md', 'reports/toggl_summary.html'];
    const before = await Promise.all(togglStage.map((k) => files.read(k)));
    const restart = await cli('third', ['run', '--start-from', 'fibery', '--run-id', runId, '--json']);
    assert.equal(restart.code, 0, restart.stderr);
    assert.deepEqual(await Promise.all(togglStage.map((k) => files.read(k))), before, 'the Toggl stage objects are unchanged');
    const metadata = await files.readJson('run_metadata.json', RunMetadataSchema);
    assert.equal(metadata.status, 'completed');
    assert.equal(metadata.parameters.start_from, 'fibery');
  });
});

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
