/**
 * Earlier runs as a source of figures: the trend of a run takes each earlier period from the
 * stored aggregates of a completed run of exactly that period (same Toggl workspace, same users
 * filter) instead of fetching it again. Every read of another run's files for that is here, and
 * goes through the run store, so a worker finds the runs other workers stored too.
 * A run whose files are missing, unreadable or of another shape is simply not used; a store that
 * cannot be reached is not "no earlier run", and its error goes on.
 */
import type { z } from 'zod';
import type { Period } from '../config/period.js';
import { EnvironmentError } from '../errors.js';
import { RUN_FILES } from './json-storage.js';
import type { RunStore } from './run-store.js';
import { RunMetadataSchema, TogglAggregatedSchema, type TogglAggregated } from './schemas.js';

export interface StoredPeriodQuery {
  store: RunStore;
  periods: readonly Period[];
  workspaceId: string;
  users: string[] | null;
  /** The run asking (never its own source). */
  runId: string;
}

const periodKey = (p: Period) => `${p.start_date}..${p.end_date}`;

/** A run file of another run, or null when it cannot be used (the store's own outages are not swallowed). */
async function usable<S extends z.ZodType>(store: RunStore, runId: string, key: string, schema: S): Promise<z.infer<S> | null> {
  try {
    const files = store.run(runId);
    if (!(await files.exists(key))) return null;
    return await files.readJson(key, schema);
  } catch (error) {
    if (error instanceof EnvironmentError) throw error;
    return null;
  }
}

/** Per period (`start..end`), the latest completed run of exactly it whose aggregates can be reused. */
export async function storedRunsFor(query: StoredPeriodQuery): Promise<Map<string, string>> {
  const wanted = new Set(query.periods.map(periodKey));
  const found = new Map<string, { runId: string; finished: string }>();
  if (wanted.size === 0) return new Map();
  for (const runId of await query.store.runIds()) {
    if (runId === query.runId) continue;
    const metadata = await usable(query.store, runId, RUN_FILES.metadata, RunMetadataSchema);
    if (!metadata || metadata.status !== 'completed') continue;
    const key = periodKey(metadata.parameters);
    if (!wanted.has(key) || JSON.stringify(metadata.parameters.users_filter) !== JSON.stringify(query.users)) continue;
    const finished = metadata.finished_at ?? metadata.updated_at;
    const best = found.get(key);
    if (best && best.finished >= finished) continue;
    const aggregated = await storedAggregates(query.store, runId);
    if (aggregated?.workspace_id !== query.workspaceId || !aggregated.breakdown) continue;
    found.set(key, { runId, finished });
  }
  return new Map([...found].map(([key, v]) => [key, v.runId]));
}

/** The stored aggregates of run `runId`, or null when they are missing or unreadable. */
export async function storedAggregates(store: RunStore, runId: string): Promise<TogglAggregated | null> {
  return usable(store, runId, RUN_FILES.aggregated, TogglAggregatedSchema);
}

export { periodKey };
