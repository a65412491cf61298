/**
 * The default run store: one directory per run under the output directory (`tmp/runs/<run_id>/`),
 * every write atomic (a temporary file renamed over the target, src/storage/json-storage.ts).
 */
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { z } from 'zod';
import { readJsonFile, removeIfExists, runDir, writeFileAtomic, writeJsonAtomic, writeStreamAtomic } from './json-storage.js';
import { missingRunFile, type RunFiles, type RunStore, type StoredFile } from './run-store.js';

export function localRunStore(outputDir: string): RunStore {
  const root = path.resolve(outputDir);
  return {
    location: root,
    kind: 'local',
    run: (runId) => localRunFiles(runDir(root, runId), runId),
    async runIds() {
      const entries = await readdir(root, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return [];
        throw error;
      });
      return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
    },
    async check() {},
  };
}

/** The files of the run directory `dir` (its name is the run id). */
export function localRunFiles(dir: string, runId = path.basename(dir)): RunFiles {
  const full = (key: string) => path.join(dir, ...key.split('/'));
  return {
    runId,
    location: dir,
    where: full,
    version: async (key) => {
      const info = await stat(full(key)).catch(() => null);
      return info?.isFile() ? String(info.mtimeMs) : null;
    },
    exists: async (key) => existsSync(full(key)),
    async read(key) {
      try {
        return await readFile(full(key), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw missingRunFile(full(key));
        throw error;
      }
    },
    readJson: <S extends z.ZodType>(key: string, schema: S) => readJsonFile(full(key), schema),
    async *lines(key) {
      if (!existsSync(full(key))) throw missingRunFile(full(key));
      yield* createInterface({ input: createReadStream(full(key), 'utf8'), crlfDelay: Infinity });
    },
    write: (key, content) => writeFileAtomic(full(key), content),
    writeJson: (key, data) => writeJsonAtomic(full(key), data),
    writeStream: (key, chunks) => writeStreamAtomic(full(key), chunks),
    list: async (prefix = '') => listFiles(dir, prefix),
    remove: (key) => removeIfExists(full(key)),
    async move(from, to) {
      if (!existsSync(full(from))) return;
      await mkdir(path.dirname(full(to)), { recursive: true });
      await rename(full(from), full(to));
    },
    // One run's activities that update a file never run concurrently on one machine.
    async update<S extends z.ZodType>(key: string, schema: S, change: (value: z.infer<S>) => void) {
      const value = await readJsonFile(full(key), schema);
      change(value);
      await writeJsonAtomic(full(key), value);
      return value;
    },
  };
}

async function listFiles(dir: string, prefix: string): Promise<StoredFile[]> {
  const out: StoredFile[] = [];
  const start = path.join(dir, ...prefix.split('/').filter(Boolean));
  const info = await stat(start).catch(() => null);
  if (!info) return out;
  if (info.isFile()) return [{ key: prefix, bytes: info.size }];
  const walk = async (current: string) => {
    for (const entry of await readdir(current, { withFileTypes: true }).catch(() => [])) {
      const file = path.join(current, entry.name);
      if (entry.isDirectory()) await walk(file);
      else if (entry.isFile()) out.push({ key: path.relative(dir, file).split(path.sep).join('/'), bytes: (await stat(file)).size });
    }
  };
  await walk(start);
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
