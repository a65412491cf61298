/**
 * The command line as a user runs it: `bin/volt-agent.js` in a child process, on the embedded
 * mode's background service (Temporal dev server + workers) and the sandbox.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const BIN = path.resolve('bin/volt-agent.js');
const run = promisify(execFile);

let work: string;
before(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'volt-cli-'));
});
after(async () => {
  // The background service started by the demo outlives the commands: stop it.
  await volt(['service', 'stop']);
  await rm(work, { recursive: true, force: true });
});

/** Runs the CLI with no tokens in its environment and its own state directory. */
async function volt(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(TOGGL_|FIBERY_|OPENAI_|ANTHROPIC_|VOLT_LLM|TEMPORAL_ADDRESS)/.test(k)),
  );
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      cwd: work,
      // The sandbox's Fibery simulator answers at once here, not as slowly as the real API.
      env: { ...clean, VOLT_STATE_DIR: path.join(work, 'state'), VOLT_SANDBOX_FIBERY_LATENCY_MS: '0', ...env },
      timeout: 240_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// Bad input (flags, variables, config files, directories) is test/cli-bad-input.test.ts.

describe('demo, then a Fibery-stage re-run, through the command line', () => {
  let runId = '';
  const outputDir = () => path.join(work, 'demo-runs');

  test('demo completes and writes every file', async () => {
    const result = await volt(['demo', '--output-dir', outputDir(), '--json']);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout) as { run_id: string; status: string; run_dir: string; individual_reports: string[] };
    assert.equal(summary.status, 'completed');
    runId = summary.run_id;
    assert.match(runId, /^run_\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}$/);
    const dir = path.join(outputDir(), runId);
    const metadata = JSON.parse(await readFile(path.join(dir, 'run_metadata.json'), 'utf8'));
    assert.equal(metadata.status, 'completed');
    assert.deepEqual(metadata.stages_completed, ['toggl', 'fibery']);
    const aggregated = JSON.parse(await readFile(path.join(dir, 'toggl_aggregated.json'), 'utf8'));
    assert.equal((await readdir(path.join(dir, 'reports/individual'))).filter((f) => f.endsWith('.md')).length, Object.keys(aggregated.users).length);
    assert.equal(summary.individual_reports.length, Object.keys(aggregated.users).length);
    const team = await readFile(path.join(dir, 'reports/team_summary.md'), 'utf8');
    assert.match(team, /without an LLM/);
    // The sandbox's tokens are random per start and prefixed: none may reach output or logs.
    const logs = await Promise.all(['temporal-server.log', 'service.log', 'service.json'].map((f) => readFile(path.join(work, 'state', f), 'utf8')));
    for (const text of [result.stdout, result.stderr, ...logs]) assert.doesNotMatch(text, /sandbox-(toggl|fibery|llm)-/);
  });

  test('--start-from fibery rewrites the Fibery outputs and leaves the Toggl ones byte-identical', async () => {
    assert.ok(runId, 'the demo ran');
    const dir = path.join(outputDir(), runId);
    const togglFiles = ['raw_toggl_data.json', 'toggl_aggregated.json', 'reports/toggl_summary.md'];
    const before = await Promise.all(togglFiles.map((f) => readFile(path.join(dir, f))));
    const enrichedBefore = JSON.parse(await readFile(path.join(dir, 'enriched_data.json'), 'utf8')).generated_at;
    const result = await volt(['run', '--sandbox', '--start-from', 'fibery', '--run-id', runId, '--output-dir', outputDir()]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /completed/);
    const afterFiles = await Promise.all(togglFiles.map((f) => readFile(path.join(dir, f))));
    togglFiles.forEach((f, i) => assert.ok(before[i]!.equals(afterFiles[i]!), `${f} is byte-identical`));
    const enrichedAfter = JSON.parse(await readFile(path.join(dir, 'enriched_data.json'), 'utf8')).generated_at;
    assert.notEqual(enrichedAfter, enrichedBefore, 'enriched_data.json was written again');
  });

  test('a second run with the same run id is refused and the first run is untouched', async () => {
    const dir = path.join(outputDir(), runId);
    const before = await readFile(path.join(dir, 'run_metadata.json'));
    const result = await volt(['run', '--sandbox', '--start-date', '2026-11-09', '--end-date', '2026-11-10', '--run-id', runId, '--output-dir', outputDir()]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /already exists/);
    assert.ok(before.equals(await readFile(path.join(dir, 'run_metadata.json'))));
  });
});
