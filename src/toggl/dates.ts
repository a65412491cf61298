/** Calendar-date helpers for Toggl queries (dates are plain `YYYY-MM-DD`, no time zone). */
import { ValidationError } from '../errors.js';

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Throws ValidationError unless `value` is a real calendar date written `YYYY-MM-DD`. */
export function assertIsoDate(value: string, label: string): void {
  const m = DATE_RE.exec(value);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  if (!d || d.toISOString().slice(0, 10) !== value) {
    throw new ValidationError(`${label} must be a date written YYYY-MM-DD, got "${value}"`);
  }
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
