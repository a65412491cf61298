/**
 * How an activity's errors reach the workflow. Everything an activity throws is an application
 * error, and fails at once: API errors were already retried inside the clients within their budget,
 * validation errors cannot be fixed by asking again, and a bug repeats. Only what happens to an
 * activity from outside (a worker that died or shut down, a timeout) is left to the retry policy
 * (src/workflows/activity-options.ts). The failure's type is the error's class name, so the CLI
 * can tell bad input from a failed API.
 */
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import { withQueueOf } from '../http/budgets.js';

function isCancelled(error: unknown): boolean {
  if (error instanceof CancelledFailure) return true;
  try {
    return Context.current().cancellationSignal.aborted;
  } catch {
    return false;
  }
}

/**
 * The exceptions: a run store that cannot be reached (it was already waited for inside the call,
 * src/storage/s3-store.ts) and a run file a retry may find are left to the retry policy, so a run
 * waits out a store outage.
 */
const RETRYABLE = ['RunStoreUnavailableError', 'RunFileUnreadableError'];

export function asActivityFailure(error: unknown): unknown {
  // Whatever a cancelled activity throws as it stops (an aborted request, a file gone), it was cancelled.
  if (isCancelled(error)) return error instanceof CancelledFailure ? error : new CancelledFailure('the activity was cancelled', [], error instanceof Error ? error : undefined);
  if (error instanceof ApplicationFailure) return error;
  if (!(error instanceof Error)) return ApplicationFailure.nonRetryable(String(error), 'ActivityError');
  if (RETRYABLE.includes(error.name)) return ApplicationFailure.create({ message: error.message, type: error.name, nonRetryable: false, cause: error });
  // The store refused its settings: the run fails at once, and the CLI says it as an environment error.
  if (error.name === 'RunStoreConfigError') return ApplicationFailure.create({ message: error.message, type: error.name, nonRetryable: true, cause: error });
  const type = ['ValidationError', 'ApiError', 'QuotaExhaustedError'].includes(error.name) ? error.name : 'ActivityError';
  return ApplicationFailure.create({ message: error.message, type, nonRetryable: true, cause: error });
}

/** Wraps every activity of `activities` so its errors fail it at once (see above). */
export function failFast<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    // Tagged with the API queue of the activity it wraps (src/http/budgets.ts).
    wrapped[name] = withQueueOf(fn, async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (error) {
        throw asActivityFailure(error);
      }
    });
  }
  return wrapped as T;
}
