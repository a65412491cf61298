/**
 * The period a scheduled run reports on, worked out from the time of its slot (never from the
 * clock), in the schedule's timezone: a backfilled Monday reports the week before that Monday.
 */
import { ValidationError } from '../errors.js';
import { addDays } from '../toggl/dates.js';
import { runIdFor, SCHEDULE_PERIODS, type SchedulePeriod } from '../workflows/contract.js';

export interface Period {
  start_date: string;
  end_date: string;
}

/** Whether `timezone` is an IANA name this runtime knows ("UTC", "Europe/Berlin"). */
export function isTimezone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

export function checkPeriod(period: string): SchedulePeriod {
  if (!(SCHEDULE_PERIODS as readonly string[]).includes(period)) {
    throw new ValidationError(`--period must be one of ${SCHEDULE_PERIODS.join(', ')}, not "${period}"`);
  }
  return period as SchedulePeriod;
}

/** The calendar date of `instant` in `timezone`, YYYY-MM-DD. */
export function localDate(instant: Date, timezone: string): string {
  // en-CA formats dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

/** Monday = 0 … Sunday = 6. */
function weekday(date: string): number {
  return (new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7;
}

export function periodFor(kind: SchedulePeriod, scheduledAt: Date, timezone: string): Period {
  const today = localDate(scheduledAt, timezone);
  switch (kind) {
    case 'previous-week': {
      const monday = addDays(today, -weekday(today));
      return { start_date: addDays(monday, -7), end_date: addDays(monday, -1) };
    }
    case 'previous-month': {
      const firstOfMonth = `${today.slice(0, 8)}01`;
      const lastOfPrevious = addDays(firstOfMonth, -1);
      return { start_date: `${lastOfPrevious.slice(0, 8)}01`, end_date: lastOfPrevious };
    }
    case 'last-7-days':
      return { start_date: addDays(today, -7), end_date: addDays(today, -1) };
    case 'last-30-days':
      return { start_date: addDays(today, -30), end_date: addDays(today, -1) };
  }
}

/** The same slot gives the same run id, so two attempts at one slot are one run. */
export function scheduledRunId(scheduleId: string, scheduledAt: Date): string {
  return `${runIdFor(scheduledAt)}_${scheduleId}`.slice(0, 128);
}
