/**
 * `config/enrichment_config.yaml` (spec 5.2): per "Database/Type" the activity, its concurrency
 * bound, its batch size and its fields. Validated before a run starts, with messages that name
 * the file, the key and the problem.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { typeKey } from '../workflows/contract.js';

export const ENRICHMENT_ACTIVITIES = [
  'enrich_scrum_task',
  'enrich_scrum_bug',
  'enrich_product_feature',
  'default_enrich_entity',
] as const;
export type EnrichmentActivityName = (typeof ENRICHMENT_ACTIVITIES)[number];

const TypeConfigSchema = z.strictObject({
  activity: z.enum(ENRICHMENT_ACTIVITIES, {
    error: (issue) => `unknown activity ${JSON.stringify(issue.input)}; known: ${ENRICHMENT_ACTIVITIES.join(', ')}`,
  }),
  max_concurrent: z.number({ error: 'must be a number' }).int('must be a whole number').positive('must be a positive number'),
  batch_size: z.number({ error: 'must be a number' }).int('must be a whole number').positive('must be a positive number').max(100, 'must be at most 100').default(100),
  fields: z.array(z.string().min(1)).default([]),
});
export type TypeEnrichmentConfig = z.infer<typeof TypeConfigSchema>;

export const EnrichmentConfigSchema = z.strictObject({
  enrichment_activities: z.record(z.string(), TypeConfigSchema).superRefine((types, ctx) => {
    for (const key of Object.keys(types)) {
      if (!/^(default|[^/]+\/[^/]+)$/.test(key)) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'keys are "Database/Type" (e.g. "Scrum/Task") or "default"' });
      }
    }
    if (!('default' in types)) ctx.addIssue({ code: 'custom', message: 'a "default" entry is required' });
  }),
});
export type EnrichmentConfig = z.infer<typeof EnrichmentConfigSchema>;

export function parseEnrichmentConfig(data: unknown, source: string): EnrichmentConfig {
  const parsed = EnrichmentConfigSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const key = issue.path.map(String).join('.') || '(top level)';
  throw new ValidationError(`${source}: ${key}: ${issue.message}`);
}

export async function loadEnrichmentConfig(file: string, overrides?: unknown): Promise<EnrichmentConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new ValidationError(`cannot read enrichment config ${file}: create it or set VOLT_CONFIG_DIR`);
  }
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    throw new ValidationError(`${file}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const config = parseEnrichmentConfig(data, file);
  if (overrides === undefined) return config;
  // Per-run overrides replace whole entries, so a run can retune one type without restating the rest.
  const merged = {
    enrichment_activities: {
      ...config.enrichment_activities,
      ...((overrides as { enrichment_activities?: object }).enrichment_activities ?? {}),
    },
  };
  return parseEnrichmentConfig(merged, `${file} (with the run's config overrides)`);
}

export function typeConfigFor(config: EnrichmentConfig, database: string, type: string): TypeEnrichmentConfig {
  return config.enrichment_activities[typeKey(database, type)] ?? config.enrichment_activities.default!;
}
