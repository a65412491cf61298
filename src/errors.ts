/**
 * Errors that carry meaning across the Temporal boundary.
 *
 * Activities throw these; the worker converts them to ApplicationFailure with `type` set
 * to the class name, so the workflow's retry policy (non-retryable `ValidationError`) and
 * the CLI's one-line messages can tell them apart.
 */

/** Bad input or data: retrying cannot help. Non-retryable in the workflow's retry policy. */
export class ValidationError extends Error {
  override name = 'ValidationError';
}

/** An external API answered with an error status (after bounded retries where retrying made sense). */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    /** Human name of the API: "Toggl", "Fibery", "OpenAI", "Anthropic". */
    readonly api: string,
    /** HTTP status, or 0 when the server could not be reached. */
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The API's quota is used up and frees a request only after `resetInMs`: longer than a client
 * should block, so the caller decides to wait (the Toggl fetch waits in the workflow).
 */
export class QuotaExhaustedError extends ApiError {
  override name = 'QuotaExhaustedError';
  constructor(api: string, status: number, message: string, readonly resetInMs: number) {
    super(api, status, message);
  }
}

/**
 * A named part of the environment is missing or unusable: the Temporal CLI, a Temporal server that
 * does not answer or whose TLS certificate is not trusted, no worker polling the task queue. The
 * input was fine; the fix is in the machine's setup. The CLI exits with code 3.
 */
export class EnvironmentError extends Error {
  override name = 'EnvironmentError';
}
