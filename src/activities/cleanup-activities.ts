/**
 * Activities 0 and 4: clear a stage's earlier outputs so the stage can run again cleanly. The
 * Fibery stage of an earlier run is not deleted but set aside in `.previous/`: it is removed only
 * once the new outputs are complete, and put back if the restart fails or is cancelled.
 */
import type { RunRef } from '../workflows/contract.js';
import { RUN_FILES } from '../storage/json-storage.js';
import { joinKey, type RunFiles } from '../storage/run-store.js';
import { runFiles, type ActivityDeps } from './context.js';

const TOGGL_OUTPUTS = [RUN_FILES.rawToggl, RUN_FILES.rawTogglPrevious, RUN_FILES.aggregated, RUN_FILES.togglSummary, RUN_FILES.togglSummaryHtml];
const FIBERY_OUTPUTS = [RUN_FILES.enriched, RUN_FILES.individualDir, RUN_FILES.teamSummary, RUN_FILES.teamSummaryHtml];
const FIBERY_STAGING = [RUN_FILES.fiberyStaging, RUN_FILES.personStaging];

export function setAsidePath(file: string): string {
  return joinKey(RUN_FILES.previousOutputs, file);
}

/** Moves `file` into `.previous/` unless a copy is already there (a retry keeps the earliest). */
async function moveAside(files: RunFiles, file: string): Promise<void> {
  const target = setAsidePath(file);
  if (!(await files.exists(file))) return;
  if (await files.exists(target)) {
    await files.remove(file);
    return;
  }
  await files.move(file, target);
}

/**
 * After a restart that did not complete: the new, partial outputs go and what was set aside comes
 * back, metadata included. False when nothing was set aside (the run was not a restart).
 */
export async function restorePreviousOutputs(files: RunFiles): Promise<boolean> {
  const previous = RUN_FILES.previousOutputs;
  if (!(await files.exists(joinKey(previous, RUN_FILES.metadata)))) return false;
  for (const file of FIBERY_OUTPUTS) await files.remove(file);
  // Each file moves back on its own; the metadata last, so an interrupted restore is repeated.
  const setAside = (await files.list(previous)).map((f) => f.key.slice(previous.length + 1));
  const metadataLast = [...setAside.filter((k) => k !== RUN_FILES.metadata), ...setAside.filter((k) => k === RUN_FILES.metadata)];
  for (const file of metadataLast) await files.move(joinKey(previous, file), file);
  await files.remove(previous);
  return true;
}

export function createCleanupActivities(deps: Pick<ActivityDeps, 'store'>) {
  return {
    /** Keeps the Fibery stage's outputs, and the Toggl pages a resumed fetch continues from. */
    async cleanup_toggl_stage(ref: RunRef): Promise<string[]> {
      const files = runFiles(deps, ref);
      for (const file of TOGGL_OUTPUTS) await files.remove(file);
      return [...TOGGL_OUTPUTS];
    },
    /** Keeps the Toggl stage's outputs; sets the earlier Fibery outputs aside. */
    async cleanup_fibery_stage(ref: RunRef): Promise<string[]> {
      const files = runFiles(deps, ref);
      for (const file of FIBERY_STAGING) await files.remove(file);
      const restart = await files.exists(setAsidePath(RUN_FILES.metadata));
      for (const file of FIBERY_OUTPUTS) {
        if (restart) await moveAside(files, file);
        else await files.remove(file);
      }
      return [...FIBERY_OUTPUTS];
    },
  };
}
