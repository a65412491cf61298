/**
 * The run contract: every name that crosses the seam between the CLI, the workflow, its
 * activities, the progress display and the tests is defined here, once. Imported by workflow code,
 * so it holds only plain data, types and `defineQuery` (which is safe on the client side too).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Rate } from '../http/slots.js';
import { slugify } from '../storage/slug.js';
// A type only: the registry's values do I/O and stay out of the workflow bundle.
import type { ChannelName } from '../delivery/channels/index.js';

export const TASK_QUEUE = 'volt-agent-pipeline';
export const WORKFLOW_TYPE = 'TogglFiberyPipeline';
/** What a Temporal Schedule starts: it works out the period from its slot, then runs the pipeline. */
export const SCHEDULED_WORKFLOW_TYPE = 'ScheduledReport';
/** `volt-agent deliver`: a finished run's digest sent again, by a worker (where the secrets are). */
export const DELIVER_WORKFLOW_TYPE = 'DeliverReports';
/** One API budget that every worker on a task queue spends together (src/workflows/api-budget.ts). */
export const API_BUDGET_WORKFLOW_TYPE = 'ApiBudget';
export { PIPELINE_VERSION } from './pipeline-version.js';

export const STAGE_NAMES = ['toggl', 'fibery'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

/**
 * The ordered steps of a run; `weight` is its share of the progress bar. How each is run (local,
 * regular, a window of many) is the workflow's business (src/workflows/pipeline.ts), said once there.
 */
export const STEPS = [
  { name: 'cleanup_toggl_stage', stage: 'toggl', weight: 1, label: 'Cleaning up the Toggl stage' },
  { name: 'fetch_toggl_data', stage: 'toggl', weight: 12, label: 'Fetching Toggl time entries' },
  { name: 'aggregate_toggl_data', stage: 'toggl', weight: 2, label: 'Aggregating Toggl data' },
  { name: 'generate_toggl_report', stage: 'toggl', weight: 6, label: 'Writing the Toggl summary' },
  { name: 'cleanup_fibery_stage', stage: 'fibery', weight: 1, label: 'Cleaning up the Fibery stage' },
  { name: 'extract_fibery_entities', stage: 'fibery', weight: 1, label: 'Extracting Fibery entities' },
  { name: 'enrich_entities_by_type', stage: 'fibery', weight: 40, label: 'Enriching entities by type' },
  { name: 'generate_person_reports', stage: 'fibery', weight: 25, label: 'Writing person reports' },
  { name: 'save_enriched_data', stage: 'fibery', weight: 2, label: 'Saving enriched data' },
  { name: 'generate_team_report', stage: 'fibery', weight: 10, label: 'Writing the team report' },
  // Only when the run asks for deliveries; a failed delivery is recorded, not a failed run.
  { name: 'deliver_reports', stage: 'fibery', weight: 2, label: 'Delivering the digest' },
] as const satisfies readonly { name: string; stage: StageName; weight: number; label: string }[];

export type Step = (typeof STEPS)[number];
export type StepName = Step['name'];

/** The step names as values (`STEP.fetch_toggl_data`), so no code spells one out again. */
export const STEP = Object.fromEntries(STEPS.map((s) => [s.name, s.name])) as { readonly [K in StepName]: K };

/** A Fibery `Database/Type` as configuration, enrichment results and reports name it: `Scrum/Task`. */
export type TypeKey = `${string}/${string}`;

export function typeKey(database: string, type: string): TypeKey {
  return `${database}/${type}`;
}

/** How reports show a type: `Scrum / Task`; an entity with neither tag: `(no database/type)`. */
export function typeLabel(database: string | null | undefined, type: string | null | undefined): string {
  if (!database && !type) return '(no database/type)';
  return typeKey(database ?? '?', type ?? '?').replace('/', ' / ');
}

/** A type in the run's file names: `Scrum/Sub-task` → `scrum_sub_task`. */
export function typeSlug(database: string, type: string): string {
  return slugify(typeKey(database, type));
}

/** How an entity is keyed everywhere (enrichment results, reports): `Database/Type#id`, `?` for a missing tag. */
export function entityKey(database: string | null | undefined, type: string | null | undefined, id: string): string {
  return `${typeKey(database ?? '?', type ?? '?')}#${id}`;
}

export function workflowIdFor(runId: string): string {
  return `toggl-fibery-${runId}`;
}

/** The run a workflow belongs to, from its id (the pipeline's, its Toggl fetch's, a delivery's); null for others. */
export function runIdOfWorkflowId(workflowId: string): string | null {
  return /^(?:toggl-fibery|deliver)-(run_[A-Za-z0-9_.-]+?)(?:-toggl-fetch|-\d{13})?$/.exec(workflowId)?.[1] ?? null;
}

/** `run_YYYY-MM-DD-HH-MM-SS` in UTC. */
export function runIdFor(date: Date): string {
  const iso = date.toISOString(); // 2025-10-10T15:30:45.123Z
  return `run_${iso.slice(0, 10)}-${iso.slice(11, 13)}-${iso.slice(14, 16)}-${iso.slice(17, 19)}`;
}

/** A channel of src/delivery/channels/ (checked by whoever starts a workflow, and by the `deliver_report` activity). */
export type DeliveryChannel = ChannelName;

/** The periods a schedule can report on, each worked out from the slot's time in the schedule's timezone. */
export const SCHEDULE_PERIODS = ['previous-week', 'previous-month', 'last-7-days', 'last-30-days'] as const;
export type SchedulePeriod = (typeof SCHEDULE_PERIODS)[number];

export const COMPARE_MODES = ['previous', 'none'] as const;
export type CompareMode = (typeof COMPARE_MODES)[number];

/** Spec 2.1, plus where the run files live (resolved by the client; read by the worker). */
export interface PipelineInput {
  start_date: string;
  end_date: string;
  users?: string[] | null;
  start_from?: StageName;
  run_id?: string | null;
  /** Overrides of config/config.yaml for this run (no secrets: the schema has no place for them). */
  config?: Record<string, unknown> | null;
  output_dir: string;
  /** Also aggregate the period of equal length just before (default), or not. */
  compare?: CompareMode;
  /** With start_from 'fibery': resolve the configuration again instead of reusing the run's run_config.json. */
  reload_config?: boolean;
  /** Channels to send the digest to once the reports are written (their settings live in the worker's environment). */
  deliver?: DeliveryChannel[];
  /** How soon a lost worker's activity goes to another worker (default 15 s; at least 2). */
  heartbeat_timeout_seconds?: number;
  /** Periods of the run's length in the team report's trend, its own included (0: none; default: config.yaml periods.trend, else 6 for weekly and shorter runs). */
  trend?: number | null;
}

/** What a schedule's action carries: no dates (they come from the slot) and never a secret. */
export interface ScheduledReportInput {
  schedule_id: string;
  period: SchedulePeriod;
  /** IANA timezone the period is computed in (default UTC). */
  timezone: string;
  users: string[] | null;
  output_dir: string;
  deliver: DeliveryChannel[];
  compare?: CompareMode;
  /** Periods in each run's trend (absent: config.yaml's periods.trend, else its default). */
  trend?: number;
  /** A failed run sends a failure notice to each channel of `deliver` (default true; `--no-notify-failures`). */
  notify_failures?: boolean;
}

export interface DeliverReportsInput extends RunRef {
  channels: DeliveryChannel[];
}

export interface RunRef {
  output_dir: string;
  run_id: string;
}

export interface PipelineResult {
  run_id: string;
  run_dir: string;
  status: 'completed';
  stages_completed: StageName[];
  stats: Record<string, number>;
}

export interface TypeProgress {
  key: string;
  activity: string;
  done: number;
  total: number;
}

/** How far the Toggl fetch is, as its child workflow tells the pipeline. */
export interface TogglFetchProgress {
  pages: number;
  estimated_pages: number | null;
  entries: number;
  requests: number;
  quota_remaining: number | null;
  /** While the fetch waits for Toggl's quota to free a request: until when (epoch ms). */
  quota_wait_until: number | null;
  done: boolean;
}

export const togglFetchSignal = defineSignal<[TogglFetchProgress]>('togglFetchProgress');

export interface Progress {
  run_id: string;
  status: 'running' | 'completed' | 'failed' | 'cancelled';
  current_stage: StageName | null;
  current_activity: StepName | null;
  activity_index: number;
  activity_count: number;
  percentage: number;
  eta_seconds: number | null;
  details: {
    types: TypeProgress[];
    current_type: string | null;
    persons: { done: number; total: number };
    toggl: TogglFetchProgress | null;
    /** The workflow time this snapshot was taken at (epoch ms): a query answers as of the last event. */
    as_of: number;
    elapsed_seconds: number;
    rate_per_second: number | null;
    error: string | null;
  };
}

export const getProgressQuery = defineQuery<Progress>('getProgress');

/** A request's slot in the budgets it counts against (buckets named `token:<hash>`, `workspace:<hash>`). */
export interface SlotRequest {
  buckets: { bucket: string; rate: Rate }[];
}
/** How long the request waits before it leaves, counted from when the budget workflow answered. */
export interface SlotGrant {
  wait_ms: number;
  /** The slot itself, on the budget workflow's clock (epoch ms). */
  slot_at: number;
}
export const reserveSlotUpdate = defineUpdate<SlotGrant, [SlotRequest]>('reserveSlot');

/**
 * The budget workflow of every budget of one API (each token's, each workspace's) on `taskQueue`:
 * one place, so a request that counts against a token and a workspace reserves in both at once.
 */
export const apiBudgetWorkflowId = (taskQueue: string, api: string): string => `volt-budget-${taskQueue}-${api}`;
