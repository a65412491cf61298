/**
 * The S3 run store against a real S3-compatible server (versitygw): the same behaviour as the
 * local store, conditional metadata updates, streaming, and how an outage and bad settings show.
 * Part of `npm run test:s3`.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { z } from 'zod';
import { parseEnv } from '../../src/config/env.js';
import { openRunStore } from '../../src/storage/open-store.js';
import { RunStoreConfigError, RunStoreUnavailableError, type RunStore } from '../../src/storage/run-store.js';
import { writeJsonStream, readStreamedItems } from '../../src/storage/json-stream.js';
import { periodKey, storedAggregates, storedRunsFor } from '../../src/storage/run-history.js';
import { reportData } from '../support/report-data.js';
import { createBucket, startTestS3, type TestS3 } from '../support/versitygw.js';

let s3: TestS3;
let bucketCount = 0;

before(async () => {
  s3 = await startTestS3();
});
after(async () => {
  await s3?.stop();
});

async function freshStore(patienceMs = 0, env: Record<string, string> = {}): Promise<RunStore> {
  const bucket = `runs-${process.pid}-${++bucketCount}`;
  await createBucket(s3, bucket);
  return openRunStore(parseEnv({ ...s3.env(bucket, 'team/weekly'), ...env }), '/nonexistent', { patienceMs });
}

const Counter = z.object({ n: z.number(), by: z.array(z.string()) });

test('files are written, read, listed, moved and removed under PREFIX/<run_id>/', async () => {
  const store = await freshStore();
  const files = store.run('run_a');
  assert.equal(await files.exists(''), false);
  await files.writeJson('run_metadata.json', { n: 1, by: [] });
  await files.write('reports/team_summary.md', '# Team\n');
  await files.write('reports/individual/ann.md', '# Ann\n');
  await files.write('.staging/toggl/page-000001.json', '{"entries":[]}');
  assert.equal(files.where('reports/team_summary.md'), `${store.location.split(' ')[0]}/run_a/reports/team_summary.md`);
  assert.equal(await files.exists(''), true);
  assert.equal(await files.exists('reports'), true);
  assert.equal(await files.exists('reports/team_summary.md'), true);
  assert.equal(await files.exists('reports/nothing.md'), false);
  assert.deepEqual(await files.readJson('run_metadata.json', Counter), { n: 1, by: [] });
  assert.deepEqual((await files.list()).map((f) => f.key), ['.staging/toggl/page-000001.json', 'reports/individual/ann.md', 'reports/team_summary.md', 'run_metadata.json']);
  assert.deepEqual(await files.list('reports/team_summary.md'), [{ key: 'reports/team_summary.md', bytes: 7 }]);
  await files.move('reports/individual', '.previous/reports/individual');
  assert.equal(await files.read('.previous/reports/individual/ann.md'), '# Ann\n');
  assert.equal(await files.exists('reports/individual'), false);
  await files.remove('.staging');
  await files.remove('.staging'); // nothing there is fine
  assert.deepEqual((await files.list()).map((f) => f.key), ['.previous/reports/individual/ann.md', 'reports/team_summary.md', 'run_metadata.json']);
  await assert.rejects(files.read('raw_toggl_data.json'), /missing run file s3:\/\/.*\/team\/weekly\/run_a\/raw_toggl_data\.json/);
  await store.run('run_b').write('run_metadata.json', '{}');
  assert.deepEqual((await store.runIds()).sort(), ['run_a', 'run_b']);
});

test('concurrent updates of one file lose nothing: each is a conditional write on the version read', async () => {
  const store = await freshStore();
  const files = store.run('run_c');
  await files.writeJson('run_metadata.json', { n: 0, by: [] });
  // Two "workers" with clients of their own, ten updates each, all at once.
  const other = openRunStore(parseEnv({ ...s3.env(store.location.split('/')[2]!.split(' ')[0]!, 'team/weekly') }), '/x', { patienceMs: 1000 });
  assert.notEqual(other, store);
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      (i % 2 ? other : store).run('run_c').update('run_metadata.json', Counter, (v) => {
        v.n += 1;
        v.by.push(`u${i}`);
      }),
    ),
  );
  const final = await files.readJson('run_metadata.json', Counter);
  assert.equal(final.n, 20);
  assert.equal(new Set(final.by).size, 20);
});

test('a large file is streamed in parts and read back line by line', async () => {
  const store = await freshStore();
  const files = store.run('run_d');
  const items = function* () {
    for (let i = 0; i < 120_000; i++) yield { id: i, description: `entry ${i} ${'x'.repeat(80)}` };
  };
  const count = await writeJsonStream(files, 'raw_toggl_data.json', { head: { period: 'p' }, arrayKey: 'time_entries', items: items(), tail: () => ({ users: [] }) });
  assert.equal(count, 120_000);
  const bytes = (await files.list('raw_toggl_data.json'))[0]?.bytes ?? 0;
  assert.ok(bytes > 8 * 1024 * 1024, `more than one part (${bytes} bytes)`);
  let seen = 0;
  for await (const item of readStreamedItems<{ id: number }>(files, 'raw_toggl_data.json', 'time_entries')) assert.equal(item.id, seen++);
  assert.equal(seen, 120_000);
  const parsed = JSON.parse(await files.read('raw_toggl_data.json')) as { time_entries: unknown[]; users: unknown[] };
  assert.equal(parsed.time_entries.length, 120_000);
});

test('a wrong bucket or refused credentials is a configuration error naming the endpoint', async () => {
  const missing = openRunStore(parseEnv(s3.env('no-such-bucket-here')), '/x', { patienceMs: 5000 });
  await assert.rejects(missing.check(), (error: Error) => error instanceof RunStoreConfigError && error.message.includes('no bucket "no-such-bucket-here"') && error.message.includes(s3.endpoint));
  await assert.rejects(missing.run('run_x').read('run_metadata.json'), RunStoreConfigError);
  const store = await freshStore();
  const bucket = store.location.split('/')[2]!.split(' ')[0]!;
  const refused = openRunStore(parseEnv({ ...s3.env(bucket), AWS_SECRET_ACCESS_KEY: 'not-the-secret' }), '/x', { patienceMs: 5000 });
  const started = Date.now();
  await assert.rejects(refused.run('run_x').writeJson('run_metadata.json', {}), (error: Error) => error instanceof RunStoreConfigError && /refused/.test(error.message) && !error.message.includes('not-the-secret'));
  assert.ok(Date.now() - started < 5000, 'refused at once, not waited for');
});

test('a store that is down is waited for within the patience, then an unavailable error naming the endpoint', async () => {
  const impatient = await freshStore(0);
  const bucket = impatient.location.split('/')[2]!.split(' ')[0]!;
  let waiting!: (line: string) => void;
  const told = new Promise<string>((resolve) => (waiting = resolve));
  const patient = openRunStore(parseEnv(s3.env(bucket, 'team/weekly')), '/x', { patienceMs: 60_000, log: (line) => waiting(line) });
  await s3.pause();
  try {
    await assert.rejects(impatient.run('run_e').read('run_metadata.json'), (error: Error) => error instanceof RunStoreUnavailableError && error.message.includes(s3.endpoint));
    const write = patient.run('run_e').write('reports/team_summary.md', '# written after the outage\n');
    assert.match(await told, new RegExp(`run store at ${s3.endpoint} does not answer`));
    await s3.resume();
    await write;
  } finally {
    await s3.resume();
  }
  assert.equal(await impatient.run('run_e').read('reports/team_summary.md'), '# written after the outage\n');
});

test("a trend's earlier period is found in another run of the bucket: the latest completed one whose aggregates are readable", async () => {
  const store = await freshStore();
  const { aggregated } = reportData(3);
  const period = aggregated.period;
  const run = async (runId: string, o: { status?: string; finished: string; workspace?: string; users?: string[] | null; aggregates?: string }) => {
    const files = store.run(runId);
    await files.writeJson('run_metadata.json', {
      run_id: runId,
      workflow_id: `toggl-fibery-${runId}`,
      created_at: '2026-11-30T06:00:00.000Z',
      updated_at: o.finished,
      finished_at: o.finished,
      status: o.status ?? 'completed',
      pipeline_version: 'test',
      parameters: { ...period, users_filter: o.users ?? null, start_from: 'toggl', compare: 'previous' },
      temporal_metadata: { workflow_id: `toggl-fibery-${runId}`, run_id: 'r', task_queue: 'q' },
      stages_completed: [],
      stages_failed: [],
    });
    await files.write('toggl_aggregated.json', o.aggregates ?? JSON.stringify({ ...aggregated, workspace_id: o.workspace ?? '1' }));
  };
  await run('run_older', { finished: '2026-11-30T07:00:00.000Z' });
  await run('run_latest', { finished: '2026-11-30T08:00:00.000Z' });
  await run('run_failed', { status: 'failed', finished: '2026-11-30T09:00:00.000Z' });
  await run('run_damaged', { finished: '2026-11-30T10:00:00.000Z', aggregates: '{"period":' });
  await run('run_other_workspace', { finished: '2026-11-30T11:00:00.000Z', workspace: '2' });
  await run('run_some_users', { finished: '2026-11-30T12:00:00.000Z', users: ['ann@example.com'] });
  await store.run('run_me').write('run_metadata.json', '{}');

  const query = { store, periods: [period], workspaceId: '1', users: null, runId: 'run_me' };
  assert.deepEqual([...(await storedRunsFor(query))], [[periodKey(period), 'run_latest']]);
  assert.deepEqual([...(await storedRunsFor({ ...query, users: ['ann@example.com'] }))], [[periodKey(period), 'run_some_users']]);
  assert.deepEqual([...(await storedRunsFor({ ...query, periods: [{ start_date: '2026-11-02', end_date: '2026-11-15' }] }))], []);
  assert.equal(await storedAggregates(store, 'run_damaged'), null);
  assert.equal(await storedAggregates(store, 'run_nowhere'), null);
  assert.deepEqual((await storedAggregates(store, 'run_latest'))?.totals, aggregated.totals);
});
