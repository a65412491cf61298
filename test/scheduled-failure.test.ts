/**
 * A scheduled run that fails is announced once per channel of its schedule, then still fails; a
 * cancelled run, an opted-out schedule and a completed run send nothing. The workflow against stub
 * activities (fast), and the notice's messages as they are sent.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { failureSlackMessage, failureSubject, failureText, type FailureNotice } from '../src/delivery/failure-notice.js';
import { SCHEDULED_WORKFLOW_TYPE, workflowIdFor, type ScheduledReportInput } from '../src/workflows/contract.js';
import { sharedTaskQueue, withRunActivities } from './support/shared-worker.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { stubActivities, type StubCall } from './support/stub-pipeline.js';
import { startTestTemporal, type TestTemporal } from './support/temporal.js';
import type { Activities } from '../src/activities/index.js';

let temporal: TestTemporal;
before(async () => {
  temporal = await startTestTemporal();
});
after(async () => {
  await temporal?.stop();
});

let counter = 0;
/** The child's failure inside the scheduled workflow's: ChildWorkflowFailure → the pipeline's ApplicationFailure. */
const causeMessage = (error: WorkflowFailedError) => String((error.cause as { cause?: Error } | undefined)?.cause?.message ?? '');
const permanent = () => ApplicationFailure.nonRetryable('Toggl API answered 401 Unauthorized for GET /api/v9/workspaces/1/users (check Toggl token / access)', 'ApiError');

async function scheduled(input: Partial<ScheduledReportInput>, overrides: Partial<Activities>, whileRunning?: (cancel: () => Promise<void>, calls: StubCall[]) => Promise<void>) {
  const calls: StubCall[] = [];
  const id = `sched-${process.pid}-${++counter}`;
  const activities = stubActivities(calls, overrides);
  const workflowId = `scheduled-report-${id}`;
  const childId = workflowIdFor(`run_sched_${id}`);
  const taskQueue = await sharedTaskQueue(temporal, { togglActivitiesPerSecond: 1000, fiberyActivitiesPerSecond: 1000 });
  const full: ScheduledReportInput = { schedule_id: id, period: 'previous-week', timezone: 'UTC', users: null, output_dir: '/nonexistent/stub', deliver: ['slack', 'email'], ...input };
  return withRunActivities(workflowId, activities, () =>
    withRunActivities(childId, activities, async () => {
      const handle = await temporal.client.workflow.start(SCHEDULED_WORKFLOW_TYPE, { taskQueue, workflowId, args: [full], workflowExecutionTimeout: '2 minutes' });
      const watching = whileRunning?.(async () => {
        await handle.cancel();
      }, calls);
      const error = await handle.result().then(() => null, (e: unknown) => e);
      await watching;
      return { error, calls, notices: calls.filter((c) => c.name === 'send_failure_notice'), id };
    }),
  );
}

describe('ScheduledReport announces a failed run', () => {
  test('one notice per channel, with the schedule, the period and the error; the run still fails with its own error', async () => {
    const { error, notices, id } = await scheduled({}, { fetch_toggl_data: async () => Promise.reject(permanent()) });
    assert.ok(error instanceof WorkflowFailedError, String(error));
    assert.match(causeMessage(error), /toggl stage failed in fetch_toggl_data: Toggl API answered 401/);
    assert.deepEqual(notices.map((n) => n.input.channel), ['slack', 'email']);
    for (const notice of notices) {
      assert.equal(notice.input.schedule_id, id);
      assert.equal(notice.input.run_id, `run_sched_${id}`);
      assert.deepEqual(notice.input.period, { start_date: '2026-11-16', end_date: '2026-11-22' });
      assert.match(String(notice.input.error), /Toggl API answered 401/);
    }
  });

  test("a notice that fails never hides the run's error, and the next channel is still told", async () => {
    const { error, notices } = await scheduled({}, {
      fetch_toggl_data: async () => Promise.reject(permanent()),
      send_failure_notice: async (input) => {
        if (input.channel === 'slack') throw ApplicationFailure.nonRetryable('Slack API answered 500', 'ApiError');
        return { channel: input.channel, status: 'sent', at: new Date().toISOString(), error: null };
      },
    });
    assert.ok(error instanceof WorkflowFailedError);
    assert.match(causeMessage(error), /Toggl API answered 401/);
    assert.deepEqual(notices.map((n) => n.input.channel), ['slack', 'email'], 'one attempt each: a notice is never sent twice');
  });

  test('--no-notify-failures, no channels, a completed run, a cancelled run: no notice', async () => {
    const optedOut = await scheduled({ notify_failures: false }, { fetch_toggl_data: async () => Promise.reject(permanent()) });
    assert.ok(optedOut.error instanceof WorkflowFailedError);
    assert.equal(optedOut.notices.length, 0);
    const nowhere = await scheduled({ deliver: [] }, { fetch_toggl_data: async () => Promise.reject(permanent()) });
    assert.ok(nowhere.error instanceof WorkflowFailedError);
    assert.equal(nowhere.notices.length, 0);
    const completed = await scheduled({}, {});
    assert.equal(completed.error, null, String(completed.error));
    assert.equal(completed.notices.length, 0);
    assert.ok(completed.calls.some((c) => c.name === 'deliver_report'), 'the digest went out instead');

    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const cancelled = await scheduled({}, {
      cleanup_toggl_stage: async () => {
        await held;
        return [];
      },
    }, async (cancel, calls) => {
      while (!calls.some((c) => c.name === 'cleanup_toggl_stage')) await sleep(20);
      await cancel();
      release();
    });
    assert.ok(cancelled.error instanceof WorkflowFailedError);
    assert.equal(cancelled.notices.length, 0, 'a cancellation is no failure to announce');
  });
});

describe('the notice', () => {
  const notice: FailureNotice = {
    schedule_id: 'weekly-digest',
    run_id: 'run_2026-11-30-08-00-00_weekly-digest',
    period: { start_date: '2026-11-23', end_date: '2026-11-29' },
    stage: 'toggl',
    activity: 'fetch_toggl_data',
    error: 'Toggl API answered 401 Unauthorized <script>',
    output_dir: '/srv/volt/runs',
    run_dir: '/srv/volt/runs/run_2026-11-30-08-00-00_weekly-digest',
    ui_url: 'http://temporal.internal:8080/namespaces/default/workflows/toggl-fibery-run_2026-11-30-08-00-00_weekly-digest',
  };

  test('Slack: schedule, period, stage and error, show-run and the Temporal UI link, escaped', () => {
    const message = failureSlackMessage(notice);
    const text = JSON.stringify(message);
    for (const part of ['weekly-digest', '2026-11-23 – 2026-11-29', 'toggl stage, fetch_toggl_data', 'Toggl API answered 401 Unauthorized &lt;script&gt;', 'volt-agent show-run --run-id run_2026-11-30-08-00-00_weekly-digest --output-dir /srv/volt/runs', `<${notice.ui_url}|Temporal UI>`]) {
      assert.ok(text.includes(part), part);
    }
    assert.doesNotMatch(text, /<script>/);
    assert.match(message.text, /FAILED/);
    assert.equal(message.blocks[0]!.type, 'header');
  });

  test('e-mail: the subject says FAILED; the text names the run, the error and the commands', () => {
    assert.equal(failureSubject(notice), 'FAILED: volt-agent weekly-digest for 2026-11-23 – 2026-11-29');
    const text = failureText(notice);
    for (const part of ['run_2026-11-30-08-00-00_weekly-digest', 'FAILED', 'toggl stage, fetch_toggl_data', 'Toggl API answered 401', 'volt-agent show-run', notice.ui_url, 'volt-agent schedule trigger --id weekly-digest']) assert.ok(text.includes(part), part);
    assert.match(failureText({ ...notice, stage: null, activity: null }), /before the run started/);
  });
});
