/**
 * Pacing: one budget per API, scope and key (a token, a workspace), shared by every activity of
 * this worker process whatever the rate each asks for. A request waits for a start time at least
 * its rate's interval after the one before, so "3 requests per second" means no more than three
 * requests in any one-second window, not bursts of three. Requests wait their turn in order.
 * Slots are reserved in advance, and a timer may fire late on a busy machine; so each request
 * also checks, when it is really about to leave, that the last `perSecond` requests of its budget
 * (whoever sent them) left more than a second (plus a margin for the way to the server) ago.
 *
 * Several workers are bounded together by the task queues' server-side activity rates (see
 * src/worker.ts); this module keeps one process within the budget to the millisecond. The rates
 * are in src/http/budgets.ts.
 */
import { createHash } from 'node:crypto';
import { API_BUDGETS, type ApiName, type ConfiguredRates } from './budgets.js';

/** Room for requests that leave a second apart to arrive a little closer together. */
const WINDOW_MARGIN_MS = 40;
/** The most departures a pacer remembers: more than any rate a config may set. */
const MAX_REMEMBERED = 256;

/** What one request may spend: its interval and how many may leave in one second. */
export interface Rate {
  intervalMs: number;
  perSecond: number;
}

/** "N per second", with a few milliseconds of margin: requests that leave on time may still arrive a little bunched. */
export function rateOf(requestsPerSecond: number): Rate {
  return { intervalMs: Math.ceil(1000 / requestsPerSecond) + 10, perSecond: Math.max(1, Math.floor(requestsPerSecond)) };
}

export class Pacer {
  /** The earliest time the next request may start. */
  nextSlot = 0;
  /** When the latest requests really left, oldest first. */
  private readonly sent: number[] = [];

  /** `intervalMs` and `perSecond`: the rate of `acquire` without one. */
  constructor(
    readonly intervalMs: number,
    readonly perSecond = Math.max(1, Math.round(1000 / intervalMs)),
  ) {}

  /** Resolves when this caller may send; rejects when `signal` aborts. */
  acquire(signal?: AbortSignal, rate: Rate = { intervalMs: this.intervalMs, perSecond: this.perSecond }): Promise<void> {
    return acquireAll([{ pacer: this, rate }], signal);
  }

  /** The earliest time a request may leave without making `perSecond + 1` in one window. */
  windowFreeAt(now: number, perSecond: number): number {
    return this.sent.length < perSecond ? now : this.sent[this.sent.length - perSecond]! + 1000 + WINDOW_MARGIN_MS;
  }

  recordSent(at: number): void {
    this.sent.push(at);
    if (this.sent.length > MAX_REMEMBERED) this.sent.shift();
  }
}

/** A budget and the rate one request spends it at. */
export interface PacedBy {
  pacer: Pacer;
  rate: Rate;
}

/**
 * One start time that respects every budget (a request counting against a token's budget and a
 * workspace's takes the later slot, and reserves it in both), then the sliding window of each.
 */
export async function acquireAll(list: readonly PacedBy[], signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  const now = Date.now();
  const slot = Math.max(now, ...list.map((p) => p.pacer.nextSlot));
  for (const { pacer, rate } of list) pacer.nextSlot = slot + rate.intervalMs;
  if (slot > now) await delay(slot - now, signal);
  for (;;) {
    const at = Date.now();
    const free = Math.max(...list.map(({ pacer, rate }) => pacer.windowFreeAt(at, rate.perSecond)));
    if (free <= at) break;
    await delay(free - at, signal);
  }
  const sentAt = Date.now();
  for (const { pacer } of list) pacer.recordSent(sentAt);
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
 * The process-wide budget of `api`'s `scope` ("token", "workspace") for `key`: the same pacer for
 * every caller, whatever rate it spends it at. Keys are hashed so no secret is kept as a map key.
 */
export function pacerFor(api: ApiName, scope: 'token' | 'workspace', key: string): Pacer {
  const id = `${api}\0${scope}\0${createHash('sha256').update(key).digest('hex')}`;
  let pacer = pacers.get(id);
  if (!pacer) {
    pacer = new Pacer(0, 1);
    pacers.set(id, pacer);
  }
  return pacer;
}

/**
 * A `pace` function for requestWithRetry: every request takes a slot in the token's budget of
 * `api` and, when the API limits workspaces and one is given, in the workspace's, at the rates of
 * `rates` (a run's config), else those of src/http/budgets.ts.
 */
export function paceApi(api: ApiName, keys: { token: string; workspace?: string }, rates: ConfiguredRates = {}): (signal?: AbortSignal) => Promise<void> {
  const budget: { perToken: number; perWorkspace: number | null } = API_BUDGETS[api];
  const list: PacedBy[] = [{ pacer: pacerFor(api, 'token', keys.token), rate: rateOf(rates.requests_per_second ?? budget.perToken) }];
  if (budget.perWorkspace !== null && keys.workspace !== undefined) {
    list.push({ pacer: pacerFor(api, 'workspace', keys.workspace), rate: rateOf(rates.workspace_requests_per_second ?? budget.perWorkspace) });
  }
  return (signal) => acquireAll(list, signal);
}
