import { test } from 'node:test';
import assert from 'node:assert/strict';
import { processWithRollingWindow } from '../src/patterns/rolling-window.js';

/** A promise whose settlement the test controls, so timing never decides the outcome. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
const tick = () => new Promise((r) => setImmediate(r));

test('returns results in input order even when items finish out of order', async () => {
  const gates = [0, 1, 2, 3].map(() => deferred<string>());
  const run = processWithRollingWindow([0, 1, 2, 3], (i) => gates[i]!.promise, { maxConcurrent: 4 });
  for (const i of [3, 1, 0, 2]) {
    gates[i]!.resolve(`r${i}`);
    await tick();
  }
  assert.deepEqual(await run, ['r0', 'r1', 'r2', 'r3']);
});

test('never has more than maxConcurrent in flight, and starts the next one as soon as one finishes', async () => {
  const gates = Array.from({ length: 6 }, () => deferred<number>());
  const started: number[] = [];
  let inFlight = 0;
  let peak = 0;
  const run = processWithRollingWindow(
    [0, 1, 2, 3, 4, 5],
    async (i) => {
      started.push(i);
      inFlight++;
      peak = Math.max(peak, inFlight);
      try {
        return await gates[i]!.promise;
      } finally {
        inFlight--;
      }
    },
    { maxConcurrent: 2 },
  );
  await tick();
  assert.deepEqual(started, [0, 1]);
  gates[1]!.resolve(1); // the second finishes first: item 2 must start without waiting for item 0
  await tick();
  await tick();
  assert.deepEqual(started, [0, 1, 2]);
  for (const i of [0, 2, 3, 4, 5]) {
    gates[i]!.resolve(i);
    await tick();
    await tick();
  }
  assert.deepEqual(await run, [0, 1, 2, 3, 4, 5]);
  assert.equal(peak, 2);
});

test('fails fast: the first error rejects the whole run and no further items start', async () => {
  const gates = Array.from({ length: 5 }, () => deferred<number>());
  const started: number[] = [];
  const run = processWithRollingWindow(
    [0, 1, 2, 3, 4],
    (i) => {
      started.push(i);
      return gates[i]!.promise;
    },
    { maxConcurrent: 2 },
  );
  await tick();
  gates[0]!.reject(new Error('entity 0 failed'));
  await assert.rejects(run, /entity 0 failed/);
  assert.deepEqual(started, [0, 1]);
});

test('reports progress through onStart and onDone', async () => {
  const done: number[] = [];
  const startedItems: string[] = [];
  await processWithRollingWindow(['a', 'b', 'c'], async (x) => x.toUpperCase(), {
    maxConcurrent: 2,
    onStart: (x) => startedItems.push(x),
    onDone: (_x, i) => done.push(i),
  });
  assert.deepEqual(startedItems, ['a', 'b', 'c']);
  assert.deepEqual(done.sort(), [0, 1, 2]);
});

test('handles an empty list and rejects a non-positive bound', async () => {
  assert.deepEqual(await processWithRollingWindow([], async () => 1, { maxConcurrent: 3 }), []);
  await assert.rejects(processWithRollingWindow([1], async () => 1, { maxConcurrent: 0 }), RangeError);
});

test('with settleOnFailure: onFailure hears of the first failure, and the rejection waits for the items in flight', async () => {
  const gates = [deferred<number>(), deferred<number>(), deferred<number>()];
  const heard: string[] = [];
  let rejected = false;
  const run = processWithRollingWindow([0, 1, 2], (i) => gates[i]!.promise, {
    maxConcurrent: 2,
    settleOnFailure: true,
    onFailure: (error) => heard.push((error as Error).message),
  });
  run.catch(() => (rejected = true));
  await tick();
  gates[0]!.reject(new Error('entity 0 failed'));
  await tick();
  assert.deepEqual(heard, ['entity 0 failed']);
  assert.equal(rejected, false, 'item 1 is still in flight');
  gates[1]!.reject(new Error('entity 1 stopped'));
  await assert.rejects(run, /entity 0 failed/, 'the first failure, not a later one');
  assert.deepEqual(heard, ['entity 0 failed'], 'once');
});
