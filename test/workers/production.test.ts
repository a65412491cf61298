/**
 * The production topology from the command line: a separate Temporal server, `volt-agent worker`
 * (SIGTERM and a restart mid-run), `volt-agent run` as a plain client. Every command runs as the
 * user runs it: bin/volt-agent.js in a child process.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { hasEscapes } from '../../src/cli/progress-view.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { cliIn, readMetadata, type Spawned } from '../support/cli-process.js';
import { buildDataset } from '../support/datasets.js';
import { ensureTemporalBinary } from '../../src/temporal/binary.js';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server.js';

let work: string;
before(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'volt-production-'));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

const { userEnv, volt, spawnVolt } = cliIn(() => work);

// ---------------------------------------------------------------------------------------------

describe('production topology: a separate Temporal server, `volt-agent worker`, `volt-agent run`', () => {
  let server: DevServer;
  let sandbox: Sandbox;
  const runs = () => path.join(work, 'production-runs');
  const external = (): Record<string, string> => ({ TEMPORAL_ADDRESS: server.address, VOLT_WORKER_SHUTDOWN_GRACE_SECONDS: '20' });
  const workers: Spawned[] = [];

  before(async () => {
    [server, sandbox] = await Promise.all([
      startDevServer({ binaryPath: await ensureTemporalBinary() }),
      // A small dataset whose Fibery answers take 700 ms: the enrichment lasts long enough to stop a worker in it.
      startSandbox({ dataset: buildDataset([{ space: 'Scrum', type: 'Task', count: 4 }, { space: 'Scrum', type: 'Bug', count: 2 }], { people: 3 }), fiberyLatencyMs: 700 }),
    ]);
  });
  after(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await sandbox?.close();
    await server?.stop();
  });

  test('run with no worker polling says so within seconds and starts nothing', async () => {
    const result = await volt(['run', '--start-date', '2026-11-09', '--end-date', '2026-11-22', '--output-dir', runs()], external());
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /no worker is polling task queue volt-agent-pipeline on 127\.0\.0\.1:\d+ .*volt-agent worker/);
    assert.ok(!existsSync(runs()), 'no run directory');
    const connection = await Connection.connect({ address: server.address });
    try {
      assert.equal((await new Client({ connection }).workflow.count()).count, 0, 'no workflow was started');
    } finally {
      await connection.close();
    }
  });

  test('worker and run against an unreachable server: a clear line and exit 3', async () => {
    for (const args of [['worker'], ['run', '--start-date', '2026-11-09', '--end-date', '2026-11-10', '--output-dir', runs()]]) {
      const result = await volt(args, { TEMPORAL_ADDRESS: '127.0.0.1:1' });
      assert.equal(result.code, 3, result.stderr);
      assert.match(result.stderr, /^volt-agent: cannot reach the Temporal server at 127\.0\.0\.1:1 \(connection refused\)/m);
    }
  });

  test('the run completes across a SIGTERM and a restart of the worker', async () => {
    const workerEnv = userEnv({ ...external(), ...sandbox.env });
    const startWorker = async () => {
      const w = spawnVolt(['worker', '--max-concurrent-activities', '4'], {}, workerEnv);
      workers.push(w);
      await w.waitFor(/Worker polling task queue volt-agent-pipeline/);
      return w;
    };
    const first = await startWorker();
    // The run's process has no tokens: only the worker talks to Toggl and Fibery.
    const run = spawnVolt(['run', '--start-date', '2026-11-09', '--end-date', '2026-11-22', '--output-dir', runs()], external());
    await run.waitFor(/Enriching entities by type/);
    const runId = /Run (run_\S+) started/.exec(run.output())![1]!;

    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0, first.output());
    assert.match(first.output(), /SIGTERM: stopping the worker/);
    assert.match(first.output(), /Worker stopped/);
    const paused = await readMetadata(path.join(runs(), runId));
    assert.equal(paused.status, 'in_progress', 'the run waits for a worker');
    assert.equal(run.child.exitCode, null, 'the run command keeps watching');

    await startWorker();
    assert.equal(await run.exited, 0, run.output());
    assert.match(run.output(), new RegExp(`✓ Run ${runId} completed`));
    const done = await readMetadata(path.join(runs(), runId));
    assert.equal(done.status, 'completed');
    assert.deepEqual(done.stages_completed, ['toggl', 'fibery']);
    assert.ok(!hasEscapes(run.output()));

    const shown = JSON.parse((await volt(['show-run', '--run-id', runId, '--output-dir', runs(), '--json'], external())).stdout) as { status: string };
    assert.equal(shown.status, 'completed');
    const ui = await volt(['temporal-ui', '--run-id', runId, '--output-dir', runs(), '--no-open'], { ...external(), TEMPORAL_UI_URL: 'http://temporal-ui.example:8080/' });
    assert.equal(ui.stdout.trim(), `http://temporal-ui.example:8080/namespaces/default/workflows/toggl-fibery-${runId}`);
  });
});
