/**
 * The workflow code must replay the histories of runs already in flight: every history committed
 * in test/histories/ (recorded by `npm run record-histories`) replays against the current code.
 * Reordering two steps, or any change that needs `patched()`, fails here before it fails a run.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import protos from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../src/worker.js';

const DIR = path.resolve('test/histories');
const History = protos.temporal.api.history.v1.History;

test('every committed history replays against the current workflow code', async () => {
  const files = (await readdir(DIR)).filter((f) => f.endsWith('.bin')).sort();
  assert.ok(files.length >= 5, `histories found: ${files.join(', ')}`);
  const bundle = await workflowBundle();
  const types = new Set<string>();
  for (const file of files) {
    const history = History.decode(await readFile(path.join(DIR, file)));
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    types.add(started?.workflowType?.name ?? '?');
    const workflowId = file.replace(/\.v[\d.]+\.bin$/, '');
    await assert.doesNotReject(Worker.runReplayHistory({ workflowBundle: bundle }, history, workflowId), `${file} replays`);
  }
  assert.deepEqual([...types].sort(), ['DeliverReports', 'ScheduledReport', 'TogglFetch', 'TogglFiberyPipeline']);
});
