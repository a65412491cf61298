/**
 * The API budgets on any Temporal server: a server whose task queues have several partitions
 * splits the API queues' rates, and `volt-agent worker` says so at start in one line; on one
 * partition it says nothing. Part of `npm run test:s3` (the multi-worker topology).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensureTemporalBinary } from '../../src/temporal/binary.js';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server.js';
import { cliIn, type Spawned } from '../support/cli-process.js';

let work: string;
let partitioned: DevServer;
let single: DevServer;
const workers: Spawned[] = [];
const { spawnVolt } = cliIn(() => work);

before(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'volt-partitions-'));
  const binaryPath = await ensureTemporalBinary();
  [partitioned, single] = await Promise.all([startDevServer({ binaryPath, taskQueuePartitions: 'server-default' }), startDevServer({ binaryPath })]);
});
after(async () => {
  for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  await Promise.all([partitioned?.stop(), single?.stop()]);
  await rm(work, { recursive: true, force: true });
});

const WARNING = /Warning: task queues? volt-agent-pipeline-(toggl|fibery)(, volt-agent-pipeline-fibery)? ha(s|ve) several partitions on this server, which split the API rates .*matching\.numTaskqueueReadPartitions/;

test('a plain dev server (four partitions a queue): the worker names the API queues in one line', async () => {
  const worker = spawnVolt(['worker'], { TEMPORAL_ADDRESS: partitioned.address, VOLT_STATE_DIR: path.join(work, 'a') });
  workers.push(worker);
  await worker.waitFor(WARNING, 120_000);
  assert.equal(worker.output().split('\n').filter((l) => /several partitions/.test(l)).length, 1);
});

test('one partition a queue (the embedded server, the compose file): no warning', async () => {
  const worker = spawnVolt(['worker'], { TEMPORAL_ADDRESS: single.address, VOLT_STATE_DIR: path.join(work, 'b') });
  workers.push(worker);
  await worker.waitFor(/Worker polling task queue volt-agent-pipeline/, 120_000);
  // The check asks for 75 s after the worker starts polling; a second worker on the partitioned
  // server warning meanwhile shows the check has run its course there.
  const control = spawnVolt(['worker'], { TEMPORAL_ADDRESS: partitioned.address, VOLT_STATE_DIR: path.join(work, 'c') });
  workers.push(control);
  await control.waitFor(/Worker polling task queue volt-agent-pipeline/, 120_000);
  const { partitionedQueues } = await import('../../src/temporal/partitions.js');
  const { NativeConnection } = await import('@temporalio/worker');
  const connection = await NativeConnection.connect({ address: single.address });
  try {
    assert.deepEqual(await partitionedQueues(connection, 'default', ['volt-agent-pipeline-toggl', 'volt-agent-pipeline-fibery'], { withinMs: 5000, everyMs: 500 }), []);
  } finally {
    await connection.close();
  }
  await control.waitFor(WARNING, 120_000);
  assert.doesNotMatch(worker.output(), /several partitions/);
});
