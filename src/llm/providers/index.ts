/**
 * The LLM providers volt-agent can talk to. Their names are what `llm.provider` and
 * VOLT_LLM_PROVIDER accept; their variables are parsed by src/config/env.ts, pre-flighted,
 * fingerprinted by the background service, and their key shapes masked in messages. A provider is
 * its file plus one line here; nothing else names it. The first one whose key is set is used when
 * none is chosen. Loading this module loads no SDK.
 */
import type { LlmProvider } from '../provider.js';
import { anthropic } from './anthropic.js';
import { openai } from './openai.js';

/** Each key is its provider's name. */
function registry<const T extends Record<string, LlmProvider>>(providers: T & { [K in keyof T]: { name: K } }): T {
  return providers;
}

export const PROVIDERS = registry({
  openai,
  anthropic,
});

export type LlmProviderName = keyof typeof PROVIDERS;
export type AnyLlmProvider = (typeof PROVIDERS)[LlmProviderName];

export const LLM_PROVIDER_NAMES = Object.keys(PROVIDERS) as [LlmProviderName, ...LlmProviderName[]];

/** Every provider, in the registry's order. */
export const providerList = (): AnyLlmProvider[] => LLM_PROVIDER_NAMES.map((name) => PROVIDERS[name]);

/** The environment variables of every provider (keys and base URLs). */
export type LlmVariableName = AnyLlmProvider['keyVariable'] | AnyLlmProvider['baseUrlVariable'];

export function isProviderName(name: string): name is LlmProviderName {
  return Object.hasOwn(PROVIDERS, name);
}
