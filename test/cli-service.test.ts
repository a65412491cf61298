/**
 * The embedded mode's background service from other terminals: a run cancelled by cancel-run from
 * another process, and a service whose settings changed restarted (a second one steps aside,
 * `service stop` stops it). A service and a state directory of their own, beside
 * cli-operator.test.ts's (the demo and the runs watched), so the two files run at once. Every
 * command runs as the user runs it: bin/volt-agent.js in a child process.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { readServiceInfo } from '../src/cli/service/state.js';
import type { RunMetadata } from '../src/storage/schemas.js';
import { cliIn, HANG_GUARD_MS, readMetadata } from './support/cli-process.js';

let work: string;
before(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'volt-service-'));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

const { volt, spawnVolt } = cliIn(() => work);

async function waitForMetadata(dir: string, check: (m: RunMetadata) => boolean, timeoutMs = HANG_GUARD_MS): Promise<RunMetadata> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = await readMetadata(dir).catch(() => null);
    if (m && check(m)) return m;
    if (Date.now() > deadline) throw new Error(`run_metadata.json in ${dir} did not reach the expected state: ${JSON.stringify(m?.status)}`);
    await sleep(100);
  }
}

// One after another: the first run starts the service the second test restarts.
describe('the background service from other terminals', { concurrency: 1 }, () => {
  const runs = () => path.join(work, 'runs');
  const stateDir = () => path.join(work, 'state');

  after(async () => {
    await volt(['service', 'stop']);
  });

  // On its own: a cancellation is what is tested, not the service under the load of other runs.
  test('cancel-run from another process: cancelled in run_metadata.json and on the server', async () => {
    // Fibery answers after 20 s: the run is still enriching whenever the cancellation comes, on any machine.
    const run = spawnVolt(['run', '--sandbox', '--sandbox-latency', '20000', '--start-date', '2026-11-09', '--end-date', '2026-11-22', '--output-dir', runs()]);
    await run.waitFor(/Enriching entities by type/);
    const runId = /Run (run_\S+) started/.exec(run.output())![1]!;
    const cancel = await volt(['cancel-run', '--run-id', runId, '--output-dir', runs(), '--wait', '120']);
    assert.equal(cancel.code, 0, cancel.stderr + cancel.stdout);
    assert.match(cancel.stdout, new RegExp(`✓ Run ${runId} cancelled`));
    // cancel-run returns once the server says cancelled; the metadata follows from the workflow's last step.
    const m = await waitForMetadata(path.join(runs(), runId), (x) => x.status === 'cancelled');
    assert.equal(m.status, 'cancelled');
    assert.equal(await run.exited, 1, 'the watching command reports the cancellation');
    assert.match(run.output(), new RegExp(`✗ Run ${runId} was cancelled`));

    const info = (await readServiceInfo(stateDir()))!;
    const connection = await Connection.connect({ address: info.address });
    try {
      const description = await new Client({ connection }).workflow.getHandle(`toggl-fibery-${runId}`).describe();
      assert.equal(description.status.name, 'CANCELLED');
    } finally {
      await connection.close();
    }
    const again = await volt(['cancel-run', '--run-id', runId, '--output-dir', runs()]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /is cancelled .*nothing to cancel/);
    const failed = JSON.parse((await volt(['list-runs', '--output-dir', runs(), '--json', '--status', 'cancelled'])).stdout) as { run_id: string }[];
    assert.deepEqual(failed.map((r) => r.run_id), [runId]);
  });

  test('a service with other settings and nothing running is restarted; a second one steps aside; service stop stops it', async () => {
    const before = (await readServiceInfo(stateDir()))!;
    const changed = { VOLT_WORKER_MAX_CONCURRENT_ACTIVITIES: '5' };
    const result = await volt(['run', '--sandbox', '--sandbox-latency', '0', '--start-date', '2026-11-09', '--end-date', '2026-11-10', '--output-dir', runs()], changed);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Settings changed since the background service started/);
    const after = (await readServiceInfo(stateDir()))!;
    assert.notEqual(after.pid, before.pid);
    // Stopping when idle is tested in schedule-cli.test.ts, after its schedule is deleted.
    const second = await volt(['service', 'start'], changed);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /another volt-agent service holds .*service\.lock; this one exits/);
    const status = JSON.parse((await volt(['service', 'status', '--json'], changed)).stdout) as { running: boolean; pid: number };
    assert.deepEqual([status.running, status.pid], [true, after.pid]);
    const stop = await volt(['service', 'stop']);
    assert.match(stop.stdout, /Stopped the background service/);
    assert.equal(await readServiceInfo(stateDir()), null, 'service.json is removed');
    assert.ok(!existsSync(path.join(stateDir(), 'service.lock')));
  });
});
