/**
 * Which run store a process uses: its own environment decides. VOLT_RUN_STORE=s3://BUCKET/PREFIX
 * (with VOLT_S3_ENDPOINT for an S3-compatible server, and AWS_* credentials) is the bucket;
 * without it, the output directory the command or the run names.
 */
import { parseEnv, runStoreSettings, type Env } from '../config/env.js';
import { localRunStore } from './local-store.js';
import type { RunFiles, RunStore } from './run-store.js';
import { s3RunStore } from './s3-store.js';

/** A worker waits this long for an unreachable store within one call, then Temporal retries the activity. */
export const WORKER_STORE_PATIENCE_MS = 60_000;
/** The CLI says at once that the store cannot be reached. */
export const CLI_STORE_PATIENCE_MS = 0;

const s3Stores = new Map<string, RunStore>();

export function openRunStore(env: Env, outputDir: string, opts: { patienceMs: number; log?: (line: string) => void }): RunStore {
  const settings = runStoreSettings(env);
  if (!settings) return localRunStore(outputDir);
  const raw = env.raw;
  const credentials =
    raw.AWS_ACCESS_KEY_ID && raw.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: raw.AWS_ACCESS_KEY_ID.trim(), secretAccessKey: raw.AWS_SECRET_ACCESS_KEY.trim(), ...(raw.AWS_SESSION_TOKEN ? { sessionToken: raw.AWS_SESSION_TOKEN.trim() } : {}) }
      : undefined;
  // One client per process and settings: its connections are reused by every activity.
  const key = JSON.stringify([settings, credentials?.accessKeyId ?? null, opts.patienceMs]);
  let store = s3Stores.get(key);
  if (!store) {
    store = s3RunStore(settings, { patienceMs: opts.patienceMs, credentials, log: opts.log });
    s3Stores.set(key, store);
  }
  return store;
}

/** The run's files in the store the process's environment chooses (CLI commands). */
export function cliRunStore(rawEnv: NodeJS.ProcessEnv, outputDir: string): RunStore {
  return openRunStore(parseEnv(rawEnv), outputDir, { patienceMs: CLI_STORE_PATIENCE_MS });
}

export type { RunFiles, RunStore };
