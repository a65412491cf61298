#!/usr/bin/env node
// `npm run build` (and `prepare`, so `npm ci` and `npm pack` build too): compiles src/ to dist/,
// copies the files the code reads next to itself (the sandbox dataset), and pre-bundles the
// workflow code into dist/workflow-bundle.js so an installed worker never runs webpack.
//   node scripts/build.mjs
// Each file is transpiled on its own by esbuild (tsconfig has isolatedModules), in well under a
// second; `npm run typecheck` is what checks the types (tsc takes ~25 s here, so it is not repeated).
import { existsSync, statSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyInto, filesUnder } from './files.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = path.join(root, 'src');
const target = path.join(root, 'dist');
// Built aside and swapped in at the end: a CLI or test that runs from dist/ meanwhile (a build while
// the tests run, `npm pack` in a test) never finds it half-written.
const dist = path.join(root, `.dist-building-${process.pid}`);
const started = Date.now();
const step = (what) => process.stderr.write(`build: ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);

const all = await filesUnder(src);

// `--if-stale` (what `prepare` runs, so `npm ci` and `npm pack` build): nothing to do while the
// build is newer than every source file; a pack in a test then never swaps dist/ under a running CLI.
const stamp = path.join(target, 'build-info.json');
if (process.argv.includes('--if-stale') && existsSync(stamp)) {
  const built = statSync(stamp).mtimeMs;
  if ([...all, fileURLToPath(import.meta.url)].every((f) => statSync(f).mtimeMs < built)) {
    step('up to date');
    process.exit(0);
  }
}

await rm(dist, { recursive: true, force: true });

const { build } = await import('esbuild');
await build({
  entryPoints: all.filter((f) => f.endsWith('.ts')),
  outdir: dist,
  outbase: src,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
});
step('compiled src/ to dist/');

await copyInto(all.filter((f) => !f.endsWith('.ts')), src, dist);
step('copied assets');

const { bundleWorkflowCode } = await import('@temporalio/worker');
const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn: (m) => console.warn(m), error: (m) => console.error(m) };
const bundle = await bundleWorkflowCode({ workflowsPath: path.join(dist, 'workflows', 'index.js'), logger: quiet });
await writeFile(path.join(dist, 'workflow-bundle.js'), bundle.code);
step('bundled the workflow code');

// Written last: bin/volt-agent.js runs dist/ only while it is newer than every file of src/.
await writeFile(path.join(dist, 'build-info.json'), `${JSON.stringify({ built_at: new Date().toISOString() }, null, 2)}\n`);
const old = path.join(root, `.dist-old-${process.pid}`);
await rename(target, old).catch((error) => {
  if (error.code !== 'ENOENT') throw error;
});
await rename(dist, target);
await rm(old, { recursive: true, force: true });
step('done');
