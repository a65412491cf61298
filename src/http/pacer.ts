/**
 * Pacing: one budget per API token, shared by every activity of this worker process. A pacer hands
 * out start times at least `intervalMs` apart, so "3 requests per second" means no more than three
 * requests in any one-second window, not bursts of three. Requests wait their turn in order.
 *
 * Several workers are bounded together by the task queues' server-side activity rates (see
 * src/worker.ts); this module keeps one process within the budget to the millisecond.
 */
import { createHash } from 'node:crypto';

export class Pacer {
  /** The earliest time the next request may start. */
  nextSlot = 0;

  constructor(readonly intervalMs: number) {}

  /** Resolves when this caller may send; rejects when `signal` aborts. */
  acquire(signal?: AbortSignal): Promise<void> {
    return acquireAll([this], signal);
  }
}

/**
 * One start time that respects every pacer (a request counting against a token's budget and a
 * workspace's takes the later slot, and reserves it in both).
 */
export async function acquireAll(list: readonly Pacer[], signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  const now = Date.now();
  const slot = Math.max(now, ...list.map((p) => p.nextSlot));
  for (const pacer of list) pacer.nextSlot = slot + pacer.intervalMs;
  const wait = slot - now;
  if (wait > 0) await delay(wait, signal);
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const pacers = new Map<string, Pacer>();

/**
 * The process-wide pacer for `scope` (e.g. "toggl", "fibery-token", "fibery-workspace") and `key`
 * (a token or workspace). Keys are hashed so no secret is kept as a map key.
 */
export function pacerFor(scope: string, key: string, requestsPerSecond: number): Pacer {
  // A few milliseconds of margin: requests that leave on time may still arrive a little bunched.
  const intervalMs = Math.ceil(1000 / requestsPerSecond) + 10;
  const id = `${scope}\0${createHash('sha256').update(key).digest('hex')}\0${intervalMs}`;
  let pacer = pacers.get(id);
  if (!pacer) {
    pacer = new Pacer(intervalMs);
    pacers.set(id, pacer);
  }
  return pacer;
}

/** A `pace` function for requestWithRetry: every request takes a slot in each of `list`. */
export function paceAll(list: readonly Pacer[]): (signal?: AbortSignal) => Promise<void> {
  return (signal) => acquireAll(list, signal);
}
