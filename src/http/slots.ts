/**
 * The arithmetic of a request budget, shared by the pacer of one process (src/http/pacer.ts) and
 * the budget workflow that several workers share (src/workflows/api-budget.ts): a request takes the
 * first start time that is at least its interval after the request before it in every budget it
 * counts against, and never makes `perSecond + 1` starts in one window. Pure and clock-free, so
 * workflow code may run it.
 */

/** What one request may spend: its interval and how many may leave in one second. */
export interface Rate {
  intervalMs: number;
  perSecond: number;
}

/** One budget's reservations: the earliest next start and the latest starts, oldest first. */
export interface BudgetSlots {
  nextSlot: number;
  starts: number[];
}

/** Room for requests that leave a second apart to arrive a little closer together. */
export const WINDOW_MARGIN_MS = 40;
/** The most starts a budget remembers: more than any rate a config may set. */
export const MAX_REMEMBERED = 256;

/** "N per second", with a few milliseconds of margin: requests that leave on time may still arrive a little bunched. */
export function rateOf(requestsPerSecond: number): Rate {
  return { intervalMs: Math.ceil(1000 / requestsPerSecond) + 10, perSecond: Math.max(1, Math.floor(requestsPerSecond)) };
}

/** The earliest time a start may follow `starts` without making `perSecond + 1` in one window. */
export function windowFreeAt(starts: readonly number[], perSecond: number, now: number): number {
  return starts.length < perSecond ? now : Math.max(now, starts[starts.length - perSecond]! + 1000 + WINDOW_MARGIN_MS);
}

export function rememberStart(slots: BudgetSlots, at: number): void {
  slots.starts.push(at);
  if (slots.starts.length > MAX_REMEMBERED) slots.starts.shift();
}

/**
 * The start time of one request that counts against every budget of `list` (a token's and a
 * workspace's: the later slot of the two), reserved in each of them.
 */
export function reserveSlot(list: readonly { slots: BudgetSlots; rate: Rate }[], now: number): number {
  const slot = Math.max(now, ...list.map(({ slots, rate }) => Math.max(slots.nextSlot, windowFreeAt(slots.starts, rate.perSecond, now))));
  for (const { slots, rate } of list) {
    slots.nextSlot = slot + rate.intervalMs;
    rememberStart(slots, slot);
  }
  return slot;
}
