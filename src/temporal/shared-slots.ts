/**
 * The pacer's shared slots (src/http/pacer.ts), from the budget workflow of src/workflows/api-budget.ts:
 * an activity asks it with update-with-start on its own Temporal client, so the workflow is started
 * by whichever request needs it first, on the activity's main task queue. Outside an activity
 * (the CLI's own requests, unit tests) there is nothing to share through: the pacer reserves alone.
 */
import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { mainQueueOf } from '../http/budgets.js';
import type { SlotSource } from '../http/pacer.js';
import { API_BUDGET_WORKFLOW_TYPE, apiBudgetWorkflowId, reserveSlotUpdate } from '../workflows/contract.js';

/** Attempts at one slot: the budget workflow may end (quiet, or continuing as new) as a request arrives. */
const ATTEMPTS = 4;
/** A server without update-with-start (before Temporal 1.26, or with ExecuteMultiOperation off). */
const UNSUPPORTED = /unimplemented|not (enabled|supported)|multi.?operation.*disabled/i;
let unsupported = false;
/** Main task queues whose workers pace each on its own (`createPipelineWorker({ shareBudgets: false })`). */
const unshared = new Set<string>();

/** The workers of `taskQueue` in this process keep their budgets to themselves (one worker, tests without budgets). */
export function keepBudgetsLocal(taskQueue: string): void {
  unshared.add(taskQueue);
}

export const temporalSlots: SlotSource = async ({ api, buckets }, signal) => {
  const activity = currentActivity();
  if (!activity || unsupported) return null;
  const taskQueue = mainQueueOf(activity.info.taskQueue);
  if (unshared.has(taskQueue)) return null;
  const workflowId = apiBudgetWorkflowId(taskQueue, api);
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      const start = new WithStartWorkflowOperation(API_BUDGET_WORKFLOW_TYPE, { workflowId, taskQueue, workflowIdConflictPolicy: 'USE_EXISTING', args: [] });
      const grant = await abortable(activity.client.workflow.executeUpdateWithStart(reserveSlotUpdate, { args: [{ buckets }], startWorkflowOperation: start }), signal);
      return grant.wait_ms;
    } catch (error) {
      if (UNSUPPORTED.test((error as Error).message)) return fallBackToLocal(error as Error);
      if (attempt >= ATTEMPTS || signal?.aborted) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
};

/** Said once per worker: each worker then keeps its own budget, which several workers exceed together. */
function fallBackToLocal(error: Error): null {
  unsupported = true;
  console.warn(
    `Warning: this Temporal server cannot share the API budgets between workers (update-with-start: ${error.message.split('\n')[0]}); ` +
      'each worker paces its own requests: run one worker, or upgrade the server to Temporal 1.26 or later',
  );
  return null;
}

/** The running activity, if it has a client (a MockActivityEnvironment may have none). */
function currentActivity(): Context | null {
  try {
    const context = Context.current();
    void context.client;
    return context;
  } catch {
    return null;
  }
}

/** The client over the worker's connection takes no AbortSignal: stop waiting for its answer instead. */
function abortable<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason ?? new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
