/**
 * volt-agent as the user runs it: bin/volt-agent.js in a child process, in a work directory, with
 * the environment of a user who has no tokens and no server (plus what a test adds).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { RunMetadataSchema, type RunMetadata } from '../../src/storage/schemas.js';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * How long a test waits for an event before it gives up: far past any real wait on a starved
 * machine. It asserts nothing about speed (npm run bench measures that); it only keeps a broken
 * test from hanging the suite until the runner's own timeout.
 */
export const HANG_GUARD_MS = 5 * 60_000;

export const BIN = path.resolve('bin/volt-agent.js');
const execFileAsync = promisify(execFile);

export interface Spawned {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

export const readMetadata = async (dir: string): Promise<RunMetadata> => RunMetadataSchema.parse(JSON.parse(await readFile(path.join(dir, 'run_metadata.json'), 'utf8')));

/** Commands run in `work()` (a directory a test file creates in its `before`). */
export function cliIn(work: () => string) {
  /** The environment of a user with no tokens and no server, plus `extra`. */
  function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(TOGGL_|FIBERY_|OPENAI_|ANTHROPIC_|VOLT_|TEMPORAL_ADDRESS|TEMPORAL_NAMESPACE|TEMPORAL_UI_URL|NO_COLOR|CI$)/.test(k)),
    );
    return { ...clean, VOLT_STATE_DIR: path.join(work(), 'state'), VOLT_NO_BROWSER: '1', ...extra };
  }

  async function volt(args: string[], env: Record<string, string> = {}, timeout = 180_000) {
    const started = Date.now();
    try {
      const { stdout, stderr } = await execFileAsync(process.execPath, [BIN, ...args], { cwd: work(), env: userEnv(env), timeout });
      return { code: 0, stdout, stderr, ms: Date.now() - started };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr, ms: Date.now() - started };
    }
  }

  function spawnProcess(command: string, args: string[], env: NodeJS.ProcessEnv): Spawned {
    const child = spawn(command, args, { cwd: work(), env, stdio: ['pipe', 'pipe', 'pipe'] });
    let text = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (text += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (text += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return {
      child,
      output: () => text,
      exited,
      async waitFor(pattern, timeoutMs = HANG_GUARD_MS) {
        const deadline = Date.now() + timeoutMs;
        while (!pattern.test(text)) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; output so far:\n${text}`);
          if (child.exitCode !== null) throw new Error(`exited (${child.exitCode}) before ${pattern}; output:\n${text}`);
          await sleep(100);
        }
      },
    };
  }

  const spawnVolt = (args: string[], env: Record<string, string> = {}, base: NodeJS.ProcessEnv = userEnv(env)) => spawnProcess(process.execPath, [BIN, ...args], base);

  return { userEnv, volt, spawnProcess, spawnVolt };
}
