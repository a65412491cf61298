/** Runs TogglFiberyPipeline on a test's Temporal server with a worker whose activities see `env`. */
import type { WorkflowHandle } from '@temporalio/client';
import { defaultDeps } from '../../src/activities/context.js';
import { WORKFLOW_TYPE, workflowIdFor, type PipelineInput, type PipelineResult } from '../../src/workflows/contract.js';
import type { TogglFiberyPipeline } from '../../src/workflows/pipeline.js';
import { createPipelineWorker, type ApiRates } from '../../src/worker.js';
import type { TestTemporal } from './temporal.js';

let counter = 0;

export interface PipelineOutcome {
  result: PipelineResult | null;
  error: unknown;
  workflowId: string;
}

export async function runPipelineOn(
  temporal: TestTemporal,
  input: PipelineInput,
  env: NodeJS.ProcessEnv,
  opts: { configDir?: string; whileRunning?: (handle: WorkflowHandle<typeof TogglFiberyPipeline>) => Promise<void>; rates?: Partial<ApiRates> } = {},
): Promise<PipelineOutcome> {
  const taskQueue = `test-pipeline-${process.pid}-${++counter}`;
  const deps = defaultDeps({ ...env });
  if (opts.configDir) deps.configDir = opts.configDir;
  const worker = await createPipelineWorker({ connection: temporal.nativeConnection, namespace: temporal.server.namespace, deps, taskQueue, ...(opts.rates ? { rates: opts.rates } : {}) });
  const workflowId = workflowIdFor(`${input.run_id}-${counter}`);
  return worker.runUntil(async () => {
    const handle = await temporal.client.workflow.start<typeof TogglFiberyPipeline>(WORKFLOW_TYPE, {
      taskQueue,
      workflowId,
      args: [input],
      workflowExecutionTimeout: '10 minutes',
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
