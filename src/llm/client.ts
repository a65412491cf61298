/**
 * One LLM completion through the official SDKs: OpenAI Chat Completions (and every
 * OpenAI-compatible server) or Anthropic Messages. Bounded SDK retries; failures become
 * `ApiError('OpenAI' | 'Anthropic', status, …)` with no key in the message.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { z } from 'zod';
import { ApiError, ValidationError } from '../errors.js';

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
}

export interface LlmRequest {
  system: string;
  user: string;
  maxTokens?: number;
  temperature?: number;
}

export interface LlmConfig {
  provider?: string;
  model?: string;
  temperature?: number;
  max_tokens?: number;
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

const env1 = (env: NodeJS.ProcessEnv, name: string): string | undefined => {
  const v = env[name]?.trim();
  return v ? v : undefined;
};

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
  if (config?.temperature !== undefined) settings.temperature = config.temperature;
  if (config?.max_tokens !== undefined) settings.maxTokens = config.max_tokens;
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

/**
 * fetch that marks a 429 `insufficient_quota` answer as not retryable (`x-should-retry: false`,
 * which both SDKs obey): waiting does not refill a billing quota.
 */
const quotaAwareFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
  const res = await fetch(input, init);
  if (res.status !== 429) return res;
  const text = await res.text();
  const headers = new Headers(res.headers);
  headers.delete('content-encoding');
  headers.delete('content-length');
  if (/insufficient_quota/.test(text)) headers.set('x-should-retry', 'false');
  return new Response(text, { status: res.status, statusText: res.statusText, headers });
};

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

export class LlmClient {
  private readonly openai?: OpenAI;
  private readonly anthropic?: Anthropic;
  private readonly apiName: string;

  constructor(
    readonly settings: LlmSettings,
    private readonly apiKey: string,
  ) {
    this.apiName = API_NAME[settings.provider];
    const common = {
      apiKey,
      maxRetries: settings.maxRetries ?? DEFAULT_MAX_RETRIES,
      timeout: settings.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      fetch: quotaAwareFetch,
    };
    if (settings.provider === 'openai') {
      this.openai = new OpenAI({ ...common, ...(settings.baseUrl ? { baseURL: normaliseOpenAiBase(settings.baseUrl) } : {}) });
    } else {
      this.anthropic = new Anthropic({ ...common, ...(settings.baseUrl ? { baseURL: normaliseAnthropicBase(settings.baseUrl) } : {}) });
    }
  }

  async complete(req: LlmRequest): Promise<LlmResult> {
    const started = Date.now();
    const temperature = req.temperature ?? this.settings.temperature;
    const maxTokens = req.maxTokens ?? this.settings.maxTokens;
    try {
      const partial = this.openai
        ? await this.completeOpenAi(this.openai, req, temperature, maxTokens)
        : await this.completeAnthropic(this.anthropic as Anthropic, req, temperature, maxTokens ?? DEFAULT_MAX_TOKENS);
      return { ...partial, provider: this.settings.provider, seconds: (Date.now() - started) / 1000 };
    } catch (err) {
      throw this.wrap(err);
    }
  }

  private async completeOpenAi(client: OpenAI, req: LlmRequest, temperature: number | undefined, maxTokens: number | undefined) {
    // The official API wants max_completion_tokens (max_tokens is refused by reasoning models);
    // OpenAI-compatible servers (Ollama, vLLM, …) know max_tokens.
    const tokenLimit =
      maxTokens === undefined ? {} : this.settings.baseUrl ? { max_tokens: maxTokens } : { max_completion_tokens: maxTokens };
    const raw: unknown = await client.chat.completions.create({
      model: this.settings.model,
      messages: [
        { role: 'system', content: req.system },
        { role: 'user', content: req.user },
      ],
      ...(temperature !== undefined ? { temperature } : {}),
      ...tokenLimit,
    });
    const parsed = openAiResponseSchema.safeParse(raw);
    if (!parsed.success) throw new ApiError('OpenAI', 200, `OpenAI returned an unexpected response: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
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
    };
  }

  private async completeAnthropic(client: Anthropic, req: LlmRequest, temperature: number | undefined, maxTokens: number) {
    const raw: unknown = await client.messages.create({
      model: this.settings.model,
      max_tokens: maxTokens,
      system: req.system,
      messages: [{ role: 'user', content: req.user }],
      ...(temperature !== undefined ? { temperature } : {}),
    });
    const parsed = anthropicResponseSchema.safeParse(raw);
    if (!parsed.success) {
      throw new ApiError('Anthropic', 200, `Anthropic returned an unexpected response: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    }
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
    };
  }

  /** Remove the key (and anything that looks like one) from a provider message. */
  private scrub(message: string): string {
    let out = message;
    if (this.apiKey && this.apiKey !== NO_KEY) out = out.split(this.apiKey).join('***');
    return out.replace(/\b(sk-(?:ant-)?[A-Za-z0-9_*-]{3})[A-Za-z0-9_*-]+/g, '$1***');
  }

  private wrap(err: unknown): Error {
    if (err instanceof ApiError || err instanceof ValidationError) return err;
    const api = this.apiName;
    const isConnection =
      err instanceof OpenAI.APIConnectionError || err instanceof Anthropic.APIConnectionError;
    if (isConnection) {
      const where = this.settings.baseUrl ?? (this.settings.provider === 'openai' ? 'https://api.openai.com' : 'https://api.anthropic.com');
      const timedOut = err instanceof OpenAI.APIConnectionTimeoutError || err instanceof Anthropic.APIConnectionTimeoutError;
      return new ApiError(api, 0, `cannot reach ${api} at ${this.scrub(where)}: ${timedOut ? 'request timed out' : this.scrub(err.message)}`);
    }
    if (err instanceof OpenAI.APIError || err instanceof Anthropic.APIError) {
      const status = typeof err.status === 'number' ? err.status : 0;
      const body = err.error as { message?: unknown; error?: { message?: unknown; type?: unknown }; code?: unknown; type?: unknown } | undefined;
      const providerMessage =
        (typeof body?.error?.message === 'string' && body.error.message) ||
        (typeof body?.message === 'string' && body.message) ||
        err.message;
      const code = typeof body?.code === 'string' ? body.code : typeof body?.error?.type === 'string' ? body.error.type : typeof body?.type === 'string' ? body.type : '';
      const codeText = code && !providerMessage.includes(code) ? ` [${code}]` : '';
      return new ApiError(api, status, this.scrub(`${api} ${status}: ${providerMessage}${codeText}`));
    }
    const message = err instanceof Error ? err.message : String(err);
    return new ApiError(api, 0, this.scrub(`${api} request failed: ${message}`));
  }
}
