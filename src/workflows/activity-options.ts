/**
 * How each kind of activity is run and retried. Activities turn every error they raise into a
 * non-retryable failure (src/activities/failures.ts): an API error has already been retried inside
 * the client within its budget, and a validation error cannot be fixed by asking again. What the
 * retry policy is left to retry is what happens *to* an activity rather than in it: a worker that
 * died (a lost heartbeat), a timeout, a worker that shut down. Activities are idempotent (staged
 * writes, checkpoints), so running one again is safe.
 */
import { ActivityCancellationType, proxyActivities, workflowInfo, type ActivityOptions, type LocalActivityOptions, type RetryPolicy } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { apiQueue, type ActivitiesOn, type ApiName } from '../http/budgets.js';

export const APPLICATION_ERRORS = ['ValidationError', 'ApiError', 'QuotaExhaustedError', 'ActivityError'];

export const INFRASTRUCTURE_RETRY: RetryPolicy = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '10s',
  maximumAttempts: 5,
  nonRetryableErrorTypes: APPLICATION_ERRORS,
};

/**
 * Activities heartbeat three times per heartbeat timeout (src/activities/heartbeat.ts): a dead
 * worker's activity is given to another worker this many seconds after its last heartbeat.
 */
export const DEFAULT_HEARTBEAT_SECONDS = 15;

/**
 * A cancelled run waits for its activities to end before it cleans up: an activity told of the
 * cancellation at its next heartbeat may still be writing into the staging directories that the
 * workflow's last step removes (with TRY_CANCEL, once in a while, the write came after the removal,
 * failed, and a retried workflow task replayed that failure: the cancelled run ended as failed).
 */
export function regular(startToCloseTimeout: ActivityOptions['startToCloseTimeout'], opts: { taskQueue?: string; heartbeatSeconds?: number } = {}): ActivityOptions {
  return {
    startToCloseTimeout,
    heartbeatTimeout: `${opts.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS} seconds`,
    retry: INFRASTRUCTURE_RETRY,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    ...(opts.taskQueue ? { taskQueue: opts.taskQueue } : {}),
  };
}

export function local(startToCloseTimeout: LocalActivityOptions['startToCloseTimeout']): LocalActivityOptions {
  return { startToCloseTimeout, retry: INFRASTRUCTURE_RETRY };
}

/**
 * The activities tagged with `api` where they are defined, on that API's queue (next to this
 * workflow's), whose server-side rate bounds the API's load across every worker. Only they can be
 * called through it: an activity the workflow sends there untagged does not compile.
 */
export function apiActivities<A extends ApiName>(api: A, startToCloseTimeout: ActivityOptions['startToCloseTimeout'], opts: { heartbeatSeconds?: number } = {}) {
  return proxyActivities<ActivitiesOn<Activities, A>>(regular(startToCloseTimeout, { ...opts, taskQueue: apiQueue(workflowInfo().taskQueue, api) }));
}
