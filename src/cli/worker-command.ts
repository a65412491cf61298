/** `volt-agent worker`: the separate worker process of the production topology (spec 7.2, 8.3). */
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { z } from 'zod';
import { defaultDeps } from '../activities/context.js';
import { ValidationError } from '../errors.js';
import { TASK_QUEUE } from '../workflows/contract.js';
import { createPipelineWorker, workerSettingsFromEnv, type WorkerSettings } from '../worker.js';
import { connectionProblem, probeTcp } from './connect.js';
import { EXIT } from './exit-codes.js';
import type { Output } from './run-command.js';

const count = (flag: string, min: number) =>
  z.coerce.number().int({ message: `${flag} must be a whole number` }).min(min, { message: `${flag} must be a whole number ≥ ${min}` });

export interface WorkerFlags {
  maxConcurrentActivities?: string;
  maxConcurrentLocalActivities?: string;
  maxConcurrentWorkflowTasks?: string;
  shutdownGrace?: string;
}

/** Flags win over VOLT_WORKER_* variables, which win over the defaults of spec 8.3. */
export function resolveWorkerSettings(flags: WorkerFlags, env: NodeJS.ProcessEnv): WorkerSettings {
  const fromEnv = workerSettingsFromEnv(env);
  const parse = <T>(schema: z.ZodType<T>, value: string | undefined, fallback: T): T => {
    if (value === undefined) return fallback;
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new ValidationError(parsed.error.issues[0]!.message);
    return parsed.data;
  };
  return {
    maxConcurrentActivityTaskExecutions: parse(count('--max-concurrent-activities', 1), flags.maxConcurrentActivities, fromEnv.maxConcurrentActivityTaskExecutions),
    maxConcurrentLocalActivityExecutions: parse(count('--max-concurrent-local-activities', 1), flags.maxConcurrentLocalActivities, fromEnv.maxConcurrentLocalActivityExecutions),
    maxConcurrentWorkflowTaskExecutions: parse(count('--max-concurrent-workflow-tasks', 1), flags.maxConcurrentWorkflowTasks, fromEnv.maxConcurrentWorkflowTaskExecutions),
    shutdownGraceTime:
      flags.shutdownGrace === undefined ? fromEnv.shutdownGraceTime : `${parse(count('--shutdown-grace', 0), flags.shutdownGrace, 0)}s`,
  };
}

const CONNECT_TIMEOUT_MS = 15_000;

export async function runWorker(flags: WorkerFlags, out: Output, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const settings = resolveWorkerSettings(flags, env);
  const address = env.TEMPORAL_ADDRESS?.trim() || 'localhost:7233';
  const namespace = env.TEMPORAL_NAMESPACE?.trim() || 'default';
  const hint = env.TEMPORAL_ADDRESS?.trim()
    ? 'is the server running? (docker compose up -d, or temporal server start-dev)'
    : 'start it (docker compose up -d) or set TEMPORAL_ADDRESS';

  // The Runtime shuts the worker down on SIGINT/SIGTERM: it stops polling, lets in-flight
  // activities finish within the shutdown grace time, and hands the rest back to the server.
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: ['SIGINT', 'SIGTERM', 'SIGQUIT'] });

  let connection: NativeConnection;
  try {
    let timer: NodeJS.Timeout | undefined;
    await probeTcp(address);
    connection = await Promise.race([
      NativeConnection.connect({ address }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS);
      }),
    ]).finally(() => clearTimeout(timer));
  } catch (error) {
    throw new Error(`cannot reach the Temporal server at ${address} (${connectionProblem(error)}): ${hint}`);
  }
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    out.info(`${signal}: stopping the worker; in-flight activities get up to ${settings.shutdownGraceTime} to finish…`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    let worker;
    try {
      worker = await createPipelineWorker({ connection, namespace, deps: defaultDeps(env), settings });
    } catch (error) {
      throw new Error(`cannot start the worker on ${address} (namespace ${namespace}): ${(error as Error).message.split('\n')[0]}`);
    }
    out.info(
      `Worker polling task queue ${TASK_QUEUE} on ${address} (namespace ${namespace}): ` +
        `${settings.maxConcurrentActivityTaskExecutions} activities, ${settings.maxConcurrentLocalActivityExecutions} local activities, ` +
        `${settings.maxConcurrentWorkflowTaskExecutions} workflow tasks at once; Ctrl-C or SIGTERM stops it`,
    );
    try {
      await worker.run();
    } catch (error) {
      throw new Error(`the worker stopped: ${(error as Error).message.split('\n')[0]} (${address}, namespace ${namespace})`);
    }
    out.info('Worker stopped');
    return EXIT.OK;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await connection.close().catch(() => undefined);
  }
}
