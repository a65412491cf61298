/**
 * Run management (spec 6.3): `list-runs`, `show-run`, `cancel-run`, `temporal-ui`. The run files
 * are the record; Temporal is asked only about runs still in progress (and to cancel them).
 */
import path from 'node:path';
import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { ValidationError } from '../errors.js';
import { RUN_STATUSES, type RunMetadata } from '../storage/schemas.js';
import { workflowIdFor, type Progress } from '../workflows/contract.js';
import type { TogglFiberyPipeline } from '../workflows/pipeline.js';
import { connectTemporal, uiWorkflowUrl, type TemporalTarget } from './connect.js';
import { EXIT } from './exit-codes.js';
import { openUrl } from './open-url.js';
import { detailLines, plainProgressLine, stageLabel } from './progress-view.js';
import { followRun, outputDirFlag, queryProgress, reportOutcome, type Output } from './run-command.js';
import { durationSeconds, findRun, formatBytes, formatDuration, formatTimestamp, listRuns, readRun, runFiles, stagesLabel, table, usersLabel, type ReadableRun, type RunEntry } from './runs.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// list-runs

export interface ListRunsOptions {
  outputDir: string;
  limit: string;
  status?: string;
  json: boolean;
}

function listJson(entry: RunEntry, now: number): Record<string, unknown> {
  if (!entry.readable) return { run_id: entry.run_id, status: 'unreadable', run_dir: entry.run_dir, error: entry.error };
  return { ...entry.raw, run_dir: entry.run_dir, duration_seconds: durationSeconds(entry.metadata, now) };
}

export async function listRunsCommand(opts: ListRunsOptions, out: Output): Promise<number> {
  const limit = Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new ValidationError(`--limit must be a whole number ≥ 1, not "${opts.limit}"`);
  if (opts.status !== undefined && !(RUN_STATUSES as readonly string[]).includes(opts.status)) {
    throw new ValidationError(`--status must be one of ${RUN_STATUSES.join(', ')}, not "${opts.status}"`);
  }
  const outputDir = path.resolve(opts.outputDir);
  const all = await listRuns(outputDir);
  const matching = opts.status === undefined ? all : all.filter((r) => r.readable && r.metadata.status === opts.status);
  const shown = matching.slice(0, limit);
  const now = Date.now();
  if (opts.json) {
    out.result(JSON.stringify(shown.map((r) => listJson(r, now)), null, 2));
    return EXIT.OK;
  }
  if (shown.length === 0) {
    out.result(all.length === 0 ? `No runs in ${outputDir}` : `No ${opts.status} runs in ${outputDir} (${all.length} runs in all)`);
    return EXIT.OK;
  }
  const rows = shown.map((r) =>
    r.readable
      ? [
          r.run_id,
          r.metadata.status,
          `${r.metadata.parameters.start_date} – ${r.metadata.parameters.end_date}`,
          usersLabel(r.metadata),
          formatTimestamp(r.metadata.created_at),
          formatDuration(durationSeconds(r.metadata, now)),
          stagesLabel(r.metadata),
        ]
      : [r.run_id, 'unreadable', '-', '-', '-', '-', r.error],
  );
  const lines = [table(['RUN ID', 'STATUS', 'PERIOD', 'USERS', 'STARTED', 'DURATION', 'STAGES'], rows)];
  if (matching.length > shown.length) lines.push(`(${shown.length} of ${matching.length}: --limit ${matching.length} shows all)`);
  out.result(lines.join('\n'));
  return EXIT.OK;
}

// ---------------------------------------------------------------------------------------------
// show-run

export interface ShowRunOptions {
  runId: string;
  outputDir: string;
  json: boolean;
  watch: boolean;
}

interface LiveState {
  workflow_status: string | null;
  progress: Progress | null;
  note: string | null;
}

function handleFor(target: TemporalTarget, metadata: RunMetadata): WorkflowHandle<typeof TogglFiberyPipeline> {
  return target.client.workflow.getHandle(metadata.workflow_id, metadata.temporal_metadata.run_id || undefined);
}

async function describeWorkflow(handle: WorkflowHandle): Promise<{ status: string; startTime: Date; taskQueue: string } | null> {
  try {
    const description = await handle.describe();
    return { status: description.status.name, startTime: description.startTime, taskQueue: description.taskQueue };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return null;
    throw error;
  }
}

async function workflowStatus(handle: WorkflowHandle): Promise<string | null> {
  return (await describeWorkflow(handle))?.status ?? null;
}

async function liveState(metadata: RunMetadata, out: Output): Promise<LiveState> {
  let target: TemporalTarget | null = null;
  try {
    target = await connectTemporal(process.env, { log: out.info, checkSettings: false });
    const handle = handleFor(target, metadata);
    const status = await workflowStatus(handle);
    if (status === null) return { workflow_status: null, progress: null, note: `Temporal at ${target.address} does not know workflow ${metadata.workflow_id}` };
    const progress = status === 'RUNNING' ? await queryProgress(target, handle).catch(() => null) : null;
    const note =
      status !== 'RUNNING'
        ? `run_metadata.json says in_progress, but the workflow is ${status.toLowerCase()}`
        : progress === null
          ? 'the workflow does not answer the progress query (no worker polling?)'
          : null;
    return { workflow_status: status, progress, note };
  } catch (error) {
    return { workflow_status: null, progress: null, note: `live progress unavailable: ${(error as Error).message.split('\n')[0]}` };
  } finally {
    await target?.close();
  }
}

function counts(metadata: RunMetadata): Record<string, number> {
  const keys = ['entries', 'users', 'entities', 'entities_enriched', 'entities_not_found', 'entities_not_enrichable', 'person_reports'];
  return Object.fromEntries(keys.filter((k) => metadata.stats[k] !== undefined).map((k) => [k, metadata.stats[k]!]));
}

function countsLine(metadata: RunMetadata): string {
  const s = metadata.stats;
  const parts: string[] = [];
  if (s.entries !== undefined) parts.push(`${s.entries} entries`);
  if (s.users !== undefined) parts.push(`${s.users} users`);
  if (s.entities !== undefined) parts.push(`${s.entities} entities`);
  if (s.entities_enriched !== undefined) parts.push(`${s.entities_enriched} enriched`);
  if (s.entities_not_found !== undefined) parts.push(`${s.entities_not_found} not found`);
  if (s.entities_not_enrichable) parts.push(`${s.entities_not_enrichable} not enrichable`);
  if (s.person_reports !== undefined) parts.push(`${s.person_reports} person reports`);
  return parts.join(', ') || '-';
}

function showText(run: ReadableRun, files: { path: string; bytes: number }[], live: LiveState | null, now: number): string {
  const m = run.metadata;
  const lines = [
    `Run ${m.run_id}: ${m.status}`,
    `  Period:      ${m.parameters.start_date} – ${m.parameters.end_date}`,
    `  Users:       ${m.parameters.users_filter?.join(', ') || usersLabel(m)}`,
    `  Started at:  ${formatTimestamp(m.created_at)} (from the ${m.parameters.start_from} stage)`,
    `  Finished at: ${formatTimestamp(m.finished_at)}`,
    `  Duration:    ${formatDuration(durationSeconds(m, now))}${m.status === 'in_progress' ? ' so far' : ''}`,
    `  Stages:      ${stagesLabel(m)}`,
    `  Counts:      ${countsLine(m)}`,
    `  Workflow:    ${m.workflow_id} (task queue ${m.temporal_metadata.task_queue})`,
  ];
  if (m.llm.used) lines.push(`  LLM:         ${m.llm.calls.length} calls (${[...new Set(m.llm.calls.map((c) => `${c.provider} ${c.model}`))].join(', ')})`);
  if (m.error) lines.push(`  Error:       ${m.error.message}${m.error.activity ? ` (in ${m.error.activity}, ${m.error.stage ?? '?'} stage)` : ''}`);
  if (m.warnings.length) lines.push(`  Warnings:    ${m.warnings.length}`, ...m.warnings.slice(0, 5).map((w) => `    - ${w}`));
  if (live) {
    if (live.progress) {
      lines.push(`  Live:        ${stageLabel(live.progress)}, ${plainProgressLine(live.progress)}`);
      lines.push(...detailLines(live.progress).map((l) => `    ${l}`));
    }
    if (live.note) lines.push(`  Note:        ${live.note}`);
  }
  lines.push(`  Files in ${run.run_dir}:`);
  if (files.length === 0) lines.push('    (none)');
  const width = Math.max(0, ...files.map((f) => f.path.length));
  for (const f of files) lines.push(`    ${f.path.padEnd(width)}  ${formatBytes(f.bytes).padStart(9)}`);
  return lines.join('\n');
}

async function readableRun(outputDir: string, runId: string): Promise<ReadableRun> {
  const run = await findRun(outputDir, runId);
  if (!run.readable) throw new ValidationError(`run "${runId}" in ${outputDir} is unreadable: ${run.error}`);
  return run;
}

export async function showRunCommand(opts: ShowRunOptions, out: Output): Promise<number> {
  const outputDir = path.resolve(opts.outputDir);
  const run = await readableRun(outputDir, opts.runId);
  if (opts.watch && run.metadata.status === 'in_progress') return watchExisting(run, outputDir, opts.json, out);

  const live = run.metadata.status === 'in_progress' ? await liveState(run.metadata, out) : null;
  const files = await runFiles(run.run_dir);
  const now = Date.now();
  if (opts.json) {
    out.result(
      JSON.stringify(
        {
          ...run.raw,
          run_dir: run.run_dir,
          duration_seconds: durationSeconds(run.metadata, now),
          counts: counts(run.metadata),
          files,
          workflow_status: live?.workflow_status ?? null,
          progress: live?.progress ?? null,
          ...(live?.note ? { note: live.note } : {}),
        },
        null,
        2,
      ),
    );
  } else {
    out.result(showText(run, files, live, now));
  }
  return EXIT.OK;
}

async function watchExisting(run: ReadableRun, outputDir: string, json: boolean, out: Output): Promise<number> {
  const target = await connectTemporal(process.env, { log: out.info, checkSettings: false });
  try {
    const handle = handleFor(target, run.metadata);
    const description = await describeWorkflow(handle);
    const status = description?.status ?? null;
    if (status !== 'RUNNING') {
      out.info(status === null ? `Temporal at ${target.address} does not know workflow ${run.metadata.workflow_id}` : `The workflow of run ${run.run_id} is ${status.toLowerCase()}`);
    }
    const outcome = await followRun(target, handle, {
      runId: run.run_id,
      taskQueue: description?.taskQueue ?? run.metadata.temporal_metadata.task_queue,
      json,
      out,
      env: process.env,
      startedAt: description?.startTime.getTime() ?? null,
    });
    const uiUrl = uiWorkflowUrl(target.uiBaseUrl, target.namespace, run.metadata.workflow_id);
    return await reportOutcome(outcome, { runId: run.run_id, runDir: run.run_dir, outputDir, uiUrl, json, sandbox: false, target, out });
  } finally {
    await target.close();
  }
}

// ---------------------------------------------------------------------------------------------
// cancel-run

export interface CancelRunOptions {
  runId: string;
  outputDir: string;
  waitSeconds: string;
}

export async function cancelRunCommand(opts: CancelRunOptions, out: Output): Promise<number> {
  const outputDir = path.resolve(opts.outputDir);
  const waitSeconds = Number(opts.waitSeconds);
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0) throw new ValidationError(`--wait must be a number of seconds ≥ 0, not "${opts.waitSeconds}"`);
  const run = await readableRun(outputDir, opts.runId);
  if (run.metadata.status !== 'in_progress') {
    throw new ValidationError(`run "${opts.runId}" is ${run.metadata.status}${run.metadata.finished_at ? ` since ${formatTimestamp(run.metadata.finished_at)}` : ''}: there is nothing to cancel`);
  }
  const target = await connectTemporal(process.env, { log: out.info, checkSettings: false });
  try {
    const handle = handleFor(target, run.metadata);
    const status = await workflowStatus(handle);
    if (status === null) {
      throw new ValidationError(`Temporal at ${target.address} does not know workflow ${run.metadata.workflow_id} of run "${opts.runId}" (another TEMPORAL_ADDRESS or VOLT_STATE_DIR?)`);
    }
    if (status !== 'RUNNING') {
      throw new ValidationError(`the workflow of run "${opts.runId}" is already ${status.toLowerCase()}: there is nothing to cancel`);
    }
    await handle.cancel();
    out.info(`Cancellation of run ${opts.runId} requested; waiting for the workflow to record it…`);
    const deadline = Date.now() + waitSeconds * 1000;
    let metadataStatus: string = run.metadata.status;
    let closed: string | null = 'RUNNING';
    for (;;) {
      const now = await readRun(run.run_dir);
      metadataStatus = now.readable ? now.metadata.status : 'unreadable';
      closed = await workflowStatus(handle);
      if (closed !== 'RUNNING' && metadataStatus !== 'in_progress') break;
      if (Date.now() >= deadline) break;
      await sleep(250);
    }
    if (closed === 'CANCELLED' && metadataStatus === 'cancelled') {
      out.result(`✓ Run ${opts.runId} cancelled: the workflow is cancelled and ${path.join(run.run_dir, 'run_metadata.json')} says so`);
      return EXIT.OK;
    }
    if (closed !== 'RUNNING') {
      out.result(`Run ${opts.runId}: the workflow ended as ${closed?.toLowerCase() ?? 'unknown'}; run_metadata.json says ${metadataStatus}`);
      return closed === 'CANCELLED' ? EXIT.OK : EXIT.RUN_FAILED;
    }
    out.result(
      `Cancellation of run ${opts.runId} was requested, but the workflow has not finished cancelling within ${waitSeconds} s` +
        (target.mode === 'external' ? ' (is a worker running? volt-agent worker)' : '') +
        `: check again with volt-agent show-run --run-id ${opts.runId}${outputDirFlag(outputDir)}`,
    );
    return EXIT.ENVIRONMENT;
  } finally {
    await target.close();
  }
}

// ---------------------------------------------------------------------------------------------
// temporal-ui

export interface TemporalUiOptions {
  runId: string;
  outputDir: string;
  open: boolean;
}

export async function temporalUiCommand(opts: TemporalUiOptions, out: Output): Promise<number> {
  const outputDir = path.resolve(opts.outputDir);
  const found = await findRun(outputDir, opts.runId).catch(() => null);
  const workflowId = found?.readable ? found.metadata.workflow_id : workflowIdFor(opts.runId);
  const target = await connectTemporal(process.env, { log: out.info, checkSettings: false });
  try {
    if (!found && (await workflowStatus(target.client.workflow.getHandle(workflowId))) === null) {
      throw new ValidationError(`no run "${opts.runId}" in ${outputDir}, and Temporal at ${target.address} does not know workflow ${workflowId}`);
    }
    const url = uiWorkflowUrl(target.uiBaseUrl, target.namespace, workflowId);
    const opened = opts.open && Boolean(process.stdout.isTTY) && openUrl(url);
    if (opened) out.info(`Opening the Temporal UI for run ${opts.runId}`);
    out.result(url);
    return EXIT.OK;
  } finally {
    await target.close();
  }
}

