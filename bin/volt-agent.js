#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build`, which `npm ci` and `npm pack` run).
// In a checkout whose dist/ is missing or older than a file of src/, it runs the TypeScript
// sources through tsx instead, so an edit takes effect without a rebuild.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const stamp = `${root}dist/build-info.json`;

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = `${dir}/${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

const hasSources = existsSync(`${root}src/cli/main.ts`);
const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
const fromSources = hasSources && (built === 0 || newestMtime(`${root}src`) > built);

let main;
if (fromSources) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
} else {
  ({ main } = await import('../dist/cli/main.js'));
}
process.exit(await main(process.argv));
