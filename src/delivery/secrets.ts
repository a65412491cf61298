/**
 * The delivery secrets of a process's environment (the variables each registered channel names as
 * its `secrets`), and their removal from any text. A webhook URL is itself the credential, and
 * libraries echo URLs and SMTP replies in their errors, so everything a channel reports passes
 * through `redact` first.
 */
import { CHANNEL_NAMES, CHANNELS } from './channels/index.js';

/** Every variable a registered channel holds a credential in. */
export const SECRET_ENV: readonly string[] = [...new Set(CHANNEL_NAMES.flatMap((name) => CHANNELS[name].secrets))];

/** Parts shorter than this are not treated as secrets on their own (they would redact ordinary words). */
const MIN_SECRET_LENGTH = 6;

export interface Redactor {
  redact(text: string): string;
  redactDetail<T extends Record<string, string | number | boolean | null>>(detail: T): T;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The value and, for a URL, the pieces of it a message might show on their own: its path, query
 * and credentials (a webhook's path is its token; an SMTP URL's password is the secret).
 */
function secretParts(value: string): string[] {
  const parts = [value];
  try {
    const url = new URL(value);
    parts.push(url.href, `${url.pathname}${url.search}`, url.pathname, url.search);
    // The last segment is the token (`/services/T…/B…/token`); the others are ordinary words.
    const last = url.pathname.split('/').filter(Boolean).pop();
    if (last) parts.push(last);
    if (url.password) parts.push(url.password, safeDecode(url.password), `${url.username}:${url.password}`);
  } catch {
    // not a URL: the whole value is the secret
  }
  return parts;
}

/** Secrets found in `env`; `extra` adds values from elsewhere (e.g. a test's own token). */
export function secretsOf(env: NodeJS.ProcessEnv, extra: readonly string[] = []): string[] {
  const found = new Set<string>();
  const add = (value: string) => {
    const v = value.trim();
    if (v.length >= MIN_SECRET_LENGTH) found.add(v);
  };
  for (const name of SECRET_ENV) {
    const value = env[name]?.trim();
    if (value) for (const part of secretParts(value)) add(part);
  }
  for (const value of extra) add(value);
  // Longest first, so a URL is replaced whole before its path would be.
  return [...found].sort((a, b) => b.length - a.length);
}

export function redactorFor(env: NodeJS.ProcessEnv, extra: readonly string[] = []): Redactor {
  const secrets = secretsOf(env, extra);
  const redact = (text: string) => {
    let out = text;
    for (const s of secrets) out = out.split(s).join('***');
    return out;
  };
  return {
    redact,
    redactDetail: (detail) =>
      Object.fromEntries(Object.entries(detail).map(([k, v]) => [k, typeof v === 'string' ? redact(v) : v])) as typeof detail,
  };
}
