/**
 * Pacing: one budget per API, scope and key (a token, a workspace), whatever rate each caller asks
 * for. A request waits for a start time at least its rate's interval after the one before, so "3
 * requests per second" means no more than three requests in any one-second window, not bursts of
 * three (the arithmetic: src/http/slots.ts; the rates: src/http/budgets.ts).
 *
 * Where the slots come from: inside a worker, from the budget workflow all workers share
 * (src/temporal/shared-slots.ts installs it with `shareSlotsThrough`), so every worker and every
 * concurrent run with one token spends one budget, on any Temporal server; elsewhere (the CLI, unit
 * tests) from this process's own reservations. Either way a timer may fire late on a busy machine,
 * so each request also checks, when it is really about to leave, that the last `perSecond` requests
 * this process sent in its budget left more than a second (plus a margin) ago.
 */
import { createHash } from 'node:crypto';
import { API_BUDGETS, type ApiName, type ConfiguredRates } from './budgets.js';
import { rateOf, rememberStart, reserveSlot, windowFreeAt, type BudgetSlots, type Rate } from './slots.js';

export { rateOf, type Rate };

export class Pacer {
  /** This process's reservations (used when no shared source answers). */
  private readonly reserved: BudgetSlots = { nextSlot: 0, starts: [] };
  /** When this process's latest requests really left, oldest first. */
  private readonly sent: BudgetSlots = { nextSlot: 0, starts: [] };

  /** `intervalMs` and `perSecond`: the rate of `acquire` without one. */
  constructor(
    readonly intervalMs: number,
    readonly perSecond = Math.max(1, Math.round(1000 / intervalMs)),
    /** How the shared source names this budget (`token:<hash>`); '' for a pacer of its own. */
    readonly bucket = '',
  ) {}

  /** The earliest time the next request may start, as this process reserved it. */
  get nextSlot(): number {
    return this.reserved.nextSlot;
  }
  set nextSlot(at: number) {
    this.reserved.nextSlot = at;
  }

  /** Resolves when this caller may send; rejects when `signal` aborts. */
  acquire(signal?: AbortSignal, rate: Rate = { intervalMs: this.intervalMs, perSecond: this.perSecond }): Promise<void> {
    return acquireAll({ list: [{ pacer: this, rate }] }, signal);
  }

  /** This process's reservation of a slot in every budget of `list`. */
  static reserveLocally(list: readonly PacedBy[], now: number): number {
    return reserveSlot(list.map(({ pacer, rate }) => ({ slots: pacer.reserved, rate })), now);
  }

  /** The earliest time a request may leave without making `perSecond + 1` in one window of what this process sent. */
  windowFreeAt(now: number, perSecond: number): number {
    return windowFreeAt(this.sent.starts, perSecond, now);
  }

  recordSent(at: number): void {
    rememberStart(this.sent, at);
  }
}

/** A budget and the rate one request spends it at. */
export interface PacedBy {
  pacer: Pacer;
  rate: Rate;
}

/** The budgets one request counts against; `api`: shared through the source (absent: this process only). */
export interface Budgets {
  api?: ApiName;
  list: readonly PacedBy[];
}

/**
 * Where slots are reserved when several processes share a budget: resolves to how long this
 * request must wait, or null when it cannot share here (then this process reserves on its own).
 */
export type SlotSource = (request: { api: ApiName; buckets: { bucket: string; rate: Rate }[] }, signal?: AbortSignal) => Promise<number | null>;

let shared: SlotSource | null = null;

/** Installs (or, with null, removes) the source of shared slots for every budget of this process. */
export function shareSlotsThrough(source: SlotSource | null): void {
  shared = source;
}

/** A slot in every budget of `budgets`, then the sliding window of what this process sent in each. */
export async function acquireAll(budgets: Budgets, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  const wait = await sharedWait(budgets, signal);
  const now = Date.now();
  const ms = wait ?? Pacer.reserveLocally(budgets.list, now) - now;
  if (ms > 0) await delay(ms, signal);
  for (;;) {
    const at = Date.now();
    const free = Math.max(...budgets.list.map(({ pacer, rate }) => pacer.windowFreeAt(at, rate.perSecond)));
    if (free <= at) break;
    await delay(free - at, signal);
  }
  const sentAt = Date.now();
  for (const { pacer } of budgets.list) pacer.recordSent(sentAt);
}

function sharedWait({ api, list }: Budgets, signal?: AbortSignal): Promise<number | null> {
  if (!shared || !api) return Promise.resolve(null);
  return shared({ api, buckets: list.map(({ pacer, rate }) => ({ bucket: pacer.bucket, rate })) }, signal);
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
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

/** A key as budgets are named: hashed, so no secret is kept as a map key or sent to the shared source. */
const hashOf = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 24);

/**
 * The process-wide budget of `api`'s `scope` ("token", "workspace") for `key`: the same pacer for
 * every caller, whatever rate it spends it at.
 */
export function pacerFor(api: ApiName, scope: 'token' | 'workspace', key: string): Pacer {
  const bucket = `${scope}:${hashOf(key)}`;
  const id = `${api}\0${bucket}`;
  let pacer = pacers.get(id);
  if (!pacer) {
    pacer = new Pacer(0, 1, bucket);
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
  const budgets: Budgets = { api, list };
  return (signal) => acquireAll(budgets, signal);
}
