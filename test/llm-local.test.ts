/** Made for local models: one slot per local server, endpoints named as what they are, estimates that err high. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultMaxConcurrent, isLoopback, Slots, slotsFor } from '../src/llm/concurrency.js';
import { endpointOf, unreachable } from '../src/llm/endpoint.js';
import { estimateTokens } from '../src/reports/fact-pack.js';
import { charsPerTokenFor, llmWriter, type NarrativeRequest } from '../src/reports/writer.js';
import type { LlmRequest, LlmResult } from '../src/llm/client.js';

test('a server on this machine gets one slot by default; a hosted API no limit', () => {
  for (const url of ['http://127.0.0.1:8088/v1', 'http://localhost:11434', 'http://[::1]:1234', 'http://0.0.0.0:8080']) {
    assert.equal(isLoopback(url), true, url);
    assert.equal(defaultMaxConcurrent(url), 1, url);
  }
  for (const url of [undefined, 'https://api.openai.com/v1', 'http://10.0.0.5:11434', 'not a url']) assert.equal(defaultMaxConcurrent(url), null, String(url));
});

test('Slots: at most `limit` at once, waiters served in order, an aborted waiter leaves the queue', async () => {
  const slots = new Slots(1);
  const order: string[] = [];
  const first = await slots.acquire();
  const second = slots.acquire().then((release) => {
    order.push('second');
    return release;
  });
  const aborter = new AbortController();
  const third = slots.acquire(aborter.signal);
  const fourth = slots.acquire().then((release) => {
    order.push('fourth');
    release();
  });
  assert.equal(slots.queued, 3);
  aborter.abort(new Error('cancelled'));
  await assert.rejects(third, /cancelled/);
  assert.equal(slots.queued, 2);
  first();
  (await second)();
  await fourth;
  assert.deepEqual(order, ['second', 'fourth']);
  assert.equal(slotsFor('http://x', 1), slotsFor('http://x', 1), 'one count per server and limit');
  assert.equal(slotsFor('http://x', null), null);
});

const OPENAI = { name: 'OpenAI', defaultBaseUrl: 'https://api.openai.com' };

test('endpoints are named as what they are', () => {
  assert.equal(endpointOf(OPENAI).label, 'OpenAI');
  assert.equal(endpointOf({ ...OPENAI, baseUrl: 'https://api.openai.com/v1' }).label, 'OpenAI');
  const local = endpointOf({ ...OPENAI, baseUrl: 'http://127.0.0.1:8088/v1' });
  assert.equal(local.label, 'the OpenAI-compatible server at 127.0.0.1:8088');
  assert.equal(unreachable(local, { timedOutMs: 8000, detail: 'timeout', tries: '' }), 'The OpenAI-compatible server at 127.0.0.1:8088 did not answer within 8 s');
  assert.equal(unreachable(local, { timedOutMs: null, detail: 'Connection error.', tries: ' (after 4 requests)' }), 'cannot reach the OpenAI-compatible server at 127.0.0.1:8088: Connection error. (after 4 requests)');
  assert.equal(unreachable(endpointOf({ name: 'Anthropic', defaultBaseUrl: 'https://api.anthropic.com' }), { timedOutMs: null, detail: 'ECONNRESET', tries: '' }), 'cannot reach Anthropic at https://api.anthropic.com: ECONNRESET');
});

test('the prompt estimate errs high for OpenAI-compatible servers', () => {
  assert.equal(charsPerTokenFor({}), 4);
  assert.equal(charsPerTokenFor({ baseUrl: 'https://api.openai.com/v1' }), 4);
  assert.equal(charsPerTokenFor({ baseUrl: 'http://127.0.0.1:8088/v1' }), 3);
  const json = JSON.stringify({ entities: [{ id: '7658', name: 'Provision AWS infrastructure', hours: 12.5 }] }).repeat(20);
  assert.ok(estimateTokens(json, 3) > estimateTokens(json) * 1.3);
});

test('with one slot, three reports wait for each other, not in the server: each deadline starts with its slot', async () => {
  let busy = 0;
  let most = 0;
  const gates: (() => void)[] = [];
  const client = {
    async complete(req: LlmRequest): Promise<LlmResult> {
      busy++;
      most = Math.max(most, busy);
      // Each request ends only when the test lets it: no timing involved.
      await new Promise<void>((resolve) => gates.push(resolve));
      busy--;
      assert.ok((req.deadlineMs ?? 0) > 50_000, 'the whole deadline is left when the report gets its slot');
      return { text: '## Summary\nZoë Müller tracked 2.0 h.', provider: 'openai', model: 'local', input_tokens: 1, output_tokens: 1, seconds: 0 };
    },
  };
  const writer = llmWriter(client, { maxConcurrent: 1, server: `test-${Math.random()}`, deadlineMs: 60_000 });
  const req: NarrativeRequest = {
    report: 'person:zoe@example.com',
    kind: 'person_report',
    sections: [{ key: 'summary', title: 'Summary' }],
    facts: { base: { person: 'Zoë Müller', totals: { hours: 2.0 } }, lists: [] },
    known: { people: ['Zoë Müller'], ids: [], texts: [] },
    fallback: { summary: 'x' },
  };
  const all = Promise.all([writer.narrate(req), writer.narrate(req), writer.narrate(req)]);
  for (let i = 0; i < 3; i++) {
    while (gates.length === 0) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(busy, 1);
    gates.shift()!();
  }
  const results = await all;
  assert.equal(most, 1);
  for (const r of results) assert.equal(r.sections.summary, 'Zoë Müller tracked 2.0 h.');
});
