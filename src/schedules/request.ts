/**
 * What `volt-agent schedule …` is asked, checked before anything reaches Temporal: a bad id, cron
 * string, timezone, period, user, channel or date is one ValidationError line (exit 2) and nothing
 * is created.
 */
import { parseChannels } from '../delivery/record.js';
import { ValidationError } from '../errors.js';
import { CHANNEL_NAMES } from '../delivery/channels/index.js';
import type { DeliveryChannel } from '../workflows/contract.js';
import { isTimezone } from './period.js';

/** Part of every scheduled run's id (`run_<slot>_<schedule id>`) and of its workflow id. */
const SCHEDULE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function checkScheduleId(id: string): string {
  if (!SCHEDULE_ID.test(id)) {
    throw new ValidationError(`--id "${id}" is not a schedule id: use up to 64 letters, digits, "_" and "-", starting with a letter or digit (e.g. weekly-digest)`);
  }
  return id;
}

/** The timezone as the server knows it: the runtime accepts `europe/berlin`, the server's tz database only `Europe/Berlin`. */
export function checkTimezone(timezone: string): string {
  if (!isTimezone(timezone)) throw new ValidationError(`--timezone "${timezone}" is not an IANA timezone: use a name like UTC or Europe/Berlin`);
  const canonical = new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone;
  return canonical.toLowerCase() === timezone.toLowerCase() ? canonical : timezone;
}

/** `--deliver slack,email`: known channels, each once; an empty list is refused (leave the flag out instead). */
export function checkChannels(flag: string, text: string): DeliveryChannel[] {
  let channels: DeliveryChannel[];
  try {
    channels = parseChannels(text);
  } catch (error) {
    throw new ValidationError(`${flag}: ${(error as Error).message}`);
  }
  if (channels.length === 0) throw new ValidationError(`${flag} is empty: give one or more of ${CHANNEL_NAMES.join(', ')}`);
  return channels;
}

/** A real calendar date, YYYY-MM-DD, as a Date at its UTC midnight. */
export function checkDay(flag: string, text: string): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : null;
  if (!date || date.toISOString().slice(0, 10) !== text) throw new ValidationError(`${flag} "${text}" is not a valid date: use YYYY-MM-DD, e.g. 2026-11-02`);
  return date;
}

export interface BackfillRange {
  start: Date;
  end: Date;
}

/** How far `timezone`'s clock is ahead of UTC at `instant`, in ms. */
function offsetMs(instant: Date, timezone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
    .formatToParts(instant)
    .reduce<Record<string, number>>((acc, part) => ((acc[part.type] = Number(part.value)), acc), {});
  const local = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return local - Math.floor(instant.getTime() / 1000) * 1000;
}

/** The instant the day `day` (a UTC midnight standing for the date) starts in `timezone`. */
export function startOfDay(day: Date, timezone: string): Date {
  const first = day.getTime() - offsetMs(day, timezone);
  // Once more from the first guess: the offset may differ across a DST change that day.
  return new Date(day.getTime() - offsetMs(new Date(first), timezone));
}

/**
 * `--from`/`--to` as the span of slots to run: from the start of the first day to the end of the
 * last, in the schedule's timezone, and never past now (later slots the schedule runs itself).
 */
export function checkBackfillRange(from: string, to: string, timezone: string, now: Date): BackfillRange {
  const first = checkDay('--from', from);
  const last = checkDay('--to', to);
  if (last < first) throw new ValidationError(`--to ${to} is before --from ${from}`);
  // A second early, so that a slot at midnight of the first day is inside the range whichever way the server reads its bounds.
  const start = new Date(startOfDay(first, timezone).getTime() - 1000);
  if (start > now) throw new ValidationError(`--from ${from} is in the future: a backfill runs slots that have passed (the schedule runs the others itself)`);
  const end = new Date(Math.min(startOfDay(new Date(last.getTime() + 86_400_000), timezone).getTime() - 1000, now.getTime()));
  return { start, end };
}
