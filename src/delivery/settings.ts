/** Reading a channel's settings from the environment and the `delivery` config, one clear line per gap. */
import { readVariable, type VariableName } from '../config/env.js';
import type { DeliveryConfig } from '../config/app-config.js';
import { MissingSetting } from './channel.js';

/**
 * A variable the channel needs, read through the one environment loader (src/config/env.ts): a bad
 * value is the loader's one line, a missing one says what it is for.
 */
export function requiredEnv(env: NodeJS.ProcessEnv, name: VariableName, what: string): string {
  let value: unknown;
  try {
    value = readVariable(env, name);
  } catch (error) {
    throw new MissingSetting((error as Error).message);
  }
  if (typeof value !== 'string' || !value) throw new MissingSetting(`${name} is not set: ${what} (in the environment or .env of the process that delivers)`);
  return value;
}

/**
 * The variable as an http(s) URL. The message never repeats the value: for a webhook, the URL is
 * the secret.
 */
export function requiredUrl(env: NodeJS.ProcessEnv, name: VariableName, what: string, protocols: readonly string[] = ['http:', 'https:']): URL {
  const value = requiredEnv(env, name, what);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new MissingSetting(`${name} is not a valid URL: ${what}`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new MissingSetting(`${name} must be a ${protocols.map((p) => p.replace(':', '://')).join(' or ')} URL: ${what}`);
  }
  return url;
}

export interface RetryPolicy {
  maxRetries: number;
  baseDelayMs: number;
  timeoutMs: number;
}

export function retryPolicy(config: DeliveryConfig): RetryPolicy {
  return {
    maxRetries: config.max_retries,
    baseDelayMs: Math.round(config.retry_delay_seconds * 1000),
    timeoutMs: Math.round(config.timeout_seconds * 1000),
  };
}

/** Waits `ms`, or less when `signal` aborts (then throws its reason). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const done = () => {
      signal?.removeEventListener('abort', abort);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', abort, { once: true });
  });
}
