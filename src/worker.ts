/**
 * The Temporal worker of spec 7.2: the TogglFiberyPipeline workflow and every activity, on the
 * `volt-agent-pipeline` task queue. Used in-process by the embedded mode and on its own by
 * `volt-agent worker`.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities, type Activities } from './activities/index.js';
import type { ActivityDeps } from './activities/context.js';
import { workerSettings, type Env, type WorkerEnvSettings } from './config/env.js';
import { TASK_QUEUE } from './workflows/contract.js';
import { activitiesOn, API_BUDGETS, API_NAMES, apiQueue, DEFAULT_API_RATES, rateKey, type ApiRates } from './http/budgets.js';
import { shareSlotsThrough } from './http/pacer.js';
import { keepBudgetsLocal, temporalSlots } from './temporal/shared-slots.js';

export interface WorkerSettings {
  maxConcurrentActivityTaskExecutions: number;
  maxConcurrentLocalActivityExecutions: number;
  maxConcurrentWorkflowTaskExecutions: number;
  /** How long in-flight activities get to finish when the worker shuts down. */
  shutdownGraceTime: string;
}

/**
 * Spec 8.3, except workflow tasks: the SDK requires at least 2 while it caches workflows, so 2.
 * 1 (as in the spec) works too: it turns the workflow cache off, so each task replays the history.
 */
export const DEFAULT_WORKER_SETTINGS: WorkerSettings = {
  maxConcurrentActivityTaskExecutions: 10,
  maxConcurrentLocalActivityExecutions: 10,
  maxConcurrentWorkflowTaskExecutions: 2,
  shutdownGraceTime: '30s',
};

/** VOLT_WORKER_* (see src/config/env.ts) over the defaults; flags of `volt-agent worker` go over both. */
export function workerSettingsFrom(env: Env, flags: WorkerEnvSettings = {}): WorkerSettings {
  const given = Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined)) as WorkerEnvSettings;
  const set = { ...workerSettings(env), ...given };
  return {
    maxConcurrentActivityTaskExecutions: set.maxConcurrentActivityTaskExecutions ?? DEFAULT_WORKER_SETTINGS.maxConcurrentActivityTaskExecutions,
    maxConcurrentLocalActivityExecutions: set.maxConcurrentLocalActivityExecutions ?? DEFAULT_WORKER_SETTINGS.maxConcurrentLocalActivityExecutions,
    maxConcurrentWorkflowTaskExecutions: set.maxConcurrentWorkflowTaskExecutions ?? DEFAULT_WORKER_SETTINGS.maxConcurrentWorkflowTaskExecutions,
    shutdownGraceTime: set.shutdownGraceSeconds === undefined ? DEFAULT_WORKER_SETTINGS.shutdownGraceTime : `${set.shutdownGraceSeconds}s`,
  };
}

/**
 * The workflow code, pre-bundled by `npm run build` next to the compiled worker
 * (dist/workflow-bundle.js). Run from the sources (tsx), there is none: bundle them once per process.
 */
export const PREBUILT_BUNDLE = fileURLToPath(new URL('./workflow-bundle.js', import.meta.url));

function workflowsPath(): string {
  // Run from source (tsx) the workflows are .ts; from a build they are .js.
  const js = fileURLToPath(new URL('./workflows/index.js', import.meta.url));
  return existsSync(js) ? js : fileURLToPath(new URL('./workflows/index.ts', import.meta.url));
}

/**
 * Run from the sources in a checkout, the build's bundle still serves while it is newer than every
 * file it was made from (src/workflows, src/patterns): tests and tsx runs then skip webpack.
 */
function freshBuildBundle(): string | null {
  const built = fileURLToPath(new URL('../dist/workflow-bundle.js', import.meta.url));
  const stamp = fileURLToPath(new URL('../dist/build-info.json', import.meta.url));
  if (!existsSync(built) || !existsSync(stamp)) return null;
  const inputs = ['./workflows/', './patterns/'].map((dir) => fileURLToPath(new URL(dir, import.meta.url)));
  const newest = Math.max(...inputs.map((dir) => newestMtime(dir)));
  return newest < statSync(stamp).mtimeMs ? built : null;
}

function newestMtime(dir: string): number {
  if (!existsSync(dir)) return 0;
  return Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newestMtime(path.join(dir, e.name)) : statSync(path.join(dir, e.name)).mtimeMs)));
}

let bundle: Promise<WorkflowBundleOption> | undefined;

/** Bundling takes seconds: do it once per process and share it between workers. */
export function workflowBundle(): Promise<WorkflowBundleOption> {
  const prebuilt = existsSync(PREBUILT_BUNDLE) ? PREBUILT_BUNDLE : freshBuildBundle();
  bundle ??= prebuilt ? Promise.resolve({ codePath: prebuilt }) : bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: quietBundlerLogger });
  return bundle;
}

const quietBundlerLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

/**
 * The pipeline's workers on one connection: the main task queue (the workflows, the API budget
 * workflow and most activities) and one queue per API of src/http/budgets.ts, serving the activities
 * tagged with it, at most `maxConcurrent` at once per worker. Every request takes its slot from the
 * API budget workflow (src/workflows/api-budget.ts), so all workers and runs with one token spend one
 * budget on any server. `rates` (VOLT_WORKER_*_REQUESTS_PER_SECOND) adds the server's own cap on an
 * API queue's activities per second, which a server splits across the queue's partitions.
 */
export interface PipelineWorker {
  run(): Promise<void>;
  shutdown(): void;
  runUntil<R>(work: Promise<R> | (() => Promise<R>)): Promise<R>;
}

export { DEFAULT_API_RATES, type ApiRates };

export async function createPipelineWorker(opts: {
  connection: NativeConnection;
  namespace: string;
  deps: ActivityDeps;
  settings?: Partial<WorkerSettings>;
  taskQueue?: string;
  rates?: Partial<ApiRates>;
  /** Other implementations of the activities (tests run the workflow against stubs). */
  activities?: Activities;
  /**
   * false: this process's requests keep to the budgets on their own, without the budget workflow
   * (each update costs about 14 ms of CPU between worker and server): for a single worker whose
   * runs do not share a token with any other's, as tests that lift the budgets are.
   */
  shareBudgets?: boolean;
}): Promise<PipelineWorker> {
  const settings = { ...DEFAULT_WORKER_SETTINGS, ...opts.settings };
  const rates: Partial<ApiRates> = opts.rates ?? {};
  const taskQueue = opts.taskQueue ?? TASK_QUEUE;
  shareSlotsThrough(temporalSlots);
  if (opts.shareBudgets === false) keepBudgetsLocal(taskQueue);
  const activities = opts.activities ?? createActivities(opts.deps);
  const common = {
    connection: opts.connection,
    namespace: opts.namespace,
    shutdownGraceTime: settings.shutdownGraceTime as `${number}s`,
    // A heartbeat is what tells an activity it was cancelled, and a cancelled run waits for its
    // activities to stop: send each as our activities beat (every third of the timeout), not at
    // the SDK's 80 % of it, so a cancellation takes seconds.
    maxHeartbeatThrottleInterval: '3s',
  };
  const main = await Worker.create({
    ...common,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities,
    maxConcurrentActivityTaskExecutions: settings.maxConcurrentActivityTaskExecutions,
    maxConcurrentLocalActivityExecutions: settings.maxConcurrentLocalActivityExecutions,
    maxConcurrentWorkflowTaskExecutions: settings.maxConcurrentWorkflowTaskExecutions,
    // The SDK needs at least 2 workflow task slots while it caches workflows; 1 means no cache.
    ...(settings.maxConcurrentWorkflowTaskExecutions < 2 ? { maxCachedWorkflows: 0 } : {}),
    // A worker that died leaves its runs' next workflow tasks on its own sticky queue: another
    // worker takes them after this long (the SDK's default is 10 s).
    stickyQueueScheduleToStartTimeout: '3s',
  });
  const apiWorkers = await Promise.all(
    API_NAMES.map((api) =>
      Worker.create({
        ...common,
        taskQueue: apiQueue(taskQueue, api),
        activities: activitiesOn(activities, api),
        maxConcurrentActivityTaskExecutions: API_BUDGETS[api].maxConcurrent ?? settings.maxConcurrentActivityTaskExecutions,
        ...(rates[rateKey(api)] !== undefined ? { maxTaskQueueActivitiesPerSecond: rates[rateKey(api)] } : {}),
      }),
    ),
  );
  return composeWorkers([main, ...apiWorkers]);
}

function composeWorkers(workers: Worker[]): PipelineWorker {
  let running: Promise<void> | null = null;
  const run = () => {
    running ??= Promise.all(workers.map((w) => w.run())).then(() => undefined);
    return running;
  };
  const shutdown = () => {
    for (const worker of workers) {
      try {
        worker.shutdown();
      } catch {
        // not running (yet or any more)
      }
    }
  };
  return {
    run,
    shutdown,
    async runUntil(work) {
      const runs = run();
      try {
        return await Promise.race([typeof work === 'function' ? work() : work, runs.then(() => Promise.reject(new Error('the workers stopped')))]);
      } finally {
        shutdown();
        await runs.catch(() => undefined);
      }
    },
  };
}
