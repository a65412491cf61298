/**
 * What production throws at a run, end to end on a real Temporal server against the simulators:
 * every transient fault of every API (the outputs equal a fault-free run's), a Toggl quota used up
 * mid-fetch (the run waits on a timer, shows it, and fetches no page twice). Workers killed mid-run
 * are test/workers/lost-workers.test.ts (`npm run test:workers`).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { generateWorkload, repeatedPages } from '../src/sandbox/index.js';
import { RunMetadataSchema } from '../src/storage/schemas.js';
import { defaultPayloadConverter } from '@temporalio/common';
import { togglFetchSignal, type PipelineInput, type TogglFetchProgress } from '../src/workflows/contract.js';
import { runPipelineOn } from './support/pipeline.js';
import { sandboxFile } from './support/sandbox-file.js';

const dataset = generateWorkload({ people: 4, days: 7, previousPeriod: true, seed: 7 });
const file = sandboxFile('volt-faults-', dataset);
const period = dataset.period;
const sandbox = file.sandbox;

const FAST = { togglActivitiesPerSecond: 50, fiberyActivitiesPerSecond: 50 };
const FAST_CONFIG = { toggl: { requests_per_second: 20 }, fibery: { requests_per_second: 20, workspace_requests_per_second: 20 } };

/** A run file without what differs between two runs of the same data: times, counts of requests, run ids. */
async function comparable(runId: string, name: string): Promise<unknown> {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).filter(([k]) => !/(_at$|^requests$|generated|fetched|warnings)/.test(k)).map(([k, x]) => [k, strip(x)]));
    }
    return v;
  };
  return strip(JSON.parse(await readFile(path.join(file.outputDir, runId, name), 'utf8')));
}

// The two parts share the server but nothing else (each its own sandbox and task queue): at once.
describe('faults', { concurrency: true }, () => {
  describe('transient faults', () => {
    test('every transient fault on every API: the run completes and its JSON outputs equal a fault-free run', async () => {
      const clean = await sandbox({ togglOptions: { maxPageSize: 20 }, llm: true });
      // Each fault on a request of its own (every other one): the run must ride out each, whichever request it hits.
      const spread = <T extends object>(faults: T[]) => faults.map((f, i) => ({ ...f, fromRequest: 1 + 2 * i }));
      const togglFaults = spread([
        { kind: 'status' as const, status: 500 },
        { kind: 'status' as const, status: 429, retryAfterSeconds: 1 },
        { kind: 'truncated' as const },
        { kind: 'non-json' as const },
        { kind: 'reset' as const },
        { kind: 'status' as const, status: 503 },
      ]);
      const fiberyFaults = spread([
        { kind: 'status' as const, status: 502 },
        { kind: 'status' as const, status: 429, retryAfterSeconds: 1 },
        { kind: 'truncated' as const },
        { kind: 'graphql-errors' as const, data: 'null' as const },
        { kind: 'non-json' as const },
        { kind: 'reset' as const },
      ]);
      const llmFaults = spread([
        { kind: 'status' as const, status: 500 },
        { kind: 'status' as const, status: 429, retryAfterSeconds: 1 },
        { kind: 'truncated' as const },
        { kind: 'non-json' as const },
      ]);
      const faulty = await sandbox({ faults: { toggl: togglFaults, fibery: fiberyFaults, llm: llmFaults }, togglOptions: { maxPageSize: 20 }, llm: true });
      const input = (run_id: string): PipelineInput => ({ ...period, run_id, output_dir: file.outputDir, config: FAST_CONFIG });
      const [a, b] = await Promise.all([
        runPipelineOn(file.temporal, input('run_clean'), clean.env, { rates: FAST }),
        runPipelineOn(file.temporal, input('run_faulty'), faulty.env, { rates: FAST }),
      ]);
      assert.equal(a.error, null, String(a.error));
      assert.equal(b.error, null, String(b.error));
      const taken = (log: { fault: string | null }[]) => log.filter((e) => e.fault).length;
      assert.equal(taken(faulty.requestLogs().toggl), togglFaults.length, 'every Toggl fault was served');
      assert.equal(taken(faulty.requestLogs().fibery), fiberyFaults.length, 'every Fibery fault was served');
      assert.equal(faulty.requestLogs().llm.filter((r) => r.fault).length, llmFaults.length, 'every LLM fault was served');
      for (const file of ['raw_toggl_data.json', 'raw_toggl_previous.json', 'toggl_aggregated.json', 'enriched_data.json']) {
        assert.deepEqual(await comparable('run_faulty', file), await comparable('run_clean', file), `${file} equals the fault-free run's`);
      }
      const metadata = RunMetadataSchema.parse(JSON.parse(await readFile(path.join(file.outputDir, 'run_faulty', 'run_metadata.json'), 'utf8')));
      assert.equal(metadata.status, 'completed');
      assert.ok(metadata.llm.used && metadata.warnings.every((w) => !/LLM/.test(w)), 'every report was written by the LLM, none fell back');
    });
  });

  describe('the Toggl quota', () => {
    /**
     * The Toggl fetch's news as the pipeline received it (the signals in its history): what its
     * progress showed, whenever it was asked. A progress query every so often can miss a wait.
     */
    async function fetchNews(workflowId: string): Promise<TogglFetchProgress[]> {
      const { events } = await file.temporal.client.workflow.getHandle(workflowId).fetchHistory();
      return (events ?? []).flatMap((e) => {
        const signal = e.workflowExecutionSignaledEventAttributes;
        const payload = signal?.signalName === togglFetchSignal.name ? signal.input?.payloads?.[0] : undefined;
        return payload ? [defaultPayloadConverter.fromPayload<TogglFetchProgress>(payload)] : [];
      });
    }

    test('used up mid-fetch: the run waits for the window, shows the wait, completes, and fetches no page twice', async () => {
      // Six requests per ten-second window: the users list and five pages, then a wait. The six
      // come within the window even when each takes a busy machine's second and a half.
      const quota = await sandbox({ limits: { toggl: { quota: { workspaceLimit: 6, windowSeconds: 10 } }, fibery: { rateLimit: false } }, togglOptions: { maxPageSize: 20 } });
      const { error, workflowId } = await runPipelineOn(file.temporal, { ...period, run_id: 'run_quota', output_dir: file.outputDir, config: FAST_CONFIG }, quota.env, { rates: FAST });
      assert.equal(error, null, String(error));
      const searches = quota.requestLogs().toggl.filter((e) => e.path.includes('/search/'));
      assert.ok(searches.length > 6, `the fetch needed more than one window (${searches.length} searches)`);
      assert.equal(quota.requestLogs().toggl.filter((e) => e.status === 402).length, 0, 'the fetch waited instead of asking into a used-up quota');
      assert.deepEqual(repeatedPages(quota.requestLogs().toggl), [], 'no page was fetched twice');
      const waiting = (await fetchNews(workflowId)).find((news) => news.quota_wait_until !== null);
      assert.ok(waiting, 'the progress showed the wait');
      assert.ok(waiting.pages > 0, 'with the pages fetched so far');
    });
  });
});
