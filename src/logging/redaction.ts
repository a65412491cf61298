/**
 * What a log line must never carry: every secret of the process's environment (the variables
 * src/config/env.ts marks secret, and the delivery settings, whose URLs are credentials), in the
 * forms a library may print them (a Basic-auth header carries the Toggl token in base64).
 * Kept free of heavy imports: the CLI's first line may need it.
 */
import { redactorFor, type Redactor } from '../delivery/secrets.js';

/** The variables env.ts marks secret (test/logging.test.ts keeps the two lists equal). */
export const SECRET_VARIABLES = [
  'TOGGL_API_TOKEN',
  'FIBERY_API_TOKEN',
  'OPENAI_API_KEY',
  'ANTHROPIC_API_KEY',
  'VOLT_SLACK_WEBHOOK_URL',
  'VOLT_SMTP_URL',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS_CLIENT_CERT_DATA',
  'TEMPORAL_TLS_CLIENT_KEY_DATA',
] as const;

export function logRedactor(env: NodeJS.ProcessEnv): Redactor {
  const extra: string[] = [];
  for (const name of SECRET_VARIABLES) {
    const value = env[name]?.trim();
    if (!value) continue;
    extra.push(value);
    if (name === 'TOGGL_API_TOKEN') extra.push(Buffer.from(`${value}:api_token`, 'utf8').toString('base64'));
  }
  return redactorFor(env, extra);
}
