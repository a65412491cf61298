/**
 * The settings of one run, resolved once: `config.yaml` (with the run's overrides), the enrichment
 * configuration and the prompts, validated and saved as `run_config.json` in the run directory when
 * the run starts. Every activity of the run reads that file, so workers on other machines agree,
 * a restart from the Fibery stage uses the settings the run had (unless asked to reload), and
 * nobody reads `config/` mid-run. It holds no secret: tokens and keys only ever come from the
 * environment of the process that uses them.
 */
import path from 'node:path';
import { z } from 'zod';
import { AppConfigSchema, configDir as defaultConfigDir, loadAppConfig, type AppConfig } from './app-config.js';
import { EnrichmentConfigSchema, loadEnrichmentConfig, type EnrichmentConfig } from './enrichment-config.js';
import { loadPrompts, type Prompts } from '../reports/prompts.js';
import { RUN_FILES } from '../storage/json-storage.js';
import type { RunFiles } from '../storage/run-store.js';

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

export async function saveRunConfig(files: RunFiles, config: RunConfig): Promise<void> {
  await files.writeJson(RUN_FILES.runConfig, config);
}

// Activities of a run read the same file many times (one per batch and person): parse it once per
// version of the file.
const cache = new Map<string, { version: string | null; config: RunConfig }>();

export async function readRunConfig(files: RunFiles): Promise<RunConfig> {
  const where = files.where(RUN_FILES.runConfig);
  const version = await files.version(RUN_FILES.runConfig);
  const cached = cache.get(where);
  if (cached && version !== null && cached.version === version) return cached.config;
  const config = (await files.readJson(RUN_FILES.runConfig, RunConfigSchema)) as RunConfig;
  cache.set(where, { version, config });
  return config;
}

export { defaultConfigDir, type AppConfig, type EnrichmentConfig };
