/**
 * The rolling window of spec section 4: at most `maxConcurrent` items in flight, the next item
 * starts as soon as any running one settles, and the first failure stops new starts and rejects
 * (with `settleOnFailure`, once the items still in flight have settled: `onFailure` can cancel them).
 *
 * It uses nothing but promises (no timers, no I/O), so the same function is deterministic inside
 * Temporal workflow code, where `process` schedules activities, and works in plain async code.
 * Results come back in input order, whatever the completion order.
 */
export interface RollingWindowOptions<T, R> {
  maxConcurrent: number;
  /** Called when an item starts, before `process` runs (for progress accounting). */
  onStart?: (item: T, index: number) => void;
  /** Called when an item finishes successfully. */
  onDone?: (item: T, index: number, result: R) => void;
  /** Called once, at the first failure. */
  onFailure?: (error: unknown) => void;
  /** Reject only after the items in flight at the first failure have settled too. */
  settleOnFailure?: boolean;
}

export async function processWithRollingWindow<T, R>(
  items: readonly T[],
  process: (item: T, index: number) => Promise<R>,
  options: RollingWindowOptions<T, R>,
): Promise<R[]> {
  const { maxConcurrent } = options;
  if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) {
    throw new RangeError(`maxConcurrent must be a positive integer, got ${maxConcurrent}`);
  }
  const results = new Array<R>(items.length);
  const running = new Set<Promise<void>>();
  let next = 0;
  let failure: { error: unknown } | undefined;

  const launch = (index: number): void => {
    const item = items[index] as T;
    options.onStart?.(item, index);
    const task: Promise<void> = process(item, index).then(
      (result) => {
        results[index] = result;
        options.onDone?.(item, index, result);
      },
      (error: unknown) => {
        if (failure) return;
        failure = { error };
        options.onFailure?.(error);
      },
    );
    const tracked = task.then(() => {
      running.delete(tracked);
    });
    running.add(tracked);
  };

  while (next < items.length && running.size < maxConcurrent) launch(next++);
  while (running.size > 0) {
    await Promise.race(running);
    if (failure) {
      if (options.settleOnFailure) await Promise.all(running);
      throw failure.error;
    }
    while (next < items.length && running.size < maxConcurrent) launch(next++);
  }
  return results;
}
