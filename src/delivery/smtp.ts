/**
 * Sending the e-mail channel's message through nodemailer over `VOLT_SMTP_URL`
 * (`smtp://user:pass@host:587`, or `smtps://` for TLS from the start). Connection failures and
 * temporary (4xx) SMTP replies are retried, bounded; a permanent reply (5xx, bad login) fails at
 * once. The SMTP password never appears in a message of ours.
 */
import { backoffDelayMs } from '../http/request.js';
import { MissingSetting } from './channel.js';
import type { EmailMessage } from './email-message.js';
import { requiredEnv, requiredUrl, sleep, type RetryPolicy } from './settings.js';
import { countApiRequest } from '../metrics/activity.js';

export interface MailSettings {
  url: URL;
  from: string;
  to: string[];
}

/** A bare address or `Name <address>`: enough to catch a typo before connecting. */
const ADDRESS = /^(?:[^<>]*<\s*[^\s@<>]+@[^\s@<>]+\s*>|[^\s@<>]+@[^\s@<>]+)$/;

/** VOLT_SMTP_URL, VOLT_MAIL_FROM and VOLT_MAIL_TO, each checked. */
export function mailSettings(env: NodeJS.ProcessEnv): MailSettings {
  const url = requiredUrl(env, 'VOLT_SMTP_URL', 'the SMTP server, like smtp://user:pass@host:587', ['smtp:', 'smtps:']);
  const from = requiredEnv(env, 'VOLT_MAIL_FROM', 'the sender address of the digest');
  const to = requiredEnv(env, 'VOLT_MAIL_TO', 'the comma-separated recipients of the digest')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = [from, ...to].find((a) => !ADDRESS.test(a));
  if (bad !== undefined) throw new MissingSetting(`${bad === from ? 'VOLT_MAIL_FROM' : 'VOLT_MAIL_TO'} has an address that is not one: "${bad}"`);
  if (to.length === 0) throw new MissingSetting('VOLT_MAIL_TO has no address');
  return { url, from, to };
}

/** Nodemailer's error fields that tell a transient failure from a permanent one. */
interface SmtpError {
  code?: string;
  responseCode?: number;
}

const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNRESET', 'ECONNREFUSED']);

export function isTransientSmtpError(error: unknown): boolean {
  const e = (error ?? {}) as SmtpError;
  if (typeof e.responseCode === 'number') return e.responseCode >= 400 && e.responseCode < 500;
  return typeof e.code === 'string' && TRANSIENT_CODES.has(e.code);
}

async function sendOnce(settings: MailSettings, message: EmailMessage, policy: RetryPolicy, signal?: AbortSignal): Promise<string> {
  // Loaded when a mail is sent, not with every worker.
  const { createTransport } = await import('nodemailer');
  const transport = createTransport({
    url: settings.url.href,
    connectionTimeout: policy.timeoutMs,
    greetingTimeout: policy.timeoutMs,
    socketTimeout: policy.timeoutMs,
    // Its log lines would carry the SMTP conversation, AUTH included.
    logger: false,
    debug: false,
  });
  try {
    const info = await transport
      .sendMail({
        from: settings.from,
        to: settings.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        attachments: [message.attachment],
        ...(signal ? { signal } : {}),
      })
      .catch((error: unknown) => {
        // An SMTP reply code is the server's answer (5xx refused, 4xx try later); no code: no answer.
        const code = (error as { responseCode?: unknown }).responseCode;
        countApiRequest('smtp', typeof code === 'number' ? code : 0);
        throw error;
      });
    countApiRequest('smtp', 200);
    return info.messageId;
  } finally {
    transport.close();
  }
}

/** Sends with bounded retries of transient failures; the last error says where and how often. */
export async function sendWithRetry(settings: MailSettings, message: EmailMessage, policy: RetryPolicy, signal?: AbortSignal): Promise<{ messageId: string; attempts: number }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { messageId: await sendOnce(settings, message, policy, signal), attempts: attempt };
    } catch (error) {
      if (signal?.aborted) throw error;
      const transient = isTransientSmtpError(error);
      if (!transient || attempt > policy.maxRetries) {
        const reason = error instanceof Error ? error.message : String(error);
        const tries = `${attempt} attempt${attempt === 1 ? '' : 's'}`;
        throw new Error(`sending the digest through the SMTP server ${settings.url.hostname}:${settings.url.port || '(default port)'} failed: ${reason} (${transient ? `after ${tries}` : 'not retried'})`);
      }
      await sleep(backoffDelayMs(attempt, policy.baseDelayMs, 60_000), signal);
    }
  }
}
