/**
 * What a command prints and the exit code it ends with. Results go to stdout (so `--json` output
 * can be piped), everything else to stderr.
 */

import { jsonLine, jsonLogs } from '../logging/line.js';
import { logRedactor } from '../logging/redaction.js';

/** Exit codes of every command; the README lists them. */
export const EXIT = {
  OK: 0,
  /** The run failed or was cancelled (see run_metadata.json), or volt-agent has a bug. */
  RUN_FAILED: 1,
  /** Bad flags, dates, run ids, environment variables, config files: nothing was started or written. */
  BAD_INPUT: 2,
  /** The environment is missing something: Temporal CLI, server, TLS certificate, a polling worker. */
  ENVIRONMENT: 3,
} as const;

export interface Output {
  /** Progress and notes: stderr. */
  info(line: string): void;
  /** What went wrong (the command's last words): stderr, as info unless the output says otherwise. */
  error?(line: string): void;
  /** The result: stdout. */
  result(line: string): void;
}

/** A note on stderr: the line as it is, or with VOLT_LOG_FORMAT=json one JSON object (secrets redacted). */
function note(level: 'info' | 'error', line: string): void {
  if (!jsonLogs()) {
    console.error(line);
    return;
  }
  const redactor = logRedactor(process.env);
  console.error(jsonLine(level === 'info' && /^Warning:/.test(line) ? 'warn' : level, line, {}, redactor.redact));
}

export const consoleOutput: Output = {
  info: (line) => note('info', line),
  error: (line) => note('error', line),
  result: (line) => console.log(line),
};

/**
 * Writes an unexpected error's stack to the error log (the state directory when it exists, else
 * the temp directory) and returns where, or null when it could not be written.
 */
export async function writeBugReport(error: unknown, raw: NodeJS.ProcessEnv): Promise<string | null> {
  const [{ appendFile, stat }, path, { errorLogDir }] = await Promise.all([import('node:fs/promises'), import('node:path'), import('../config/env.js')]);
  const stack = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  for (const dir of [errorLogDir(raw), (await import('node:os')).tmpdir()]) {
    if (!(await stat(dir).catch(() => null))?.isDirectory()) continue;
    const file = path.join(dir, 'volt-agent-error.log');
    try {
      await appendFile(file, `${new Date().toISOString()} volt-agent ${process.argv.slice(2).join(' ')}\n${stack}\n\n`, { mode: 0o600 });
      return file;
    } catch {
      // not writable: try the next place
    }
  }
  return null;
}

/** VOLT_DEBUG=1: print the stack of an unexpected error too. */
export async function debugEnabled(raw: NodeJS.ProcessEnv): Promise<boolean> {
  const { readVariable } = await import('../config/env.js');
  return readVariable(raw, 'VOLT_DEBUG') ?? false;
}

/** A Temporal call that failed because the server went away mid-command (not a bug, not bad input). */
export function lostTemporal(error: unknown): boolean {
  if (!(error instanceof Error) || error.name !== 'ServiceError') return false;
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return code === 14 || code === 4; // UNAVAILABLE, DEADLINE_EXCEEDED
}
