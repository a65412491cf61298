/**
 * The Temporal worker of spec 7.2: the TogglFiberyPipeline workflow and every activity, on the
 * `volt-agent-pipeline` task queue. Used in-process by the embedded mode and on its own by
 * `volt-agent worker`.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities } from './activities/index.js';
import type { ActivityDeps } from './activities/context.js';
import { TASK_QUEUE } from './workflows/contract.js';

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

/** The environment variables that override DEFAULT_WORKER_SETTINGS (flags of `volt-agent worker` override them). */
export const WORKER_ENV = {
  maxConcurrentActivityTaskExecutions: 'VOLT_WORKER_MAX_CONCURRENT_ACTIVITIES',
  maxConcurrentLocalActivityExecutions: 'VOLT_WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES',
  maxConcurrentWorkflowTaskExecutions: 'VOLT_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS',
  shutdownGraceTime: 'VOLT_WORKER_SHUTDOWN_GRACE_SECONDS',
} as const;

/** Settings from WORKER_ENV, ignoring values that are not whole numbers in range. */
export function workerSettingsFromEnv(env: NodeJS.ProcessEnv): WorkerSettings {
  const int = (name: string, min: number): number | undefined => {
    const value = Number(env[name]);
    return env[name] !== undefined && env[name] !== '' && Number.isInteger(value) && value >= min ? value : undefined;
  };
  const grace = int(WORKER_ENV.shutdownGraceTime, 0);
  return {
    maxConcurrentActivityTaskExecutions: int(WORKER_ENV.maxConcurrentActivityTaskExecutions, 1) ?? DEFAULT_WORKER_SETTINGS.maxConcurrentActivityTaskExecutions,
    maxConcurrentLocalActivityExecutions: int(WORKER_ENV.maxConcurrentLocalActivityExecutions, 1) ?? DEFAULT_WORKER_SETTINGS.maxConcurrentLocalActivityExecutions,
    maxConcurrentWorkflowTaskExecutions: int(WORKER_ENV.maxConcurrentWorkflowTaskExecutions, 1) ?? DEFAULT_WORKER_SETTINGS.maxConcurrentWorkflowTaskExecutions,
    shutdownGraceTime: grace === undefined ? DEFAULT_WORKER_SETTINGS.shutdownGraceTime : `${grace}s`,
  };
}

function workflowsPath(): string {
  // Run from source (tsx) the workflows are .ts; from a build they are .js.
  const js = fileURLToPath(new URL('./workflows/index.js', import.meta.url));
  return existsSync(js) ? js : fileURLToPath(new URL('./workflows/index.ts', import.meta.url));
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** Bundling takes seconds: do it once per process and share it between workers. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: quietBundlerLogger });
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

export async function createPipelineWorker(opts: {
  connection: NativeConnection;
  namespace: string;
  deps: ActivityDeps;
  settings?: Partial<WorkerSettings>;
  taskQueue?: string;
}): Promise<Worker> {
  const settings = { ...DEFAULT_WORKER_SETTINGS, ...opts.settings };
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    workflowBundle: await workflowBundle(),
    activities: createActivities(opts.deps),
    maxConcurrentActivityTaskExecutions: settings.maxConcurrentActivityTaskExecutions,
    maxConcurrentLocalActivityExecutions: settings.maxConcurrentLocalActivityExecutions,
    maxConcurrentWorkflowTaskExecutions: settings.maxConcurrentWorkflowTaskExecutions,
    // The SDK needs at least 2 workflow task slots while it caches workflows; 1 means no cache.
    ...(settings.maxConcurrentWorkflowTaskExecutions < 2 ? { maxCachedWorkflows: 0 } : {}),
    shutdownGraceTime: settings.shutdownGraceTime as `${number}s`,
  });
}
