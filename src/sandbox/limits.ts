/**
 * The two kinds of limit the real APIs enforce: a sliding window (Toggl's hourly quota, Fibery's
 * requests per second) and a leaky bucket (Toggl's "about one request per second"). Both run on a
 * monotonic clock.
 */
import { performance } from 'node:perf_hooks';

export type Clock = () => number;
const monotonic: Clock = () => performance.now();

/** At most `limit` admitted requests in any window of `windowMs`; refused requests do not count. */
export class SlidingWindow {
  private admitted: number[] = [];

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: Clock = monotonic,
  ) {}

  private prune(now: number): void {
    let drop = 0;
    while (drop < this.admitted.length && now - this.admitted[drop]! >= this.windowMs) drop++;
    if (drop > 0) this.admitted.splice(0, drop);
  }

  /** Counts a request (arrived at `now`) when there is room; false when the window is full. */
  tryTake(now = this.now()): boolean {
    this.prune(now);
    if (this.admitted.length >= this.limit) return false;
    // Oldest first, also when a request that arrived earlier is counted after a later one.
    let at = this.admitted.length;
    while (at > 0 && this.admitted[at - 1]! > now) at--;
    this.admitted.splice(at, 0, now);
    return true;
  }

  remaining(now = this.now()): number {
    this.prune(now);
    return Math.max(0, this.limit - this.admitted.length);
  }

  /** ms until the oldest admitted request leaves the window (0 when the window is empty). */
  msUntilOldestLeaves(): number {
    const now = this.now();
    this.prune(now);
    const oldest = this.admitted[0];
    return oldest === undefined ? 0 : Math.max(0, oldest + this.windowMs - now);
  }
}

/** Drains `perSecond` requests a second; a request that would overflow `burst` is refused. */
export class LeakyBucket {
  private level = 0;
  private last: number;

  constructor(
    readonly perSecond: number,
    readonly burst: number,
    private readonly now: Clock = monotonic,
  ) {
    this.last = now();
  }

  private drain(now: number): void {
    this.level = Math.max(0, this.level - ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
  }

  tryTake(): boolean {
    this.drain(this.now());
    if (this.level + 1 > this.burst + 1e-9) return false;
    this.level += 1;
    return true;
  }

  /** ms until one more request fits. */
  msUntilRoom(): number {
    this.drain(this.now());
    const excess = this.level + 1 - this.burst;
    return excess <= 0 ? 0 : (excess / this.perSecond) * 1000;
  }
}
