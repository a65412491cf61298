/**
 * Log lines from activity code, through the activity's logger (the SDK adds the workflow id, the
 * Temporal run id and the activity type; the worker's logger adds volt-agent's run id). Outside an
 * activity they are dropped: a command reports through its own output.
 */
import { Context } from '@temporalio/activity';

export function activityWarn(message: string, meta: Record<string, unknown>): void {
  try {
    Context.current().log.warn(message, meta);
  } catch {
    // not in an activity
  }
}
