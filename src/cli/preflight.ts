/**
 * Checks a run's configuration before anything starts: config.yaml, enrichment_config.yaml and
 * the prompt files. Kept free of heavy imports so a broken file is reported within a second.
 */
import path from 'node:path';
import { configDir, loadAppConfig } from '../config/app-config.js';
import { loadEnrichmentConfig } from '../config/enrichment-config.js';
import { validatePrompts } from '../reports/prompts.js';

export async function checkConfig(env: NodeJS.ProcessEnv): Promise<void> {
  const dir = configDir(env);
  const app = await loadAppConfig(dir, null);
  await loadEnrichmentConfig(path.join(dir, 'enrichment_config.yaml'), app.enrichment);
  await validatePrompts(dir);
}
