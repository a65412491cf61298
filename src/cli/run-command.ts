/**
 * `volt-agent run` and `volt-agent demo`: validate, find Temporal (the background service in
 * embedded mode, TEMPORAL_ADDRESS otherwise), make sure a worker polls, start the workflow,
 * follow its progress, and report where the files are.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { loadDataset } from '../sandbox/dataset.js';
import { SAMPLE_DATASET_PATH } from '../sandbox/dataset-info.js';
import { getProgressQuery, runIdFor, TASK_QUEUE, WORKFLOW_TYPE, workflowIdFor, type PipelineInput, type PipelineResult, type Progress } from '../workflows/contract.js';
import { readJsonFile, RUN_FILES } from '../storage/json-storage.js';
import { RunMetadataSchema } from '../storage/schemas.js';
import type { TogglFiberyPipeline } from '../workflows/pipeline.js';
import { ValidationError } from '../errors.js';
import type { RunOptions } from './options.js';
import { connectTemporal, externalAddress, uiWorkflowUrl, waitForPoller, workflowPollers, type TemporalTarget } from './connect.js';
import { requestSandbox } from './service/client.js';
import { watchRun, type WatchOutcome } from './watch.js';
import { EXIT } from './exit-codes.js';

export { formatSeconds } from './progress-view.js';

export interface RunRequest extends RunOptions {
  sandbox: boolean;
  datasetPath?: string;
  /** With `sandbox`: the Fibery simulator's delay per request. */
  sandboxLatencyMs?: number;
  json: boolean;
}

export interface Output {
  /** Progress and notes: stderr. */
  info(line: string): void;
  /** The result: stdout. */
  result(line: string): void;
}

async function freshRunId(outputDir: string): Promise<string> {
  // Run ids have one-second resolution: two runs started within a second must not share a directory.
  for (;;) {
    const id = runIdFor(new Date());
    if (!existsSync(path.join(outputDir, id))) return id;
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
  }
}

/** The live box needs a terminal on stdout; pipes, CI, NO_COLOR and TERM=dumb get plain lines. */
export function useLiveDisplay(env: NodeJS.ProcessEnv, json: boolean): { live: boolean; keys: boolean } {
  const live = !json && Boolean(process.stdout.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb' && !env.CI;
  return { live, keys: live && Boolean(process.stdin.isTTY) };
}

/** `--output-dir X` when X is not the default, for the commands we suggest. */
export function outputDirFlag(outputDir: string): string {
  return path.resolve(outputDir) === path.resolve('tmp/runs') ? '' : ` --output-dir ${outputDir}`;
}

export async function queryProgress(target: TemporalTarget, handle: WorkflowHandle, timeoutMs = 4000): Promise<Progress | null> {
  return target.connection.withDeadline(Date.now() + timeoutMs, () => handle.query(getProgressQuery));
}

/** Follows a started run: the box or plain lines, keys, and the note when no worker polls. */
export async function followRun(
  target: TemporalTarget,
  handle: WorkflowHandle<typeof TogglFiberyPipeline>,
  opts: { runId: string; taskQueue: string; json: boolean; out: Output; env: NodeJS.ProcessEnv; startedAt: number | null },
): Promise<WatchOutcome> {
  const display = useLiveDisplay(opts.env, opts.json);
  return watchRun({
    runId: opts.runId,
    result: handle.result(),
    query: () => queryProgress(target, handle),
    uiUrl: uiWorkflowUrl(target.uiBaseUrl, target.namespace, handle.workflowId),
    live: display.live,
    keys: display.keys,
    out: opts.out,
    env: opts.env,
    startedAt: opts.startedAt,
    check: async () => {
      const pollers = await workflowPollers(target, opts.taskQueue);
      return pollers.ok ? null : `No worker has polled ${opts.taskQueue} for a while: the run waits until one does (volt-agent worker).`;
    },
  });
}

export function detachedMessage(runId: string, outputDir: string, uiUrl: string, target: TemporalTarget): string {
  const where = target.mode === 'embedded' ? `the background service (pid ${target.service?.pid}) keeps running it` : `the workers of ${target.address} keep running it`;
  const flag = outputDirFlag(outputDir);
  return [
    `Stopped watching. Run ${runId} goes on: ${where}.`,
    `  Watch again:  volt-agent show-run --run-id ${runId}${flag} --watch`,
    `  Details:      volt-agent show-run --run-id ${runId}${flag}`,
    `  Cancel:       volt-agent cancel-run --run-id ${runId}${flag}`,
    `  Temporal UI:  ${uiUrl}`,
  ].join('\n');
}

/** Prints what a watched run came to and returns the exit code. */
export async function reportOutcome(
  outcome: WatchOutcome,
  ctx: { runId: string; runDir: string; outputDir: string; uiUrl: string; json: boolean; sandbox: boolean; target: TemporalTarget; out: Output },
): Promise<number> {
  const { out, runId, runDir } = ctx;
  switch (outcome.kind) {
    case 'completed':
      await printSummary(outcome.result, runDir, ctx, out);
      return EXIT.OK;
    case 'detached':
      if (ctx.json) out.result(JSON.stringify({ run_id: runId, status: 'in_progress', run_dir: runDir, temporal_ui: ctx.uiUrl }));
      else out.result(detachedMessage(runId, ctx.outputDir, ctx.uiUrl, ctx.target));
      return EXIT.OK;
    case 'cancelled':
    case 'failed': {
      const status = outcome.kind;
      if (ctx.json) out.result(JSON.stringify({ run_id: runId, status, error: outcome.message, run_dir: runDir }));
      else {
        const what = status === 'cancelled' ? 'was cancelled' : `failed: ${outcome.message}`;
        out.result(`✗ Run ${runId} ${what}\n  Files so far: ${runDir} (see ${RUN_FILES.metadata})`);
      }
      return EXIT.RUN_FAILED;
    }
  }
}

export async function runPipeline(request: RunRequest, out: Output, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (request.sandbox && externalAddress(env)) {
    throw new ValidationError('--sandbox runs its simulators next to the embedded Temporal server: unset TEMPORAL_ADDRESS to use it');
  }
  const datasetPath = request.sandbox ? path.resolve(request.datasetPath ?? SAMPLE_DATASET_PATH) : null;
  if (datasetPath) await loadDataset(datasetPath); // a bad dataset is bad input, found before anything starts

  const target = await connectTemporal(env, { log: out.info, checkSettings: true });
  try {
    let taskQueue = TASK_QUEUE;
    if (datasetPath) {
      const sandbox = await requestSandbox(target.service!, datasetPath, request.sandboxLatencyMs ?? 0);
      taskQueue = sandbox.task_queue;
      out.info(
        `Sandbox: Toggl and Fibery simulators for "${sandbox.dataset_name}" at ${sandbox.toggl_url} and ${sandbox.fibery_url}` +
          (sandbox.fibery_latency_ms ? ` (Fibery answers in ${sandbox.fibery_latency_ms} ms, like the real API; --sandbox-latency 0 for at once)` : ''),
      );
    }
    out.info(
      target.mode === 'embedded'
        ? `Temporal: background dev server at ${target.address} (pid ${target.service?.pid}, UI ${target.uiBaseUrl})`
        : `Temporal: ${target.address} (namespace ${target.namespace})`,
    );

    // Without a worker the workflow would wait forever: say so now and start nothing.
    if (!(await waitForPoller(target, taskQueue, target.mode === 'embedded' ? 20_000 : 3_000))) {
      throw new Error(
        target.mode === 'embedded'
          ? `the background service's worker is not polling ${taskQueue}; see ${target.service?.log_file}`
          : `no worker is polling task queue ${taskQueue} on ${target.address} (namespace ${target.namespace}): start one with \`TEMPORAL_ADDRESS=${target.address} volt-agent worker\` and run again (nothing was started)`,
      );
    }

    const runId = request.runId ?? (await freshRunId(request.outputDir));
    const input: PipelineInput = {
      start_date: request.startDate,
      end_date: request.endDate,
      users: request.users,
      start_from: request.startFrom,
      run_id: runId,
      config: null,
      output_dir: request.outputDir,
    };
    const startedAt = Date.now();
    const handle = await target.client.workflow.start<typeof TogglFiberyPipeline>(WORKFLOW_TYPE, {
      taskQueue,
      workflowId: workflowIdFor(runId),
      args: [input],
      workflowExecutionTimeout: '2 hours',
      workflowRunTimeout: '2 hours',
      workflowIdConflictPolicy: 'FAIL',
    });
    const runDir = path.join(request.outputDir, runId);
    const uiUrl = uiWorkflowUrl(target.uiBaseUrl, target.namespace, handle.workflowId);
    out.info(`Run ${runId} started (workflow ${handle.workflowId}); files go to ${runDir}`);
    const outcome = await followRun(target, handle, { runId, taskQueue, json: request.json, out, env, startedAt });
    return await reportOutcome(outcome, { runId, runDir, outputDir: request.outputDir, uiUrl, json: request.json, sandbox: request.sandbox, target, out });
  } finally {
    await target.close();
  }
}

async function printSummary(summary: PipelineResult, runDir: string, ctx: { outputDir: string; sandbox: boolean; json: boolean }, out: Output): Promise<void> {
  const individualDir = path.join(runDir, RUN_FILES.individualDir);
  const individual = existsSync(individualDir) ? (await readdir(individualDir)).filter((f) => f.endsWith('.md')).sort() : [];
  const warnings = (await readJsonFile(path.join(runDir, RUN_FILES.metadata), RunMetadataSchema).catch(() => null))?.warnings ?? [];
  if (ctx.json) {
    out.result(JSON.stringify({ ...summary, run_dir: runDir, individual_reports: individual.map((f) => path.join(individualDir, f)), warnings }));
    return;
  }
  // Warnings (a configured Fibery field the workspace lacks, …) did not stop the run, but the reader should know.
  if (warnings.length > 0) {
    const shown = warnings.slice(0, 8).map((w) => `  ⚠ ${w}`);
    if (warnings.length > shown.length) shown.push(`  … and ${warnings.length - shown.length} more in ${RUN_FILES.metadata}`);
    out.info([`${warnings.length} warning${warnings.length === 1 ? '' : 's'}:`, ...shown].join('\n'));
  }
  out.result(
    [
      `✓ Run ${summary.run_id} completed: ${summary.stats.entities_enriched ?? 0} entities enriched, ${summary.stats.entities_not_found ?? 0} not found, ${summary.stats.person_reports ?? 0} person reports`,
      `  Run files:   ${runDir}`,
      `  Toggl:       ${path.join(runDir, RUN_FILES.togglSummary)}`,
      `  Team:        ${path.join(runDir, RUN_FILES.teamSummary)}`,
      `  People:      ${individualDir}/ (${individual.length} reports)`,
      `  Redo the Fibery stage: volt-agent run --start-from fibery --run-id ${summary.run_id}${outputDirFlag(ctx.outputDir)}${ctx.sandbox ? ' --sandbox' : ''}`,
    ].join('\n'),
  );
}
