/** Every activity the worker registers, under the names of spec section 3. */
import { createCleanupActivities } from './cleanup-activities.js';
import { defaultDeps, type ActivityDeps } from './context.js';
import { createEnrichmentActivities } from './enrichment/index.js';
import { createFiberyActivities } from './fibery-activities.js';
import { createMetadataActivities } from './run-metadata.js';
import { createReportingActivities } from './reporting-activities.js';
import { createTogglActivities } from './toggl-activities.js';
import { failFast } from './failures.js';
import { createDeliveryActivities } from './delivery-activities.js';
import { createScheduleActivities } from './schedule-activities.js';

export function createActivities(deps: ActivityDeps = defaultDeps()) {
  return failFast({
    ...createMetadataActivities(deps),
    ...createCleanupActivities(deps),
    ...createTogglActivities(deps),
    ...createFiberyActivities(deps),
    ...createEnrichmentActivities(deps),
    ...createReportingActivities(deps),
    ...createDeliveryActivities(deps),
    ...createScheduleActivities(),
  });
}

export type Activities = ReturnType<typeof createActivities>;
export type { EnrichBatchInput, EnrichBatchResult } from './enrichment/enrich-batch.js';
export type { FiberyPlan, EnrichmentGroup } from './fibery-activities.js';
