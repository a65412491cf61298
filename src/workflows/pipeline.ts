/**
 * TogglFiberyPipeline (spec 1.2, 2.1): the Toggl stage, then the Fibery stage, each opened by its
 * cleanup activity. Orchestration only: activities do the I/O and hand each other run ids and paths.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  executeChild,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities, EnrichmentGroup } from '../activities/index.js';
import { apiActivities, local, regular } from './activity-options.js';
import {
  getProgressQuery,
  STEP,
  runIdFor,
  togglFetchSignal,
  workflowIdFor,
  type PipelineInput,
  type PipelineResult,
  type RunRef,
  type StageName,
  type StepName,
} from './contract.js';
import { ProgressTracker } from './progress.js';
import { processWithRollingWindow } from '../patterns/rolling-window.js';
import { MAX_TREND } from '../config/period.js';
import { deliverAll } from './deliver.js';
import { TogglFetch } from './toggl-fetch.js';
import { recordRunEnd } from '../metrics/workflow.js';
import type { LabelsOf } from '../metrics/names.js';

/** volt_runs and volt_run_duration for this execution: started by a schedule's workflow, or by hand. */
function countRun(outcome: LabelsOf<'runs'>['outcome']): void {
  const info = workflowInfo();
  recordRunEnd({ trigger: info.parent ? 'schedule' : 'manual', outcome }, Date.now() - info.startTime.getTime());
}

const locals = proxyLocalActivities<Activities>(local('10 minutes'));

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function checkInput(input: PipelineInput): void {
  const bad = (message: string) => ApplicationFailure.nonRetryable(message, 'ValidationError');
  if (!input || typeof input.output_dir !== 'string') throw bad('output_dir is required');
  if (!DATE.test(input.start_date ?? '') || !DATE.test(input.end_date ?? '')) throw bad('start_date and end_date must be YYYY-MM-DD');
  if (input.end_date < input.start_date) throw bad(`end_date ${input.end_date} is before start_date ${input.start_date}`);
  if (input.start_from && input.start_from !== 'toggl' && input.start_from !== 'fibery') throw bad(`start_from must be "toggl" or "fibery", not "${input.start_from}"`);
  if (input.start_from === 'fibery' && !input.run_id) throw bad('start_from "fibery" needs the run_id of an earlier run');
  if (input.compare && input.compare !== 'previous' && input.compare !== 'none') throw bad(`compare must be "previous" or "none", not "${input.compare}"`);
  const trend = input.trend;
  if (trend !== undefined && trend !== null && !(Number.isInteger(trend) && trend >= 0 && trend <= MAX_TREND)) throw bad(`trend must be a whole number from 0 to ${MAX_TREND}`);
  const heartbeat = input.heartbeat_timeout_seconds;
  if (heartbeat !== undefined && !(Number.isFinite(heartbeat) && heartbeat >= 2 && heartbeat <= 600)) throw bad('heartbeat_timeout_seconds must be from 2 to 600');
  // Channel names are checked by the CLI and the schedule before a run starts, and by the deliver_report activity.
  if (input.deliver !== undefined && !Array.isArray(input.deliver)) throw bad('deliver must be a list of channel names');
}

/** The innermost message: what actually went wrong, without Temporal's wrapping. */
export function rootMessage(error: unknown): string {
  let current: unknown = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(error);
}

export async function TogglFiberyPipeline(input: PipelineInput): Promise<PipelineResult> {
  checkInput(input);
  const startFrom: StageName = input.start_from ?? 'toggl';
  const runId = input.run_id ?? runIdFor(new Date());
  const ref: RunRef = { output_dir: input.output_dir, run_id: runId };
  const progress = new ProgressTracker(runId, startFrom, Date.now(), { deliver: (input.deliver?.length ?? 0) > 0 });
  const heartbeatSeconds = input.heartbeat_timeout_seconds;
  const reports = proxyActivities<Activities>(regular('10 minutes', { heartbeatSeconds }));
  const planning = proxyActivities<Activities>(regular('5 minutes', { heartbeatSeconds }));
  setHandler(getProgressQuery, () => progress.snapshot(Date.now()));
  setHandler(togglFetchSignal, (update) => progress.togglFetch(update, Date.now()));

  let stage: StageName = startFrom;
  let activity: StepName | 'record_run_start' | null = null;
  // Until this execution has opened the run, its metadata may belong to another run: never touch it.
  let opened = false;
  const step = async <T>(name: StepName, run: () => Promise<T>): Promise<T> => {
    activity = name;
    progress.start(name);
    log.info(`Step ${name} started`, { run_id: runId, step: name });
    const result = await run();
    progress.finish(name);
    return result;
  };

  try {
    const info = workflowInfo();
    activity = 'record_run_start';
    await locals.record_run_start({
      ...ref,
      start_date: input.start_date,
      end_date: input.end_date,
      users: input.users ?? null,
      start_from: startFrom,
      compare: input.compare ?? 'previous',
      config: input.config ?? null,
      reload_config: input.reload_config ?? false,
      workflow_id: info.workflowId ?? workflowIdFor(runId),
      temporal_run_id: info.runId,
      task_queue: info.taskQueue,
    });
    opened = true;
    log.info(`Run ${runId} started: ${input.start_date} – ${input.end_date}, from the ${startFrom} stage`, { run_id: runId });

    if (startFrom === 'toggl') {
      await step(STEP.cleanup_toggl_stage, () => locals.cleanup_toggl_stage(ref));
      await step(STEP.fetch_toggl_data, async () => {
        const plan = await planning.fetch_toggl_data({
          ...ref,
          start_date: input.start_date,
          end_date: input.end_date,
          users: input.users ?? null,
          compare: input.compare ?? 'previous',
          ...(input.trend !== undefined && input.trend !== null ? { trend: input.trend } : {}),
        });
        await executeChild(TogglFetch, {
          workflowId: `${info.workflowId}-toggl-fetch`,
          args: [{ ...ref, state: plan, parent_workflow_id: info.workflowId, ...(heartbeatSeconds ? { heartbeat_timeout_seconds: heartbeatSeconds } : {}) }],
        });
      });
      await step(STEP.aggregate_toggl_data, () => locals.aggregate_toggl_data(ref));
      await step(STEP.generate_toggl_report, () => locals.generate_toggl_report(ref));
      await locals.record_stage_completed({ ...ref, stage: 'toggl' });
    }

    stage = 'fibery';
    await step(STEP.cleanup_fibery_stage, () => locals.cleanup_fibery_stage(ref));
    const plan = await step(STEP.extract_fibery_entities, () => locals.extract_fibery_entities(ref));
    progress.planTypes(plan.groups.map((g) => ({ key: g.key, activity: g.activity, done: 0, total: g.count })));
    progress.planPersons(plan.persons.length);

    await step(STEP.enrich_entities_by_type, () =>
      allOrNothing(plan.groups.map((group) => (onFailure) => enrichGroup(ref, group, progress, heartbeatSeconds, onFailure))),
    );
    await step(STEP.generate_person_reports, async () => {
      await locals.index_enriched_entities(ref);
      await allOrNothing([
        (onFailure) =>
          processWithRollingWindow(plan.persons, (email) => reports.generate_person_report({ ...ref, email }), {
            maxConcurrent: plan.person_max_concurrent,
            onDone: () => progress.itemsFinished('persons', 1),
            ...onFailure,
          }),
      ]);
    });
    const saved = await step(STEP.save_enriched_data, () => locals.save_enriched_data(ref));
    await step(STEP.generate_team_report, () => locals.generate_team_report(ref));
    await locals.record_stage_completed({ ...ref, stage: 'fibery' });
    if (input.deliver?.length) await step(STEP.deliver_reports, () => deliverAll(ref, input.deliver ?? [], heartbeatSeconds));
    await locals.record_run_end({ ...ref, status: 'completed', temporal_run_id: workflowInfo().runId });
    progress.end('completed', Date.now());
    countRun('completed');
    log.info(`Run ${runId} completed`, { run_id: runId });
    return {
      run_id: runId,
      run_dir: `${input.output_dir}/${runId}`,
      status: 'completed',
      stages_completed: startFrom === 'toggl' ? ['toggl', 'fibery'] : ['fibery'],
      stats: { person_reports: saved.reports, entities_enriched: saved.enriched, entities_not_found: saved.not_found },
    };
  } catch (error) {
    // Once the run is cancelled, whatever ended the step (an activity that failed as it stopped) is the cancellation.
    if (isCancellation(error) || CancellationScope.current().consideredCancelled) {
      progress.end('cancelled', Date.now());
      countRun('cancelled');
      log.warn(`Run ${runId} cancelled`, { run_id: runId, stage });
      if (opened) await CancellationScope.nonCancellable(() => locals.record_run_end({ ...ref, status: 'cancelled', temporal_run_id: workflowInfo().runId }));
      throw isCancellation(error) ? error : new CancelledFailure('the run was cancelled', [], error instanceof Error ? error : undefined);
    }
    const message = rootMessage(error);
    const failedActivity = error instanceof ActivityFailure ? error.activityType ?? activity : activity;
    progress.end('failed', Date.now(), message);
    countRun('failed');
    log.error(`Run ${runId} failed in ${failedActivity ?? stage}: ${message}`, { run_id: runId, stage, failed_activity: failedActivity });
    try {
      if (opened) await locals.record_run_end({ ...ref, status: 'failed', error: { message, stage, activity: failedActivity }, temporal_run_id: workflowInfo().runId });
    } catch {
      // The original failure matters more than a metadata file we could not update.
    }
    throw ApplicationFailure.nonRetryable(`${stage} stage failed in ${failedActivity}: ${message}`, 'PipelineFailed');
  }
}

/**
 * One type's batches in a rolling window of its own `max_concurrent`. Types run side by side: the
 * pacing budget of the Fibery token (and the Fibery queue's rate), not the order, bounds the load.
 */
async function enrichGroup(ref: RunRef, group: EnrichmentGroup, progress: ProgressTracker, heartbeatSeconds: number | undefined, onFailure: WindowFailure): Promise<void> {
  const enrich = apiActivities('fibery', '15 minutes', { heartbeatSeconds })[group.activity];
  const batches = Array.from({ length: Math.ceil(group.count / group.batch_size) }, (_, i) => ({
    index: i,
    offset: i * group.batch_size,
    limit: Math.min(group.batch_size, group.count - i * group.batch_size),
  }));
  progress.typeStarted(group.key, Date.now());
  await processWithRollingWindow(
    batches,
    (batch) =>
      enrich({ ...ref, database: group.database, type: group.type, fields: group.fields, offset: batch.offset, limit: batch.limit, batch_index: batch.index }),
    { maxConcurrent: group.max_concurrent, onDone: (batch) => progress.itemsFinished('entities', batch.limit, group.key), ...onFailure },
  );
}

/** Added in 3.0.1: replayed histories of earlier failed or cancelled runs keep the old order. */
const SETTLE_BEFORE_CLEANUP = 'settle-activities-before-cleanup';

/** What a window does at its first failure: tell the others, and end only once its activities in flight have. */
type WindowFailure = { onFailure?: (error: unknown) => void; settleOnFailure?: boolean };

/**
 * Windows of activities side by side, all or nothing. At the first failure the others are cancelled,
 * and the step fails with that failure once every activity in flight has stopped: the run's cleanup
 * (which removes the staging directories they write into) never races one of them.
 */
async function allOrNothing<T>(windows: ((onFailure: WindowFailure) => Promise<T>)[]): Promise<T[]> {
  const scope = new CancellationScope();
  if (!patched(SETTLE_BEFORE_CLEANUP)) {
    try {
      return await scope.run(() => Promise.all(windows.map((window) => window({}))));
    } catch (error) {
      scope.cancel();
      throw error;
    }
  }
  let first: { error: unknown } | undefined;
  const failed = (error: unknown) => {
    first ??= { error };
    scope.cancel();
  };
  const settled = await scope.run(() => Promise.allSettled(windows.map((window) => window({ onFailure: failed, settleOnFailure: true }).catch((error: unknown) => {
    failed(error);
    throw error;
  }))));
  if (first) throw first.error;
  return settled.map((result) => (result as PromiseFulfilledResult<T>).value);
}
