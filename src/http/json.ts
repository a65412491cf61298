/** Reading and validating JSON response bodies at the API boundary. */
import type { z } from 'zod';
import { ApiError } from '../errors.js';

/** A readable one-line rendering of the first few zod issues: `[0].time_entries[1].id: expected number`. */
export function describeZodError(error: z.ZodError, maxIssues = 3): string {
  const parts = error.issues.slice(0, maxIssues).map((issue) => {
    let path = '';
    for (const key of issue.path) {
      path += typeof key === 'number' ? `[${key}]` : path ? `.${String(key)}` : String(key);
    }
    return `${path || '(root)'}: ${issue.message}`;
  });
  const more = error.issues.length > maxIssues ? ` (+${error.issues.length - maxIssues} more)` : '';
  return parts.join('; ') + more;
}

/**
 * An answer that is not what the API sends when it works (a truncated or non-JSON body, a
 * transient GraphQL error): worth asking again, within the request's retry budget.
 */
export class MalformedResponse extends Error {
  override name = 'MalformedResponse';
}

/**
 * Parse `res` as JSON and validate it with `schema`. A body that is not JSON is `MalformedResponse`
 * (retried by requestWithRetry); valid JSON of the wrong shape becomes
 * `ApiError(api, status, "<api> returned an unexpected response from <what>: <issue>")`.
 */
export async function readJson<S extends z.ZodType>(
  api: string,
  res: Response,
  schema: S,
  what: string,
): Promise<z.output<S>> {
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    const start = text.replace(/\s+/g, ' ').trim().slice(0, 80);
    throw new MalformedResponse(`a body that is not JSON (${start || 'empty body'}${text.length > 80 ? '…' : ''}, ${text.length} bytes)`);
  }
  return parseBody(api, res.status, body, schema, what);
}

export function parseBody<S extends z.ZodType>(
  api: string,
  status: number,
  body: unknown,
  schema: S,
  what: string,
): z.output<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new ApiError(api, status, `${api} returned an unexpected response from ${what}: ${describeZodError(parsed.error)}`);
  }
  return parsed.data;
}
