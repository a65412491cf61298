/** What a scheduled run needs to know before it starts: its period and its run id, from its slot. */
import { periodFor, scheduledRunId, type Period } from '../schedules/period.js';
import type { SchedulePeriod } from '../workflows/contract.js';

export function createScheduleActivities() {
  return {
    async plan_scheduled_run(input: { schedule_id: string; period: SchedulePeriod; timezone: string; scheduled_at: string }): Promise<Period & { run_id: string }> {
      const at = new Date(input.scheduled_at);
      return { ...periodFor(input.period, at, input.timezone), run_id: scheduledRunId(input.schedule_id, at) };
    },
  };
}
