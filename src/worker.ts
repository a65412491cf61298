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
import { TASK_QUEUE } from './shared.js';

export interface WorkerSettings {
  maxConcurrentActivityTaskExecutions: number;
  maxConcurrentLocalActivityExecutions: number;
  maxConcurrentWorkflowTaskExecutions: number;
  /** How long in-flight activities get to finish when the worker shuts down. */
  shutdownGraceTime: string;
}

/**
 * Spec 8.3, except workflow tasks: the SDK requires at least 2 while it caches workflows, so 2.
 */
export const DEFAULT_WORKER_SETTINGS: WorkerSettings = {
  maxConcurrentActivityTaskExecutions: 10,
  maxConcurrentLocalActivityExecutions: 10,
  maxConcurrentWorkflowTaskExecutions: 2,
  shutdownGraceTime: '30s',
};

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
    shutdownGraceTime: settings.shutdownGraceTime as `${number}s`,
  });
}
