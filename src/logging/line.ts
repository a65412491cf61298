/** One log line as JSON: time, level, message, then the context, every string redacted. */
export type LineLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export function jsonLine(level: LineLevel, message: string, context: Record<string, unknown>, redact: (text: string) => string): string {
  const entry = { time: new Date().toISOString(), level, message, ...context };
  return JSON.stringify(entry, (_key, value: unknown) => (typeof value === 'string' ? redact(value) : typeof value === 'bigint' ? String(value) : value));
}

/** VOLT_LOG_FORMAT, read where it is needed (after .env is loaded, it is in the environment too). */
export function jsonLogs(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.VOLT_LOG_FORMAT?.trim().toLowerCase() === 'json';
}
