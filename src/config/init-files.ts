/**
 * The files `volt-agent init` writes: `config.yaml` (the shipped settings, which hold nothing
 * workspace-specific) and an `enrichment_config.yaml` with one entry per occurring type that
 * exists, naming only fields that type has, chosen by their Fibery type. The result is checked
 * with the same schema every run reads it with.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import type { Survey } from '../cli/survey.js';
import { fieldsWorthReading, type WorkspaceSchema } from '../fibery/workspace-schema.js';
import { PACKAGE_ROOT } from './app-config.js';
import { parseEnrichmentConfig, type EnrichmentActivityName } from './enrichment-config.js';

export const CONFIG_FILES = ['config.yaml', 'enrichment_config.yaml'] as const;

/** The specialised activities of the types the shipped configuration knows; every other type gets the default one. */
const ACTIVITY_OF: Record<string, { activity: EnrichmentActivityName; max_concurrent: number }> = {
  'Scrum/Task': { activity: 'enrich_scrum_task', max_concurrent: 5 },
  'Scrum/Bug': { activity: 'enrich_scrum_bug', max_concurrent: 5 },
  'Scrum/Feature': { activity: 'enrich_product_feature', max_concurrent: 3 },
};

export function enrichmentConfigFor(survey: Survey, schema: WorkspaceSchema): Record<string, unknown> {
  const activities: Record<string, unknown> = {};
  for (const t of survey.types) {
    const type = schema.type(t.key);
    if (!type) continue;
    const known = ACTIVITY_OF[t.key] ?? { activity: 'default_enrich_entity', max_concurrent: 5 };
    activities[t.key] = { ...known, batch_size: 100, fields: fieldsWorthReading(type) };
  }
  // Types nobody tracked yet: the common fields only (name, state, dates, description, comments).
  activities.default = { activity: 'default_enrich_entity', max_concurrent: 5, batch_size: 100, fields: [] };
  const config = { enrichment_activities: activities };
  parseEnrichmentConfig(config, 'the generated enrichment_config.yaml');
  return config;
}

function percent(rate: number): string {
  return `${(rate * 100).toFixed(1)}%`;
}

export function enrichmentConfigYaml(survey: Survey, schema: WorkspaceSchema, now: Date): string {
  const missing = survey.types.filter((t) => !t.exists);
  const header = [
    `# Written by \`volt-agent init\` on ${now.toISOString().slice(0, 10)} from the Fibery workspace's schema and the`,
    `# Toggl time of ${survey.period.start_date} to ${survey.period.end_date}: ${percent(survey.match_rate)} of ${survey.hours} h carried a #ID [Db] [Type] reference.`,
    '# One entry per type that occurs and exists, with the fields that type has that a report can use:',
    '# dates, numbers (estimates, time spent), parents, single-selects, rich text, children.',
    ...(missing.length
      ? ['# Tracked against types the workspace does not have (not enriched):', ...missing.map((t) => `#   ${t.key}: ${t.hours} h${t.nearest.length ? ` (nearest: ${t.nearest.join(', ')})` : ''}`)]
      : []),
    '# Edit freely; `volt-agent doctor` checks every type and field against the workspace.',
  ];
  return `${header.join('\n')}\n${stringify(enrichmentConfigFor(survey, schema), { lineWidth: 0 })}`;
}

/** The shipped config.yaml: LLM, reports, API budgets and delivery hold nothing workspace-specific. */
export async function configYaml(): Promise<string> {
  return readFile(path.join(PACKAGE_ROOT, 'config', 'config.yaml'), 'utf8');
}
