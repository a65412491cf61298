/**
 * Light facts about sandbox datasets for the CLI (no servers, no graphql import): where the
 * built-in sample lives and a schema that reads only a dataset's period.
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The built-in sample workspace ("Acme Software (sample)"), written by scripts/generate-sample-dataset.ts. */
export const SAMPLE_DATASET_PATH: string = fileURLToPath(new URL('./datasets/sample-workspace.json', import.meta.url));

/** Reads `{ period: { start_date, end_date } }` of a dataset file; other keys are ignored. */
export const DatasetPeriodSchema = z.object({
  period: z.object({ start_date: z.iso.date(), end_date: z.iso.date() }),
});
