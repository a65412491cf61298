/**
 * volt-agent's own metrics from activity code, through the activity's `metricMeter` (the SDK tags
 * each point with the namespace, task queue and activity type). Outside an activity (a command
 * sending a request itself) and on a worker without metrics, recording does nothing.
 */
import { Context } from '@temporalio/activity';
import { noopMetricMeter, type MetricMeter } from '@temporalio/common';
import { METRICS, metricApi, statusClass, type LabelsOf, type MetricKey } from './names.js';

function meter(): MetricMeter {
  try {
    return Context.current().metricMeter;
  } catch {
    return noopMetricMeter;
  }
}

function add<K extends MetricKey>(key: K, value: number, labels: LabelsOf<K>): void {
  if (value <= 0) return;
  const def = METRICS[key];
  meter().createCounter(def.name, undefined, def.help).add(value, labels);
}

function record<K extends MetricKey>(key: K, value: number, labels: LabelsOf<K>): void {
  const def = METRICS[key];
  meter().createHistogram(def.name, def.valueType, 'unit' in def ? def.unit : undefined, def.help).record(Math.max(0, Math.round(value)), labels);
}

/** One HTTP attempt to `api` (as the clients name it: "Toggl", "Fibery", "Slack"…) and its status, 0 for no answer. */
export function countApiRequest(api: string, status: number): void {
  const name = metricApi(api);
  if (name) add('apiRequests', 1, { api: name, status_class: statusClass(status) });
}

/** A wait before a request to `api`. */
export function recordApiWait(api: string, reason: LabelsOf<'apiWait'>['reason'], ms: number): void {
  const name = metricApi(api);
  if (name && ms > 0) record('apiWait', ms, { api: name, reason });
}

export function countDelivery(channel: string, outcome: LabelsOf<'deliveries'>['outcome']): void {
  add('deliveries', 1, { channel, outcome });
}

export function countLlmTokens(provider: string, input: number | null | undefined, output: number | null | undefined): void {
  add('llmTokens', input ?? 0, { provider, direction: 'input' });
  add('llmTokens', output ?? 0, { provider, direction: 'output' });
}

export function countEntriesFetched(count: number): void {
  add('entriesFetched', count, {});
}

export function countEntitiesEnriched(found: number, notFound: number): void {
  add('entitiesEnriched', found, { outcome: 'found' });
  add('entitiesEnriched', notFound, { outcome: 'not_found' });
}
