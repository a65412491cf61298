/**
 * The volt-agent command line: the commands of ./commands/ registered on one program, and one
 * mapping from what went wrong to a line on stderr and an exit code (./output.ts):
 * bad input → 2, a missing part of the environment → 3, anything else is a bug → 1.
 */
import { Command, CommanderError } from '@commander-js/extra-typings';
import type { Env } from '../config/env.js';
import { EnvironmentError, ValidationError } from '../errors.js';
import * as commands from './commands/index.js';
import { examplesText, type CommandContext } from './define-command.js';
import { versionText } from './version.js';
import { consoleOutput, debugEnabled, EXIT, lostTemporal, writeBugReport, type Output } from './output.js';

function program(ctx: CommandContext, done: (code: number) => void): Command {
  const cli = new Command('volt-agent')
    .description("Turn a team's Toggl Track time into reports of what the team worked on, enriched from Fibery and orchestrated by Temporal.")
    .version(versionText(), '-V, --version', 'print the version of volt-agent and of the run files it writes')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .addHelpText(
      'after',
      examplesText(
        [
          { command: 'volt-agent demo', note: 'the whole pipeline on the sample workspace' },
          { command: 'volt-agent run --start-date 2025-10-07 --end-date 2025-10-13' },
          { command: 'volt-agent list-runs --status failed' },
          { command: 'volt-agent show-run --run-id run_2025-10-10-15-30-45' },
          { command: 'TEMPORAL_ADDRESS=localhost:7233 volt-agent worker', note: 'your own Temporal (docker compose up -d first)' },
        ],
        'Exit codes: 0 ok, 1 the run failed or was cancelled, 2 bad input, 3 the environment (Temporal, worker) is missing something (a bug in volt-agent also exits 1).',
      ),
    );
  for (const command of Object.values(commands)) command.attach(cli, ctx, done);
  return cli;
}

/** .env, then every variable checked once (src/config/env.ts); only commands that need them pay. */
async function loadEnvironment(): Promise<Env> {
  const [{ config }, { parseEnv }] = await Promise.all([import('dotenv'), import('../config/env.js')]);
  config({ quiet: true });
  return parseEnv(process.env);
}

/** The one mapping from what went wrong to a line on stderr and an exit code. */
export async function failure(error: unknown, out: Output): Promise<number> {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.OK : EXIT.BAD_INPUT; // commander printed it
  if (error instanceof ValidationError || error instanceof EnvironmentError || lostTemporal(error)) {
    const say = out.error ?? out.info;
    for (const line of (error as Error).message.split('\n')) say(`volt-agent: ${line}`);
    return error instanceof ValidationError ? EXIT.BAD_INPUT : EXIT.ENVIRONMENT;
  }
  const log = await writeBugReport(error, process.env);
  const what = error instanceof Error ? `${error.name}: ${error.message.split('\n')[0]}` : String(error);
  (out.error ?? out.info)(
    `volt-agent: unexpected error (${what}). This is a bug in volt-agent: please report it` +
      `${log ? ` with the stack trace in ${log}` : ''} (VOLT_DEBUG=1 prints it here).`,
  );
  if (await debugEnabled(process.env).catch(() => false)) out.info(error instanceof Error ? (error.stack ?? what) : what);
  return EXIT.RUN_FAILED;
}

export async function main(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.OK;
  let env: Promise<Env> | undefined;
  const ctx: CommandContext = { out: consoleOutput, env: () => (env ??= loadEnvironment()) };
  try {
    await program(ctx, (code) => (exitCode = code)).parseAsync(argv);
    return exitCode;
  } catch (error) {
    return failure(error, consoleOutput);
  }
}
