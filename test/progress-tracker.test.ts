/**
 * The workflow's progress arithmetic on its own: the bar never goes back, and the ETA of a long
 * fetch is the pages left at the fetch's pace plus a share for the steps after it, not the fetch's
 * pace stretched over a fixed share of the bar.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { STEP, type TogglFetchProgress } from '../src/workflows/contract.js';
import { ProgressTracker } from '../src/workflows/progress.js';

const page = (pages: number, estimated: number): TogglFetchProgress => ({
  pages,
  estimated_pages: estimated,
  entries: pages * 200,
  requests: pages,
  quota_remaining: null,
  quota_wait_until: null,
  done: false,
});

/** A run that fetches `pages` pages at one a second, with a snapshot after each page. */
function fetchRun(pages: number) {
  const start = 1_000_000;
  const tracker = new ProgressTracker('run_x', 'toggl', start);
  tracker.start(STEP.cleanup_toggl_stage);
  tracker.finish(STEP.cleanup_toggl_stage);
  tracker.start(STEP.fetch_toggl_data);
  const snapshots = [tracker.snapshot(start + 500)];
  for (let p = 1; p <= pages; p++) {
    tracker.togglFetch(page(p, pages), start + p * 1000);
    snapshots.push(tracker.snapshot(start + p * 1000));
  }
  return { tracker, snapshots, start };
}

test('a year-long fetch: near its end the ETA is minutes, not hours, and the bar shows most of the run done', () => {
  const { snapshots } = fetchRun(2560);
  const nearEnd = snapshots[2500]!;
  assert.ok(nearEnd.eta_seconds !== null && nearEnd.eta_seconds < 600, `ETA ${nearEnd.eta_seconds} s with 60 pages (60 s) left`);
  assert.ok(nearEnd.eta_seconds! >= 60, 'at least the pages left');
  assert.ok(nearEnd.percentage >= 80, `${nearEnd.percentage}%`);
  const halfway = snapshots[1280]!;
  assert.ok(Math.abs(halfway.eta_seconds! - 1280) < 600, `halfway: ETA ${halfway.eta_seconds} s for 1,280 pages left`);
});

test('the bar never goes back, also when the first estimate of pages scales the fetch', () => {
  for (const pages of [3, 30, 2560]) {
    const { snapshots } = fetchRun(pages);
    for (let i = 1; i < snapshots.length; i++) {
      assert.ok(snapshots[i]!.percentage >= snapshots[i - 1]!.percentage, `${pages} pages: ${snapshots[i - 1]!.percentage}% then ${snapshots[i]!.percentage}% at page ${i}`);
    }
  }
});

test('a month-sized fetch keeps the calibrated weights: the steps after it get most of the bar', () => {
  const { tracker, start } = fetchRun(30);
  tracker.finish(STEP.fetch_toggl_data);
  const after = tracker.snapshot(start + 31_000);
  assert.ok(after.percentage > 10 && after.percentage < 20, `${after.percentage}% after the fetch`);
  tracker.end('completed', start + 60_000);
  assert.equal(tracker.snapshot(start + 60_000).percentage, 100);
});
