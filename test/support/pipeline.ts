/** Runs TogglFiberyPipeline on a test's Temporal server, on the file's shared worker, with activities that see `env`. */
import type { WorkflowHandle } from '@temporalio/client';
import { defaultDeps } from '../../src/activities/context.js';
import { WORKFLOW_TYPE, workflowIdFor, type PipelineInput, type PipelineResult } from '../../src/workflows/contract.js';
import type { TogglFiberyPipeline } from '../../src/workflows/pipeline.js';
import { createActivities } from '../../src/activities/index.js';
import { DEFAULT_API_RATES, type ApiRates } from '../../src/worker.js';
import { sharedTaskQueue, withRunActivities } from './shared-worker.js';
import type { TestTemporal } from './temporal.js';

let counter = 0;

/**
 * Tests that are not about the APIs' budgets run without them (with simulators started with
 * `limits: 'none'`): the clients' pacing and the API queues' rates lifted, each worker pacing its
 * own requests. Tests about pacing pass `paced: true` and get the production defaults, the budget
 * workflow included.
 */
const UNPACED_RATES: ApiRates = { togglActivitiesPerSecond: 100, fiberyActivitiesPerSecond: 100 };
const UNPACED_CONFIG = { toggl: { requests_per_second: 20 }, fibery: { requests_per_second: 50, workspace_requests_per_second: 100 } };

export interface PipelineOutcome {
  result: PipelineResult | null;
  error: unknown;
  workflowId: string;
}

export async function runPipelineOn(
  temporal: TestTemporal,
  input: PipelineInput,
  env: NodeJS.ProcessEnv,
  opts: { configDir?: string; /** The workflow's execution timeout (default 10 minutes). */ executionTimeout?: string; whileRunning?: (handle: WorkflowHandle<typeof TogglFiberyPipeline>) => Promise<void>; rates?: Partial<ApiRates>; paced?: boolean } = {},
): Promise<PipelineOutcome> {
  const deps = defaultDeps({ ...env });
  if (opts.configDir) deps.configDir = opts.configDir;
  const rates = { ...DEFAULT_API_RATES, ...(opts.rates ?? (opts.paced ? {} : UNPACED_RATES)) };
  if (!opts.paced) input = { ...input, config: { ...UNPACED_CONFIG, ...input.config } };
  const taskQueue = await sharedTaskQueue(temporal, rates, { shareBudgets: opts.paced === true });
  const workflowId = workflowIdFor(`${input.run_id}-${process.pid}-${++counter}`);
  return withRunActivities(workflowId, createActivities(deps), async () => {
    const handle = await temporal.client.workflow.start<typeof TogglFiberyPipeline>(WORKFLOW_TYPE, {
      taskQueue,
      workflowId,
      args: [input],
      workflowExecutionTimeout: opts.executionTimeout ?? '10 minutes',
    });
    const watching = opts.whileRunning?.(handle);
    const outcome = await handle.result().then(
      (result) => ({ result, error: null, workflowId }),
      (error: unknown) => ({ result: null, error, workflowId }),
    );
    await watching;
    return outcome;
  });
}
