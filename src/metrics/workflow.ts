/**
 * volt-agent's run metrics from workflow code, through the workflow's `metricMeter` (tagged by the
 * SDK with namespace, task queue and workflow type; never recorded again while a history replays).
 * src/metrics/exporter.ts creates the same series at 0 when a worker starts.
 */
import { metricMeter } from '@temporalio/workflow';
import { METRICS, type LabelsOf } from './names.js';

/** A run that ended: counted once, and its duration recorded. */
export function recordRunEnd(labels: LabelsOf<'runs'>, durationMs: number): void {
  metricMeter.createCounter(METRICS.runs.name, undefined, METRICS.runs.help).add(1, labels);
  metricMeter
    .createHistogram(METRICS.runDuration.name, METRICS.runDuration.valueType, METRICS.runDuration.unit, METRICS.runDuration.help)
    .record(Math.max(0, Math.round(durationMs)), labels);
}

/** The Toggl fetch waited `ms` on a workflow timer for its quota (the activities' waits are recorded where they happen). */
export function recordQuotaWait(ms: number): void {
  metricMeter
    .createHistogram(METRICS.apiWait.name, METRICS.apiWait.valueType, METRICS.apiWait.unit, METRICS.apiWait.help)
    .record(Math.max(0, Math.round(ms)), { api: 'toggl', reason: 'quota' } satisfies LabelsOf<'apiWait'>);
}

/** A schedule's run completed at `atMs` (workflow time). */
export function recordScheduleSuccess(labels: LabelsOf<'lastSuccess'>, atMs: number): void {
  metricMeter.createGauge(METRICS.lastSuccess.name, METRICS.lastSuccess.valueType, undefined, METRICS.lastSuccess.help).set(atMs / 1000, labels);
}
