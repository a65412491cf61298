/** What the metrics tests share: the metric names an expression uses, and a meter that records. */
import { readFile } from 'node:fs/promises';
import type { MetricCounter, MetricGauge, MetricHistogram, MetricMeter, MetricTags } from '@temporalio/common';
import { parse } from 'yaml';

export interface Point {
  name: string;
  kind: 'counter' | 'histogram' | 'gauge';
  value: number;
  tags: MetricTags;
}

/** A MetricMeter that keeps every point it is given (tags composed as the SDK composes them). */
export function recordingMeter(points: Point[] = [], base: MetricTags = {}): MetricMeter & { points: Point[] } {
  const metric = <K extends Point['kind']>(kind: K, name: string, tags: MetricTags) => ({
    name,
    kind,
    valueType: 'int' as const,
    withTags: (more: MetricTags) => metric(kind, name, { ...tags, ...more }),
    add: (value: number, extra: MetricTags = {}) => points.push({ name, kind, value, tags: { ...tags, ...extra } }),
    record: (value: number, extra: MetricTags = {}) => points.push({ name, kind, value, tags: { ...tags, ...extra } }),
    set: (value: number, extra: MetricTags = {}) => points.push({ name, kind, value, tags: { ...tags, ...extra } }),
  });
  return {
    points,
    createCounter: (name) => metric('counter', name, base) as unknown as MetricCounter,
    createHistogram: (name) => metric('histogram', name, base) as unknown as MetricHistogram,
    createGauge: (name) => metric('gauge', name, base) as unknown as MetricGauge,
    withTags: (tags) => recordingMeter(points, { ...base, ...tags }),
  };
}

/** The metric names a PromQL expression reads (label values in strings left out; `up` is Prometheus' own). */
export function metricNamesIn(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return [...new Set([...withoutStrings.matchAll(/\b(volt_[a-z0-9_]+|temporal_[a-z0-9_]+)\b/g)].map((m) => m[1]!))];
}

export interface DashboardTarget {
  panel: string;
  expr: string;
}

export async function dashboardTargets(): Promise<DashboardTarget[]> {
  const dashboard = JSON.parse(await readFile('deploy/grafana/volt-agent.json', 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
  return dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((t) => ({ panel: panel.title, expr: t.expr })));
}

export interface AlertRule {
  alert: string;
  expr: string;
}

export async function alertRules(): Promise<AlertRule[]> {
  const rules = parse(await readFile('deploy/prometheus/alerts.yml', 'utf8')) as { groups: { rules: AlertRule[] }[] };
  return rules.groups.flatMap((g) => g.rules);
}

/** Grafana's variables, as a query would have them on a 1-hour view: what Prometheus can evaluate. */
export function withGrafanaVariables(expr: string): string {
  return expr.replace(/\$__rate_interval|\$__interval/g, '1m').replace(/\$__range/g, '1h').replace(/=~"\$[a-z_]+"/g, '=~".*"');
}

/** The SDK metrics the dashboard and the alerts use; test/monitoring.test.ts checks each against a real scrape. */
export const SDK_METRICS_USED = [
  'temporal_workflow_completed',
  'temporal_workflow_failed',
  'temporal_num_pollers',
  'temporal_workflow_task_schedule_to_start_latency',
  'temporal_activity_schedule_to_start_latency',
  'temporal_activity_execution_latency',
  'temporal_activity_execution_failed',
  'temporal_worker_task_slots_available',
  'temporal_sticky_cache_size',
  'temporal_request',
  'temporal_long_request_latency',
  'temporal_worker_start',
] as const;
