/**
 * What an LLM endpoint is, in words a user recognises: "OpenAI" for the hosted API, "the
 * OpenAI-compatible server at 127.0.0.1:8088" for anything else spoken to through the same wire
 * format (Ollama, llama.cpp, LM Studio, vLLM, a proxy), so an error names the server that failed.
 */
export interface EndpointSettings {
  /** The provider's own name: "OpenAI". */
  name: string;
  /** Its hosted API: "https://api.openai.com". */
  defaultBaseUrl: string;
  /** The configured base URL, if any. */
  baseUrl?: string | undefined;
}

export interface Endpoint {
  /** "OpenAI", or "the OpenAI-compatible server at 127.0.0.1:8088". */
  label: string;
  /** The URL it is reached at, for "cannot reach … at …". */
  url: string;
  hosted: boolean;
}

const hostOf = (url: string): string => {
  try {
    return new URL(url).host;
  } catch {
    return url; // an unparsable URL is named as written
  }
};

export function endpointOf(settings: EndpointSettings): Endpoint {
  if (!settings.baseUrl || hostOf(settings.baseUrl) === hostOf(settings.defaultBaseUrl)) {
    return { label: settings.name, url: settings.baseUrl ?? settings.defaultBaseUrl, hosted: true };
  }
  return { label: `the ${settings.name}-compatible server at ${hostOf(settings.baseUrl)}`, url: settings.baseUrl, hosted: false };
}

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(ms < 10_000 ? 1 : 0))} s`;

/** A connection that failed or a request that timed out, naming the endpoint. */
export function unreachable(endpoint: Endpoint, failure: { timedOutMs: number | null; detail: string; tries: string }): string {
  if (failure.timedOutMs !== null) return `${capitalise(endpoint.label)} did not answer within ${seconds(failure.timedOutMs)}${failure.tries}`;
  return endpoint.hosted ? `cannot reach ${endpoint.label} at ${endpoint.url}: ${failure.detail}${failure.tries}` : `cannot reach ${endpoint.label}: ${failure.detail}${failure.tries}`;
}

/** The report's deadline ended the call. */
export function noAnswer(endpoint: Endpoint, deadlineMs: number, attempts: number): string {
  return `${capitalise(endpoint.label)} gave no answer within ${seconds(deadlineMs)} (${attempts} ${attempts === 1 ? 'request' : 'requests'}, retries included)`;
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
