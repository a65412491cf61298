/**
 * The period a scheduled run reports on, worked out from the time of its slot (never from the
 * clock), in the schedule's timezone: a backfilled Monday reports the week before that Monday.
 * The arithmetic itself is src/config/period.ts.
 */
import { localDate, schedulePeriodFor, type Period } from '../config/period.js';
import { ValidationError } from '../errors.js';
import { runIdFor, SCHEDULE_PERIODS, type SchedulePeriod } from '../workflows/contract.js';

export { isTimezone, localDate, type Period } from '../config/period.js';

/** The names `run --period` also takes for the same periods. */
const SYNONYMS: Record<string, SchedulePeriod> = { 'last-week': 'previous-week', 'last-month': 'previous-month' };

export function checkPeriod(period: string): SchedulePeriod {
  const kind = SYNONYMS[period] ?? period;
  if (!(SCHEDULE_PERIODS as readonly string[]).includes(kind)) {
    throw new ValidationError(`--period must be one of ${SCHEDULE_PERIODS.join(', ')} (or last-week, last-month), not "${period}"`);
  }
  return kind as SchedulePeriod;
}

export function periodFor(kind: SchedulePeriod, scheduledAt: Date, timezone: string): Period {
  return schedulePeriodFor(kind, localDate(scheduledAt, timezone));
}

/** The same slot gives the same run id, so two attempts at one slot are one run. */
export function scheduledRunId(scheduleId: string, scheduledAt: Date): string {
  return `${runIdFor(scheduledAt)}_${scheduleId}`.slice(0, 128);
}
