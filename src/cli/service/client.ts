/**
 * Finding, starting and stopping the embedded mode's background service (./server.ts) from a
 * command: commands are plain Temporal clients of it.
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../config/app-config.js';
import { serviceSettings, type Env } from '../../config/env.js';
import { EnvironmentError } from '../../errors.js';
import { ensureTemporalBinary } from '../../temporal/binary.js';
import type { SandboxAnswer, StatusAnswer } from './server.js';
import { lockHolder, pidAlive, readServiceInfo, sameFingerprint, serviceLogTail, servicePaths, WORKER_VARIABLE_PREFIXES, type ServiceInfo } from './state.js';
import { setTimeout as sleep } from 'node:timers/promises';

const START_TIMEOUT_MS = 120_000;

export async function controlRequest<T>(info: ServiceInfo, method: 'GET' | 'POST', route: string, body?: unknown, timeoutMs = 5_000): Promise<T> {
  const response = await fetch(`${info.control_url}${route}`, {
    method,
    headers: { authorization: `Bearer ${info.control_token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const data = (await response.json().catch(() => ({}))) as T & { error?: string };
  if (!response.ok) throw new Error(`the background service answered ${response.status}: ${data.error ?? 'no details'}`);
  return data;
}

/** service.json, if the service it names is alive and answers. */
export async function findLiveService(dir: string): Promise<ServiceInfo | null> {
  const info = await readServiceInfo(dir);
  if (info === null || !pidAlive(info.pid)) return null;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const status = await controlRequest<StatusAnswer>(info, 'GET', '/status', undefined, 3_000);
      if (status.pid === info.pid) return info;
      return null;
    } catch {
      await sleep(500);
    }
  }
  return null;
}

/** A service killed without cleaning up may leave its Temporal server running: stop that one. */
async function cleanUpStale(dir: string): Promise<void> {
  const stale = await readServiceInfo(dir);
  if (stale === null || pidAlive(stale.pid)) return;
  if (stale.server_pid && pidAlive(stale.server_pid)) {
    const cmdline = await readFile(`/proc/${stale.server_pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes('start-dev') && cmdline.includes(servicePaths(dir).db)) {
      try {
        process.kill(stale.server_pid, 'SIGTERM');
      } catch {
        // gone meanwhile
      }
      for (let i = 0; i < 50 && pidAlive(stale.server_pid); i++) await sleep(200);
    }
  }
}

export interface EnsureServiceOptions {
  env: Env;
  log: (line: string) => void;
  /** Restart a service that runs with other settings (run/demo); other commands take any. */
  checkSettings: boolean;
}

/** The live service for the state directory, started (or restarted for new settings) as needed. */
export async function ensureService(opts: EnsureServiceOptions): Promise<ServiceInfo> {
  const dir = serviceSettings(opts.env).stateDir;
  let info = await findLiveService(dir);
  if (info && opts.checkSettings && !(await sameFingerprint(info, opts.env))) {
    const status = await controlRequest<StatusAnswer>(info, 'GET', '/status');
    const running = status.running_workflows ?? 0;
    if (running > 0) {
      throw new EnvironmentError(
        `the background service for ${dir} (pid ${info.pid}) runs with other settings (${WORKER_VARIABLE_PREFIXES.join('/')} variables, config directory or code) ` +
          `and ${running} workflow${running === 1 ? ' is' : 's are'} still running: wait for ${running === 1 ? 'it' : 'them'} (volt-agent list-runs --status in_progress) ` +
          'or cancel (volt-agent cancel-run --run-id …), then try again; or use another VOLT_STATE_DIR',
      );
    }
    opts.log(`Settings changed since the background service started (pid ${info.pid}): restarting it`);
    await stopService(dir);
    info = null;
  }
  if (info) return info;
  return startService(dir, opts);
}

async function startService(dir: string, opts: EnsureServiceOptions): Promise<ServiceInfo> {
  await cleanUpStale(dir);
  const temporalCli = await ensureTemporalBinary({ log: opts.log, env: opts.env.raw });
  const paths = servicePaths(dir);
  mkdirSync(dir, { recursive: true });
  const holder = await lockHolder(dir);
  let exited: { code: number | null } | null = null;
  if (holder === null) {
    const logFd = openSync(paths.log, 'a', 0o600);
    try {
      const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'bin', 'volt-agent.js'), 'service', 'start', '--temporal-cli', temporalCli], {
        detached: true,
        stdio: ['ignore', logFd, logFd],
        env: { ...opts.env.raw, VOLT_STATE_DIR: dir },
        cwd: process.cwd(),
      });
      child.once('exit', (code) => (exited = { code }));
      child.once('error', () => (exited = { code: null }));
      child.unref();
    } finally {
      closeSync(logFd);
    }
    opts.log(`Starting the background Temporal service for ${dir} (log: ${paths.log})`);
  }
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const info = await readServiceInfo(dir);
    if (info && pidAlive(info.pid)) {
      const live = await findLiveService(dir);
      if (live) return live;
    }
    const current = exited as { code: number | null } | null;
    // Exit code 0 without service.json: another command's service won the lock; wait for that one.
    if (current !== null && (current.code !== 0 || (await lockHolder(dir)) === null)) {
      throw new EnvironmentError(`the background Temporal service did not start (exit code ${current.code}). Last lines of ${paths.log}:\n${await serviceLogTail(dir)}`);
    }
    await sleep(200);
  }
  throw new EnvironmentError(`the background Temporal service did not become ready within ${START_TIMEOUT_MS / 1000} s; see ${paths.log}`);
}

/** Stops the state directory's service and waits until it is gone. False when none was running. */
export async function stopService(dir: string, timeoutMs = 60_000): Promise<boolean> {
  const info = await readServiceInfo(dir);
  const pid = info && pidAlive(info.pid) ? info.pid : await lockHolder(dir);
  if (pid === null) {
    await cleanUpStale(dir);
    return false;
  }
  let asked = false;
  if (info && info.pid === pid) {
    try {
      await controlRequest(info, 'POST', '/stop');
      asked = true;
    } catch {
      // fall back to a signal
    }
  }
  if (!asked) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + timeoutMs;
  while (pidAlive(pid) && Date.now() < deadline) await sleep(100);
  if (pidAlive(pid)) throw new EnvironmentError(`the background service (pid ${pid}) did not stop within ${timeoutMs / 1000} s`);
  await cleanUpStale(dir);
  return true;
}

/**
 * Keeps the service from stopping for idleness while a command uses it (a command that only lists
 * or creates schedules runs no workflow, and its Temporal calls do not reach the control
 * endpoint): a hold every quarter of the idle time, so the service's own idle check, every quarter
 * too, never finds it idle. Without it, a service stopping under a slow command left that command
 * waiting minutes on gRPC's retries. Returns the release.
 */
export function holdService(info: ServiceInfo): () => void {
  const everyMs = Math.max(500, Math.min(30_000, info.idle_seconds * 250));
  const timer = setInterval(() => void controlRequest(info, 'POST', '/hold', {}, everyMs).catch(() => {}), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

export function requestSandbox(info: ServiceInfo, datasetPath: string, fiberyLatencyMs: number): Promise<SandboxAnswer> {
  return controlRequest<SandboxAnswer>(info, 'POST', '/sandbox', { dataset_path: path.resolve(datasetPath), fibery_latency_ms: fiberyLatencyMs }, 60_000);
}

export function serviceStatus(info: ServiceInfo): Promise<StatusAnswer> {
  return controlRequest<StatusAnswer>(info, 'GET', '/status');
}

/**
 * Makes sure the worker of `taskQueue` runs: a sandbox queue this state directory knows gets its
 * simulators back (after a restart of the service); any other queue is served by the main worker.
 */
export async function restoreSandboxQueue(info: ServiceInfo, taskQueue: string): Promise<SandboxAnswer | null> {
  try {
    const answer = await controlRequest<{ sandbox: SandboxAnswer | null }>(info, 'POST', '/sandbox-queue', { task_queue: taskQueue }, 60_000);
    return answer.sandbox;
  } catch (error) {
    throw new EnvironmentError(`the background service cannot serve task queue ${taskQueue}: ${(error as Error).message}`);
  }
}
