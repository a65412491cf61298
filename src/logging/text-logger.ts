/**
 * The default, readable log of the worker and the background service: the SDK's own format (time,
 * level, message, context), with every secret of the environment removed first, as in the JSON
 * log. An activity's warning may name what it talked to, and for a Slack webhook the URL's path
 * is the credential.
 */
import { formatWithOptions } from 'node:util';
import type { LogLevel } from '@temporalio/common';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';

export function textLogger(level: LogLevel, redact: (text: string) => string, write: (line: string) => void = (line) => process.stderr.write(line)): DefaultLogger {
  const format = (value: unknown) => redact(formatWithOptions({ colors: false }, value));
  return new DefaultLogger(level, ({ level: at, timestampNanos, message, meta }: LogEntry) => {
    const time = new Date(Number(timestampNanos / 1_000_000n)).toISOString();
    write(`${time} [${at}] ${redact(message)}${meta === undefined ? '' : ` ${format(meta)}`}\n`);
  });
}
