/** The checks `schedule` makes before it calls Temporal: cron strings in Temporal's grammar, ids, backfill days. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValidationError } from '../src/errors.js';
import { checkCron } from '../src/schedules/cron.js';
import { checkBackfillRange, checkChannels, checkScheduleId, checkTimezone, startOfDay } from '../src/schedules/request.js';
import { formatSlot } from '../src/schedules/view.js';

const refused = (work: () => unknown, message: RegExp) => assert.throws(work, (e: unknown) => e instanceof ValidationError && message.test(e.message) && !e.message.includes('\n'));

test('cron strings Temporal accepts pass, normalised', () => {
  for (const cron of ['0 8 * * 1', '*/15 9-17 * * mon-fri', '0 8 1,15 * *', '30 6 * jan-mar sun', '0 8 * * 7', '0 0 8 * * 1 2027', '0 8 * * 1 2026-2030', '0 8 1/2 * *', '@weekly', '@midnight', '@every 168h', '@every 7d/8h']) {
    assert.equal(checkCron(cron), cron);
  }
  assert.equal(checkCron('  0   8 * *  1 '), '0 8 * * 1');
});

test('cron strings Temporal refuses are one line naming the field', () => {
  refused(() => checkCron('0 24 * * 1'), /hour 24 is out of range 0–23/);
  refused(() => checkCron('60 8 * * 1'), /minute 60 is out of range 0–59/);
  refused(() => checkCron('0 8 0 * *'), /day of month 0 is out of range 1–31/);
  refused(() => checkCron('0 8 * 13 *'), /month 13 is out of range 1–12/);
  refused(() => checkCron('0 8 * * 8'), /day of week 8 is out of range 0–7/);
  refused(() => checkCron('0 8 L * *'), /"L" is not a valid day of month/);
  refused(() => checkCron('0 8 ? * 1'), /"\?" is not a valid day of month/);
  refused(() => checkCron('0 8 * * m'), /"m" is not a valid day of week/);
  refused(() => checkCron('0 8 * * 5-2'), /day of week 2 is out of range 5–7/);
  refused(() => checkCron('*/0 8 * * 1'), /step "0" of the minute/);
  refused(() => checkCron('0 8 * * 1 1999'), /year 1999 is out of range 2000–2100/);
  refused(() => checkCron('0 8 * *'), /4 fields; expected 5/);
  refused(() => checkCron('@fortnightly'), /unknown shorthand/);
  refused(() => checkCron('@every week'), /"@every <n><s\|m\|h\|d>"/);
  refused(() => checkCron('CRON_TZ=Europe/Berlin 0 8 * * 1'), /give the timezone with --timezone/);
  refused(() => checkCron(''), /it is empty/);
});

test('schedule ids become part of run ids: letters, digits, _ and -', () => {
  assert.equal(checkScheduleId('weekly-digest_2'), 'weekly-digest_2');
  for (const id of ['', '-x', 'a b', 'a/b', 'ä', 'x'.repeat(65)]) refused(() => checkScheduleId(id), /is not a schedule id/);
  assert.deepEqual(checkChannels('--deliver', 'Slack, email,slack'), ['slack', 'email']);
  refused(() => checkChannels('--deliver', ' , '), /--deliver is empty/);
  assert.equal(checkTimezone('europe/berlin'), 'Europe/Berlin', 'spelled as the server\'s tz database has it');
  assert.equal(checkTimezone('UTC'), 'UTC');
  refused(() => checkTimezone('Europe/Atlantis'), /not an IANA timezone/);
});

test("backfill days are read in the schedule's timezone, summer and winter, and never reach past now", () => {
  assert.equal(startOfDay(new Date('2026-11-16T00:00:00Z'), 'Europe/Berlin').toISOString(), '2026-11-15T23:00:00.000Z');
  assert.equal(startOfDay(new Date('2026-07-06T00:00:00Z'), 'Europe/Berlin').toISOString(), '2026-07-05T22:00:00.000Z');
  assert.equal(startOfDay(new Date('2026-03-29T00:00:00Z'), 'Europe/Berlin').toISOString(), '2026-03-28T23:00:00.000Z', 'the day the clocks go forward');
  assert.equal(startOfDay(new Date('2026-11-16T00:00:00Z'), 'America/New_York').toISOString(), '2026-11-16T05:00:00.000Z');

  const now = new Date('2026-11-30T10:00:00Z');
  const range = checkBackfillRange('2026-11-16', '2026-11-23', 'Europe/Berlin', now);
  assert.equal(range.start.toISOString(), '2026-11-15T22:59:59.000Z');
  assert.equal(range.end.toISOString(), '2026-11-23T22:59:59.000Z');
  assert.equal(checkBackfillRange('2026-11-30', '2026-12-07', 'UTC', now).end.toISOString(), now.toISOString());
  refused(() => checkBackfillRange('2026-12-01', '2026-12-07', 'UTC', now), /--from 2026-12-01 is in the future/);
  refused(() => checkBackfillRange('2026-11-23', '2026-11-16', 'UTC', now), /--to 2026-11-16 is before --from 2026-11-23/);
  refused(() => checkBackfillRange('2026-11-31', '2026-12-01', 'UTC', now), /--from "2026-11-31" is not a valid date/);
});

test('slots are shown in the schedule\'s timezone', () => {
  assert.equal(formatSlot('2026-11-30T07:00:00.000Z', 'Europe/Berlin'), '2026-11-30 08:00 GMT+1');
  assert.equal(formatSlot('2026-11-30T07:00:00.000Z', 'UTC'), '2026-11-30 07:00 UTC');
});
