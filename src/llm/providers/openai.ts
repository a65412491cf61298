/**
 * OpenAI Chat Completions, through the official SDK: api.openai.com or any OpenAI-compatible server
 * (Ollama, vLLM, llama.cpp, LM Studio) at OPENAI_BASE_URL, which may need no key.
 */
import type OpenAI from 'openai';
import { defineProvider, MalformedAnswer, sdkFailure, type CompletionCall, type Completion } from '../provider.js';

/** `http://host:11434` and `http://host:11434/v1/` both become `http://host:11434/v1`. */
export function normaliseOpenAiBase(base: string): string {
  const trimmed = base.trim().replace(/\/+$/, '');
  return /\/v1$/.test(trimmed) ? trimmed : `${trimmed}/v1`;
}


/**
 * The official API wants max_completion_tokens (max_tokens is refused by reasoning models);
 * OpenAI-compatible servers know max_tokens. A server that refused one gets the other.
 */
function tokenLimit(call: CompletionCall, compatible: boolean): Record<string, number> {
  if (call.maxTokens === undefined) return {};
  let completionTokens = !compatible;
  if (call.refused.has('max_tokens')) completionTokens = true;
  if (call.refused.has('max_completion_tokens')) completionTokens = false;
  return completionTokens ? { max_completion_tokens: call.maxTokens } : { max_tokens: call.maxTokens };
}

async function complete(client: OpenAI, call: CompletionCall, compatible: boolean): Promise<Completion> {
  const raw: unknown = await client.chat.completions.create(
    {
      model: call.model,
      messages: [{ role: 'system', content: call.system }, ...call.turns.map((t) => ({ role: t.role, content: t.content }))],
      ...(call.temperature !== undefined ? { temperature: call.temperature } : {}),
      ...tokenLimit(call, compatible),
    },
    { signal: call.signal },
  );
  // The schema comes with the first answer, not with the registry: `--help` lists providers without loading zod.
  const { responseSchema } = await import('./openai-answer.js');
  const parsed = responseSchema.safeParse(raw);
  if (!parsed.success) throw new MalformedAnswer(parsed.error.issues[0]?.message ?? 'invalid');
  const choice = parsed.data.choices[0];
  return {
    text: choice?.message?.content ?? '',
    model: parsed.data.model || call.model,
    input_tokens: parsed.data.usage?.prompt_tokens ?? null,
    output_tokens: parsed.data.usage?.completion_tokens ?? null,
    truncated: choice?.finish_reason === 'length',
    stop: `finish_reason ${choice?.finish_reason ?? 'unknown'}`,
  };
}

export const openai = defineProvider({
  name: 'openai',
  defaultModel: 'gpt-4.1-mini',
  keyVariable: 'OPENAI_API_KEY',
  keyFix: 'copy the key from your OpenAI (or compatible) account again',
  baseUrlVariable: 'OPENAI_BASE_URL',
  baseUrlFix: 'use a URL like http://localhost:11434/v1, or unset it for api.openai.com',
  defaultBaseUrl: 'https://api.openai.com',
  envPrefix: 'OPENAI_',
  keylessWithBaseUrl: true,
  keyPrefix: 'sk-',
  serverName: () => 'OpenAI',
  async connect(options) {
    const { default: Sdk } = await import('openai');
    const client = new Sdk({
      apiKey: options.apiKey,
      maxRetries: options.maxRetries,
      timeout: options.timeoutMs,
      fetch: options.fetch,
      ...(options.baseUrl ? { baseURL: normaliseOpenAiBase(options.baseUrl) } : {}),
    });
    return {
      complete: (call) => complete(client, call, options.baseUrl !== undefined),
      failure: (error) => sdkFailure(Sdk, error),
    };
  },
});
