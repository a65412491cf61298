/**
 * ScheduledReport: what a Temporal Schedule starts. The period comes from the slot the schedule
 * fired for (the `TemporalScheduledStartTime` search attribute), never from the clock, so a
 * backfilled Monday reports the week before that Monday; the run id comes from the slot too, so two
 * attempts at one slot are one run (a failed one is resumed, a completed one is not run twice).
 */
import { defineSearchAttributeKey, SearchAttributeType, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { executeChild, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { local } from './activity-options.js';
import { workflowIdFor, type PipelineResult, type ScheduledReportInput } from './contract.js';
import { TogglFiberyPipeline } from './pipeline.js';
import { recordScheduleSuccess } from '../metrics/workflow.js';

const plans = proxyLocalActivities<Activities>(local('1 minute'));

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
    throw error;
  }
}
