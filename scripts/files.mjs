// The files the build and the test build compile and copy.
import { cp, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';

/** Every file under `dir`, recursively. */
export async function filesUnder(dir) {
  const found = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await filesUnder(full)));
    else found.push(full);
  }
  return found;
}

/** Copies `files` (under `fromDir`) to the same places under `toDir`: the assets esbuild does not compile. */
export async function copyInto(files, fromDir, toDir) {
  for (const from of files) {
    const to = path.join(toDir, path.relative(fromDir, from));
    await mkdir(path.dirname(to), { recursive: true });
    await cp(from, to);
  }
}
