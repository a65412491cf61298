/**
 * `npm run bench`: how fast and how gently volt-agent runs, set against the physical limit.
 *
 * For each workload (standard: 25 people × 30 days; large: 200 × 365) it generates the data, starts
 * the simulators with the documented latencies and limits, a Temporal dev server with its default
 * settings (four partitions a task queue), two `volt-agent worker`s as processes of their own and
 * `volt-agent run` as another, exactly as an operator would, then prints:
 * requests per API next to the fewest the APIs allow; the busiest second per API; wall time next to
 * the critical path; orchestration cost per activity (measured again at zero latency without limits);
 * peak RSS of worker and CLI; history events, bytes and the largest payload; the time the fetch
 * needs under Toggl's Free, Starter and Premium quotas; whether the aggregates equal an oracle's; and
 * the standard run again with its files in an S3-compatible store (versitygw): wall time and the
 * store's requests (PUT/GET/LIST/HEAD/DELETE/POST) per run.
 * First, the CLI's start-up: `volt-agent --help` (compiled, as installed) next to a bare `node`.
 * Writes tmp/bench/bench.json and tmp/bench/bench.md.
 *
 *   npm run bench                         the standard workload
 *   npm run bench -- --workload large     200 people × 365 days, both years (about 45 minutes: Toggl's 1 request/s)
 *   npm run bench -- --workload all
 *   --quota-window SECONDS                the Toggl quota's window (Premium: 600 per window); default 3600
 *                                         for standard, 300 for large (the real hour would add 4 hours of waits)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { generateWorkload, maxInWindow, repeatedPages, startSandbox, WORKLOADS, type Dataset, type Sandbox } from '../src/sandbox/index.js';
import { startDevServer, type DevServer } from '../src/temporal/dev-server.js';
import { ensureTemporalBinary } from '../src/temporal/binary.js';
import { workflowIdFor } from '../src/workflows/contract.js';
import { fiberyEnrichmentMs, quotaHours, togglFetchMs, type FiberyPlanShape } from './bench/critical-path.js';
import { historyFigures, type HistoryFigures } from './bench/histories.js';
import { measureStartup } from './bench/startup.js';
import { WORKER_VARIABLE_PREFIXES } from '../src/cli/service/state.js';
import { setTimeout as sleep } from 'node:timers/promises';

const { values } = parseArgs({ options: { workload: { type: 'string', default: 'standard' }, 'quota-window': { type: 'string' } } });
const chosen = values.workload === 'all' ? (['standard', 'large'] as const) : ([values.workload] as ('standard' | 'large')[]);
for (const w of chosen) if (!(w in WORKLOADS)) throw new Error(`--workload must be standard, large or all, not "${w}"`);

const BIN = path.resolve('bin/volt-agent.js');
const TOGGL_PAGE_SIZE_APPLIED = 200; // the simulator's largest page; the client asks for more and reads X-Page-Size

interface Child {
  process: ChildProcess;
  output: () => string;
  /** Highest VmHWM seen (peak resident set), MiB. */
  peakRssMiB: () => number;
  exited: Promise<number | null>;
}

function launch(args: string[], env: NodeJS.ProcessEnv): Child {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  let peak = 0;
  const sample = async () => {
    const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
    const kib = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    peak = Math.max(peak, kib / 1024);
  };
  const timer = setInterval(() => void sample(), 200);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    clearInterval(timer);
    resolve(code);
  }));
  return { process: child, output: () => text, peakRssMiB: () => peak, exited };
}

type PeriodEntry = { entry: Dataset['toggl']['time_entries'][number]; email: string };

/** The entries of the period itself, by each person's local day (the dataset also holds the period before). */
function periodEntries(dataset: Dataset): PeriodEntry[] {
  const users = new Map(dataset.toggl.users.map((u) => [u.id, u]));
  const out: PeriodEntry[] = [];
  for (const e of dataset.toggl.time_entries) {
    const user = users.get(e.user_id)!;
    const offsetMin = (Number(user.timezone_offset.slice(1, 3)) * 60 + Number(user.timezone_offset.slice(4, 6))) * (user.timezone_offset[0] === '-' ? -1 : 1);
    const day = new Date(Date.parse(e.start) + offsetMin * 60_000).toISOString().slice(0, 10);
    if (day >= dataset.period.start_date && day <= dataset.period.end_date) out.push({ entry: e, email: user.email.toLowerCase() });
  }
  return out;
}

/** Every person's seconds in the period, from the dataset itself: what the aggregates must equal. */
function oracle(entries: PeriodEntry[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const { entry: e, email } of entries) {
    if (!e.stop) continue;
    totals.set(email, (totals.get(email) ?? 0) + Math.round((Date.parse(e.stop) - Date.parse(e.start)) / 1000));
  }
  return totals;
}

/** The fewest Fibery requests: the period's referenced ids per type in batches, one introspection per space. */
function fiberyPlan(entries: PeriodEntry[], batch = 100): { shape: FiberyPlanShape; requests: number } {
  const ids = new Map<string, Set<string>>();
  for (const { entry: e } of entries) {
    const m = /#(\d+)\s*\[([^\]]+)\]\s*\[([^\]]+)\]/.exec(e.description);
    if (!m) continue;
    const key = `${m[2]!.trim()}/${m[3]!.trim()}`;
    if (!ids.has(key)) ids.set(key, new Set());
    ids.get(key)!.add(m[1]!);
  }
  const spaces = new Map<string, { batches: number; maxConcurrent: number }[]>();
  for (const [key, set] of ids) {
    const space = key.slice(0, key.indexOf('/'));
    if (!spaces.has(space)) spaces.set(space, []);
    spaces.get(space)!.push({ batches: Math.ceil(set.size / batch), maxConcurrent: 5 });
  }
  const shape = { spaces: [...spaces.values()].map((types) => ({ types })) };
  return { shape, requests: spaces.size + [...spaces.values()].flat().reduce((n, t) => n + t.batches, 0) };
}

interface RunFigures {
  wallMs: number;
  exit: number | null;
  workerPeakMiB: number;
  cliPeakMiB: number;
  history: HistoryFigures;
  runDir: string;
}

/** Two `volt-agent worker`s, as an operator runs them: the API budgets must hold across both. */
const WORKERS = 2;

async function runOnce(name: string, dataset: Dataset, sandbox: Sandbox, server: DevServer, work: string, store: Record<string, string> = {}): Promise<RunFigures> {
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => ![...WORKER_VARIABLE_PREFIXES, 'TEMPORAL_', 'VOLT_RUN_STORE', 'AWS_'].some((prefix) => k.startsWith(prefix)))),
    ...sandbox.env,
    ...store,
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: server.namespace,
    VOLT_STATE_DIR: path.join(work, 'state'),
  };
  const workers = Array.from({ length: WORKERS }, () => launch(['worker'], env));
  try {
    for (let i = 0; !workers.every((w) => /Worker polling/.test(w.output())); i++) {
      if (i > 600) throw new Error(`the workers did not start:\n${workers.map((w) => w.output()).join('\n')}`);
      await sleep(100);
    }
    const runId = `run_bench_${name}`;
    const outputDir = path.join(work, 'runs');
    const started = Date.now();
    const cli = launch(['run', '--start-date', dataset.period.start_date, '--end-date', dataset.period.end_date, '--run-id', runId, '--output-dir', outputDir, '--json'], env);
    const exit = await cli.exited;
    const wallMs = Date.now() - started;
    if (exit !== 0) console.error(cli.output());
    const connection = await Connection.connect({ address: server.address });
    try {
      const history = await historyFigures(new Client({ connection, namespace: server.namespace }), workflowIdFor(runId));
      return { wallMs, exit, workerPeakMiB: Math.max(...workers.map((w) => w.peakRssMiB())), cliPeakMiB: cli.peakRssMiB(), history, runDir: path.join(outputDir, runId) };
    } finally {
      await connection.close();
    }
  } finally {
    for (const w of workers) w.process.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
  }
}

interface StoreFigures {
  wall_seconds: number;
  completed: boolean;
  /** Requests the store answered for the run, by kind (PUT, GET, LIST, HEAD, DELETE, POST). */
  requests: Record<string, number>;
}

/**
 * The same run with its files in an S3-compatible store (versitygw, as `npm run test:s3` builds it):
 * the store's requests per run and the wall time, to set against the local directory's.
 */
async function storeRun(name: string, dataset: Dataset, server: DevServer, work: string): Promise<StoreFigures | string> {
  const { startTestS3, createBucket } = await import('../test/support/versitygw.js');
  const s3 = await startTestS3().catch((error: unknown) => (error as Error).message.split('\n')[0]!);
  if (typeof s3 === 'string') return s3;
  const sandbox = await startSandbox({ dataset, limits: { toggl: { quota: { plan: 'premium', windowSeconds: 3600 } } }, latency: 'realistic' });
  try {
    await createBucket(s3, 'volt-bench');
    const before = s3.requests();
    const run = await runOnce(`${name}_s3`, dataset, sandbox, server, work, s3.env('volt-bench', 'runs'));
    const after = s3.requests();
    const requests = Object.fromEntries(Object.keys(after).sort().map((k) => [k, after[k]! - (before[k] ?? 0)]));
    return { wall_seconds: run.wallMs / 1000, completed: run.exit === 0, requests };
  } finally {
    await Promise.allSettled([sandbox.close(), s3.stop()]);
  }
}

async function bench(name: 'standard' | 'large') {
  console.log(`\n== ${name}: ${WORKLOADS[name].people} people × ${WORKLOADS[name].days} days ==`);
  const generated = Date.now();
  const dataset = generateWorkload({ ...WORKLOADS[name], previousPeriod: true });
  console.log(`workload: ${dataset.toggl.time_entries.length.toLocaleString('en')} entries (both periods), generated in ${Date.now() - generated} ms`);
  const binary = await ensureTemporalBinary();
  const work = await mkdtemp(path.join(os.tmpdir(), `volt-bench-${name}-`));
  // Dev servers with their default settings: four partitions a task queue, as a self-hosted cluster and Temporal Cloud have.
  const servers = await Promise.all([0, 1].map(() => startDevServer({ binaryPath: binary, taskQueuePartitions: 'server-default' })));
  const windowSeconds = Number(values['quota-window'] ?? (name === 'large' ? 300 : 3600));
  const sandbox = await startSandbox({ dataset, limits: { toggl: { quota: { plan: 'premium', windowSeconds } } }, latency: 'realistic' });
  console.log(`simulators: documented limits and latencies; Toggl quota 600 per ${windowSeconds} s${windowSeconds < 3600 ? ' (the hour scaled down; real-hour figures are computed below)' : ''}`);
  const fast = await startSandbox({ dataset, limits: 'none', latency: 'none' });
  try {
    console.log(`running volt-agent worker and volt-agent run (${new Date().toISOString()})`);
    const real = await runOnce(name, dataset, sandbox, servers[0]!, path.join(work, 'real'));
    const logs = sandbox.requestLogs();
    const zero = name === 'standard' ? await runOnce(`${name}_zero`, dataset, fast, servers[1]!, path.join(work, 'zero')) : null;
    const s3 = name === 'standard' ? await storeRun(name, dataset, servers[0]!, path.join(work, 's3')) : 'not run for this workload';

    const aggregated = JSON.parse(await readFile(path.join(real.runDir, 'toggl_aggregated.json'), 'utf8')) as { users: Record<string, { total_seconds: number }>; totals: { entries: number } };
    const raw = (file: string) => readFile(path.join(real.runDir, file), 'utf8').then((t) => (t.match(/^ {4}\{/gm) ?? []).length, () => 0);
    const fetchedEntries = (await raw('raw_toggl_data.json')) + (await raw('raw_toggl_previous.json'));
    const inPeriod = periodEntries(dataset);
    const expected = oracle(inPeriod);
    const mismatches = [...expected].filter(([email, seconds]) => aggregated.users[email]?.total_seconds !== seconds).length + Object.keys(aggregated.users).filter((e) => !expected.has(e)).length;

    const searches = logs.toggl.filter((e) => e.path.includes('/search/time_entries'));
    const chunks = Math.ceil((Date.parse(dataset.period.end_date) - Date.parse(dataset.period.start_date)) / 86_400_000 + 1) * 2 > 365 ? 2 : 1;
    const togglMinimum = Math.ceil(fetchedEntries / TOGGL_PAGE_SIZE_APPLIED) + chunks + 1;
    const fibery = fiberyPlan(inPeriod);
    const togglLimits = { latencyMs: sandbox.latency.toggl, requestsPerSecond: 1, quota: { limit: 600, windowSeconds } };
    const togglMs = togglFetchMs(togglMinimum, togglLimits);
    const fiberyMs = fiberyEnrichmentMs(fibery.shape, { latencyMs: sandbox.latency.fibery, requestsPerSecond: 3 });
    const critical = togglMs + fiberyMs;
    const byToken = (entries: { tokenHash: string | null; at: number }[]) => Math.max(0, ...[...new Set(entries.map((e) => e.tokenHash))].map((t) => maxInWindow(entries.filter((e) => e.tokenHash === t), 1000)));

    const result = {
      workload: name,
      people: WORKLOADS[name].people,
      days: WORKLOADS[name].days,
      entries_period: aggregated.totals.entries,
      entries_fetched: fetchedEntries,
      completed: real.exit === 0,
      toggl: { requests: logs.toggl.length, search_requests: searches.length, minimum: togglMinimum, busiest_second: byToken(logs.toggl), repeated_pages: repeatedPages(logs.toggl).length },
      fibery: { requests: logs.fibery.length, minimum: fibery.requests, busiest_second_per_token: byToken(logs.fibery), answered_429: logs.fibery.filter((e) => e.status === 429).length },
      wall_seconds: real.wallMs / 1000,
      critical_path_seconds: critical / 1000,
      wall_over_critical: real.wallMs / critical,
      orchestration_ms_per_activity_zero_latency: zero ? zero.history.idleMs / Math.max(1, zero.history.activities) : null,
      zero_latency_wall_seconds: zero ? zero.wallMs / 1000 : null,
      worker_peak_rss_mib: Math.round(real.workerPeakMiB),
      cli_peak_rss_mib: Math.round(real.cliPeakMiB),
      history: { executions: real.history.executions, max_events: real.history.maxEvents, max_bytes: real.history.maxBytes, largest_payload_bytes: real.history.largestPayloadBytes, activities: real.history.activities },
      fetch_hours_under_quota: { free_30: quotaHours(togglMinimum, 30), starter_240: quotaHours(togglMinimum, 240), premium_600: quotaHours(togglMinimum, 600) },
      aggregates_equal_oracle: mismatches === 0,
      workers: WORKERS,
      temporal_partitions: 'server default (4 a queue)',
      s3_store: typeof s3 === 'string' ? { skipped: s3 } : s3,
    };
    print(result);
    return result;
  } finally {
    await Promise.allSettled([sandbox.close(), fast.close(), ...servers.map((s) => s.stop())]);
    await rm(work, { recursive: true, force: true });
  }
}

type Result = Awaited<ReturnType<typeof bench>>;

function print(r: Result): void {
  const f = (n: number, d = 1) => n.toLocaleString('en', { maximumFractionDigits: d });
  console.log(`completed: ${r.completed}; aggregates equal the oracle's: ${r.aggregates_equal_oracle}`);
  console.log(`Toggl requests ${r.toggl.requests} (minimum ${r.toggl.minimum} = ⌈${r.entries_fetched} entries ÷ 200⌉ + chunks + 1); busiest second ${r.toggl.busiest_second}; pages fetched twice ${r.toggl.repeated_pages}`);
  console.log(`Fibery requests ${r.fibery.requests} (minimum ${r.fibery.minimum}); busiest second per token ${r.fibery.busiest_second_per_token}; 429 answers ${r.fibery.answered_429}`);
  console.log(`wall ${f(r.wall_seconds)} s, critical path ${f(r.critical_path_seconds)} s (× ${f(r.wall_over_critical, 2)})`);
  if (r.orchestration_ms_per_activity_zero_latency !== null) console.log(`orchestration ${f(r.orchestration_ms_per_activity_zero_latency)} ms per activity at zero latency (run: ${f(r.zero_latency_wall_seconds ?? 0)} s)`);
  console.log(`peak RSS: worker ${r.worker_peak_rss_mib} MiB, CLI ${r.cli_peak_rss_mib} MiB`);
  console.log(`history: ${r.history.executions} executions, at most ${r.history.max_events} events / ${f(r.history.max_bytes / 1024, 0)} KiB each; largest payload ${f(r.history.largest_payload_bytes / 1024)} KiB`);
  const s3 = r.s3_store;
  console.log('skipped' in s3 ? `S3 store: skipped (${s3.skipped})` : `S3 store (versitygw): wall ${f(s3.wall_seconds)} s against ${f(r.wall_seconds)} s local; completed: ${s3.completed}; store requests per run: ${storeRequests(s3.requests)}`);
  const q = r.fetch_hours_under_quota;
  console.log(`the fetch under Toggl's quotas: Free ${f(q.free_30, 2)} h, Starter ${f(q.starter_240, 2)} h, Premium ${f(q.premium_600, 2)} h`);
}

const storeRequests = (requests: Record<string, number>) => `${Object.entries(requests).map(([kind, n]) => `${kind} ${n}`).join(', ')} (${Object.values(requests).reduce((a, b) => a + b, 0)} in all)`;

function markdown(results: Result[]): string {
  const rows: [string, (r: Result) => string][] = [
    ['entries in the period / fetched (both periods)', (r) => `${r.entries_period} / ${r.entries_fetched}`],
    ['Toggl requests (minimum)', (r) => `${r.toggl.requests} (${r.toggl.minimum})`],
    ['Toggl busiest second / pages fetched twice', (r) => `${r.toggl.busiest_second} / ${r.toggl.repeated_pages}`],
    ['Fibery requests (minimum)', (r) => `${r.fibery.requests} (${r.fibery.minimum})`],
    ['Fibery busiest second per token / 429s', (r) => `${r.fibery.busiest_second_per_token} / ${r.fibery.answered_429}`],
    ['wall / critical path', (r) => `${r.wall_seconds.toFixed(1)} s / ${r.critical_path_seconds.toFixed(1)} s (× ${r.wall_over_critical.toFixed(2)})`],
    ['orchestration per activity, zero latency', (r) => (r.orchestration_ms_per_activity_zero_latency === null ? '–' : `${r.orchestration_ms_per_activity_zero_latency.toFixed(1)} ms`)],
    ['peak RSS worker / CLI', (r) => `${r.worker_peak_rss_mib} / ${r.cli_peak_rss_mib} MiB`],
    ['history: max events / bytes; largest payload', (r) => `${r.history.max_events} / ${(r.history.max_bytes / 1024).toFixed(0)} KiB; ${(r.history.largest_payload_bytes / 1024).toFixed(1)} KiB`],
    ['fetch under Free / Starter / Premium', (r) => `${r.fetch_hours_under_quota.free_30.toFixed(2)} h / ${r.fetch_hours_under_quota.starter_240.toFixed(2)} h / ${r.fetch_hours_under_quota.premium_600.toFixed(2)} h`],
    ['aggregates equal the oracle', (r) => String(r.aggregates_equal_oracle)],
    ['S3 store: wall (local) / requests per run', (r) => ('skipped' in r.s3_store ? `skipped: ${r.s3_store.skipped}` : `${r.s3_store.wall_seconds.toFixed(1)} s (${r.wall_seconds.toFixed(1)} s) / ${storeRequests(r.s3_store.requests)}`)],
  ];
  return [
    `| | ${results.map((r) => `${r.workload} (${r.people} × ${r.days} d)`).join(' | ')} |`,
    `|---|${results.map(() => '---').join('|')}|`,
    ...rows.map(([label, cell]) => `| ${label} | ${results.map(cell).join(' | ')} |`),
  ].join('\n');
}

// The CLI as installed runs the compiled code: build it if a source is newer.
if (spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { stdio: 'inherit' }).status !== 0) throw new Error('npm run build failed');
const startup = await measureStartup(BIN);
const startupLine = `volt-agent --help: median ${startup.help_median_ms} ms of ${startup.runs}; a bare node -e '': ${startup.bare_node_median_ms} ms`;
console.log(startupLine);

const results: Result[] = [];
for (const name of chosen) results.push(await bench(name));
await mkdir('tmp/bench', { recursive: true });
await writeFile('tmp/bench/bench.json', `${JSON.stringify({ startup, workloads: results }, null, 2)}\n`);
await writeFile('tmp/bench/bench.md', `${startupLine}\n\n${markdown(results)}\n`);
console.log(`\n${startupLine}\n\n${markdown(results)}\n\nwritten: tmp/bench/bench.json, tmp/bench/bench.md`);
