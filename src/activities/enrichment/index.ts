import type { EnrichmentActivityName } from '../../config/enrichment-config.js';
import type { ActivityDeps } from '../context.js';
import { defaultEnrichEntity } from './default.js';
import type { EnrichActivity } from './enrich-batch.js';
import { enrichProductFeature } from './product-feature.js';
import { enrichScrumBug } from './scrum-bug.js';
import { enrichScrumTask } from './scrum-task.js';

/** Registered under the names enrichment_config.yaml uses; each is on the Fibery queue (makeEnrichActivity). */
export function createEnrichmentActivities(deps: ActivityDeps): Record<EnrichmentActivityName, EnrichActivity> {
  return {
    enrich_scrum_task: enrichScrumTask(deps),
    enrich_scrum_bug: enrichScrumBug(deps),
    enrich_product_feature: enrichProductFeature(deps),
    default_enrich_entity: defaultEnrichEntity(deps),
  };
}
