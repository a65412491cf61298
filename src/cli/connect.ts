/**
 * Where a command finds Temporal. Without TEMPORAL_ADDRESS: the embedded mode's background service
 * (started on demand, see ./service/). With it: that server, whose workers run as `volt-agent worker`.
 */
import net from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { ensureService } from './service/client.js';
import type { ServiceInfo } from './service/state.js';

export interface TemporalTarget {
  mode: 'embedded' | 'external';
  address: string;
  namespace: string;
  client: Client;
  connection: Connection;
  /** The Temporal web UI: the dev server's own in embedded mode, TEMPORAL_UI_URL otherwise. */
  uiBaseUrl: string;
  service: ServiceInfo | null;
  close(): Promise<void>;
}

export const DEFAULT_UI_URL = 'http://localhost:8080';

export function externalAddress(env: NodeJS.ProcessEnv): string | null {
  return env.TEMPORAL_ADDRESS?.trim() || null;
}

export function uiWorkflowUrl(base: string, namespace: string, workflowId: string): string {
  return `${base.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** A short reason for a failed connection, without the transport library's wrapping. */
export function connectionProblem(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  if (/ECONNREFUSED|Connection refused/i.test(text)) return 'connection refused';
  if (/ENOTFOUND|EAI_AGAIN|dns error|failed to lookup/i.test(text)) return 'unknown host';
  if (/ETIMEDOUT|deadline|timed out|no answer/i.test(text)) return 'no answer';
  const first = text.split('\n')[0]!;
  return first.length > 120 ? `${first.slice(0, 117)}…` : first;
}

/** Fails fast when nothing listens at host:port (gRPC would retry until its deadline). */
export function probeTcp(address: string, timeoutMs = 3000): Promise<void> {
  const match = /^(.*):(\d+)$/.exec(address.replace(/^[a-z]+:\/\//i, ''));
  if (!match) return Promise.resolve();
  const host = match[1]!.replace(/^\[|\]$/g, '');
  const port = Number(match[2]);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const done = (error?: Error) => {
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    socket.setTimeout(timeoutMs, () => done(new Error('no answer')));
    socket.once('connect', () => done());
    socket.once('error', (error) => done(error));
  });
}

export async function connectClient(address: string, hint: string): Promise<Connection> {
  try {
    await probeTcp(address);
    return await Connection.connect({ address, connectTimeout: '10s' });
  } catch (error) {
    throw new Error(`cannot reach the Temporal server at ${address} (${connectionProblem(error)}): ${hint}`, { cause: error });
  }
}

export async function connectTemporal(
  env: NodeJS.ProcessEnv,
  opts: { log: (line: string) => void; checkSettings: boolean },
): Promise<TemporalTarget> {
  const external = externalAddress(env);
  if (external) {
    const namespace = env.TEMPORAL_NAMESPACE?.trim() || 'default';
    const connection = await connectClient(external, 'start it (docker compose up -d) or unset TEMPORAL_ADDRESS to use the embedded server');
    return {
      mode: 'external',
      address: external,
      namespace,
      client: new Client({ connection, namespace }),
      connection,
      uiBaseUrl: env.TEMPORAL_UI_URL?.trim() || DEFAULT_UI_URL,
      service: null,
      close: () => connection.close(),
    };
  }
  const service = await ensureService({ env, log: opts.log, checkSettings: opts.checkSettings });
  const connection = await connectClient(service.address, `the background service (pid ${service.pid}) may have just stopped; try again`);
  return {
    mode: 'embedded',
    address: service.address,
    namespace: service.namespace,
    client: new Client({ connection, namespace: service.namespace }),
    connection,
    uiBaseUrl: service.ui_url ?? DEFAULT_UI_URL,
    service,
    close: () => connection.close(),
  };
}

export interface PollerCheck {
  ok: boolean;
  /** Pollers seen recently (a worker long-polls about once a minute). */
  pollers: number;
}

/** Whether some worker polls `taskQueue` for workflow tasks: one that polled within `freshSeconds`. */
export async function workflowPollers(target: Pick<TemporalTarget, 'connection' | 'namespace'>, taskQueue: string, freshSeconds = 90): Promise<PollerCheck> {
  const response = await target.connection.workflowService.describeTaskQueue({
    namespace: target.namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
  });
  const now = Date.now();
  const fresh = (response.pollers ?? []).filter((p) => {
    const seconds = p.lastAccessTime?.seconds;
    if (seconds === undefined || seconds === null) return true;
    return now - Number(seconds) * 1000 <= freshSeconds * 1000;
  });
  return { ok: fresh.length > 0, pollers: fresh.length };
}

/** Waits up to `waitMs` for a worker on `taskQueue`; false if none turned up. */
export async function waitForPoller(target: Pick<TemporalTarget, 'connection' | 'namespace'>, taskQueue: string, waitMs: number): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    if ((await workflowPollers(target, taskQueue)).ok) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
