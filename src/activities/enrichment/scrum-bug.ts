import type { ActivityDeps } from '../context.js';
import { makeEnrichActivity } from './enrich-batch.js';

/** Scrum bugs: how bad, how urgent, and why it happened. */
export const enrichScrumBug = (deps: ActivityDeps) =>
  makeEnrichActivity('enrich_scrum_bug', ['Severity', 'Priority', 'Root cause'], deps);
