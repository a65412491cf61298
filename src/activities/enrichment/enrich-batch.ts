/**
 * What every enrichment activity shares: pick one batch of one "Database/Type" from the run's
 * aggregated data, fetch it from Fibery in as few requests as the API allows, and stage the
 * result as a file. Only counts travel back through Temporal.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { FiberyClient } from '../../fibery/client.js';
import { ValidationError } from '../../errors.js';
import type { RunRef } from '../../workflows/contract.js';
import { RUN_FILES, writeJsonAtomic } from '../../storage/json-storage.js';
import type { EnrichedEntity } from '../../storage/schemas.js';
import { entityKey, typeKey } from '../../workflows/contract.js';
import { slugify } from '../../storage/slug.js';
import { entitiesOfGroup, readAggregated } from '../fibery-activities.js';
import { runPath, type ActivityDeps } from '../context.js';
import { heartbeating } from '../heartbeat.js';

export interface EnrichBatchInput extends RunRef {
  database: string;
  type: string;
  /** Position of the batch within its group's entity list (see entitiesOfGroup). */
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

export interface StagedBatch {
  activity: string;
  group: string;
  entities: EnrichedEntity[];
  warnings: string[];
  requests: number;
}

export const STAGED_ENRICHMENT_DIR = path.join(RUN_FILES.staging, 'enriched');

/**
 * One client per Fibery account and token in this worker, so a space is introspected once per
 * run rather than once per batch; renewed now and then, so a long-lived worker sees schema changes.
 */
const clients = new Map<string, { client: FiberyClient; createdAt: number }>();
const CLIENT_TTL_MS = 10 * 60_000;

export function fiberyClientFrom(env: NodeJS.ProcessEnv, now = Date.now()): FiberyClient {
  const token = env.FIBERY_API_TOKEN?.trim();
  if (!token) throw new ValidationError('FIBERY_API_TOKEN is not set: set it in the environment or .env of the worker, or try volt-agent with --sandbox');
  const workspace = env.FIBERY_WORKSPACE?.trim() || undefined;
  const baseUrl = env.FIBERY_API_URL?.trim() || undefined;
  if (!workspace && !baseUrl) throw new ValidationError('FIBERY_WORKSPACE is not set (or FIBERY_API_URL): set it in the environment or .env of the worker');
  const key = `${baseUrl ?? workspace}\0${createHash('sha256').update(token).digest('hex')}`;
  const cached = clients.get(key);
  if (cached && now - cached.createdAt < CLIENT_TTL_MS) return cached.client;
  const client = new FiberyClient({ token, workspace, baseUrl });
  clients.set(key, { client, createdAt: now });
  return client;
}

/**
 * Builds an enrichment activity. `defaultFields` are read on top of the configured ones, so a
 * specialised activity keeps knowing what matters for its type even with a thin config.
 */
export function makeEnrichActivity(activity: string, defaultFields: readonly string[], deps: ActivityDeps) {
  return (input: EnrichBatchInput): Promise<EnrichBatchResult> => heartbeating(async (signal) => {
    const aggregated = await readAggregated(input);
    const group = entitiesOfGroup(aggregated, input.database, input.type).slice(input.offset, input.offset + input.limit);
    const fields = [...new Set([...defaultFields, ...input.fields])];
    const client = fiberyClientFrom(deps.env);
    const result = await client.fetchEntities({
      database: input.database,
      type: input.type,
      publicIds: group.map((e) => e.entity_id),
      fields,
      batchSize: input.limit,
      signal,
    });
    const byId = new Map(result.entities.map((e) => [e.public_id, e]));
    const missing = new Map(result.not_found.map((n) => [n.public_id, n.reason]));
    const entities: EnrichedEntity[] = group.map((e) => {
      const found = byId.get(e.entity_id);
      return {
        key: entityKey(e.entity_database, e.entity_type, e.entity_id),
        entity_id: e.entity_id,
        entity_database: input.database,
        entity_type: input.type,
        status: found ? 'enriched' : 'not_found',
        reason: found ? null : (missing.get(e.entity_id) ?? `Fibery returned no ${input.database}/${input.type} with public id ${e.entity_id}`),
        enriched_by: activity,
        fibery: found ?? null,
      };
    });
    const staged: StagedBatch = { activity, group: typeKey(input.database, input.type), entities, warnings: result.warnings, requests: result.requests };
    const file = runPath(input, path.join(STAGED_ENRICHMENT_DIR, `${slugify(`${input.database}_${input.type}`)}-${String(input.batch_index).padStart(5, '0')}.json`));
    await writeJsonAtomic(file, staged);
    return {
      enriched: entities.filter((e) => e.status === 'enriched').length,
      not_found: entities.filter((e) => e.status === 'not_found').length,
      warnings: result.warnings.length,
      requests: result.requests,
      file,
    };
  });
}
