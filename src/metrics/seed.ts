/**
 * What `volt_run_last_success_timestamp_seconds` starts from when a worker starts: for each schedule
 * this worker serves, the end of its newest completed run as the run files say, so a restart does
 * not make the gauge (and the "scheduled run missing" alert's view of it) vanish.
 */
import type { Client } from '@temporalio/client';
import { listRuns } from '../cli/runs.js';
import { listScheduleViews } from '../schedules/client.js';
import type { LastSuccess } from './exporter.js';

export async function lastSuccesses(client: Client, taskQueue: string): Promise<LastSuccess[]> {
  const views = (await listScheduleViews(client)).filter((view) => view.task_queue === taskQueue);
  const seeds = await Promise.all(
    views.map(async (view): Promise<LastSuccess | null> => {
      const runs = await listRuns(view.output_dir).catch(() => []);
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
