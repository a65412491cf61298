/**
 * The worker's Prometheus endpoint: the SDK's own exporter (`Runtime.install({ telemetryOptions })`),
 * which serves every `temporal_*` metric of the SDK and volt-agent's own at `/metrics`. Off unless
 * `volt-agent worker --metrics-address` (or VOLT_METRICS_ADDRESS) asks for it.
 */
import net from 'node:net';
import type { MetricMeter } from '@temporalio/common';
import type { TelemetryOptions } from '@temporalio/worker';
import { EnvironmentError } from '../errors.js';
import { parseMetricsAddress } from './address.js';
import { METRICS, RUN_OUTCOMES, RUN_TRIGGERS, type LabelsOf } from './names.js';
import { WORKFLOW_TYPE, SCHEDULED_WORKFLOW_TYPE } from '../workflows/contract.js';

/** What Runtime.install needs to serve the metrics at `address`. */
export function metricsTelemetry(address: string): TelemetryOptions {
  const histogramBucketOverrides: Record<string, number[]> = {};
  for (const def of Object.values(METRICS)) if ('buckets' in def) histogramBucketOverrides[def.name] = [...def.buckets];
  return { metrics: { prometheus: { bindAddress: address, histogramBucketOverrides } } };
}

/**
 * The SDK binds the port inside its native runtime and gives no readable error for a port that is
 * taken: try it here first, so that is one line (exit code 3).
 */
export async function assertPortFree(address: string): Promise<void> {
  const parsed = parseMetricsAddress(address);
  if (!parsed) throw new EnvironmentError(`the metrics address "${address}" is not HOST:PORT`);
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? 'the port is already in use' : error.code === 'EADDRNOTAVAIL' ? 'no interface has that address' : error.message;
      reject(new EnvironmentError(`cannot serve metrics on ${address}: ${why} (choose another --metrics-address or VOLT_METRICS_ADDRESS)`));
    });
    server.listen(parsed.port, parsed.host, () => server.close(() => resolve()));
  });
}

/**
 * Every `volt_runs` combination at 0 for the runs this worker's workflows record, with the tags the
 * workflow meter adds: an `increase()` alert misses the first failure of a series that did not exist.
 */
export function precreateRunSeries(meter: MetricMeter, namespace: string, taskQueue: string): void {
  const runs = meter.withTags({ namespace, taskQueue, workflowType: WORKFLOW_TYPE }).createCounter(METRICS.runs.name, undefined, METRICS.runs.help);
  for (const trigger of RUN_TRIGGERS) for (const outcome of RUN_OUTCOMES) runs.add(0, { trigger, outcome });
}

export interface LastSuccess {
  labels: LabelsOf<'lastSuccess'>;
  taskQueue: string;
  /** Unix ms. */
  at: number;
}

/** The last-success gauge of each schedule, as the ScheduledReport workflow sets it, from what the run files say. */
export function seedLastSuccess(meter: MetricMeter, namespace: string, seeds: readonly LastSuccess[]): void {
  for (const seed of seeds) {
    meter
      .withTags({ namespace, taskQueue: seed.taskQueue, workflowType: SCHEDULED_WORKFLOW_TYPE })
      .createGauge(METRICS.lastSuccess.name, METRICS.lastSuccess.valueType, undefined, METRICS.lastSuccess.help)
      .set(seed.at / 1000, seed.labels);
  }
}
