/**
 * TogglFetch: the pages of one run's Toggl fetch, one activity each, as a child of the pipeline so
 * the pipeline's history stays small however long the period. Each page activity runs on the
 * Toggl task queue, whose server-side rate keeps every worker together within Toggl's budget; when
 * the quota is used up the workflow waits on a durable timer (no worker is held, a cancel ends it),
 * and after a few hundred pages it continues as new with the state it carries.
 */
import { continueAsNew, getExternalWorkflowHandle, sleep, workflowInfo } from '@temporalio/workflow';
import type { TogglFetchState } from '../toggl/fetch-plan.js';
import { apiActivities } from './activity-options.js';
import { togglFetchSignal, type RunRef, type TogglFetchProgress } from './contract.js';
import { recordQuotaWait } from '../metrics/workflow.js';

export interface TogglFetchInput extends RunRef {
  state: TogglFetchState;
  /** The pipeline to tell how far the fetch is. */
  parent_workflow_id: string;
  /** Pages per execution before continuing as new (default 400: about 2,400 history events). */
  pages_per_run?: number;
  heartbeat_timeout_seconds?: number;
}

const PAGES_PER_RUN = 400;
/** News about every 1% of the pages (each is a few events in the pipeline's history). */
const reportEvery = (state: TogglFetchState) => Math.max(1, Math.ceil((state.estimated_pages ?? 0) / 100));

export async function TogglFetch(input: TogglFetchInput): Promise<TogglFetchState> {
  const pages = apiActivities('toggl', '15 minutes', { heartbeatSeconds: input.heartbeat_timeout_seconds });
  const parent = getExternalWorkflowHandle(input.parent_workflow_id);
  // Progress is news, not a duty: a pipeline that is gone (it closes its child anyway) is no reason to fail.
  const tell = (state: TogglFetchState, waitUntil: number | null) => parent.signal(togglFetchSignal, progressOf(state, waitUntil)).catch(() => undefined);
  const pagesPerRun = input.pages_per_run ?? PAGES_PER_RUN;

  let state = input.state;
  let reported = state.pages;
  for (let fetchedHere = 0; !state.done; ) {
    if (state.wait_ms !== null && state.wait_ms > 0) {
      await tell(state, Date.now() + state.wait_ms);
      await sleep(state.wait_ms + 500);
      recordQuotaWait(state.wait_ms + 500);
      state = { ...state, wait_ms: null };
      await tell(state, null);
    }
    if (fetchedHere >= pagesPerRun || workflowInfo().continueAsNewSuggested) {
      await tell(state, null);
      return continueAsNew<typeof TogglFetch>({ ...input, state });
    }
    const before = state.pages;
    state = await pages.fetch_toggl_page({ output_dir: input.output_dir, run_id: input.run_id, state });
    fetchedHere += state.pages - before;
    if (state.pages - reported >= reportEvery(state)) {
      reported = state.pages;
      await tell(state, null);
    }
  }
  await tell(state, null);
  return state;
}

function progressOf(state: TogglFetchState, waitUntil: number | null): TogglFetchProgress {
  return {
    pages: state.pages,
    estimated_pages: state.estimated_pages,
    entries: state.entries,
    requests: state.requests,
    quota_remaining: state.quota_remaining,
    quota_wait_until: waitUntil,
    done: state.done,
  };
}
