/**
 * `config/config.yaml` plus the run's `config` overrides. The config directory is
 * VOLT_CONFIG_DIR, else ./config in the working directory, else the per-user one `volt-agent init`
 * writes, else the one shipped with volt-agent.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { API_BUDGETS } from '../http/budgets.js';
import { LLM_PROVIDER_NAMES } from '../llm/providers/index.js';
import { isTimezone, MAX_TREND, WEEKDAYS } from './period.js';

export { MAX_TREND } from './period.js';

export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Where `volt-agent init` writes a team's configuration when not told otherwise, and where every
 * later command finds it: `$XDG_CONFIG_HOME/volt-agent` or `~/.config/volt-agent` (Linux),
 * `~/Library/Application Support/volt-agent` (macOS), `%APPDATA%\volt-agent` (Windows).
 */
export function userConfigDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const home = env.HOME?.trim() || os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'volt-agent');
  if (platform === 'win32') return path.join(env.APPDATA?.trim() || path.join(home, 'AppData', 'Roaming'), 'volt-agent');
  const xdg = env.XDG_CONFIG_HOME?.trim();
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(home, '.config'), 'volt-agent');
}

const SHIPPED_CONFIG_DIR = path.join(PACKAGE_ROOT, 'config');

/** VOLT_CONFIG_DIR, else ./config of the working directory, else what `init` wrote for this user, else the shipped one. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VOLT_CONFIG_DIR) return path.resolve(env.VOLT_CONFIG_DIR);
  const local = path.resolve('config');
  // In a checkout, ./config is the shipped configuration: a user's own one comes first.
  if (local !== SHIPPED_CONFIG_DIR && existsSync(path.join(local, 'enrichment_config.yaml'))) return local;
  const user = userConfigDir(env);
  if (existsSync(path.join(user, 'enrichment_config.yaml'))) return user;
  return SHIPPED_CONFIG_DIR;
}

const positiveInt = z.number().int().positive();

const LLM_DEFAULTS = {
  temperature: 0.2,
  max_tokens: 1500,
  timeout_seconds: 120,
  max_retries: 3,
  report_deadline_seconds: 240,
  prompt_token_budget: 12000,
  max_corrections: 1,
  required: false,
  max_concurrent: null,
};

const DELIVERY_DEFAULTS = {
  max_retries: 3,
  retry_delay_seconds: 1,
  timeout_seconds: 30,
  fibery: { type: null, field: null, name_field: 'Name' },
};

/** Sending a finished run's digest. Webhook URLs, SMTP credentials and tokens come from the environment only. */
const DeliveryConfigSchema = z.strictObject({
  /** Retries of a transient failure (HTTP 429/5xx, a lost connection, an SMTP 4xx) per channel. */
  max_retries: z.number().int().min(0).max(10).default(3),
  /** The first wait before a retry; it doubles with each one. */
  retry_delay_seconds: z.number().positive().max(60).default(1),
  /** One attempt of one request (HTTP, or an SMTP connection and its commands). */
  timeout_seconds: z.number().positive().max(600).default(30),
  fibery: z
    .strictObject({
      /** `Space/Type` of the entity the team report becomes, e.g. `Reports/Weekly Report`. */
      type: z.string().regex(/^[^/]+\/[^/]+$/, 'expected "Space/Type"').nullish(),
      /** Its rich-text field that receives the report's markdown, e.g. `Description`. */
      field: z.string().min(1).nullish(),
      /** Its name field (`Name`; some types use `name`). */
      name_field: z.string().min(1).default('Name'),
    })
    .default(DELIVERY_DEFAULTS.fibery),
});
export type DeliveryConfig = z.infer<typeof DeliveryConfigSchema>;

export const AppConfigSchema = z.strictObject({
  llm: z
    .strictObject({
      /** One of the registry's (src/llm/providers/index.ts). */
      provider: z.enum(LLM_PROVIDER_NAMES, { error: (issue) => `unknown provider ${JSON.stringify(issue.input)}: use one of ${LLM_PROVIDER_NAMES.join(', ')}` }).nullish(),
      model: z.string().nullish(),
      /** null: send none (models that take only their default temperature). */
      temperature: z.number().min(0).max(2).nullable().default(0.2),
      /** The longest answer, in tokens. */
      max_tokens: positiveInt.default(1500),
      /** One HTTP request (one attempt). */
      timeout_seconds: z.number().positive().max(3600).default(120),
      /** Retries of a 408/409/429/5xx/529 or a connection failure, with backoff honouring retry-after. */
      max_retries: z.number().int().min(0).max(10).default(3),
      /** Everything one report asks the LLM (retries, waits and the correction request included). */
      report_deadline_seconds: z.number().positive().max(3600).default(240),
      /** The whole prompt of one report, in estimated tokens (4 characters a token): the fact pack gets what the instructions leave. */
      prompt_token_budget: positiveInt.min(1000).default(12000),
      /** Requests naming figures that do not match the data, before they are marked unverified (0: mark at once). */
      max_corrections: z.number().int().min(0).max(3).default(1),
      /** true: an LLM that still fails after its retries fails the run; false: that report falls back to the data-only narrative, with a warning. */
      required: z.boolean().default(false),
      /** Reports asking the LLM at once, per worker (null: 1 for a server on this machine, which answers one request at a time; no limit for a hosted API). */
      max_concurrent: positiveInt.max(64).nullable().default(null),
    })
    .default(LLM_DEFAULTS),
  reports: z.strictObject({ person_max_concurrent: positiveInt.default(3) }).default({ person_max_concurrent: 3 }),
  toggl: z
    .strictObject({
      /** Rows asked per page; the API applies what it serves and says so (X-Page-Size). */
      page_size: positiveInt.max(10_000).default(1000),
      /** The longest date range one request covers, both ends counted. */
      max_range_days: positiveInt.min(2).max(3660).default(366),
      /** Per token; the default is Toggl's budget (src/http/budgets.ts). */
      requests_per_second: z.number().positive().max(20).default(API_BUDGETS.toggl.perToken),
    })
    .default({ page_size: 1000, max_range_days: 366, requests_per_second: API_BUDGETS.toggl.perToken }),
  fibery: z
    .strictObject({
      /** Per token, enrichment and the Fibery delivery together; the defaults are Fibery's budget (src/http/budgets.ts)… */
      requests_per_second: z.number().positive().max(50).default(API_BUDGETS.fibery.perToken),
      /** …and per workspace, whatever the token. */
      workspace_requests_per_second: z.number().positive().max(100).default(API_BUDGETS.fibery.perWorkspace),
    })
    .default({ requests_per_second: API_BUDGETS.fibery.perToken, workspace_requests_per_second: API_BUDGETS.fibery.perWorkspace }),
  delivery: DeliveryConfigSchema.default(DELIVERY_DEFAULTS),
  periods: z
    .strictObject({
      /** The first day of a week for last-week, this-week and YYYY-Www (ISO: monday). */
      week_start: z.enum(WEEKDAYS, { error: (issue) => `unknown weekday ${JSON.stringify(issue.input)}: use one of ${WEEKDAYS.join(', ')}` }).default('monday'),
      /** The IANA time zone "today" is read in for last-week, this-month … */
      timezone: z.string().refine(isTimezone, { error: (issue) => `${JSON.stringify(issue.input)} is not an IANA time zone, e.g. UTC or Europe/Berlin` }).default('UTC'),
      /** Periods of the run's length the team report's trend shows (the run's own included); null: 6 for weekly and shorter runs, none for longer ones; 0: none. */
      trend: z.number().int().min(0).max(MAX_TREND).nullable().default(null),
    })
    .default({ week_start: 'monday', timezone: 'UTC', trend: null }),
  /** Per-run only: overrides of enrichment_config.yaml, same shape. */
  enrichment: z.unknown().optional(),
});
export type AppConfig = z.infer<typeof AppConfigSchema>;

function deepMerge(base: unknown, override: unknown): unknown {
  if (typeof base !== 'object' || base === null || Array.isArray(base)) return override ?? base;
  if (typeof override !== 'object' || override === null || Array.isArray(override)) return override ?? base;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(override)) out[key] = deepMerge(out[key], value);
  return out;
}

export async function loadAppConfig(dir: string, overrides?: Record<string, unknown> | null): Promise<AppConfig> {
  const file = path.join(dir, 'config.yaml');
  let data: unknown = {};
  if (existsSync(file)) {
    try {
      data = parse(await readFile(file, 'utf8')) ?? {};
    } catch (error) {
      throw new ValidationError(`${file}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  const parsed = AppConfigSchema.safeParse(deepMerge(data, overrides ?? {}));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ValidationError(`${file}${overrides ? ' (with the run\'s config overrides)' : ''}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  return parsed.data;
}
