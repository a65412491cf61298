/**
 * The operator's command line (issue 4): the progress display, list-runs / show-run / cancel-run /
 * temporal-ui, the embedded mode's background service (the demo, a Fibery-stage re-run, detach with
 * 'q' in a real terminal); cancelling from another process and restarting the service are in
 * cli-service.test.ts (a service of their own, beside this file's), the production topology in
 * test/workers/production.test.ts. Every command runs as the user runs it: bin/volt-agent.js in a child process.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { hasEscapes, PlainProgressPrinter, plainProgressLine, renderProgressBox, withWallClock } from '../src/cli/progress-view.js';
import { readServiceInfo } from '../src/cli/service/state.js';
import { PIPELINE_VERSION, type Progress } from '../src/workflows/contract.js';
import type { RunMetadata } from '../src/storage/schemas.js';
import { BIN, cliIn, readMetadata } from './support/cli-process.js';
import { runMetadata, type RunMetadataFixture } from './support/run-metadata.js';

let work: string;
before(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'volt-operator-'));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

const cli = cliIn(() => work);
const { userEnv, volt, spawnProcess } = cli;

// ---------------------------------------------------------------------------------------------

function progress(overrides: Partial<Progress> = {}, details: Partial<Progress['details']> = {}): Progress {
  return {
    run_id: 'run_2025-10-10-15-30-45',
    status: 'running',
    current_stage: 'fibery',
    current_activity: 'enrich_entities_by_type',
    activity_index: 6,
    activity_count: 9,
    percentage: 68.4,
    eta_seconds: 135,
    ...overrides,
    details: {
      types: [
        { key: 'Product/Feature', activity: 'enrich_product_feature', done: 0, total: 12 },
        { key: 'Scrum/Bug', activity: 'enrich_scrum_bug', done: 8, total: 8 },
        { key: 'Scrum/Task', activity: 'enrich_scrum_task', done: 15, total: 20 },
      ],
      current_type: 'Scrum/Task',
      persons: { done: 0, total: 9 },
      toggl: null,
      as_of: 0,
      elapsed_seconds: 222,
      rate_per_second: 0.45,
      error: null,
      ...details,
    },
  };
}

describe('the progress display', () => {
  test('the box of spec 6.2: run id, stage, activity i/n, bar with percentage and ETA, details, keys', () => {
    const lines = renderProgressBox('run_2025-10-10-15-30-45', progress(), { columns: 100, keys: true });
    const text = lines.join('\n');
    assert.match(lines[0]!, /^╭─+╮$/);
    assert.equal(lines[0]!.length, 64, 'as wide as the spec draws it');
    assert.ok(lines.slice(0, 5).every((l) => [...l].length === 64), 'every box line has the same width');
    assert.match(text, /│ Toggl-Fibery Pipeline +│/);
    assert.match(text, /│ Run ID: run_2025-10-10-15-30-45 +│/);
    assert.match(text, /│ Stage: Fibery Enrichment +│/);
    assert.match(text, /^\[Activity 6\/9\] Enriching entities by type$/m);
    assert.match(text, /^━{27}─{13} 68% \| ETA: 2m 15s$/m);
    assert.match(text, /├─ Current: Scrum\/Task \(15\/20 entities\)/);
    assert.match(text, /├─ Completed: Scrum\/Bug \(8\/8 entities\)/);
    assert.match(text, /├─ Remaining: Product\/Feature \(12 entities\)/);
    assert.match(text, /├─ Elapsed: 3m 42s/);
    assert.match(text, /└─ Rate: 0\.45 entities\/sec/);
    assert.match(text, /Press 'q' to quit monitoring \(workflow continues in background\)/);
    assert.match(text, /Press 'd' for detailed view in Temporal UI/);
    assert.ok(!hasEscapes(text), 'the frame itself holds no escape codes; the watcher adds cursor moves');
  });

  test('a narrow terminal gets a narrower box and no line wider than it', () => {
    const lines = renderProgressBox('run_2025-10-10-15-30-45', progress(), { columns: 40, keys: true });
    for (const line of lines) assert.ok([...line].length <= 40, `"${line}" fits in 40 columns`);
    assert.match(lines.join('\n'), /Remaining: 1 type \(12 entities\)/, 'long lists are summarised');
  });

  test('before the first answer, between stages and at the end', () => {
    assert.match(renderProgressBox('run_x', null).join('\n'), /Stage: Starting[\s\S]*Waiting for the workflow/);
    const between = renderProgressBox('run_x', progress({ current_stage: null, current_activity: null }), { lastStage: 'toggl' }).join('\n');
    assert.match(between, /Stage: Toggl Collection/);
    const done = renderProgressBox('run_x', progress({ status: 'completed', percentage: 100, eta_seconds: 0, current_stage: null, current_activity: null, activity_index: 9 })).join('\n');
    assert.match(done, /Stage: Completed[\s\S]*\[Activity 9\/9\] Completed[\s\S]*━{40} 100% \| ETA: 0s/);
    assert.match(renderProgressBox('run_x', progress({ eta_seconds: null })).join('\n'), /ETA: estimating…/);
    const failed = renderProgressBox('run_x', progress({ status: 'failed', current_activity: null }, { error: 'Fibery answered 401' })).join('\n');
    assert.match(failed, /Stage: Failed[\s\S]*━+─+ 68% \| failed[\s\S]*└─ Error: Fibery answered 401/);
  });

  test('the wall clock drives elapsed time and the ETA while the workflow clock stands still', () => {
    const p = withWallClock(progress({ percentage: 50, eta_seconds: 1 }, { elapsed_seconds: 2 }), 1_000_000, 1_000_000 + 60_000);
    assert.equal(p.details.elapsed_seconds, 60);
    assert.equal(p.eta_seconds, 60);
    assert.equal(withWallClock(progress({ percentage: 50 }, { elapsed_seconds: 0 }), 1_000_000, 1_001_000).eta_seconds, null, 'no estimate from one second');
  });

  test('plain lines: one per stage and activity change, then at most one every 10 s, no escape codes', () => {
    const printer = new PlainProgressPrinter(10_000);
    const lines: string[] = [];
    const toggl = progress({ current_stage: 'toggl', current_activity: 'fetch_toggl_data', activity_index: 1, percentage: 3 });
    lines.push(...printer.next(toggl, 0));
    for (let t = 500; t < 30_000; t += 500) lines.push(...printer.next(progress({ percentage: 20 + t / 1000 }), t));
    lines.push(...printer.next(progress({ status: 'completed' }), 31_000));
    assert.equal(lines[0], 'Stage: Toggl Collection');
    assert.equal(lines[1], '[1/9] Fetching Toggl time entries · 3% · ETA 2m 15s');
    assert.equal(lines[2], 'Stage: Fibery Enrichment');
    assert.match(lines[3]!, /^\[6\/9\] Enriching entities by type · Scrum\/Task 15\/20 · 20% · ETA 2m 15s$/);
    assert.ok(lines.length <= 7, `few lines: ${JSON.stringify(lines)}`);
    assert.ok(!hasEscapes(lines.join('\n')));
    assert.match(plainProgressLine(progress({ current_activity: 'generate_person_reports', activity_index: 7 }, { persons: { done: 3, total: 9 } })), /person reports 3\/9/);
  });
});

// ---------------------------------------------------------------------------------------------

function metadata(runId: string, status: RunMetadata['status'], createdAt: string, extra: RunMetadataFixture = {}): RunMetadata {
  return runMetadata(runId, {
    status,
    created_at: createdAt,
    pipeline_version: '2.0',
    parameters: { start_date: '2025-10-07', end_date: '2025-10-13' },
    error: status === 'failed' ? { message: 'Fibery answered 401: check FIBERY_API_TOKEN', stage: 'fibery', activity: 'enrich_scrum_task' } : null,
    stats: { entries: 120, users: 4, entities: 30, ...(status === 'completed' ? { entities_enriched: 28, entities_not_found: 2, person_reports: 4 } : {}) },
    ...extra,
  });
}

// The run files' commands need no Temporal: they go on while the embedded service runs its runs.
describe('commands', { concurrency: true }, () => {
  describe('list-runs and show-run read the run files (no Temporal needed)', { concurrency: 1 }, () => {
    const runs = () => path.join(work, 'fixture-runs');
    const fixtures: RunMetadata[] = [
      metadata('run_2025-10-01-09-00-00', 'completed', '2025-10-01T09:00:00.000Z'),
      metadata('run_2025-10-02-09-00-00', 'failed', '2025-10-02T09:00:00.000Z'),
      metadata('run_2025-10-03-09-00-00', 'cancelled', '2025-10-03T09:00:00.000Z'),
      metadata('run_2025-10-04-09-00-00', 'completed', '2025-10-04T09:00:00.000Z', { parameters: { start_date: '2025-10-07', end_date: '2025-10-13', users_filter: ['ann@example.com'] } }),
      metadata('run_2025-10-05-09-00-00', 'failed', '2025-10-05T09:00:00.000Z'),
    ];
    // A state directory of their own: the embedded service of the tests below runs meanwhile.
    const stateDir = () => path.join(work, 'state-of-readers');
    const volt = (args: string[]) => cli.volt(args, { VOLT_STATE_DIR: stateDir() });
    const noState = () => assert.ok(!existsSync(stateDir()), 'no Temporal service was started');

    before(async () => {
      for (const m of fixtures) {
        const dir = path.join(runs(), m.run_id);
        await mkdir(path.join(dir, 'reports'), { recursive: true });
        await writeFile(path.join(dir, 'run_metadata.json'), `${JSON.stringify(m, null, 2)}\n`);
        await writeFile(path.join(dir, 'reports', 'toggl_summary.md'), '# Toggl summary\n');
      }
      // What the LLM wrote for a report, kept with the run (src/activities/llm-answers.ts).
      await mkdir(path.join(runs(), 'run_2025-10-02-09-00-00', 'llm_answers'), { recursive: true });
      await writeFile(path.join(runs(), 'run_2025-10-02-09-00-00', 'llm_answers', 'toggl_summary.json'), '{"report":"toggl_summary","answers":[]}\n');
      await mkdir(path.join(runs(), 'corrupt-run'), { recursive: true });
      await writeFile(path.join(runs(), 'corrupt-run', 'run_metadata.json'), '{"run_id": "corrupt-run", "status": ');
      await mkdir(path.join(runs(), 'holiday-photos'), { recursive: true });
      await writeFile(path.join(runs(), 'holiday-photos', 'beach.jpg'), 'not a run');
      await mkdir(path.join(runs(), 'someone-elses-json'), { recursive: true });
      await writeFile(path.join(runs(), 'someone-elses-json', 'run_metadata.json'), '{"hello": "world"}');
      await writeFile(path.join(runs(), 'README.txt'), 'a file, not a run');
    });

    test('a table, newest first, with corrupt and foreign directories listed as unreadable', async () => {
      const result = await volt(['list-runs', '--output-dir', runs(), '--limit', '20']);
      assert.equal(result.code, 0, result.stderr);
      const lines = result.stdout.trim().split('\n');
      assert.match(lines[0]!, /^RUN ID +STATUS +PERIOD +USERS +STARTED +DURATION +STAGES$/);
      const ids = lines.slice(2).map((l) => l.split(/\s+/)[0]);
      const readable = ids.filter((id) => id!.startsWith('run_'));
      assert.deepEqual(readable, [...fixtures].reverse().map((m) => m.run_id), 'newest first');
      for (const name of ['corrupt-run', 'holiday-photos', 'someone-elses-json']) {
        assert.match(result.stdout, new RegExp(`^${name} +unreadable .*(run_metadata|no run_metadata)`, 'm'));
      }
      assert.doesNotMatch(result.stdout, /README/);
      assert.match(result.stdout, /run_2025-10-01-09-00-00 +completed +2025-10-07 – 2025-10-13 +all \(4\) +\S+ \S+ +1m 35s +toggl ✓, fibery ✓/);
      assert.match(result.stdout, /run_2025-10-04-09-00-00 +completed +2025-10-07 – 2025-10-13 +ann@example\.com/);
      assert.match(result.stdout, /run_2025-10-02-09-00-00 +failed .* toggl ✓, fibery ✗/);
      assert.ok(!hasEscapes(result.stdout));
      noState();
    });

    test('--json matches the run files; --status failed lists only failed runs; --limit cuts', async () => {
      const all = await volt(['list-runs', '--output-dir', runs(), '--json', '--limit', '50']);
      assert.equal(all.code, 0, all.stderr);
      const list = JSON.parse(all.stdout) as Record<string, unknown>[];
      assert.equal(list.length, fixtures.length + 3);
      for (const m of fixtures) {
        const item = list.find((r) => r.run_id === m.run_id)!;
        const { run_dir, duration_seconds, ...file } = item;
        assert.deepEqual(file, JSON.parse(await readFile(path.join(runs(), m.run_id, 'run_metadata.json'), 'utf8')), 'the metadata as written');
        assert.equal(run_dir, path.join(runs(), m.run_id));
        assert.equal(duration_seconds, 95);
      }
      assert.equal(list.filter((r) => r.status === 'unreadable').length, 3);

      const failed = JSON.parse((await volt(['list-runs', '--output-dir', runs(), '--json', '--status', 'failed'])).stdout) as { run_id: string; status: string }[];
      assert.deepEqual(failed.map((r) => r.run_id), ['run_2025-10-05-09-00-00', 'run_2025-10-02-09-00-00']);
      const table = await volt(['list-runs', '--output-dir', runs(), '--status', 'failed']);
      assert.equal(table.stdout.trim().split('\n').length, 4, 'header, rule, two failed runs');
      assert.doesNotMatch(table.stdout, /completed|unreadable/);

      const limited = await volt(['list-runs', '--output-dir', runs(), '--limit', '2']);
      assert.equal(limited.stdout.trim().split('\n').length, 5, `${limited.stdout}`);
      assert.match(limited.stdout, /\(2 of 8: --limit 8 shows all\)/);

      const bad = await volt(['list-runs', '--output-dir', runs(), '--status', 'exploded']);
      assert.equal(bad.code, 2);
      const none = await volt(['list-runs', '--output-dir', path.join(work, 'nowhere'), '--json']);
      assert.equal(none.code, 0);
      assert.deepEqual(JSON.parse(none.stdout), []);
      noState();
    });

    test('show-run: parameters, stages, timings, counts, files with sizes, the error of a failed run', async () => {
      const failed = await volt(['show-run', '--run-id', 'run_2025-10-02-09-00-00', '--output-dir', runs()]);
      assert.equal(failed.code, 0, failed.stderr);
      assert.match(failed.stdout, /^Run run_2025-10-02-09-00-00: failed$/m);
      assert.match(failed.stdout, /Period: +2025-10-07 – 2025-10-13/);
      assert.match(failed.stdout, /Duration: +1m 35s/);
      assert.match(failed.stdout, /Stages: +toggl ✓, fibery ✗/);
      assert.match(failed.stdout, /Counts: +120 entries, 4 users, 30 entities/);
      assert.match(failed.stdout, /Error: +Fibery answered 401: check FIBERY_API_TOKEN \(in enrich_scrum_task, fibery stage\)/);
      assert.match(failed.stdout, /reports\/toggl_summary\.md +16 B/);
      assert.match(failed.stdout, /LLM answers: 1 file in llm_answers\/ \(each report's answers as the model wrote them/);
      assert.match(failed.stdout, /llm_answers\/toggl_summary\.json +\d+ B/);

      const json = await volt(['show-run', '--run-id', 'run_2025-10-01-09-00-00', '--output-dir', runs(), '--json']);
      const shown = JSON.parse(json.stdout) as Record<string, unknown>;
      const { run_dir, duration_seconds, counts, files, llm_answers, workflow_status, progress: live, ...file } = shown;
      assert.deepEqual(llm_answers, [], 'no LLM wrote this run');
      assert.deepEqual(file, JSON.parse(await readFile(path.join(runs(), 'run_2025-10-01-09-00-00', 'run_metadata.json'), 'utf8')));
      assert.equal(run_dir, path.join(runs(), 'run_2025-10-01-09-00-00'));
      assert.equal(duration_seconds, 95);
      assert.deepEqual(counts, { entries: 120, users: 4, entities: 30, entities_enriched: 28, entities_not_found: 2, person_reports: 4 });
      assert.deepEqual((files as { path: string }[]).map((f) => f.path), ['reports/toggl_summary.md', 'run_metadata.json']);
      assert.equal(workflow_status, null);
      assert.equal(live, null);
      noState();
    });

    test('unknown, unreadable and finished runs: one line and exit 2, nothing started', async () => {
      const cases: [string[], RegExp][] = [
        [['show-run', '--run-id', 'run_2020-01-01-00-00-00'], /no run "run_2020-01-01-00-00-00"/],
        [['show-run', '--run-id', 'corrupt-run'], /run "corrupt-run" .* is unreadable: run_metadata\.json is not valid JSON/],
        [['cancel-run', '--run-id', 'run_2020-01-01-00-00-00'], /no run "run_2020-01-01-00-00-00"/],
        [['cancel-run', '--run-id', 'run_2025-10-01-09-00-00'], /run "run_2025-10-01-09-00-00" is completed since .*: there is nothing to cancel/],
        [['cancel-run', '--run-id', 'run_2025-10-03-09-00-00'], /is cancelled since .*nothing to cancel/],
        [['show-run', '--run-id', '../etc'], /invalid run id/],
        [['show-run'], /required option '--run-id <id>' not specified/],
      ];
      const results = await Promise.all(cases.map(([args]) => volt([...args, '--output-dir', runs()])));
      for (const [i, [args, message]] of cases.entries()) {
        const result = results[i]!;
        assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
        assert.match(result.stderr, message);
        assert.equal(result.stderr.trim().split('\n').filter((l) => !l.startsWith('(run with --help')).length, 1, result.stderr);
      }
      noState();
    });

    test('every command has --help with examples', async () => {
      const commands = ['run', 'demo', 'list-runs', 'show-run', 'cancel-run', 'temporal-ui', 'fetch-reports', 'worker', 'service'];
      const results = await Promise.all(commands.map((command) => volt([command, '--help'])));
      for (const [i, command] of commands.entries()) {
        const result = results[i]!;
        assert.equal(result.code, 0, `${command}: ${result.stderr}`);
        assert.match(result.stdout, /Examples?:\n {2}(\S+=\S+ )*volt-agent /, `${command} --help shows an example`);
      }
      const top = await volt(['--help']);
      assert.match(top.stdout, /Exit codes: 0 ok, 1 the run failed or was cancelled, 2 bad input, 3/);
    });

    test('--version prints the package version and the pipeline version of the run files', async () => {
      const { version } = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
      for (const flag of ['--version', '-V']) {
        const result = await volt([flag]);
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stdout.trim(), `volt-agent ${version} (pipeline ${PIPELINE_VERSION})`);
      }
    });
  });

  // ---------------------------------------------------------------------------------------------

  describe('embedded mode: the background service', { concurrency: 1 }, () => {
    const runs = () => path.join(work, 'embedded-runs');
    const stateDir = () => path.join(work, 'state');
    // Slow enough to act mid-run (a run takes about 20 s): each Fibery request takes this long.
    const slow = ['--sandbox-latency', '1000'];
    let demoRunId = '';

    after(async () => {
      await volt(['service', 'stop']);
    });

    test('demo with stdout in a file: plain lines, no escape codes, well under 100 lines', async () => {
      // As a user runs it: the Fibery simulator answers as slowly as the real API.
      const result = await volt(['demo', '--output-dir', runs()]);
      assert.equal(result.code, 0, result.stderr);
      const all = result.stdout + result.stderr;
      assert.ok(!hasEscapes(all), 'no escape codes');
      assert.ok(all.trim().split('\n').length < 100, `${all.trim().split('\n').length} lines`);
      assert.match(result.stderr, /^Stage: Fibery Enrichment$/m); // the Toggl stage may be over before the first look
      assert.match(result.stdout, /✓ Run run_\S+ completed/);
      const info = await readServiceInfo(stateDir());
      assert.ok(info, 'the service outlives the command and describes itself in service.json');
      assert.ok(info.ui_url?.startsWith('http://127.0.0.1:'), 'the dev server serves its UI');
      assert.doesNotMatch(JSON.stringify(info), /sandbox-(toggl|fibery)-/, 'no sandbox token in service.json');
      for (const log of ['service.log', 'temporal-server.log']) {
        assert.doesNotMatch(await readFile(path.join(stateDir(), log), 'utf8'), /sandbox-(toggl|fibery|llm)-/, `no sandbox token in ${log}`);
      }

      const [runId] = await readdir(runs());
      demoRunId = runId!;
      const dir = path.join(runs(), runId!);
      const metadata = await readMetadata(dir);
      assert.deepEqual([metadata.status, metadata.stages_completed], ['completed', ['toggl', 'fibery']]);
      const aggregated = JSON.parse(await readFile(path.join(dir, 'toggl_aggregated.json'), 'utf8')) as { users: object };
      assert.equal((await readdir(path.join(dir, 'reports/individual'))).filter((f) => f.endsWith('.md')).length, Object.keys(aggregated.users).length, 'a report per person');
      assert.match(await readFile(path.join(dir, 'reports/team_summary.md'), 'utf8'), /without an LLM/);
      const listed = JSON.parse((await volt(['list-runs', '--output-dir', runs(), '--json'])).stdout) as { run_id: string; status: string }[];
      assert.deepEqual(listed.map((r) => [r.run_id, r.status]), [[runId, 'completed']]);
      const url = await volt(['temporal-ui', '--run-id', runId!, '--output-dir', runs()]);
      assert.equal(url.code, 0, url.stderr);
      assert.equal(url.stdout.trim(), `${info.ui_url}/namespaces/default/workflows/toggl-fibery-${runId}`);
      const page = await fetch(url.stdout.trim());
      assert.equal(page.status, 200, 'the UI answers');
      const unknown = await volt(['temporal-ui', '--run-id', 'run_1999-01-01-00-00-00', '--output-dir', runs()]);
      assert.equal(unknown.code, 2, unknown.stderr);
    });

    // Runs on the demo's service at once, as from several terminals (often started within one second,
    // the resolution of run ids: the second takes the next second's id).
    describe('runs at once', { concurrency: true }, () => {
      test('--start-from fibery on the demo\'s run: the Fibery outputs written again, the Toggl ones byte-identical; --json', async () => {
        assert.ok(demoRunId, 'the demo ran');
        const dir = path.join(runs(), demoRunId);
        const togglFiles = ['raw_toggl_data.json', 'toggl_aggregated.json', 'reports/toggl_summary.md'];
        const before = await Promise.all(togglFiles.map((f) => readFile(path.join(dir, f))));
        const enrichedBefore = (JSON.parse(await readFile(path.join(dir, 'enriched_data.json'), 'utf8')) as { generated_at: string }).generated_at;
        const result = await volt(['run', '--sandbox', '--start-from', 'fibery', '--run-id', demoRunId, '--output-dir', runs(), '--json']);
        assert.equal(result.code, 0, result.stderr);
        const summary = JSON.parse(result.stdout) as { run_id: string; status: string; individual_reports: string[] };
        assert.deepEqual([summary.run_id, summary.status], [demoRunId, 'completed']);
        const aggregated = JSON.parse(await readFile(path.join(dir, 'toggl_aggregated.json'), 'utf8')) as { users: object };
        assert.equal(summary.individual_reports.length, Object.keys(aggregated.users).length);
        const after = await Promise.all(togglFiles.map((f) => readFile(path.join(dir, f))));
        togglFiles.forEach((f, i) => assert.ok(before[i]!.equals(after[i]!), `${f} is byte-identical`));
        const enrichedAfter = (JSON.parse(await readFile(path.join(dir, 'enriched_data.json'), 'utf8')) as { generated_at: string }).generated_at;
        assert.notEqual(enrichedAfter, enrichedBefore, 'enriched_data.json was written again');
      });

      test("in a real terminal: the box, 'q' returns to the shell, the run goes on and completes", async () => {
        // `script` gives the command a pseudo-terminal, as tmux or a terminal emulator would.
        const command = `stty cols 110 rows 40; ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} run --sandbox ${slow.join(' ')} --start-date 2026-11-09 --end-date 2026-11-22 --output-dir ${JSON.stringify(runs())}`;
        const tty = spawnProcess('script', ['-qfec', command, '/dev/null'], { ...userEnv(), TERM: 'xterm-256color' });
        await tty.waitFor(/Stage: Fibery Enrichment/);
        await tty.waitFor(/━+─* \d+% \| ETA: \d/);
        const beforeQ = tty.output();
        assert.match(beforeQ, /╭─+╮/);
        assert.match(beforeQ, /\[Activity 6\/9\] Enriching entities by type/);
        assert.match(beforeQ, /Press 'q' to quit monitoring/);
        assert.ok(hasEscapes(beforeQ), 'the box is redrawn in place');
        tty.child.stdin!.write('d');
        await tty.waitFor(/Temporal UI: http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows\/toggl-fibery-run_/);
        tty.child.stdin!.write('q');
        assert.equal(await tty.exited, 0, tty.output());
        const quit = new Date().toISOString();
        assert.match(tty.output(), /Stopped watching\. Run (run_\S+) goes on/);
        const runId = /Stopped watching\. Run (run_\S+) goes on/.exec(tty.output())![1]!;
        assert.match(tty.output(), new RegExp(`volt-agent show-run --run-id ${runId} --output-dir \\S+ --watch`));
        assert.match(tty.output(), new RegExp(`volt-agent cancel-run --run-id ${runId}`));

        // On a starved machine the run may end before show-run starts: then there is no live progress to show.
        const running = JSON.parse((await volt(['show-run', '--run-id', runId, '--output-dir', runs(), '--json'])).stdout) as { status: string; workflow_status: string; progress: Progress | null };
        // Its workflow may also have ended a moment before its metadata says so.
        if (running.status === 'in_progress' && running.workflow_status === 'RUNNING') {
          assert.equal(running.progress?.run_id, runId, 'show-run shows the live progress');
        } else {
          assert.ok(['RUNNING', 'COMPLETED'].includes(running.workflow_status), `workflow ${running.workflow_status}`);
        }

        const watched = await volt(['show-run', '--run-id', runId, '--output-dir', runs(), '--watch']);
        assert.equal(watched.code, 0, watched.stderr);
        // Watched live it ends in the ✓ line; a run that ended before show-run started is shown as completed.
        assert.match(watched.stdout, new RegExp(`✓ Run ${runId} completed|^Run ${runId}: completed$`, 'm'));
        const shown = await volt(['show-run', '--run-id', runId, '--output-dir', runs()]);
        assert.match(shown.stdout, new RegExp(`^Run ${runId}: completed$`, 'm'));
        // 'q' returned at once: the run ended after the command had gone back to the shell.
        assert.ok((await readMetadata(path.join(runs(), runId))).finished_at! > quit, 'the run went on after q');
      });
    });
  });
});
