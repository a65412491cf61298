/**
 * The Fibery stage: per-type activities chosen by enrichment_config.yaml, the rolling window's
 * bound on requests in flight, batching, and the getProgress query, on a real Temporal server.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { FIBERY_RATE_LIMIT, generateWorkload, maxInWindow, repeatedPages, startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { getProgressQuery, type Progress } from '../src/workflows/contract.js';
import { EnrichedDataSchema, RunMetadataSchema } from '../src/storage/schemas.js';
import { buildDataset } from './support/datasets.js';
import { runPipelineOn } from './support/pipeline.js';
import { startTestTemporal, type TestTemporal } from './support/temporal.js';

let temporal: TestTemporal;
let outputDir: string;
const sandboxes: Sandbox[] = [];

before(async () => {
  temporal = await startTestTemporal();
  outputDir = await mkdtemp(path.join(os.tmpdir(), 'volt-enrichment-'));
});
after(async () => {
  await Promise.all(sandboxes.map((s) => s.close()));
  await temporal?.stop();
});

async function sandboxWith(dataset: ReturnType<typeof buildDataset>, fiberyLatencyMs = 0): Promise<Sandbox> {
  // These tests count concurrency and batches; the Fibery rate limit (on by default) would reorder them with 429s.
  const sandbox = await startSandbox({ dataset, fiberyLatencyMs, limits: 'none' });
  sandboxes.push(sandbox);
  return sandbox;
}

const readJson = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as unknown;
const period = { start_date: '2026-11-09', end_date: '2026-11-15' };

describe('bounded, batched enrichment', () => {
  test('max_concurrent 2 and batch_size 20: 100 tasks cost about 5 requests, never more than 2 in flight', async () => {
    const sandbox = await sandboxWith(
      buildDataset([
        { space: 'Scrum', type: 'Task', count: 100, fields: [{ name: 'Story Points', kind: 'number' }], values: (i) => ({ 'Story Points': i % 8 }) },
        { space: 'Scrum', type: 'Bug', count: 7, firstId: 5000 },
      ], { missing: 3 }),
      // Longer than the pacing interval (about 1/3 s), so paced requests still overlap.
      800,
    );
    const config = {
      enrichment: {
        enrichment_activities: {
          // Sprint is configured and the workspace lacks it; the activity's own defaults it lacks are not warned about.
          'Scrum/Task': { activity: 'enrich_scrum_task', max_concurrent: 2, batch_size: 20, fields: ['Story Points', 'Sprint'] },
        },
      },
    };
    const runId = 'run_bounded';
    const { error } = await runPipelineOn(temporal, { ...period, run_id: runId, config, output_dir: outputDir }, sandbox.env);
    assert.equal(error, null, String(error));

    const stats = sandbox.fibery.server.stats();
    const taskRequests = stats.requests_by_type['Scrum/Task'] ?? 0;
    console.log(`Fibery simulator: ${stats.requests} requests in all, ${taskRequests} for Scrum/Task (103 ids), max in flight ${stats.max_in_flight}, Scrum/Task max in flight ${stats.in_flight_by_type['Scrum/Task']}`);
    assert.ok(taskRequests >= 6 && taskRequests <= 8, `Scrum/Task took ${taskRequests} requests for 103 ids in batches of 20`);
    assert.equal(stats.in_flight_by_type['Scrum/Task'], 2, 'two Scrum/Task requests overlapped, and never more');
    assert.ok(stats.requests <= 12, `all requests: ${stats.requests}`);

    const enriched = EnrichedDataSchema.parse(await readJson(path.join(outputDir, runId, 'enriched_data.json')));
    assert.equal(enriched.enrichment.by_type['Scrum/Task']?.enriched, 100);
    assert.equal(enriched.enrichment.by_type['Scrum/Task']?.not_found, 3);
    assert.equal(enriched.enrichment.by_type['Scrum/Task']?.activity, 'enrich_scrum_task');
    assert.equal(enriched.enrichment.by_type['Scrum/Bug']?.activity, 'enrich_scrum_bug');
    const ghost = enriched.entities.find((e) => e.entity_id === '990000');
    assert.equal(ghost?.enrichment?.status, 'not_found');
    assert.match(ghost?.enrichment?.reason ?? '', /990000/);
    const task = enriched.entities.find((e) => e.entity_id === '1005');
    assert.equal(task?.enrichment?.fibery?.fields['Story Points'], 5);
    // A configured field the workspace lacks is a setup problem: once in run_metadata.json, not in the report's data.
    assert.ok(!enriched.enrichment.warnings.some((w) => /Sprint/.test(w)), enriched.enrichment.warnings.join('\n'));
    const metadata = RunMetadataSchema.parse(await readJson(path.join(outputDir, runId, 'run_metadata.json')));
    assert.equal(metadata.status, 'completed');
    assert.equal(metadata.warnings.filter((w) => /"Sprint"/.test(w)).length, 1, metadata.warnings.join('\n'));
    assert.ok(!metadata.warnings.some((w) => /"Planned Start"/.test(w)), 'an activity default the type lacks is skipped quietly');
  });
});

describe('a failing enrichment', () => {
  test('a rejected batch fails the run at once, as failed in the Fibery stage, with the API and status', async () => {
    const sandbox = await sandboxWith(buildDataset([{ space: 'Scrum', type: 'Task', count: 40 }]), 100);
    const config = { enrichment: { enrichment_activities: { 'Scrum/Task': { activity: 'enrich_scrum_task', max_concurrent: 3, batch_size: 5, fields: [] } } } };
    const runId = 'run_enrich_fails';
    const { error } = await runPipelineOn(temporal, { ...period, run_id: runId, config, output_dir: outputDir }, { ...sandbox.env, FIBERY_API_TOKEN: 'not-the-token' });
    assert.ok(error instanceof WorkflowFailedError, String(error));
    assert.match(String(error.cause?.message), /fibery stage failed in enrich_scrum_task: .*Fibery.*401/i);
    const metadata = RunMetadataSchema.parse(await readJson(path.join(outputDir, runId, 'run_metadata.json')));
    assert.equal(metadata.status, 'failed');
    assert.deepEqual(metadata.stages_completed, ['toggl']);
    assert.deepEqual(metadata.stages_failed, ['fibery']);
    assert.equal(metadata.error?.activity, 'enrich_scrum_task');
    // 8 batches of 5; only the 3 in flight when the first failed may have reached the server.
    assert.ok(sandbox.fibery.server.stats().requests <= 6, 'no new batch started after the first failure');
  });
});

describe('getProgress', () => {
  test('rises monotonically to 100 with per-type counts and a finite ETA before the end', async () => {
    const sandbox = await sandboxWith(
      buildDataset([
        { space: 'Scrum', type: 'Task', count: 24 },
        { space: 'Product Management', type: 'Feature', count: 9, firstId: 300 },
      ], { people: 4 }),
      300,
    );
    const config = {
      enrichment: {
        enrichment_activities: {
          'Scrum/Task': { activity: 'enrich_scrum_task', max_concurrent: 2, batch_size: 3, fields: [] },
          'Product Management/Feature': { activity: 'enrich_product_feature', max_concurrent: 1, batch_size: 2, fields: [] },
        },
      },
    };
    const runId = 'run_progress';
    const seen: Progress[] = [];
    const { error } = await runPipelineOn(temporal, { ...period, run_id: runId, config, output_dir: outputDir }, sandbox.env, {
      whileRunning: async (handle) => {
        for (;;) {
          const progress = await handle.query(getProgressQuery);
          seen.push(progress);
          if (progress.status !== 'running') return;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      },
    });
    assert.equal(error, null, String(error));
    assert.ok(seen.length >= 10, `queried ${seen.length} times`);
    for (let i = 1; i < seen.length; i++) {
      assert.ok(seen[i]!.percentage >= seen[i - 1]!.percentage, `percentage never goes back (${seen[i - 1]!.percentage} → ${seen[i]!.percentage})`);
    }
    const last = seen.at(-1)!;
    assert.equal(last.status, 'completed');
    assert.equal(last.percentage, 100);
    const distinct = new Set(seen.map((p) => p.percentage));
    assert.ok(distinct.size >= 6, `the percentage moved in steps with the work: ${[...distinct].join(', ')}`);
    assert.ok(seen.some((p) => p.status === 'running' && p.eta_seconds !== null && Number.isFinite(p.eta_seconds)), 'a finite ETA before the end');
    assert.ok(seen.some((p) => p.current_activity === 'enrich_entities_by_type' && p.details.current_type === 'Scrum/Task'));

    const enriched = EnrichedDataSchema.parse(await readJson(path.join(outputDir, runId, 'enriched_data.json')));
    for (const type of last.details.types) {
      const byType = enriched.enrichment.by_type[type.key];
      assert.equal(type.done, type.total, type.key);
      assert.equal(type.total, byType?.total, `${type.key}: progress total matches enriched_data.json`);
    }
    assert.equal(last.details.persons.done, 4);
  });
});

describe('configuration', () => {
  test('a type added only in YAML is enriched by the default activity with its own fields', async () => {
    const sandbox = await sandboxWith(
      buildDataset([
        { space: 'Scrum', type: 'Task', count: 3 },
        {
          space: 'Design Studio',
          type: 'Mock-up',
          count: 4,
          firstId: 40,
          fields: [{ name: 'Figma Link', kind: 'text' }, { name: 'Review Round', kind: 'number' }, { name: 'Owner Team', kind: 'relation' }],
          values: (i) => ({ 'Figma Link': `https://figma.example/${i}`, 'Review Round': i + 1, 'Owner Team': { public_id: '9', name: 'Brand' } }),
        },
      ]),
    );
    const configDir = await mkdtemp(path.join(os.tmpdir(), 'volt-config-'));
    await cp(path.resolve('config'), configDir, { recursive: true });
    const yaml = await readFile(path.join(configDir, 'enrichment_config.yaml'), 'utf8');
    await writeFile(
      path.join(configDir, 'enrichment_config.yaml'),
      `${yaml}\n  "Design Studio/Mock-up":\n    activity: default_enrich_entity\n    max_concurrent: 2\n    batch_size: 10\n    fields:\n      - Figma Link\n      - Review Round\n      - Owner Team\n`,
    );
    const runId = 'run_yaml_type';
    const { error } = await runPipelineOn(temporal, { ...period, run_id: runId, output_dir: outputDir }, sandbox.env, { configDir });
    assert.equal(error, null, String(error));
    const enriched = EnrichedDataSchema.parse(await readJson(path.join(outputDir, runId, 'enriched_data.json')));
    assert.equal(enriched.enrichment.by_type['Design Studio/Mock-up']?.activity, 'default_enrich_entity');
    assert.equal(enriched.enrichment.by_type['Design Studio/Mock-up']?.enriched, 4);
    const mock = enriched.entities.find((e) => e.entity_database === 'Design Studio' && e.entity_id === '42')?.enrichment?.fibery;
    assert.equal(mock?.fields['Figma Link'], 'https://figma.example/2');
    assert.equal(mock?.fields['Review Round'], 3);
    assert.match(JSON.stringify(mock?.fields['Owner Team']), /Brand/);
  });
});

/**
 * The simulator stamps a request when its process reads it, which on a busy machine lags the send
 * by tens of milliseconds; the pacer keeps a whole second. So the window checked is this much
 * shorter: jitter passes, a pacer even one request per second too fast still shows (N + 1 requests
 * at N + 1 per second span N / (N + 1) s, under 1 s minus this for N up to 9). The simulator's own
 * window, which answers 429, is shortened the same way where a test asserts that nothing is refused.
 */
const ARRIVAL_JITTER_MS = 100;
const SECOND = 1000 - ARRIVAL_JITTER_MS;

describe('the APIs\' budgets', () => {
  test('at the documented limits: at most 3 Fibery requests in any second per token, 2 Toggl ones, no 429, types side by side', async () => {
    // Fibery's documented requests per token and per workspace, in windows short by the arrival jitter.
    const limits = { fibery: { rateLimit: { ...FIBERY_RATE_LIMIT, windowMs: SECOND } } };
    const sandbox = await startSandbox({ dataset: generateWorkload({ people: 6, days: 14, previousPeriod: true, seed: 3 }), limits, latency: { fibery: 300 } });
    sandboxes.push(sandbox);
    const runId = 'run_budgets';
    const config = { enrichment: { enrichment_activities: { default: { activity: 'default_enrich_entity', max_concurrent: 5, batch_size: 3 } } } };
    const { error } = await runPipelineOn(temporal, { ...sandbox.dataset.period, run_id: runId, config, output_dir: outputDir }, sandbox.env, { paced: true });
    assert.equal(error, null, String(error));
    const logs = sandbox.requestLogs();
    const perToken = (entries: { tokenHash: string | null; at: number }[]) => maxInWindow(entries.filter((e) => e.tokenHash === entries[0]?.tokenHash), SECOND);
    assert.ok(logs.fibery.length >= 10, `${logs.fibery.length} Fibery requests`);
    assert.ok(perToken(logs.fibery) <= 3, `Fibery: ${perToken(logs.fibery)} requests in one second`);
    assert.ok(perToken(logs.toggl) <= 2, `Toggl: ${perToken(logs.toggl)} requests in one second`);
    assert.equal([...logs.fibery, ...logs.toggl].filter((e) => e.status === 429).length, 0, 'nothing was refused');
    assert.deepEqual(repeatedPages(logs.toggl), []);
  });
  test('fibery.requests_per_second 2: enrichment and the Fibery delivery of one run share one budget, never 3 requests in a second', async () => {
    const sandbox = await startSandbox({ dataset: generateWorkload({ people: 3, days: 7, seed: 5 }), limits: 'documented', latency: { fibery: 50 } });
    sandboxes.push(sandbox);
    const runId = 'run_fibery_budget_2';
    const config = {
      fibery: { requests_per_second: 2 },
      delivery: { fibery: { type: 'Reports/Weekly Report', field: 'Description' } },
      enrichment: { enrichment_activities: { default: { activity: 'default_enrich_entity', max_concurrent: 4, batch_size: 2 } } },
    };
    const { error } = await runPipelineOn(temporal, { ...sandbox.dataset.period, run_id: runId, config, output_dir: outputDir, deliver: ['fibery'] }, sandbox.env, {
      paced: true,
      rates: { togglActivitiesPerSecond: 100 },
    });
    assert.equal(error, null, String(error));
    const metadata = RunMetadataSchema.parse(await readJson(path.join(outputDir, runId, 'run_metadata.json')));
    assert.deepEqual(metadata.deliveries.map((d) => [d.channel, d.status]), [['fibery', 'sent']]);
    const fibery = sandbox.requestLogs().fibery;
    const enrichment = fibery.filter((e) => e.path.startsWith('/api/graphql/'));
    const delivery = fibery.filter((e) => e.path.startsWith('/api/commands') || e.path.startsWith('/api/documents'));
    assert.ok(enrichment.length >= 6 && delivery.length === 3, `${enrichment.length} enrichment and ${delivery.length} delivery requests`);
    assert.equal(new Set(fibery.map((e) => e.tokenHash)).size, 1, 'one token');
    assert.ok(maxInWindow(delivery, SECOND) <= 2, `the delivery alone sent ${maxInWindow(delivery, SECOND)} requests in one second`);
    assert.ok(maxInWindow(fibery, SECOND) <= 2, `${maxInWindow(fibery, SECOND)} Fibery requests in one second`);
  });
});
