/** Activity 5: the plan of the Fibery stage, read from toggl_aggregated.json. */
import { typeKey, type RunRef } from '../workflows/contract.js';
import { readJsonFile, RUN_FILES } from '../storage/json-storage.js';
import { TogglAggregatedSchema, type TeamEntity, type TogglAggregated } from '../storage/schemas.js';
import { loadEnrichmentConfig, typeConfigFor, type EnrichmentActivityName } from '../config/enrichment-config.js';
import { loadAppConfig } from '../config/app-config.js';
import path from 'node:path';
import { runPath, type ActivityDeps } from './context.js';

/** One "Database/Type" to enrich: small enough to travel through workflow history. */
export interface EnrichmentGroup {
  key: string;
  database: string;
  type: string;
  activity: EnrichmentActivityName;
  max_concurrent: number;
  batch_size: number;
  fields: string[];
  count: number;
}

export interface FiberyPlan {
  groups: EnrichmentGroup[];
  not_enrichable: number;
  persons: string[];
  person_max_concurrent: number;
}

/** The entities of one group, in the order every activity of the stage agrees on. */
export function entitiesOfGroup(aggregated: TogglAggregated, database: string, type: string): TeamEntity[] {
  return aggregated.entities
    .filter((e) => e.enrichable && e.entity_database === database && e.entity_type === type)
    .sort((a, b) => a.entity_id.localeCompare(b.entity_id, 'en', { numeric: true }));
}

export async function readAggregated(ref: RunRef): Promise<TogglAggregated> {
  return readJsonFile(runPath(ref, RUN_FILES.aggregated), TogglAggregatedSchema);
}

export function createFiberyActivities(deps: ActivityDeps) {
  return {
    async extract_fibery_entities(input: RunRef & { config: Record<string, unknown> | null }): Promise<FiberyPlan> {
      const aggregated = await readAggregated(input);
      const appConfig = await loadAppConfig(deps.configDir, input.config);
      const enrichment = await loadEnrichmentConfig(path.join(deps.configDir, 'enrichment_config.yaml'), appConfig.enrichment);
      const groups = new Map<string, EnrichmentGroup>();
      for (const entity of aggregated.entities) {
        if (!entity.enrichable) continue;
        const database = entity.entity_database!;
        const type = entity.entity_type!;
        const key = typeKey(database, type);
        const existing = groups.get(key);
        if (existing) {
          existing.count++;
          continue;
        }
        const config = typeConfigFor(enrichment, database, type);
        groups.set(key, { key, database, type, activity: config.activity, max_concurrent: config.max_concurrent, batch_size: config.batch_size, fields: config.fields, count: 1 });
      }
      return {
        groups: [...groups.values()].sort((a, b) => a.key.localeCompare(b.key)),
        not_enrichable: aggregated.entities.filter((e) => !e.enrichable).length,
        persons: Object.keys(aggregated.users),
        person_max_concurrent: appConfig.reports.person_max_concurrent,
      };
    },
  };
}
