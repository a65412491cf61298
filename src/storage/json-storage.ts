/**
 * Run files on disk: paths, atomic writes and schema-checked reads.
 * A write goes to a temporary file in the same directory and is renamed over the target, so a
 * reader (or a crash) never sees half a file and an earlier version stays intact until the swap.
 */
import { mkdir, readFile, rename, rm, open } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { z } from 'zod';
import { ValidationError } from '../errors.js';
import { parseRunFile } from './run-store.js';

export const RUN_FILES = {
  metadata: 'run_metadata.json',
  /** The settings the run uses, resolved once when it starts (src/config/run-config.ts). */
  runConfig: 'run_config.json',
  rawToggl: 'raw_toggl_data.json',
  /** The entries of the period of equal length just before, when the run compares. */
  rawTogglPrevious: 'raw_toggl_previous.json',
  aggregated: 'toggl_aggregated.json',
  enriched: 'enriched_data.json',
  togglSummary: path.join('reports', 'toggl_summary.md'),
  togglSummaryHtml: path.join('reports', 'toggl_summary.html'),
  teamSummary: path.join('reports', 'team_summary.md'),
  teamSummaryHtml: path.join('reports', 'team_summary.html'),
  individualDir: path.join('reports', 'individual'),
  /** Each report's LLM answers as they came (src/activities/llm-answers.ts). */
  llmAnswers: 'llm_answers',
  /** Intermediate results; each stage removes its own once it has saved its outputs. */
  staging: '.staging',
  /** Toggl pages as they arrive, and the fetch's checkpoint: what a resumed fetch continues from. */
  togglStaging: path.join('.staging', 'toggl'),
  /** Per-type id lists, introspected schemas and enriched batches of the Fibery stage. */
  fiberyStaging: path.join('.staging', 'fibery'),
  /** What each person report needs, written once after enrichment, and the finished reports. */
  personStaging: path.join('.staging', 'person'),
  /** A restarted stage's earlier outputs, set aside until the new ones are complete. */
  previousOutputs: '.previous',
} as const;

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Run ids become directory names: no separators, no `..`, nothing hidden. */
export function validateRunId(runId: string): string {
  if (!RUN_ID.test(runId) || runId.includes('..')) {
    throw new ValidationError(
      `invalid run id "${runId}": use letters, digits, "_", "-" and "." only (like run_2025-10-10-15-30-45)`,
    );
  }
  return runId;
}

export function runDir(outputDir: string, runId: string): string {
  return path.join(path.resolve(outputDir), validateRunId(runId));
}

/** `mode` applies to a newly written file, e.g. 0o600 for one only its owner may read. */
export async function writeFileAtomic(file: string, content: string, mode = 0o666): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'w', mode);
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Like writeFileAtomic, for content that comes in chunks (a large file never held whole). */
export async function writeStreamAtomic(file: string, chunks: AsyncIterable<string>): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'w');
  try {
    for await (const chunk of chunks) await handle.write(chunk);
    await handle.sync();
    await handle.close();
    await rename(temp, file);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw error;
  }
}

export async function writeJsonAtomic(file: string, data: unknown): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(data, null, 2)}\n`);
}

export async function readJsonFile<S extends z.ZodType>(file: string, schema: S): Promise<z.infer<S>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ValidationError(`missing run file ${file}`);
    throw error;
  }
  return parseRunFile(file, text, schema);
}

export async function removeIfExists(file: string): Promise<void> {
  await rm(file, { force: true, recursive: true });
}
