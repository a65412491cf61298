/** `volt-agent worker`: the separate worker process of the production topology (spec 7.2, 8.3). */
import type { Env, WorkerEnvSettings } from '../../config/env.js';
import { EnvironmentError, ValidationError } from '../../errors.js';
import type { NativeConnection } from '@temporalio/worker';
import { API_BUDGETS, API_NAMES, apiQueue, rateKey, type ApiBudget, type ApiName, type ApiRates } from '../../http/budgets.js';
import { providerList } from '../../llm/providers/index.js';
import { parseMetricsAddress } from '../../metrics/address.js';
import type { TemporalConnectionSettings } from '../../temporal/connection.js';
import { defineCommand } from '../define-command.js';
import { EXIT, type Output } from '../output.js';
import { wholeNumber } from '../shared-options.js';

export const worker = defineCommand({
  name: 'worker',
  description: 'Run the Temporal worker of the pipeline against your Temporal server (TEMPORAL_ADDRESS or a profile) until SIGINT/SIGTERM.',
  options: (command) =>
    command
      .option('--max-concurrent-activities <n>', 'activity tasks at once (default 10)', wholeNumber('--max-concurrent-activities', 1))
      .option('--max-concurrent-local-activities <n>', 'local activities at once (default 10)', wholeNumber('--max-concurrent-local-activities', 1))
      .option('--max-concurrent-workflow-tasks <n>', 'workflow tasks at once (default 2; 1 turns the workflow cache off)', wholeNumber('--max-concurrent-workflow-tasks', 1))
      .option('--shutdown-grace <seconds>', 'on SIGINT/SIGTERM, how long in-flight activities may take to finish (default 30)', wholeNumber('--shutdown-grace', 0))
      .option('--metrics-address <host:port>', 'serve Prometheus metrics at http://HOST:PORT/metrics (default: none; or VOLT_METRICS_ADDRESS)', metricsAddress),
  examples: [
    { command: 'TEMPORAL_ADDRESS=localhost:7233 volt-agent worker' },
    { command: 'TEMPORAL_ADDRESS=temporal.internal:7233 TEMPORAL_NAMESPACE=reports volt-agent worker --max-concurrent-activities 4' },
    { command: 'TEMPORAL_ADDRESS=localhost:7233 volt-agent worker --metrics-address 0.0.0.0:9464', note: 'the SDK\'s temporal_* metrics and volt-agent\'s volt_* ones for Prometheus (deploy/prometheus/)' },
    { command: 'TEMPORAL_PROFILE=cloud volt-agent worker', note: 'a profile of ~/.config/temporalio/temporal.toml (Temporal Cloud: address, namespace, API key or mTLS)' },
  ],
  notes: `Defaults can also come from VOLT_WORKER_MAX_CONCURRENT_ACTIVITIES, VOLT_WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES,
VOLT_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS, VOLT_WORKER_SHUTDOWN_GRACE_SECONDS and VOLT_METRICS_ADDRESS.
VOLT_LOG_FORMAT=json writes the worker's log as one JSON object per line.
The worker reads the tokens (TOGGL_*, FIBERY_*, ${providerList().map((p) => `${p.envPrefix}*`).join('/')}) from its own environment or .env.
Connection: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_* or TEMPORAL_PROFILE
(see README "Your own Temporal"); without any, localhost:7233.`,
  async handler(opts, ctx) {
    const env = await ctx.env();
    // Loaded here, not at the top: --help lists every command and must not load the environment's schema.
    const { observabilitySettings } = await import('../../config/env.js');
    return runWorker(
      {
        maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivities,
        maxConcurrentLocalActivityExecutions: opts.maxConcurrentLocalActivities,
        maxConcurrentWorkflowTaskExecutions: opts.maxConcurrentWorkflowTasks,
        shutdownGraceSeconds: opts.shutdownGrace,
      },
      opts.metricsAddress ?? observabilitySettings(env).metricsAddress,
      env,
      ctx.out,
    );
  },
});

function metricsAddress(value: string): string {
  if (!parseMetricsAddress(value)) throw new ValidationError(`--metrics-address "${value}" is not HOST:PORT: use e.g. 0.0.0.0:9464 or 127.0.0.1:9464`);
  return value;
}

/** A worker without tokens starts (it may serve other runs later), but says what its runs will miss. */
async function warnAboutCredentials(env: Env, out: Output): Promise<void> {
  const { fiberySettings, togglSettings } = await import('../../config/env.js');
  for (const check of [togglSettings, fiberySettings]) {
    try {
      check(env);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      for (const line of error.message.split('\n')) out.info(`Warning: ${line.split(':')[0]}: runs on this worker will fail until it is set`);
    }
  }
}

/**
 * The API budgets are shared through the budget workflow on any server. A cap set with
 * VOLT_WORKER_*_REQUESTS_PER_SECOND is the server's own queue rate, which it splits across a queue's
 * partitions: with such a cap, a server that partitions the API queues is named in one line.
 */
async function warnAboutPartitions(connection: NativeConnection, namespace: string, capped: ApiName[], out: Output): Promise<void> {
  if (capped.length === 0) return;
  const [{ partitionedQueues }, { TASK_QUEUE }] = await Promise.all([import('../../temporal/partitions.js'), import('../../workflows/contract.js')]);
  const split = await partitionedQueues(connection, namespace, capped.map((api) => apiQueue(TASK_QUEUE, api))).catch(() => []);
  if (split.length === 0) return;
  out.info(
    `Warning: task queue${split.length > 1 ? 's' : ''} ${split.join(', ')} ha${split.length > 1 ? 've' : 's'} several partitions on this server, which split the cap of ` +
      `${capped.map((api) => API_BUDGETS[api].workerVariable).join(' and ')}: give the API queues one partition (README "Several workers": matching.numTaskqueueReadPartitions/WritePartitions = 1) or leave the cap unset`,
  );
}

async function runWorker(flags: WorkerEnvSettings, metrics: string | null, env: Env, out: Output): Promise<number> {
  const [{ Runtime }, { defaultDeps }, { createPipelineWorker, workerSettingsFrom }, { connectNative, temporalConnectionSettings }, { TASK_QUEUE }] = await Promise.all([
    import('@temporalio/worker'),
    import('../../activities/context.js'),
    import('../../worker.js'),
    import('../../temporal/connection.js'),
    import('../../workflows/contract.js'),
  ]);
  const settings = workerSettingsFrom(env, flags);
  const connection = temporalConnectionSettings(env);
  const server = { ...connection, address: connection.address ?? 'localhost:7233' };
  const hint = connection.address
    ? `is the server running? (docker compose up -d, or temporal server start-dev; settings from ${connection.source})`
    : 'start it (docker compose up -d) or set TEMPORAL_ADDRESS';
  await warnAboutCredentials(env, out);
  // Workers that share runs share a bucket (VOLT_RUN_STORE): a wrong one is found now, not by the first run.
  const { cliStore } = await import('../runs.js');
  const store = cliStore(env, '.');
  if (store.kind === 's3') {
    await store.check();
    out.info(`Run store: ${store.location}`);
  }
  const exporter = metrics ? await import('../../metrics/exporter.js') : null;
  if (metrics && exporter) await exporter.assertPortFree(metrics);

  // The Runtime shuts the worker down on SIGINT/SIGTERM: it stops polling, lets in-flight
  // activities finish within the shutdown grace time, and hands the rest back to the server.
  // With JSON logs, the SDK's native side forwards its lines to the same logger instead of printing its own.
  const { jsonLogs } = await import('../../logging/line.js');
  const json = jsonLogs(env.raw);
  Runtime.install({
    logger: json ? await jsonLogger(env.raw) : await readableLogger(env.raw),
    shutdownSignals: ['SIGINT', 'SIGTERM', 'SIGQUIT'],
    telemetryOptions: {
      ...(metrics && exporter ? exporter.metricsTelemetry(metrics) : {}),
      ...(json ? { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } } : {}),
    },
  });
  const native = await connectNative(server, hint);
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    out.info(`${signal}: stopping the worker; in-flight activities get up to ${settings.shutdownGraceTime} to finish…`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const where = `${server.address}, namespace ${server.namespace}`;
  try {
    const { apiRates } = await import('../../config/env.js');
    const rates = apiRates(env);
    const pipelineWorker = await createPipelineWorker({ connection: native, namespace: server.namespace, deps: defaultDeps(env.raw), settings, rates }).catch((error: unknown) => {
      throw new EnvironmentError(`cannot start the worker on ${where}: ${(error as Error).message.split('\n')[0]}`, { cause: error });
    });
    if (metrics) {
      await startMetrics(server, hint, TASK_QUEUE, env, out);
      out.info(`Metrics at http://${metrics}/metrics`);
    }
    out.info(
      `Worker polling task queue ${TASK_QUEUE} on ${server.address} (namespace ${server.namespace}): ` +
        `${settings.maxConcurrentActivityTaskExecutions} activities, ${settings.maxConcurrentLocalActivityExecutions} local activities, ` +
        `${settings.maxConcurrentWorkflowTaskExecutions} workflow tasks at once; ` +
        `API budgets shared by all workers (${budgetLine(rates)}); Ctrl-C or SIGTERM stops it`,
    );
    const running = pipelineWorker.run();
    void warnAboutPartitions(native, server.namespace, API_NAMES.filter((api) => rates[rateKey(api)] !== undefined), out);
    await running.catch((error: unknown) => {
      throw new EnvironmentError(`the worker stopped: ${(error as Error).message.split('\n')[0]} (${where})`, { cause: error });
    });
    out.info('Worker stopped');
    return EXIT.OK;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await native.close().catch(() => undefined);
  }
}

/** "Toggl 1/s per token, Fibery 3/s per token and 7/s per workspace", and any cap on an API queue. */
function budgetLine(rates: Partial<ApiRates>): string {
  return API_NAMES.map((api) => {
    const { label, perToken, perWorkspace } = API_BUDGETS[api] as ApiBudget;
    const cap = rates[rateKey(api)];
    return `${label} ${perToken}/s per token${perWorkspace === null ? '' : ` and ${perWorkspace}/s per workspace`}${cap === undefined ? '' : `, at most ${cap} activities/s on its queue`}`;
  }).join(', ');
}

/** The default log, from WARN up, with the environment's secrets removed as in the JSON log. */
async function readableLogger(raw: NodeJS.ProcessEnv) {
  const [{ textLogger }, { logRedactor }] = await Promise.all([import('../../logging/text-logger.js'), import('../../logging/redaction.js')]);
  return textLogger('WARN', logRedactor(raw).redact);
}

/** VOLT_LOG_FORMAT=json: the SDK's log (and every workflow's and activity's) as JSON lines, from INFO up. */
async function jsonLogger(raw: NodeJS.ProcessEnv) {
  const [{ JsonLogger }, { logRedactor }] = await Promise.all([import('../../logging/json-logger.js'), import('../../logging/redaction.js')]);
  return new JsonLogger('INFO', logRedactor(raw).redact);
}

/**
 * The series that must exist before anything happens: every volt_runs combination at 0, and each
 * schedule's last success from its run files. A server that cannot list schedules costs the seeds,
 * not the worker.
 */
async function startMetrics(server: TemporalConnectionSettings & { address: string }, hint: string, taskQueue: string, env: Env, out: Output): Promise<void> {
  const [{ Runtime }, { precreateRunSeries, seedLastSuccess }, { lastSuccesses }, { connectClient, newClient }, { cliStore }] = await Promise.all([
    import('@temporalio/worker'),
    import('../../metrics/exporter.js'),
    import('../../metrics/seed.js'),
    import('../../temporal/connection.js'),
    import('../runs.js'),
  ]);
  const meter = Runtime.instance().metricMeter;
  precreateRunSeries(meter, server.namespace, taskQueue);
  try {
    const connection = await connectClient(server, hint);
    try {
      seedLastSuccess(meter, server.namespace, await lastSuccesses(await newClient(connection, server.namespace), taskQueue, (dir) => cliStore(env, dir)));
    } finally {
      await connection.close();
    }
  } catch (error) {
    out.info(`Warning: cannot read the schedules' last successful runs: ${(error as Error).message.split('\n')[0]}`);
  }
}
