#!/usr/bin/env node
// Runs the test files named on the command line, in that order, a few at a time, each in a
// process of its own; `node --test` would sort them by name instead, so a long file named late
// would start last and end the run late. Node flags given to this script (--enable-source-maps)
// apply to the test processes too. Exit status 1 when a test fails.
//   node --enable-source-maps scripts/test-files.mjs [--concurrency N] file.test.js...
import { run } from 'node:test';
import { spec, tap } from 'node:test/reporters';

const args = process.argv.slice(2);
const at = args.indexOf('--concurrency');
const concurrency = at === -1 ? 4 : Number(args.splice(at, 2)[1]);

const stream = run({ files: args, concurrency, timeout: 10 * 60_000 });
stream.on('test:fail', () => {
  process.exitCode = 1;
});
stream.compose(process.stdout.isTTY ? new spec() : tap).pipe(process.stdout);
