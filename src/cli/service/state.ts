/**
 * What the embedded mode's background service leaves in the state directory, and what a command
 * reads to find it: `service.json` (where the service listens; written atomically, mode 0600,
 * removed when it stops), `service.lock` (one service per state directory) and `service.log`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { fileURLToPath } from 'node:url';
import { configDir } from '../../config/app-config.js';
import type { Env } from '../../config/env.js';
import { providerList } from '../../llm/providers/index.js';
import { writeFileAtomic } from '../../storage/json-storage.js';
import { packageVersion } from '../version.js';

/**
 * The code the workers run: `src/` from the sources, `dist/` (with its pre-built workflow bundle)
 * when compiled. This module sits two levels below that directory in both.
 */
export const CODE_DIR = fileURLToPath(new URL('../../', import.meta.url));

export const servicePaths = (dir: string) => ({
  info: path.join(dir, 'service.json'),
  lock: path.join(dir, 'service.lock'),
  log: path.join(dir, 'service.log'),
  serverLog: path.join(dir, 'temporal-server.log'),
  db: path.join(dir, 'temporal.sqlite'),
  sandboxes: path.join(dir, 'sandboxes.json'),
});

export const ServiceInfoSchema = z.object({
  pid: z.number().int(),
  server_pid: z.number().int().nullable(),
  address: z.string(),
  namespace: z.string(),
  ui_url: z.string().nullable(),
  control_url: z.string(),
  control_token: z.string(),
  started_at: z.string(),
  version: z.string(),
  idle_seconds: z.number(),
  /** A salted hash of the settings the workers run with: never the values themselves. */
  fingerprint: z.object({ salt: z.string(), hash: z.string() }),
  state_dir: z.string(),
  log_file: z.string(),
});
export type ServiceInfo = z.infer<typeof ServiceInfoSchema>;


/**
 * Variables that change what the workers' activities do (the APIs', each LLM provider's and
 * volt-agent's own, by prefix); a service started with others is restarted.
 */
export const WORKER_VARIABLE_PREFIXES = ['TOGGL_', 'FIBERY_', ...providerList().map((p) => p.envPrefix), 'VOLT_'];
const FINGERPRINT_VARS = new RegExp(`^(${WORKER_VARIABLE_PREFIXES.join('|')})`);
// Read by the commands, not by the workers.
const NOT_FINGERPRINTED = new Set(['VOLT_STATE_DIR', 'VOLT_DEBUG', 'VOLT_NO_BROWSER', 'VOLT_SANDBOX_FIBERY_LATENCY_MS']);

async function newestSourceMtime(dir: string): Promise<number> {
  let newest = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, await newestSourceMtime(full));
    else if (/\.(ts|js|json)$/.test(entry.name)) newest = Math.max(newest, (await stat(full)).mtimeMs);
  }
  return newest;
}

/** The version and the newest file of the code directory: a rebuild or an edit changes it. */
export async function codeFingerprint(dir: string): Promise<string> {
  return `${packageVersion()}@${dir}@${Math.round(await newestSourceMtime(dir))}`;
}

/** The settings material: those variables, the config directory and the code the worker runs. */
export async function fingerprintMaterial(env: Env): Promise<string> {
  const vars = Object.entries(env.raw)
    .filter(([key, value]) => FINGERPRINT_VARS.test(key) && !NOT_FINGERPRINTED.has(key) && value !== undefined)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}=${value}`);
  const code = await codeFingerprint(CODE_DIR);
  return [...vars, `config_dir=${configDir(env.raw)}`, `code=${code}`].join('\n');
}

export function hashFingerprint(salt: string, material: string): string {
  return createHash('sha256').update(salt).update('\0').update(material).digest('hex');
}

export async function newFingerprint(env: Env): Promise<ServiceInfo['fingerprint']> {
  const salt = randomBytes(16).toString('hex');
  return { salt, hash: hashFingerprint(salt, await fingerprintMaterial(env)) };
}

export async function sameFingerprint(info: ServiceInfo, env: Env): Promise<boolean> {
  return hashFingerprint(info.fingerprint.salt, await fingerprintMaterial(env)) === info.fingerprint.hash;
}

export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Writes a file only its owner can read, atomically. */
export async function writePrivateFileAtomic(file: string, content: string): Promise<void> {
  await writeFileAtomic(file, content, 0o600);
}

export async function readServiceInfo(dir: string): Promise<ServiceInfo | null> {
  let text: string;
  try {
    text = await readFile(servicePaths(dir).info, 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = ServiceInfoSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Removes service.json only if it still describes the service `pid` (a newer service may have replaced it). */
export async function removeServiceInfo(dir: string, pid: number): Promise<void> {
  const info = await readServiceInfo(dir);
  if (info === null || info.pid === pid) await rm(servicePaths(dir).info, { force: true });
}

/**
 * Takes the state directory's lock for this process. Returns false when a live process holds it;
 * a lock left by a dead process is taken over.
 */
export async function acquireServiceLock(dir: string): Promise<boolean> {
  const file = servicePaths(dir).lock;
  await mkdir(dir, { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (holder === process.pid) return true;
      if (holder && pidAlive(holder)) return false;
      // Dead holder, or a lock still being written: a lock younger than 2 s may be mid-write.
      const age = Date.now() - (await stat(file).catch(() => ({ mtimeMs: 0 }))).mtimeMs;
      if (!holder && age < 2000) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      await rm(file, { force: true });
    }
  }
  return false;
}

export async function releaseServiceLock(dir: string): Promise<void> {
  const file = servicePaths(dir).lock;
  const holder = Number((await readFile(file, 'utf8').catch(() => '')).trim());
  if (holder === process.pid) await rm(file, { force: true });
}

export async function lockHolder(dir: string): Promise<number | null> {
  const holder = Number((await readFile(servicePaths(dir).lock, 'utf8').catch(() => '')).trim());
  return holder && pidAlive(holder) ? holder : null;
}

/** Last lines of the service log, for a failure message. */
export async function serviceLogTail(dir: string, lines = 15): Promise<string> {
  const text = await readFile(servicePaths(dir).log, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
