/**
 * A cron string checked before it reaches the server, in the grammar Temporal Schedules parse
 * (temporalio/temporal service/worker/scheduler/calendar.go): 5 fields (minute hour day-of-month
 * month day-of-week), 6 (… year) or 7 (second … year); `*`, values, `a-b`, `/step` and comma
 * lists; month and weekday names; `@hourly` … `@yearly`; `@every 1h[/15m]`. Generic cron
 * libraries read 6 fields as seconds first and accept `L`/`W`/`?`, which Temporal refuses, so
 * this follows Temporal's own rules instead.
 */
import { ValidationError } from '../errors.js';

interface Field {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** How many letters a name needs at least (Temporal: three for months, two for weekdays). */
  minNameLength?: number;
  /** The first name's number (months count from 1, weekdays from 0). */
  nameBase?: number;
}

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

const SECOND: Field = { name: 'second', min: 0, max: 59 };
const MINUTE: Field = { name: 'minute', min: 0, max: 59 };
const HOUR: Field = { name: 'hour', min: 0, max: 23 };
const DAY_OF_MONTH: Field = { name: 'day of month', min: 1, max: 31 };
const MONTH: Field = { name: 'month', min: 1, max: 12, names: MONTHS, minNameLength: 3, nameBase: 1 };
const DAY_OF_WEEK: Field = { name: 'day of week', min: 0, max: 7, names: WEEKDAYS, minNameLength: 2, nameBase: 0 };
const YEAR: Field = { name: 'year', min: 2000, max: 2100 };

const LAYOUTS: Record<number, Field[]> = {
  5: [MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK],
  6: [MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK, YEAR],
  7: [SECOND, MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK, YEAR],
};

const SHORTHANDS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
const DURATION = /^\d+(ms|s|m|h|d)$/;

function value(text: string, field: Field, min: number): number {
  const lower = text.toLowerCase();
  if (field.names && lower.length >= (field.minNameLength ?? 1) && /^[a-z]+$/.test(lower)) {
    const index = field.names.findIndex((name) => name.startsWith(lower));
    if (index >= 0) return index + (field.nameBase ?? 0);
  }
  if (!/^\d+$/.test(text)) throw new Error(`"${text}" is not a valid ${field.name}`);
  const n = Number(text);
  if (n < min || n > field.max) throw new Error(`${field.name} ${n} is out of range ${min}–${field.max}`);
  return n;
}

function checkField(text: string, field: Field): void {
  for (const part of text.split(',')) {
    const [range, step, extra] = part.split('/');
    if (extra !== undefined || range === undefined || range === '') throw new Error(`"${part}" is not a valid ${field.name}`);
    if (step !== undefined && (!/^\d+$/.test(step) || Number(step) < 1)) throw new Error(`step "${step}" of the ${field.name} must be a whole number ≥ 1`);
    if (range === '*') continue;
    const bounds = range.split('-');
    if (bounds.length > 2) throw new Error(`"${range}" is not a valid ${field.name} range`);
    const start = value(bounds[0]!, field, field.min);
    if (bounds[1] !== undefined) value(bounds[1], field, start);
  }
}

/**
 * The cron string as the schedule will hold it (trimmed, single spaces), or a ValidationError
 * whose one line says what is wrong. The timezone goes in --timezone, not in the string.
 */
export function checkCron(input: string): string {
  const cron = input.trim().replace(/\s+/g, ' ');
  const fail = (why: string): never => {
    throw new ValidationError(`--cron "${input}": ${why} (e.g. "0 8 * * 1" for Mondays at 08:00)`);
  };
  if (cron === '') fail('it is empty');
  if (/^(CRON_)?TZ=/i.test(cron)) fail('give the timezone with --timezone, not inside the cron string');
  if (cron.startsWith('@every')) {
    const [, interval, extra] = cron.split(' ');
    const [every, phase, more] = (interval ?? '').split('/');
    if (extra !== undefined || more !== undefined || !DURATION.test(every ?? '') || (phase !== undefined && !DURATION.test(phase))) {
      fail('use "@every <n><s|m|h|d>" with an optional "/<phase>", like "@every 168h/8h"');
    }
    return cron;
  }
  if (cron.startsWith('@')) {
    if (!SHORTHANDS.includes(cron)) fail(`unknown shorthand; use one of ${SHORTHANDS.join(', ')} or five fields`);
    return cron;
  }
  const fields = cron.split(' ');
  const layout = LAYOUTS[fields.length];
  if (!layout) return fail(`${fields.length} field${fields.length === 1 ? '' : 's'}; expected 5 (minute hour day-of-month month day-of-week), 6 (… year) or 7 (second … year)`);
  layout.forEach((field, i) => {
    try {
      checkField(fields[i]!, field);
    } catch (error) {
      fail((error as Error).message);
    }
  });
  return cron;
}
