/**
 * The pacer keeps "N requests per second" in any one-second window, also when a busy machine fires
 * a reserved slot's timer late and the next slots then come due on time.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { paceApi, Pacer, pacerFor } from '../src/http/pacer.js';

const busyFor = (ms: number) => {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // the event loop is blocked, as under a CPU-heavy neighbour
  }
};

test('a late first slot does not let four requests into one second at 3 per second', async () => {
  const pacer = new Pacer(344, 3);
  pacer.nextSlot = Date.now() + 50;
  const sent: number[] = [];
  const all = [0, 1, 2, 3].map(() => pacer.acquire().then(() => sent.push(Date.now())));
  busyFor(200); // the first slot (due in 50 ms) fires about 150 ms late; the others are due on time
  await Promise.all(all);
  sent.sort((a, b) => a - b);
  assert.equal(sent.length, 4);
  assert.ok(sent[3]! - sent[0]! >= 1000, `four requests within ${sent[3]! - sent[0]!} ms`);
});

test('the n-th request waits n intervals, however late the timers fire', async () => {
  // Timers may fire late on a busy machine but not early: each request leaves no sooner than its slot.
  const pacer = new Pacer(100, 10);
  const start = Date.now();
  const sent: number[] = [];
  await Promise.all([0, 1, 2].map(() => pacer.acquire().then(() => sent.push(Date.now() - start))));
  sent.sort((a, b) => a - b);
  assert.ok(sent[1]! >= 98 && sent[2]! >= 198, `left after ${sent.join(', ')} ms`);
});

test('an abort while waiting rejects with the reason', async () => {
  const pacer = new Pacer(1000, 1);
  await pacer.acquire();
  const controller = new AbortController();
  const waiting = pacer.acquire(controller.signal);
  controller.abort(new Error('cancelled'));
  await assert.rejects(waiting, /cancelled/);
});

test('one budget per API, scope and key, whatever rate a caller spends it at', async () => {
  assert.equal(pacerFor('fibery', 'token', 'tok-a'), pacerFor('fibery', 'token', 'tok-a'));
  assert.notEqual(pacerFor('fibery', 'token', 'tok-a'), pacerFor('fibery', 'workspace', 'tok-a'));
  assert.notEqual(pacerFor('fibery', 'token', 'tok-a'), pacerFor('toggl', 'token', 'tok-a'));
  // Enrichment and the delivery as two callers of one token at 2 per second: three requests span a second.
  const enrichment = paceApi('fibery', { token: 'tok-shared', workspace: 'https://a.example' }, { requests_per_second: 2 });
  const delivery = paceApi('fibery', { token: 'tok-shared', workspace: 'https://b.example' }, { requests_per_second: 2 });
  const sent: number[] = [];
  await Promise.all([enrichment(), delivery(), enrichment()].map((p) => p.then(() => sent.push(Date.now()))));
  sent.sort((a, b) => a - b);
  assert.ok(sent[2]! - sent[0]! >= 1000, `three requests of one token at 2/s within ${sent[2]! - sent[0]!} ms`);
});
