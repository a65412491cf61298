/**
 * Where the workflow runs. Without TEMPORAL_ADDRESS: an embedded dev server (persisted in a SQLite
 * file, so past runs stay visible) and the worker in this process. With it: that server, and a
 * separate `volt-agent worker`.
 */
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { ensureTemporalBinary } from '../temporal/binary.js';
import { startDevServer, type DevServer } from '../temporal/dev-server.js';

export interface TemporalSession {
  mode: 'embedded' | 'external';
  address: string;
  namespace: string;
  client: Client;
  /** Only in embedded mode, where the worker runs in this process. */
  workerConnection: NativeConnection | null;
  close(): Promise<void>;
}

export function stateDir(env: NodeJS.ProcessEnv): string {
  return path.resolve(env.VOLT_STATE_DIR || path.join('tmp', 'temporal'));
}

export async function openTemporalSession(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<TemporalSession> {
  const external = env.TEMPORAL_ADDRESS?.trim();
  const namespace = env.TEMPORAL_NAMESPACE?.trim() || 'default';
  if (external) {
    const connection = await connectClient(external);
    return {
      mode: 'external',
      address: external,
      namespace,
      client: new Client({ connection, namespace }),
      workerConnection: null,
      close: () => connection.close(),
    };
  }

  const binaryPath = await ensureTemporalBinary({ log });
  let server: DevServer | null = null;
  try {
    server = await startDevServer({
      binaryPath,
      dbFilename: path.join(stateDir(env), 'temporal.sqlite'),
      logFile: path.join(stateDir(env), 'temporal-server.log'),
      // The server's own output goes to its log file; only trouble reaches the terminal.
      log: (line) => {
        if (!/^(\[temporal |Starting Temporal dev server|Temporal dev server ready)/.test(line)) log(line);
      },
    });
    const connection = await connectClient(server.address);
    const workerConnection = await NativeConnection.connect({ address: server.address });
    const running = server;
    return {
      mode: 'embedded',
      address: server.address,
      namespace: server.namespace,
      client: new Client({ connection, namespace: server.namespace }),
      workerConnection,
      close: async () => {
        await workerConnection.close();
        await connection.close();
        await running.stop();
      },
    };
  } catch (error) {
    await server?.stop();
    throw error;
  }
}

async function connectClient(address: string): Promise<Connection> {
  try {
    return await Connection.connect({ address, connectTimeout: '10s' });
  } catch (error) {
    throw new Error(
      `cannot reach the Temporal server at ${address} (${(error as Error).message.split('\n')[0]}): start it (docker compose up -d) or unset TEMPORAL_ADDRESS to use the embedded server`,
      { cause: error },
    );
  }
}
