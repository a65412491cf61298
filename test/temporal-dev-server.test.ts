import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { ensureTemporalBinary, findTemporalBinary } from '../src/temporal/binary.js';
import { startDevServer, type DevServer } from '../src/temporal/dev-server.js';
import { getFreePorts } from '../src/temporal/ports.js';

const execFileAsync = promisify(execFile);

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function withClient<T>(server: DevServer, fn: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address: server.address });
  try {
    return await fn(new Client({ connection, namespace: server.namespace }));
  } finally {
    await connection.close();
  }
}

describe('Temporal CLI and dev server', { timeout: 15 * 60_000 }, () => {
  let binary: string;
  let tmp: string;

  before(async () => {
    binary = await ensureTemporalBinary({ log: (l) => console.log(`# ${l}`) });
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'volt-temporal-test-'));
  });

  after(async () => {
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  it('ensureTemporalBinary returns a CLI that prints its version', async () => {
    const { stdout } = await execFileAsync(binary, ['--version']);
    assert.match(stdout, /temporal version \S+/);
  });

  it('getFreePorts returns distinct ports', async () => {
    const ports = await getFreePorts(5);
    assert.equal(new Set(ports).size, 5);
    for (const p of ports) assert.ok(p > 0 && p < 65536);
  });

  it('starts on a free port with SQLite, serves a client, stops, and keeps data across restarts', async () => {
    const dbFilename = path.join(tmp, 'nested', 'dir', 'temporal.sqlite'); // directory created on demand
    const workflowId = `persist-${Date.now()}`;

    const first = await startDevServer({ binaryPath: binary, dbFilename });
    try {
      assert.match(first.address, /^127\.0\.0\.1:\d+$/);
      assert.equal(first.namespace, 'default');
      assert.equal(first.uiUrl, null);
      assert.ok(processAlive(first.pid));
      await withClient(first, async (client) => {
        const { count } = await client.workflow.count();
        assert.equal(count, 0);
        // No worker: the execution just stays Running, which is enough to prove persistence.
        await client.workflow.start('noSuchWorkflow', { taskQueue: 'dev-server-test', workflowId, args: [] });
      });
    } finally {
      await first.stop();
    }
    assert.equal(processAlive(first.pid), false, 'stop() ends the server process');
    await first.stop(); // idempotent
    await fs.access(dbFilename);

    const second = await startDevServer({ binaryPath: binary, dbFilename });
    try {
      assert.notEqual(second.pid, first.pid);
      await withClient(second, async (client) => {
        const description = await client.workflow.getHandle(workflowId).describe();
        assert.equal(description.type, 'noSuchWorkflow');
        assert.equal(description.status.name, 'RUNNING');
        await client.workflow.getHandle(workflowId).terminate('test done');
      });
    } finally {
      await second.stop();
    }
    assert.equal(processAlive(second.pid), false);
  });

  it('runs two in-memory servers side by side without port collisions', async () => {
    const [a, b] = await Promise.all([startDevServer({ binaryPath: binary }), startDevServer({ binaryPath: binary })]);
    try {
      assert.notEqual(a.address, b.address);
      for (const server of [a, b]) {
        const list = await withClient(server, async (client) => {
          const ids: string[] = [];
          for await (const wf of client.workflow.list()) ids.push(wf.workflowId);
          return ids;
        });
        assert.deepEqual(list, []);
      }
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('refuses a port that is already in use instead of talking to the other server', async () => {
    const blocker = await startDevServer({ binaryPath: binary });
    try {
      const port = Number(blocker.address.split(':')[1]);
      await assert.rejects(startDevServer({ binaryPath: binary, port }), /127\.0\.0\.1:\d+ is already in use/);
    } finally {
      await blocker.stop();
    }
  });

  it('fails with the server output when the server process exits', async () => {
    const notAFile = path.join(tmp, 'db-is-a-directory');
    await fs.mkdir(notAFile);
    await assert.rejects(startDevServer({ binaryPath: binary, dbFilename: notAFile }), (err: Error) => {
      assert.match(err.message, /failed to start/);
      assert.match(err.message, /exited with code/);
      assert.match(err.message, /Server output:\n.*SQLite/i);
      return true;
    });
  });

  it('TEMPORAL_CLI_PATH pointing at a missing file gives a clear error', async () => {
    const saved = process.env.TEMPORAL_CLI_PATH;
    const missing = path.join(tmp, 'does-not-exist', 'temporal');
    process.env.TEMPORAL_CLI_PATH = missing;
    try {
      await assert.rejects(findTemporalBinary(), (err: Error) => {
        assert.match(err.message, /TEMPORAL_CLI_PATH/);
        assert.ok(err.message.includes(missing));
        assert.match(err.message, /no file exists there/);
        return true;
      });
      await assert.rejects(ensureTemporalBinary(), /TEMPORAL_CLI_PATH/);
    } finally {
      if (saved === undefined) delete process.env.TEMPORAL_CLI_PATH;
      else process.env.TEMPORAL_CLI_PATH = saved;
    }
  });
});
