/**
 * What `volt_run_last_success_timestamp_seconds` starts from when a worker starts: for each schedule
 * this worker serves, the end of its newest completed run as the run files say (read through the
 * run store: the schedule's output directory, or the bucket of VOLT_RUN_STORE), so a restart does
 * not make the gauge (and the "scheduled run missing" alert's view of it) vanish.
 */
import type { Client } from '@temporalio/client';
import { listRuns, type RunEntry } from '../cli/runs.js';
import { listScheduleViews } from '../schedules/client.js';
import type { RunStore } from '../storage/run-store.js';
import type { LastSuccess } from './exporter.js';

/** `storeFor` opens the run store of a schedule's output directory (the worker's settings decide which). */
export async function lastSuccesses(client: Client, taskQueue: string, storeFor: (outputDir: string) => RunStore): Promise<LastSuccess[]> {
  const views = (await listScheduleViews(client)).filter((view) => view.task_queue === taskQueue);
  // Schedules sharing a store (every one, with a bucket) have it listed once.
  const listed = new Map<string, Promise<RunEntry[]>>();
  const runsOf = (outputDir: string): Promise<RunEntry[]> => {
    const store = storeFor(outputDir);
    if (!listed.has(store.location)) listed.set(store.location, listRuns(store).catch(() => []));
    return listed.get(store.location)!;
  };
  const seeds = await Promise.all(
    views.map(async (view): Promise<LastSuccess | null> => {
      const runs = await runsOf(view.output_dir);
      const ends = runs
        .filter((run) => run.readable && run.metadata.status === 'completed' && run.run_id.endsWith(`_${view.id}`))
        .map((run) => (run.readable ? Date.parse(run.metadata.finished_at ?? run.metadata.updated_at) : NaN))
        .filter((at) => !Number.isNaN(at));
      if (ends.length === 0) return null;
      return { labels: { schedule: view.id, period: view.period }, taskQueue, at: Math.max(...ends) };
    }),
  );
  return seeds.filter((seed): seed is LastSuccess => seed !== null);
}
