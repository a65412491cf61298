#!/usr/bin/env node
// Runs the test files named on the command line, in that order, a few at a time, each in a
// process of its own; `node --test` would sort them by name instead, so a long file named late
// would start last and end the run late. Node flags given to this script (--enable-source-maps)
// apply to the test processes too. Exit status 1 when a test fails. With --timings FILE, each
// file's time (its top-level tests' durations added up) is written there as JSON, which is what
// scripts/run-tests.mjs orders the next run by.
//   node --enable-source-maps scripts/test-files.mjs [--concurrency N] [--timings FILE] file.test.js...
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { run } from 'node:test';
import { spec, tap } from 'node:test/reporters';

const args = process.argv.slice(2);
const option = (name) => {
  const at = args.indexOf(name);
  return at === -1 ? undefined : args.splice(at, 2)[1];
};
const concurrency = Number(option('--concurrency') ?? 4);
const timingsFile = option('--timings');

/**
 * Per file, the sum of its top-level tests' durations (they run one after another unless a suite
 * says otherwise, and such a suite's own duration is its wall time). Not the reporting times: the
 * reporter hands a file's events on only when the files before it are done.
 */
const seconds = new Map();
const timed = ({ file, nesting, details }) => {
  if (!file || nesting !== 0 || typeof details?.duration_ms !== 'number') return;
  // Events name a file as compiled (.js) or, through its source map, as written (.ts): one name each.
  const name = path.basename(file).replace(/\.test\.[jt]s$/, '');
  seconds.set(name, (seconds.get(name) ?? 0) + details.duration_ms / 1000);
};

const stream = run({ files: args, concurrency, timeout: 10 * 60_000 });
stream.on('test:pass', timed);
stream.on('test:fail', (data) => {
  timed(data);
  process.exitCode = 1;
});
stream.on('end', () => {
  if (!timingsFile) return;
  const rounded = [...seconds].map(([name, s]) => [name, Math.round(s * 10) / 10]).sort((x, y) => y[1] - x[1]);
  writeFileSync(timingsFile, `${JSON.stringify(Object.fromEntries(rounded), null, 2)}\n`);
});
stream.compose(process.stdout.isTTY ? new spec() : tap).pipe(process.stdout);
