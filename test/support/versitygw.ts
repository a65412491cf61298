/**
 * A real S3-compatible server for tests: versitygw (Apache-2.0) with its posix backend on a
 * temporary directory, on a free loopback port. The binary is built once with `go install` into
 * `.tools/versitygw/<version>/` (about 3 minutes cold) and found there afterwards; VERSITYGW_PATH
 * names another one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { getFreePort } from '../../src/temporal/ports.js';

export const VERSITYGW_MODULE = 'github.com/versity/versitygw/cmd/versitygw';
export const VERSITYGW_VERSION = 'v1.8.0';
const BUILD_TIMEOUT_MS = 30 * 60_000;

const repoRoot = () => path.resolve(fileURLToPath(new URL('../../', import.meta.url)));

export function versitygwInstallPath(root = repoRoot()): string {
  return path.join(root, '.tools', 'versitygw', VERSITYGW_VERSION, 'versitygw');
}

/** The binary: VERSITYGW_PATH, or the cached build, or a new build (a warm call costs nothing). */
export async function ensureVersitygw(log: (line: string) => void = () => {}): Promise<string> {
  const given = process.env.VERSITYGW_PATH?.trim();
  if (given) {
    if (!existsSync(given)) throw new Error(`VERSITYGW_PATH=${given} does not exist`);
    return given;
  }
  const target = versitygwInstallPath();
  if (existsSync(target)) return target;
  // Built into a directory of its own and renamed into place: two builds at once cannot leave half a binary.
  const toolsDir = path.dirname(path.dirname(target));
  await mkdir(toolsDir, { recursive: true });
  const buildDir = await mkdtemp(path.join(toolsDir, '.build-'));
  try {
    log(`Building versitygw ${VERSITYGW_VERSION} with go install (about 3 minutes, once)…`);
    await run('go', ['install', `${VERSITYGW_MODULE}@${VERSITYGW_VERSION}`], { ...process.env, GOBIN: buildDir, CGO_ENABLED: '0' });
    await mkdir(path.dirname(target), { recursive: true });
    if (!existsSync(target)) await rename(path.join(buildDir, 'versitygw'), target);
    return target;
  } finally {
    await rm(buildDir, { recursive: true, force: true });
  }
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'], timeout: BUILD_TIMEOUT_MS });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.once('error', (error) => reject(new Error(`${command} could not start: ${error.message} (is Go installed?)`)));
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${stderr}`))));
  });
}

export interface TestS3 {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /** The backend directory: one subdirectory per bucket. */
  dataDir: string;
  /** The environment a process needs to use `s3://bucket/prefix` on this server. */
  env(bucket: string, prefix?: string): Record<string, string>;
  /** Requests answered so far, by kind (GET, PUT, HEAD, LIST = a GET of the bucket, DELETE, POST), from the server's own log. */
  requests(): Record<string, number>;
  /** Stops the server, keeping its data (a store outage). */
  pause(): Promise<void>;
  /** Starts it again on the same port and data. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestS3(): Promise<TestS3> {
  const binary = await ensureVersitygw();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'volt-s3-'));
  const port = await getFreePort();
  const accessKey = 'volttestaccess';
  const secretKey = 'volt-test-secret-key';
  let child: ChildProcess | null = null;
  const requests: Record<string, number> = {};
  // versitygw logs a line per request: `hh:mm:ss | vgw | 200 | 1.2ms | 127.0.0.1 | PUT | /bucket/key | …`.
  const count = (line: string) => {
    const match = /\| vgw \| \d+ \|[^|]*\|[^|]*\| (\w+) \| (\S+) \|/.exec(line);
    if (!match) return;
    const [, method, target] = match;
    const kind = method === 'GET' && !/^\/[^/]+\/./.test(target!) ? 'LIST' : method!;
    requests[kind] = (requests[kind] ?? 0) + 1;
  };

  const start = async () => {
    if (child && child.exitCode === null) return;
    child = spawn(binary, ['--access', accessKey, '--secret', secretKey, '--port', `127.0.0.1:${port}`, 'posix', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    createInterface({ input: child.stdout! }).on('line', count);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    const exited = new Promise<never>((_, reject) => child!.once('exit', (code) => reject(new Error(`versitygw exited ${code}: ${stderr}`))));
    exited.catch(() => undefined);
    await Promise.race([waitForPort(port), exited]);
  };
  const halt = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGTERM');
    });
  };
  await start();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    accessKey,
    secretKey,
    dataDir,
    env: (bucket, prefix = '') => ({
      VOLT_RUN_STORE: `s3://${bucket}${prefix ? `/${prefix}` : ''}`,
      VOLT_S3_ENDPOINT: endpoint,
      AWS_ACCESS_KEY_ID: accessKey,
      AWS_SECRET_ACCESS_KEY: secretKey,
      AWS_REGION: 'us-east-1',
    }),
    requests: () => ({ ...requests }),
    pause: halt,
    resume: start,
    async stop() {
      await halt();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A bucket made with the server's root credentials (as an operator would, once). */
export async function createBucket(server: TestS3, name: string): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // as src/storage/s3-store.ts does
  const client = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: server.accessKey, secretAccessKey: server.secretKey } });
  try {
    await client.send(new CreateBucketCommand({ Bucket: name }));
  } finally {
    client.destroy();
  }
}

async function waitForPort(port: number): Promise<void> {
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
