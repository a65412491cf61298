/**
 * Earlier runs as a source of figures: the trend of a run takes each earlier period from the
 * stored aggregates of a completed run of exactly that period (same Toggl workspace, same users
 * filter) instead of fetching it again. Every read of another run's files for that is here.
 * A run whose files are unreadable or of another shape is simply not used.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Period } from '../config/period.js';
import { RUN_FILES } from './json-storage.js';
import { RunMetadataSchema, TogglAggregatedSchema, type TogglAggregated } from './schemas.js';

export interface StoredPeriodQuery {
  outputDir: string;
  periods: readonly Period[];
  workspaceId: string;
  users: string[] | null;
  /** The run asking (never its own source). */
  runId: string;
}

const periodKey = (p: Period) => `${p.start_date}..${p.end_date}`;

async function parsed<T>(file: string, parse: (data: unknown) => T | null): Promise<T | null> {
  try {
    return parse(JSON.parse(await readFile(file, 'utf8')));
  } catch {
    return null;
  }
}

/** Per period (`start..end`), the latest completed run of exactly it whose aggregates can be reused. */
export async function storedRunsFor(query: StoredPeriodQuery): Promise<Map<string, string>> {
  const wanted = new Set(query.periods.map(periodKey));
  const found = new Map<string, { runId: string; finished: string }>();
  const entries = await readdir(query.outputDir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name.startsWith('.') || entry.name === query.runId) continue;
    const dir = path.join(query.outputDir, entry.name);
    const metadata = await parsed(path.join(dir, RUN_FILES.metadata), (d) => RunMetadataSchema.safeParse(d).data ?? null);
    if (!metadata || metadata.status !== 'completed') continue;
    const key = periodKey(metadata.parameters);
    if (!wanted.has(key) || JSON.stringify(metadata.parameters.users_filter) !== JSON.stringify(query.users)) continue;
    if (!existsSync(path.join(dir, RUN_FILES.aggregated))) continue;
    const finished = metadata.finished_at ?? metadata.updated_at;
    const best = found.get(key);
    if (best && best.finished >= finished) continue;
    const aggregated = await storedAggregates(query.outputDir, entry.name);
    if (aggregated?.workspace_id !== query.workspaceId || !aggregated.breakdown) continue;
    found.set(key, { runId: entry.name, finished });
  }
  return new Map([...found].map(([key, v]) => [key, v.runId]));
}

/** The stored aggregates of run `runId`, or null when they are missing or unreadable. */
export async function storedAggregates(outputDir: string, runId: string): Promise<TogglAggregated | null> {
  return parsed(path.join(outputDir, runId, RUN_FILES.aggregated), (d) => TogglAggregatedSchema.safeParse(d).data ?? null);
}

export { periodKey };
