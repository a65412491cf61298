/**
 * The workflow's logic against stub activities (test/support/stub-pipeline.ts): the order of steps,
 * start_from, Toggl pages with a quota wait and continue-as-new, types side by side, failure,
 * retry and cancellation paths, progress. Seconds, not minutes: no API, no files.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { afterQuotaWait, initialFetchState, type TogglFetchState } from '../src/toggl/fetch-plan.js';
import type { Progress } from '../src/workflows/contract.js';
import { TogglFetch } from '../src/workflows/toggl-fetch.js';
import { createPipelineWorker } from '../src/worker.js';
import { defaultDeps } from '../src/activities/context.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { runWithStubs, stubActivities, stubPage, type StubCall } from './support/stub-pipeline.js';
import { collectProgress, startTestTemporal, type TestTemporal } from './support/temporal.js';

let temporal: TestTemporal;
before(async () => {
  temporal = await startTestTemporal();
});
after(async () => {
  await temporal?.stop();
});

const names = (calls: StubCall[]) => calls.map((c) => c.name);
const firstIndex = (calls: StubCall[], name: string) => names(calls).indexOf(name);

describe('the order of steps', () => {
  test('start_from toggl: both stages in the spec order, every page before the aggregation', async () => {
    const { result, error, calls } = await runWithStubs(temporal, {});
    assert.equal(error, null, String(error));
    assert.equal(result?.status, 'completed');
    assert.deepEqual(result?.stages_completed, ['toggl', 'fibery']);
    const order = [...new Set(names(calls))];
    assert.deepEqual(order, [
      'record_run_start',
      'cleanup_toggl_stage',
      'fetch_toggl_data',
      'fetch_toggl_page',
      'aggregate_toggl_data',
      'generate_toggl_report',
      'record_stage_completed',
      'cleanup_fibery_stage',
      'extract_fibery_entities',
      ...order.filter((n) => n.startsWith('enrich_')),
      'index_enriched_entities',
      'generate_person_report',
      'save_enriched_data',
      'generate_team_report',
      'record_run_end',
    ]);
    assert.equal(calls.filter((c) => c.name === 'fetch_toggl_page').length, 3);
    assert.ok(firstIndex(calls, 'aggregate_toggl_data') > names(calls).lastIndexOf('fetch_toggl_page'));
    const end = calls.find((c) => c.name === 'record_run_end');
    assert.equal(end?.input.status, 'completed');
  });

  test('start_from fibery: only the Fibery stage', async () => {
    const { error, calls } = await runWithStubs(temporal, { start_from: 'fibery', run_id: 'run_earlier' });
    assert.equal(error, null, String(error));
    for (const name of ['cleanup_toggl_stage', 'fetch_toggl_data', 'fetch_toggl_page', 'aggregate_toggl_data', 'generate_toggl_report']) {
      assert.equal(firstIndex(calls, name), -1, `${name} did not run`);
    }
    assert.equal(calls.find((c) => c.name === 'record_run_start')?.input.start_from, 'fibery');
  });
});

describe('the Toggl fetch', () => {
  test('a used-up quota waits on a timer, shows the wait, and fetches no page twice', async () => {
    let quotaSent = false;
    const seen: Progress[] = [];
    const { error, calls } = await runWithStubs(temporal, {}, {
      overrides: {
        fetch_toggl_page: async (input) => {
          if (input.state.pages === 1 && !quotaSent) {
            quotaSent = true;
            return afterQuotaWait(input.state, 1500, 1);
          }
          return stubPage(input.state, 3);
        },
      },
      // Asked until the run ends (not for a fixed number of times): the wait shows for two seconds.
      whileRunning: (handle) => collectProgress(handle, seen, 100),
    });
    assert.equal(error, null, String(error));
    const pages = calls.filter((c) => c.name === 'fetch_toggl_page');
    assert.deepEqual(pages.map((c) => (c.input.state as TogglFetchState).pages), [0, 1, 1, 2], 'the page after the wait is asked again, once');
    const waitGap = pages[2]!.started - pages[1]!.ended!;
    assert.ok(waitGap >= 1500, `waited ${waitGap} ms for the quota`);
    const waiting = seen.find((p) => p.details.toggl?.quota_wait_until);
    assert.ok(waiting, 'the progress said the fetch waits for the quota');
    assert.equal(waiting.current_activity, 'fetch_toggl_data');
  });

  test('a long fetch continues as new with its state and ends with every page', async () => {
    const calls: StubCall[] = [];
    const taskQueue = `stub-fetch-${process.pid}`;
    const worker = await createPipelineWorker({
      connection: temporal.nativeConnection,
      namespace: temporal.server.namespace,
      deps: defaultDeps({}),
      taskQueue,
      activities: stubActivities(calls, { fetch_toggl_page: async (input) => stubPage(input.state, 7) }),
      rates: { togglActivitiesPerSecond: 1000, fiberyActivitiesPerSecond: 1000 },
    });
    const state = initialFetchState({ start: '2026-01-01', end: '2026-01-31' }, 366, null);
    const final = await worker.runUntil(
      temporal.client.workflow.execute(TogglFetch, {
        taskQueue,
        workflowId: `stub-fetch-${process.pid}`,
        args: [{ output_dir: '/nonexistent', run_id: 'run_fetch', state, parent_workflow_id: 'no-parent', pages_per_run: 3 }],
      }),
    );
    assert.equal(final.done, true);
    assert.equal(final.pages, 7);
    assert.deepEqual(calls.map((c) => (c.input.state as TogglFetchState).pages), [0, 1, 2, 3, 4, 5, 6]);
    let executions = 0;
    for await (const _ of temporal.client.workflow.list({ query: `WorkflowId = 'stub-fetch-${process.pid}'` })) executions++;
    assert.equal(executions, 3, 'three executions of three, three and one pages');
  });
});

describe('the Fibery stage', () => {
  test('types are enriched side by side, each within its own max_concurrent', async () => {
    const { error, calls } = await runWithStubs(temporal, {});
    assert.equal(error, null, String(error));
    const tasks = calls.filter((c) => c.name === 'enrich_scrum_task');
    const bugs = calls.filter((c) => c.name === 'enrich_scrum_bug');
    assert.equal(tasks.length, 3, '5 tasks in batches of 2');
    assert.equal(bugs.length, 1);
    const overlaps = (a: StubCall, b: StubCall) => a.started < b.ended! && b.started < a.ended!;
    assert.ok(tasks.some((t) => overlaps(t, bugs[0]!)), 'a bug batch ran while task batches did');
    const maxTasksAtOnce = Math.max(...tasks.map((t) => tasks.filter((u) => overlaps(t, u)).length));
    assert.ok(maxTasksAtOnce <= 2, `at most max_concurrent (2) task batches at once, saw ${maxTasksAtOnce}`);
  });

  test('a batch that fails fails the run at once: recorded as failed in the Fibery stage, nothing after it starts', async () => {
    const { error, calls } = await runWithStubs(temporal, {}, {
      overrides: {
        enrich_scrum_bug: async () => {
          throw ApplicationFailure.nonRetryable('Fibery API answered 401 Unauthorized', 'ApiError');
        },
      },
    });
    assert.ok(error instanceof WorkflowFailedError, String(error));
    assert.match(String(error.cause?.message), /fibery stage failed in enrich_scrum_bug: Fibery API answered 401/);
    assert.equal(calls.filter((c) => c.name === 'enrich_scrum_bug').length, 1, 'an application error is not retried');
    assert.equal(firstIndex(calls, 'generate_person_report'), -1);
    const end = calls.find((c) => c.name === 'record_run_end');
    assert.deepEqual(end?.input.status, 'failed');
    assert.deepEqual(end?.input.error, { message: 'Fibery API answered 401 Unauthorized', stage: 'fibery', activity: 'enrich_scrum_bug' });
  });

  test('an activity that did not finish (a lost worker, a timeout) is run again, and the run completes', async () => {
    let lost = false;
    const { error, calls } = await runWithStubs(temporal, {}, {
      overrides: {
        generate_person_report: async (input) => {
          if (input.email === 'bob@example.com' && !lost) {
            lost = true;
            throw ApplicationFailure.retryable('the worker went away', 'WorkerLost');
          }
          return { slug: input.email.split('@')[0]!, llm: false };
        },
      },
    });
    assert.equal(error, null, String(error));
    assert.equal(calls.filter((c) => c.name === 'generate_person_report' && c.input.email === 'bob@example.com').length, 2);
  });

  test('cancelled mid-enrichment: recorded as cancelled once every activity has stopped, even one that fails as it stops', async () => {
    const { error, calls } = await runWithStubs(temporal, { heartbeat_timeout_seconds: 2 }, {
      overrides: {
        enrich_scrum_task: async () => {
          // The cancellation reaches an activity with a heartbeat's answer; it then still writes for a moment and fails.
          const context = Context.current();
          while (!context.cancellationSignal.aborted) {
            context.heartbeat();
            await sleep(100);
          }
          await sleep(300);
          throw new Error('ENOENT: the staging directory is gone');
        },
      },
      whileRunning: async (handle, seen) => {
        while (!seen.some((c) => c.name === 'enrich_scrum_task')) await sleep(50);
        await handle.cancel();
      },
    });
    assert.ok(error instanceof WorkflowFailedError && error.cause instanceof CancelledFailure, `the workflow ended cancelled, not failed: ${String(error)}`);
    const end = calls.find((c) => c.name === 'record_run_end');
    assert.equal(end?.input.status, 'cancelled');
    const enrichments = calls.filter((c) => c.name === 'enrich_scrum_task');
    assert.ok(enrichments.every((c) => c.ended !== null && c.ended <= end!.started), 'the run was closed (its staging removed) only after its activities had stopped');
    assert.equal(firstIndex(calls, 'generate_person_report'), -1);
  });
});

describe('progress', () => {
  test('rises monotonically to 100, counts entities and persons, and gives an ETA before the end', async () => {
    const seen: Progress[] = [];
    const { error } = await runWithStubs(temporal, {}, {
      overrides: {
        enrich_scrum_task: async (input) => {
          await sleep(900);
          return { enriched: input.limit, not_found: 0, warnings: 0, requests: 1, file: '' };
        },
      },
      whileRunning: (handle) => collectProgress(handle, seen, 100),
    });
    assert.equal(error, null, String(error));
    const percentages = seen.map((p) => p.percentage);
    for (let i = 1; i < percentages.length; i++) assert.ok(percentages[i]! >= percentages[i - 1]!, `never goes back: ${percentages.join(' ')}`);
    assert.equal(seen.at(-1)?.percentage, 100);
    assert.ok(seen.some((p) => p.current_activity === 'enrich_entities_by_type' && p.eta_seconds !== null), 'an ETA while enriching');
    const last = seen.at(-1)!;
    assert.deepEqual(last.details.types.map((t) => [t.key, t.done, t.total]), [['Scrum/Task', 5, 5], ['Scrum/Bug', 3, 3]]);
    assert.deepEqual(last.details.persons, { done: 3, total: 3 });
  });
});
