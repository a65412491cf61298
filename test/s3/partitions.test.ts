/**
 * The API budgets need no server setting: they are shared through the budget workflow. Only a cap
 * on an API queue (VOLT_WORKER_*_REQUESTS_PER_SECOND, the server's own queue rate, which it splits
 * across a queue's partitions) wants one partition a queue: with a cap, `volt-agent worker` names a
 * partitioned queue in one line; without, it checks nothing and says nothing. Part of `npm run test:s3`
 * (the multi-worker topology).
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

const WARNING = /Warning: task queue volt-agent-pipeline-toggl has several partitions on this server, which split the cap of VOLT_WORKER_TOGGL_REQUESTS_PER_SECOND: .*matching\.numTaskqueueReadPartitions.* or leave the cap unset/;

test('a capped API queue on a plain dev server (four partitions a queue): the worker names it in one line', async () => {
  const worker = spawnVolt(['worker'], { TEMPORAL_ADDRESS: partitioned.address, VOLT_STATE_DIR: path.join(work, 'a'), VOLT_WORKER_TOGGL_REQUESTS_PER_SECOND: '1' });
  workers.push(worker);
  await worker.waitFor(WARNING, 120_000);
  assert.equal(worker.output().split('\n').filter((l) => /several partitions/.test(l)).length, 1);
  assert.match(worker.output(), /Toggl 1\/s per token, at most 1 activities\/s on its queue/);
});

test('a capped queue of one partition (the embedded server, the compose file): no warning', async () => {
  const worker = spawnVolt(['worker'], { TEMPORAL_ADDRESS: single.address, VOLT_STATE_DIR: path.join(work, 'b'), VOLT_WORKER_TOGGL_REQUESTS_PER_SECOND: '1' });
  workers.push(worker);
  await worker.waitFor(/Worker polling task queue volt-agent-pipeline/, 120_000);
  const { partitionedQueues } = await import('../../src/temporal/partitions.js');
  const { NativeConnection } = await import('@temporalio/worker');
  const connection = await NativeConnection.connect({ address: single.address });
  try {
    assert.deepEqual(await partitionedQueues(connection, 'default', ['volt-agent-pipeline-toggl'], { withinMs: 5000, everyMs: 500 }), []);
  } finally {
    await connection.close();
  }
  assert.doesNotMatch(worker.output(), /several partitions/);
});

test('no cap: the worker says the budgets are shared and checks no partition', async () => {
  const worker = spawnVolt(['worker'], { TEMPORAL_ADDRESS: partitioned.address, VOLT_STATE_DIR: path.join(work, 'c') });
  workers.push(worker);
  await worker.waitFor(/Worker polling task queue volt-agent-pipeline/, 120_000);
  assert.match(worker.output(), /API budgets shared by all workers \(Toggl 1\/s per token, Fibery 3\/s per token and 7\/s per workspace\)/);
  assert.doesNotMatch(worker.output(), /several partitions/);
});
