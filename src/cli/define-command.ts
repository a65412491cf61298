/**
 * The shape of a command module (src/cli/commands/<name>.ts): its name, description, examples,
 * typed options and handler in one definition, as wrangler's `createCommand` and Yarn's command
 * classes do. The options' types are inferred from the commander declarations
 * (@commander-js/extra-typings), so the handler cannot read an option that does not exist.
 *
 * A handler returns its exit code; it loads heavy modules (Temporal client or worker, the sandbox)
 * with `import()` so that `--help` never pays for them.
 */
import { Command, type CommandUnknownOpts, type OptionValues } from '@commander-js/extra-typings';
import type { Env } from '../config/env.js';
import type { Output } from './output.js';

export interface CommandContext {
  out: Output;
  /** The validated environment (src/config/env.ts), .env included; a bad variable is bad input. */
  env(): Promise<Env>;
}

export interface Example {
  command: string;
  note?: string;
}

export interface CommandDefinition {
  readonly name: string;
  /** Adds the command to `parent`; `done` receives the handler's exit code. */
  attach(parent: CommandUnknownOpts, ctx: CommandContext, done: (code: number) => void): void;
}

interface CommandSpec<Opts extends OptionValues> {
  name: string;
  description: string;
  examples: Example[];
  /** Help text after the examples: environment variables, what happens in the background. */
  notes?: string;
  options?: (command: Command) => Command<[], Opts>;
  handler?: (opts: Opts, ctx: CommandContext) => Promise<number>;
  /** `service start|stop|status`: a group of commands. */
  subcommands?: CommandDefinition[];
}

export function examplesText(examples: Example[], notes?: string): string {
  const width = Math.min(64, Math.max(...examples.map((e) => e.command.length)));
  const lines = examples.map((e) => (e.note ? `  ${e.command.padEnd(width)}  ${e.note}` : `  ${e.command}`));
  return `\n${examples.length === 1 ? 'Example' : 'Examples'}:\n${lines.join('\n')}${notes ? `\n\n${notes}` : ''}`;
}

export function defineCommand<Opts extends OptionValues>(spec: CommandSpec<Opts>): CommandDefinition {
  return {
    name: spec.name,
    attach(parent, ctx, done) {
      const base = new Command(spec.name).copyInheritedSettings(parent).description(spec.description);
      const command = spec.options ? spec.options(base) : base;
      command.addHelpText('after', examplesText(spec.examples, spec.notes));
      const handler = spec.handler;
      if (handler) {
        command.action(async () => done(await handler(command.opts() as Opts, ctx)));
      }
      for (const sub of spec.subcommands ?? []) sub.attach(command, ctx, done);
      parent.addCommand(command);
    },
  };
}
