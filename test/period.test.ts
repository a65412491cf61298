/** Period arithmetic (src/config/period.ts): named periods, ISO weeks and months across year boundaries, trends. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describePeriod, isoWeekName, previousPeriod, resolvePeriod, trendPeriods, type Period } from '../src/config/period.js';
import { ValidationError } from '../src/errors.js';
import { periodFor } from '../src/schedules/period.js';

const p = (start_date: string, end_date: string): Period => ({ start_date, end_date });
const refused = (work: () => unknown, message: RegExp) => assert.throws(work, (e: unknown) => e instanceof ValidationError && message.test(e.message) && !e.message.includes('\n'));

test('last-week, this-week, last-month and this-month on a fixed date', () => {
  // Monday 7 December 2026 and Sunday 13 December 2026 are in the same ISO week (2026-W50).
  for (const today of ['2026-12-07', '2026-12-10', '2026-12-13']) {
    assert.deepEqual(resolvePeriod('last-week', today), p('2026-11-30', '2026-12-06'), today);
    assert.deepEqual(resolvePeriod('this-week', today), p('2026-12-07', '2026-12-13'), today);
  }
  assert.deepEqual(resolvePeriod('last-month', '2026-12-07'), p('2026-11-01', '2026-11-30'));
  assert.deepEqual(resolvePeriod('this-month', '2026-12-07'), p('2026-12-01', '2026-12-31'));
  assert.deepEqual(resolvePeriod('LAST-WEEK', '2026-12-07'), p('2026-11-30', '2026-12-06'), 'case does not matter');
});

test('across a year boundary: last week and last month of early January', () => {
  assert.deepEqual(resolvePeriod('last-week', '2027-01-01'), p('2026-12-21', '2026-12-27'));
  assert.deepEqual(resolvePeriod('this-week', '2027-01-01'), p('2026-12-28', '2027-01-03'));
  assert.deepEqual(resolvePeriod('last-month', '2027-01-15'), p('2026-12-01', '2026-12-31'));
  assert.deepEqual(resolvePeriod('last-month', '2024-03-31'), p('2024-02-01', '2024-02-29'), 'a leap February');
});

test('the week start and the time zone come from the settings', () => {
  const sunday = { week_start: 'sunday' as const, timezone: 'UTC' };
  // Thursday 10 December 2026: its Sunday-start week began on 6 December.
  assert.deepEqual(resolvePeriod('this-week', '2026-12-10', sunday), p('2026-12-06', '2026-12-12'));
  assert.deepEqual(resolvePeriod('last-week', '2026-12-10', sunday), p('2026-11-29', '2026-12-05'));
  assert.deepEqual(resolvePeriod('last-week', '2026-12-13', sunday), p('2026-12-06', '2026-12-12'), 'on a Sunday, last week ended yesterday');
  assert.deepEqual(resolvePeriod('2026-W01', '2026-12-10', sunday), p('2025-12-28', '2026-01-03'));
  // A schedule's slot at 23:30 UTC on Sunday is already Monday in Berlin: last week is the one that just ended.
  assert.deepEqual(periodFor('previous-week', new Date('2026-12-06T23:30:00Z'), 'Europe/Berlin'), p('2026-11-30', '2026-12-06'));
  assert.deepEqual(periodFor('previous-week', new Date('2026-12-06T23:30:00Z'), 'UTC'), p('2026-11-23', '2026-11-29'));
});

test('ISO weeks across year boundaries, W53 where a year has one', () => {
  assert.deepEqual(resolvePeriod('2020-W53', '2026-12-07'), p('2020-12-28', '2021-01-03'));
  assert.deepEqual(resolvePeriod('2021-W01', '2026-12-07'), p('2021-01-04', '2021-01-10'));
  assert.deepEqual(resolvePeriod('2026-W01', '2026-12-07'), p('2025-12-29', '2026-01-04'), 'week 1 of 2026 starts in 2025');
  assert.deepEqual(resolvePeriod('2026-W53', '2026-12-07'), p('2026-12-28', '2027-01-03'), '2026 has 53 ISO weeks');
  assert.deepEqual(resolvePeriod('2027-W01', '2026-12-07'), p('2027-01-04', '2027-01-10'));
  assert.deepEqual(resolvePeriod('2025-W01', '2026-12-07'), p('2024-12-30', '2025-01-05'));
  assert.deepEqual(resolvePeriod('2026-w50', '2026-12-07'), p('2026-12-07', '2026-12-13'));
  refused(() => resolvePeriod('2021-W53', '2026-12-07'), /2021 has no ISO week 53/);
  refused(() => resolvePeriod('2025-W53', '2026-12-07'), /2025 has no ISO week 53/);
  refused(() => resolvePeriod('2026-W00', '2026-12-07'), /2026 has no ISO week 0/);
  for (const [date, name] of [['2021-01-03', '2020-W53'], ['2021-01-04', '2021-W01'], ['2024-12-30', '2025-W01'], ['2026-12-31', '2026-W53'], ['2027-01-03', '2026-W53'], ['2027-01-04', '2027-W01']]) {
    assert.equal(isoWeekName(date!), name, date);
  }
});

test('months and explicit ranges', () => {
  assert.deepEqual(resolvePeriod('2024-12', '2026-12-07'), p('2024-12-01', '2024-12-31'));
  assert.deepEqual(resolvePeriod('2025-01', '2026-12-07'), p('2025-01-01', '2025-01-31'));
  assert.deepEqual(resolvePeriod('2024-02', '2026-12-07'), p('2024-02-01', '2024-02-29'));
  assert.deepEqual(resolvePeriod('2025-02', '2026-12-07'), p('2025-02-01', '2025-02-28'));
  assert.deepEqual(resolvePeriod('2024-12-30..2025-01-05', '2026-12-07'), p('2024-12-30', '2025-01-05'));
  assert.deepEqual(resolvePeriod('2026-11-09..2026-11-09', '2026-12-07'), p('2026-11-09', '2026-11-09'));
});

test('a malformed period is one line naming what is wrong and the forms that work', () => {
  refused(() => resolvePeriod('last-fortnight', '2026-12-07'), /--period "last-fortnight" is not a period: use last-week, this-week, last-month, this-month, YYYY-Www/);
  refused(() => resolvePeriod('2025-13', '2026-12-07'), /"2025-13" is not a period/);
  refused(() => resolvePeriod('2026-11-15..2026-11-09', '2026-12-07'), /2026-11-09 is before 2026-11-15/);
  refused(() => resolvePeriod('2026-02-30..2026-03-02', '2026-12-07'), /2026-02-30 is not a calendar date/);
  refused(() => resolvePeriod('2026-11-09', '2026-12-07'), /is not a period/);
  refused(() => resolvePeriod('', '2026-12-07'), /is not a period/);
});

test('periods read back with their dates and their name', () => {
  assert.equal(describePeriod(p('2026-11-30', '2026-12-06')), '2026-11-30 – 2026-12-06 (7 days, ISO week 2026-W49)');
  assert.equal(describePeriod(p('2024-12-01', '2024-12-31')), '2024-12-01 – 2024-12-31 (31 days, 2024-12)');
  assert.equal(describePeriod(p('2026-11-09', '2026-11-09')), '2026-11-09 – 2026-11-09 (1 day)');
});

test('a trend is periods of the run\'s length before it, oldest first, the comparison period last but one', () => {
  const week = p('2027-01-04', '2027-01-10');
  const trend = trendPeriods(week, 4);
  assert.deepEqual(trend, [p('2026-12-14', '2026-12-20'), p('2026-12-21', '2026-12-27'), p('2026-12-28', '2027-01-03'), week]);
  assert.deepEqual(trend[2], previousPeriod(week));
  assert.deepEqual(trendPeriods(week, 1), [week]);
  assert.deepEqual(previousPeriod(p('2026-03-01', '2026-03-03')), p('2026-02-26', '2026-02-28'));
});
