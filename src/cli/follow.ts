/**
 * Watching a started run (`run`, `demo`, `show-run --watch`) and reporting what it came to: the
 * summary of a completed run, how to watch again after `q`, the error of a failed one.
 */
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { Env } from '../config/env.js';
import { RUN_FILES } from '../storage/json-storage.js';
import { joinKey, type RunStore } from '../storage/run-store.js';
import { RunMetadataSchema } from '../storage/schemas.js';
import { getProgressQuery, type PipelineResult, type Progress } from '../workflows/contract.js';
import type { TogglFiberyPipeline } from '../workflows/pipeline.js';
import { uiWorkflowUrl, workflowPollers, type TemporalTarget } from './connect.js';
import { EXIT, type Output } from './output.js';
import { DEFAULT_OUTPUT_DIR } from './shared-options.js';
import { watchRun, type WatchOutcome } from './watch.js';

/** The live box needs a terminal on stdout; pipes, CI, NO_COLOR and TERM=dumb get plain lines. */
export function useLiveDisplay(env: Env, json: boolean): { live: boolean; keys: boolean } {
  const raw = env.raw;
  const live = !json && Boolean(process.stdout.isTTY) && !raw.NO_COLOR && raw.TERM !== 'dumb' && !raw.CI;
  return { live, keys: live && Boolean(process.stdin.isTTY) };
}

/** `--output-dir X` when X is not the default, for the commands we suggest. */
export function outputDirFlag(outputDir: string): string {
  return path.resolve(outputDir) === path.resolve(DEFAULT_OUTPUT_DIR) ? '' : ` --output-dir ${outputDir}`;
}

export async function queryProgress(target: TemporalTarget, handle: WorkflowHandle, timeoutMs = 4000): Promise<Progress | null> {
  return target.connection.withDeadline(Date.now() + timeoutMs, () => handle.query(getProgressQuery));
}

/** Follows a started run: the box or plain lines, keys, and the note when no worker polls. */
export async function followRun(
  target: TemporalTarget,
  handle: WorkflowHandle<typeof TogglFiberyPipeline>,
  opts: { runId: string; taskQueue: string; json: boolean; out: Output; env: Env; startedAt: number | null; store: RunStore },
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
      if (!pollers.ok) return `No worker has polled ${opts.taskQueue} for a while: the run waits until one does (volt-agent worker).`;
      // The workers wait for a store that does not answer (and retry); say so, naming it.
      const store = await opts.store.check().then(() => null, (error: Error) => error.message);
      return store && `${store[0]!.toUpperCase()}${store.slice(1)}: the run waits until it answers.`;
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

export interface OutcomeContext {
  store: RunStore;
  runId: string;
  runDir: string;
  outputDir: string;
  uiUrl: string;
  json: boolean;
  sandbox: boolean;
  target: TemporalTarget;
  out: Output;
}

/** Prints what a watched run came to and returns the exit code. */
export async function reportOutcome(outcome: WatchOutcome, ctx: OutcomeContext): Promise<number> {
  const { out, runId, runDir } = ctx;
  switch (outcome.kind) {
    case 'completed':
      await printSummary(outcome.result, ctx);
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

async function printSummary(summary: PipelineResult, ctx: OutcomeContext): Promise<void> {
  const { out, runDir } = ctx;
  const files = ctx.store.run(ctx.runId);
  const individualDir = files.where(RUN_FILES.individualDir);
  const individual = (await files.list(RUN_FILES.individualDir)).map((f) => path.posix.basename(f.key)).filter((f) => f.endsWith('.md') && !f.startsWith('.')).sort();
  const warnings = (await files.readJson(RUN_FILES.metadata, RunMetadataSchema).catch(() => null))?.warnings ?? [];
  if (ctx.json) {
    out.result(JSON.stringify({ ...summary, run_dir: runDir, individual_reports: individual.map((f) => files.where(joinKey(RUN_FILES.individualDir, f))), warnings }));
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
      `  Toggl:       ${files.where(RUN_FILES.togglSummary)} (and .html)`,
      `  Team:        ${files.where(RUN_FILES.teamSummary)}`,
      `  Team page:   ${files.where(RUN_FILES.teamSummaryHtml)} (charts; opens offline)`,
      `  People:      ${individualDir}/ (${individual.length} reports, .md and .html)`,
      ...(ctx.store.kind === 's3' ? [`  Copy here:   volt-agent fetch-reports --run-id ${summary.run_id} --to ./reports-${summary.run_id}`] : []),
      `  Redo the Fibery stage: volt-agent run --start-from fibery --run-id ${summary.run_id}${outputDirFlag(ctx.outputDir)}${ctx.sandbox ? ' --sandbox' : ''}`,
    ].join('\n'),
  );
}
