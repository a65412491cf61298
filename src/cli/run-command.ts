/**
 * `volt-agent run` and `volt-agent demo`: validate, start what is needed (sandbox, embedded
 * Temporal, in-process worker), start the workflow, follow its progress, report where the files are.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { loadAppConfig } from '../config/app-config.js';
import { loadEnrichmentConfig } from '../config/enrichment-config.js';
import { defaultDeps } from '../activities/context.js';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { runIdFor, TASK_QUEUE, workflowIdFor, type PipelineInput, type PipelineResult, type Progress } from '../shared.js';
import { RUN_FILES } from '../storage/json-storage.js';
import type { TogglFiberyPipeline } from '../workflows/pipeline.js';
import { createPipelineWorker } from '../worker.js';
import { ValidationError } from '../errors.js';
import type { RunOptions } from './options.js';
import { openTemporalSession, type TemporalSession } from './temporal-session.js';
import { EXIT } from './exit-codes.js';

export interface RunRequest extends RunOptions {
  sandbox: boolean;
  datasetPath?: string;
  json: boolean;
}

export interface Output {
  info(line: string): void;
  result(line: string): void;
}

/** Config problems stop the run before anything starts. */
async function checkConfig(env: NodeJS.ProcessEnv): Promise<void> {
  const deps = defaultDeps(env);
  const app = await loadAppConfig(deps.configDir, null);
  await loadEnrichmentConfig(path.join(deps.configDir, 'enrichment_config.yaml'), app.enrichment);
}

async function freshRunId(outputDir: string): Promise<string> {
  // Run ids have one-second resolution: two runs started within a second must not share a directory.
  for (;;) {
    const id = runIdFor(new Date());
    if (!existsSync(path.join(outputDir, id))) return id;
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
  }
}

function describeProgress(p: Progress): string {
  const eta = p.eta_seconds === null ? '' : `, ETA ${formatSeconds(p.eta_seconds)}`;
  const type = p.details.current_type ? ` · ${p.details.current_type} ${p.details.types.find((t) => t.key === p.details.current_type)?.done ?? 0}/${p.details.types.find((t) => t.key === p.details.current_type)?.total ?? 0}` : '';
  return `[${p.activity_index}/${p.activity_count}] ${p.current_activity ?? '…'}${type} · ${p.percentage.toFixed(0)}%${eta}`;
}

export function formatSeconds(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m ${s % 60}s` : `${Math.floor(m / 60)}h ${m % 60}m`;
}

async function followProgress(handle: WorkflowHandle<typeof TogglFiberyPipeline>, out: Output, done: Promise<unknown>): Promise<void> {
  let finished = false;
  void done.finally(() => (finished = true)).catch(() => {});
  let lastLine = '';
  let lastPrinted = 0;
  while (!finished) {
    await Promise.race([done.catch(() => {}), new Promise((resolve) => setTimeout(resolve, 1000))]);
    if (finished) break;
    try {
      const progress = await handle.query<Progress>('getProgress');
      const line = describeProgress(progress);
      const stepChanged = line.split(' · ')[0] !== lastLine.split(' · ')[0];
      if (line !== lastLine && (stepChanged || Date.now() - lastPrinted > 5000)) {
        out.info(line);
        lastLine = line;
        lastPrinted = Date.now();
      }
    } catch {
      // The workflow may not have had its first task yet, or has just finished.
    }
  }
}

function failureMessage(error: unknown): string {
  if (error instanceof WorkflowFailedError) {
    let cause: unknown = error.cause;
    while (cause instanceof Error && cause.cause instanceof Error && !(cause instanceof ApplicationFailure && cause.type === 'PipelineFailed')) cause = cause.cause;
    if (cause instanceof Error) return cause.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export async function runPipeline(request: RunRequest, out: Output): Promise<number> {
  const env = process.env;
  await checkConfig(env);
  if (request.sandbox && env.TEMPORAL_ADDRESS) {
    throw new ValidationError('--sandbox runs its worker in this process: unset TEMPORAL_ADDRESS to use the embedded Temporal server');
  }

  let sandbox: Sandbox | null = null;
  let session: TemporalSession | null = null;
  try {
    if (request.sandbox) {
      sandbox = await startSandbox({ datasetPath: request.datasetPath });
      out.info(`Sandbox: Toggl and Fibery simulators for "${sandbox.dataset.name}" at ${sandbox.toggl.url} and ${sandbox.fibery.url}`);
    }
    session = await openTemporalSession(env, out.info);
    out.info(`Temporal: ${session.mode === 'embedded' ? 'embedded dev server' : 'server'} at ${session.address} (namespace ${session.namespace})`);

    // The sandbox's tokens are for the in-process worker only; they never enter the workflow input.
    const activityEnv = sandbox ? { ...env, ...sandbox.env } : env;
    const worker = session.workerConnection
      ? await createPipelineWorker({ connection: session.workerConnection, namespace: session.namespace, deps: defaultDeps(activityEnv) })
      : null;
    const workerRun = worker?.run();

    try {
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
      const handle = await session.client.workflow.start<typeof TogglFiberyPipeline>('TogglFiberyPipeline', {
        taskQueue: TASK_QUEUE,
        workflowId: workflowIdFor(runId),
        args: [input],
        workflowExecutionTimeout: '2 hours',
        workflowRunTimeout: '2 hours',
        workflowIdConflictPolicy: 'FAIL',
      });
      const runDir = path.join(request.outputDir, runId);
      out.info(`Run ${runId} started (workflow ${handle.workflowId}); files go to ${runDir}`);
      const result = handle.result();
      await followProgress(handle, out, result);
      try {
        const summary: PipelineResult = await result;
        await printSummary(summary, runDir, request, out);
        return EXIT.OK;
      } catch (error) {
        const message = failureMessage(error);
        if (request.json) out.result(JSON.stringify({ run_id: runId, status: 'failed', error: message, run_dir: runDir }));
        else out.result(`✗ Run ${runId} failed: ${message}\n  Files so far: ${runDir} (see ${RUN_FILES.metadata})`);
        return EXIT.RUN_FAILED;
      }
    } finally {
      if (worker) {
        worker.shutdown();
        await workerRun;
      }
    }
  } finally {
    await session?.close();
    await sandbox?.close();
  }
}

async function printSummary(summary: PipelineResult, runDir: string, request: RunRequest, out: Output): Promise<void> {
  const individualDir = path.join(runDir, RUN_FILES.individualDir);
  const individual = existsSync(individualDir) ? (await readdir(individualDir)).filter((f) => f.endsWith('.md')).sort() : [];
  if (request.json) {
    out.result(JSON.stringify({ ...summary, run_dir: runDir, individual_reports: individual.map((f) => path.join(individualDir, f)) }));
    return;
  }
  out.result(
    [
      `✓ Run ${summary.run_id} completed: ${summary.stats.entities_enriched ?? 0} entities enriched, ${summary.stats.entities_not_found ?? 0} not found, ${summary.stats.person_reports ?? 0} person reports`,
      `  Run files:   ${runDir}`,
      `  Toggl:       ${path.join(runDir, RUN_FILES.togglSummary)}`,
      `  Team:        ${path.join(runDir, RUN_FILES.teamSummary)}`,
      `  People:      ${individualDir}/ (${individual.length} reports)`,
      `  Redo the Fibery stage: volt-agent run --start-from fibery --run-id ${summary.run_id}${request.outputDir === path.resolve('tmp/runs') ? '' : ` --output-dir ${request.outputDir}`}${request.sandbox ? ' --sandbox' : ''}`,
    ].join('\n'),
  );
}
