/**
 * Activities 0 and 4: clear a stage's earlier outputs so the stage can run again cleanly. The
 * Fibery stage of an earlier run is not deleted but set aside in `.previous/`: it is removed only
 * once the new outputs are complete, and put back if the restart fails or is cancelled.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename } from 'node:fs/promises';
import path from 'node:path';
import type { RunRef } from '../workflows/contract.js';
import { removeIfExists, RUN_FILES } from '../storage/json-storage.js';
import { runPath } from './context.js';

const TOGGL_OUTPUTS = [RUN_FILES.rawToggl, RUN_FILES.rawTogglPrevious, RUN_FILES.aggregated, RUN_FILES.togglSummary, RUN_FILES.togglSummaryHtml];
const FIBERY_OUTPUTS = [RUN_FILES.enriched, RUN_FILES.individualDir, RUN_FILES.teamSummary, RUN_FILES.teamSummaryHtml];
const FIBERY_STAGING = [RUN_FILES.fiberyStaging, RUN_FILES.personStaging];

export function setAsidePath(ref: RunRef, file: string): string {
  return runPath(ref, path.join(RUN_FILES.previousOutputs, file));
}

/** Moves `file` into `.previous/` unless a copy is already there (a retry keeps the earliest). */
async function moveAside(ref: RunRef, file: string): Promise<void> {
  const source = runPath(ref, file);
  const target = setAsidePath(ref, file);
  if (!existsSync(source)) return;
  if (existsSync(target)) {
    await removeIfExists(source);
    return;
  }
  await mkdir(path.dirname(target), { recursive: true });
  await rename(source, target);
}

/**
 * After a restart that did not complete: the new, partial outputs go and what was set aside comes
 * back, metadata included. False when nothing was set aside (the run was not a restart).
 */
export async function restorePreviousOutputs(ref: RunRef): Promise<boolean> {
  const previous = runPath(ref, RUN_FILES.previousOutputs);
  if (!existsSync(path.join(previous, RUN_FILES.metadata))) return false;
  for (const file of FIBERY_OUTPUTS) await removeIfExists(runPath(ref, file));
  for (const file of await listFiles(previous)) {
    await mkdir(path.dirname(runPath(ref, file)), { recursive: true });
    await rename(path.join(previous, file), runPath(ref, file));
  }
  await removeIfExists(previous);
  return true;
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const relative = path.join(prefix, entry.name);
    // Whole directories (reports/individual) move as one; other directories are only containers.
    if (entry.isDirectory() && !FIBERY_OUTPUTS.includes(relative as (typeof FIBERY_OUTPUTS)[number])) out.push(...(await listFiles(dir, relative)));
    else out.push(relative);
  }
  return out;
}

export function createCleanupActivities() {
  return {
    /** Keeps the Fibery stage's outputs, and the Toggl pages a resumed fetch continues from. */
    async cleanup_toggl_stage(ref: RunRef): Promise<string[]> {
      for (const file of TOGGL_OUTPUTS) await removeIfExists(runPath(ref, file));
      return [...TOGGL_OUTPUTS];
    },
    /** Keeps the Toggl stage's outputs; sets the earlier Fibery outputs aside. */
    async cleanup_fibery_stage(ref: RunRef): Promise<string[]> {
      for (const file of FIBERY_STAGING) await removeIfExists(runPath(ref, file));
      const restart = existsSync(setAsidePath(ref, RUN_FILES.metadata));
      for (const file of FIBERY_OUTPUTS) {
        if (restart) await moveAside(ref, file);
        else await removeIfExists(runPath(ref, file));
      }
      return [...FIBERY_OUTPUTS];
    },
  };
}
