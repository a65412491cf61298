/**
 * The run store: the one way every run file is read and written, by activities and CLI commands
 * alike. Keys are paths relative to the run (`reports/team_summary.md`), `/`-separated, the same in
 * every store. Two stores: the local output directory (the default, src/storage/local-store.ts)
 * and an S3-compatible bucket (`VOLT_RUN_STORE=s3://BUCKET/PREFIX`, src/storage/s3-store.ts).
 * Which one a process uses is its own environment's choice: the store's credentials never travel
 * through workflow inputs or history.
 */
import type { z } from 'zod';
import { EnvironmentError, ValidationError } from '../errors.js';

export interface StoredFile {
  /** Relative to the run: `reports/team_summary.md`. */
  key: string;
  bytes: number;
}

/** The files of one run. */
export interface RunFiles {
  readonly runId: string;
  /** Where the run is, for people: a directory, or `s3://bucket/prefix/run_id`. */
  readonly location: string;
  /** Where one of its files is, for messages. */
  where(key: string): string;
  /** Changes whenever the file does (mtime, ETag); null when there is no such file. */
  version(key: string): Promise<string | null>;
  /** A file, or a "directory" holding at least one file. */
  exists(key: string): Promise<boolean>;
  /** A missing file is a ValidationError naming it. */
  read(key: string): Promise<string>;
  readJson<S extends z.ZodType>(key: string, schema: S): Promise<z.infer<S>>;
  /** A text file's lines, one at a time, never the whole file in memory. */
  lines(key: string): AsyncIterable<string>;
  /** Whole-file writes: a reader never sees half a file. */
  write(key: string, content: string): Promise<void>;
  writeJson(key: string, data: unknown): Promise<void>;
  /** A large file written as its chunks come, never held whole. */
  writeStream(key: string, chunks: AsyncIterable<string>): Promise<void>;
  /** Every file at or under `prefix` (all of the run without one), sorted by key. */
  list(prefix?: string): Promise<StoredFile[]>;
  /** A file, or everything under a "directory"; nothing there is fine. */
  remove(key: string): Promise<void>;
  /** A file, or everything under a "directory", to a new key. */
  move(from: string, to: string): Promise<void>;
  /**
   * Read, change, write back, without losing another process's update made in between: the S3
   * store writes only if the file is still the one it read, else reads again and re-applies.
   */
  update<S extends z.ZodType>(key: string, schema: S, change: (value: z.infer<S>) => void): Promise<z.infer<S>>;
}

export interface RunStore {
  /** For people: `/abs/tmp/runs`, or `s3://bucket/prefix (endpoint …)`. */
  readonly location: string;
  readonly kind: 'local' | 's3';
  run(runId: string): RunFiles;
  /** The ids of every run the store holds (its top-level "directories"), unsorted. */
  runIds(): Promise<string[]>;
  /** Answers when the store can be reached with these settings; throws what a store call would. */
  check(): Promise<void>;
}

/** A store that cannot be reached (no connection, a timeout, a 5xx): waited for and retried. */
export class RunStoreUnavailableError extends EnvironmentError {
  override name = 'RunStoreUnavailableError';
}

/** The store refuses these settings (no such bucket, refused credentials): retrying cannot help. */
export class RunStoreConfigError extends EnvironmentError {
  override name = 'RunStoreConfigError';
}

/** A run file that must be there is missing or unreadable where a retry may find it (another worker's store, a write in flight). */
export class RunFileUnreadableError extends Error {
  override name = 'RunFileUnreadableError';
}

export function missingRunFile(where: string): ValidationError {
  return new ValidationError(`missing run file ${where}`);
}

/** Parses a run file's text against its schema, with the readable errors of every run file. */
export function parseRunFile<S extends z.ZodType>(where: string, text: string, schema: S): z.infer<S> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`${where} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ValidationError(`${where} does not look like a volt-agent run file: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? ''}`.trim());
  }
  return parsed.data;
}

export const jsonText = (data: unknown) => `${JSON.stringify(data, null, 2)}\n`;

/** `a/b` + `c` → `a/b/c`; keys never start or end with `/`. */
export function joinKey(...parts: string[]): string {
  return parts.filter(Boolean).join('/').replace(/\/+/g, '/').replace(/^\/|\/$/g, '');
}

/** Hidden files and directories (staging, set-aside outputs, temporary files) are not the run's results. */
export function isHiddenKey(key: string): boolean {
  return key.split('/').some((part) => part.startsWith('.'));
}
