/**
 * One LLM completion through the official SDKs: OpenAI Chat Completions (and every
 * OpenAI-compatible server) or Anthropic Messages. The SDKs retry 408/409/429/5xx (Anthropic's
 * 529 too) a bounded number of times with backoff, honouring `retry-after`; `insufficient_quota`
 * is never retried, and neither is a wait the server asks for that would not fit in the request's
 * deadline. Failures become `ApiError('OpenAI' | 'Anthropic', status, …)` with no key in the message.
 */
import { readVariable } from '../config/env.js';
import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import { z } from 'zod';
import { ApiError, ValidationError } from '../errors.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export type LlmProvider = 'openai' | 'anthropic';

export interface LlmSettings {
  provider: LlmProvider;
  model: string;
  baseUrl?: string;
  temperature?: number;
  maxTokens?: number;
  timeoutMs?: number;
  maxRetries?: number;
}

export interface LlmResult {
  text: string;
  provider: LlmProvider;
  model: string;
  input_tokens: number | null;
  output_tokens: number | null;
  seconds: number;
  /** HTTP requests made, retries included. */
  attempts?: number;
  /** The answer stopped at the token limit (finish_reason `length`, stop_reason `max_tokens`). */
  truncated?: boolean;
}

export interface LlmTurn {
  role: 'assistant' | 'user';
  content: string;
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

export const DEFAULT_MODELS: Record<LlmProvider, string> = {
  openai: 'gpt-4.1-mini',
  anthropic: 'claude-sonnet-4-5',
};
const DEFAULT_MAX_TOKENS = 4096;
const DEFAULT_TIMEOUT_MS = 180_000;
const DEFAULT_MAX_RETRIES = 3;
/** Placeholder key for OpenAI-compatible local servers that need none. */
export const NO_KEY = 'not-needed';

const API_NAME: Record<LlmProvider, string> = { openai: 'OpenAI', anthropic: 'Anthropic' };

/** One variable through the one environment loader (src/config/env.ts): a bad value is its one line. */
const env1 = (env: NodeJS.ProcessEnv, name: 'OPENAI_API_KEY' | 'ANTHROPIC_API_KEY' | 'OPENAI_BASE_URL' | 'ANTHROPIC_BASE_URL' | 'VOLT_LLM_PROVIDER' | 'VOLT_LLM_MODEL'): string | undefined =>
  readVariable(env, name) || undefined;

/**
 * Which LLM to use, or null when none is configured. Environment beats config:
 * VOLT_LLM_PROVIDER / VOLT_LLM_MODEL, then config, then whichever API key is set
 * (OPENAI_BASE_URL alone selects an OpenAI-compatible local server).
 */
export function resolveLlmSettings(env: NodeJS.ProcessEnv, config?: LlmConfig): LlmSettings | null {
  const openaiKey = env1(env, 'OPENAI_API_KEY');
  const anthropicKey = env1(env, 'ANTHROPIC_API_KEY');
  const openaiBase = env1(env, 'OPENAI_BASE_URL');
  const anthropicBase = env1(env, 'ANTHROPIC_BASE_URL');

  const explicit = env1(env, 'VOLT_LLM_PROVIDER') ?? (config?.provider?.trim() || undefined);
  let provider: LlmProvider;
  if (explicit) {
    const p = explicit.toLowerCase();
    if (p !== 'openai' && p !== 'anthropic') {
      throw new ValidationError(`unknown LLM provider "${explicit}" (expected "openai" or "anthropic")`);
    }
    provider = p;
  } else if (openaiKey) provider = 'openai';
  else if (anthropicKey) provider = 'anthropic';
  else if (openaiBase) provider = 'openai';
  else return null;

  if (provider === 'openai' && !openaiKey && !openaiBase) {
    throw new ValidationError('LLM provider is openai but OPENAI_API_KEY is not set (or set OPENAI_BASE_URL for a local OpenAI-compatible server)');
  }
  if (provider === 'anthropic' && !anthropicKey) {
    throw new ValidationError('LLM provider is anthropic but ANTHROPIC_API_KEY is not set');
  }

  const model = env1(env, 'VOLT_LLM_MODEL') ?? (config?.model?.trim() || DEFAULT_MODELS[provider]);
  const baseUrl = provider === 'openai' ? openaiBase : anthropicBase;
  const settings: LlmSettings = { provider, model, maxRetries: DEFAULT_MAX_RETRIES, timeoutMs: DEFAULT_TIMEOUT_MS };
  if (baseUrl) settings.baseUrl = baseUrl;
  if (config?.temperature !== undefined && config.temperature !== null) settings.temperature = config.temperature;
  if (config?.max_tokens !== undefined) settings.maxTokens = config.max_tokens;
  if (config?.timeout_seconds !== undefined) settings.timeoutMs = config.timeout_seconds * 1000;
  if (config?.max_retries !== undefined) settings.maxRetries = config.max_retries;
  return settings;
}

/** The key for the resolved provider from the environment. */
function apiKeyFor(env: NodeJS.ProcessEnv, provider: LlmProvider): string {
  if (provider === 'openai') return env1(env, 'OPENAI_API_KEY') ?? NO_KEY;
  const key = env1(env, 'ANTHROPIC_API_KEY');
  if (!key) throw new ValidationError('ANTHROPIC_API_KEY is not set');
  return key;
}

export function createLlmClient(env: NodeJS.ProcessEnv, config?: LlmConfig): LlmClient | null {
  const settings = resolveLlmSettings(env, config);
  return settings ? new LlmClient(settings, apiKeyFor(env, settings.provider)) : null;
}

/** `http://host:11434` and `http://host:11434/v1/` both become `http://host:11434/v1`. */
export function normaliseOpenAiBase(base: string): string {
  const trimmed = base.trim().replace(/\/+$/, '');
  return /\/v1$/.test(trimmed) ? trimmed : `${trimmed}/v1`;
}

/** The Anthropic SDK appends `/v1/messages` itself. */
export function normaliseAnthropicBase(base: string): string {
  return base.trim().replace(/\/+$/, '').replace(/\/v1$/, '');
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

/** An answer the client cannot use: a body that is not the API's JSON (truncated, HTML, plain text). */
class MalformedAnswer extends Error {}

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
    const res = await fetch(input, init);
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

const openAiResponseSchema = z.object({
  model: z.string().nullish(),
  choices: z
    .array(z.object({ message: z.object({ content: z.string().nullish() }).nullish(), finish_reason: z.string().nullish() }))
    .min(1),
  usage: z.object({ prompt_tokens: z.number().nullish(), completion_tokens: z.number().nullish() }).nullish(),
});

const anthropicResponseSchema = z.object({
  model: z.string().nullish(),
  content: z.array(z.looseObject({ type: z.string(), text: z.string().nullish() })),
  stop_reason: z.string().nullish(),
  usage: z.object({ input_tokens: z.number().nullish(), output_tokens: z.number().nullish() }).nullish(),
});

type Completion = Omit<LlmResult, 'provider' | 'seconds' | 'attempts'>;

/** "0.5 s", "120 s". */
const secondsText = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

/** One provider's SDK, whose error classes tell its failures apart. */
type SdkClass = typeof OpenAI | typeof Anthropic;

/** Loaded on first use: a worker whose runs have no LLM never loads either SDK (about 0.25 s of start-up). */
const loadSdk = (provider: LlmProvider): Promise<SdkClass> =>
  provider === 'openai' ? import('openai').then((m) => m.default) : import('@anthropic-ai/sdk').then((m) => m.default);

/** A 400 refusing a request parameter the model does not take (reasoning models and `temperature`, …). */
function unsupportedParameter(err: unknown, sdk: SdkClass): string | null {
  if (!(err instanceof sdk.APIError) || err.status !== 400) return null;
  const body = err.error as { param?: unknown; error?: { param?: unknown; message?: unknown }; message?: unknown } | undefined;
  const param = typeof body?.param === 'string' ? body.param : typeof body?.error?.param === 'string' ? body.error.param : null;
  const message = String(body?.error?.message ?? body?.message ?? err.message);
  if (!/unsupported|not supported|does not support|only the default/i.test(message)) return null;
  for (const name of ['temperature', 'max_tokens', 'max_completion_tokens']) {
    if (param === name || new RegExp(`['"\`]${name}['"\`]`).test(message)) return name;
  }
  return null;
}

export class LlmClient {
  private readonly apiName: string;
  /** Parameters this model refused once (`temperature`, `max_tokens`): not sent again. */
  private readonly refused = new Set<string>();

  constructor(
    readonly settings: LlmSettings,
    private readonly apiKey: string,
  ) {
    this.apiName = API_NAME[settings.provider];
  }

  private sdk(Sdk: SdkClass, state: CallState): { openai: OpenAI } | { anthropic: Anthropic } {
    const common = {
      apiKey: this.apiKey,
      maxRetries: this.settings.maxRetries ?? DEFAULT_MAX_RETRIES,
      timeout: this.settings.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      fetch: callFetch(state),
    };
    const base = this.settings.baseUrl;
    return this.settings.provider === 'openai'
      ? { openai: new (Sdk as typeof OpenAI)({ ...common, ...(base ? { baseURL: normaliseOpenAiBase(base) } : {}) }) }
      : { anthropic: new (Sdk as typeof Anthropic)({ ...common, ...(base ? { baseURL: normaliseAnthropicBase(base) } : {}) }) };
  }

  async complete(req: LlmRequest): Promise<LlmResult> {
    const started = Date.now();
    const timeoutMs = this.settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const maxRetries = this.settings.maxRetries ?? DEFAULT_MAX_RETRIES;
    const deadlineMs = req.deadlineMs ?? timeoutMs * (maxRetries + 1) + 60_000;
    const state: CallState = { attempts: 0, lastBody: null, deadline: started + deadlineMs, refusedWaitMs: null };
    const deadline = AbortSignal.timeout(Math.max(1, deadlineMs));
    const signal = req.signal ? AbortSignal.any([req.signal, deadline]) : deadline;
    const Sdk = await loadSdk(this.settings.provider);
    const sdk = this.sdk(Sdk, state);

    const attempt = async (): Promise<Completion> => {
      const temperature = this.refused.has('temperature') ? undefined : (req.temperature ?? this.settings.temperature);
      const maxTokens = req.maxTokens ?? this.settings.maxTokens;
      return 'openai' in sdk
        ? this.completeOpenAi(sdk.openai, req, temperature, maxTokens, signal)
        : this.completeAnthropic(sdk.anthropic, req, temperature, maxTokens ?? DEFAULT_MAX_TOKENS, signal);
    };
    // The SDKs sleep between retries without looking at the signal: race it so a deadline or a
    // cancellation ends the call at once (the abandoned attempt stops at its next request).
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => {});
    const once = async (): Promise<Completion> => {
      try {
        return await attempt();
      } catch (err) {
        // A model that takes no `temperature` (or wants the other token-limit name): once more without it.
        const param = unsupportedParameter(err, Sdk);
        if (!param || this.refused.has(param)) throw err;
        this.refused.add(param);
        return attempt();
      }
    };
    // The SDKs retry statuses, not bodies: a truncated or non-JSON answer gets the same budget here.
    const run = async (): Promise<Completion> => {
      for (let retry = 0; ; retry++) {
        try {
          return await once();
        } catch (err) {
          if (!isMalformed(err)) throw err;
          if (retry >= maxRetries || signal.aborted) throw this.malformed(err, state);
          await new Promise((resolve) => setTimeout(resolve, malformedBackoffMs(retry)));
        }
      }
    };
    const running = run();
    running.catch(() => {});
    try {
      const partial = await Promise.race([running, aborted]);
      return { ...partial, provider: this.settings.provider, seconds: (Date.now() - started) / 1000, attempts: state.attempts };
    } catch (err) {
      if (signal.aborted && !(err instanceof ApiError)) {
        if (req.signal?.aborted) throw err instanceof Error ? err : new Error(String(err));
        throw new ApiError(this.apiName, 0, `${this.apiName} gave no answer within ${secondsText(deadlineMs)} (${state.attempts} ${state.attempts === 1 ? 'request' : 'requests'}, retries included)`);
      }
      throw this.wrap(err, state, Sdk);
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  }

  private async completeOpenAi(client: OpenAI, req: LlmRequest, temperature: number | undefined, maxTokens: number | undefined, signal: AbortSignal): Promise<Completion> {
    // The official API wants max_completion_tokens (max_tokens is refused by reasoning models);
    // OpenAI-compatible servers (Ollama, vLLM, …) know max_tokens. A server that refuses one gets the other.
    let useCompletionTokens = !this.settings.baseUrl;
    if (this.refused.has('max_tokens')) useCompletionTokens = true;
    if (this.refused.has('max_completion_tokens')) useCompletionTokens = false;
    const tokenLimit = maxTokens === undefined ? {} : useCompletionTokens ? { max_completion_tokens: maxTokens } : { max_tokens: maxTokens };
    const raw: unknown = await client.chat.completions.create(
      {
        model: this.settings.model,
        messages: [
          { role: 'system', content: req.system },
          { role: 'user', content: req.user },
          ...(req.followUp ?? []).map((t) => ({ role: t.role, content: t.content })),
        ],
        ...(temperature !== undefined ? { temperature } : {}),
        ...tokenLimit,
      },
      { signal },
    );
    const parsed = openAiResponseSchema.safeParse(raw);
    if (!parsed.success) throw new MalformedAnswer(parsed.error.issues[0]?.message ?? 'invalid');
    const choice = parsed.data.choices[0];
    const text = choice?.message?.content ?? '';
    if (!text.trim()) {
      throw new ApiError('OpenAI', 200, `OpenAI returned no text (finish_reason ${choice?.finish_reason ?? 'unknown'})`);
    }
    return {
      text,
      model: parsed.data.model || this.settings.model,
      input_tokens: parsed.data.usage?.prompt_tokens ?? null,
      output_tokens: parsed.data.usage?.completion_tokens ?? null,
      truncated: choice?.finish_reason === 'length',
    };
  }

  private async completeAnthropic(client: Anthropic, req: LlmRequest, temperature: number | undefined, maxTokens: number, signal: AbortSignal): Promise<Completion> {
    const raw: unknown = await client.messages.create(
      {
        model: this.settings.model,
        max_tokens: maxTokens,
        system: req.system,
        messages: [{ role: 'user', content: req.user }, ...(req.followUp ?? []).map((t) => ({ role: t.role, content: t.content }))],
        ...(temperature !== undefined ? { temperature } : {}),
      },
      { signal },
    );
    const parsed = anthropicResponseSchema.safeParse(raw);
    if (!parsed.success) throw new MalformedAnswer(parsed.error.issues[0]?.message ?? 'invalid');
    const text = parsed.data.content
      .filter((b) => b.type === 'text' && typeof b.text === 'string')
      .map((b) => b.text)
      .join('');
    if (!text.trim()) {
      throw new ApiError('Anthropic', 200, `Anthropic returned no text (stop_reason ${parsed.data.stop_reason ?? 'unknown'})`);
    }
    return {
      text,
      model: parsed.data.model || this.settings.model,
      input_tokens: parsed.data.usage?.input_tokens ?? null,
      output_tokens: parsed.data.usage?.output_tokens ?? null,
      truncated: parsed.data.stop_reason === 'max_tokens',
    };
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
    return out.replace(/\b(sk-(?:ant-)?[A-Za-z0-9_*-]{3})[A-Za-z0-9_*-]+/g, '$1***');
  }

  private wrap(err: unknown, state: CallState, sdk: SdkClass): Error {
    if (err instanceof ApiError || err instanceof ValidationError) return err;
    const api = this.apiName;
    const tries = state.attempts > 1 ? ` (after ${state.attempts} requests)` : '';
    if (err instanceof sdk.APIConnectionError) {
      const where = this.settings.baseUrl ?? (this.settings.provider === 'openai' ? 'https://api.openai.com' : 'https://api.anthropic.com');
      const timedOut = err instanceof sdk.APIConnectionTimeoutError;
      const what = timedOut ? `request timed out after ${secondsText(this.settings.timeoutMs ?? DEFAULT_TIMEOUT_MS)}` : this.scrub(err.message);
      return new ApiError(api, 0, `cannot reach ${api} at ${this.scrub(where)}: ${what}${tries}`);
    }
    if (err instanceof sdk.APIError) {
      const status = typeof err.status === 'number' ? err.status : 0;
      const body = err.error as { message?: unknown; error?: { message?: unknown; type?: unknown }; code?: unknown; type?: unknown } | undefined;
      const providerMessage =
        (typeof body?.error?.message === 'string' && body.error.message) ||
        (typeof body?.message === 'string' && body.message) ||
        err.message;
      const code = typeof body?.code === 'string' ? body.code : typeof body?.error?.type === 'string' ? body.error.type : typeof body?.type === 'string' ? body.type : '';
      const codeText = code && !providerMessage.includes(code) ? ` [${code}]` : '';
      const refused =
        state.refusedWaitMs !== null ? `; it asked to wait ${Math.ceil(state.refusedWaitMs / 1000)} s, past this report's deadline` : '';
      return new ApiError(api, status, this.scrub(`${api} ${status}: ${providerMessage}${codeText}${tries}${refused}`));
    }
    const message = err instanceof Error ? err.message : String(err);
    return new ApiError(api, 0, this.scrub(`${api} request failed: ${message}${tries}`));
  }
}
