/** The fetch plan (src/toggl/fetch-plan.ts) around skipped dates: stored periods are never asked for. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { afterPage, chunkRequest, initialFetchState, inRange, type PageAnswer, type TogglFetchState } from '../src/toggl/fetch-plan.js';

const emptyPage = (): PageAnswer => ({ dates: [], next: null, next_timestamp: null, page_size: 50, range_end: null, quota_remaining: null, quota_reset_ms: null, requests: 1 });

/** The requests the plan makes until it is done, each answered with no rows. */
function requests(state: TogglFetchState): { start_date: string; end_date: string }[] {
  const out = [];
  while (!state.done) {
    out.push(chunkRequest(state));
    state = afterPage(state, emptyPage());
  }
  return out;
}

test('stored periods inside the range are skipped: the chunks go around them, entries in them do not count', () => {
  const skip = [
    { start: '2026-01-26', end: '2026-02-01' },
    { start: '2026-02-09', end: '2026-02-15' },
  ];
  const state = initialFetchState({ start: '2026-01-19', end: '2026-03-01' }, 366, null, skip);
  assert.deepEqual(requests(state), [
    { start_date: '2026-01-19', end_date: '2026-01-26' },
    { start_date: '2026-02-02', end_date: '2026-02-09' },
    { start_date: '2026-02-16', end_date: '2026-03-02' },
  ]);
  assert.ok(inRange(state, '2026-01-25') && inRange(state, '2026-02-02') && inRange(state, '2026-03-01'));
  assert.ok(!inRange(state, '2026-01-26') && !inRange(state, '2026-02-12') && !inRange(state, '2026-03-02'));
  // Once the API proved its end date inclusive, a chunk ends on the day before a skipped period.
  let inclusive = afterPage(state, { ...emptyPage(), dates: ['2026-01-26'] });
  assert.equal(inclusive.end_inclusive, true);
  assert.deepEqual(chunkRequest(inclusive), { start_date: '2026-02-02', end_date: '2026-02-08' });
  inclusive = afterPage(inclusive, emptyPage());
  assert.deepEqual(chunkRequest(inclusive), { start_date: '2026-02-16', end_date: '2026-03-01' });
});

test('without skipped dates the plan is as before: one chunk for a short range', () => {
  assert.deepEqual(requests(initialFetchState({ start: '2026-01-19', end: '2026-03-01' }, 366, null)), [{ start_date: '2026-01-19', end_date: '2026-03-02' }]);
  assert.equal(initialFetchState({ start: '2026-01-19', end: '2026-03-01' }, 366, null).skip, undefined, 'the state of a plan without gaps is unchanged');
});
