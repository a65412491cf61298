/**
 * The whole pipeline on a real Temporal dev server, with the real clients talking HTTP to the
 * sandbox's simulators.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import type { PipelineInput } from '../src/workflows/contract.js';
import { RawTogglDataSchema, RunMetadataSchema, TogglAggregatedSchema, EnrichedDataSchema } from '../src/storage/schemas.js';
import { startTestTemporal, type TestTemporal } from './support/temporal.js';
import { runPipelineOn } from './support/pipeline.js';

let temporal: TestTemporal;
let sandbox: Sandbox;
let outputDir: string;

before(async () => {
  [temporal, sandbox] = await Promise.all([startTestTemporal(), startSandbox({ limits: 'none' })]);
  outputDir = await mkdtemp(path.join(os.tmpdir(), 'volt-pipeline-'));
});
after(async () => {
  await sandbox?.close();
  await temporal?.stop();
});

/** Runs the workflow with a worker whose activities see `env`, and returns its result or failure. */
function runPipeline(input: Omit<PipelineInput, 'output_dir'>, env: NodeJS.ProcessEnv = sandbox.env) {
  return runPipelineOn(temporal, { ...input, output_dir: outputDir }, env);
}

const readJson = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as unknown;

describe('a full run on the sample workspace', () => {
  const runId = 'run_test-full';
  const period = () => sandbox.dataset.period;

  test('completes and writes every run file', async () => {
    const { result, error } = await runPipeline({ start_date: period().start_date, end_date: period().end_date, run_id: runId });
    assert.equal(error, null, String(error));
    assert.equal(result?.status, 'completed');
    const dir = path.join(outputDir, runId);
    for (const file of ['run_metadata.json', 'raw_toggl_data.json', 'toggl_aggregated.json', 'enriched_data.json', 'reports/toggl_summary.md', 'reports/team_summary.md']) {
      assert.ok(existsSync(path.join(dir, file)), `${file} exists`);
    }
    const metadata = RunMetadataSchema.parse(await readJson(path.join(dir, 'run_metadata.json')));
    assert.equal(metadata.status, 'completed');
    assert.deepEqual(metadata.stages_completed, ['toggl', 'fibery']);
    assert.deepEqual(metadata.stages_failed, []);
    assert.ok(!existsSync(path.join(dir, '.staging')), 'staging removed');
  });

  test('numbers add up: per-user totals equal the raw entries, matched + unmatched = total', async () => {
    const dir = path.join(outputDir, runId);
    const raw = RawTogglDataSchema.parse(await readJson(path.join(dir, 'raw_toggl_data.json')));
    const aggregated = TogglAggregatedSchema.parse(await readJson(path.join(dir, 'toggl_aggregated.json')));
    const sums = new Map<string, number>();
    for (const e of raw.time_entries) sums.set(e.user_email, (sums.get(e.user_email) ?? 0) + e.seconds);
    assert.ok(sums.size >= 8, 'at least 8 people logged time');
    assert.deepEqual(Object.keys(aggregated.users).sort(), [...sums.keys()].sort());
    for (const [email, user] of Object.entries(aggregated.users)) {
      assert.equal(user.total_seconds, sums.get(email), email);
      assert.equal(user.matched_seconds + user.unmatched_seconds, user.total_seconds, email);
      const parts = user.matched_entities.reduce((n, e) => n + e.total_seconds, 0) + user.unmatched_activities.reduce((n, a) => n + a.total_seconds, 0);
      assert.equal(parts, user.total_seconds, `${email}: entities + activities = total`);
    }
    assert.equal(aggregated.totals.entries, raw.time_entries.length);
    // The dataset's every entry inside the period arrived exactly once.
    const inPeriod = sandbox.dataset.toggl.time_entries.filter((e) => e.start.slice(0, 10) >= period().start_date && e.start.slice(0, 10) <= period().end_date);
    assert.deepEqual(raw.time_entries.map((e) => e.id).sort(), inPeriod.map((e) => e.id).sort());
    assert.ok(raw.time_entries.some((e) => e.running), 'the running entry is counted');
    assert.ok(aggregated.notes.some((n) => /running/.test(n)), 'the report data says how running entries were counted');
  });

  test('one individual report per person with time, and enrichment found the entities Fibery has', async () => {
    const dir = path.join(outputDir, runId);
    const aggregated = TogglAggregatedSchema.parse(await readJson(path.join(dir, 'toggl_aggregated.json')));
    const reports = (await readdir(path.join(dir, 'reports/individual'))).filter((f) => f.endsWith('.md'));
    assert.equal(reports.length, Object.keys(aggregated.users).length);
    const enriched = EnrichedDataSchema.parse(await readJson(path.join(dir, 'enriched_data.json')));
    assert.ok(enriched.enrichment.enriched > 20, `enriched ${enriched.enrichment.enriched}`);
    assert.ok(enriched.enrichment.not_found >= 1, 'the unknown entity id is recorded as not found');
    const unknown = enriched.entities.find((e) => e.enrichment?.status === 'not_found');
    assert.match(unknown?.enrichment?.reason ?? '', /\S/);
    const withState = enriched.entities.filter((e) => e.enrichment?.fibery?.state);
    assert.ok(withState.length > 0);
  });

  test('start_from fibery redoes only the Fibery stage', async () => {
    const dir = path.join(outputDir, runId);
    const togglFiles = ['raw_toggl_data.json', 'toggl_aggregated.json', 'reports/toggl_summary.md'];
    const before = await Promise.all(togglFiles.map((f) => readFile(path.join(dir, f))));
    const enrichedBefore = (await stat(path.join(dir, 'enriched_data.json'))).mtimeMs;
    const { result, error } = await runPipeline({ start_date: period().start_date, end_date: period().end_date, run_id: runId, start_from: 'fibery' });
    assert.equal(error, null, String(error));
    assert.deepEqual(result?.stages_completed, ['fibery']);
    const afterFiles = await Promise.all(togglFiles.map((f) => readFile(path.join(dir, f))));
    togglFiles.forEach((f, i) => assert.ok(before[i]!.equals(afterFiles[i]!), `${f} unchanged`));
    assert.ok((await stat(path.join(dir, 'enriched_data.json'))).mtimeMs > enrichedBefore, 'enriched_data.json written again');
    const metadata = RunMetadataSchema.parse(await readJson(path.join(dir, 'run_metadata.json')));
    assert.equal(metadata.status, 'completed');
    assert.deepEqual(metadata.stages_completed, ['toggl', 'fibery']);
    assert.equal(metadata.parameters.start_from, 'fibery');
  });

  test('what the workspace holds reaches enriched_data.json: comment texts, feature dates, single-selects; no missing field', async () => {
    const enriched = EnrichedDataSchema.parse(await readJson(path.join(outputDir, runId, 'enriched_data.json')));
    // Scrum's comments hold only a document secret (their text comes from the documents API),
    // Product Management's a content { md } object.
    const held = new Map<string, (typeof sandbox.dataset.fibery.spaces)[number]["types"][number]["entities"][number]>(sandbox.dataset.fibery.spaces.flatMap((s) => s.types.flatMap((t) => t.entities.map((e) => [`${s.name}/${t.name}#${e.public_id}`, e] as const))));
    let comments = 0;
    for (const e of enriched.entities) {
      const fibery = e.enrichment?.fibery;
      if (!fibery) continue;
      const key = `${e.entity_database}/${e.entity_type}#${e.entity_id}`;
      const source = held.get(key)!;
      assert.deepEqual(fibery.comments.map((c) => [c.author, c.text_md]), source.comments.map((c) => [c.author, c.text_md]), `${key} comments`);
      comments += fibery.comments.length;
      if (e.entity_type === 'Feature') {
        for (const f of ['Dev Planned Start Date', 'Dev Planned End Date', 'Planned Release Date', 'Actual Release Date']) assert.equal(fibery.fields[f], source.values[f], `${key} ${f}`);
      }
      if (e.entity_type === 'Bug') {
        assert.equal(fibery.fields.Severity, source.values.Severity, `${key} Severity is the option's name`);
        assert.equal(fibery.fields['Root cause'], source.values['Root cause'] ?? '', `${key} Root cause (rich text)`);
      }
      if (e.entity_type === 'Task') assert.equal(fibery.fields.Priority, source.values.Priority, `${key} Priority`);
    }
    for (const space of ['Scrum', 'Product Management']) assert.ok(enriched.entities.some((e) => e.entity_database === space && e.enrichment?.fibery?.comments.length), `${space} has comments`);
    assert.ok(comments > 20, `${comments} comments`);
    assert.ok(enriched.entities.some((e) => e.entity_type === 'Feature' && e.enrichment?.fibery), 'features were enriched');
    const metadata = RunMetadataSchema.parse(await readJson(path.join(outputDir, runId, 'run_metadata.json')));
    assert.deepEqual(metadata.warnings.filter((w) => /not found on/.test(w)), [], 'the shipped config names only fields the sample has');
  });

  test('a Fibery-stage restart uses the settings saved with the run, unless asked to reload them', async () => {
    const dir = path.join(outputDir, runId);
    const saved = await readFile(path.join(dir, 'run_config.json'), 'utf8');
    assert.doesNotMatch(saved, new RegExp(`${sandbox.env.TOGGL_API_TOKEN}|${sandbox.env.FIBERY_API_TOKEN}`), 'no secret in run_config.json');
    const configDir = await mkdtemp(path.join(os.tmpdir(), 'volt-config-'));
    await cp(path.resolve('config'), configDir, { recursive: true });
    const file = path.join(configDir, 'enrichment_config.yaml');
    // Completion Date is read only because the config lists it (the task activity's own fields do not).
    await writeFile(file, (await readFile(file, 'utf8')).replace(/^\s*- Completion Date\n/gm, ''));
    const completion = async () =>
      EnrichedDataSchema.parse(await readJson(path.join(dir, 'enriched_data.json'))).entities.some((e) => e.entity_type === 'Task' && 'Completion Date' in (e.enrichment?.fibery?.fields ?? {}));
    const restart = (reload_config: boolean) =>
      runPipelineOn(temporal, { ...period(), run_id: runId, start_from: 'fibery', reload_config, output_dir: outputDir }, sandbox.env, { configDir });

    assert.equal((await restart(false)).error, null);
    assert.equal(await readFile(path.join(dir, 'run_config.json'), 'utf8'), saved, 'run_config.json unchanged');
    assert.ok(await completion(), 'the saved settings still read Completion Date');
    assert.equal((await restart(true)).error, null);
    assert.notEqual(await readFile(path.join(dir, 'run_config.json'), 'utf8'), saved, 'run_config.json resolved again');
    assert.ok(!(await completion()), 'the reloaded settings no longer read Completion Date');
  });

  test('a restart that fails leaves the earlier run as it was: its files and its status', async () => {
    const dir = path.join(outputDir, runId);
    const files = ['run_metadata.json', 'run_config.json', 'enriched_data.json', 'reports/team_summary.md', 'reports/team_summary.html'];
    const before = await Promise.all(files.map((f) => readFile(path.join(dir, f))));
    const { error } = await runPipeline({ ...period(), run_id: runId, start_from: 'fibery' }, { ...sandbox.env, FIBERY_API_TOKEN: 'a-wrong-token' });
    assert.ok(error instanceof WorkflowFailedError, String(error));
    const after = await Promise.all(files.map((f) => readFile(path.join(dir, f))));
    files.forEach((f, i) => assert.equal(after[i]!.toString('utf8'), before[i]!.toString('utf8'), `${f} is byte-identical`));
    assert.ok(!existsSync(path.join(dir, '.previous')), 'nothing left aside');
    assert.equal(RunMetadataSchema.parse(await readJson(path.join(dir, 'run_metadata.json'))).status, 'completed');
  });

  test('no token reaches the run files or the Temporal history', async () => {
    const secrets = [sandbox.env.TOGGL_API_TOKEN!, sandbox.env.FIBERY_API_TOKEN!];
    const dir = path.join(outputDir, runId);
    const files = (await readdir(dir, { recursive: true })).map(String);
    for (const file of files) {
      const full = path.join(dir, file);
      if ((await stat(full)).isDirectory()) continue;
      const text = await readFile(full, 'utf8');
      for (const secret of secrets) assert.ok(!text.includes(secret), `${file} holds no token`);
    }
    let executions = 0;
    for await (const execution of temporal.client.workflow.list({ query: `WorkflowId STARTS_WITH 'toggl-fibery-${runId}'` })) {
      executions++;
      const history = JSON.stringify(await temporal.client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory());
      for (const secret of secrets) assert.ok(!history.includes(secret), 'history holds no token');
    }
    assert.ok(executions >= 3, `every execution of the run (the Toggl fetch and the restarts included) was checked: ${executions}`);
  });

  test('activities hand each other references: no payload in the history is larger than a few KiB', async () => {
    let largest = 0;
    for await (const execution of temporal.client.workflow.list({ query: `WorkflowId STARTS_WITH 'toggl-fibery-${runId}'` })) {
      const history = await temporal.client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
      for (const event of history.events ?? []) {
        const payloads = [
          ...(event.activityTaskScheduledEventAttributes?.input?.payloads ?? []),
          ...(event.activityTaskCompletedEventAttributes?.result?.payloads ?? []),
          ...Object.values(event.markerRecordedEventAttributes?.details ?? {}).flatMap((d) => d.payloads ?? []),
        ];
        for (const payload of payloads) largest = Math.max(largest, payload.data?.length ?? 0);
      }
    }
    assert.ok(largest > 0, 'payloads were found');
    assert.ok(largest < 4096, `largest payload ${largest} bytes`);
  });
});

describe('--compare none', () => {
  test('fetches only the period and shows no comparison', async () => {
    const runId = 'run_test-no-compare';
    const searchesBefore = sandbox.requestLogs().toggl.length;
    const { error } = await runPipeline({ ...sandbox.dataset.period, run_id: runId, compare: 'none' });
    assert.equal(error, null, String(error));
    const dir = path.join(outputDir, runId);
    assert.ok(!existsSync(path.join(dir, 'raw_toggl_previous.json')));
    const aggregated = TogglAggregatedSchema.parse(await readJson(path.join(dir, 'toggl_aggregated.json')));
    assert.equal(aggregated.comparison, 'none');
    const searches = sandbox.requestLogs().toggl.slice(searchesBefore).filter((e) => e.range);
    assert.ok(searches.length > 0);
    for (const s of searches) assert.ok(s.range!.start >= sandbox.dataset.period.start_date, `asked from ${s.range!.start}, not before the period`);
    const team = await readFile(path.join(dir, 'reports/team_summary.md'), 'utf8');
    assert.doesNotMatch(team, /This period against the last/);
  });
});

describe('failures', () => {
  test('a failing activity ends the run as failed, with the error and the stage in run_metadata.json', async () => {
    const runId = 'run_test-failing';
    const { error } = await runPipeline(
      { start_date: '2026-11-09', end_date: '2026-11-10', run_id: runId },
      { ...sandbox.env, TOGGL_WORKSPACE_ID: '999999' },
    );
    assert.ok(error instanceof WorkflowFailedError);
    assert.match(String(error.cause?.message), /toggl stage failed in fetch_toggl_data: .*Toggl.*403/i);
    const metadata = RunMetadataSchema.parse(await readJson(path.join(outputDir, runId, 'run_metadata.json')));
    assert.equal(metadata.status, 'failed');
    assert.equal(metadata.error?.stage, 'toggl');
    assert.equal(metadata.error?.activity, 'fetch_toggl_data');
    assert.match(metadata.error?.message ?? '', /403/);
    assert.deepEqual(metadata.stages_failed, ['toggl']);
    assert.ok(!existsSync(path.join(outputDir, runId, 'raw_toggl_data.json')), 'no half-written Toggl file');
  });

  test('start_from fibery without the Toggl stage\'s output fails with a clear message', async () => {
    const { error } = await runPipeline({ start_date: '2026-11-09', end_date: '2026-11-10', run_id: 'run_does-not-exist', start_from: 'fibery' });
    assert.ok(error instanceof WorkflowFailedError);
    assert.match(String(error.cause?.message), /no toggl_aggregated\.json/);
  });

  test('a Toggl-stage start on an existing run id fails and leaves that run untouched', async () => {
    const file = path.join(outputDir, 'run_test-full', 'run_metadata.json');
    const before = await readFile(file);
    const { error } = await runPipeline({ start_date: '2026-11-09', end_date: '2026-11-10', run_id: 'run_test-full' });
    assert.ok(error instanceof WorkflowFailedError);
    assert.match(String(error.cause?.message), /already exists/);
    assert.ok(before.equals(await readFile(file)), 'run_metadata.json is byte-identical');
  });

  test('missing tokens name the variable to set', async () => {
    const { error } = await runPipeline({ start_date: '2026-11-09', end_date: '2026-11-10', run_id: 'run_test-no-token' }, {});
    assert.ok(error instanceof WorkflowFailedError);
    assert.match(String(error.cause?.message), /TOGGL_API_TOKEN is not set/);
  });

  test('a token Toggl rejects fails the run at once (the production topology), with the line run prints', async () => {
    const { error } = await runPipeline({ start_date: '2026-11-09', end_date: '2026-11-10', run_id: 'run_test-wrong-token' }, { ...sandbox.env, TOGGL_API_TOKEN: 'not-the-token' });
    assert.ok(error instanceof WorkflowFailedError);
    assert.match(String(error.cause?.message), /Toggl rejected the token in TOGGL_API_TOKEN \(HTTP 40[13]\)/);
    const metadata = RunMetadataSchema.parse(await readJson(path.join(outputDir, 'run_test-wrong-token', 'run_metadata.json')));
    assert.equal(metadata.status, 'failed');
    assert.match(metadata.error?.message ?? '', /rejected the token/);
  });
});

// With an LLM (each provider's wire format, the simulator's answers and faults): llm-pipeline.test.ts.
