/**
 * Toggl Track client: workspace users (Track API v9) and detailed time entries (Reports API v3).
 * See /work/shared/facts/apis.md for the wire format.
 */
import { z } from 'zod';
import { ApiError, ValidationError } from '../errors.js';
import { readJson } from '../http/json.js';
import { basicAuth, requestWithRetry, type RetryInfo } from '../http/request.js';
import { addDays, assertIsoDate, splitDateRange } from './dates.js';

export interface TogglClientOptions {
  apiToken: string;
  workspaceId: string;
  /** Default https://api.track.toggl.com */
  baseUrl?: string;
  /** Rows per page of the detailed report (default 50). */
  pageSize?: number;
  /** Longest date range sent in one search (default 31 days). */
  chunkDays?: number;
  maxRetries?: number;
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (info: RetryInfo) => void;
  timeoutMs?: number;
  /** Aborts every request (and retry wait) of this client: the activity's cancellation. */
  signal?: AbortSignal;
}

export interface TogglUser {
  id: number;
  email: string;
  name: string;
}

export interface TogglTimeEntry {
  id: number;
  user_id: number;
  user_name: string | null;
  user_email: string | null;
  description: string;
  project_id: number | null;
  project_name: string | null;
  client_name: string | null;
  tags: string[];
  start: string;
  stop: string | null;
  /** As the API reported it; may be negative or 0 for running entries. */
  seconds: number;
}

export interface TogglSearchQuery {
  startDate: string;
  /** Inclusive. */
  endDate: string;
  userIds?: number[];
}

const API = 'Toggl';
const MAX_PAGES = 10_000;

const userSchema = z.object({
  id: z.number(),
  email: z.string().nullish(),
  fullname: z.string().nullish(),
});
const usersSchema = z.array(userSchema);

const singleEntrySchema = z.object({
  id: z.number(),
  seconds: z.number().nullish(),
  start: z.string(),
  stop: z.string().nullish(),
  at: z.string().nullish(),
});
const rowSchema = z.object({
  user_id: z.number(),
  username: z.string().nullish(),
  email: z.string().nullish(),
  project_id: z.number().nullish(),
  project_name: z.string().nullish(),
  client_name: z.string().nullish(),
  description: z.string().nullish(),
  tag_names: z.array(z.string()).nullish(),
  time_entries: z.array(singleEntrySchema).nullish(),
});
type Row = z.output<typeof rowSchema>;
/** A bare array of rows; `null` is tolerated as "no rows". */
const searchSchema = z.array(rowSchema).nullable();

function flattenRow(row: Row): TogglTimeEntry[] {
  return (row.time_entries ?? []).map((te) => ({
    id: te.id,
    user_id: row.user_id,
    user_name: row.username ?? null,
    user_email: row.email ?? null,
    description: row.description ?? '',
    project_id: row.project_id ?? null,
    project_name: row.project_name ?? null,
    client_name: row.client_name ?? null,
    tags: row.tag_names ?? [],
    start: te.start,
    stop: te.stop ?? null,
    seconds: te.seconds ?? 0,
  }));
}

export class TogglClient {
  /** HTTP requests made so far (every attempt, retries included). */
  requestCount = 0;

  private readonly baseUrl: string;
  private readonly workspaceId: string;
  private readonly pageSize: number;
  private readonly chunkDays: number;
  private readonly auth: string;

  constructor(private readonly opts: TogglClientOptions) {
    if (!/^\d+$/.test(opts.workspaceId)) {
      throw new ValidationError(`Toggl workspace id must be digits, got "${opts.workspaceId}"`);
    }
    if (!opts.apiToken) throw new ValidationError('Toggl API token is empty');
    this.workspaceId = opts.workspaceId;
    this.baseUrl = (opts.baseUrl ?? 'https://api.track.toggl.com').replace(/\/+$/, '');
    this.pageSize = opts.pageSize ?? 50;
    this.chunkDays = opts.chunkDays ?? 31;
    if (!Number.isInteger(this.pageSize) || this.pageSize < 1) throw new ValidationError('Toggl pageSize must be a positive integer');
    if (!Number.isInteger(this.chunkDays) || this.chunkDays < 1) throw new ValidationError('Toggl chunkDays must be a positive integer');
    this.auth = basicAuth(opts.apiToken, 'api_token');
  }

  private request(path: string, init: RequestInit): Promise<Response> {
    return requestWithRetry({
      api: API,
      url: `${this.baseUrl}${path}`,
      init: {
        ...init,
        ...(this.opts.signal ? { signal: this.opts.signal } : {}),
        headers: { Authorization: this.auth, Accept: 'application/json', ...(init.body ? { 'Content-Type': 'application/json' } : {}) },
      },
      maxRetries: this.opts.maxRetries,
      sleep: this.opts.sleep,
      onRetry: this.opts.onRetry,
      timeoutMs: this.opts.timeoutMs,
      onAttempt: () => {
        this.requestCount++;
      },
    });
  }

  /** Users of the workspace; `id` is the global user id that report rows carry as `user_id`. */
  async listWorkspaceUsers(): Promise<TogglUser[]> {
    const path = `/api/v9/workspaces/${this.workspaceId}/users`;
    const res = await this.request(path, { method: 'GET' });
    const users = await readJson(API, res, usersSchema, `GET ${path}`);
    return users.map((u) => ({ id: u.id, email: u.email ?? '', name: u.fullname || u.email || String(u.id) }));
  }

  /**
   * Detailed time entries whose local start date lies in [startDate, endDate] (inclusive),
   * fetched in chunks of at most `chunkDays` days, every page followed, de-duplicated by id.
   */
  async searchTimeEntries(q: TogglSearchQuery): Promise<TogglTimeEntry[]> {
    assertIsoDate(q.startDate, 'startDate');
    assertIsoDate(q.endDate, 'endDate');
    if (q.endDate < q.startDate) {
      throw new ValidationError(`endDate ${q.endDate} is before startDate ${q.startDate}`);
    }
    const seen = new Set<number>();
    const out: TogglTimeEntry[] = [];
    for (const chunk of splitDateRange(q.startDate, q.endDate, this.chunkDays)) {
      for (const entry of await this.searchChunk(chunk.start, chunk.end, q.userIds)) {
        const day = entry.start.slice(0, 10);
        if (day < chunk.start || day > chunk.end || seen.has(entry.id)) continue;
        seen.add(entry.id);
        out.push(entry);
      }
    }
    return out;
  }

  /** All pages for one chunk; the API is asked for [start, end + 1 day] because end must exceed start. */
  private async searchChunk(start: string, end: string, userIds?: number[]): Promise<TogglTimeEntry[]> {
    const path = `/reports/api/v3/workspace/${this.workspaceId}/search/time_entries`;
    const entries: TogglTimeEntry[] = [];
    let cursor: { first_row_number: number; first_timestamp?: number | string } | undefined;
    for (let page = 1; ; page++) {
      if (page > MAX_PAGES) {
        throw new ApiError(API, 200, `Toggl pagination did not end after ${MAX_PAGES} pages for ${start}..${end}; giving up`);
      }
      const body: Record<string, unknown> = {
        start_date: start,
        end_date: addDays(end, 1),
        page_size: this.pageSize,
        order_by: 'date',
        order_dir: 'ASC',
        enrich_response: true,
        ...(userIds && userIds.length > 0 ? { user_ids: userIds } : {}),
        ...(cursor ?? {}),
      };
      const res = await this.request(path, { method: 'POST', body: JSON.stringify(body) });
      const rows = (await readJson(API, res, searchSchema, `POST ${path}`)) ?? [];
      for (const row of rows) entries.push(...flattenRow(row));

      const nextRow = res.headers.get('x-next-row-number')?.trim();
      if (!nextRow) return entries;
      const next = Number(nextRow);
      if (!Number.isSafeInteger(next)) {
        throw new ApiError(API, res.status, `Toggl sent an invalid X-Next-Row-Number header "${nextRow.slice(0, 40)}"`);
      }
      if (cursor && next <= cursor.first_row_number) {
        throw new ApiError(
          API,
          res.status,
          `Toggl pagination is not advancing (X-Next-Row-Number ${next} after ${cursor.first_row_number}) for ${start}..${end}`,
        );
      }
      const nextTs = res.headers.get('x-next-timestamp')?.trim();
      cursor = { first_row_number: next };
      if (nextTs) cursor.first_timestamp = /^\d+$/.test(nextTs) ? Number(nextTs) : nextTs;
    }
  }
}
