/**
 * What every enrichment activity shares: pick one batch of one "Database/Type" from the run's
 * aggregated data, fetch it from Fibery in as few requests as the API allows, and stage the
 * result as a file. Only counts travel back through Temporal.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { readRunConfig } from '../../config/run-config.js';
import { FiberyClient, type SchemaStore } from '../../fibery/client.js';
import { fiberySettings, type Env } from '../../config/env.js';
import { RUN_FILES } from '../../storage/json-storage.js';
import { joinKey, parseRunFile, type RunFiles } from '../../storage/run-store.js';
import { EnrichedEntitySchema, type EnrichedEntity } from '../../storage/schemas.js';
import { slugify } from '../../storage/slug.js';
import { entityKey, typeKey, typeSlug, type RunRef } from '../../workflows/contract.js';
import { idsOfBatch } from '../fibery-activities.js';
import { runFiles, type ActivityDeps } from '../context.js';
import { heartbeating } from '../heartbeat.js';
import { onApiQueue } from '../../http/budgets.js';
import { countEntitiesEnriched } from '../../metrics/activity.js';

export interface EnrichBatchInput extends RunRef {
  database: string;
  type: string;
  /** Position of the batch within its type's ids (written by extract_fibery_entities). */
  offset: number;
  limit: number;
  fields: string[];
  batch_index: number;
}

export interface EnrichBatchResult {
  enriched: number;
  not_found: number;
  warnings: number;
  requests: number;
  file: string;
}

export const STAGED_ENRICHMENT_DIR = joinKey(RUN_FILES.fiberyStaging, 'enriched');

export const StagedBatchSchema = z.object({
  activity: z.string(),
  group: z.string(),
  entities: z.array(EnrichedEntitySchema),
  warnings: z.array(z.string()),
  /** Configured fields the workspace lacks: run_metadata.json warnings, not the report's. */
  field_warnings: z.array(z.string()).default([]),
  requests: z.number(),
});
export type StagedBatch = z.infer<typeof StagedBatchSchema>;

/** The staged batches of a run, one at a time, in a stable order. */
export async function* stagedBatches(files: RunFiles): AsyncGenerator<StagedBatch> {
  const batches = (await files.list(STAGED_ENRICHMENT_DIR)).map((f) => f.key).filter((key) => key.endsWith('.json') && !key.split('/').pop()!.startsWith('.'));
  for (const key of batches.sort()) yield parseRunFile(files.where(key), await files.read(key), StagedBatchSchema);
}

/** Introspection answers kept in the run, so a space is introspected once per run, whichever worker asks. */
function runSchemaStore(files: RunFiles): SchemaStore {
  const file = (spacePath: string) => joinKey(RUN_FILES.fiberyStaging, 'schema', `${slugify(spacePath)}.json`);
  return {
    load: async (spacePath) => ((await files.exists(file(spacePath))) ? (JSON.parse(await files.read(file(spacePath))) as unknown) : null),
    save: (spacePath, body) => files.writeJson(file(spacePath), body),
  };
}

/**
 * One client per run, Fibery account and token in this worker: a space is introspected once per
 * run, and the pacing budget (per token, in src/http/pacer.ts) is shared whatever the client.
 */
const clients = new Map<string, { client: FiberyClient; createdAt: number }>();
const CLIENT_TTL_MS = 30 * 60_000;

export function fiberyClientFor(files: RunFiles, env: Env, budget: { requests_per_second: number; workspace_requests_per_second: number }, now = Date.now()): FiberyClient {
  const settings = fiberySettings(env);
  const token = settings.apiToken;
  const workspace = settings.workspace ?? undefined;
  const baseUrl = settings.apiUrl ?? undefined;
  for (const [key, cached] of clients) if (now - cached.createdAt >= CLIENT_TTL_MS) clients.delete(key);
  const key = `${files.location}\0${baseUrl ?? workspace}\0${createHash('sha256').update(token).digest('hex')}`;
  const cached = clients.get(key);
  if (cached) return cached.client;
  const client = new FiberyClient({
    token,
    workspace,
    baseUrl,
    requestsPerSecond: budget.requests_per_second,
    workspaceRequestsPerSecond: budget.workspace_requests_per_second,
    schemaStore: runSchemaStore(files),
  });
  clients.set(key, { client, createdAt: now });
  return client;
}

/**
 * Builds an enrichment activity, on the Fibery queue. `defaultFields` are read on top of the
 * configured ones where the type has them, so a specialised activity keeps knowing what matters
 * for its type even with a thin config, and a workspace without them is not warned about fields
 * nobody configured.
 */
export type EnrichActivity = ReturnType<typeof makeEnrichActivity>;

export function makeEnrichActivity(activity: string, defaultFields: readonly string[], deps: ActivityDeps) {
  return onApiQueue('fibery', (input: EnrichBatchInput): Promise<EnrichBatchResult> => heartbeating(async (signal) => {
    const files = runFiles(deps, input);
    const ids = await idsOfBatch(files, input.database, input.type, input.offset, input.limit);
    const optionalFields = defaultFields.filter((f) => !input.fields.includes(f));
    const { app } = await readRunConfig(files);
    const client = fiberyClientFor(files, deps.env, app.fibery);
    const result = await client.fetchEntities({
      database: input.database,
      type: input.type,
      publicIds: ids,
      fields: input.fields,
      optionalFields,
      batchSize: input.limit,
      signal,
    });
    const byId = new Map(result.entities.map((e) => [e.public_id, e]));
    const missing = new Map(result.not_found.map((n) => [n.public_id, n.reason]));
    const entities: EnrichedEntity[] = ids.map((id) => {
      const found = byId.get(id);
      return {
        key: entityKey(input.database, input.type, id),
        entity_id: id,
        entity_database: input.database,
        entity_type: input.type,
        status: found ? 'enriched' : 'not_found',
        reason: found ? null : (missing.get(id) ?? `Fibery returned no ${input.database}/${input.type} with public id ${id}`),
        enriched_by: activity,
        fibery: found ?? null,
      };
    });
    const staged: StagedBatch = {
      activity,
      group: typeKey(input.database, input.type),
      entities,
      warnings: result.warnings,
      field_warnings: result.field_warnings,
      requests: result.requests,
    };
    const key = joinKey(STAGED_ENRICHMENT_DIR, `${typeSlug(input.database, input.type)}-${String(input.batch_index).padStart(5, '0')}.json`);
    await files.writeJson(key, staged);
    const file = files.where(key);
    const enriched = entities.filter((e) => e.status === 'enriched').length;
    countEntitiesEnriched(enriched, entities.length - enriched);
    return {
      enriched,
      not_found: entities.length - enriched,
      warnings: result.warnings.length + result.field_warnings.length,
      requests: result.requests,
      file,
    };
  }));
}
