/**
 * The LLM simulator's small-model modes against the real client and writer (no Temporal): an
 * invented name, a wrong date, an echo as the correction, a <think> block, an empty first answer,
 * a garbage section, a server with one slot.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { LlmClient } from '../src/llm/client.js';
import { startLlmServer, type LlmScriptItem, type LlmServer } from '../src/sandbox/llm-server.js';
import { llmWriter, type NarrativeRequest } from '../src/reports/writer.js';

let llm: LlmServer;
before(async () => {
  llm = await startLlmServer({ apiKey: 'sk-modes' });
});
after(() => llm.close());

const request = (): NarrativeRequest => ({
  report: 'person:zoe@example.com',
  kind: 'person_report',
  sections: [
    { key: 'overall', title: 'Overall summary' },
    { key: 'work', title: 'What was done' },
  ],
  facts: {
    base: { person: 'Zoë Müller', period: { start_date: '2026-11-16', end_date: '2026-11-22' }, totals: { hours: 6.5 } },
    lists: [{ key: 'entities', noun: ['entity', 'entities'], items: [{ id: '7658', name: 'Provision AWS infrastructure', hours: 4.5 }], whole: (e: unknown) => e }],
  },
  known: { people: ['Zoë Müller'], ids: ['7658'], texts: ['Provision AWS infrastructure'] },
  fallback: { overall: 'DATA-ONLY overall.', work: 'DATA-ONLY work.' },
});

async function narrate(script: LlmScriptItem[], options: { server?: LlmServer; timeoutMs?: number } = {}) {
  const server = options.server ?? llm;
  server.clearRequests();
  server.enqueue(...script);
  const client = new LlmClient({ provider: 'openai', model: 'sim', baseUrl: server.openaiBaseUrl, maxRetries: 0, timeoutMs: options.timeoutMs ?? 30_000 }, 'sk-modes');
  return llmWriter(client).narrate(request());
}

test('the usual answer passes every check', async () => {
  const r = await narrate([]);
  assert.equal(r.sections.overall, 'Zoë Müller tracked 6.5 h.');
  assert.deepEqual(r.unverified, []);
  assert.ok(r.footer!.includes('The checks found nothing to mark.'));
});

test('an invented project name and a wrong date are marked when the correction keeps them', async () => {
  const named = await narrate([{ mode: 'invented-name' }, { mode: 'invented-name' }]);
  assert.match(named.sections.overall!, /Firebrick \*\(unverified\)\* toolset/);
  assert.match(named.footer!.join('\n'), /\*\*1 name could not be verified\*\*.*"Firebrick"/);
  const dated = await narrate([{ mode: 'wrong-date' }, { mode: 'wrong-date' }]);
  assert.match(dated.sections.overall!, /1999-03-14 \*\(unverified\)\*/);
  assert.match(dated.footer!.join('\n'), /\*\*1 date could not be verified\*\*/);
  // A correction that drops them is used.
  const fixed = await narrate([{ mode: 'invented-name' }]);
  assert.equal(fixed.sections.overall, 'Zoë Müller tracked 6.5 h.');
  assert.equal(llm.requests().length, 2);
});

test('an echo of the correction request is not taken as the correction', async () => {
  const r = await narrate([{ wrongHours: 99.9 }, { mode: 'echo' }]);
  assert.equal(llm.requests().length, 2);
  assert.equal(r.sections.overall, 'Zoë Müller tracked 99.9 h *(unverified)*.');
  assert.match(r.footer!.join('\n'), /the correction answer was not used \(.*it repeats the request it was sent/);
  assert.ok(!/every figure|now matches/i.test(r.footer!.join('\n')));
});

test('a <think> block is stripped (its invented name never reaches the report); it stays in the raw answer', async () => {
  const r = await narrate([{ mode: 'think' }]);
  assert.equal(llm.requests().length, 1);
  assert.ok(!Object.values(r.sections).join('\n').includes('Firebrick'));
  assert.deepEqual(r.unverified, []);
  assert.match(r.answers![0]!.text, /^<think>/);
});

test('an empty first answer is asked for once more', async () => {
  const r = await narrate([{ mode: 'empty' }]);
  assert.equal(llm.requests().length, 2);
  assert.equal(r.sections.overall, 'Zoë Müller tracked 6.5 h.');
  const twice = await narrate([{ mode: 'empty' }, { mode: 'empty' }]);
  assert.equal(twice.failure, 'the answer was empty twice');
  assert.equal(twice.sections.overall, 'DATA-ONLY overall.');
});

test('a garbage section is replaced by the data-only narrative, with a warning', async () => {
  const r = await narrate([{ mode: 'garbage-section' }]);
  assert.equal(r.sections.work, 'DATA-ONLY work.');
  assert.match(r.warning!, /What was done: it is program output, not prose/);
});

test('three reports against a one-slot server: one request at a time, none times out', async () => {
  const single = await startLlmServer({ apiKey: 'sk-modes', slots: 1, latencyMs: 150 });
  try {
    const client = new LlmClient({ provider: 'openai', model: 'sim', baseUrl: single.openaiBaseUrl, maxRetries: 0, timeoutMs: 5_000 }, 'sk-modes');
    // llm.max_concurrent's default for a loopback server, as reportWriterFor sets it.
    const writer = llmWriter(client, { maxConcurrent: 1, server: single.openaiBaseUrl });
    const results = await Promise.all([writer.narrate(request()), writer.narrate(request()), writer.narrate(request())]);
    for (const r of results) {
      assert.equal(r.failure, undefined);
      assert.equal(r.sections.overall, 'Zoë Müller tracked 6.5 h.');
    }
    assert.equal(single.requests().length, 3);
    assert.equal(single.maxInFlight(), 1);
  } finally {
    await single.close();
  }
});
