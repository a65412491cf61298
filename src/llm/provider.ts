/**
 * What an LLM provider is (one file each under src/llm/providers/, one line each in their
 * registry): the variables it reads, its default model, how to name its server, and, once its SDK
 * is loaded, one completion and the meaning of its SDK's errors. What every provider shares (the
 * budgets, the retries of malformed answers, the refused parameters, the messages) is in
 * src/llm/client.ts.
 */

export interface LlmTurn {
  role: 'assistant' | 'user';
  content: string;
}

/** One completion as the client asks a provider for it. */
export interface CompletionCall {
  model: string;
  system: string;
  /** The user's prompt, then any later turns (the model's answer and a correction request). */
  turns: LlmTurn[];
  temperature: number | undefined;
  maxTokens: number | undefined;
  /** Parameters this model refused once (`temperature`, `max_tokens`, `max_completion_tokens`): not sent again. */
  refused: ReadonlySet<string>;
  signal: AbortSignal;
}

export interface Completion {
  text: string;
  model: string;
  input_tokens: number | null;
  output_tokens: number | null;
  /** The answer stopped at the token limit. */
  truncated: boolean;
  /** Why the answer ended, as the API says it (`finish_reason stop`): names an empty answer. */
  stop: string;
}

/** A failure of the provider's SDK, in the terms the client builds its messages from. */
export type ProviderFailure =
  | { kind: 'connection'; timedOut: boolean; message: string }
  | { kind: 'status'; status: number; /** The parsed error body, when there was one. */ body: unknown; message: string };

/** How the client wants the SDK set up for one call. */
export interface ConnectOptions {
  apiKey: string;
  /** The configured base URL, as the user wrote it (the provider normalises it). */
  baseUrl: string | undefined;
  maxRetries: number;
  timeoutMs: number;
  /** Counts requests and marks the ones not to retry: the SDK must send through it. */
  fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
}

/** One provider's SDK, loaded and set up for one call. */
export interface ProviderConnection {
  /** Throws `MalformedAnswer` for a 2xx body that is not the API's answer. */
  complete(call: CompletionCall): Promise<Completion>;
  /** What an error thrown by `complete` was, or null when it is none of the SDK's. */
  failure(error: unknown): ProviderFailure | null;
}

export interface LlmProvider<Name extends string = string, KeyVariable extends string = string, BaseUrlVariable extends string = string> {
  /** `llm.provider` and VOLT_LLM_PROVIDER: its key in the registry. */
  name: Name;
  defaultModel: string;
  /** The API key's variable, and how to fix a bad value. */
  keyVariable: KeyVariable;
  keyFix: string;
  /** The base URL's variable (unset: `defaultBaseUrl`), and how to fix a bad value. */
  baseUrlVariable: BaseUrlVariable;
  baseUrlFix: string;
  defaultBaseUrl: string;
  /** Every variable its SDK reads starts with this: they change what the workers do (the service fingerprint). */
  envPrefix: string;
  /** A base URL alone (no key) selects it: a local compatible server that needs no key. */
  keylessWithBaseUrl: boolean;
  /** How its keys begin (`sk-`): anything of that shape is masked in messages. */
  keyPrefix: string;
  /** The server's name in messages, for the base URL in use (undefined: the default). */
  serverName(baseUrl: string | undefined): string;
  /** Loads the SDK (on first use only: a run without an LLM never loads one) and sets it up. */
  connect(options: ConnectOptions): Promise<ProviderConnection>;
}

/** A 2xx answer the client cannot use (truncated, HTML, not the API's shape): retried like a 5xx. */
export class MalformedAnswer extends Error {}

/** Keeps a provider's variable names as literal types, so the environment schema knows them. */
export function defineProvider<const Name extends string, const KeyVariable extends string, const BaseUrlVariable extends string>(
  provider: LlmProvider<Name, KeyVariable, BaseUrlVariable>,
): LlmProvider<Name, KeyVariable, BaseUrlVariable> {
  return provider;
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** The error classes both official SDKs (generated the same way) export. */
export interface SdkErrors {
  APIError: ErrorClass;
  APIConnectionError: ErrorClass;
  APIConnectionTimeoutError: ErrorClass;
}

/** `failure` for an SDK with those classes. */
export function sdkFailure(sdk: SdkErrors, error: unknown): ProviderFailure | null {
  if (error instanceof sdk.APIConnectionError) {
    return { kind: 'connection', timedOut: error instanceof sdk.APIConnectionTimeoutError, message: error.message };
  }
  if (error instanceof sdk.APIError) {
    const { status, error: body } = error as Error & { status?: unknown; error?: unknown };
    return { kind: 'status', status: typeof status === 'number' ? status : 0, body, message: error.message };
  }
  return null;
}
