/**
 * One worker per test file and API-rate setting, instead of one per run: starting a worker (its
 * workflow thread, the bundle, three task queues) cost more than most runs. Each run registers its
 * own activities under its workflow id; the shared worker hands every call to the run it belongs
 * to (the pipeline's Toggl fetch child included), and a run's end waits for its calls still in
 * flight, as a worker's shutdown did.
 */
import { Context } from '@temporalio/activity';
import { defaultDeps } from '../../src/activities/context.js';
import type { Activities } from '../../src/activities/index.js';
import { createActivities } from '../../src/activities/index.js';
import { withQueueOf } from '../../src/http/budgets.js';
import { createPipelineWorker, type ApiRates } from '../../src/worker.js';
import type { TestTemporal } from './temporal.js';

type AnyActivity = (input: unknown) => Promise<unknown>;

interface RegisteredRun {
  activities: Record<string, AnyActivity>;
  inFlight: number;
  drained: (() => void)[];
}

const runs = new Map<string, RegisteredRun>();
const queues = new WeakMap<TestTemporal, Map<string, Promise<string>>>();
let counter = 0;

/** The run an activity belongs to: its workflow, or the pipeline whose fetch child it runs in. */
function runOf(workflowId: string): RegisteredRun {
  const run = runs.get(workflowId) ?? runs.get(workflowId.replace(/-toggl-fetch$/, ''));
  if (!run) throw new Error(`no activities registered for workflow ${workflowId}`);
  return run;
}

function dispatchingActivities(): Activities {
  const real = createActivities(defaultDeps({})) as unknown as Record<string, AnyActivity>;
  const dispatched: Record<string, AnyActivity> = {};
  for (const name of Object.keys(real)) {
    // On the API queue of the activity it stands for.
    dispatched[name] = withQueueOf(real[name], async (input: unknown) => {
      const run = runOf(Context.current().info.workflowExecution?.workflowId ?? '');
      run.inFlight++;
      try {
        return await run.activities[name]!(input);
      } finally {
        if (--run.inFlight === 0) for (const done of run.drained.splice(0)) done();
      }
    });
  }
  return dispatched as unknown as Activities;
}

/**
 * The task queue of the file's worker for these rates, started on first use and stopped with
 * `temporal`. `shareBudgets: false` for runs that are not about the budgets: their requests skip
 * the budget workflow (an update of some 14 ms of CPU each, a good part of the suite's).
 */
export function sharedTaskQueue(temporal: TestTemporal, rates: ApiRates, opts: { shareBudgets?: boolean } = {}): Promise<string> {
  let byRates = queues.get(temporal);
  if (!byRates) queues.set(temporal, (byRates = new Map()));
  const shareBudgets = opts.shareBudgets ?? true;
  const key = JSON.stringify({ rates, shareBudgets });
  let queue = byRates.get(key);
  if (!queue) {
    queue = (async () => {
      const taskQueue = `test-shared-${process.pid}-${++counter}`;
      const worker = await createPipelineWorker({
        connection: temporal.nativeConnection,
        namespace: temporal.server.namespace,
        deps: defaultDeps({}),
        taskQueue,
        activities: dispatchingActivities(),
        rates,
        shareBudgets,
      });
      const running = worker.run();
      temporal.beforeStop.push(async () => {
        worker.shutdown();
        await running;
      });
      return taskQueue;
    })();
    byRates.set(key, queue);
  }
  return queue;
}

/**
 * Runs `work` with `activities` serving the workflow `workflowId` (and its fetch child), then waits
 * for that run's activities still in flight.
 */
export async function withRunActivities<R>(workflowId: string, activities: Activities, work: () => Promise<R>): Promise<R> {
  const run: RegisteredRun = { activities: activities as unknown as Record<string, AnyActivity>, inFlight: 0, drained: [] };
  runs.set(workflowId, run);
  try {
    return await work();
  } finally {
    if (run.inFlight > 0) await new Promise<void>((resolve) => run.drained.push(resolve));
    runs.delete(workflowId);
  }
}
