/**
 * What every activity needs from the worker process: its environment (where the tokens live),
 * parsed and checked once when the worker starts, the config directory, a clock and the run store.
 * Tokens and the store's credentials are read here, in the worker, and never travel through
 * workflow inputs or results.
 */
import { configDir } from '../config/app-config.js';
import { parseEnv, type Env } from '../config/env.js';
import { openRunStore, WORKER_STORE_PATIENCE_MS } from '../storage/open-store.js';
import type { RunFiles, RunStore } from '../storage/run-store.js';
import type { RunRef } from '../workflows/contract.js';

export interface ActivityDeps {
  /** `env.raw` is the environment as given, for what reads variables of its own (delivery channels, LLM providers). */
  env: Env;
  configDir: string;
  now: () => Date;
  /** The run store for a run's output directory (the local store uses it; the S3 store ignores it). */
  store: (outputDir: string) => RunStore;
}

export function defaultDeps(env: NodeJS.ProcessEnv = process.env): ActivityDeps {
  const parsed = parseEnv(env);
  return {
    env: parsed,
    configDir: configDir(env),
    now: () => new Date(),
    store: (outputDir) => openRunStore(parsed, outputDir, { patienceMs: WORKER_STORE_PATIENCE_MS, log: (line) => console.warn(line) }),
  };
}

/** The files of the run `ref` names, in the worker's run store. */
export function runFiles(deps: Pick<ActivityDeps, 'store'>, ref: RunRef): RunFiles {
  return deps.store(ref.output_dir).run(ref.run_id);
}
