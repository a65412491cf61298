/**
 * What every activity needs from the worker process: its environment (where the tokens live),
 * the config directory and a clock. Tokens are read here, in the worker, and never travel
 * through workflow inputs or results.
 */
import path from 'node:path';
import { configDir } from '../config/app-config.js';
import { runDir } from '../storage/json-storage.js';
import type { RunRef } from '../workflows/contract.js';

export interface ActivityDeps {
  env: NodeJS.ProcessEnv;
  configDir: string;
  now: () => Date;
}

export function defaultDeps(env: NodeJS.ProcessEnv = process.env): ActivityDeps {
  return { env, configDir: configDir(env), now: () => new Date() };
}

export function runPath(ref: RunRef, file: string): string {
  return path.join(runDir(ref.output_dir, ref.run_id), file);
}

export function runDirectory(ref: RunRef): string {
  return runDir(ref.output_dir, ref.run_id);
}
