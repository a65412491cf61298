/**
 * Regular activities heartbeat while they run: that is how Temporal delivers a cancellation
 * (`volt-agent cancel-run`) to them, and how a lost worker is noticed in seconds, not at the
 * start-to-close timeout. Outside an activity (unit tests) it simply runs the function.
 */
import { Context } from '@temporalio/activity';

/** A third of the heartbeat timeout: two heartbeats may be lost before the server gives up on the worker. */
function heartbeatEveryMs(context: Context): number {
  const timeout = context.info.heartbeatTimeoutMs;
  return timeout ? Math.max(500, Math.floor(timeout / 3)) : 5_000;
}

function currentContext(): Context | null {
  try {
    return Context.current();
  } catch {
    return null;
  }
}

/** Runs `work` with the activity's cancellation signal, heartbeating until it settles. */
export async function heartbeating<T>(work: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
  const context = currentContext();
  if (!context) return work(undefined);
  // Local activities have no heartbeat (the workflow task keeps them alive); they still get the cancellation.
  if (context.info.isLocal) return work(context.cancellationSignal);
  context.heartbeat();
  const timer = setInterval(() => context.heartbeat(), heartbeatEveryMs(context));
  try {
    return await work(context.cancellationSignal);
  } finally {
    clearInterval(timer);
  }
}
