/**
 * Runs `temporal server start-dev` as a child process and waits until it answers gRPC calls.
 * Unlike `TestWorkflowEnvironment.createLocal`, there is no fixed 5-second start limit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { Connection } from '@temporalio/client';
import { ensureTemporalBinary } from './binary.js';
import { getFreePorts, isPortFree } from './ports.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface DevServerOptions {
  /** Temporal CLI binary; default: `ensureTemporalBinary()`. */
  binaryPath?: string;
  /** `one` (default): one partition per task queue, so a cap on an API queue holds exactly; `server-default`: the server's own (four). The budgets need neither. */
  taskQueuePartitions?: 'one' | 'server-default';
  /** SQLite file for persistence; omitted = in-memory. Its directory is created if missing. */
  dbFilename?: string;
  /** gRPC frontend port; default: a free port. */
  port?: number;
  /** Web UI port (only used when `headless` is false); default: a free port. */
  uiPort?: number;
  /** Disable the Web UI; default true. */
  headless?: boolean;
  /** Namespace to create and wait for; default 'default'. */
  namespace?: string;
  /** How long to wait for the server to answer; default 60000 ms. */
  startTimeoutMs?: number;
  /** Append the server's stdout/stderr to this file. */
  logFile?: string;
  /** Progress lines and the server's own output lines. */
  log?: (line: string) => void;
}

export interface DevServer {
  /** `127.0.0.1:<port>`, for `Connection.connect({ address })` / `NativeConnection.connect({ address })`. */
  address: string;
  namespace: string;
  /** `http://127.0.0.1:<uiPort>`, or null when headless. */
  uiUrl: string | null;
  pid: number;
  /** SIGTERM, then SIGKILL after 10 s; resolves once the process has exited. Idempotent. */
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 10_000;
const MAX_PORT_RETRIES = 3;
const HEAD_LINES = 8;
const TAIL_LINES = 32;

// ---------------------------------------------------------------------------
// Children still running are stopped when this process exits.

const liveChildren = new Set<ChildProcess>();
let hooksInstalled = false;
const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function killAllChildren(): void {
  for (const child of liveChildren) {
    try {
      child.kill('SIGTERM');
    } catch {
      // already gone
    }
  }
  liveChildren.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  killAllChildren();
  // If nobody else handles this signal, restore Node's default behaviour (terminate) by re-raising it.
  process.removeListener(signal, onSignal);
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function track(child: ChildProcess): void {
  liveChildren.add(child);
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllChildren);
  // Without a listener, Node dies on these signals without running 'exit' handlers.
  // Only hook signals nobody else handles (e.g. the Temporal worker Runtime handles them itself,
  // then exits normally, which runs the 'exit' handler above).
  for (const signal of FORWARDED_SIGNALS) {
    if (process.listenerCount(signal) === 0) process.once(signal, onSignal);
  }
}

function untrack(child: ChildProcess): void {
  liveChildren.delete(child);
}

// ---------------------------------------------------------------------------


/**
 * What the server printed, for a failure's message: the first lines (where a Go panic names its
 * cause) and the last ones (a panic's goroutine dump runs to hundreds of lines between them).
 */
class ServerOutput {
  private readonly head: string[] = [];
  private readonly tail: string[] = [];
  private skipped = 0;
  /** A port we picked was taken by another process before the server bound it. */
  portClash = false;

  push(line: string): void {
    if (/address already in use|bind: /i.test(line)) this.portClash = true;
    if (this.head.length < HEAD_LINES) {
      this.head.push(line);
      return;
    }
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) {
      this.tail.shift();
      this.skipped++;
    }
  }

  text(): string {
    if (this.head.length === 0) return '(no output)';
    const gap = this.skipped ? [`… (${this.skipped} lines)`] : [];
    return [...this.head, ...gap, ...this.tail].join('\n');
  }
}

function forwardLines(stream: Readable, onLine: (line: string) => void): void {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).replace(/\r$/, '');
      buf = buf.slice(nl + 1);
      if (line.trim() !== '') onLine(line);
    }
  });
  stream.on('end', () => {
    if (buf.trim() !== '') onLine(buf);
    buf = '';
  });
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `was killed by ${signal}` : `exited with code ${code}`;
}

/** Polls the server until it answers for `namespace`, the child exits, or the deadline passes. */
async function waitUntilReady(
  address: string,
  namespace: string,
  deadline: number,
  exited: Promise<string>,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  let lastError = 'no answer yet';
  let exitReason: string | null = null;
  void exited.then((r) => {
    exitReason = r;
  });
  while (Date.now() < deadline) {
    if (exitReason !== null) return { ok: false, reason: exitReason };
    const attemptDeadline = Math.min(deadline, Date.now() + 5_000);
    const connection = Connection.lazy({ address, connectTimeout: Math.max(500, attemptDeadline - Date.now()) });
    try {
      const check = (async () => {
        await connection.ensureConnected();
        await connection.withDeadline(attemptDeadline, () =>
          connection.workflowService.describeNamespace({ namespace }),
        );
      })();
      check.catch(() => undefined); // handled via the race below; avoid an unhandled rejection after exit
      const outcome = await Promise.race([check.then(() => 'ready' as const), exited]);
      if (outcome === 'ready') return { ok: true };
      return { ok: false, reason: outcome };
    } catch (err) {
      lastError = (err as Error).message;
    } finally {
      await connection.close().catch(() => undefined);
    }
    if (exitReason !== null) return { ok: false, reason: exitReason };
    await sleep(250);
  }
  return { ok: false, reason: `did not answer within the start timeout (last error: ${lastError})` };
}

/** Starts `temporal server start-dev` and resolves once it serves the namespace. */
export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const log = opts.log ?? ((): void => undefined);
  const namespace = opts.namespace ?? 'default';
  const headless = opts.headless ?? true;
  const startTimeoutMs = opts.startTimeoutMs ?? 60_000;
  const binaryPath = opts.binaryPath ?? (await ensureTemporalBinary({ log }));
  const dbFilename = opts.dbFilename ? path.resolve(opts.dbFilename) : undefined;
  if (dbFilename) await fs.mkdir(path.dirname(dbFilename), { recursive: true });

  let logStream: WriteStream | undefined;
  if (opts.logFile) {
    await fs.mkdir(path.dirname(path.resolve(opts.logFile)), { recursive: true });
    logStream = createWriteStream(opts.logFile, { flags: 'a' });
  }

  const explicitPorts = opts.port !== undefined && (headless || opts.uiPort !== undefined);
  const attempts = explicitPorts ? 1 : MAX_PORT_RETRIES;
  let lastFailure = '';
  let retriedOtherFailure = false;
  try {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const result = await startOnce(binaryPath, namespace, headless, startTimeoutMs, dbFilename, opts, log, logStream);
      if ('server' in result) return result.server;
      lastFailure = result.failure;
      if (attempt === attempts) break;
      if (result.portClash) {
        // A port we picked was taken by someone else in the meantime: pick new ones.
        log(`Temporal dev server could not bind its ports; retrying with new ones (attempt ${attempt + 1})`);
        continue;
      }
      // On a starved machine the server has been seen to give up during its own start-up: once more.
      if (retriedOtherFailure) break;
      retriedOtherFailure = true;
      log(`${result.failure}\nRetrying once (attempt ${attempt + 1})`);
      await sleep(1000);
    }
  } catch (err) {
    logStream?.end();
    throw err;
  }
  logStream?.end();
  throw new Error(lastFailure);
}

type StartResult = { server: DevServer } | { failure: string; portClash: boolean };

async function startOnce(
  binaryPath: string,
  namespace: string,
  headless: boolean,
  startTimeoutMs: number,
  dbFilename: string | undefined,
  opts: DevServerOptions,
  log: (line: string) => void,
  logStream: WriteStream | undefined,
): Promise<StartResult> {
  const [freeGrpc, freeUi, httpPort, metricsPort] = (await getFreePorts(4)) as [number, number, number, number];
  const port = opts.port ?? freeGrpc;
  const uiPort = headless ? null : (opts.uiPort ?? freeUi);
  const address = `127.0.0.1:${port}`;
  // The readiness check would happily talk to another server already on this port, so make sure it is ours.
  for (const [name, p] of [['port', port], ['uiPort', uiPort]] as const) {
    if (p !== null && !(await isPortFree(p))) {
      return {
        failure: `Temporal dev server cannot start: ${name} 127.0.0.1:${p} is already in use (another Temporal server?).`,
        portClash: true,
      };
    }
  }

  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--http-port',
    String(httpPort),
    '--metrics-port',
    String(metricsPort),
    '--namespace',
    namespace,
    // A file of its own (the embedded service's): written ahead (WAL) and synced at checkpoints
    // rather than at every commit: a crash of the process loses nothing, a power cut at most the
    // last moments, and the server's system CPU halves (measured over the demo and one more run:
    // 0.6–0.8 → 0.3–0.4 s of 2.1–2.5 CPU-s).
    ...(dbFilename ? ['--db-filename', dbFilename, '--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal'] : []),
    ...(uiPort === null ? ['--headless'] : ['--ui-port', String(uiPort)]),
    '--log-level',
    'warn',
    '--log-format',
    'pretty',
    '--dynamic-config-value',
    'frontend.enableServerVersionCheck=false',
    // One partition per task queue: a cap on an API queue's activity rate (VOLT_WORKER_*, src/worker.ts)
    // is then enforced in one place rather than split, approximately, across four.
    ...(opts.taskQueuePartitions === 'server-default'
      ? []
      : ['--dynamic-config-value', 'matching.numTaskqueueReadPartitions=1', '--dynamic-config-value', 'matching.numTaskqueueWritePartitions=1']),
  ];
  log(`Starting Temporal dev server: ${binaryPath} ${args.join(' ')}`);
  const started = Date.now();

  const child = spawn(binaryPath, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
  const tail = new ServerOutput();
  const onLine = (stream: string) => (line: string) => {
    tail.push(line);
    logStream?.write(`${line}\n`);
    log(`[temporal ${stream}] ${line}`);
  };
  forwardLines(child.stdout as Readable, onLine('out'));
  forwardLines(child.stderr as Readable, onLine('err'));

  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exitedPromise = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      untrack(child);
      resolve(exitInfo);
    });
    child.once('error', (err) => {
      exitInfo = { code: null, signal: null };
      untrack(child);
      tail.push(`spawn error: ${err.message}`);
      resolve(exitInfo);
    });
  });
  // Give the output streams a moment to drain after exit, so the tail is complete.
  const exitedReason = exitedPromise.then(async ({ code, signal }) => {
    await sleep(100);
    return `The Temporal dev server process ${code === null && signal === null ? 'could not be started' : describeExit(code, signal)}`;
  });

  if (child.pid !== undefined) track(child);
  // Don't let the server (or its pipes) keep this process alive; the 'exit' hook stops it.
  child.unref();
  (child.stdout as unknown as { unref?: () => void }).unref?.();
  (child.stderr as unknown as { unref?: () => void }).unref?.();

  const ready = await waitUntilReady(address, namespace, started + startTimeoutMs, exitedReason);
  if (!ready.ok) {
    if (exitInfo === null) {
      child.kill('SIGKILL');
      await Promise.race([exitedPromise, sleep(5_000)]);
    }
    untrack(child);
    const output = tail.text();
    return {
      failure:
        `Temporal dev server (${binaryPath}) failed to start on ${address}: ${ready.reason}` +
        ` (after ${((Date.now() - started) / 1000).toFixed(1)} s).\nServer output:\n${output}`,
      portClash: tail.portClash,
    };
  }
  log(`Temporal dev server ready at ${address} (pid ${child.pid}, ${((Date.now() - started) / 1000).toFixed(1)} s)`);

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (exitInfo === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => {
          log(`Temporal dev server (pid ${child.pid}) did not exit within ${STOP_GRACE_MS / 1000} s; sending SIGKILL`);
          child.kill('SIGKILL');
        }, STOP_GRACE_MS);
        try {
          await exitedPromise;
        } finally {
          clearTimeout(timer);
        }
      }
      untrack(child);
      logStream?.end();
    })();
    return stopping;
  };

  return {
    server: {
      address,
      namespace,
      uiUrl: uiPort === null ? null : `http://127.0.0.1:${uiPort}`,
      pid: child.pid as number,
      stop,
    },
  };
}
