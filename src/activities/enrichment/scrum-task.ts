import type { ActivityDeps } from '../context.js';
import { makeEnrichActivity } from './enrich-batch.js';

/** Scrum tasks: estimates, where they sit in the plan, and their dates. */
export const enrichScrumTask = (deps: ActivityDeps) =>
  makeEnrichActivity('enrich_scrum_task', ['Effort (pt)', 'Sprint', 'Epic', 'Feature', 'Planned Start', 'Planned End'], deps);
