/**
 * Every environment variable volt-agent reads, in one zod schema, read once per process.
 *
 * A bad value is reported one way: a ValidationError with one line per variable, naming the
 * variable, what is wrong with its value and how to fix it. A secret's value is never echoed.
 * Empty values count as unset, and surrounding whitespace is dropped (a pasted token often has it).
 *
 * The accessors below (`togglSettings`, `fiberySettings`, `llmSettings`, `workerSettings`,
 * `serviceSettings`, `cliSettings`, `temporalEnv`) are the typed views the rest of the code uses.
 */
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { API_BUDGETS, API_NAMES, rateKey, type ApiRates, type ApiRateVariable } from '../http/budgets.js';
import { LLM_PROVIDER_NAMES, providerList, type LlmProviderName, type LlmVariableName } from '../llm/providers/index.js';

interface VariableSpec {
  schema: z.ZodType<unknown, string>;
  /** How to fix a bad value: the end of the error line. */
  fix: string;
  /** Tokens, keys and passwords: their values never appear in a message. */
  secret?: boolean;
}

const httpUrl = z.string().refine((value) => {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}, 'is not an http(s) URL');

const noWhitespace = z.string().regex(/^\S+$/, 'contains whitespace');

const wholeNumber = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^\d+$/, 'is not a whole number')
    .transform(Number)
    .refine((n) => n >= min && n <= max, max === Number.MAX_SAFE_INTEGER ? `must be at least ${min}` : `must be from ${min} to ${max}`);

const positiveSeconds = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'is not a number of seconds')
  .transform(Number)
  .refine((n) => n > 0, 'must be more than 0');

/** Set to anything but 0/false/no/off: on. */
const flag = z.string().transform((value) => !/^(0|false|no|off)$/i.test(value));

const boolean = z.enum(['1', '0', 'true', 'false'], { error: 'must be true, false, 1 or 0' }).transform((v) => v === '1' || v === 'true');

const anyText = z.string();

const spec = <S extends z.ZodType<unknown, string>>(schema: S, fix: string, secret = false) => ({ schema, fix, secret });
const secret = (fix: string) => spec(noWhitespace, fix, true);

const WORKER_FIX = 'set a whole number or unset it for the default (see volt-agent worker --help)';

const rateSpec = (fix: string) => spec(positiveSeconds, fix);

/** Each API queue's rate across all workers (src/http/budgets.ts). */
function apiRateVariables(): Record<ApiRateVariable, ReturnType<typeof rateSpec>> {
  const entries = API_NAMES.map((api) => {
    const { label, perToken, workerVariable } = API_BUDGETS[api];
    return [workerVariable, rateSpec(`set the ${label} requests per second all workers together may send (default ${perToken}), or unset it`)];
  });
  return Object.fromEntries(entries) as Record<ApiRateVariable, ReturnType<typeof rateSpec>>;
}

/** Each LLM provider's key and base URL (src/llm/providers/). */
function llmVariables(): Record<LlmVariableName, ReturnType<typeof secret>> {
  const entries = providerList().flatMap((p) => [
    [p.keyVariable, secret(p.keyFix)],
    [p.baseUrlVariable, spec(httpUrl, p.baseUrlFix)],
  ]);
  return Object.fromEntries(entries) as Record<LlmVariableName, ReturnType<typeof secret>>;
}

/** The variables, by name. A new variable is one entry here plus its accessor. */
export const VARIABLES = {
  // Toggl Track (the worker's activities)
  TOGGL_API_TOKEN: secret('copy the API token from your Toggl profile (track.toggl.com/profile) again'),
  TOGGL_WORKSPACE_ID: spec(z.string().regex(/^\d+$/, 'is not a number'), 'use the digits of your Toggl workspace id (track.toggl.com/…/workspaces/<id>)'),
  TOGGL_API_URL: spec(httpUrl, 'use a URL like https://api.track.toggl.com, or unset it'),
  // Fibery
  FIBERY_API_TOKEN: secret('copy the API token from Fibery (Settings → API keys) again'),
  FIBERY_WORKSPACE: spec(z.string().regex(/^[A-Za-z0-9.-]+$/, 'is not a Fibery account name'), 'use the account name only: acme for acme.fibery.io'),
  FIBERY_API_URL: spec(httpUrl, 'use a URL like https://acme.fibery.io, or unset it'),
  // LLM
  ...llmVariables(),
  VOLT_LLM_PROVIDER: spec(
    z.string().transform((v) => v.toLowerCase()).pipe(z.enum(LLM_PROVIDER_NAMES, { error: 'is not a known LLM provider' })),
    `use one of ${LLM_PROVIDER_NAMES.join(', ')}, or unset it to choose by the API key that is set`,
  ),
  VOLT_LLM_MODEL: spec(noWhitespace, 'use a model name like gpt-4.1-mini, or unset it for the default'),
  // Delivery (the worker's activities)
  VOLT_SLACK_WEBHOOK_URL: spec(httpUrl, 'paste the incoming webhook URL from Slack (https://hooks.slack.com/services/…)', true),
  VOLT_SMTP_URL: spec(
    z.string().refine((value) => {
      try {
        return ['smtp:', 'smtps:'].includes(new URL(value).protocol);
      } catch {
        return false;
      }
    }, 'is not an smtp:// or smtps:// URL'),
    'use smtp://user:password@host:587 (or smtps:// for port 465)',
    true,
  ),
  VOLT_MAIL_FROM: spec(z.string().regex(/@/, 'is not an e-mail address'), 'use the sender address, e.g. reports@example.com'),
  VOLT_MAIL_TO: spec(z.string().regex(/@/, 'holds no e-mail address'), 'use comma-separated recipient addresses'),
  // volt-agent itself
  VOLT_CONFIG_DIR: spec(anyText, 'point it at a directory holding config.yaml and enrichment_config.yaml'),
  VOLT_STATE_DIR: spec(anyText, 'point it at a directory for the embedded Temporal server\'s state'),
  VOLT_SERVICE_IDLE_SECONDS: spec(positiveSeconds, 'set the seconds the background service waits without a running workflow before it stops (default 120)'),
  VOLT_SANDBOX_FIBERY_LATENCY_MS: spec(wholeNumber(0, 60_000), 'set the milliseconds the Fibery simulator takes per request, 0 to 60000'),
  VOLT_WORKER_MAX_CONCURRENT_ACTIVITIES: spec(wholeNumber(1), WORKER_FIX),
  VOLT_WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: spec(wholeNumber(1), WORKER_FIX),
  VOLT_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: spec(wholeNumber(1), WORKER_FIX),
  VOLT_WORKER_SHUTDOWN_GRACE_SECONDS: spec(wholeNumber(0), WORKER_FIX),
  ...apiRateVariables(),
  // The run store (src/storage/open-store.ts); AWS_* credentials are read by the AWS SDK itself
  VOLT_RUN_STORE: spec(
    z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\s]*)?$/, 'is not s3://BUCKET or s3://BUCKET/PREFIX'),
    'use s3://BUCKET/PREFIX for an S3-compatible store, or unset it for the local --output-dir',
  ),
  VOLT_S3_ENDPOINT: spec(httpUrl, 'use the S3-compatible server\'s URL, e.g. http://localhost:7070, or unset it for AWS S3'),
  AWS_REGION: spec(noWhitespace, 'use a region name like us-east-1'),
  // Observability (src/metrics, src/logging)
  VOLT_METRICS_ADDRESS: spec(z.string().regex(/^(\[[0-9a-fA-F:]+\]|[^\s:[\]]+):\d{1,5}$/, 'is not HOST:PORT'), 'use HOST:PORT, e.g. 0.0.0.0:9464 or 127.0.0.1:9464, or unset it to serve no metrics'),
  VOLT_LOG_FORMAT: spec(z.enum(['text', 'json'], { error: 'is not text or json' }), 'use json for one JSON object per line, or text (the default)'),
  VOLT_DEBUG: spec(flag, 'set it to 1 to print stack traces'),
  VOLT_NO_BROWSER: spec(flag, 'set it to 1 to never open a browser'),
  // Temporal (read by @temporalio/envconfig too; checked here so a typo is one clear line)
  TEMPORAL_ADDRESS: spec(z.string().regex(/^[^\s/]+:\d+$/, 'is not host:port'), 'use host:port, e.g. localhost:7233 or my-ns.a1b2c.tmprl.cloud:7233, or unset it for the embedded server'),
  TEMPORAL_NAMESPACE: spec(noWhitespace, 'use the namespace name, e.g. default or my-ns.a1b2c'),
  TEMPORAL_API_KEY: secret('copy the API key from Temporal Cloud again'),
  TEMPORAL_PROFILE: spec(noWhitespace, 'name a profile of the Temporal config file (temporal config list), or unset it'),
  TEMPORAL_CONFIG_FILE: spec(anyText, 'point it at a Temporal TOML config file, or unset it for ~/.config/temporalio/temporal.toml'),
  TEMPORAL_TLS: spec(boolean, 'set true to use TLS, false to turn it off'),
  TEMPORAL_TLS_CLIENT_CERT_PATH: spec(anyText, 'point it at the client certificate (PEM)'),
  TEMPORAL_TLS_CLIENT_KEY_PATH: spec(anyText, 'point it at the client certificate\'s private key (PEM)'),
  TEMPORAL_TLS_CLIENT_CERT_DATA: spec(anyText, 'set the client certificate itself (PEM)', true),
  TEMPORAL_TLS_CLIENT_KEY_DATA: spec(anyText, 'set the private key itself (PEM)', true),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: spec(anyText, 'point it at the CA certificate that signed the server\'s certificate (PEM)'),
  TEMPORAL_TLS_SERVER_CA_CERT_DATA: spec(anyText, 'set the CA certificate itself (PEM)'),
  TEMPORAL_TLS_SERVER_NAME: spec(noWhitespace, 'set the host name the server\'s certificate is for'),
  TEMPORAL_UI_URL: spec(httpUrl, 'use the Temporal UI\'s URL, e.g. http://localhost:8080'),
  TEMPORAL_CLI_PATH: spec(anyText, 'point it at the temporal binary, or unset it to find or install one'),
} satisfies Record<string, VariableSpec>;

export type VariableName = keyof typeof VARIABLES;

type Parsed<K extends VariableName> = z.output<(typeof VARIABLES)[K]['schema']>;

/** The validated environment: each variable parsed, or undefined when unset or empty. */
export type Env = { readonly [K in VariableName]: Parsed<K> | undefined } & {
  /** The environment as given (after .env): for child processes and the activities. */
  readonly raw: NodeJS.ProcessEnv;
};

const EnvSchema = z.object(
  Object.fromEntries(Object.entries(VARIABLES).map(([name, v]) => [name, v.schema.optional()])) as {
    [K in VariableName]: z.ZodOptional<(typeof VARIABLES)[K]['schema']>;
  },
);

function present(raw: NodeJS.ProcessEnv): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name of Object.keys(VARIABLES)) {
    const value = raw[name]?.trim();
    if (value) values[name] = value;
  }
  return values;
}

function problemLine(name: string, value: string | undefined, message: string): string {
  const variable = VARIABLES[name as VariableName] as VariableSpec | undefined;
  if (!variable) return `${name}: ${message}`;
  const shown = variable.secret || value === undefined ? name : `${name}=${JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}…` : value)}`;
  return `${shown} ${message}: ${variable.fix}`;
}

/** Parses every variable of `raw`; a ValidationError lists each bad one on its own line. */
export function parseEnv(raw: NodeJS.ProcessEnv = process.env): Env {
  const values = present(raw);
  const parsed = EnvSchema.safeParse(values);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      return problemLine(name, values[name], issue.message);
    });
    throw new ValidationError([...new Set(lines)].join('\n'));
  }
  return { ...(parsed.data as Omit<Env, 'raw'>), raw };
}

/** A missing variable: the same one-line shape as a bad one. */
export function missing(name: VariableName, why: string): string {
  return `${name} is not set: ${why}`;
}

// ---------------------------------------------------------------------------------------------
// Typed views

const CREDENTIALS_HINT = 'set it in the environment or in .env (see README "Running it on your team"), or try --sandbox';

export interface TogglSettings {
  apiToken: string;
  workspaceId: string;
  /** null: the real API. */
  apiUrl: string | null;
}

/** What the Toggl activities need; a ValidationError names what is missing. */
export function togglSettings(env: Env): TogglSettings {
  const problems = [
    env.TOGGL_API_TOKEN ? null : missing('TOGGL_API_TOKEN', CREDENTIALS_HINT),
    env.TOGGL_WORKSPACE_ID ? null : missing('TOGGL_WORKSPACE_ID', CREDENTIALS_HINT),
  ].filter((p): p is string => p !== null);
  if (problems.length) throw new ValidationError(problems.join('\n'));
  return { apiToken: env.TOGGL_API_TOKEN!, workspaceId: env.TOGGL_WORKSPACE_ID!, apiUrl: env.TOGGL_API_URL ?? null };
}

export interface FiberySettings {
  apiToken: string;
  /** The account name; null when FIBERY_API_URL says where the API is. */
  workspace: string | null;
  apiUrl: string | null;
}

export function fiberySettings(env: Env): FiberySettings {
  const problems = [
    env.FIBERY_API_TOKEN ? null : missing('FIBERY_API_TOKEN', CREDENTIALS_HINT),
    env.FIBERY_WORKSPACE || env.FIBERY_API_URL ? null : missing('FIBERY_WORKSPACE', `${CREDENTIALS_HINT} (or set FIBERY_API_URL)`),
  ].filter((p): p is string => p !== null);
  if (problems.length) throw new ValidationError(problems.join('\n'));
  return { apiToken: env.FIBERY_API_TOKEN!, workspace: env.FIBERY_WORKSPACE ?? null, apiUrl: env.FIBERY_API_URL ?? null };
}

export interface LlmEnvSettings {
  /** VOLT_LLM_PROVIDER; null: config.yaml or the key that is set decides. */
  provider: LlmProviderName | null;
  model: string | null;
  /** Each provider's key and base URL, when set. */
  providers: Record<LlmProviderName, { apiKey: string | null; baseUrl: string | null }>;
}

export function llmSettings(env: Env): LlmEnvSettings {
  const providers = Object.fromEntries(
    providerList().map((p) => [p.name, { apiKey: env[p.keyVariable] ?? null, baseUrl: env[p.baseUrlVariable] ?? null }]),
  ) as LlmEnvSettings['providers'];
  return { provider: env.VOLT_LLM_PROVIDER ?? null, model: env.VOLT_LLM_MODEL ?? null, providers };
}

/** VOLT_WORKER_*: only the ones that are set (the worker's defaults fill in the rest). */
export interface WorkerEnvSettings {
  maxConcurrentActivityTaskExecutions?: number;
  maxConcurrentLocalActivityExecutions?: number;
  maxConcurrentWorkflowTaskExecutions?: number;
  shutdownGraceSeconds?: number;
}

export function workerSettings(env: Env): WorkerEnvSettings {
  const set: WorkerEnvSettings = {};
  if (env.VOLT_WORKER_MAX_CONCURRENT_ACTIVITIES !== undefined) set.maxConcurrentActivityTaskExecutions = env.VOLT_WORKER_MAX_CONCURRENT_ACTIVITIES;
  if (env.VOLT_WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES !== undefined) set.maxConcurrentLocalActivityExecutions = env.VOLT_WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES;
  if (env.VOLT_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS !== undefined) set.maxConcurrentWorkflowTaskExecutions = env.VOLT_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS;
  if (env.VOLT_WORKER_SHUTDOWN_GRACE_SECONDS !== undefined) set.shutdownGraceSeconds = env.VOLT_WORKER_SHUTDOWN_GRACE_SECONDS;
  return set;
}

/** The task-queue-wide request rates of the API queues, when set (src/http/budgets.ts has the defaults). */
export function apiRates(env: Env): Partial<ApiRates> {
  const set: Partial<Record<string, number>> = {};
  for (const api of API_NAMES) {
    const value = env[API_BUDGETS[api].workerVariable];
    if (value !== undefined) set[rateKey(api)] = value;
  }
  return set as Partial<ApiRates>;
}

export const DEFAULT_IDLE_SECONDS = 120;

export interface ServiceSettings {
  /** Absolute: where the embedded mode keeps its Temporal server's state. */
  stateDir: string;
  idleSeconds: number;
}

export function serviceSettings(env: Env): ServiceSettings {
  return {
    stateDir: path.resolve(env.VOLT_STATE_DIR ?? path.join('tmp', 'temporal')),
    idleSeconds: env.VOLT_SERVICE_IDLE_SECONDS ?? DEFAULT_IDLE_SECONDS,
  };
}

export interface RunStoreSettings {
  bucket: string;
  /** Keys are `<prefix>/<run_id>/…`; '' for the bucket's top level. */
  prefix: string;
  /** null: AWS S3 itself. */
  endpoint: string | null;
  region: string;
}

/** VOLT_RUN_STORE and its companions; null: the local output directory. */
export function runStoreSettings(env: Env): RunStoreSettings | null {
  if (!env.VOLT_RUN_STORE) return null;
  const [bucket, ...rest] = env.VOLT_RUN_STORE.slice('s3://'.length).split('/');
  return {
    bucket: bucket!,
    prefix: rest.filter(Boolean).join('/'),
    endpoint: env.VOLT_S3_ENDPOINT ?? null,
    region: env.AWS_REGION ?? 'us-east-1',
  };
}

export interface CliSettings {
  debug: boolean;
  noBrowser: boolean;
  /** VOLT_SANDBOX_FIBERY_LATENCY_MS, when set: the default of --sandbox-latency. */
  sandboxLatencyMs: number | null;
}

export function cliSettings(env: Env): CliSettings {
  return { debug: env.VOLT_DEBUG ?? false, noBrowser: env.VOLT_NO_BROWSER ?? false, sandboxLatencyMs: env.VOLT_SANDBOX_FIBERY_LATENCY_MS ?? null };
}

export interface ObservabilitySettings {
  /** VOLT_METRICS_ADDRESS: where `volt-agent worker` serves Prometheus metrics; null: none. */
  metricsAddress: string | null;
  logFormat: 'text' | 'json';
}

export function observabilitySettings(env: Env): ObservabilitySettings {
  return { metricsAddress: env.VOLT_METRICS_ADDRESS ?? null, logFormat: env.VOLT_LOG_FORMAT ?? 'text' };
}

export interface TemporalEnv {
  uiUrl: string | null;
  cliPath: string | null;
  /** The variables @temporalio/envconfig reads (TEMPORAL_*, HOME, XDG_CONFIG_HOME, APPDATA), empty ones dropped. */
  envconfigVars: Record<string, string>;
}

export function temporalEnv(env: Env): TemporalEnv {
  const envconfigVars: Record<string, string> = {};
  for (const [name, value] of Object.entries(env.raw)) {
    if (value && (name.startsWith('TEMPORAL_') || ['HOME', 'XDG_CONFIG_HOME', 'APPDATA'].includes(name))) envconfigVars[name] = value.trim();
  }
  return { uiUrl: env.TEMPORAL_UI_URL ?? null, cliPath: env.TEMPORAL_CLI_PATH ?? null, envconfigVars };
}

/**
 * One variable, parsed and checked like parseEnv does, for code that runs before (or without) the
 * whole environment: finding the Temporal CLI, writing the error log.
 */
export function readVariable<K extends VariableName>(raw: NodeJS.ProcessEnv, name: K): Parsed<K> | undefined {
  const value = raw[name]?.trim();
  if (!value) return undefined;
  const parsed = VARIABLES[name].schema.safeParse(value);
  if (!parsed.success) throw new ValidationError(problemLine(name, value, parsed.error.issues[0]!.message));
  return parsed.data as Parsed<K>;
}

/** Where the stack of an unexpected error goes: the state directory, else the temp directory. */
export function errorLogDir(raw: NodeJS.ProcessEnv): string {
  const state = raw.VOLT_STATE_DIR?.trim();
  return state ? path.resolve(state) : os.tmpdir();
}
