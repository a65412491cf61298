/**
 * `config/config.yaml` plus the run's `config` overrides. The config directory is
 * VOLT_CONFIG_DIR, else ./config in the working directory, else the one shipped with volt-agent.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { ValidationError } from '../errors.js';

export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VOLT_CONFIG_DIR) return path.resolve(env.VOLT_CONFIG_DIR);
  const local = path.resolve('config');
  if (existsSync(path.join(local, 'enrichment_config.yaml'))) return local;
  return path.join(PACKAGE_ROOT, 'config');
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
};

export const AppConfigSchema = z.strictObject({
  llm: z
    .strictObject({
      provider: z.string().nullish(),
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
    })
    .default(LLM_DEFAULTS),
  reports: z.strictObject({ person_max_concurrent: positiveInt.default(3) }).default({ person_max_concurrent: 3 }),
  toggl: z
    .strictObject({ chunk_days: positiveInt.max(366).default(31), page_size: positiveInt.max(1000).default(50) })
    .default({ chunk_days: 31, page_size: 50 }),
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
