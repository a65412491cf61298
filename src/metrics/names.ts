/**
 * Every metric volt-agent exports, in one table: name, kind, unit, help text and the label values
 * it may carry. Labels are low-cardinality by construction (never a run id, a person or an entity):
 * each label's values are listed here, and the recorders (src/metrics/activity.ts, workflow.ts)
 * accept only those. The SDK adds `namespace`, `taskQueue` and `workflowType`/`activityType`.
 *
 * Names follow the SDK's Prometheus exporter: counters have no `_total` suffix, durations are in
 * milliseconds and histograms carry no unit suffix (`volt_run_duration_bucket`, `_sum`, `_count`).
 * This module is imported by workflow code: no Node APIs here.
 */

export const RUN_TRIGGERS = ['manual', 'schedule'] as const;
export const RUN_OUTCOMES = ['completed', 'failed', 'cancelled'] as const;
export const METRIC_APIS = ['toggl', 'fibery', 'openai', 'anthropic', 'slack', 'smtp'] as const;
export const STATUS_CLASSES = ['2xx', '4xx', '429', '402', '5xx', 'network'] as const;
/** Why a request waited: its token's pacing budget, a server's Retry-After, backoff after a failure, a used-up quota. */
export const WAIT_REASONS = ['pacing', 'retry_after', 'backoff', 'quota'] as const;
export const DELIVERY_OUTCOMES = ['sent', 'failed', 'skipped'] as const;
export const TOKEN_DIRECTIONS = ['input', 'output'] as const;
export const ENRICH_OUTCOMES = ['found', 'not_found'] as const;

/** A label whose values are not a closed list but still few (schedule ids, channel names, providers). */
const OPEN = null;

export interface MetricDefinition {
  name: string;
  kind: 'counter' | 'histogram' | 'gauge';
  valueType: 'int' | 'float';
  unit?: string;
  help: string;
  /** Label name → its values (null: a few values not known in advance, e.g. schedule ids). */
  labels: Readonly<Record<string, readonly string[] | null>>;
  /** Histogram bucket bounds (the SDK's defaults suit milliseconds of a request, not of a run). */
  buckets?: readonly number[];
}

const MINUTE = 60_000;

export const METRICS = {
  runs: {
    name: 'volt_runs',
    kind: 'counter',
    valueType: 'int',
    help: 'Pipeline runs that ended, by what started them and how they ended',
    labels: { trigger: RUN_TRIGGERS, outcome: RUN_OUTCOMES },
  },
  runDuration: {
    name: 'volt_run_duration',
    kind: 'histogram',
    valueType: 'int',
    unit: 'ms',
    help: 'How long a pipeline run took, from its workflow start to its end, in milliseconds',
    labels: { trigger: RUN_TRIGGERS, outcome: RUN_OUTCOMES },
    buckets: [10_000, 30_000, MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 30 * MINUTE, 60 * MINUTE, 180 * MINUTE, 720 * MINUTE, 2880 * MINUTE],
  },
  lastSuccess: {
    name: 'volt_run_last_success_timestamp_seconds',
    kind: 'gauge',
    valueType: 'float',
    help: 'When the newest completed run of a schedule ended (Unix seconds); period is the schedule\'s --period',
    labels: { schedule: OPEN, period: OPEN },
  },
  apiRequests: {
    name: 'volt_api_requests',
    kind: 'counter',
    valueType: 'int',
    help: 'HTTP requests sent to each API (every attempt, retries included), by the class of the answer',
    labels: { api: METRIC_APIS, status_class: STATUS_CLASSES },
  },
  apiWait: {
    name: 'volt_api_wait',
    kind: 'histogram',
    valueType: 'int',
    unit: 'ms',
    help: 'Time a request waited before it was sent: pacing, Retry-After, backoff or a used-up quota, in milliseconds',
    labels: { api: METRIC_APIS, reason: WAIT_REASONS },
    buckets: [10, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, MINUTE, 5 * MINUTE, 15 * MINUTE, 60 * MINUTE],
  },
  deliveries: {
    name: 'volt_deliveries',
    kind: 'counter',
    valueType: 'int',
    help: 'Deliveries per channel and outcome: digests and failed-run notices',
    labels: { channel: OPEN, outcome: DELIVERY_OUTCOMES },
  },
  llmTokens: {
    name: 'volt_llm_tokens',
    kind: 'counter',
    valueType: 'int',
    help: 'LLM tokens the providers reported, by provider and direction',
    labels: { provider: OPEN, direction: TOKEN_DIRECTIONS },
  },
  entriesFetched: {
    name: 'volt_entries_fetched',
    kind: 'counter',
    valueType: 'int',
    help: 'Toggl time entries fetched (rows of the detailed report)',
    labels: {},
  },
  entitiesEnriched: {
    name: 'volt_entities_enriched',
    kind: 'counter',
    valueType: 'int',
    help: 'Fibery entities looked up, by whether Fibery had them',
    labels: { outcome: ENRICH_OUTCOMES },
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricKey = keyof typeof METRICS;

/** The labels a metric takes, each typed by its list of values (a `string` where the list is open). */
export type LabelsOf<K extends MetricKey> = {
  [L in keyof (typeof METRICS)[K]['labels']]: (typeof METRICS)[K]['labels'][L] extends readonly (infer V extends string)[] ? V : string;
};

/** Every name exported, for the dashboard and alert checks. */
export const METRIC_NAMES: readonly string[] = Object.values(METRICS).map((m) => m.name);

/** An HTTP answer's `status_class`: 429 and 402 on their own (throttling and quota), else the hundred. 0 is no answer. */
export function statusClass(status: number): (typeof STATUS_CLASSES)[number] {
  if (status === 0) return 'network';
  if (status === 429) return '429';
  if (status === 402) return '402';
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  return '2xx';
}

/** `Toggl`, `Fibery`, `OpenAI`… as the clients name them → the `api` label, or null for an API not in the table. */
export function metricApi(name: string): (typeof METRIC_APIS)[number] | null {
  const key = name.toLowerCase().split(/\s+/)[0] ?? '';
  return (METRIC_APIS as readonly string[]).includes(key) ? (key as (typeof METRIC_APIS)[number]) : null;
}
