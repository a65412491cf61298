/**
 * A real Temporal dev server for a test file: started on free ports, stopped afterwards.
 */
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { ensureTemporalBinary } from '../../src/temporal/binary.js';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server.js';
import { getProgressQuery, type Progress } from '../../src/workflows/contract.js';

let runtimeInstalled = false;

export interface TestTemporal {
  server: DevServer;
  client: Client;
  nativeConnection: NativeConnection;
  /** Run first by stop(), last added first (e.g. a worker shared by a file's tests). */
  beforeStop: (() => Promise<void>)[];
  stop(): Promise<void>;
}

/** `partitions`: the server's own four partitions a task queue (default: one, as the embedded service has). */
export async function startTestTemporal(opts: { partitions?: 'server-default' } = {}): Promise<TestTemporal> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
  }
  const server = await startDevServer({ binaryPath: await ensureTemporalBinary(), ...(opts.partitions ? { taskQueuePartitions: opts.partitions } : {}) });
  const connection = await Connection.connect({ address: server.address });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const beforeStop: (() => Promise<void>)[] = [];
  return {
    server,
    client: new Client({ connection, namespace: server.namespace }),
    nativeConnection,
    beforeStop,
    async stop() {
      for (const hook of beforeStop.splice(0).reverse()) await hook();
      await nativeConnection.close();
      await connection.close();
      await server.stop();
    },
  };
}

/** Queries a run's progress every `everyMs` into `seen` until it is no longer running (a failed query is skipped). */
export async function collectProgress(handle: WorkflowHandle, seen: Progress[], everyMs: number): Promise<void> {
  for (;;) {
    const p = await handle.query(getProgressQuery).catch(() => null);
    if (p) seen.push(p);
    if (p && p.status !== 'running') return;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
