/**
 * Regular activities heartbeat while they run: that is how Temporal delivers a cancellation
 * (`volt-agent cancel-run`) to them, and how a lost worker is noticed in seconds, not at the
 * start-to-close timeout. Outside an activity (unit tests) it simply runs the function.
 */
import { Context } from '@temporalio/activity';

const HEARTBEAT_EVERY_MS = 5_000;

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
  context.heartbeat();
  const timer = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await work(context.cancellationSignal);
  } finally {
    clearInterval(timer);
  }
}
