/**
 * What every activity needs from the worker process: its environment (where the tokens live),
 * parsed and checked once when the worker starts, the config directory and a clock. Tokens are
 * read here, in the worker, and never travel through workflow inputs or results.
 */
import path from 'node:path';
import { configDir } from '../config/app-config.js';
import { parseEnv, type Env } from '../config/env.js';
import { runDir } from '../storage/json-storage.js';
import type { RunRef } from '../workflows/contract.js';

export interface ActivityDeps {
  /** `env.raw` is the environment as given, for what reads variables of its own (delivery channels, LLM providers). */
  env: Env;
  configDir: string;
  now: () => Date;
}

export function defaultDeps(env: NodeJS.ProcessEnv = process.env): ActivityDeps {
  return { env: parseEnv(env), configDir: configDir(env), now: () => new Date() };
}

export function runPath(ref: RunRef, file: string): string {
  return path.join(runDir(ref.output_dir, ref.run_id), file);
}

export function runDirectory(ref: RunRef): string {
  return runDir(ref.output_dir, ref.run_id);
}
