/** `volt-agent worker`: the separate worker process of the production topology (spec 7.2, 8.3). */
import { NativeConnection } from '@temporalio/worker';
import { z } from 'zod';
import { defaultDeps } from '../activities/context.js';
import { ValidationError } from '../errors.js';
import { TASK_QUEUE } from '../shared.js';
import { createPipelineWorker } from '../worker.js';
import { EXIT } from './exit-codes.js';
import type { Output } from './run-command.js';

const count = (flag: string, min: number) =>
  z.coerce.number().int().min(min, { message: `${flag} must be a whole number ≥ ${min}` });

export async function runWorker(
  opts: { maxConcurrentActivities: string; maxConcurrentLocalActivities: string; maxConcurrentWorkflowTasks: string },
  out: Output,
): Promise<number> {
  const parsed = z
    .object({
      maxConcurrentActivityTaskExecutions: count('--max-concurrent-activities', 1),
      maxConcurrentLocalActivityExecutions: count('--max-concurrent-local-activities', 1),
      maxConcurrentWorkflowTaskExecutions: count('--max-concurrent-workflow-tasks', 2),
    })
    .safeParse({
      maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivities,
      maxConcurrentLocalActivityExecutions: opts.maxConcurrentLocalActivities,
      maxConcurrentWorkflowTaskExecutions: opts.maxConcurrentWorkflowTasks,
    });
  if (!parsed.success) throw new ValidationError(parsed.error.issues[0]!.message);

  const address = process.env.TEMPORAL_ADDRESS?.trim() || 'localhost:7233';
  const namespace = process.env.TEMPORAL_NAMESPACE?.trim() || 'default';
  let connection: NativeConnection;
  try {
    connection = await NativeConnection.connect({ address });
  } catch (error) {
    throw new Error(`cannot reach the Temporal server at ${address} (${(error as Error).message.split('\n')[0]}): start it (docker compose up -d) or set TEMPORAL_ADDRESS`);
  }
  try {
    const worker = await createPipelineWorker({ connection, namespace, deps: defaultDeps(), settings: parsed.data });
    out.info(`Worker polling task queue ${TASK_QUEUE} on ${address} (namespace ${namespace}); Ctrl-C to stop`);
    // The SDK's Runtime shuts the worker down on SIGINT/SIGTERM, letting in-flight activities finish.
    await worker.run();
    out.info('Worker stopped');
    return EXIT.OK;
  } finally {
    await connection.close();
  }
}
