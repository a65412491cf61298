/**
 * Period arithmetic, in one place: named periods (`last-week`, `2026-W49`, `2026-11`,
 * `2026-11-01..2026-11-15`), the periods schedules report on, the period before a period and the
 * run of periods before it that a trend shows. Dates are calendar dates `YYYY-MM-DD` (inclusive
 * at both ends); "today" is the date in the configured time zone, never the server's.
 * Plain code without I/O, so activities, the CLI and tests all use the same answers.
 */
import { ValidationError } from '../errors.js';

export interface Period {
  start_date: string;
  end_date: string;
}

export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** How weeks and "today" are read: ISO weeks (Monday) in UTC unless config.yaml's `periods` says otherwise. */
export interface PeriodSettings {
  week_start: Weekday;
  timezone: string;
}

export const DEFAULT_PERIOD_SETTINGS: PeriodSettings = { week_start: 'monday', timezone: 'UTC' };

/** The longest trend a team report shows, in periods. */
export const MAX_TREND = 26;

const DAY_MS = 86_400_000;
const ms = (date: string) => Date.parse(`${date}T00:00:00Z`);
const iso = (time: number) => new Date(time).toISOString().slice(0, 10);

export function addDays(date: string, days: number): string {
  return iso(ms(date) + days * DAY_MS);
}

/** Days from `start` to `end`, both counted. */
export function lengthInDays(period: Period): number {
  return Math.round((ms(period.end_date) - ms(period.start_date)) / DAY_MS) + 1;
}

/** A real calendar date written YYYY-MM-DD (2025-02-30 is not). */
export function isCalendarDate(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(ms(value)) && iso(ms(value)) === value;
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

/** The calendar date of `instant` in `timezone`, YYYY-MM-DD. */
export function localDate(instant: Date, timezone: string): string {
  // en-CA formats dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

/** Monday = 0 … Sunday = 6. */
function weekday(date: string): number {
  return (new Date(ms(date)).getUTCDay() + 6) % 7;
}

/** The first day of the week `date` is in, weeks starting on `weekStart`. */
export function weekStartOf(date: string, weekStart: Weekday = 'monday'): string {
  const offset = (weekday(date) - WEEKDAYS.indexOf(weekStart) + 7) % 7;
  return addDays(date, -offset);
}

function monthOf(date: string): Period {
  const first = `${date.slice(0, 7)}-01`;
  const [year, month] = [Number(date.slice(0, 4)), Number(date.slice(5, 7))];
  return { start_date: first, end_date: iso(Date.UTC(year, month, 0)) };
}

/** The Monday of ISO week `week` of ISO year `year` (week 1 holds the year's first Thursday, so 4 January). */
function isoWeekMonday(year: number, week: number): string | null {
  const fourth = `${String(year).padStart(4, '0')}-01-04`;
  const monday = addDays(weekStartOf(fourth, 'monday'), (week - 1) * 7);
  // A year has 52 or 53 ISO weeks: week 53 exists only when its Thursday is still in `year`.
  return week >= 1 && Number(addDays(monday, 3).slice(0, 4)) === year ? monday : null;
}

/** The ISO week `date` is in, `2026-W49`. */
export function isoWeekName(date: string): string {
  const thursday = addDays(weekStartOf(date, 'monday'), 3);
  const year = Number(thursday.slice(0, 4));
  const week = Math.round((ms(thursday) - ms(isoWeekMonday(year, 1)!)) / (7 * DAY_MS)) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

const NAMED_PERIODS = ['last-week', 'this-week', 'last-month', 'this-month'] as const;
export const PERIOD_FORMS = `${NAMED_PERIODS.join(', ')}, YYYY-Www (ISO week), YYYY-MM or YYYY-MM-DD..YYYY-MM-DD`;

/**
 * The dates of a period given by name, as `--period` takes it. `today` is the date in the
 * configured time zone; weeks start on `settings.week_start` (a `YYYY-Www` week too: with a
 * Sunday start, 2026-W01 is the Sunday before ISO week 1's Monday and the six days after).
 */
export function resolvePeriod(text: string, today: string, settings: PeriodSettings = DEFAULT_PERIOD_SETTINGS, flag = '--period'): Period {
  const value = text.trim().toLowerCase();
  const week = (start: string): Period => ({ start_date: start, end_date: addDays(start, 6) });
  switch (value) {
    case 'this-week':
      return week(weekStartOf(today, settings.week_start));
    case 'last-week':
      return week(addDays(weekStartOf(today, settings.week_start), -7));
    case 'this-month':
      return monthOf(today);
    case 'last-month':
      return monthOf(addDays(monthOf(today).start_date, -1));
  }
  const isoWeek = /^(\d{4})-w(\d{2})$/.exec(value);
  if (isoWeek) {
    const monday = isoWeekMonday(Number(isoWeek[1]), Number(isoWeek[2]));
    if (!monday) throw new ValidationError(`${flag} "${text}": ${isoWeek[1]} has no ISO week ${Number(isoWeek[2])} (weeks run from W01 to W52, or W53 in some years)`);
    return week(addDays(monday, -((WEEKDAYS.indexOf('monday') - WEEKDAYS.indexOf(settings.week_start) + 7) % 7)));
  }
  const month = /^(\d{4})-(\d{2})$/.exec(value);
  if (month && isCalendarDate(`${value}-01`)) return monthOf(`${value}-01`);
  const range = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/.exec(value);
  if (range) {
    const [start, end] = [range[1]!, range[2]!];
    for (const date of [start, end]) if (!isCalendarDate(date)) throw new ValidationError(`${flag} "${text}": ${date} is not a calendar date`);
    if (end < start) throw new ValidationError(`${flag} "${text}": ${end} is before ${start}`);
    return { start_date: start, end_date: end };
  }
  throw new ValidationError(`${flag} "${text}" is not a period: use ${PERIOD_FORMS}, e.g. ${flag} last-week`);
}

/** How a period reads back to the user: `2026-11-30 – 2026-12-06 (7 days, ISO week 2026-W49)`. */
export function describePeriod(period: Period): string {
  const days = lengthInDays(period);
  const whole = monthOf(period.start_date);
  const name =
    whole.start_date === period.start_date && whole.end_date === period.end_date
      ? `, ${period.start_date.slice(0, 7)}`
      : days === 7 && weekday(period.start_date) === 0
        ? `, ISO week ${isoWeekName(period.start_date)}`
        : '';
  return `${period.start_date} – ${period.end_date} (${days} day${days === 1 ? '' : 's'}${name})`;
}

/** The period of equal length just before `period`: what a run compares with. */
export function previousPeriod(period: Period): Period {
  const length = lengthInDays(period);
  return { start_date: addDays(period.start_date, -length), end_date: addDays(period.start_date, -1) };
}

/**
 * The trend of a run: `count` periods of its length ending with the run's own, oldest first
 * (count 1 is the period alone). The second to last is the comparison period.
 */
export function trendPeriods(period: Period, count: number): Period[] {
  const periods: Period[] = [period];
  while (periods.length < count) periods.unshift(previousPeriod(periods[0]!));
  return periods;
}

/** The trend length when none is given: 6 periods for weekly and shorter runs, none for longer ones. */
export function defaultTrendCount(period: Period): number {
  return lengthInDays(period) <= 7 ? 6 : 0;
}

/** The periods a schedule can report on, each worked out from the slot's date. */
export function schedulePeriodFor(kind: 'previous-week' | 'previous-month' | 'last-7-days' | 'last-30-days', today: string): Period {
  switch (kind) {
    case 'previous-week':
      return resolvePeriod('last-week', today);
    case 'previous-month':
      return resolvePeriod('last-month', today);
    case 'last-7-days':
      return { start_date: addDays(today, -7), end_date: addDays(today, -1) };
    case 'last-30-days':
      return { start_date: addDays(today, -30), end_date: addDays(today, -1) };
  }
}
