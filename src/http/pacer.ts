/**
 * Pacing: one budget per API token, shared by every activity of this worker process. A pacer hands
 * out start times at least `intervalMs` apart, so "3 requests per second" means no more than three
 * requests in any one-second window, not bursts of three. Requests wait their turn in order.
 * Slots are reserved in advance, and a timer may fire late on a busy machine; so each request
 * also checks, when it is really about to leave, that the last `perSecond` requests left more than
 * a second (plus a margin for the way to the server) ago.
 *
 * Several workers are bounded together by the task queues' server-side activity rates (see
 * src/worker.ts); this module keeps one process within the budget to the millisecond.
 */
import { createHash } from 'node:crypto';

/** Room for requests that leave a second apart to arrive a little closer together. */
const WINDOW_MARGIN_MS = 40;

export class Pacer {
  /** The earliest time the next request may start. */
  nextSlot = 0;
  /** When the latest requests really left, oldest first (at most `perSecond`). */
  private readonly sent: number[] = [];

  constructor(
    readonly intervalMs: number,
    readonly perSecond = Math.max(1, Math.round(1000 / intervalMs)),
  ) {}

  /** Resolves when this caller may send; rejects when `signal` aborts. */
  acquire(signal?: AbortSignal): Promise<void> {
    return acquireAll([this], signal);
  }

  /** The earliest time a request may leave without making `perSecond + 1` in one window. */
  windowFreeAt(now: number): number {
    return this.sent.length < this.perSecond ? now : this.sent[0]! + 1000 + WINDOW_MARGIN_MS;
  }

  recordSent(at: number): void {
    this.sent.push(at);
    if (this.sent.length > this.perSecond) this.sent.shift();
  }
}

/**
 * One start time that respects every pacer (a request counting against a token's budget and a
 * workspace's takes the later slot, and reserves it in both), then the sliding window of each.
 */
export async function acquireAll(list: readonly Pacer[], signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  const now = Date.now();
  const slot = Math.max(now, ...list.map((p) => p.nextSlot));
  for (const pacer of list) pacer.nextSlot = slot + pacer.intervalMs;
  if (slot > now) await delay(slot - now, signal);
  for (;;) {
    const at = Date.now();
    const free = Math.max(...list.map((p) => p.windowFreeAt(at)));
    if (free <= at) break;
    await delay(free - at, signal);
  }
  const sentAt = Date.now();
  for (const pacer of list) pacer.recordSent(sentAt);
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
    pacer = new Pacer(intervalMs, Math.max(1, Math.floor(requestsPerSecond)));
    pacers.set(id, pacer);
  }
  return pacer;
}

/** A `pace` function for requestWithRetry: every request takes a slot in each of `list`. */
export function paceAll(list: readonly Pacer[]): (signal?: AbortSignal) => Promise<void> {
  return (signal) => acquireAll(list, signal);
}
