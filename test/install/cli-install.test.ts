/**
 * volt-agent installs like a CLI: `npm pack`, then `npm install -g` of the tarball into an empty
 * prefix gives a `volt-agent` that runs outside the repository from compiled code (no TypeScript,
 * no webpack at run time): `--help` answers and a whole `demo` completes. Its start-up time is
 * measured by `npm run bench`, not asserted here.
 * One test, because packing and installing take a while (about 20 s, from npm's cache).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ensureTemporalBinary } from '../../src/temporal/binary.js';

const exec = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

test('npm pack + npm install -g: --help answers, and demo completes, outside the repository', { timeout: 10 * 60_000 }, async () => {
  const work = await mkdtemp(path.join(os.tmpdir(), 'volt-install-'));
  const prefix = path.join(work, 'prefix');
  const elsewhere = path.join(work, 'elsewhere');
  await mkdir(elsewhere);
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(TOGGL_|FIBERY_|OPENAI_|ANTHROPIC_|VOLT_|TEMPORAL_|npm_)/.test(k))),
    // A Temporal CLI that is already there: finding one is tested elsewhere, installing one takes a while.
    TEMPORAL_CLI_PATH: await ensureTemporalBinary(),
    VOLT_STATE_DIR: path.join(work, 'state'),
  };
  const bin = path.join(prefix, 'bin', 'volt-agent');
  try {
    const packed = Date.now();
    const { stdout } = await exec(npm, ['pack', '--pack-destination', work, '--json'], { env: { ...process.env }, maxBuffer: 64 * 1024 * 1024 });
    const tarball = path.join(work, (JSON.parse(stdout) as { filename: string }[])[0]!.filename);
    const installed = Date.now();
    await exec(npm, ['install', '-g', tarball, '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund'], { env: { ...process.env }, maxBuffer: 64 * 1024 * 1024 });
    const done = Date.now();
    console.log(`# npm pack ${((installed - packed) / 1000).toFixed(1)} s, npm install -g ${((done - installed) / 1000).toFixed(1)} s`);

    const pkg = path.join(prefix, 'lib', 'node_modules', 'volt-agent');
    assert.ok(existsSync(path.join(pkg, 'dist', 'cli', 'main.js')), 'the compiled CLI is installed');
    assert.ok(existsSync(path.join(pkg, 'dist', 'workflow-bundle.js')), 'with the pre-built workflow bundle');
    assert.ok(!existsSync(path.join(pkg, 'src')), 'and without the TypeScript sources');
    assert.ok(!existsSync(path.join(pkg, 'node_modules', 'tsx')) && !existsSync(path.join(prefix, 'lib', 'node_modules', 'tsx')), 'tsx is a development tool only');

    // How fast it starts is the bench's claim (`npm run bench` prints it against a bare node); here, that it answers.
    assert.match((await exec(bin, ['--help'], { cwd: elsewhere, env })).stdout, /Usage: volt-agent/);

    const demo = await exec(bin, ['demo', '--sandbox-latency', '0', '--json', '--output-dir', path.join(elsewhere, 'runs')], { cwd: elsewhere, env, timeout: 240_000 });
    const summary = JSON.parse(demo.stdout) as { status: string; run_dir: string };
    assert.equal(summary.status, 'completed', demo.stderr);
    const metadata = JSON.parse(await readFile(path.join(summary.run_dir, 'run_metadata.json'), 'utf8')) as { status: string };
    assert.equal(metadata.status, 'completed');
    assert.ok(existsSync(path.join(summary.run_dir, 'reports', 'team_summary.md')));
  } finally {
    await exec(bin, ['service', 'stop'], { cwd: elsewhere, env }).catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  }
});
