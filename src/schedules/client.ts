/**
 * volt-agent's schedules on Temporal Schedules (`client.schedule` of @temporalio/client): each one
 * starts `ScheduledReport` with a `ScheduledReportInput`, which holds no secret (the server stores
 * schedule arguments in plain text; the tokens live in the workers' environment).
 *
 * Overlap policy SKIP: a slot that comes while the last run is still going is skipped, not queued.
 * The catch-up window is one day: a slot missed while the server (or the embedded service) was down
 * runs when it is back within a day; older ones only by backfill.
 */
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ServiceError, WorkflowNotFoundError, type Client, type ScheduleDescription } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { CHANNEL_NAMES } from '../delivery/channels/index.js';
import { COMPARE_MODES, SCHEDULE_PERIODS, SCHEDULED_WORKFLOW_TYPE, type ScheduledReportInput } from '../workflows/contract.js';
import { periodFor, scheduledRunId, type Period } from './period.js';

export const CATCHUP_WINDOW = '1 day';
const CATCHUP_WINDOW_MS = 86_400_000;
/** As long as a run may take (the CLI's RUN_TIMEOUT). */
const RUN_TIMEOUT = '7 days';
const SHOWN_FIRE_TIMES = 3;
const SHOWN_RUNS = 5;

const SCHEDULED_START_TIME = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/** The workflow id the schedule starts (the server appends the slot's time to it). */
export function scheduledWorkflowId(scheduleId: string): string {
  return `scheduled-report-${scheduleId}`;
}

/** A sandbox schedule's simulators, so the background service can bring them back after a restart. */
export const SandboxRefSchema = z.object({ dataset_path: z.string(), fibery_latency_ms: z.number().int().nonnegative() });
export type SandboxRef = z.infer<typeof SandboxRefSchema>;

/** What the schedule's memo keeps for `list`/`describe` (the server turns cron strings into calendars). */
const MemoSchema = z.object({ cron: z.string(), sandbox: SandboxRefSchema.nullable() });
const MEMO_KEY = 'volt_agent';

const InputSchema = z.object({
  schedule_id: z.string(),
  period: z.enum(SCHEDULE_PERIODS),
  timezone: z.string(),
  users: z.array(z.string()).nullable(),
  output_dir: z.string(),
  deliver: z.array(z.enum(CHANNEL_NAMES)),
  compare: z.enum(COMPARE_MODES).optional(),
  trend: z.number().int().min(0).optional(),
  notify_failures: z.boolean().optional(),
});

export interface NewSchedule {
  cron: string;
  input: ScheduledReportInput;
  taskQueue: string;
  sandbox: SandboxRef | null;
}

export interface ScheduleRun {
  /** The slot the run was started for (`TemporalScheduledStartTime`). */
  scheduled_at: string;
  run_id: string;
  period: Period;
  workflow_id: string;
  /** RUNNING, COMPLETED, FAILED, CANCELED, TERMINATED, TIMED_OUT, or UNKNOWN when the server no longer has it. */
  status: string;
}

export interface ScheduleView {
  id: string;
  cron: string | null;
  timezone: string;
  period: ScheduledReportInput['period'];
  users: string[] | null;
  output_dir: string;
  deliver: ScheduledReportInput['deliver'];
  /** Whether a failed run sends a notice to the `deliver` channels. */
  notify_failures: boolean;
  task_queue: string;
  sandbox: SandboxRef | null;
  paused: boolean;
  note: string | null;
  overlap: string;
  catchup_window_seconds: number;
  next_fire_times: string[];
  /** Newest first. */
  recent_runs: ScheduleRun[];
  actions_taken: number;
  created_at: string;
}

/** The server's answers as one line each: an unknown id and a refused spec are bad input (exit 2). */
async function serverCall<T>(scheduleId: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) throw new ValidationError(`no schedule "${scheduleId}" (see volt-agent schedule list)`);
    if (error instanceof ScheduleAlreadyRunning) throw new ValidationError(`schedule "${scheduleId}" already exists: pick another --id, or delete it first (volt-agent schedule delete --id ${scheduleId})`);
    // The SDK turns the server's "Invalid schedule spec" into a TypeError carrying the server's words.
    if (error instanceof TypeError) throw new ValidationError(`the Temporal server refused schedule "${scheduleId}": ${error.message}`);
    if (error instanceof ServiceError) {
      const cause = error.cause as { code?: number; details?: string } | undefined;
      if (cause?.code === 3) throw new ValidationError(`the Temporal server refused schedule "${scheduleId}": ${cause.details ?? error.message}`);
    }
    throw error;
  }
}

/** Refuses an id that is taken, before anything is set up for the new schedule. */
export async function assertNewSchedule(client: Client, id: string): Promise<void> {
  try {
    await client.schedule.getHandle(id).describe();
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return;
    throw error;
  }
  throw new ValidationError(`schedule "${id}" already exists: pick another --id, or delete it first (volt-agent schedule delete --id ${id})`);
}

export async function createSchedule(client: Client, id: string, schedule: NewSchedule): Promise<void> {
  await serverCall(id, () =>
    client.schedule.create({
      scheduleId: id,
      spec: { cronExpressions: [schedule.cron], timezone: schedule.input.timezone },
      action: {
        type: 'startWorkflow',
        workflowType: SCHEDULED_WORKFLOW_TYPE,
        workflowId: scheduledWorkflowId(id),
        taskQueue: schedule.taskQueue,
        args: [schedule.input],
        workflowExecutionTimeout: RUN_TIMEOUT,
      },
      policies: { overlap: 'SKIP', catchupWindow: CATCHUP_WINDOW, pauseOnFailure: false },
      memo: { [MEMO_KEY]: { cron: schedule.cron, sandbox: schedule.sandbox } satisfies z.infer<typeof MemoSchema> },
    }),
  );
}

/** The schedule's description, refused when it is not one of volt-agent's. */
async function describeOwn(client: Client, id: string): Promise<{ description: ScheduleDescription; input: ScheduledReportInput }> {
  const description = await serverCall(id, () => client.schedule.getHandle(id).describe());
  const parsed = InputSchema.safeParse(description.action.args?.[0]);
  if (description.action.workflowType !== SCHEDULED_WORKFLOW_TYPE || !parsed.success) {
    throw new ValidationError(`schedule "${id}" was not created by volt-agent (it starts ${description.action.workflowType}): use the temporal CLI for it`);
  }
  return { description, input: parsed.data };
}

async function runOf(client: Client, scheduleId: string, input: ScheduledReportInput, action: ScheduleDescription['info']['recentActions'][number]): Promise<ScheduleRun> {
  const { workflowId, firstExecutionRunId } = action.action.workflow;
  let status = 'UNKNOWN';
  let slot = action.scheduledAt;
  try {
    const workflow = await client.workflow.getHandle(workflowId, firstExecutionRunId).describe();
    status = workflow.status.name;
    slot = workflow.typedSearchAttributes.get(SCHEDULED_START_TIME) ?? slot;
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
  return {
    scheduled_at: slot.toISOString(),
    run_id: scheduledRunId(scheduleId, slot),
    period: periodFor(input.period, slot, input.timezone),
    workflow_id: workflowId,
    status,
  };
}

export async function scheduleView(client: Client, id: string): Promise<ScheduleView> {
  const { description: d, input } = await describeOwn(client, id);
  const memo = MemoSchema.safeParse(d.memo?.[MEMO_KEY]);
  // Newest slot first: a backfill and a trigger take their actions in another order than their slots.
  const recent = [...d.info.recentActions].sort((a, b) => b.scheduledAt.getTime() - a.scheduledAt.getTime()).slice(0, SHOWN_RUNS);
  return {
    id,
    cron: memo.success ? memo.data.cron : null,
    timezone: d.spec.timezone ?? 'UTC',
    period: input.period,
    users: input.users,
    output_dir: input.output_dir,
    deliver: input.deliver,
    notify_failures: input.notify_failures !== false,
    task_queue: d.action.taskQueue ?? '?',
    sandbox: memo.success ? memo.data.sandbox : null,
    paused: d.state.paused,
    note: d.state.note || null,
    overlap: d.policies.overlap ?? 'SKIP',
    catchup_window_seconds: Math.round((d.policies.catchupWindow ?? CATCHUP_WINDOW_MS) / 1000),
    next_fire_times: d.info.nextActionTimes.slice(0, SHOWN_FIRE_TIMES).map((t) => t.toISOString()),
    recent_runs: await Promise.all(recent.map((action) => runOf(client, id, input, action))),
    actions_taken: d.info.numActionsTaken,
    created_at: d.info.createdAt.toISOString(),
  };
}

/** The ids of every schedule in the namespace (listing is eventually consistent: a new one may take a second). */
export async function scheduleIds(client: Client): Promise<string[]> {
  const ids: string[] = [];
  for await (const summary of client.schedule.list()) ids.push(summary.scheduleId);
  return ids.sort();
}

/** volt-agent's schedules, by id; others in the namespace are left out. */
export async function listScheduleViews(client: Client): Promise<ScheduleView[]> {
  const views = await Promise.all(
    (await scheduleIds(client)).map((id) =>
      scheduleView(client, id).catch((error: unknown) => {
        // Foreign, or deleted between the listing and the description.
        if (error instanceof ValidationError) return null;
        throw error;
      }),
    ),
  );
  return views.filter((v): v is ScheduleView => v !== null);
}

export async function pauseSchedule(client: Client, id: string, note: string): Promise<void> {
  await describeOwn(client, id);
  await serverCall(id, () => client.schedule.getHandle(id).pause(note));
}

export async function unpauseSchedule(client: Client, id: string, note: string): Promise<void> {
  await describeOwn(client, id);
  await serverCall(id, () => client.schedule.getHandle(id).unpause(note));
}

/**
 * Starts a run now, whatever the overlap policy says: it is its own slot (its own run id and the
 * period before now), so it cannot collide with a scheduled one. Returns that run once the server
 * shows it, or null if it does not within `waitMs`.
 */
export async function triggerSchedule(client: Client, id: string, waitMs = 5000): Promise<ScheduleRun | null> {
  const { description } = await describeOwn(client, id);
  const before = new Set(description.info.recentActions.map((a) => a.action.workflow.workflowId));
  await serverCall(id, () => client.schedule.getHandle(id).trigger('ALLOW_ALL'));
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    const { description: now, input } = await describeOwn(client, id);
    const started = now.info.recentActions.find((a) => !before.has(a.action.workflow.workflowId));
    if (started) return runOf(client, id, input, started);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return null;
}

/**
 * Runs every slot of `start`–`end` now, each with its own slot's period. Its slots queue one after
 * the other (BUFFER_ALL): the schedule's SKIP would start only the first of them.
 */
export async function backfillSchedule(client: Client, id: string, start: Date, end: Date): Promise<void> {
  await describeOwn(client, id);
  await serverCall(id, () => client.schedule.getHandle(id).backfill({ start, end, overlap: 'BUFFER_ALL' }));
}

export async function deleteSchedule(client: Client, id: string): Promise<void> {
  await describeOwn(client, id);
  await serverCall(id, () => client.schedule.getHandle(id).delete());
}

/** The timezone a schedule's slots are in, for reading --from/--to of a backfill. */
export async function scheduleTimezone(client: Client, id: string): Promise<string> {
  const { input } = await describeOwn(client, id);
  return input.timezone;
}

/** Where a schedule's runs start, and the sandbox they need (null: the real APIs), for the workers that must serve them. */
export async function scheduleWorkerNeeds(client: Client, id: string): Promise<{ taskQueue: string; sandbox: SandboxRef | null }> {
  const { description } = await describeOwn(client, id);
  const memo = MemoSchema.safeParse(description.memo?.[MEMO_KEY]);
  return { taskQueue: description.action.taskQueue ?? '', sandbox: memo.success ? memo.data.sandbox : null };
}
