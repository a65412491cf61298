/**
 * One LLM completion through a provider of the registry (src/llm/providers/): what every provider
 * shares. The SDKs retry 408/409/429/5xx (Anthropic's 529 too) a bounded number of times with
 * backoff, honouring `retry-after`; `insufficient_quota` is never retried, and neither is a wait
 * the server asks for that would not fit in the request's deadline. A malformed answer gets the
 * same retry budget here, a parameter the model refuses is dropped once, and failures become
 * `ApiError(<the provider's server name>, status, …)` with no key in the message.
 */
import { readVariable, type VariableName } from '../config/env.js';
import { ApiError, ValidationError } from '../errors.js';
import { EmptyAnswerError } from './answer.js';
import { endpointOf, noAnswer, unreachable } from './endpoint.js';
import { MalformedAnswer, type Completion, type LlmTurn, type ProviderConnection, type ProviderFailure } from './provider.js';
import { isProviderName, PROVIDERS, providerList, type AnyLlmProvider, type LlmProviderName } from './providers/index.js';

export type { LlmTurn } from './provider.js';
import { countApiRequest, countLlmTokens } from '../metrics/activity.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export interface LlmSettings {
  provider: LlmProviderName;
  model: string;
  baseUrl?: string;
  temperature?: number;
  maxTokens?: number;
  timeoutMs?: number;
  maxRetries?: number;
}

export interface LlmResult {
  text: string;
  provider: LlmProviderName;
  model: string;
  input_tokens: number | null;
  output_tokens: number | null;
  seconds: number;
  /** HTTP requests made, retries included. */
  attempts?: number;
  /** The answer stopped at the token limit (finish_reason `length`, stop_reason `max_tokens`). */
  truncated?: boolean;
}

export interface LlmRequest {
  system: string;
  user: string;
  /** Later turns after `user`: the model's earlier answer and a follow-up (a correction request). */
  followUp?: LlmTurn[];
  maxTokens?: number;
  temperature?: number;
  /** Cancels the request and its retries (the activity's cancellation). */
  signal?: AbortSignal;
  /** Give up after this many milliseconds, retries and the waits servers ask for included. */
  deadlineMs?: number;
}

export interface LlmConfig {
  provider?: string | null;
  model?: string | null;
  /** null: send no temperature (models that accept only their default). */
  temperature?: number | null;
  max_tokens?: number;
  timeout_seconds?: number;
  max_retries?: number;
}

const DEFAULT_TIMEOUT_MS = 180_000;
const DEFAULT_MAX_RETRIES = 3;
/** Placeholder key for compatible local servers that need none. */
export const NO_KEY = 'not-needed';

/** One variable through the one environment loader (src/config/env.ts): a bad value is its one line. */
const env1 = (env: NodeJS.ProcessEnv, name: VariableName): string | undefined => {
  const value = readVariable(env, name);
  return typeof value === 'string' && value ? value : undefined;
};

const keyOf = (env: NodeJS.ProcessEnv, provider: AnyLlmProvider) => env1(env, provider.keyVariable);
const baseUrlOf = (env: NodeJS.ProcessEnv, provider: AnyLlmProvider) => env1(env, provider.baseUrlVariable);

/** The provider named by VOLT_LLM_PROVIDER or the config, else the first whose key (or keyless base URL) is set. */
function chooseProvider(env: NodeJS.ProcessEnv, config?: LlmConfig): AnyLlmProvider | null {
  const explicit = env1(env, 'VOLT_LLM_PROVIDER') ?? (config?.provider?.trim() || undefined);
  if (explicit) {
    const name = explicit.toLowerCase();
    if (!isProviderName(name)) {
      throw new ValidationError(`unknown LLM provider "${explicit}" (expected ${providerList().map((p) => `"${p.name}"`).join(' or ')})`);
    }
    return PROVIDERS[name];
  }
  return providerList().find((p) => keyOf(env, p)) ?? providerList().find((p) => p.keylessWithBaseUrl && baseUrlOf(env, p)) ?? null;
}

function missingKey(provider: AnyLlmProvider): string {
  const keyless = provider.keylessWithBaseUrl ? ` (or set ${provider.baseUrlVariable} for a local server that needs no key)` : '';
  return `LLM provider is ${provider.name} but ${provider.keyVariable} is not set${keyless}`;
}

/**
 * Which LLM to use, or null when none is configured. Environment beats config:
 * VOLT_LLM_PROVIDER / VOLT_LLM_MODEL, then config, then whichever API key is set
 * (a base URL alone selects a provider's keyless local server, OPENAI_BASE_URL's for one).
 */
export function resolveLlmSettings(env: NodeJS.ProcessEnv, config?: LlmConfig): LlmSettings | null {
  const provider = chooseProvider(env, config);
  if (!provider) return null;
  const baseUrl = baseUrlOf(env, provider);
  if (!keyOf(env, provider) && !(provider.keylessWithBaseUrl && baseUrl)) throw new ValidationError(missingKey(provider));

  const model = env1(env, 'VOLT_LLM_MODEL') ?? (config?.model?.trim() || provider.defaultModel);
  const settings: LlmSettings = { provider: provider.name, model, maxRetries: DEFAULT_MAX_RETRIES, timeoutMs: DEFAULT_TIMEOUT_MS };
  if (baseUrl) settings.baseUrl = baseUrl;
  if (config?.temperature !== undefined && config.temperature !== null) settings.temperature = config.temperature;
  if (config?.max_tokens !== undefined) settings.maxTokens = config.max_tokens;
  if (config?.timeout_seconds !== undefined) settings.timeoutMs = config.timeout_seconds * 1000;
  if (config?.max_retries !== undefined) settings.maxRetries = config.max_retries;
  return settings;
}

/** The key for the resolved provider from the environment (a keyless local server gets a placeholder). */
function apiKeyFor(env: NodeJS.ProcessEnv, provider: AnyLlmProvider): string {
  const key = keyOf(env, provider);
  if (key) return key;
  if (provider.keylessWithBaseUrl) return NO_KEY;
  throw new ValidationError(`${provider.keyVariable} is not set`);
}

export function createLlmClient(env: NodeJS.ProcessEnv, config?: LlmConfig): LlmClient | null {
  const settings = resolveLlmSettings(env, config);
  return settings ? new LlmClient(settings, apiKeyFor(env, PROVIDERS[settings.provider])) : null;
}

/** The wait a `retry-after-ms` / `retry-after` (seconds or HTTP date) header asks for, in ms. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | null {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

interface CallState {
  /** The provider, as the `api` label of the request metrics. */
  api: string;
  attempts: number;
  /** The start of the last successful (2xx) response body, for naming a malformed answer. */
  lastBody: string | null;
  /** Epoch ms after which no retry may start. */
  deadline: number;
  /** Set when a retry was refused because the server asked for a wait past the deadline. */
  refusedWaitMs: number | null;
}

/** The headers of a body already decoded and read. */
function withoutEncoding(source: Headers): Headers {
  const headers = new Headers(source);
  headers.delete('content-encoding');
  headers.delete('content-length');
  return headers;
}

/** A malformed answer is transient (a proxy cut it, a server restarted): retried like a 5xx. */
function isMalformed(err: unknown): boolean {
  return err instanceof MalformedAnswer || err instanceof SyntaxError || (err instanceof Error && err.name === 'SyntaxError');
}

/** The wait before retry `n` (0-based) of a malformed answer: 0.5 s doubling, at most 8 s, with jitter. */
function malformedBackoffMs(n: number): number {
  return Math.min(8000, 500 * 2 ** n) * (0.75 + Math.random() * 0.25);
}

/**
 * fetch for one call: counts the requests, marks a 429 `insufficient_quota` answer as not retryable
 * (`x-should-retry: false`, which both SDKs obey: waiting does not refill a billing quota), and
 * does the same for a retry whose requested wait would end past the call's deadline.
 */
function callFetch(state: CallState) {
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    state.attempts++;
    const res = await fetch(input, init).catch((error: unknown) => {
      countApiRequest(state.api, 0);
      throw error;
    });
    countApiRequest(state.api, res.status);
    if (res.ok) {
      // Kept to name what came back when the SDK cannot parse it (a truncated or non-JSON body).
      const body = await res.text();
      state.lastBody = body.slice(0, 200);
      return new Response(body, { status: res.status, statusText: res.statusText, headers: withoutEncoding(res.headers) });
    }
    if (res.status !== 429 && res.status < 500) return res;
    const text = await res.text();
    const headers = withoutEncoding(res.headers);
    const wait = retryAfterMs(headers);
    if (res.status === 429 && /insufficient_quota/.test(text)) headers.set('x-should-retry', 'false');
    else if (wait !== null && Date.now() + wait > state.deadline) {
      headers.set('x-should-retry', 'false');
      state.refusedWaitMs = wait;
    }
    return new Response(text, { status: res.status, statusText: res.statusText, headers });
  };
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Anything shaped like any provider's key: its prefix and three characters stay, the rest is masked. */
const KEY_SHAPE = new RegExp(
  `\\b((?:${[...new Set(providerList().map((p) => p.keyPrefix))].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|')})[A-Za-z0-9_*-]{3})[A-Za-z0-9_*-]+`,
  'g',
);

/** A 400 refusing a request parameter the model does not take (reasoning models and `temperature`, …). */
function unsupportedParameter(failure: ProviderFailure | null): string | null {
  if (failure?.kind !== 'status' || failure.status !== 400) return null;
  const body = failure.body as { param?: unknown; error?: { param?: unknown; message?: unknown }; message?: unknown } | undefined;
  const param = typeof body?.param === 'string' ? body.param : typeof body?.error?.param === 'string' ? body.error.param : null;
  const message = String(body?.error?.message ?? body?.message ?? failure.message);
  if (!/unsupported|not supported|does not support|only the default/i.test(message)) return null;
  for (const name of ['temperature', 'max_tokens', 'max_completion_tokens']) {
    if (param === name || new RegExp(`['"\`]${name}['"\`]`).test(message)) return name;
  }
  return null;
}

/** The provider's message and code from an error body (`{error: {message, type}}`, `{message, code}`). */
function statusText(failure: Extract<ProviderFailure, { kind: 'status' }>): string {
  const body = failure.body as { message?: unknown; error?: { message?: unknown; type?: unknown }; code?: unknown; type?: unknown } | undefined;
  const message = (typeof body?.error?.message === 'string' && body.error.message) || (typeof body?.message === 'string' && body.message) || failure.message;
  const code = typeof body?.code === 'string' ? body.code : typeof body?.error?.type === 'string' ? body.error.type : typeof body?.type === 'string' ? body.type : '';
  return code && !message.includes(code) ? `${message} [${code}]` : message;
}

export class LlmClient {
  private readonly provider: AnyLlmProvider;
  /** How messages name the server: the provider's name for the base URL in use. */
  private readonly apiName: string;
  /** Parameters this model refused once (`temperature`, `max_tokens`): not sent again. */
  private readonly refused = new Set<string>();

  constructor(
    readonly settings: LlmSettings,
    private readonly apiKey: string,
  ) {
    this.provider = PROVIDERS[settings.provider];
    this.apiName = this.provider.serverName(settings.baseUrl);
  }

  async complete(req: LlmRequest): Promise<LlmResult> {
    const started = Date.now();
    const timeoutMs = this.settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const maxRetries = this.settings.maxRetries ?? DEFAULT_MAX_RETRIES;
    const deadlineMs = req.deadlineMs ?? timeoutMs * (maxRetries + 1) + 60_000;
    const state: CallState = { api: this.settings.provider, attempts: 0, lastBody: null, deadline: started + deadlineMs, refusedWaitMs: null };
    const deadline = AbortSignal.timeout(Math.max(1, deadlineMs));
    const signal = req.signal ? AbortSignal.any([req.signal, deadline]) : deadline;
    const connection = await this.provider.connect({ apiKey: this.apiKey, baseUrl: this.settings.baseUrl, maxRetries, timeoutMs, fetch: callFetch(state) });

    // The SDKs sleep between retries without looking at the signal: race it so a deadline or a
    // cancellation ends the call at once (the abandoned attempt stops at its next request).
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => {});
    const running = this.withRetries(connection, req, signal, state, maxRetries);
    running.catch(() => {});
    try {
      const { stop: _stop, ...answer } = await Promise.race([running, aborted]);
      countLlmTokens(this.settings.provider, answer.input_tokens, answer.output_tokens);
      return { ...answer, provider: this.settings.provider, seconds: (Date.now() - started) / 1000, attempts: state.attempts };
    } catch (err) {
      if (signal.aborted && !(err instanceof ApiError)) {
        if (req.signal?.aborted) throw err instanceof Error ? err : new Error(String(err));
        throw new ApiError(this.apiName, 0, noAnswer(this.endpoint(), deadlineMs, state.attempts));
      }
      throw this.wrap(err, state, connection);
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  }

  /** One request with the text checked; a parameter the model refuses is dropped and asked once more. */
  private async once(connection: ProviderConnection, req: LlmRequest, signal: AbortSignal): Promise<Completion> {
    const attempt = async (): Promise<Completion> => {
      const answer = await connection.complete({
        model: this.settings.model,
        system: req.system,
        turns: [{ role: 'user', content: req.user }, ...(req.followUp ?? [])],
        temperature: this.refused.has('temperature') ? undefined : (req.temperature ?? this.settings.temperature),
        maxTokens: req.maxTokens ?? this.settings.maxTokens,
        refused: this.refused,
        signal,
      });
      if (!answer.text.trim()) throw new EmptyAnswerError(this.apiName, 200, `${this.apiName} returned no text (${answer.stop})`);
      return answer;
    };
    try {
      return await attempt();
    } catch (err) {
      const param = unsupportedParameter(connection.failure(err));
      if (!param || this.refused.has(param)) throw err;
      this.refused.add(param);
      return attempt();
    }
  }

  /** The SDKs retry statuses, not bodies: a truncated or non-JSON answer gets the same budget here. */
  private async withRetries(connection: ProviderConnection, req: LlmRequest, signal: AbortSignal, state: CallState, maxRetries: number): Promise<Completion> {
    for (let retry = 0; ; retry++) {
      try {
        return await this.once(connection, req, signal);
      } catch (err) {
        if (!isMalformed(err)) throw err;
        if (retry >= maxRetries || signal.aborted) throw this.malformed(err, state);
        await new Promise((resolve) => setTimeout(resolve, malformedBackoffMs(retry)));
      }
    }
  }

  private malformed(err: unknown, state: CallState): ApiError {
    const api = this.apiName;
    const reason = err instanceof Error ? err.message : String(err);
    const body = state.lastBody === null ? 'no body' : `it began ${JSON.stringify(state.lastBody.slice(0, 120))}`;
    return new ApiError(api, 200, this.scrub(`${api} returned a malformed answer (${reason}) after ${plural(state.attempts, 'request')}: ${body}`));
  }

  /** Remove the key (and anything that looks like one) from a provider message. */
  private scrub(message: string): string {
    let out = message;
    if (this.apiKey && this.apiKey !== NO_KEY) out = out.split(this.apiKey).join('***');
    return out.replace(KEY_SHAPE, '$1***');
  }

  /** The server as what it is: the hosted API, or "the OpenAI-compatible server at 127.0.0.1:8088". */
  private endpoint() {
    return endpointOf({ name: this.provider.serverName(undefined), defaultBaseUrl: this.provider.defaultBaseUrl, baseUrl: this.settings.baseUrl });
  }

  private wrap(err: unknown, state: CallState, connection: ProviderConnection): Error {
    if (err instanceof ApiError || err instanceof ValidationError) return err;
    const api = this.apiName;
    const tries = state.attempts > 1 ? ` (after ${state.attempts} requests)` : '';
    const failure = connection.failure(err);
    if (failure?.kind === 'connection') {
      const timedOutMs = failure.timedOut ? (this.settings.timeoutMs ?? DEFAULT_TIMEOUT_MS) : null;
      return new ApiError(api, 0, this.scrub(unreachable(this.endpoint(), { timedOutMs, detail: failure.message, tries })));
    }
    if (failure?.kind === 'status') {
      const refused =
        state.refusedWaitMs !== null ? `; it asked to wait ${Math.ceil(state.refusedWaitMs / 1000)} s, past this report's deadline` : '';
      return new ApiError(api, failure.status, this.scrub(`${api} ${failure.status}: ${statusText(failure)}${tries}${refused}`));
    }
    const message = err instanceof Error ? err.message : String(err);
    return new ApiError(api, 0, this.scrub(`${api} request failed: ${message}${tries}`));
  }
}
