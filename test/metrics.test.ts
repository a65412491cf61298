/**
 * The metric table, its labels, the recorders, and the dashboard and alert rules read against it
 * (fast: no server). test/monitoring.test.ts runs them against a real Prometheus.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MockActivityEnvironment } from '@temporalio/testing';
import { METRICS, METRIC_NAMES, metricApi, statusClass } from '../src/metrics/names.js';
import { countApiRequest, countDelivery, countEntitiesEnriched, countLlmTokens, recordApiWait } from '../src/metrics/activity.js';
import { metricsTelemetry, precreateRunSeries, seedLastSuccess } from '../src/metrics/exporter.js';
import { parseMetricsAddress } from '../src/metrics/address.js';
import { SCHEDULE_PERIODS } from '../src/workflows/contract.js';
import { alertRules, dashboardTargets, metricNamesIn, recordingMeter, SDK_METRICS_USED } from './support/monitoring.js';

test('the table: volt_ names, each once, no _total, histograms in ms with buckets', () => {
  assert.equal(new Set(METRIC_NAMES).size, METRIC_NAMES.length);
  assert.deepEqual([...METRIC_NAMES].sort(), [
    'volt_api_requests',
    'volt_api_wait',
    'volt_deliveries',
    'volt_entities_enriched',
    'volt_entries_fetched',
    'volt_llm_tokens',
    'volt_run_duration',
    'volt_run_last_success_timestamp_seconds',
    'volt_runs',
  ]);
  for (const def of Object.values(METRICS)) {
    assert.doesNotMatch(def.name, /_total$/);
    if (def.kind === 'histogram') {
      assert.equal('unit' in def && def.unit, 'ms', def.name);
      assert.ok('buckets' in def && def.buckets.length > 3, def.name);
    }
  }
  assert.deepEqual(METRICS.runs.labels, { trigger: ['manual', 'schedule'], outcome: ['completed', 'failed', 'cancelled'] });
  assert.deepEqual(METRICS.apiRequests.labels.api, ['toggl', 'fibery', 'openai', 'anthropic', 'slack', 'smtp']);
  assert.deepEqual(METRICS.apiRequests.labels.status_class, ['2xx', '4xx', '429', '402', '5xx', 'network']);
});

test('labels are low-cardinality: never a run, a person or an entity', () => {
  for (const def of Object.values(METRICS)) {
    for (const label of Object.keys(def.labels)) assert.doesNotMatch(label, /run|user|person|email|entity|id$/, `${def.name}{${label}}`);
  }
});

test('status classes and API names', () => {
  assert.deepEqual([200, 204, 301, 400, 401, 404, 402, 429, 500, 503, 529, 0].map(statusClass), ['2xx', '2xx', '2xx', '4xx', '4xx', '4xx', '402', '429', '5xx', '5xx', '5xx', 'network']);
  assert.deepEqual(['Toggl', 'Fibery', 'Slack', 'openai', 'anthropic', 'smtp', 'Something'].map(metricApi), ['toggl', 'fibery', 'slack', 'openai', 'anthropic', 'smtp', null]);
});

test('metrics address: HOST:PORT only', () => {
  assert.deepEqual(parseMetricsAddress('0.0.0.0:9464'), { host: '0.0.0.0', port: 9464 });
  assert.deepEqual(parseMetricsAddress('[::1]:9464'), { host: '::1', port: 9464 });
  assert.deepEqual(parseMetricsAddress('localhost:1'), { host: 'localhost', port: 1 });
  for (const bad of ['9464', ':9464', 'host:', 'host:70000', 'http://host:9464', 'a b:1']) assert.equal(parseMetricsAddress(bad), null, bad);
  const telemetry = metricsTelemetry('127.0.0.1:9464');
  assert.ok(telemetry.metrics && 'prometheus' in telemetry.metrics);
  assert.equal(telemetry.metrics.prometheus.bindAddress, '127.0.0.1:9464');
  assert.deepEqual(Object.keys(telemetry.metrics.prometheus.histogramBucketOverrides ?? {}).sort(), ['volt_api_wait', 'volt_run_duration']);
  assert.equal(telemetry.metrics.prometheus.countersTotalSuffix, undefined, "the SDK's default: no _total, as its dashboards expect");
});

test('the recorders write through the activity meter; outside an activity they do nothing', async () => {
  const meter = recordingMeter();
  const env = new MockActivityEnvironment({ activityType: 'fetch_toggl_page' }, { metricMeter: meter });
  await env.run(async () => {
    countApiRequest('Toggl', 200);
    countApiRequest('Toggl', 429);
    countApiRequest('Fibery', 0);
    countApiRequest('Unknown API', 200);
    recordApiWait('Toggl', 'pacing', 12.6);
    recordApiWait('Toggl', 'pacing', 0);
    countDelivery('slack', 'sent');
    countLlmTokens('openai', 120, 30);
    countEntitiesEnriched(3, 0);
  });
  countApiRequest('Toggl', 200);
  const points = meter.points.map((p) => ({ name: p.name, value: p.value, labels: Object.fromEntries(Object.entries(p.tags).filter(([k]) => !['namespace', 'taskQueue', 'activityType'].includes(k))) }));
  assert.deepEqual(points, [
    { name: 'volt_api_requests', value: 1, labels: { api: 'toggl', status_class: '2xx' } },
    { name: 'volt_api_requests', value: 1, labels: { api: 'toggl', status_class: '429' } },
    { name: 'volt_api_requests', value: 1, labels: { api: 'fibery', status_class: 'network' } },
    { name: 'volt_api_wait', value: 13, labels: { api: 'toggl', reason: 'pacing' } },
    { name: 'volt_deliveries', value: 1, labels: { channel: 'slack', outcome: 'sent' } },
    { name: 'volt_llm_tokens', value: 120, labels: { provider: 'openai', direction: 'input' } },
    { name: 'volt_llm_tokens', value: 30, labels: { provider: 'openai', direction: 'output' } },
    { name: 'volt_entities_enriched', value: 3, labels: { outcome: 'found' } },
  ]);
  assert.equal(meter.points[0]!.tags.activityType, 'fetch_toggl_page', 'the SDK tags the activity');
});

test('every volt_runs combination is created at 0 with the tags the workflow meter adds; schedules are seeded', () => {
  const meter = recordingMeter();
  precreateRunSeries(meter, 'default', 'volt-agent-pipeline');
  assert.equal(meter.points.length, 6);
  assert.ok(meter.points.every((p) => p.name === 'volt_runs' && p.value === 0 && p.tags.workflowType === 'TogglFiberyPipeline' && p.tags.taskQueue === 'volt-agent-pipeline'));
  assert.deepEqual(new Set(meter.points.map((p) => `${p.tags.trigger}/${p.tags.outcome}`)).size, 6);
  const seeds = recordingMeter();
  seedLastSuccess(seeds, 'default', [{ labels: { schedule: 'weekly', period: 'previous-week' }, taskQueue: 'volt-agent-pipeline', at: 1_700_000_000_500 }]);
  assert.deepEqual(seeds.points.map((p) => [p.name, p.value, p.tags.schedule, p.tags.workflowType]), [['volt_run_last_success_timestamp_seconds', 1_700_000_000.5, 'weekly', 'ScheduledReport']]);
});

test('the dashboard and the alert rules name only metrics the worker exports', async () => {
  const exported = new Set([
    ...Object.values(METRICS).flatMap((m) => (m.kind === 'histogram' ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name])),
    ...SDK_METRICS_USED.flatMap((n) => (/latency$/.test(n) ? [`${n}_bucket`] : [n])),
  ]);
  const targets = await dashboardTargets();
  assert.ok(targets.length >= 20);
  const seen = new Set<string>();
  for (const { panel, expr } of [...targets.map((t) => ({ panel: t.panel, expr: t.expr })), ...(await alertRules()).map((r) => ({ panel: r.alert, expr: r.expr }))]) {
    const names = metricNamesIn(expr);
    assert.ok(names.length > 0 || /\bup\{/.test(expr), `${panel}: ${expr}`);
    for (const name of names) {
      assert.ok(exported.has(name), `${panel}: ${name} is not exported`);
      seen.add(name.replace(/_(bucket|sum|count)$/, ''));
    }
  }
  for (const name of METRIC_NAMES) assert.ok(seen.has(name), `${name} is on the dashboard or in an alert`);
  const missing = (await alertRules()).find((r) => r.alert === 'VoltScheduledRunMissing')!;
  for (const period of SCHEDULE_PERIODS) assert.match(missing.expr, new RegExp(`period=~"[^"]*\\b${period}\\b`), `the missing-run alert knows ${period}`);
  const alerts = (await alertRules()).map((r) => r.alert).sort();
  assert.deepEqual(alerts, ['VoltApiThrottled', 'VoltDeliveryFailed', 'VoltNoPollers', 'VoltRunFailed', 'VoltScheduledRunMissing', 'VoltTaskBacklog', 'VoltWorkerDown']);
});
