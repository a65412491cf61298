/**
 * Reading runs from the run store for `list-runs`, `show-run` and the other commands. A run that
 * is not readable (no or a corrupt run_metadata.json) is reported as unreadable, never thrown; a
 * store that cannot be reached or refuses the settings is (one line, exit 3).
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Env } from '../config/env.js';
import { EnvironmentError, ValidationError } from '../errors.js';
import { RUN_FILES, validateRunId } from '../storage/json-storage.js';
import { CLI_STORE_PATIENCE_MS, openRunStore } from '../storage/open-store.js';
import { isHiddenKey, type RunFiles, type RunStore } from '../storage/run-store.js';
import { RunMetadataSchema, type RunMetadata } from '../storage/schemas.js';

/** The run store this command uses: VOLT_RUN_STORE when set, else `outputDir`. */
export function cliStore(env: Env, outputDir: string): RunStore {
  return openRunStore(env, path.resolve(outputDir), { patienceMs: CLI_STORE_PATIENCE_MS });
}

/** "--output-dir X" for the local store, the bucket otherwise: where a message says the runs are. */
function storeFlag(store: RunStore): string {
  return store.kind === 'local' ? ` --output-dir ${store.location}` : '';
}

export interface ReadableRun {
  readable: true;
  run_id: string;
  run_dir: string;
  /** The file as written (what `--json` prints), and its validated form. */
  raw: Record<string, unknown>;
  metadata: RunMetadata;
  sort_time: number;
}

export interface UnreadableRun {
  readable: false;
  run_id: string;
  run_dir: string;
  error: string;
  sort_time: number;
}

export type RunEntry = ReadableRun | UnreadableRun;

export async function readRun(store: RunStore, runId: string): Promise<RunEntry> {
  let files: RunFiles;
  try {
    files = store.run(runId);
  } catch (error) {
    // A directory whose name is no run id (made by hand): listed, never read.
    return { readable: false, run_id: runId, run_dir: path.join(store.location, runId), error: (error as Error).message, sort_time: 0 };
  }
  const runDir = files.location;
  const dirTime = store.kind === 'local' ? ((await stat(runDir).catch(() => null))?.mtimeMs ?? 0) : 0;
  const unreadable = (error: string): UnreadableRun => ({ readable: false, run_id: runId, run_dir: runDir, error, sort_time: dirTime });
  let text: string;
  try {
    text = await files.read(RUN_FILES.metadata);
  } catch (error) {
    if (error instanceof EnvironmentError) throw error; // the store itself: not this run's fault
    return unreadable(error instanceof ValidationError ? `no ${RUN_FILES.metadata}` : `cannot read ${RUN_FILES.metadata}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return unreadable(`${RUN_FILES.metadata} is not valid JSON`);
  }
  const parsed = RunMetadataSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return unreadable(`${RUN_FILES.metadata} is not a volt-agent run file (${issue?.path.join('.') || 'top level'}: ${issue?.message ?? 'invalid'})`);
  }
  const created = Date.parse(parsed.data.created_at);
  return {
    readable: true,
    run_id: parsed.data.run_id,
    run_dir: runDir,
    raw: raw as Record<string, unknown>,
    metadata: parsed.data,
    sort_time: Number.isNaN(created) ? dirTime : created,
  };
}

/** Every run of the store, newest first. Files and hidden entries are skipped. */
export async function listRuns(store: RunStore): Promise<RunEntry[]> {
  let ids: string[];
  try {
    ids = await store.runIds();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') throw new ValidationError(`--output-dir ${store.location} is a file, not a directory of runs`);
    throw error;
  }
  const runs: RunEntry[] = [];
  // A few at a time: a bucket of many runs is read without opening hundreds of connections.
  for (let i = 0; i < ids.length; i += 16) runs.push(...(await Promise.all(ids.slice(i, i + 16).map((id) => readRun(store, id)))));
  return runs.sort((a, b) => b.sort_time - a.sort_time || b.run_id.localeCompare(a.run_id));
}

/** The run `runId` of the store; a ValidationError (exit 2) when there is none. */
export async function findRun(store: RunStore, runId: string): Promise<RunEntry> {
  validateRunId(runId);
  if (!(await store.run(runId).exists(''))) throw new ValidationError(`no run "${runId}" in ${store.location} (see volt-agent list-runs${storeFlag(store)})`);
  return readRun(store, runId);
}

/** The run `runId` of the store when its run_metadata.json is readable; a ValidationError (exit 2) otherwise. */
export async function readableRun(store: RunStore, runId: string): Promise<ReadableRun> {
  const run = await findRun(store, runId);
  if (!run.readable) throw new ValidationError(`run "${runId}" in ${store.location} is unreadable: ${run.error}`);
  return run;
}

/** Seconds from start to finish, or to `now` while the run is in progress. */
export function durationSeconds(metadata: RunMetadata, now: number): number | null {
  const start = Date.parse(metadata.created_at);
  if (Number.isNaN(start)) return null;
  const end = metadata.finished_at ? Date.parse(metadata.finished_at) : metadata.status === 'in_progress' ? now : Date.parse(metadata.updated_at);
  return Number.isNaN(end) ? null : Math.max(0, Math.round((end - start) / 1000));
}

export interface RunFile {
  path: string;
  bytes: number;
}

/** The run's files (keys relative to the run, sizes), without hidden and temporary ones. */
export async function runFiles(files: RunFiles): Promise<RunFile[]> {
  const listed = (await files.list()).filter((f) => !isHiddenKey(f.key));
  return listed.map((f) => ({ path: f.key, bytes: f.bytes })).sort((a, b) => a.path.localeCompare(b.path));
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 60) return `${seconds}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** `2025-10-10 15:30` in local time. */
export function formatTimestamp(iso: string | null): string {
  if (!iso) return '-';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function usersLabel(metadata: RunMetadata): string {
  const filter = metadata.parameters.users_filter;
  if (filter && filter.length > 0) return filter.length === 1 ? filter[0]! : `${filter.length} selected`;
  return metadata.stats.users === undefined ? 'all' : `all (${metadata.stats.users})`;
}

export function stagesLabel(metadata: RunMetadata): string {
  const parts = (['toggl', 'fibery'] as const).map((stage) => {
    if (metadata.stages_completed.includes(stage)) return `${stage} ✓`;
    if (metadata.stages_failed.includes(stage)) return `${stage} ✗`;
    return null;
  });
  return parts.filter(Boolean).join(', ') || '-';
}

/** A plain text table: columns padded with spaces, no escape codes. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max([...h].length, ...rows.map((r) => [...(r[i] ?? '')].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - [...c].length))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** A run as `list-runs --json` prints it: its run_metadata.json as written, plus where and how long. */
export function listJson(entry: RunEntry, now: number): Record<string, unknown> {
  if (!entry.readable) return { run_id: entry.run_id, status: 'unreadable', run_dir: entry.run_dir, error: entry.error };
  return { ...entry.raw, run_dir: entry.run_dir, duration_seconds: durationSeconds(entry.metadata, now) };
}

/** The `list-runs` table. */
export function runsTable(entries: RunEntry[], now: number): string {
  const rows = entries.map((r) =>
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
  return table(['RUN ID', 'STATUS', 'PERIOD', 'USERS', 'STARTED', 'DURATION', 'STAGES'], rows);
}
