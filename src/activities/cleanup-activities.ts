/** Activities 0 and 4: remove a stage's earlier outputs so the stage can run again cleanly. */
import type { RunRef } from '../workflows/contract.js';
import { removeIfExists, RUN_FILES } from '../storage/json-storage.js';
import { runPath } from './context.js';

const TOGGL_OUTPUTS = [RUN_FILES.rawToggl, RUN_FILES.aggregated, RUN_FILES.togglSummary];
const FIBERY_OUTPUTS = [RUN_FILES.enriched, RUN_FILES.individualDir, RUN_FILES.teamSummary, RUN_FILES.staging];

async function removeAll(ref: RunRef, files: readonly string[]): Promise<string[]> {
  for (const file of files) await removeIfExists(runPath(ref, file));
  return [...files];
}

export function createCleanupActivities() {
  return {
    /** Keeps the Fibery stage's outputs. */
    async cleanup_toggl_stage(ref: RunRef): Promise<string[]> {
      return removeAll(ref, TOGGL_OUTPUTS);
    },
    /** Keeps the Toggl stage's outputs. */
    async cleanup_fibery_stage(ref: RunRef): Promise<string[]> {
      return removeAll(ref, FIBERY_OUTPUTS);
    },
  };
}
