/**
 * `volt-agent schedule …` as a user runs it (bin/volt-agent.js in a child process), in the embedded
 * mode: the background service's Temporal dev server holds the schedule and its sandbox worker runs
 * the slots against a small dataset. A schedule is created, triggered and backfilled for two past
 * Mondays; each run reports on the week before its own slot and posts its digest to a local webhook.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { connectTemporal } from '../src/cli/connect.js';
import { findLiveService } from '../src/cli/service/client.js';
import { readServiceInfo } from '../src/cli/service/state.js';
import { parseEnv } from '../src/config/env.js';
import { ValidationError } from '../src/errors.js';
import { createSchedule, scheduleIds } from '../src/schedules/client.js';
import { listen, readBody, sendText, type Listening } from '../src/sandbox/http.js';
import { RunMetadataSchema } from '../src/storage/schemas.js';
import { buildDataset } from './support/datasets.js';
import { texts } from './support/texts.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { HANG_GUARD_MS } from './support/cli-process.js';

const BIN = path.resolve('bin/volt-agent.js');
const execFileAsync = promisify(execFile);
const WEBHOOK_TOKEN = 'scheduleHookSecret4711';
/**
 * Short, so the last test sees the service stop. A command holds the service while it uses it
 * (src/cli/service/client.ts, holdService), so one that takes longer than this on a busy machine
 * still finds it; the last test proves that too.
 */
const IDLE_SECONDS = 4;

let work: string;
let hook: Listening;
const posted: { text: string; blocks: unknown[] }[] = [];

function userEnv(): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(TOGGL_|FIBERY_|OPENAI_|ANTHROPIC_|VOLT_|TEMPORAL_(?!CLI_PATH)|NO_COLOR|CI$)/.test(k)));
  return {
    ...clean,
    VOLT_STATE_DIR: path.join(work, 'state'),
    VOLT_NO_BROWSER: '1',
    VOLT_SERVICE_IDLE_SECONDS: String(IDLE_SECONDS),
    VOLT_SLACK_WEBHOOK_URL: `${hook.url}/services/T0/B0/${WEBHOOK_TOKEN}`,
  };
}

/** The end of the service's log, for a failure's message. */
const serviceLog = async () => `\n--- service.log:\n${(await readFile(path.join(work, 'state', 'service.log'), 'utf8').catch(() => '')).split('\n').slice(-30).join('\n')}`;

const outputs: string[] = [];
async function volt(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [BIN, ...args], { cwd: work, env: userEnv(), timeout: 120_000 });
    outputs.push(stdout, stderr);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    outputs.push(e.stdout, e.stderr);
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const day = (d: Date) => d.toISOString().slice(0, 10);
const addDays = (d: Date, n: number) => new Date(d.getTime() + n * 86_400_000);

/** The last two Mondays before today (UTC), oldest first. */
function pastMondays(now: Date): [Date, Date] {
  const today = new Date(`${day(now)}T00:00:00Z`);
  const sinceMonday = (today.getUTCDay() + 6) % 7 || 7;
  const last = addDays(today, -sinceMonday);
  return [addDays(last, -7), last];
}

/** The Monday–Sunday week before the one `slot` is in. */
function weekBefore(slot: Date): { start_date: string; end_date: string } {
  const monday = addDays(new Date(`${day(slot)}T00:00:00Z`), -((slot.getUTCDay() + 6) % 7));
  return { start_date: day(addDays(monday, -7)), end_date: day(addDays(monday, -1)) };
}

interface Run {
  run_id: string;
  status: string;
  scheduled_at: string;
  period: { start_date: string; end_date: string };
}

async function json<T>(...args: string[]): Promise<T> {
  const r = await volt(...args);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

interface Status {
  running: boolean;
  stays_up_for?: string | null;
  schedules?: { id: string }[];
  sandboxes?: { task_queue: string }[];
}

/** A client of the background service's Temporal server, to check what the commands did. */
async function withServer<T>(use: (client: Client) => Promise<T>): Promise<T> {
  const info = (await readServiceInfo(path.join(work, "state")))!;
  const connection = await Connection.connect({ address: info.address });
  try {
    return await use(new Client({ connection, namespace: info.namespace }));
  } finally {
    await connection.close();
  }
}

async function metadataOf(runId: string) {
  return RunMetadataSchema.parse(JSON.parse(await readFile(path.join(work, 'runs', runId, 'run_metadata.json'), 'utf8')));
}

before(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'volt-schedule-'));
  hook = await listen(async (req, res) => {
    posted.push(JSON.parse(await readBody(req)) as { text: string; blocks: unknown[] });
    sendText(res, 200, 'ok');
  });
  await writeFile(path.join(work, 'dataset.json'), JSON.stringify(buildDataset([{ space: 'Scrum', type: 'Task', count: 2 }])));
});

after(async () => {
  await volt('service', 'stop');
  await hook.close();
  await rm(work, { recursive: true, force: true });
});

describe('volt-agent schedule', () => {
  test('bad ids, cron strings, timezones, periods, channels and dates: one line, exit 2, nothing created', async () => {
    const create = (...extra: string[]) => ['schedule', 'create', '--id', 'weekly', '--cron', '0 8 * * 1', '--period', 'previous-week', '--sandbox', ...extra];
    const cases: [string[], RegExp][] = [
      [['schedule', 'create', '--id', 'no spaces', '--cron', '0 8 * * 1', '--period', 'previous-week'], /--id "no spaces" is not a schedule id/],
      [create('--cron', '0 25 * * 1'), /--cron "0 25 \* \* 1": hour 25 is out of range 0–23/],
      [create('--cron', '0 8 L * *'), /"L" is not a valid day of month/],
      [create('--timezone', 'Europe/Atlantis'), /--timezone "Europe\/Atlantis" is not an IANA timezone/],
      [create('--period', 'last-fortnight'), /--period must be one of previous-week, previous-month, last-7-days, last-30-days/],
      [create('--deliver', 'slack,pigeon'), /--deliver: unknown delivery channel "pigeon"/],
      [create('--trend', 'many'), /--trend must be a whole number from 0 to 26, not "many"/],
      [['schedule', 'backfill', '--id', 'weekly', '--from', '2026-02-30', '--to', '2026-03-02'], /--from "2026-02-30" is not a valid date/],
    ];
    const results = await Promise.all(cases.map(([args]) => volt(...args)));
    results.forEach((r, i) => {
      const lines = r.stderr.trim().split('\n');
      assert.equal(r.code, 2, `${cases[i]![0].join(' ')}: exit ${r.code}\n${r.stderr}`);
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0]!, cases[i]![1]);
    });
    assert.equal(existsSync(path.join(work, 'state')), false, 'no state directory, so no service was started');
  });

  test('a sandbox schedule: the service stays up for it, warns on stop and brings its simulators back after a restart', async () => {
    const created = await volt(
      'schedule', 'create', '--id', 'weekly', '--cron', '0 8 * * 1', '--period', 'previous-week', '--deliver', 'slack',
      '--sandbox', '--dataset', 'dataset.json', '--sandbox-latency', '0', '--output-dir', 'runs',
    );
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /Created schedule weekly/);
    const taken = await volt('schedule', 'create', '--id', 'weekly', '--cron', '0 9 * * 1', '--period', 'previous-week', '--sandbox');
    assert.equal(taken.code, 2, 'an id is taken once');
    assert.match(taken.stderr, /schedule "weekly" already exists/);

    const stopped = await volt('service', 'stop');
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.match(stopped.stderr, /1 schedule \(weekly\) will not fire while the service is stopped/);

    // A command that only reads starts the service again; the schedule's sandbox comes back with it.
    const { task_queue: queue } = await json<{ task_queue: string }>('schedule', 'describe', '--id', 'weekly', '--json');
    await sleep(IDLE_SECONDS * 1000 + 500); // longer than VOLT_SERVICE_IDLE_SECONDS, with nothing running
    const status = await json<Status>('service', 'status', '--json');
    assert.equal(status.running, true, 'still up: a schedule exists');
    assert.equal(status.stays_up_for, 'schedules');
    assert.deepEqual(status.schedules?.map((s) => s.id), ['weekly']);
    assert.deepEqual(status.sandboxes?.map((s) => s.task_queue), [queue]);
  });

  test('triggered and backfilled for two past Mondays: three completed runs, each for the week before its slot', async () => {
    const now = await json<Run>('schedule', 'trigger', '--id', 'weekly', '--json');
    const [first, second] = pastMondays(new Date());
    const backfill = await volt('schedule', 'backfill', '--id', 'weekly', '--from', day(first), '--to', day(second));
    assert.equal(backfill.code, 0, backfill.stderr);

    const slots = [first, second].map((d) => new Date(d.getTime() + 8 * 3600_000));
    const expected = new Map<string, { start_date: string; end_date: string }>([
      [now.run_id, weekBefore(new Date(now.scheduled_at))],
      ...slots.map((s) => [`run_${day(s)}-08-00-00_weekly`, weekBefore(s)] as [string, { start_date: string; end_date: string }]),
    ]);
    for (const deadline = Date.now() + HANG_GUARD_MS; Date.now() < deadline; await sleep(250)) {
      const statuses = await Promise.all([...expected.keys()].map((id) => metadataOf(id).then((m) => m.status, () => 'missing')));
      if (statuses.every((s) => s === 'completed' || s === 'failed')) break;
    }
    for (const [runId, period] of expected) {
      const metadata = await metadataOf(runId);
      assert.equal(metadata.status, 'completed', runId);
      assert.deepEqual({ start_date: metadata.parameters.start_date, end_date: metadata.parameters.end_date }, period, runId);
      assert.deepEqual(metadata.deliveries.map((d) => [d.channel, d.status]), [['slack', 'sent']]);
    }
    assert.notDeepEqual(expected.get(`run_${day(slots[0]!)}-08-00-00_weekly`), weekBefore(new Date()), 'a backfilled slot does not report the current week');
    assert.equal(posted.length, 3, 'one Slack message per run');

    const [view] = (await json<{ id: string; next_fire_times: string[]; recent_runs: Run[] }[]>('schedule', 'list', '--json')).filter((v) => v.id === 'weekly');
    assert.deepEqual(
      view!.recent_runs.filter((r) => expected.has(r.run_id)).map((r) => [r.run_id, r.status, r.period]).sort(),
      [...expected].map(([id, period]) => [id, 'COMPLETED', period]).sort(),
    );
    const shownSlots = view!.recent_runs.map((r) => Date.parse(r.scheduled_at));
    assert.deepEqual(shownSlots, [...shownSlots].sort((a, b) => b - a), 'the last runs are listed newest slot first');
    assert.equal(view?.next_fire_times.length, 3);
    for (const t of view!.next_fire_times) {
      const at = new Date(t);
      assert.ok(at.getTime() > Date.now() && at.getUTCDay() === 1 && at.getUTCHours() === 8 && at.getUTCMinutes() === 0, `next fire time ${t}`);
    }

    // The schedule, the workflows it started, the run files and the logs hold no webhook secret.
    const found = await withServer(async (client) => {
      const all: string[] = [...texts(await client.schedule.getHandle('weekly').describe())];
      for await (const w of client.workflow.list()) all.push(...texts(await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory()));
      return all;
    });
    assert.ok(found.some((t) => t.includes('previous-week')), 'the scan reads the payloads');
    assert.equal(found.filter((t) => t.includes(WEBHOOK_TOKEN)).length, 0, 'no webhook token in the schedule or any history');
    const files = await readdir(path.join(work, 'runs'), { recursive: true, withFileTypes: true });
    for (const f of files.filter((e) => e.isFile())) assert.equal((await readFile(path.join(f.parentPath, f.name), 'utf8')).includes(WEBHOOK_TOKEN), false, f.name);
    for (const log of ['service.log', 'temporal-server.log']) {
      assert.equal((await readFile(path.join(work, 'state', log), 'utf8').catch(() => '')).includes(WEBHOOK_TOKEN), false, log);
    }
    assert.equal(outputs.join('\n').includes(WEBHOOK_TOKEN), false, 'command output');
  });

  test("the server's own refusal of a schedule is one line too", async () => {
    const input = { schedule_id: 'refused', period: 'previous-week', timezone: 'UTC', users: null, output_dir: work, deliver: [], compare: 'previous' } as const;
    await withServer((client) =>
      assert.rejects(
        createSchedule(client, 'refused', { cron: '0 8 L * *', input: { ...input, deliver: [] }, taskQueue: 'q', sandbox: null }),
        (e: unknown) => e instanceof ValidationError && /^the Temporal server refused schedule "refused": .+$/.test(e.message),
      ),
    );
  });

  test('pause, unpause and delete; a command holds the service past its idle time; then it stops when idle', async () => {
    const paused = () => withServer(async (client) => (await client.schedule.getHandle('weekly').describe()).state.paused);
    const ok = async (...args: string[]) => {
      const result = await volt(...args);
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}${await serviceLog()}`);
    };
    await ok('schedule', 'pause', '--id', 'weekly', '--note', 'holidays');
    assert.equal(await paused(), true);
    await ok('schedule', 'unpause', '--id', 'weekly');
    assert.equal(await paused(), false);

    await ok('schedule', 'delete', '--id', 'weekly');
    const gone = await volt('schedule', 'describe', '--id', 'weekly');
    assert.equal(gone.code, 2, `${gone.stderr}${await serviceLog()}`);
    assert.match(gone.stderr, /no schedule "weekly"/);

    // A command that uses the service for longer than its idle time (no run, no schedule) keeps it.
    const held = await connectTemporal(parseEnv(userEnv()), { log: () => {}, checkSettings: false });
    try {
      await sleep(IDLE_SECONDS * 1500);
      assert.deepEqual(await scheduleIds(held.client), [], 'the server still answers the holding command');
      assert.notEqual(await findLiveService(path.join(work, 'state')), null, 'the service is up while a command holds it');
    } finally {
      await held.close();
    }

    // service.json goes first; the lock when the process has shut its workers down.
    const lock = path.join(work, 'state', 'service.lock');
    let running = true;
    for (const deadline = Date.now() + HANG_GUARD_MS; running && Date.now() < deadline; await sleep(250)) {
      running = (await readServiceInfo(path.join(work, 'state'))) !== null || existsSync(lock);
    }
    assert.equal(running, false, 'with no schedule left the service stops when idle and releases its lock');
    assert.match(await readFile(path.join(work, 'state', 'service.log'), 'utf8'), /stopping: idle: no running workflow for \d+ s, and no schedule/);
  });
});
