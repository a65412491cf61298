/**
 * The physical limit of a run: how long its API requests must take, given the latencies and limits
 * the simulators apply and the fewest requests the APIs allow. Computed by replaying the requests
 * on a timeline, not measured, so the measured wall time can be set against it.
 */

export interface TogglLimits {
  latencyMs: number;
  /** Requests per second the client may send (Toggl asks for about one). */
  requestsPerSecond: number;
  /** The hourly quota, or null when off. */
  quota: { limit: number; windowSeconds: number } | null;
}

/** Sequential requests: each starts when the previous one answered, its pacing slot and the quota allow. */
export function togglFetchMs(requests: number, limits: TogglLimits): number {
  const interval = 1000 / limits.requestsPerSecond;
  const starts: number[] = [];
  let previousEnd = 0;
  for (let i = 0; i < requests; i++) {
    let start = Math.max(previousEnd, i === 0 ? 0 : starts[i - 1]! + interval);
    if (limits.quota && i >= limits.quota.limit) start = Math.max(start, starts[i - limits.quota.limit]! + limits.quota.windowSeconds * 1000);
    starts.push(start);
    previousEnd = start + limits.latencyMs;
  }
  return requests === 0 ? 0 : previousEnd;
}

export interface FiberyPlanShape {
  /** Per space: one introspection, then its types' batches. */
  spaces: { types: { batches: number; maxConcurrent: number }[] }[];
}

export interface FiberyLimits {
  latencyMs: number;
  requestsPerSecond: number;
}

/**
 * Batches run as soon as a pacing slot, their type's concurrency and their space's introspection
 * allow; types run side by side. Returns when the last answer arrives.
 */
export function fiberyEnrichmentMs(plan: FiberyPlanShape, limits: FiberyLimits): number {
  const interval = 1000 / limits.requestsPerSecond;
  let nextSlot = 0;
  const take = (earliest: number) => {
    const start = Math.max(earliest, nextSlot);
    nextSlot = start + interval;
    return start;
  };
  let end = 0;
  const spaceReady = plan.spaces.map(() => take(0) + limits.latencyMs);
  // Every type's batches, in the order their windows would ask for them.
  const lanes = plan.spaces.flatMap((space, s) => space.types.map((type) => ({ ready: spaceReady[s]!, left: type.batches, running: [] as number[], max: type.maxConcurrent })));
  for (;;) {
    const open = lanes.filter((l) => l.left > 0);
    if (open.length === 0) break;
    // The lane that can start soonest goes next.
    let best = open[0]!;
    let bestAt = Infinity;
    for (const lane of open) {
      const free = lane.running.length < lane.max ? lane.ready : Math.min(...lane.running);
      const at = Math.max(free, nextSlot);
      if (at < bestAt) [best, bestAt] = [lane, at];
    }
    if (best.running.length >= best.max) best.running.splice(best.running.indexOf(Math.min(...best.running)), 1);
    const start = take(Math.max(best.ready, bestAt));
    best.running.push(start + limits.latencyMs);
    best.left--;
    end = Math.max(end, start + limits.latencyMs);
  }
  return Math.max(end, ...spaceReady);
}

/** Hours a fetch of `requests` needs under an hourly quota of `perHour`, at one request a second. */
export function quotaHours(requests: number, perHour: number): number {
  return togglFetchMs(requests, { latencyMs: 0, requestsPerSecond: 1, quota: { limit: perHour, windowSeconds: 3600 } }) / 3_600_000;
}
