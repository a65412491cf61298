/**
 * What an API's refusal means for the person at the terminal, in one line: a token the API
 * rejects (401/403) names the variable to fix; a server that cannot be reached names the URL.
 * Shared by `init`, `doctor` and the run's own check of the Toggl token and `--users`.
 */
import { ApiError } from '../errors.js';

const TOKEN_VARIABLE: Record<string, string> = { Toggl: 'TOGGL_API_TOKEN', Fibery: 'FIBERY_API_TOKEN', OpenAI: 'OPENAI_API_KEY', Anthropic: 'ANTHROPIC_API_KEY' };
const URL_VARIABLE: Record<string, string> = { Toggl: 'TOGGL_API_URL', Fibery: 'FIBERY_API_URL or FIBERY_WORKSPACE', OpenAI: 'OPENAI_BASE_URL', Anthropic: 'ANTHROPIC_BASE_URL' };

export function rejectedToken(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 401 || error.status === 403);
}

/**
 * Whether the API said the token itself is wrong: a 401, or Toggl's 403 "Incorrect username and/or
 * password" (a 403 can also mean a token that may not see a workspace or its users list).
 */
export function wrongToken(error: unknown): boolean {
  if (!(error instanceof ApiError)) return false;
  return error.status === 401 || (error.status === 403 && /incorrect username|password|invalid (api )?token/i.test(error.message));
}

export function unreachable(error: unknown): boolean {
  return error instanceof ApiError && error.status === 0;
}

/** `Toggl rejected the token in TOGGL_API_TOKEN (HTTP 401): …`, or null when the error is not about access. */
export function accessProblem(error: unknown, what = ''): string | null {
  if (!(error instanceof ApiError)) return null;
  const variable = TOKEN_VARIABLE[error.api] ?? `the ${error.api} token`;
  if (rejectedToken(error) && error.api === 'Toggl' && !wrongToken(error)) {
    return `Toggl refused the workspace in TOGGL_WORKSPACE_ID to the token in TOGGL_API_TOKEN (HTTP 403${what ? ` for ${what}` : ''}): check both (the workspace id is in the URL of Toggl's reports)`;
  }
  if (rejectedToken(error)) {
    return `${error.api} rejected the token in ${variable} (HTTP ${error.status}${what ? ` for ${what}` : ''}): set a valid token (${error.api === 'Toggl' ? 'Toggl: Profile settings → API Token' : `see README "Running it on your team"`})`;
  }
  if (unreachable(error)) return `${error.message}: check the network or ${URL_VARIABLE[error.api] ?? 'the API URL'}`;
  return null;
}
