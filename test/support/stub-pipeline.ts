/**
 * TogglFiberyPipeline against stub activities, as samples-typescript tests workflows: the real
 * workflow code on a real Temporal server, every activity a few lines that record their calls. Each
 * stub can be replaced per test. One worker serves all runs of a test file (./shared-worker.ts).
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { Activities } from '../../src/activities/index.js';
import { onApiQueue, withQueueOf } from '../../src/http/budgets.js';
import { afterPage, initialFetchState, type TogglFetchState } from '../../src/toggl/fetch-plan.js';
import { WORKFLOW_TYPE, workflowIdFor, type PipelineInput, type PipelineResult } from '../../src/workflows/contract.js';
import type { TogglFiberyPipeline } from '../../src/workflows/pipeline.js';
import { sharedTaskQueue, withRunActivities } from './shared-worker.js';
import type { TestTemporal } from './temporal.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface StubCall {
  name: string;
  input: Record<string, unknown>;
  started: number;
  ended: number | null;
}

/** A fetch of `pages` pages: the next cursor until the last one. */
export function stubPage(state: TogglFetchState, pages: number): TogglFetchState {
  const last = state.pages + 1 >= pages;
  return afterPage(state, {
    dates: [state.range.start],
    next: last ? null : { first_row_number: (state.pages + 1) * 200 + 1 },
    next_timestamp: null,
    page_size: 200,
    range_end: null,
    quota_remaining: null,
    quota_reset_ms: null,
    requests: 1,
  });
}

/** Stubs in place of activities: plain functions (each keeps the API queue of the activity it replaces). */
export type StubOverrides = { [K in keyof Activities]?: (...args: Parameters<Activities[K]>) => ReturnType<Activities[K]> };

export function stubActivities(calls: StubCall[], overrides: StubOverrides = {}): Activities {
  const plan = {
    groups: [
      { key: 'Scrum/Task', database: 'Scrum', type: 'Task', activity: 'enrich_scrum_task' as const, max_concurrent: 2, batch_size: 2, fields: [], count: 5 },
      { key: 'Scrum/Bug', database: 'Scrum', type: 'Bug', activity: 'enrich_scrum_bug' as const, max_concurrent: 1, batch_size: 3, fields: [], count: 3 },
    ],
    not_enrichable: 0,
    persons: ['ann@example.com', 'bob@example.com', 'cid@example.com'],
    person_max_concurrent: 2,
  };
  const page = onApiQueue('toggl', async (input: { state: TogglFetchState }) => stubPage(input.state, 3));
  const enrich = onApiQueue('fibery', async (input: { limit: number }) => {
    await sleep(30);
    return { enriched: input.limit, not_found: 0, warnings: 0, requests: 1, file: 'staged.json' };
  });
  const defaults: Activities = {
    record_run_start: async () => undefined,
    record_stage_completed: async () => undefined,
    record_run_end: async () => undefined,
    cleanup_toggl_stage: async () => [],
    cleanup_fibery_stage: async () => [],
    fetch_toggl_data: async (input) => initialFetchState({ start: input.start_date, end: input.end_date }, 366, null),
    fetch_toggl_page: page,
    aggregate_toggl_data: async () => ({ users: 3, entities: 8, total_seconds: 3600, file: 'toggl_aggregated.json' }),
    generate_toggl_report: async () => ({ file: 'toggl_summary.md', llm: false }),
    extract_fibery_entities: async () => plan,
    enrich_scrum_task: enrich,
    enrich_scrum_bug: enrich,
    enrich_product_feature: enrich,
    default_enrich_entity: enrich,
    index_enriched_entities: async () => ({ persons: 3 }),
    generate_person_report: async (input) => {
      await sleep(20);
      return { slug: input.email.split('@')[0]!, llm: false };
    },
    save_enriched_data: async () => ({ file: 'enriched_data.json', reports: 3, enriched: 8, not_found: 0 }),
    generate_team_report: async () => ({ file: 'team_summary.md', llm: false }),
    deliver_report: async (input) => ({ channel: input.channel, status: 'sent', at: new Date().toISOString(), error: null }),
    send_failure_notice: async (input) => ({ channel: input.channel, status: 'sent', at: new Date().toISOString(), error: null, detail: { kind: 'failure_notice' } }),
    plan_scheduled_run: async (input) => ({ start_date: '2026-11-16', end_date: '2026-11-22', run_id: `run_sched_${input.schedule_id}` }),
  };
  const merged = { ...defaults, ...overrides } as unknown as Record<string, (input: Record<string, unknown>) => Promise<unknown>>;
  const recorded: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(merged)) {
    recorded[name] = withQueueOf(defaults[name as keyof Activities], async (input: Record<string, unknown>) => {
      const call: StubCall = { name, input, started: Date.now(), ended: null };
      calls.push(call);
      try {
        return await fn(input);
      } finally {
        call.ended = Date.now();
      }
    });
  }
  return recorded as unknown as Activities;
}

let counter = 0;

/** The stubs need no pacing: the API queues' rates are lifted. */
const STUB_RATES = { togglActivitiesPerSecond: 1000, fiberyActivitiesPerSecond: 1000 };

export interface StubRun {
  result: PipelineResult | null;
  error: unknown;
  calls: StubCall[];
  workflowId: string;
}

export async function runWithStubs(
  temporal: TestTemporal,
  input: Partial<PipelineInput>,
  opts: { overrides?: StubOverrides; whileRunning?: (handle: WorkflowHandle<typeof TogglFiberyPipeline>, calls: StubCall[]) => Promise<void>; workflowId?: string } = {},
): Promise<StubRun> {
  const calls: StubCall[] = [];
  const taskQueue = await sharedTaskQueue(temporal, STUB_RATES, { shareBudgets: false });
  const runId = input.run_id ?? `run_stub_${++counter}`;
  const workflowId = opts.workflowId ?? workflowIdFor(`${runId}-${process.pid}-${++counter}`);
  const full: PipelineInput = { start_date: '2026-11-09', end_date: '2026-11-15', output_dir: '/nonexistent/stub', run_id: runId, ...input };
  return withRunActivities(workflowId, stubActivities(calls, opts.overrides), async () => {
    const handle = await temporal.client.workflow.start<typeof TogglFiberyPipeline>(WORKFLOW_TYPE, {
      taskQueue,
      workflowId,
      args: [full],
      workflowExecutionTimeout: '2 minutes',
    });
    const watching = opts.whileRunning?.(handle, calls);
    const outcome = await handle.result().then(
      (result) => ({ result, error: null }),
      (error: unknown) => ({ result: null, error }),
    );
    await watching;
    return { ...outcome, calls, workflowId };
  });
}
