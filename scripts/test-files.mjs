#!/usr/bin/env node
// Runs the test files named on the command line, in that order, a few at a time, each in a
// process of its own; `node --test` would sort them by name instead, so a long file named late
// would start last and end the run late. Node flags given to this script (--enable-source-maps)
// apply to the test processes too. Exit status 1 when a test fails. With --timings FILE, each
// file's wall time (its first test queued to its last test ended) is written there as JSON, which
// is what scripts/run-tests.mjs orders the next run by.
//   node --enable-source-maps scripts/test-files.mjs [--concurrency N] [--timings FILE] file.test.js...
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
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

/** Per file: when its first test was queued and its last one ended, in ms since this started. */
const spans = new Map();
const seen = ({ file }) => {
  if (!file) return;
  const now = performance.now();
  const span = spans.get(file) ?? { from: now, to: now };
  span.to = now;
  spans.set(file, span);
};

const stream = run({ files: args, concurrency, timeout: 10 * 60_000 });
stream.on('test:dequeue', (data) => seen(data));
stream.on('test:pass', (data) => seen(data));
stream.on('test:fail', (data) => {
  seen(data);
  process.exitCode = 1;
});
stream.on('end', () => {
  if (!timingsFile) return;
  // Events name a file as compiled (.js) or, through its source map, as written (.ts): one name each.
  const byName = new Map();
  for (const [file, { from, to }] of spans) {
    const name = path.basename(file).replace(/\.test\.[jt]s$/, '');
    const seen = byName.get(name);
    byName.set(name, seen ? { from: Math.min(seen.from, from), to: Math.max(seen.to, to) } : { from, to });
  }
  const seconds = Object.fromEntries([...byName].map(([name, { from, to }]) => [name, Math.round((to - from) / 100) / 10]).sort((a, b) => b[1] - a[1]));
  writeFileSync(timingsFile, `${JSON.stringify(seconds, null, 2)}\n`);
});
stream.compose(process.stdout.isTTY ? new spec() : tap).pipe(process.stdout);
