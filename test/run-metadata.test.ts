/**
 * The run's own bookkeeping, without Temporal: a Fibery-stage restart that does not complete puts
 * the earlier run back as it was, and stays put back when the closing activity runs again (a local
 * activity repeats when its workflow task does).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createCleanupActivities } from '../src/activities/cleanup-activities.js';
import { defaultDeps } from '../src/activities/context.js';
import { createMetadataActivities } from '../src/activities/run-metadata.js';
import { RUN_FILES } from '../src/storage/json-storage.js';
import { runMetadata } from './support/run-metadata.js';

test('a failed restart restores the earlier run byte for byte, and a repeated close leaves it so', async () => {
  const outputDir = await mkdtemp(path.join(os.tmpdir(), 'volt-metadata-'));
  const ref = { output_dir: outputDir, run_id: 'run_earlier' };
  const dir = path.join(outputDir, ref.run_id);
  const earlier = runMetadata(ref.run_id, {
    created_at: '2026-11-01T10:00:00.000Z',
    updated_at: '2026-11-01T10:05:00.000Z',
    finished_at: '2026-11-01T10:05:00.000Z',
    parameters: { start_date: '2026-10-26', end_date: '2026-11-01', compare: 'previous' },
    temporal_metadata: { workflow_id: 'toggl-fibery-run_earlier', run_id: 'execution-a', task_queue: 'q' },
    stats: { entries: 3 },
  });
  const files: Record<string, string> = {
    [RUN_FILES.metadata]: `${JSON.stringify(earlier, null, 2)}\n`,
    [RUN_FILES.aggregated]: JSON.stringify({ period: { start_date: '2026-10-26', end_date: '2026-11-01' }, generated_at: 'x', users: {}, entities: [], totals: { total_seconds: 0, matched_seconds: 0, unmatched_seconds: 0, users: 0, entries: 0, entities: 0, running_entries: 0 }, notes: [] }),
    [RUN_FILES.enriched]: '{"earlier": true}\n',
    [RUN_FILES.teamSummary]: '# The earlier team report\n',
    [path.join(RUN_FILES.individualDir, 'ann.md')]: '# Ann, earlier\n',
  };
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  const deps = defaultDeps({});
  const metadata = createMetadataActivities(deps);
  const cleanup = createCleanupActivities(deps);

  await metadata.record_run_start({
    ...ref, start_date: '2026-10-26', end_date: '2026-11-01', users: null, start_from: 'fibery', compare: 'previous',
    config: null, reload_config: false, workflow_id: 'toggl-fibery-run_earlier', temporal_run_id: 'execution-b', task_queue: 'q',
  });
  await cleanup.cleanup_fibery_stage(ref);
  await writeFile(path.join(dir, RUN_FILES.teamSummary), '# half a new report');
  const end = { ...ref, status: 'failed' as const, error: { message: 'Fibery API answered 401', stage: 'fibery' as const, activity: 'enrich_scrum_task' }, temporal_run_id: 'execution-b' };
  await metadata.record_run_end(end);
  await metadata.record_run_end(end);

  for (const [file, text] of Object.entries(files)) assert.equal(await readFile(path.join(dir, file), 'utf8'), text, `${file} is as it was`);
  assert.ok(!existsSync(path.join(dir, RUN_FILES.previousOutputs)), 'nothing left aside');
});
