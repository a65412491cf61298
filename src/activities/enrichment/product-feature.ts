import type { ActivityDeps } from '../context.js';
import { makeEnrichActivity } from './enrich-batch.js';

/** Product features: their area, release and the time Fibery has recorded on them. */
export const enrichProductFeature = (deps: ActivityDeps) =>
  makeEnrichActivity('enrich_product_feature', ['Epic', 'Dev Planned Start Date', 'Dev Planned End Date', 'Planned Release Date', 'Actual Release Date', 'Feature time spent (H)'], deps);
