/**
 * ScheduledReport: what a Temporal Schedule starts. The period comes from the slot the schedule
 * fired for (the `TemporalScheduledStartTime` search attribute), never from the clock, so a
 * backfilled Monday reports the week before that Monday; the run id comes from the slot too, so two
 * attempts at one slot are one run (a failed one is resumed, a completed one is not run twice).
 */
import { defineSearchAttributeKey, SearchAttributeType, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { CancellationScope, executeChild, isCancellation, log, proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { INFRASTRUCTURE_RETRY, local, regular } from './activity-options.js';
import { workflowIdFor, type PipelineResult, type ScheduledReportInput } from './contract.js';
import { rootMessage, TogglFiberyPipeline } from './pipeline.js';
import { recordScheduleSuccess } from '../metrics/workflow.js';

const plans = proxyLocalActivities<Activities>(local('1 minute'));
/** One attempt: a notice that reached Slack must not be sent again because recording it failed. */
const notices = proxyActivities<Activities>({ ...regular('5 minutes'), retry: { ...INFRASTRUCTURE_RETRY, maximumAttempts: 1 } });

const SCHEDULED_START_TIME = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

export type ScheduledReportResult = PipelineResult | { run_id: string; status: 'already_run' };

export async function ScheduledReport(input: ScheduledReportInput): Promise<ScheduledReportResult> {
  const info = workflowInfo();
  // Started by hand (not by the schedule) there is no slot: the start time stands in for it.
  const slot = info.typedSearchAttributes.get(SCHEDULED_START_TIME) ?? info.startTime;
  const plan = await plans.plan_scheduled_run({ schedule_id: input.schedule_id, period: input.period, timezone: input.timezone, scheduled_at: slot.toISOString() });
  try {
    const result = await executeChild(TogglFiberyPipeline, {
      workflowId: workflowIdFor(plan.run_id),
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      args: [
        {
          start_date: plan.start_date,
          end_date: plan.end_date,
          users: input.users,
          run_id: plan.run_id,
          output_dir: input.output_dir,
          deliver: input.deliver,
          compare: input.compare ?? 'previous',
          ...(input.trend !== undefined ? { trend: input.trend } : {}),
        },
      ],
    });
    recordScheduleSuccess({ schedule: input.schedule_id, period: input.period }, Date.now());
    return result;
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return { run_id: plan.run_id, status: 'already_run' };
    if (!isCancellation(error) && input.notify_failures !== false && input.deliver.length > 0) {
      await announceFailure(input, plan, error);
    }
    // Still failed: the schedule's recent actions and temporal_workflow_failed show it.
    throw error;
  }
}

/**
 * One failure notice per channel of the schedule, each its own activity, one attempt each. A notice
 * that fails is recorded (and logged); it never replaces the run's error.
 */
async function announceFailure(input: ScheduledReportInput, plan: { run_id: string; start_date: string; end_date: string }, error: unknown): Promise<void> {
  const message = rootMessage(error);
  await CancellationScope.nonCancellable(async () => {
    for (const channel of input.deliver) {
      try {
        const record = await notices.send_failure_notice({
          output_dir: input.output_dir,
          run_id: plan.run_id,
          channel,
          schedule_id: input.schedule_id,
          period: { start_date: plan.start_date, end_date: plan.end_date },
          error: message,
        });
        if (record.status === 'failed') log.warn(`The failure notice to ${channel} failed: ${record.error ?? ''}`, { run_id: plan.run_id, channel });
      } catch (noticeError) {
        log.warn(`The failure notice to ${channel} could not be sent: ${rootMessage(noticeError)}`, { run_id: plan.run_id, channel });
      }
    }
  });
}
