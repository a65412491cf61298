/**
 * Starting a run for `run` and `demo`: check everything that can be checked here, find Temporal
 * (the background service in the embedded mode, the configured server otherwise), make sure a
 * worker polls, start the workflow, then follow it until it ends or the user stops watching.
 */
import path from 'node:path';
import { cliSettings, type Env } from '../config/env.js';
import { ValidationError } from '../errors.js';
import { SAMPLE_DATASET_PATH } from '../sandbox/dataset-info.js';
import { runIdFor, TASK_QUEUE, WORKFLOW_TYPE, workflowIdFor, type PipelineInput } from '../workflows/contract.js';
import type { TogglFiberyPipeline } from '../workflows/pipeline.js';
import type { Client } from '@temporalio/client';
import type { TemporalTarget } from './connect.js';
import type { Output } from './output.js';
import type { RunStore } from '../storage/run-store.js';
import { preflightRun, type RunRequest } from './preflight.js';
import { DEFAULT_SANDBOX_LATENCY_MS } from './shared-options.js';

/**
 * The longest a run may take. Not the spec's two hours: a year on Toggl's Free plan (30 requests an
 * hour) waits for the quota for more than a day. Activities have tight timeouts of their own.
 */
const RUN_TIMEOUT = '7 days';

const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));

async function freshRunId(store: RunStore): Promise<string> {
  // Run ids have one-second resolution: two runs started within a second must not share a directory.
  for (;;) {
    const id = runIdFor(new Date());
    if (!(await store.run(id).exists(''))) return id;
    await nextSecond();
  }
}

/** --sandbox, --dataset and --sandbox-latency as a RunRequest has them; the last two need the first. */
export async function sandboxOptions(
  opts: { sandbox: boolean; dataset?: string; sandboxLatency?: number },
  env: Env,
): Promise<Pick<RunRequest, 'sandbox' | 'datasetPath' | 'sandboxLatencyMs'>> {
  if (!opts.sandbox) {
    if (opts.dataset !== undefined) throw new ValidationError('--dataset needs --sandbox: the dataset is what the simulators serve');
    if (opts.sandboxLatency !== undefined) throw new ValidationError('--sandbox-latency needs --sandbox: it slows down the Fibery simulator');
    return { sandbox: false, datasetPath: null, sandboxLatencyMs: 0 };
  }
  return {
    sandbox: true,
    datasetPath: path.resolve(opts.dataset ?? SAMPLE_DATASET_PATH),
    sandboxLatencyMs: opts.sandboxLatency ?? cliSettings(env).sandboxLatencyMs ?? DEFAULT_SANDBOX_LATENCY_MS,
  };
}

/** The sandbox's task queue (its simulators run in the background service), or the pipeline's. */
export async function taskQueueFor(request: Pick<RunRequest, 'datasetPath' | 'sandboxLatencyMs'>, target: TemporalTarget, out: Output): Promise<string> {
  if (!request.datasetPath) return TASK_QUEUE;
  const { requestSandbox } = await import('./service/client.js');
  const sandbox = await requestSandbox(target.service!, request.datasetPath, request.sandboxLatencyMs);
  out.info(
    `Sandbox: Toggl and Fibery simulators for "${sandbox.dataset_name}" at ${sandbox.toggl_url} and ${sandbox.fibery_url}` +
      (sandbox.fibery_latency_ms ? ` (Fibery answers in ${sandbox.fibery_latency_ms} ms, like the real API; --sandbox-latency 0 for at once)` : ''),
  );
  return sandbox.task_queue;
}

/**
 * Starts the pipeline's workflow. A run id made from the clock (one-second resolution) may be taken
 * by another command started in the same second: the server refuses the second workflow of that id,
 * and this one takes the next second's.
 */
export async function startPipeline(
  client: Client,
  taskQueue: string,
  request: Pick<RunRequest, 'runId' | 'outputDir' | 'startDate' | 'endDate' | 'users' | 'startFrom' | 'compare' | 'reloadConfig' | 'deliver'> & { trend?: number | null },
  store: RunStore,
) {
  const { WorkflowExecutionAlreadyStartedError } = await import('@temporalio/client');
  for (;;) {
    const runId = request.runId ?? (await freshRunId(store));
    const input: PipelineInput = {
      start_date: request.startDate,
      end_date: request.endDate,
      users: request.users,
      start_from: request.startFrom,
      run_id: runId,
      config: null,
      output_dir: request.outputDir,
      compare: request.compare,
      reload_config: request.reloadConfig,
      ...(request.deliver.length ? { deliver: request.deliver } : {}),
      ...(request.trend !== undefined && request.trend !== null ? { trend: request.trend } : {}),
    };
    try {
      const handle = await client.workflow.start<typeof TogglFiberyPipeline>(WORKFLOW_TYPE, {
        taskQueue,
        workflowId: workflowIdFor(runId),
        args: [input],
        workflowExecutionTimeout: RUN_TIMEOUT,
        workflowRunTimeout: RUN_TIMEOUT,
        workflowIdConflictPolicy: 'FAIL',
      });
      return { runId, handle };
    } catch (error) {
      if (request.runId !== null || !(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      await nextSecond();
    }
  }
}

export async function launchRun(request: RunRequest, env: Env, out: Output): Promise<number> {
  await preflightRun(request, env);
  // Only the API can tell a wrong token or an unknown --users email: asked before anything exists.
  await (await import('./preflight-toggl.js')).preflightTogglAccess(request, env);
  // The Temporal client and the service code load only for input that passed.
  const [{ connectTemporal, requirePoller, uiWorkflowUrl }, { followRun, reportOutcome }, { cliStore }] = await Promise.all([import('./connect.js'), import('./follow.js'), import('./runs.js')]);
  const store = cliStore(env, request.outputDir);
  await store.check();
  const target = await connectTemporal(env, { log: out.info, checkSettings: true });
  try {
    const taskQueue = await taskQueueFor(request, target, out);
    out.info(
      target.mode === 'embedded'
        ? `Temporal: background dev server at ${target.address} (pid ${target.service?.pid}, UI ${target.uiBaseUrl})`
        : `Temporal: ${target.address} (namespace ${target.namespace})`,
    );
    await requirePoller(target, taskQueue);

    const startedAt = Date.now();
    const { runId, handle } = await startPipeline(target.client, taskQueue, request, store);
    const runDir = store.run(runId).location;
    const uiUrl = uiWorkflowUrl(target.uiBaseUrl, target.namespace, handle.workflowId);
    out.info(`Run ${runId} started (workflow ${handle.workflowId}); files go to ${runDir}`);
    const outcome = await followRun(target, handle, { runId, taskQueue, json: request.json, out, env, startedAt, store });
    return await reportOutcome(outcome, { store, runId, runDir, outputDir: request.outputDir, uiUrl, json: request.json, sandbox: request.sandbox, target, out });
  } finally {
    await target.close();
  }
}
