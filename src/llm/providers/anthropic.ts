/** Anthropic Messages, through the official SDK. */
import type Anthropic from '@anthropic-ai/sdk';
import { defineProvider, MalformedAnswer, sdkFailure, type CompletionCall, type Completion } from '../provider.js';

/** The API requires max_tokens; this when nothing sets it. */
const DEFAULT_MAX_TOKENS = 4096;

/** The SDK appends `/v1/messages` itself. */
export function normaliseAnthropicBase(base: string): string {
  return base.trim().replace(/\/+$/, '').replace(/\/v1$/, '');
}


async function complete(client: Anthropic, call: CompletionCall): Promise<Completion> {
  const raw: unknown = await client.messages.create(
    {
      model: call.model,
      max_tokens: call.maxTokens ?? DEFAULT_MAX_TOKENS,
      system: call.system,
      messages: call.turns.map((t) => ({ role: t.role, content: t.content })),
      ...(call.temperature !== undefined ? { temperature: call.temperature } : {}),
    },
    { signal: call.signal },
  );
  // The schema comes with the first answer, not with the registry: `--help` lists providers without loading zod.
  const { responseSchema } = await import('./anthropic-answer.js');
  const parsed = responseSchema.safeParse(raw);
  if (!parsed.success) throw new MalformedAnswer(parsed.error.issues[0]?.message ?? 'invalid');
  return {
    text: parsed.data.content
      .filter((b) => b.type === 'text' && typeof b.text === 'string')
      .map((b) => b.text)
      .join(''),
    model: parsed.data.model || call.model,
    input_tokens: parsed.data.usage?.input_tokens ?? null,
    output_tokens: parsed.data.usage?.output_tokens ?? null,
    truncated: parsed.data.stop_reason === 'max_tokens',
    stop: `stop_reason ${parsed.data.stop_reason ?? 'unknown'}`,
  };
}

export const anthropic = defineProvider({
  name: 'anthropic',
  defaultModel: 'claude-sonnet-4-5',
  keyVariable: 'ANTHROPIC_API_KEY',
  keyFix: 'copy the key from console.anthropic.com again',
  baseUrlVariable: 'ANTHROPIC_BASE_URL',
  baseUrlFix: 'use a URL like https://api.anthropic.com, or unset it',
  defaultBaseUrl: 'https://api.anthropic.com',
  envPrefix: 'ANTHROPIC_',
  keylessWithBaseUrl: false,
  keyPrefix: 'sk-ant-',
  serverName: () => 'Anthropic',
  async connect(options) {
    const { default: Sdk } = await import('@anthropic-ai/sdk');
    const client = new Sdk({
      apiKey: options.apiKey,
      maxRetries: options.maxRetries,
      timeout: options.timeoutMs,
      fetch: options.fetch,
      ...(options.baseUrl ? { baseURL: normaliseAnthropicBase(options.baseUrl) } : {}),
    });
    return {
      complete: (call) => complete(client, call),
      failure: (error) => sdkFailure(Sdk, error),
    };
  },
});
