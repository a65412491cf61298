/**
 * Whole runs with an LLM configured, on a real Temporal dev server: against hand-rolled
 * OpenAI-compatible and Anthropic-format servers (not the project's simulator), and against the
 * sandbox's LLM simulator for wrong figures, rate limits, server errors, bad keys and a person
 * with 300 entities.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { estimateTokens } from '../src/reports/fact-pack.js';
import { startSandbox, type Dataset, type Sandbox } from '../src/sandbox/index.js';
import { parseDataset } from '../src/sandbox/dataset.js';
import type { LlmScriptItem, LlmServer } from '../src/sandbox/llm-server.js';
import type { PipelineInput } from '../src/workflows/contract.js';
import { RunMetadataSchema, TogglAggregatedSchema, type TogglAggregated } from '../src/storage/schemas.js';
import { runPipelineOn } from './support/pipeline.js';
import { startTestTemporal, type TestTemporal } from './support/temporal.js';

let temporal: TestTemporal;
let sandbox: Sandbox;
let outputDir: string;

before(async () => {
  [temporal, sandbox] = await Promise.all([startTestTemporal(), startSandbox({ limits: 'none' })]);
  outputDir = await mkdtemp(path.join(os.tmpdir(), 'volt-llm-pipeline-'));
});
after(async () => {
  await sandbox?.close();
  await temporal?.stop();
});

const WEEK = { start_date: '2026-11-16', end_date: '2026-11-22' };
const readJson = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as unknown;

function run(runId: string, env: NodeJS.ProcessEnv, extra: Partial<PipelineInput> = {}) {
  return runPipelineOn(temporal, { ...WEEK, run_id: runId, output_dir: outputDir, ...extra }, env);
}

// ---------------------------------------------------------------------------------------------
// Hand-rolled servers speaking each wire format
// ---------------------------------------------------------------------------------------------

interface Seen {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  raw: string;
}

const ANSWER = '## Executive summary\nA calm week with steady progress.\n\n## Overall summary\nSteady work on the listed entities.\n';

async function handRolled(format: 'openai' | 'anthropic') {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(raw) as Record<string, unknown>, raw });
      const body =
        format === 'openai'
          ? { id: 'x', object: 'chat.completion', created: 1, model: 'hand-model', choices: [{ index: 0, message: { role: 'assistant', content: ANSWER }, finish_reason: 'stop' }], usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 } }
          : { id: 'x', type: 'message', role: 'assistant', model: 'hand-model', content: [{ type: 'text', text: ANSWER }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 100, output_tokens: 20 } };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const h = (seconds: number) => `${(Math.round((seconds / 3600) * 10) / 10).toFixed(1)} h`;
const pct = (part: number, whole: number) => (whole ? `${Math.round((part / whole) * 100)}%` : '–');

/** The cells of every table row of `markdown` whose first cell is `first`. */
function rows(markdown: string, first: string): string[][] {
  return markdown
    .split('\n')
    .filter((l) => l.startsWith(`| ${first} |`))
    .map((l) => l.slice(2, -2).split(' | '));
}

/** The tables of every report agree with toggl_aggregated.json at the rounding shown. */
async function assertTablesAgree(dir: string, aggregated: TogglAggregated): Promise<void> {
  const toggl = await readFile(path.join(dir, 'reports/toggl_summary.md'), 'utf8');
  const team = await readFile(path.join(dir, 'reports/team_summary.md'), 'utf8');
  const t = aggregated.totals;
  assert.deepEqual(rows(toggl, 'Total tracked')[0], ['Total tracked', h(t.total_seconds)]);
  assert.deepEqual(rows(team, 'On Fibery entities')[0], ['On Fibery entities', `${h(t.matched_seconds)} (${pct(t.matched_seconds, t.total_seconds)})`]);
  for (const e of aggregated.entities.slice(0, 25)) {
    const [row] = rows(toggl, `#${e.entity_id}`);
    assert.equal(row?.[4], h(e.total_seconds), `toggl summary #${e.entity_id}`);
    assert.equal(row?.[6], String(e.entry_count));
  }
  const individual = (await readdir(path.join(dir, 'reports/individual'))).filter((f) => f.endsWith('.md'));
  for (const u of Object.values(aggregated.users)) {
    assert.deepEqual(rows(toggl, u.name)[0], [u.name, h(u.total_seconds), h(u.matched_seconds), h(u.unmatched_seconds), pct(u.matched_seconds, u.total_seconds), String(u.entry_count), String(u.days_active)]);
    const member = rows(team, u.name)[0]!;
    assert.deepEqual(member.slice(0, 5), [u.name, h(u.total_seconds), h(u.matched_seconds), h(u.unmatched_seconds), pct(u.total_seconds, t.total_seconds)]);
    const file = individual.find((f) => member[5]?.includes(`individual/${f.replace(/ /g, '%20')}`));
    assert.ok(file, `${u.name} has a report linked from the team report`);
    const person = await readFile(path.join(dir, 'reports/individual', file), 'utf8');
    assert.deepEqual(rows(person, 'Total tracked')[0], ['Total tracked', h(u.total_seconds)]);
    assert.deepEqual(rows(person, 'Other activities')[0], ['Other activities', `${h(u.unmatched_seconds)} (${pct(u.unmatched_seconds, u.total_seconds)})`]);
    for (const e of u.matched_entities) {
      const [row] = rows(person, `#${e.entity_id}`);
      assert.equal(row?.[3], h(e.total_seconds), `${u.name} #${e.entity_id}`);
      assert.equal(row?.[4], String(e.entry_count));
    }
  }
}

describe('against servers that are not the project\'s own', () => {
  for (const format of ['openai', 'anthropic'] as const) {
    test(`${format}: every report is written; each request has the right headers and model, the data of its report and no key or token`, async () => {
      const server = await handRolled(format);
      try {
        const key = format === 'openai' ? 'sk-hand-openai-0123456789abcdef' : 'sk-ant-hand-0123456789abcdef';
        const env: NodeJS.ProcessEnv =
          format === 'openai'
            ? { ...sandbox.env, OPENAI_BASE_URL: server.url, OPENAI_API_KEY: key, VOLT_LLM_MODEL: 'hand-model' }
            : { ...sandbox.env, ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: key, VOLT_LLM_PROVIDER: 'anthropic', VOLT_LLM_MODEL: 'hand-model' };
        const runId = `run_hand-${format}`;
        const { error } = await run(runId, env);
        assert.equal(error, null, String(error));
        const dir = path.join(outputDir, runId);
        const aggregated = TogglAggregatedSchema.parse(await readJson(path.join(dir, 'toggl_aggregated.json')));
        const people = Object.values(aggregated.users);
        assert.equal(server.seen.length, people.length + 2, 'toggl summary, one per person, team summary: one request each');
        const secrets = [key, sandbox.env.TOGGL_API_TOKEN!, sandbox.env.FIBERY_API_TOKEN!];
        for (const req of server.seen) {
          assert.equal(req.body.model, 'hand-model');
          if (format === 'openai') {
            assert.equal(req.path, '/v1/chat/completions');
            assert.equal(req.headers.authorization, `Bearer ${key}`);
            assert.equal((req.body.messages as { role: string }[])[0]!.role, 'system');
          } else {
            assert.equal(req.path, '/v1/messages');
            assert.equal(req.headers['x-api-key'], key);
            assert.equal(req.headers['anthropic-version'], '2023-06-01');
            assert.equal(typeof req.body.system, 'string');
            assert.ok(typeof req.body.max_tokens === 'number');
          }
          for (const secret of secrets) assert.ok(!req.raw.includes(secret), 'no key or token in a prompt');
        }
        const prompt = (req: Seen) => JSON.stringify(req.body.messages);
        const toggl = server.seen.filter((r) => prompt(r).includes('narrative of the Toggl summary'));
        const team = server.seen.filter((r) => prompt(r).includes('narrative of the team report'));
        assert.equal(toggl.length, 1);
        assert.equal(team.length, 1);
        for (const u of people) assert.ok(prompt(toggl[0]!).includes(u.name) && prompt(team[0]!).includes(u.name), u.name);
        assert.ok(prompt(toggl[0]!).includes(`\\"hours\\":${Math.round((aggregated.totals.total_seconds / 3600) * 10) / 10}`), 'the team total');
        for (const u of people) {
          const mine = server.seen.filter((r) => prompt(r).includes(`narrative of ${u.name}'s individual report`));
          assert.equal(mine.length, 1, u.name);
          assert.ok(prompt(mine[0]!).includes(`\\"hours\\":${Math.round((u.total_seconds / 3600) * 10) / 10},`), `${u.name}'s hours`);
          const top = u.matched_entities[0];
          if (top) assert.ok(prompt(mine[0]!).includes(`\\"id\\":\\"${top.entity_id}\\"`), `${u.name}'s largest entity`);
        }
        for (const file of ['reports/toggl_summary.md', 'reports/team_summary.md']) {
          assert.match(await readFile(path.join(dir, file), 'utf8'), new RegExp(`Narrative written by LLM ${format} hand-model`));
        }
        const individual = await readdir(path.join(dir, 'reports/individual'));
        assert.equal(individual.filter((f) => f.endsWith('.md')).length, people.length, 'a report for every person with time');
        assert.equal(individual.filter((f) => f.endsWith('.html')).length, people.length, 'and its HTML page');
        assert.match(await readFile(path.join(dir, 'reports/team_summary.html'), 'utf8'), /Narrative written by LLM/);
        await assertTablesAgree(dir, aggregated);
        const metadata = RunMetadataSchema.parse(await readJson(path.join(dir, 'run_metadata.json')));
        assert.equal(metadata.llm.calls.length, people.length + 2);
        for (const call of metadata.llm.calls) {
          assert.deepEqual([call.provider, call.model, call.input_tokens, call.output_tokens, call.requests], [format, 'hand-model', 100, 20, 1]);
          assert.ok(call.seconds >= 0);
        }
      } finally {
        await server.close();
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// The project's simulator: wrong figures, faults, budgets
// ---------------------------------------------------------------------------------------------

async function withLlm(script: LlmScriptItem[], body: (env: NodeJS.ProcessEnv, llm: LlmServer, key: string) => Promise<void>, models?: string[]) {
  const sb = await startSandbox({ limits: 'none', llm: { script, ...(models ? { models } : {}) } });
  try {
    const env: NodeJS.ProcessEnv = { ...sb.env, VOLT_LLM_PROVIDER: 'openai', VOLT_LLM_MODEL: 'sim-model' };
    delete env.ANTHROPIC_API_KEY;
    await body(env, sb.llm!.server, sb.llm!.apiKey);
  } finally {
    await sb.close();
  }
}

const personFile = async (dir: string) => {
  const [file] = (await readdir(path.join(dir, 'reports/individual'))).filter((f) => f.endsWith('.md'));
  return readFile(path.join(dir, 'reports/individual', file!), 'utf8');
};

describe('with the LLM simulator', () => {
  test('a wrong number of hours for a person is corrected (toggl summary) or marked unverified (person report); --users limits the person reports', async () => {
    // Requests in order: the toggl summary (states 123.4 h for its first person), its correction
    // (right), the person report (states 123.4 h), its correction (still 123.4 h), the team report.
    const script: LlmScriptItem[] = [{ wrongHours: 123.4 }, { text: '## Executive summary\nA steady week.\n' }, { wrongHours: 123.4 }, { wrongHours: 123.4 }];
    await withLlm(script, async (env, llm) => {
      const runId = 'run_sim-wrong';
      const { error } = await run(runId, env, { users: ['zoe.muller@acme.example'] });
      assert.equal(error, null, String(error));
      const dir = path.join(outputDir, runId);
      const requests = llm.requests();
      assert.equal(requests.length, 5, 'one correction each for the toggl summary and the person report');
      const toggl = await readFile(path.join(dir, 'reports/toggl_summary.md'), 'utf8');
      assert.ok(!toggl.includes('123.4'), 'corrected');
      assert.match(toggl, /1 figure in the first answer did not match the data and was corrected by a follow-up request/);
      const person = await personFile(dir);
      assert.match(person, /Zoë Müller tracked 123\.4 h \*\(unverified\)\*\./);
      assert.match(person, /\*\*1 figure could not be verified\*\* against the data and is marked \*\(unverified\)\*: "123\.4 h" \(Overall summary\)/);
      const correction = JSON.stringify((requests[3]!.body as { messages: unknown[] }).messages);
      assert.match(correction, /\\"123\.4 h\\" in \\"Overall summary\\"/, 'the correction names the mistake');
      const metadata = RunMetadataSchema.parse(await readJson(path.join(dir, 'run_metadata.json')));
      const byReport = Object.fromEntries(metadata.llm.calls.map((c) => [c.report.split(':')[0], c]));
      assert.deepEqual([byReport.toggl_summary?.corrections, byReport.toggl_summary?.corrected, byReport.toggl_summary?.unverified], [1, 1, 0]);
      assert.deepEqual([byReport.person?.corrections, byReport.person?.unverified, byReport.person?.requests], [1, 1, 2]);
      assert.deepEqual([byReport.team_summary?.corrections, byReport.team_summary?.unverified], [0, 0]);
      assert.deepEqual(await readdir(path.join(dir, 'reports/individual')), ['zoe_muller.html', 'zoe_muller.md'], 'exactly the listed person');
      // What the model wrote is kept with the run, one file per report, with what was used.
      const answers = async (name: string) => ((await readJson(path.join(dir, 'llm_answers', `${name}.json`))) as { answers: { request: string; used: boolean; text: string }[] }).answers;
      assert.deepEqual((await answers('toggl_summary')).map((a) => [a.request, a.used]), [['answer', true], ['correction', true]]);
      const personAnswers = await answers('person/zoe_muller');
      assert.deepEqual(personAnswers.map((a) => [a.request, a.used]), [['answer', true], ['correction', false]], 'a correction that fixed nothing is kept but not used');
      assert.match(personAnswers[0]!.text, /123\.4 h/);
      assert.equal((await answers('team_summary')).length, 1);
    });
  });

  test('a one-slot server, three person reports and a garbage section: one request at a time, none times out, the garbage falls back with a warning', async () => {
    const sb = await startSandbox({ limits: 'none', llm: { slots: 1, latencyMs: 50, script: [{ mode: 'garbage-section' }] } });
    try {
      const env: NodeJS.ProcessEnv = { ...sb.env, VOLT_LLM_PROVIDER: 'openai', VOLT_LLM_MODEL: 'sim-model' };
      delete env.ANTHROPIC_API_KEY;
      const users = sb.dataset.toggl.users.slice(0, 3).map((u) => u.email);
      const runId = 'run_sim-one-slot';
      const { error } = await run(runId, env, { users });
      assert.equal(error, null, String(error));
      const dir = path.join(outputDir, runId);
      assert.equal(sb.llm!.server.maxInFlight(), 1, 'llm.max_concurrent defaults to 1 for a server on this machine');
      const individual = (await readdir(path.join(dir, 'reports/individual'))).filter((f) => f.endsWith('.md'));
      assert.equal(individual.length, 3);
      for (const f of individual) {
        const person = await readFile(path.join(dir, 'reports/individual', f), 'utf8');
        assert.match(person, /Narrative written by LLM openai sim-model; all tables computed from the data/, f);
      }
      const toggl = await readFile(path.join(dir, 'reports/toggl_summary.md'), 'utf8');
      assert.match(toggl, /1 of \d sections were written without it \(.*: it is program output, not prose\)/);
      assert.ok(!toggl.includes('Traceback'));
      const metadata = RunMetadataSchema.parse(await readJson(path.join(dir, 'run_metadata.json')));
      assert.ok(metadata.warnings.some((w) => /^toggl_summary: 1 section of the LLM's answer was not used .*program output/.test(w)), metadata.warnings.join('\n'));
      assert.ok(existsSync(path.join(dir, 'llm_answers', 'toggl_summary.json')));
    } finally {
      await sb.close();
    }
  });

  test('429 with retry-after: 1, then success: the wait is honoured and the report written', async () => {
    await withLlm([{ status: 429, retryAfterSeconds: 1 }], async (env, llm) => {
      const runId = 'run_sim-429';
      const { error } = await run(runId, env, { users: ['priya.raman@acme.example'] });
      assert.equal(error, null, String(error));
      const [first, second] = llm.requests();
      assert.equal(first?.status, 429);
      assert.equal(second?.status, 200);
      assert.ok(second!.at - first!.at >= 950, `waited ${second!.at - first!.at} ms`);
      const toggl = await readFile(path.join(outputDir, runId, 'reports/toggl_summary.md'), 'utf8');
      assert.match(toggl, /Narrative written by LLM openai sim-model/);
      assert.match(toggl, /Written by LLM openai sim-model \(2 requests,/);
      const metadata = RunMetadataSchema.parse(await readJson(path.join(outputDir, runId, 'run_metadata.json')));
      assert.equal(metadata.llm.calls.find((c) => c.report === 'toggl_summary')?.requests, 2);
    });
  });

  test('five 5xx in a row: with llm.required the run fails naming the provider and the status, and no report is half-written', async () => {
    await withLlm([{ status: 500 }, { status: 502 }, { status: 503 }, { status: 500 }, { status: 500 }], async (env, llm) => {
      const runId = 'run_sim-5xx';
      const { error } = await run(runId, env, { users: ['priya.raman@acme.example'], config: { llm: { max_retries: 4, required: true } } });
      assert.ok(error instanceof WorkflowFailedError);
      assert.match(String(error.cause?.message), /toggl stage failed in generate_toggl_report: OpenAI 500: .*\(after 5 requests\)/);
      assert.equal(llm.requests().length, 5);
      const metadata = RunMetadataSchema.parse(await readJson(path.join(outputDir, runId, 'run_metadata.json')));
      assert.equal(metadata.status, 'failed');
      assert.match(metadata.error?.message ?? '', /^OpenAI 500/);
      assert.ok(!existsSync(path.join(outputDir, runId, 'reports/toggl_summary.md')));
    });
  });

  test('an LLM that still fails after its retries: the report falls back to the data-only narrative, says so at its top, and the run records a warning', async () => {
    await withLlm([{ status: 500 }, { status: 502 }, { status: 503 }], async (env) => {
      const runId = 'run_sim-5xx-fallback';
      const { error } = await run(runId, env, { users: ['priya.raman@acme.example'], config: { llm: { max_retries: 2 } } });
      assert.equal(error, null, String(error));
      const metadata = RunMetadataSchema.parse(await readJson(path.join(outputDir, runId, 'run_metadata.json')));
      assert.equal(metadata.status, 'completed');
      assert.ok(metadata.warnings.some((w) => /^toggl_summary: the LLM failed, the report was written with the data-only narrative \(OpenAI 50\d: .*after 3 requests/.test(w)), metadata.warnings.join('\n'));
      const toggl = await readFile(path.join(outputDir, runId, 'reports/toggl_summary.md'), 'utf8');
      assert.match(toggl.split('\n')[4]!, /^> \*\*The LLM failed, so this report's narrative is the data-only text: OpenAI 50\d/);
      assert.match(await readFile(path.join(outputDir, runId, 'reports/toggl_summary.html'), 'utf8'), /class="banner"/);
      // The later reports got answers and were narrated by the LLM.
      assert.match(await readFile(path.join(outputDir, runId, 'reports/team_summary.md'), 'utf8'), /Narrative written by LLM openai sim-model/);
    });
  });

  test('a bad key or an unknown model fails the run with the provider\'s message before any report is written (llm.required)', async () => {
    await withLlm([], async (env, llm) => {
      const required = { users: ['priya.raman@acme.example'], config: { llm: { required: true } } };
      const runId = 'run_sim-badkey';
      const { error } = await run(runId, { ...env, OPENAI_API_KEY: 'sk-wrong-key-0000000000' }, required);
      assert.ok(error instanceof WorkflowFailedError);
      assert.match(String(error.cause?.message), /generate_toggl_report: OpenAI 401: Incorrect API key provided\. \[invalid_api_key\]$/);
      assert.ok(!String(error.cause?.message).includes('sk-wrong-key-0000000000'));
      assert.ok(!existsSync(path.join(outputDir, runId, 'reports')), 'no report at all');
      assert.equal(llm.requests().length, 1, 'a 401 is not retried');

      const { error: modelError } = await run('run_sim-badmodel', { ...env, VOLT_LLM_PROVIDER: 'anthropic', ANTHROPIC_API_KEY: env.OPENAI_API_KEY!, VOLT_LLM_MODEL: 'claude-nope' }, required);
      assert.match(String((modelError as WorkflowFailedError).cause?.message), /generate_toggl_report: Anthropic 404: model: claude-nope \[not_found_error\]$/);
      assert.ok(!existsSync(path.join(outputDir, 'run_sim-badmodel', 'reports')));

      // Without llm.required the same bad key costs the narrative, not the reports.
      const { error: softError } = await run('run_sim-badkey-soft', { ...env, OPENAI_API_KEY: 'sk-wrong-key-0000000000' }, { users: ['priya.raman@acme.example'] });
      assert.equal(softError, null, String(softError));
      const metadata = RunMetadataSchema.parse(await readJson(path.join(outputDir, 'run_sim-badkey-soft', 'run_metadata.json')));
      assert.ok(metadata.warnings.some((w) => w.includes('OpenAI 401')), metadata.warnings.join('\n'));
      assert.ok(!metadata.warnings.join('\n').includes('sk-wrong-key-0000000000'));
      assert.ok(existsSync(path.join(outputDir, 'run_sim-badkey-soft', 'reports/team_summary.html')));
    }, ['sim-model']);
  });

  test('one person on 300 entities: the prompt stays within the configured budget and the report names the top entities by hours', async () => {
    const dataset = busyPersonDataset(300);
    const sb = await startSandbox({ dataset, llm: true, limits: 'none' });
    try {
      const env: NodeJS.ProcessEnv = { ...sb.env, VOLT_LLM_PROVIDER: 'anthropic', VOLT_LLM_MODEL: 'sim-model' };
      const runId = 'run_sim-300';
      const budget = 5000;
      const { error } = await runPipelineOn(
        temporal,
        { ...dataset.period, run_id: runId, output_dir: outputDir, config: { llm: { prompt_token_budget: budget } } },
        env,
      );
      assert.equal(error, null, String(error));
      const dir = path.join(outputDir, runId);
      const aggregated = TogglAggregatedSchema.parse(await readJson(path.join(dir, 'toggl_aggregated.json')));
      const ada = Object.values(aggregated.users)[0]!;
      assert.equal(ada.matched_entities.length, 300);
      const requests = sb.llm!.server.requests();
      assert.ok(requests.length >= 3);
      for (const r of requests) {
        const b = r.body as { system: string; messages: { content: string }[] };
        const prompt = [b.system, ...b.messages.map((m) => m.content)].join('\n');
        assert.ok(estimateTokens(prompt) <= budget && prompt.length / 4 <= budget, `${estimateTokens(prompt)} tokens`);
      }
      const personPrompt = requests.map((r) => (r.body as { messages: { content: string }[] }).messages[0]!.content).find((c) => c.includes("Ada Lovelace's individual report"))!;
      const facts = JSON.parse(/```json\n([\s\S]*?)\n```/.exec(personPrompt)![1]!) as { entities: { items: { id: string }[] } };
      const top = [...ada.matched_entities].sort((a, b) => b.total_seconds - a.total_seconds || Number(a.entity_id) - Number(b.entity_id));
      const listed = facts.entities.items.length;
      assert.ok(listed >= 10 && listed < 300, `${listed} entities in full`);
      assert.deepEqual(facts.entities.items.map((e) => e.id), top.slice(0, listed).map((e) => e.entity_id), 'the largest by hours, in order');
      const person = await readFile(path.join(dir, 'reports/individual/ada_lovelace.md'), 'utf8');
      // The simulator names the largest entity; the tables list all of them, largest first.
      assert.match(person, new RegExp(`- #${top[0]!.entity_id} ${top[0]!.name} took ${h(top[0]!.total_seconds)}`));
      const entityRows = person.split('\n').filter((l) => /^\| #\d+ \|/.test(l));
      assert.equal(entityRows.length, 300);
      assert.ok(entityRows[0]!.startsWith(`| #${top[0]!.entity_id} |`));
      assert.match(person, /To fit the prompt budget \(5000 tokens\), the LLM was given the \d+ largest of 300 entities in full and the other \d+ \([\d.]+ h\) only as totals; the tables list everything\./);
      const metadata = RunMetadataSchema.parse(await readJson(path.join(dir, 'run_metadata.json')));
      const usage = metadata.llm.calls.find((c) => c.report === 'person:ada@example.test')!;
      assert.ok(usage.prompt_tokens_estimate! <= budget);
      assert.equal(usage.summarised.length, 1);
    } finally {
      await sb.close();
    }
  });
});

/** One person (and a colleague with a little time) on `count` Scrum tasks of different sizes over one week. */
function busyPersonDataset(count: number): Dataset {
  const entries: { id: number; user_id: number; description: string; project_id: null; tags: string[]; start: string; stop: string }[] = [];
  let id = 1;
  const at = (day: number, minute: number) => new Date(Date.UTC(2026, 10, 9 + day, 6, 0) + minute * 60_000).toISOString().replace('.000Z', '+00:00');
  const minuteOfDay = [0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < count; i++) {
    const minutes = 5 + ((i * 37) % 25);
    const day = i % 7;
    const start = minuteOfDay[day]!;
    minuteOfDay[day] = start + minutes + 1;
    entries.push({ id: id++, user_id: 1, description: `Task ${7000 + i} #${7000 + i} [Scrum] [Task]`, project_id: null, tags: [], start: at(day, start), stop: at(day, start + minutes) });
  }
  entries.push({ id: id++, user_id: 2, description: 'Code review', project_id: null, tags: [], start: at(0, 0), stop: at(0, 60) });
  return parseDataset({
    name: 'One busy person',
    period: { start_date: '2026-11-09', end_date: '2026-11-15' },
    toggl: {
      workspace_id: 42,
      users: [
        { id: 1, email: 'ada@example.test', fullname: 'Ada Lovelace', timezone_offset: '+00:00' },
        { id: 2, email: 'bob@example.test', fullname: 'Bob Byte', timezone_offset: '+00:00' },
      ],
      projects: [],
      time_entries: entries,
    },
    fibery: {
      workspace: 'busyco',
      spaces: [
        {
          name: 'Scrum',
          types: [
            {
              name: 'Task',
              fields: [{ name: 'Planned End', kind: 'date' }],
              entities: Array.from({ length: count }, (_, i) => ({
                id: `00000000-0000-4000-8000-${String(7000 + i).padStart(12, '0')}`,
                public_id: String(7000 + i),
                name: `Task ${7000 + i}`,
                state: i % 4 === 0 ? 'Done' : 'In Progress',
                created_at: '2026-10-01T10:00:00.000Z',
                modified_at: '2026-11-10T10:00:00.000Z',
                description_md: `Implement part ${i} of the new billing engine: ${'details '.repeat(20)}`,
                assignees: [{ name: 'Ada Lovelace', email: 'ada@example.test' }],
                comments: [{ author: 'Ada Lovelace', created_at: '2026-11-10T10:00:00.000Z', text_md: `Progress on part ${i}.` }],
                values: { 'Planned End': i % 3 === 0 ? '2026-11-12' : '2026-12-01' },
              })),
            },
          ],
        },
      ],
    },
  });
}
