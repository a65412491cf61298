/**
 * The CLI's small parts, in process: the environment loader, the error → exit code mapping, where
 * an installed volt-agent keeps its Temporal CLI, and the service fingerprint of the code.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CommanderError } from '@commander-js/extra-typings';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { cliSettings, fiberySettings, llmSettings, parseEnv, readVariable, serviceSettings, togglSettings, workerSettings } from '../src/config/env.js';
import { EnvironmentError, ValidationError } from '../src/errors.js';
import { startPipeline } from '../src/cli/launch.js';
import { localRunStore } from '../src/storage/local-store.js';
import { failure } from '../src/cli/main.js';
import { writableDirectoryProblem } from '../src/cli/preflight.js';
import { codeFingerprint } from '../src/cli/service/state.js';
import { temporalConnectionSettings } from '../src/temporal/connection.js';
import { toolsDir, userToolsDir } from '../src/temporal/binary.js';
import { workerSettingsFrom } from '../src/worker.js';

const problems = (raw: NodeJS.ProcessEnv): string[] => {
  try {
    parseEnv(raw);
    return [];
  } catch (error) {
    assert.ok(error instanceof ValidationError);
    return error.message.split('\n');
  }
};

describe('the environment loader', () => {
  test('values are parsed and typed; empty means unset; whitespace around a value is dropped', () => {
    const env = parseEnv({
      TOGGL_API_TOKEN: '  tok-1 ',
      TOGGL_WORKSPACE_ID: '42',
      FIBERY_API_TOKEN: 'fib',
      FIBERY_API_URL: 'http://127.0.0.1:9999',
      FIBERY_WORKSPACE: '',
      VOLT_LLM_PROVIDER: 'Anthropic',
      VOLT_WORKER_MAX_CONCURRENT_ACTIVITIES: '4',
      VOLT_WORKER_SHUTDOWN_GRACE_SECONDS: '0',
      VOLT_SERVICE_IDLE_SECONDS: '2.5',
      VOLT_SANDBOX_FIBERY_LATENCY_MS: '0',
      VOLT_NO_BROWSER: '1',
      VOLT_DEBUG: 'false',
      VOLT_STATE_DIR: 'state-here',
    });
    assert.deepEqual(togglSettings(env), { apiToken: 'tok-1', workspaceId: '42', apiUrl: null });
    assert.deepEqual(fiberySettings(env), { apiToken: 'fib', workspace: null, apiUrl: 'http://127.0.0.1:9999' });
    assert.equal(llmSettings(env).provider, 'anthropic');
    assert.deepEqual(workerSettings(env), { maxConcurrentActivityTaskExecutions: 4, shutdownGraceSeconds: 0 });
    assert.deepEqual(serviceSettings(env), { stateDir: path.resolve('state-here'), idleSeconds: 2.5 });
    assert.deepEqual(cliSettings(env), { debug: false, noBrowser: true, sandboxLatencyMs: 0 });
    assert.deepEqual(workerSettingsFrom(env, { maxConcurrentActivityTaskExecutions: 2, maxConcurrentWorkflowTaskExecutions: undefined }), {
      maxConcurrentActivityTaskExecutions: 2,
      maxConcurrentLocalActivityExecutions: 10,
      maxConcurrentWorkflowTaskExecutions: 2,
      shutdownGraceTime: '0s',
    });
  });

  test('every bad variable is its own line: name, value, problem, fix; a secret is never shown', () => {
    const lines = problems({ TOGGL_WORKSPACE_ID: 'acme', TOGGL_API_URL: 'nope', FIBERY_API_TOKEN: 'my secret token', VOLT_SERVICE_IDLE_SECONDS: '-1' });
    assert.equal(lines.length, 4, lines.join('\n'));
    assert.match(lines.find((l) => l.startsWith('TOGGL_WORKSPACE_ID'))!, /^TOGGL_WORKSPACE_ID="acme" is not a number: use the digits/);
    assert.match(lines.find((l) => l.startsWith('TOGGL_API_URL'))!, /^TOGGL_API_URL="nope" is not an http\(s\) URL: use a URL like/);
    assert.match(lines.find((l) => l.startsWith('FIBERY_API_TOKEN'))!, /^FIBERY_API_TOKEN contains whitespace: copy the API token/);
    assert.ok(!lines.join('\n').includes('secret token'), 'the token is not echoed');
  });

  test('what a run needs but is missing is named, all of it', () => {
    const env = parseEnv({ TOGGL_API_TOKEN: 'x' });
    assert.throws(() => togglSettings(env), /^ValidationError: TOGGL_WORKSPACE_ID is not set: /);
    assert.throws(() => fiberySettings(env), (error: Error) => error.message.split('\n').length === 2 && /FIBERY_API_TOKEN is not set/.test(error.message));
  });

  test('one variable on its own (before the whole environment is read)', () => {
    assert.equal(readVariable({ VOLT_DEBUG: '1' }, 'VOLT_DEBUG'), true);
    assert.equal(readVariable({}, 'VOLT_DEBUG'), undefined);
    assert.throws(() => readVariable({ TEMPORAL_TLS: 'maybe' }, 'TEMPORAL_TLS'), /^ValidationError: TEMPORAL_TLS="maybe" must be true, false, 1 or 0/);
  });

  test('Temporal settings: none means embedded; variables and profiles through envconfig', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'volt-envconfig-'));
    try {
      const none = { XDG_CONFIG_HOME: dir, HOME: dir };
      assert.equal(temporalConnectionSettings(parseEnv(none)).address, null);
      const vars = temporalConnectionSettings(parseEnv({ ...none, TEMPORAL_ADDRESS: 'my-ns.a1b2c.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'my-ns.a1b2c', TEMPORAL_API_KEY: 'key' }));
      assert.equal(vars.address, 'my-ns.a1b2c.tmprl.cloud:7233');
      assert.equal(vars.namespace, 'my-ns.a1b2c');
      assert.equal(vars.apiKey, 'key');
      assert.equal(vars.tls, true, 'an API key turns TLS on');
      await mkdir(path.join(dir, 'temporalio'));
      await writeFile(path.join(dir, 'temporalio', 'temporal.toml'), '[profile.default]\naddress = "temporal.internal:7233"\nnamespace = "reports"\n[profile.default.tls]\nserver_name = "temporal.internal"\n');
      const profile = temporalConnectionSettings(parseEnv(none));
      assert.equal(profile.address, 'temporal.internal:7233', 'the default profile of ~/.config/temporalio/temporal.toml');
      assert.equal(profile.namespace, 'reports');
      assert.deepEqual(profile.tls, { serverNameOverride: 'temporal.internal', serverRootCACertificate: undefined, clientCertPair: undefined });
      assert.throws(() => temporalConnectionSettings(parseEnv({ ...none, TEMPORAL_TLS_SERVER_CA_CERT_PATH: path.join(dir, 'missing.pem') })), /Temporal connection settings .*ENOENT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('what went wrong → one line and an exit code', () => {
  const capture = () => {
    const lines: string[] = [];
    return { lines, out: { info: (l: string) => lines.push(l), result: (l: string) => lines.push(l) } };
  };

  test('bad input 2, environment 3, each line prefixed', async () => {
    const a = capture();
    assert.equal(await failure(new ValidationError('A is wrong: fix A\nB is wrong: fix B'), a.out), 2);
    assert.deepEqual(a.lines, ['volt-agent: A is wrong: fix A', 'volt-agent: B is wrong: fix B']);
    const b = capture();
    assert.equal(await failure(new EnvironmentError('cannot reach the Temporal server at x:1 (connection refused): start it'), b.out), 3);
    assert.deepEqual(b.lines, ['volt-agent: cannot reach the Temporal server at x:1 (connection refused): start it']);
    assert.equal(await failure(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--x'"), capture().out), 2);
    assert.equal(await failure(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'), capture().out), 0);
  });

  test('anything else is a bug: exit 1, one line naming the log with the stack; VOLT_DEBUG=1 prints it too', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'volt-bug-'));
    const saved = { state: process.env.VOLT_STATE_DIR, debug: process.env.VOLT_DEBUG };
    try {
      process.env.VOLT_STATE_DIR = dir;
      delete process.env.VOLT_DEBUG;
      const quiet = capture();
      const bug = new TypeError("Cannot read properties of undefined (reading 'run_id')");
      assert.equal(await failure(bug, quiet.out), 1);
      assert.equal(quiet.lines.length, 1);
      const log = path.join(dir, 'volt-agent-error.log');
      assert.equal(quiet.lines[0], `volt-agent: unexpected error (TypeError: Cannot read properties of undefined (reading 'run_id')). This is a bug in volt-agent: please report it with the stack trace in ${log} (VOLT_DEBUG=1 prints it here).`);
      assert.match(await readFile(log, 'utf8'), /TypeError: Cannot read properties[\s\S]*\n\s+at /);

      process.env.VOLT_DEBUG = '1';
      const loud = capture();
      assert.equal(await failure(bug, loud.out), 1);
      assert.equal(loud.lines.length, 2);
      assert.match(loud.lines[1]!, /^TypeError: [\s\S]*\n\s+at /);
    } finally {
      for (const [name, value] of [['VOLT_STATE_DIR', saved.state], ['VOLT_DEBUG', saved.debug]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('installed, not a checkout', () => {
  test('the Temporal CLI goes to a per-user cache, a checkout keeps .tools/', async () => {
    const installed = await mkdtemp(path.join(os.tmpdir(), 'volt-installed-'));
    try {
      await mkdir(path.join(installed, 'dist'));
      assert.equal(toolsDir(installed), userToolsDir());
      assert.match(userToolsDir('/home/ann'), process.platform === 'linux' ? /^\/home\/ann\/\.cache\/volt-agent\/temporal$/ : /volt-agent/);
      assert.equal(toolsDir(path.resolve('.')), path.resolve('.tools', 'temporal'));
    } finally {
      await rm(installed, { recursive: true, force: true });
    }
  });

  test('the service fingerprint follows the code directory it runs from (src/ or dist/)', async () => {
    const code = await mkdtemp(path.join(os.tmpdir(), 'volt-code-'));
    try {
      await writeFile(path.join(code, 'worker.js'), '');
      await writeFile(path.join(code, 'workflow-bundle.js'), '');
      const old = new Date(Date.now() - 60_000);
      await utimes(path.join(code, 'worker.js'), old, old);
      await utimes(path.join(code, 'workflow-bundle.js'), old, old);
      const before = await codeFingerprint(code);
      await utimes(path.join(code, 'workflow-bundle.js'), new Date(), new Date());
      assert.notEqual(await codeFingerprint(code), before, 'a rebuilt bundle is other code');
    } finally {
      await rm(code, { recursive: true, force: true });
    }
  });

  test('a directory to write into: found, creatable, a file in the way, nothing created', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'volt-dirs-'));
    try {
      await writeFile(path.join(dir, 'file'), 'x');
      assert.equal(await writableDirectoryProblem(dir, '--output-dir'), null);
      assert.equal(await writableDirectoryProblem(path.join(dir, 'a', 'b', 'c'), '--output-dir'), null);
      assert.ok(!existsSync(path.join(dir, 'a')), 'checked, not created');
      assert.match((await writableDirectoryProblem(path.join(dir, 'file'), '--output-dir'))!, /is a file, not a directory/);
      assert.match((await writableDirectoryProblem(path.join(dir, 'file', 'x'), 'VOLT_STATE_DIR'))!, /^VOLT_STATE_DIR .* cannot be created: .*file is a file$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('starting a run', () => {
  const request = { runId: null, startDate: '2026-11-09', endDate: '2026-11-15', users: null, startFrom: 'toggl' as const, compare: 'previous' as const, reloadConfig: false, deliver: [] };

  test('a run id taken by a run started in the same second: the next second\'s id', async () => {
    const outputDir = await mkdtemp(path.join(os.tmpdir(), 'volt-start-'));
    const tried: string[] = [];
    const client = {
      workflow: {
        start: async (_type: string, options: { workflowId: string }) => {
          tried.push(options.workflowId);
          if (tried.length === 1) throw new WorkflowExecutionAlreadyStartedError('already started', options.workflowId, 'TogglFiberyPipeline');
          return { workflowId: options.workflowId };
        },
      },
    } as unknown as Client;
    const { runId } = await startPipeline(client, 'q', { ...request, outputDir }, localRunStore(outputDir));
    assert.equal(tried.length, 2);
    assert.notEqual(tried[0], tried[1]);
    assert.equal(tried[1], `toggl-fibery-${runId}`);
    await rm(outputDir, { recursive: true, force: true });
  });

  test('a run id given by the user is never replaced', async () => {
    const client = {
      workflow: {
        start: async (_type: string, options: { workflowId: string }) => {
          throw new WorkflowExecutionAlreadyStartedError('already started', options.workflowId, 'TogglFiberyPipeline');
        },
      },
    } as unknown as Client;
    await assert.rejects(startPipeline(client, 'q', { ...request, runId: 'run_mine', outputDir: os.tmpdir() }, localRunStore(os.tmpdir())), WorkflowExecutionAlreadyStartedError);
  });
});
