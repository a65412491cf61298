/**
 * The embedded mode's background service (`volt-agent service start`, normally started detached by
 * the other commands): a Temporal dev server persisted in the state directory, with its web UI, and
 * the workers. It outlives the command that started it, so a run goes on after `q`, and
 * `show-run`, `cancel-run` and `temporal-ui` work from another terminal. It stops itself once no
 * workflow has been running for `idle_seconds` and no schedule exists (a schedule fires only while
 * it runs), and on SIGINT/SIGTERM or `volt-agent service stop`.
 *
 * Workers: one on `volt-agent-pipeline` whose activities see the environment of whoever started
 * the service, and one per sandbox dataset on its own task queue whose activities see the
 * simulators' tokens, which never leave this process. A sandbox keeps its worker for as long as
 * the service runs; after a restart, the sandboxes of running workflows and of schedules come back.
 */
import { randomBytes, createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import type { Sandbox } from '../../sandbox/index.js';
import { scheduleIds, scheduleWorkerNeeds } from '../../schedules/client.js';
import { TASK_QUEUE } from '../../workflows/contract.js';
import { startDevServer, type DevServer } from '../../temporal/dev-server.js';
import type { PipelineWorker } from '../../worker.js';
import { apiRates, serviceSettings, type Env } from '../../config/env.js';
import {
  acquireServiceLock,
  newFingerprint,
  packageVersion,
  releaseServiceLock,
  removeServiceInfo,
  servicePaths,
  writePrivateFileAtomic,
  type ServiceInfo,
} from './state.js';

export const SANDBOX_QUEUE_PREFIX = `${TASK_QUEUE}-sandbox-`;

export interface SandboxAnswer {
  task_queue: string;
  dataset_name: string;
  fibery_latency_ms: number;
  toggl_url: string;
  fibery_url: string;
}

export interface StatusAnswer {
  pid: number;
  running_workflows: number | null;
  idle_for_seconds: number;
  sandboxes: SandboxAnswer[];
  /** The schedules that keep the service up, as of its last check (null: not known yet). */
  schedules: string[] | null;
}

/** One task queue per dataset file (and version of it) and latency, so two sandboxes never share a worker. */
export function sandboxQueueFor(datasetPath: string, fiberyLatencyMs: number): { key: string; queue: string } {
  const resolved = path.resolve(datasetPath);
  const mtime = statSync(resolved).mtimeMs;
  const key = `${resolved}@${Math.round(mtime)}~${fiberyLatencyMs}`;
  return { key, queue: `${SANDBOX_QUEUE_PREFIX}${createHash('sha256').update(key).digest('hex').slice(0, 10)}` };
}

/**
 * The workers' side: the SDK's native bridge and every activity, a second of loading that runs
 * while the dev server starts. The service handles SIGINT/SIGTERM itself (it stops its workers,
 * simulators and server in order), so the SDK's runtime must not.
 */
async function loadWorkerModules() {
  const [sdk, worker, { defaultDeps }, { startSandbox }] = await Promise.all([
    import('@temporalio/worker'),
    import('../../worker.js'),
    import('../../activities/context.js'),
    import('../../sandbox/index.js'),
  ]);
  sdk.Runtime.install({ logger: new sdk.DefaultLogger('WARN'), shutdownSignals: [] });
  return { NativeConnection: sdk.NativeConnection, createPipelineWorker: worker.createPipelineWorker, workerSettingsFrom: worker.workerSettingsFrom, defaultDeps, startSandbox };
}

interface RunningSandbox {
  sandbox: Sandbox;
  answer: SandboxAnswer;
}

export async function runService(opts: { temporalCli: string; env: Env }): Promise<number> {
  const { env } = opts;
  const { stateDir, idleSeconds } = serviceSettings(env);
  const paths = servicePaths(stateDir);
  const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);

  if (!(await acquireServiceLock(stateDir))) {
    log(`another volt-agent service holds ${paths.lock}; this one exits`);
    return 0;
  }
  log(`service starting (pid ${process.pid}, state ${stateDir}, stops after ${idleSeconds} s without running workflows while no schedule exists)`);

  const loading = loadWorkerModules();
  // Settled here too, so that a failure while the dev server starts is not an unhandled rejection.
  loading.catch(() => undefined);
  let modules: Awaited<typeof loading> | null = null;
  let server: DevServer | null = null;
  let native: NativeConnection | null = null;
  let connection: Connection | null = null;
  let control: http.Server | null = null;
  const workers = new Map<string, { worker: PipelineWorker; run: Promise<void> }>();
  const sandboxes = new Map<string, Promise<RunningSandbox>>();
  let lastActivity = Date.now();
  let runningWorkflows: number | null = null;
  let schedules: string[] | null = null;
  let countFailures = 0;

  let resolveStopped!: (reason: string) => void;
  const stopped = new Promise<string>((resolve) => (resolveStopped = resolve));
  let stopping = false;
  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    log(`stopping: ${reason}`);
    resolveStopped(reason);
  };
  const onSignal = (signal: NodeJS.Signals) => stop(`received ${signal}`);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', () => log('ignoring SIGHUP'));

  const addWorker = async (taskQueue: string, workerEnv: NodeJS.ProcessEnv) => {
    const worker = await modules!.createPipelineWorker({
      connection: native!,
      namespace: server!.namespace,
      deps: modules!.defaultDeps(workerEnv),
      taskQueue,
      settings: modules!.workerSettingsFrom(env),
      rates: apiRates(env),
    });
    const run = worker.run().then(
      () => {
        if (!stopping) stop(`the worker on ${taskQueue} stopped`);
      },
      (error: unknown) => {
        log(`worker on ${taskQueue} failed: ${(error as Error).message}`);
        stop(`the worker on ${taskQueue} failed`);
      },
    );
    workers.set(taskQueue, { worker, run });
    log(`worker polling ${taskQueue}`);
  };

  type Registry = Record<string, { dataset_path: string; fibery_latency_ms: number }>;
  const readRegistry = async (): Promise<Registry> => {
    try {
      return JSON.parse(await readFile(paths.sandboxes, 'utf8')) as Registry;
    } catch {
      return {};
    }
  };

  const ensureSandbox = (datasetPath: string, fiberyLatencyMs: number): Promise<RunningSandbox> => {
    const { key, queue } = sandboxQueueFor(datasetPath, fiberyLatencyMs);
    let entry = sandboxes.get(key);
    if (!entry) {
      entry = (async () => {
        const sandbox = await modules!.startSandbox({ datasetPath: path.resolve(datasetPath), fiberyLatencyMs });
        // The simulators' tokens go to this worker's activities only; the log gets the URLs.
        await addWorker(queue, { ...env.raw, ...sandbox.env });
        const registry = await readRegistry();
        registry[queue] = { dataset_path: path.resolve(datasetPath), fibery_latency_ms: fiberyLatencyMs };
        await writePrivateFileAtomic(paths.sandboxes, `${JSON.stringify(registry, null, 2)}\n`);
        log(`sandbox for ${path.resolve(datasetPath)} (Fibery latency ${fiberyLatencyMs} ms): Toggl ${sandbox.toggl.url}, Fibery ${sandbox.fibery.url}, task queue ${queue}`);
        return {
          sandbox,
          answer: {
            task_queue: queue,
            dataset_name: sandbox.dataset.name,
            fibery_latency_ms: fiberyLatencyMs,
            toggl_url: sandbox.toggl.url,
            fibery_url: sandbox.fibery.url,
          },
        };
      })();
      entry.catch(() => sandboxes.delete(key));
      sandboxes.set(key, entry);
    }
    return entry;
  };

  const client = () => new Client({ connection: connection!, namespace: server!.namespace });

  /** The sandbox a registered queue belongs to, started if it is not; null for a queue that is no sandbox's. */
  const restoreQueue = async (taskQueue: string): Promise<RunningSandbox | null> => {
    const entry = (await readRegistry())[taskQueue];
    if (!entry) return null;
    const { queue } = sandboxQueueFor(entry.dataset_path, entry.fibery_latency_ms);
    if (queue !== taskQueue) throw new Error(`the dataset ${entry.dataset_path} changed since ${taskQueue} was made for it`);
    return ensureSandbox(entry.dataset_path, entry.fibery_latency_ms);
  };

  /** Sandbox schedules need their simulators whenever a slot fires: bring them back with the service. */
  const restoreScheduleSandboxes = async () => {
    schedules = await scheduleIds(client());
    for (const id of schedules) {
      try {
        const needs = await scheduleWorkerNeeds(client(), id);
        if (!needs.sandbox) continue;
        const { answer } = await ensureSandbox(needs.sandbox.dataset_path, needs.sandbox.fibery_latency_ms);
        if (answer.task_queue !== needs.taskQueue) log(`schedule ${id} runs on ${needs.taskQueue}, but its dataset ${needs.sandbox.dataset_path} changed (now ${answer.task_queue}): its runs will wait; create it again`);
      } catch (error) {
        log(`cannot restart the sandbox of schedule ${id}: ${(error as Error).message}`);
      }
    }
  };

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
    modules = await loading;
    native = await modules.NativeConnection.connect({ address: server.address });
    connection = await Connection.connect({ address: server.address });
    await addWorker(TASK_QUEUE, env.raw);

    // Sandbox runs that were in progress when a previous service stopped get their simulators back.
    for await (const execution of client().workflow.list({ query: "ExecutionStatus='Running'" })) {
      if (workers.has(execution.taskQueue)) continue;
      await restoreQueue(execution.taskQueue).catch((error: unknown) => log(`cannot restart the sandbox of ${execution.workflowId}: ${(error as Error).message}`));
    }
    await restoreScheduleSandboxes().catch((error: unknown) => log(`cannot list the schedules: ${(error as Error).message}`));

    const token = randomBytes(24).toString('hex');
    control = http.createServer((req, res) => {
      void handle(req, res);
    });
    const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.headers.authorization !== `Bearer ${token}`) return send(401, { error: 'unauthorized' });
      const idleFor = Date.now() - lastActivity;
      lastActivity = Date.now();
      let body = '';
      for await (const chunk of req) body += String(chunk);
      try {
        if (req.method === 'GET' && req.url === '/status') {
          const list = await Promise.all([...sandboxes.values()].map((p) => p.then((s) => s.answer).catch(() => null)));
          const status: StatusAnswer = {
            pid: process.pid,
            running_workflows: (await client().workflow.count("ExecutionStatus='Running'").catch(() => null))?.count ?? null,
            idle_for_seconds: Math.round(idleFor / 1000),
            sandboxes: list.filter((s): s is SandboxAnswer => s !== null),
            schedules,
          };
          return send(200, status);
        }
        if (req.method === 'POST' && req.url === '/sandbox') {
          const request = JSON.parse(body || '{}') as { dataset_path?: unknown; fibery_latency_ms?: unknown };
          const latency = request.fibery_latency_ms ?? 0;
          if (typeof request.dataset_path !== 'string' || request.dataset_path === '') return send(400, { error: 'dataset_path is required' });
          if (typeof latency !== 'number' || !Number.isInteger(latency) || latency < 0) return send(400, { error: 'fibery_latency_ms must be a whole number ≥ 0' });
          const { answer } = await ensureSandbox(request.dataset_path, latency);
          lastActivity = Date.now();
          return send(200, answer);
        }
        if (req.method === 'POST' && req.url === '/sandbox-queue') {
          const request = JSON.parse(body || '{}') as { task_queue?: unknown };
          if (typeof request.task_queue !== 'string' || request.task_queue === '') return send(400, { error: 'task_queue is required' });
          const restored = await restoreQueue(request.task_queue);
          if (!restored && request.task_queue.startsWith(SANDBOX_QUEUE_PREFIX)) return send(404, { error: `no sandbox is known for ${request.task_queue} in this state directory` });
          lastActivity = Date.now();
          return send(200, { task_queue: request.task_queue, sandbox: restored?.answer ?? null });
        }
        if (req.method === 'POST' && req.url === '/stop') {
          send(202, { stopping: true });
          stop('asked to stop');
          return;
        }
        return send(404, { error: 'not found' });
      } catch (error) {
        return send(500, { error: (error as Error).message });
      }
    };
    await new Promise<void>((resolve) => control!.listen(0, '127.0.0.1', resolve));
    const controlPort = (control.address() as AddressInfo).port;

    const info: ServiceInfo = {
      pid: process.pid,
      server_pid: server.pid,
      address: server.address,
      namespace: server.namespace,
      ui_url: server.uiUrl,
      control_url: `http://127.0.0.1:${controlPort}`,
      control_token: token,
      started_at: new Date().toISOString(),
      version: packageVersion(),
      idle_seconds: idleSeconds,
      fingerprint: await newFingerprint(env),
      state_dir: stateDir,
      log_file: paths.log,
    };
    await writePrivateFileAtomic(paths.info, `${JSON.stringify(info, null, 2)}\n`);
    log(`ready: Temporal ${server.address}, UI ${server.uiUrl}`);
    lastActivity = Date.now();

    const checkEvery = Math.max(500, Math.min(10_000, (idleSeconds * 1000) / 4));
    const timer = setInterval(() => {
      void (async () => {
        try {
          runningWorkflows = (await client().workflow.count("ExecutionStatus='Running'")).count;
          const now = await scheduleIds(client());
          if (now.join() !== (schedules ?? []).join()) log(now.length ? `stays up while schedules exist: ${now.join(', ')}` : 'no schedule left: stops when idle');
          schedules = now;
          countFailures = 0;
        } catch (error) {
          if (++countFailures >= 3) stop(`the Temporal server does not answer: ${(error as Error).message}`);
          return;
        }
        if (runningWorkflows > 0 || schedules.length > 0) lastActivity = Date.now();
        else if (Date.now() - lastActivity >= idleSeconds * 1000) stop(`idle: no running workflow for ${idleSeconds} s, and no schedule`);
      })();
    }, checkEvery);
    await stopped;
    clearInterval(timer);
    return 0;
  } catch (error) {
    log(`service failed: ${(error as Error).stack ?? String(error)}`);
    return 3;
  } finally {
    stopping = true;
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
    await Promise.allSettled([...sandboxes.values()].map((p) => p.then((s) => s.sandbox.close())));
    await native?.close().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await server?.stop();
    await releaseServiceLock(stateDir);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    log('service stopped');
  }
}
