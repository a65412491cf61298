/**
 * The Temporal worker of spec 7.2: the TogglFiberyPipeline workflow and every activity, on the
 * `volt-agent-pipeline` task queue. Used in-process by the embedded mode and on its own by
 * `volt-agent worker`.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities } from './activities/index.js';
import type { ActivityDeps } from './activities/context.js';
import { workerSettings, type Env, type WorkerEnvSettings } from './config/env.js';
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

let bundle: Promise<WorkflowBundleOption> | undefined;

/** Bundling takes seconds: do it once per process and share it between workers. */
export function workflowBundle(): Promise<WorkflowBundleOption> {
  bundle ??= existsSync(PREBUILT_BUNDLE)
    ? Promise.resolve({ codePath: PREBUILT_BUNDLE })
    : bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: quietBundlerLogger });
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
