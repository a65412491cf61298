/**
 * One HTTP request with bounded retries: the only place the API clients touch `fetch`.
 *
 * Retryable statuses (429, 402 quota, 5xx, 529), network failures and malformed answers (a
 * truncated or non-JSON body, a transient GraphQL error) are retried with a wait taken from
 * `Retry-After` / `X-Toggl-Quota-Resets-In`, else exponential backoff with jitter. A 402 without
 * quota headers is feature gating, and everything else throws an `ApiError` at once. Secrets found
 * in the request headers are redacted from every message this module produces.
 */
import { ApiError, QuotaExhaustedError, ValidationError } from '../errors.js';
import { MalformedResponse } from './json.js';
import { countApiRequest, recordApiWait } from '../metrics/activity.js';
import { activityWarn } from '../logging/activity.js';

export interface RetryInfo {
  api: string;
  /** HTTP status that caused the retry, 0 for a network error or timeout. */
  status: number;
  /** The attempt that just failed (1-based). */
  attempt: number;
  delayMs: number;
}

export interface RequestWithRetryOptions<T = Response> {
  /** Human name of the API, used in errors: "Toggl", "Fibery". */
  api: string;
  url: string;
  init: RequestInit;
  /** Retries after the first attempt (default 5, so at most 6 attempts). */
  maxRetries?: number;
  retryStatuses?: readonly number[];
  baseDelayMs?: number;
  /** Cap for backoff; a server asking for a longer wait than this fails at once instead. */
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (info: RetryInfo) => void;
  /** Called before every HTTP attempt (1-based): lets callers count real requests. */
  onAttempt?: (attempt: number) => void;
  /** Per-attempt timeout (default 60 s). */
  timeoutMs?: number;
  /** Awaited before every attempt: the token's pacing budget (src/http/pacer.ts). */
  pace?: (signal?: AbortSignal) => Promise<void>;
  /**
   * A used-up quota: wait for it here (up to maxDelayMs), or throw QuotaExhaustedError at once so
   * the caller waits where it can be seen and cancelled (the Toggl fetch: a workflow timer).
   */
  onQuota?: 'wait' | 'throw';
  /**
   * Reads a 2xx answer. Throwing `MalformedResponse` makes the attempt count as failed and be
   * retried like a 5xx; any other error propagates at once.
   */
  read?: (res: Response) => Promise<T>;
}

export const DEFAULT_RETRY_STATUSES: readonly number[] = [429, 402, 500, 502, 503, 504, 529];

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `Authorization` header value for HTTP Basic auth. */
export function basicAuth(user: string, pass: string): string {
  return `Basic ${Buffer.from(`${user}:${pass}`, 'utf8').toString('base64')}`;
}

/**
 * The wait the server asked for, in ms: `Retry-After` (seconds or HTTP date), else
 * `X-Toggl-Quota-Resets-In` (seconds). Null when neither is present or parseable.
 */
export function serverRetryDelayMs(headers: Headers, now: number = Date.now()): number | null {
  const retryAfter = headers.get('retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.round(Number(retryAfter) * 1000);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  const resetsIn = headers.get('x-toggl-quota-resets-in')?.trim();
  if (resetsIn && /^\d+(\.\d+)?$/.test(resetsIn)) return Math.round(Number(resetsIn) * 1000);
  return null;
}

/**
 * The wait until a used-up quota frees a request, in ms, or null when `res` is not a quota answer:
 * 402 (or 429, an earlier revision of the docs) with `X-Toggl-Quota-Resets-In`.
 */
export function quotaResetMs(res: Response): number | null {
  if (res.status !== 402 && res.status !== 429) return null;
  const resetsIn = res.headers.get('x-toggl-quota-resets-in')?.trim();
  if (!resetsIn || !/^\d+(\.\d+)?$/.test(resetsIn)) return null;
  const remaining = res.headers.get('x-toggl-quota-remaining')?.trim();
  if (res.status === 429 && remaining !== undefined && remaining !== '0') return null;
  return Math.round(Number(resetsIn) * 1000);
}

/** Exponential backoff with "equal jitter": between half and all of base·2^(attempt-1), capped. */
export function backoffDelayMs(attempt: number, baseDelayMs: number, maxDelayMs: number): number {
  const exp = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + Math.random() * (exp / 2));
}

/** Values that must never appear in a message: auth header values and their decoded parts. */
function secretsOf(init: RequestInit): string[] {
  const headers = new Headers(init.headers);
  const secrets: string[] = [];
  for (const name of ['authorization', 'x-api-key', 'api-key', 'x-auth-token']) {
    const value = headers.get(name);
    if (!value) continue;
    secrets.push(value);
    const [scheme, cred] = value.split(/\s+/, 2);
    if (cred) {
      secrets.push(cred);
      if (scheme?.toLowerCase() === 'basic') {
        const decoded = Buffer.from(cred, 'base64').toString('utf8');
        for (const part of decoded.split(':')) if (part !== 'api_token') secrets.push(part);
      }
    }
  }
  return secrets.filter((s) => s.length >= 6).sort((a, b) => b.length - a.length);
}

export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('***');
  return out;
}

/** A short single-line excerpt of a response body for error messages. */
export function excerpt(text: string, max = 200): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine;
}

function networkReason(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError') return 'request timed out';
    const cause = (err as { cause?: unknown }).cause;
    if (cause && typeof cause === 'object') {
      const code = (cause as { code?: unknown }).code;
      const message = (cause as { message?: unknown }).message;
      if (typeof code === 'string') return typeof message === 'string' && message ? `${code} (${message})` : code;
      if (typeof message === 'string' && message) return message;
    }
    return err.message;
  }
  return String(err);
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

function checkUrl(api: string, url: string): void {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new ValidationError(`the ${api} API URL "${url.slice(0, 120)}" is not a valid http(s) URL: check the ${api.toUpperCase()}_API_URL / base URL setting`);
  }
}

/** What every attempt of one request shares. */
interface Attempts<T> {
  opts: RequestWithRetryOptions<T>;
  api: string;
  url: string;
  init: RequestInit;
  read: (res: Response) => Promise<T>;
  secrets: string[];
  /** "GET /api/v9/me", for messages. */
  where: string;
  maxAttempts: number;
  maxDelayMs: number;
  retryStatuses: readonly number[];
}

/** Retrying wants to wait this long (null: backoff) for this reason before the next attempt. */
interface Retry {
  status: number;
  hintedMs: number | null;
  reason: 'retry_after' | 'quota';
}

const attemptsText = (attempt: number) => `after ${attempt} attempt${attempt === 1 ? '' : 's'}`;

/** Perform `fetch` with bounded retries; resolves with what `read` made of an OK (2xx/3xx) answer. */
export async function requestWithRetry<T = Response>(opts: RequestWithRetryOptions<T>): Promise<T> {
  const { api, url, init } = opts;
  checkUrl(api, url);
  const method = (init.method ?? 'GET').toUpperCase();
  const attempts: Attempts<T> = {
    opts,
    api,
    url,
    init,
    read: opts.read ?? ((res: Response) => Promise.resolve(res as T)),
    secrets: secretsOf(init),
    where: `${method} ${pathOf(url)}`,
    maxAttempts: Math.max(0, opts.maxRetries ?? 5) + 1,
    maxDelayMs: opts.maxDelayMs ?? 60_000,
    retryStatuses: opts.retryStatuses ?? DEFAULT_RETRY_STATUSES,
  };
  for (let attempt = 1; ; attempt++) {
    const outcome = await attemptOnce(attempts, attempt);
    if ('value' in outcome) return outcome.value;
    await waitToRetry(attempts, attempt, outcome);
  }
}

/** One attempt: its value, or why and how long to wait before the next; what cannot be retried throws. */
async function attemptOnce<T>(a: Attempts<T>, attempt: number): Promise<{ value: T } | Retry> {
  const res = await send(a, attempt);
  if (typeof res === 'string') {
    if (attempt >= a.maxAttempts) throw new ApiError(a.api, 0, `cannot reach ${a.api} at ${originOf(a.url)}: ${res} (${attemptsText(attempt)})`);
    return { status: 0, hintedMs: null, reason: 'retry_after' };
  }
  if (res.ok) return readAnswer(a, res, attempt);
  return refusal(a, res, attempt);
}

/** Paced, with its own timeout; the network's failure comes back as its reason (the caller's cancellation throws). */
async function send<T>(a: Attempts<T>, attempt: number): Promise<Response | string> {
  const { api, init, opts } = a;
  const paceStart = Date.now();
  await opts.pace?.(init.signal ?? undefined);
  if (opts.pace) recordApiWait(api, 'pacing', Date.now() - paceStart);
  const timeoutSignal = AbortSignal.timeout(opts.timeoutMs ?? 60_000);
  const signal = init.signal ? AbortSignal.any([init.signal, timeoutSignal]) : timeoutSignal;
  opts.onAttempt?.(attempt);
  try {
    const res = await fetch(a.url, { ...init, signal });
    countApiRequest(api, res.status);
    return res;
  } catch (err) {
    countApiRequest(api, 0);
    if (init.signal?.aborted) throw err; // the caller cancelled: not ours to retry
    return redact(networkReason(err), a.secrets);
  }
}

/** An OK answer as `read` makes it; a malformed one (truncated, not JSON) is retried like a 5xx. */
async function readAnswer<T>(a: Attempts<T>, res: Response, attempt: number): Promise<{ value: T } | Retry> {
  try {
    return { value: await a.read(res) };
  } catch (err) {
    if (!(err instanceof MalformedResponse)) throw err;
    if (a.init.signal?.aborted) throw a.init.signal.reason;
    const detail = redact(err.message, a.secrets);
    if (attempt >= a.maxAttempts) throw new ApiError(a.api, res.status, `${a.api} API answered ${a.where} with ${detail} (${attemptsText(attempt)})`);
    return { status: res.status, hintedMs: null, reason: 'retry_after' };
  }
}

/** An answer that is not OK: the error it means, or the wait it asks for before the next attempt. */
async function refusal<T>(a: Attempts<T>, res: Response, attempt: number): Promise<Retry> {
  const { api, where } = a;
  const body = await res.text().catch(() => '');
  const detail = redact(excerpt(body), a.secrets);
  const statusText = `${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
  const withDetail = detail ? `${statusText}: ${detail}` : statusText;

  const quotaMs = quotaResetMs(res);
  if (res.status === 402 && quotaMs === null) {
    throw new ApiError(
      api,
      402,
      `${api} API answered ${withDetail} for ${where}: the workspace's plan does not include this feature (a 402 without quota headers is feature gating, not the quota); retrying cannot help`,
    );
  }
  if (!a.retryStatuses.includes(res.status)) {
    let hint = '';
    if (res.status === 401 || res.status === 403) hint = ` (check ${api} token / access)`;
    else if (res.status === 404) hint = ' (not found: check the workspace / space / URL)';
    throw new ApiError(api, res.status, `${api} API answered ${withDetail} for ${where}${hint}`);
  }
  const hinted = quotaMs ?? serverRetryDelayMs(res.headers);
  if (quotaMs !== null && a.opts.onQuota === 'throw') {
    throw new QuotaExhaustedError(api, res.status, `${api} API answered ${withDetail} for ${where}: the quota frees a request in ${Math.ceil(quotaMs / 1000)} s`, quotaMs);
  }
  if (hinted !== null && hinted > a.maxDelayMs) {
    const message =
      `${api} API answered ${withDetail} for ${where} and asked to wait ${Math.ceil(hinted / 1000)} s, ` +
      `more than the ${Math.round(a.maxDelayMs / 1000)} s this client waits (${attemptsText(attempt)}); try again later`;
    if (quotaMs !== null) throw new QuotaExhaustedError(api, res.status, message, quotaMs);
    throw new ApiError(api, res.status, message);
  }
  if (attempt >= a.maxAttempts) {
    throw new ApiError(api, res.status, `${api} API answered ${withDetail} ${attemptsText(attempt)} for ${where}`);
  }
  return { status: res.status, hintedMs: hinted, reason: quotaMs !== null ? 'quota' : 'retry_after' };
}

/** The wait before the next attempt: what the server asked for, else backoff; said to the caller, the metrics and the log. */
async function waitToRetry<T>(a: Attempts<T>, attempt: number, retry: Retry): Promise<void> {
  const { api, opts } = a;
  const delayMs = retry.hintedMs ?? backoffDelayMs(attempt, opts.baseDelayMs ?? 1000, a.maxDelayMs);
  opts.onRetry?.({ api, status: retry.status, attempt, delayMs });
  recordApiWait(api, retry.hintedMs === null ? 'backoff' : retry.reason, delayMs);
  activityWarn(`${api} answered ${retry.status || 'no answer'} for ${a.where}: retrying in ${delayMs} ms`, { api, status: retry.status, attempt, delay_ms: delayMs });
  await (opts.sleep ?? defaultSleep)(delayMs);
  a.init.signal?.throwIfAborted();
}
