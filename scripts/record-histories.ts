/**
 * Records the Temporal histories the replay test (test/replay.test.ts) checks the workflow code
 * against: the pipeline's shapes run against stub activities on a dev server, saved in
 * test/histories/ as encoded protobuf (History.encode: the JSON form does not replay with two
 * protobufjs copies in the tree). Run it when a workflow change is meant to be incompatible with
 * runs in flight (with a new PIPELINE_VERSION); never to make a failing replay test pass.
 *
 *   npm run record-histories
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import protos from '@temporalio/proto';

const proto = protos.temporal;
import { afterQuotaWait } from '../src/toggl/fetch-plan.js';
import { PIPELINE_VERSION, SCHEDULED_WORKFLOW_TYPE, DELIVER_WORKFLOW_TYPE } from '../src/workflows/contract.js';
import { createPipelineWorker } from '../src/worker.js';
import { defaultDeps } from '../src/activities/context.js';
import { runWithStubs, stubActivities, stubPage, type StubCall } from '../test/support/stub-pipeline.js';
import { startTestTemporal, type TestTemporal } from '../test/support/temporal.js';

const OUT = path.resolve('test/histories');

/** Each execution whose id starts with `workflowIdPrefix`, as `<workflow id>.v<version>.bin` (the replay needs the id). */
async function save(temporal: TestTemporal, workflowIdPrefix: string): Promise<void> {
  for await (const execution of temporal.client.workflow.list({ query: `WorkflowId STARTS_WITH '${workflowIdPrefix}'` })) {
    const history = await temporal.client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    const file = path.join(OUT, `${execution.workflowId}.v${PIPELINE_VERSION}.bin`);
    await writeFile(file, proto.api.history.v1.History.encode(history).finish());
    console.log(`${file}: ${execution.type}, ${history.events?.length ?? 0} events`);
  }
}

async function main(): Promise<void> {
  await mkdir(OUT, { recursive: true });
  const temporal = await startTestTemporal();
  try {
    let quotaSent = false;
    const toggl = await runWithStubs(temporal, { run_id: 'run_history_toggl', deliver: ['slack'] }, {
      workflowId: 'history-toggl',
      overrides: {
        fetch_toggl_page: async (input) => {
          if (input.state.pages === 1 && !quotaSent) {
            quotaSent = true;
            return afterQuotaWait(input.state, 1000, 1);
          }
          return stubPage(input.state, 3);
        },
      },
    });
    if (toggl.error) throw toggl.error;
    await save(temporal, 'history-toggl');

    const fibery = await runWithStubs(temporal, { run_id: 'run_history_fibery', start_from: 'fibery' }, { workflowId: 'history-fibery' });
    if (fibery.error) throw fibery.error;
    await save(temporal, 'history-fibery');

    const failed = await runWithStubs(temporal, { run_id: 'run_history_failed' }, {
      workflowId: 'history-failed',
      overrides: {
        enrich_scrum_bug: async () => {
          throw ApplicationFailure.nonRetryable('Fibery API answered 401 Unauthorized', 'ApiError');
        },
      },
    });
    if (!failed.error) throw new Error('the failing run completed');
    await save(temporal, 'history-failed');

    const calls: StubCall[] = [];
    const taskQueue = 'history-other';
    const worker = await createPipelineWorker({
      connection: temporal.nativeConnection,
      namespace: temporal.server.namespace,
      deps: defaultDeps({}),
      taskQueue,
      activities: stubActivities(calls),
      rates: { togglActivitiesPerSecond: 1000, fiberyActivitiesPerSecond: 1000 },
    });
    await worker.runUntil(async () => {
      await temporal.client.workflow.execute(SCHEDULED_WORKFLOW_TYPE, {
        taskQueue,
        workflowId: 'history-scheduled',
        args: [{ schedule_id: 'weekly', period: 'previous-week', timezone: 'Europe/Berlin', users: null, output_dir: '/nonexistent', deliver: [] }],
      });
      await temporal.client.workflow.execute(DELIVER_WORKFLOW_TYPE, {
        taskQueue,
        workflowId: 'history-deliver',
        args: [{ output_dir: '/nonexistent', run_id: 'run_history_toggl', channels: ['slack', 'email'] }],
      });
    });
    await save(temporal, 'history-scheduled');
    await save(temporal, 'history-deliver');
  } finally {
    await temporal.stop();
  }
}

await main();
