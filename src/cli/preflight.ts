/**
 * Everything `run` and `demo` can know is wrong before anything exists (issue 8 item 4): no state
 * directory, no background service, no run directory and no Temporal CLI install happen before
 * these checks pass. Each problem is one line of one ValidationError (exit 2).
 *
 * In the embedded mode the workers run with this process's environment, so the tokens, the LLM
 * settings and the URLs they will use are checked here; with a server of your own they belong to
 * the worker's environment, which `volt-agent worker` checks when it starts.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { configDir, loadAppConfig, type AppConfig } from '../config/app-config.js';
import { loadEnrichmentConfig } from '../config/enrichment-config.js';
import { fiberySettings, llmSettings, serviceSettings, togglSettings, type Env } from '../config/env.js';
import { ValidationError } from '../errors.js';
import { validatePrompts } from '../reports/prompts.js';
import type { DeliveryChannel } from '../workflows/contract.js';
import { externalServer } from './connect.js';
import type { RunOptions } from './options.js';

export interface RunRequest extends RunOptions {
  sandbox: boolean;
  /** With `sandbox`: the dataset the simulators serve. */
  datasetPath: string | null;
  /** With `sandbox`: the Fibery simulator's delay per request. */
  sandboxLatencyMs: number;
  json: boolean;
}

/** What the workers of a run or a schedule will need, whichever command asks for it. */
export type WorkerRequest = Pick<RunRequest, 'sandbox' | 'outputDir' | 'datasetPath' | 'deliver'>;

/** The problem with using `dir` as a directory volt-agent writes into (creating it later), or null. */
export async function writableDirectoryProblem(dir: string, what: string): Promise<string | null> {
  const target = path.resolve(dir);
  for (let current = target; ; current = path.dirname(current)) {
    const found = await stat(current).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null;
      throw error;
    });
    if (found) {
      if (!found.isDirectory()) {
        return current === target ? `${what} ${target} is a file, not a directory: choose a directory` : `${what} ${target} cannot be created: ${current} is a file`;
      }
      try {
        await access(current, constants.W_OK | constants.X_OK);
      } catch {
        return current === target ? `${what} ${target} is not writable: choose another or fix its permissions` : `${what} ${target} cannot be created: ${current} is not writable`;
      }
      return null;
    }
    if (path.dirname(current) === current) return `${what} ${target} cannot be created: no part of its path exists`;
  }
}

/** config.yaml, enrichment_config.yaml and the prompts; returns the app config for the LLM check. */
export async function checkConfig(env: Env): Promise<AppConfig> {
  const dir = configDir(env.raw);
  const app = await loadAppConfig(dir, null);
  await loadEnrichmentConfig(path.join(dir, 'enrichment_config.yaml'), app.enrichment);
  await validatePrompts(dir);
  return app;
}

/** Whether anything asks for an LLM (a provider, a model, any provider's key or base URL); only then is it checked. */
function llmConfigured(env: Env, app: AppConfig): boolean {
  const llm = llmSettings(env);
  return Boolean(llm.provider || llm.model || app.llm.provider || Object.values(llm.providers).some((p) => p.apiKey || p.baseUrl));
}

/** Runs each check, keeps going after a ValidationError, and throws them all as one. */
async function collect(checks: (() => Promise<unknown> | unknown)[]): Promise<void> {
  const problems: string[] = [];
  for (const check of checks) {
    try {
      const problem = await check();
      if (typeof problem === 'string') problems.push(problem);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      problems.push(...error.message.split('\n'));
    }
  }
  if (problems.length) throw new ValidationError([...new Set(problems)].join('\n'));
}

/**
 * What a sandbox's workers get from its simulators (`env` of src/sandbox/index.ts), standing in
 * for them when the channels of a sandbox run are checked: the Fibery channel publishes to the
 * simulator with its token.
 */
const SANDBOX_STAND_INS: NodeJS.ProcessEnv = { FIBERY_API_URL: 'http://127.0.0.1:1', FIBERY_API_TOKEN: 'sandbox-fibery-token', FIBERY_WORKSPACE: 'sandbox' };

/**
 * The settings each channel needs in the workers' environment, checked by the channel itself
 * (src/delivery/channels/): known here only in the embedded mode, whose workers get this process's
 * environment. The values are never shown. Without a config (its problem is reported already)
 * there is nothing to check the channels' config settings against, so they wait.
 */
async function deliveryProblems(channels: readonly DeliveryChannel[], env: Env, app: AppConfig | null, sandbox: boolean): Promise<void> {
  if (!app) return;
  const [{ CHANNELS }, { MissingSetting }] = await Promise.all([import('../delivery/channels/index.js'), import('../delivery/channel.js')]);
  const workerEnv = sandbox ? { ...env.raw, ...SANDBOX_STAND_INS } : env.raw;
  const problems: string[] = [];
  for (const name of channels) {
    try {
      await CHANNELS[name].settings(workerEnv, app.delivery);
    } catch (error) {
      if (!(error instanceof MissingSetting || error instanceof ValidationError)) throw error;
      problems.push(`--deliver ${name}: ${error.message}`);
    }
  }
  if (problems.length) throw new ValidationError(problems.join('\n'));
}

/** `volt-agent deliver`: in the embedded mode, the settings the channels need (and the config they read). */
export async function preflightDelivery(channels: readonly DeliveryChannel[], env: Env, options: { sandbox: boolean }): Promise<void> {
  if (externalServer(env) !== null) return;
  let app: AppConfig | null = null;
  await collect([async () => (app = await checkConfig(env)), () => deliveryProblems(channels, env, app, options.sandbox)]);
}

export async function preflightRun(request: WorkerRequest, env: Env): Promise<void> {
  const external = externalServer(env);
  const embedded = external === null;
  let app: AppConfig | null = null;
  await collect([
    () => (request.sandbox && !embedded ? `--sandbox runs its simulators next to the embedded Temporal server: unset TEMPORAL_ADDRESS (settings from ${external!.source}) to use it` : null),
    () => (embedded && !request.sandbox ? togglSettings(env) : null),
    () => (embedded && !request.sandbox ? fiberySettings(env) : null),
    async () => (app = await checkConfig(env)),
    async () => {
      if (!embedded || !app || !llmConfigured(env, app)) return null;
      const { resolveLlmSettings } = await import('../llm/client.js');
      return void resolveLlmSettings(env.raw, app.llm);
    },
    () => writableDirectoryProblem(request.outputDir, '--output-dir'),
    () => (embedded ? writableDirectoryProblem(serviceSettings(env).stateDir, 'VOLT_STATE_DIR') : null),
    async () => (embedded && request.deliver.length ? deliveryProblems(request.deliver, env, app, request.sandbox) : null),
    async () => {
      if (!request.datasetPath) return null;
      const { loadDataset } = await import('../sandbox/dataset.js');
      return void (await loadDataset(request.datasetPath));
    },
  ]);
}
