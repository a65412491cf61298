/**
 * `volt-agent show-run`: one run from its files (parameters, stages, timings, counts, files, the
 * error of a failed run); Temporal is asked only while the run is in progress, for live progress.
 */
import path from 'node:path';
import type { Env } from '../../config/env.js';
import { RUN_FILES } from '../../storage/json-storage.js';
import type { RunStore } from '../../storage/run-store.js';
import type { RunMetadata } from '../../storage/schemas.js';
import type { Progress } from '../../workflows/contract.js';
import type { TemporalTarget } from '../connect.js';
import { defineCommand } from '../define-command.js';
import { EXIT, type Output } from '../output.js';
import type { ReadableRun, RunFile } from '../runs.js';
import { jsonOption, outputDirOption, requiredRunIdOption } from '../shared-options.js';

export const showRun = defineCommand({
  name: 'show-run',
  description: 'Show one run: parameters, status, stages, timings, counts, files with sizes, the error of a failed run, and live progress while it runs.',
  options: (command) =>
    command
      .addOption(requiredRunIdOption('the run (see volt-agent list-runs)'))
      .addOption(outputDirOption())
      .addOption(jsonOption('print run_metadata.json plus run_dir, duration_seconds, counts, files, workflow_status and progress'))
      .option('--watch', 'for a run in progress: follow it live until it ends (as volt-agent run does)', false),
  examples: [
    { command: 'volt-agent show-run --run-id run_2025-10-10-15-30-45' },
    { command: 'volt-agent show-run --run-id run_2025-10-10-15-30-45 --watch' },
    { command: 'volt-agent show-run --run-id run_2025-10-10-15-30-45 --json | jq .counts' },
  ],
  async handler(opts, ctx) {
    const { readableRun, cliStore } = await import('../runs.js');
    const env = await ctx.env();
    const store = cliStore(env, opts.outputDir);
    const outputDir = path.resolve(opts.outputDir);
    const run = await readableRun(store, opts.runId);
    if (run.metadata.status !== 'in_progress') return printRun(store, run, null, opts.json, ctx.out);
    if (opts.watch) return watchExisting(store, run, outputDir, opts.json, env, ctx.out);
    return printRun(store, run, await liveState(run.metadata, env, ctx.out), opts.json, ctx.out);
  },
});

async function printRun(store: RunStore, run: ReadableRun, live: LiveState | null, json: boolean, out: Output): Promise<number> {
  const { durationSeconds, runFiles } = await import('../runs.js');
  const files = await runFiles(store.run(run.run_id));
  const now = Date.now();
  if (!json) {
    out.result(await showText(run, files, live, now));
    return EXIT.OK;
  }
  const body = {
    ...run.raw,
    run_dir: run.run_dir,
    duration_seconds: durationSeconds(run.metadata, now),
    counts: counts(run.metadata),
    files,
    llm_answers: llmAnswerFiles(files).map((f) => f.path),
    workflow_status: live?.workflow_status ?? null,
    progress: live?.progress ?? null,
    ...(live?.note ? { note: live.note } : {}),
  };
  out.result(JSON.stringify(body, null, 2));
  return EXIT.OK;
}

/** The kept LLM answers among the run's files (store keys are `/`-separated in every store). */
function llmAnswerFiles(files: RunFile[]): RunFile[] {
  return files.filter((f) => f.path.startsWith(`${RUN_FILES.llmAnswers}/`));
}

interface LiveState {
  workflow_status: string | null;
  progress: Progress | null;
  note: string | null;
}

async function liveState(metadata: RunMetadata, env: Env, out: Output): Promise<LiveState> {
  const [{ connectTemporal }, { queryProgress }, { handleFor, workflowStatus }] = await Promise.all([
    import('../connect.js'),
    import('../follow.js'),
    import('../workflow-state.js'),
  ]);
  let target: TemporalTarget | null = null;
  try {
    target = await connectTemporal(env, { log: out.info, checkSettings: false });
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
    // The files are the record: show them even when Temporal cannot be asked.
    return { workflow_status: null, progress: null, note: `live progress unavailable: ${(error as Error).message.split('\n')[0]}` };
  } finally {
    await target?.close();
  }
}

async function watchExisting(store: RunStore, run: ReadableRun, outputDir: string, json: boolean, env: Env, out: Output): Promise<number> {
  const [{ connectTemporal, uiWorkflowUrl }, { followRun, reportOutcome }, { handleFor, describeWorkflow }] = await Promise.all([
    import('../connect.js'),
    import('../follow.js'),
    import('../workflow-state.js'),
  ]);
  const target = await connectTemporal(env, { log: out.info, checkSettings: false });
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
      env,
      startedAt: description?.startTime.getTime() ?? null,
      store,
    });
    const uiUrl = uiWorkflowUrl(target.uiBaseUrl, target.namespace, run.metadata.workflow_id);
    return await reportOutcome(outcome, { runId: run.run_id, runDir: run.run_dir, outputDir, uiUrl, json, sandbox: false, target, out, store });
  } finally {
    await target.close();
  }
}

const COUNT_KEYS = ['entries', 'users', 'entities', 'entities_enriched', 'entities_not_found', 'entities_not_enrichable', 'person_reports'] as const;

function counts(metadata: RunMetadata): Record<string, number> {
  return Object.fromEntries(COUNT_KEYS.filter((k) => metadata.stats[k] !== undefined).map((k) => [k, metadata.stats[k]!]));
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

async function showText(run: ReadableRun, files: RunFile[], live: LiveState | null, now: number): Promise<string> {
  const [{ durationSeconds, formatBytes, formatDuration, formatTimestamp, stagesLabel, usersLabel }, { detailLines, plainProgressLine, stageLabel }] = await Promise.all([
    import('../runs.js'),
    import('../progress-view.js'),
  ]);
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
  const answers = llmAnswerFiles(files);
  if (answers.length) lines.push(`  LLM answers: ${answers.length} ${answers.length === 1 ? 'file' : 'files'} in ${RUN_FILES.llmAnswers}/ (each report's answers as the model wrote them, with what was not used and why)`);
  if (m.error) lines.push(`  Error:       ${m.error.message}${m.error.activity ? ` (in ${m.error.activity}, ${m.error.stage ?? '?'} stage)` : ''}`);
  if (m.warnings.length) lines.push(`  Warnings:    ${m.warnings.length}`, ...m.warnings.slice(0, 5).map((w) => `    - ${w}`));
  if (live?.progress) {
    lines.push(`  Live:        ${stageLabel(live.progress)}, ${plainProgressLine(live.progress)}`);
    lines.push(...detailLines(live.progress).map((l) => `    ${l}`));
  }
  if (live?.note) lines.push(`  Note:        ${live.note}`);
  lines.push(`  Files in ${run.run_dir}:`);
  if (files.length === 0) lines.push('    (none)');
  const width = Math.max(0, ...files.map((f) => f.path.length));
  for (const f of files) lines.push(`    ${f.path.padEnd(width)}  ${formatBytes(f.bytes).padStart(9)}`);
  return lines.join('\n');
}
