/**
 * The settings of one run, resolved once: `config.yaml` (with the run's overrides), the enrichment
 * configuration and the prompts, validated and saved as `run_config.json` in the run directory when
 * the run starts. Every activity of the run reads that file, so workers on other machines agree,
 * a restart from the Fibery stage uses the settings the run had (unless asked to reload), and
 * nobody reads `config/` mid-run. It holds no secret: tokens and keys only ever come from the
 * environment of the process that uses them.
 */
import path from 'node:path';
import { stat } from 'node:fs/promises';
import { z } from 'zod';
import { AppConfigSchema, configDir as defaultConfigDir, loadAppConfig, type AppConfig } from './app-config.js';
import { EnrichmentConfigSchema, loadEnrichmentConfig, type EnrichmentConfig } from './enrichment-config.js';
import { loadPrompts, type Prompts } from '../reports/prompts.js';
import { readJsonFile, RUN_FILES, writeJsonAtomic } from '../storage/json-storage.js';

const PromptFileSchema = z.object({ file: z.string(), text: z.string() });

export const RunConfigSchema = z.object({
  resolved_at: z.string(),
  config_dir: z.string(),
  app: AppConfigSchema,
  enrichment: EnrichmentConfigSchema,
  prompts: z.object({
    files: z.record(z.string(), PromptFileSchema),
    entityTypes: z.record(z.string(), PromptFileSchema),
  }),
});
export type RunConfig = z.infer<typeof RunConfigSchema> & { prompts: Prompts };

/** Reads and validates the configuration directory (and the run's overrides) into one object. */
export async function resolveRunConfig(dir: string, overrides: Record<string, unknown> | null, now: Date): Promise<RunConfig> {
  const app = await loadAppConfig(dir, overrides);
  const enrichment = await loadEnrichmentConfig(path.join(dir, 'enrichment_config.yaml'), app.enrichment);
  const prompts: Prompts = await loadPrompts(dir);
  return { resolved_at: now.toISOString(), config_dir: dir, app: { ...app, enrichment: undefined }, enrichment, prompts };
}

export function runConfigPath(runDirectory: string): string {
  return path.join(runDirectory, RUN_FILES.runConfig);
}

export async function saveRunConfig(runDirectory: string, config: RunConfig): Promise<void> {
  await writeJsonAtomic(runConfigPath(runDirectory), config);
}

// Activities of a run read the same file many times (one per batch and person): parse it once per
// version of the file.
const cache = new Map<string, { mtimeMs: number; config: RunConfig }>();

export async function readRunConfig(runDirectory: string): Promise<RunConfig> {
  const file = runConfigPath(runDirectory);
  const mtimeMs = (await stat(file).catch(() => null))?.mtimeMs ?? -1;
  const cached = cache.get(file);
  if (cached && cached.mtimeMs === mtimeMs) return cached.config;
  const config = (await readJsonFile(file, RunConfigSchema)) as RunConfig;
  cache.set(file, { mtimeMs, config });
  return config;
}

export { defaultConfigDir, type AppConfig, type EnrichmentConfig };
