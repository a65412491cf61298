/**
 * The embedded mode's background service (`volt-agent service start`, normally started detached by
 * the other commands): a Temporal dev server persisted in the state directory, with its web UI, and
 * the workers. It outlives the command that started it, so a run goes on after `q`, and
 * `show-run`, `cancel-run` and `temporal-ui` work from another terminal. It stops itself once no
 * workflow has been running for `idle_seconds` and no schedule exists (a schedule fires only while
 * it runs), and on SIGINT/SIGTERM or `volt-agent service stop`.
 *
 * Workers: one on `volt-agent-pipeline` whose activities see the environment of whoever started
 * the service, and one per sandbox (./sandbox-pool.ts) whose activities see the simulators' tokens,
 * which never leave this process. The other commands talk to it through ./control-server.ts.
 */
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { scheduleIds } from '../../schedules/client.js';
import { API_BUDGET_WORKFLOW_TYPE, TASK_QUEUE } from '../../workflows/contract.js';
import { startDevServer, type DevServer } from '../../temporal/dev-server.js';
import type { PipelineWorker } from '../../worker.js';
import { apiRates, serviceSettings, type Env } from '../../config/env.js';
import { startControlServer, type ControlHandlers, type ControlServer } from './control-server.js';
import { SANDBOX_QUEUE_PREFIX, SandboxPool } from './sandbox-pool.js';
import {
  acquireServiceLock,
  newFingerprint,
  releaseServiceLock,
  removeServiceInfo,
  servicePaths,
  writePrivateFileAtomic,
  type ServiceInfo,
} from './state.js';
import { packageVersion } from '../version.js';

/** Workflows that keep the service up: runs, schedules' runs, deliveries; not the API budgets, which end on their own. */
const RUNNING_WORK = `ExecutionStatus='Running' AND WorkflowType!='${API_BUDGET_WORKFLOW_TYPE}'`;

export type { SandboxAnswer } from './sandbox-pool.js';
export type { StatusAnswer } from './control-server.js';

/**
 * The workers' side: the SDK's native bridge and every activity, a second of loading that runs
 * while the dev server starts. The service handles SIGINT/SIGTERM itself (it stops its workers,
 * simulators and server in order), so the SDK's runtime must not.
 */
async function loadWorkerModules(env: NodeJS.ProcessEnv) {
  const [sdk, worker, { defaultDeps }, { startSandbox }, { textLogger }, { logRedactor }] = await Promise.all([
    import('@temporalio/worker'),
    import('../../worker.js'),
    import('../../activities/context.js'),
    import('../../sandbox/index.js'),
    import('../../logging/text-logger.js'),
    import('../../logging/redaction.js'),
  ]);
  // service.log keeps the workers' warnings, never the secrets of the environment they run with.
  sdk.Runtime.install({ logger: textLogger('WARN', logRedactor(env).redact), shutdownSignals: [] });
  return { NativeConnection: sdk.NativeConnection, createPipelineWorker: worker.createPipelineWorker, workerSettingsFrom: worker.workerSettingsFrom, defaultDeps, startSandbox };
}

type Log = (line: string) => void;

/** Resolves with the reason once something asks the service to stop; the first reason wins. */
function stopSignal(log: Log) {
  let resolve!: (reason: string) => void;
  const stopped = new Promise<string>((r) => (resolve = r));
  let stopping = false;
  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    log(`stopping: ${reason}`);
    resolve(reason);
  };
  const onSignal = (signal: NodeJS.Signals) => stop(`received ${signal}`);
  const onHangup = () => log('ignoring SIGHUP');
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onHangup);
  return {
    stopped,
    stop,
    isStopping: () => stopping,
    dispose: () => {
      stopping = true;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('SIGHUP', onHangup);
    },
  };
}

/** When anything last used the service; a running workflow or an existing schedule counts as use. */
class IdleClock {
  private last = Date.now();
  touch(): number {
    const idleFor = Date.now() - this.last;
    this.last = Date.now();
    return idleFor;
  }
  idleForMs(): number {
    return Date.now() - this.last;
  }
}

/**
 * Every few seconds: how many workflows run and which schedules exist. Stops the service once it
 * has been idle for idleSeconds with no schedule, or once the server has not answered three times.
 */
function watchIdle(opts: { client: () => Client; idleSeconds: number; clock: IdleClock; initial: string[] | null; onSchedules: (ids: string[]) => void; stop: (reason: string) => void; log: Log }): () => void {
  let failures = 0;
  let known = opts.initial;
  const check = async () => {
    let running: number;
    let schedules: string[];
    try {
      running = (await opts.client().workflow.count(RUNNING_WORK)).count;
      schedules = await scheduleIds(opts.client());
      failures = 0;
    } catch (error) {
      if (++failures >= 3) opts.stop(`the Temporal server does not answer: ${(error as Error).message}`);
      return;
    }
    if (schedules.join() !== (known ?? []).join()) opts.log(schedules.length ? `stays up while schedules exist: ${schedules.join(', ')}` : 'no schedule left: stops when idle');
    known = schedules;
    opts.onSchedules(schedules);
    if (running > 0 || schedules.length > 0) opts.clock.touch();
    else if (opts.clock.idleForMs() >= opts.idleSeconds * 1000) opts.stop(`idle: no running workflow for ${opts.idleSeconds} s, and no schedule`);
  };
  const timer = setInterval(() => void check(), Math.max(500, Math.min(10_000, (opts.idleSeconds * 1000) / 4)));
  return () => clearInterval(timer);
}

export async function runService(opts: { temporalCli: string; env: Env }): Promise<number> {
  const { env } = opts;
  const { stateDir, idleSeconds } = serviceSettings(env);
  const paths = servicePaths(stateDir);
  const log: Log = (line) => console.log(`${new Date().toISOString()} ${line}`);

  if (!(await acquireServiceLock(stateDir))) {
    log(`another volt-agent service holds ${paths.lock}; this one exits`);
    return 0;
  }
  log(`service starting (pid ${process.pid}, state ${stateDir}, stops after ${idleSeconds} s without running workflows while no schedule exists)`);

  const loading = loadWorkerModules(env.raw);
  // Settled here too, so that a failure while the dev server starts is not an unhandled rejection.
  loading.catch(() => undefined);
  const signal = stopSignal(log);
  const clock = new IdleClock();
  const workers = new Map<string, { worker: PipelineWorker; run: Promise<void> }>();
  let server: DevServer | null = null;
  let native: NativeConnection | null = null;
  let connection: Connection | null = null;
  let control: ControlServer | null = null;
  let pool: SandboxPool | null = null;
  let stopWatching = () => {};

  try {
    server = await startDevServer({
      binaryPath: opts.temporalCli,
      dbFilename: paths.db,
      logFile: paths.serverLog,
      headless: false,
      log: (line) => {
        if (!line.startsWith('[temporal ')) log(line);
      },
    });
    const modules = await loading;
    native = await modules.NativeConnection.connect({ address: server.address });
    connection = await Connection.connect({ address: server.address });
    const namespace = server.namespace;
    const client = () => new Client({ connection: connection!, namespace });

    const addWorker = async (taskQueue: string, workerEnv: NodeJS.ProcessEnv) => {
      const worker = await modules.createPipelineWorker({
        connection: native!,
        namespace,
        deps: modules.defaultDeps(workerEnv),
        taskQueue,
        settings: modules.workerSettingsFrom(env),
        rates: apiRates(env),
        // The service's server is its own and every worker of it runs in this process, whose
        // pacers every request shares already: the budget workflow would only cost CPU.
        shareBudgets: false,
      });
      const run = worker.run().then(
        () => {
          if (!signal.isStopping()) signal.stop(`the worker on ${taskQueue} stopped`);
        },
        (error: unknown) => {
          log(`worker on ${taskQueue} failed: ${(error as Error).message}`);
          signal.stop(`the worker on ${taskQueue} failed`);
        },
      );
      workers.set(taskQueue, { worker, run });
      log(`worker polling ${taskQueue}`);
    };
    await addWorker(TASK_QUEUE, env.raw);
    pool = new SandboxPool({ registryFile: paths.sandboxes, startSandbox: modules.startSandbox, addWorker: (queue, simulatorEnv) => addWorker(queue, { ...env.raw, ...simulatorEnv }), log });
    let schedules = await restoreSandboxes(client(), pool, workers, log);

    const token = randomBytes(24).toString('hex');
    control = await startControlServer(token, controlHandlers({ client, pool, clock, schedules: () => schedules, stop: signal.stop }));
    await writePrivateFileAtomic(paths.info, `${JSON.stringify(await serviceInfo(server, control.url, token, { env, idleSeconds, stateDir, logFile: paths.log }), null, 2)}\n`);
    log(`ready: Temporal ${server.address}, UI ${server.uiUrl}`);
    clock.touch();

    stopWatching = watchIdle({ client, idleSeconds, clock, initial: schedules, onSchedules: (ids) => (schedules = ids), stop: signal.stop, log });
    await signal.stopped;
    return 0;
  } catch (error) {
    log(`service failed: ${(error as Error).stack ?? String(error)}`);
    return 3;
  } finally {
    signal.dispose();
    stopWatching();
    await removeServiceInfo(stateDir, process.pid);
    control?.close();
    for (const { worker } of workers.values()) {
      try {
        worker.shutdown();
      } catch {
        // not running (yet or any more)
      }
    }
    await Promise.allSettled([...workers.values()].map((w) => w.run));
    await pool?.closeAll();
    await native?.close().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await server?.stop();
    await releaseServiceLock(stateDir);
    log('service stopped');
  }
}

/**
 * Sandbox runs that were in progress when a previous service stopped, and sandbox schedules, get
 * their simulators back. Returns the schedules (null when they could not be listed).
 */
async function restoreSandboxes(client: Client, pool: SandboxPool, workers: Map<string, unknown>, log: Log): Promise<string[] | null> {
  for await (const execution of client.workflow.list({ query: RUNNING_WORK })) {
    if (workers.has(execution.taskQueue)) continue;
    await pool.restoreQueue(execution.taskQueue).catch((error: unknown) => log(`cannot restart the sandbox of ${execution.workflowId}: ${(error as Error).message}`));
  }
  return pool.restoreSchedules(client).catch((error: unknown) => {
    log(`cannot list the schedules: ${(error as Error).message}`);
    return null;
  });
}

function controlHandlers(opts: { client: () => Client; pool: SandboxPool; clock: IdleClock; schedules: () => string[] | null; stop: (reason: string) => void }): ControlHandlers {
  const { client, pool, clock } = opts;
  return {
    status: async (idleForMs) => ({
      pid: process.pid,
      running_workflows: (await client().workflow.count(RUNNING_WORK).catch(() => null))?.count ?? null,
      idle_for_seconds: Math.round(idleForMs / 1000),
      sandboxes: await pool.answers(),
      schedules: opts.schedules(),
    }),
    sandbox: async (datasetPath, latency) => (await pool.ensure(datasetPath, latency)).answer,
    sandboxQueue: async (taskQueue) => {
      const restored = await pool.restoreQueue(taskQueue);
      if (!restored && taskQueue.startsWith(SANDBOX_QUEUE_PREFIX)) return 'unknown-sandbox';
      return restored?.answer ?? null;
    },
    stop: () => opts.stop('asked to stop'),
    touch: () => clock.touch(),
  };
}

async function serviceInfo(server: DevServer, controlUrl: string, token: string, opts: { env: Env; idleSeconds: number; stateDir: string; logFile: string }): Promise<ServiceInfo> {
  return {
    pid: process.pid,
    server_pid: server.pid,
    address: server.address,
    namespace: server.namespace,
    ui_url: server.uiUrl,
    control_url: controlUrl,
    control_token: token,
    started_at: new Date().toISOString(),
    version: packageVersion(),
    idle_seconds: opts.idleSeconds,
    fingerprint: await newFingerprint(opts.env),
    state_dir: opts.stateDir,
    log_file: opts.logFile,
  };
}
