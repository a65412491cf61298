import type { ActivityDeps } from '../context.js';
import { makeEnrichActivity } from './enrich-batch.js';

/** Any other type: the common fields plus whatever the config lists for it. */
export const defaultEnrichEntity = (deps: ActivityDeps) => makeEnrichActivity('default_enrich_entity', [], deps);
