/**
 * Activity 5: the plan of the Fibery stage, read from toggl_aggregated.json once. Each type's ids go
 * to a small file of their own, so an enrichment batch reads its slice of ids and nothing else.
 */
import { z } from 'zod';
import { readRunConfig } from '../config/run-config.js';
import { typeConfigFor, type EnrichmentActivityName } from '../config/enrichment-config.js';
import { RUN_FILES } from '../storage/json-storage.js';
import { joinKey, type RunFiles } from '../storage/run-store.js';
import { TogglAggregatedSchema, type TogglAggregated } from '../storage/schemas.js';
import { typeKey, typeSlug, type RunRef } from '../workflows/contract.js';
import { runFiles, type ActivityDeps } from './context.js';

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

const GroupIdsSchema = z.object({ key: z.string(), ids: z.array(z.string()) });

export function groupIdsFile(database: string, type: string): string {
  return joinKey(RUN_FILES.fiberyStaging, 'ids', `${typeSlug(database, type)}.json`);
}

/** The ids of one batch: the same slice whichever worker asks, because the file is written once. */
export async function idsOfBatch(files: RunFiles, database: string, type: string, offset: number, limit: number): Promise<string[]> {
  const { ids } = await files.readJson(groupIdsFile(database, type), GroupIdsSchema);
  return ids.slice(offset, offset + limit);
}

export async function readAggregated(files: RunFiles): Promise<TogglAggregated> {
  return files.readJson(RUN_FILES.aggregated, TogglAggregatedSchema);
}

export function createFiberyActivities(deps: Pick<ActivityDeps, 'store'>) {
  return {
    async extract_fibery_entities(input: RunRef): Promise<FiberyPlan> {
      const files = runFiles(deps, input);
      const aggregated = await readAggregated(files);
      const { app, enrichment } = await readRunConfig(files);
      const groups = new Map<string, EnrichmentGroup & { ids: string[] }>();
      for (const entity of aggregated.entities) {
        if (!entity.enrichable) continue;
        const database = entity.entity_database!;
        const type = entity.entity_type!;
        const key = typeKey(database, type);
        let group = groups.get(key);
        if (!group) {
          const config = typeConfigFor(enrichment, database, type);
          group = { key, database, type, activity: config.activity, max_concurrent: config.max_concurrent, batch_size: config.batch_size, fields: config.fields, count: 0, ids: [] };
          groups.set(key, group);
        }
        group.ids.push(entity.entity_id);
        group.count++;
      }
      const plan: EnrichmentGroup[] = [];
      for (const { ids, ...group } of [...groups.values()].sort((a, b) => a.key.localeCompare(b.key))) {
        ids.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
        await files.writeJson(groupIdsFile(group.database, group.type), { key: group.key, ids });
        plan.push(group);
      }
      return {
        groups: plan,
        not_enrichable: aggregated.entities.filter((e) => !e.enrichable).length,
        persons: Object.keys(aggregated.users),
        person_max_concurrent: app.reports.person_max_concurrent,
      };
    },
  };
}
