/**
 * Where a command finds Temporal. With a server configured (TEMPORAL_ADDRESS or a profile of the
 * Temporal config file, see src/temporal/connection.ts): that server, whose workers run as
 * `volt-agent worker`. Without: the embedded mode's background service (started on demand, ./service/).
 */
import type { Client, Connection } from '@temporalio/client';
import type { Env } from '../config/env.js';
import { EnvironmentError } from '../errors.js';
import { connectClient, newClient, temporalConnectionSettings, type TemporalConnectionSettings } from '../temporal/connection.js';
import { ensureService, holdService } from './service/client.js';
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

/** The configured server, or null for the embedded mode. */
export function externalServer(env: Env): (TemporalConnectionSettings & { address: string }) | null {
  const settings = temporalConnectionSettings(env);
  return settings.address ? { ...settings, address: settings.address } : null;
}

export function uiWorkflowUrl(base: string, namespace: string, workflowId: string): string {
  return `${base.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

export async function connectTemporal(env: Env, opts: { log: (line: string) => void; checkSettings: boolean }): Promise<TemporalTarget> {
  const external = externalServer(env);
  if (external) {
    const connection = await connectClient(external, `is the server running? (docker compose up -d), or unset TEMPORAL_ADDRESS to use the embedded server (settings from ${external.source})`);
    return {
      mode: 'external',
      address: external.address,
      namespace: external.namespace,
      client: await newClient(connection, external.namespace),
      connection,
      uiBaseUrl: env.TEMPORAL_UI_URL ?? DEFAULT_UI_URL,
      service: null,
      close: () => connection.close(),
    };
  }
  const service = await ensureService({ env, log: opts.log, checkSettings: opts.checkSettings });
  const release = holdService(service);
  const connection = await connectClient(
    { address: service.address, namespace: service.namespace, source: 'the background service' },
    `the background service (pid ${service.pid}) may have just stopped; try again`,
  ).catch((error: unknown) => {
    release();
    throw error;
  });
  return {
    mode: 'embedded',
    address: service.address,
    namespace: service.namespace,
    client: await newClient(connection, service.namespace),
    connection,
    uiBaseUrl: service.ui_url ?? DEFAULT_UI_URL,
    service,
    close: () => {
      release();
      return connection.close();
    },
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

/** Without a worker the workflow would wait forever: say so before starting anything. */
export async function requirePoller(target: TemporalTarget, taskQueue: string): Promise<void> {
  if (await waitForPoller(target, taskQueue, target.mode === 'embedded' ? 20_000 : 3_000)) return;
  throw new EnvironmentError(
    target.mode === 'embedded'
      ? `the background service's worker is not polling ${taskQueue}; see ${target.service?.log_file}`
      : `no worker is polling task queue ${taskQueue} on ${target.address} (namespace ${target.namespace}): start one with \`volt-agent worker\` (same TEMPORAL_* settings) and run again (nothing was started)`,
  );
}
