/** The progress display while the Toggl fetch waits for the quota: what the operator reads. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plainProgressLine, renderProgressBox, withWallClock } from '../src/cli/progress-view.js';
import type { Progress } from '../src/workflows/contract.js';

const AS_OF = Date.parse('2026-11-30T10:00:00Z');

function fetching(waitUntil: number | null): Progress {
  return {
    run_id: 'run_year',
    status: 'running',
    current_stage: 'toggl',
    current_activity: 'fetch_toggl_data',
    activity_index: 1,
    activity_count: 9,
    percentage: 8.1,
    eta_seconds: 4000,
    details: {
      types: [],
      current_type: null,
      persons: { done: 0, total: 0 },
      toggl: { pages: 812, estimated_pages: 1291, entries: 162_304, requests: 815, quota_remaining: 0, quota_wait_until: waitUntil, done: false },
      as_of: AS_OF,
      elapsed_seconds: 3600,
      rate_per_second: null,
      error: null,
    },
  };
}

test('a quota wait is one line with the time left by the wall clock and the pages fetched', () => {
  const progress = fetching(AS_OF + 34 * 60_000);
  const now = AS_OF + 60_000;
  const box = renderProgressBox('run_year', progress, { columns: 120, now }).join('\n');
  assert.match(box, /Waiting for the Toggl quota: resumes in 33m 0s \(812 of 1,291 pages fetched\)/);
  assert.match(plainProgressLine(progress, now), /Waiting for the Toggl quota: resumes in 33m 0s \(812 of 1,291 pages fetched\)/);
});

test('while fetching without a wait: pages against the estimate, no wait line', () => {
  const box = renderProgressBox('run_year', fetching(null), { columns: 120 }).join('\n');
  assert.doesNotMatch(box, /Waiting for the Toggl quota/);
  assert.match(box, /Pages: 812 of ~1,291 fetched, 162,304 entries, 815 requests/);
});

test('the ETA the workflow gave (quota waits included) counts down by the wall clock', () => {
  const progress = fetching(AS_OF + 34 * 60_000);
  const later = withWallClock(progress, AS_OF - 3_600_000, AS_OF + 600_000);
  assert.equal(later.eta_seconds, 3400);
  assert.equal(later.details.elapsed_seconds, 4200);
});
