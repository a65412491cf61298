/**
 * Toggl Track client: workspace users (Track API v9) and detailed time entries (Reports API v3).
 * See /work/shared/facts/apis.md for the wire format.
 */
import { z } from 'zod';
import { ApiError, QuotaExhaustedError, ValidationError } from '../errors.js';
import { readJson } from '../http/json.js';
import { paceApi } from '../http/pacer.js';
import { API_BUDGETS } from '../http/budgets.js';
import { basicAuth, requestWithRetry, type RetryInfo } from '../http/request.js';
import { assertIsoDate } from './dates.js';
import { afterPage, chunkRequest, initialFetchState, inRange, type PageAnswer, type TogglCursor, type TogglFetchState } from './fetch-plan.js';

export interface TogglClientOptions {
  apiToken: string;
  workspaceId: string;
  /** Default https://api.track.toggl.com */
  baseUrl?: string;
  /** Rows per page asked of the detailed report; the API applies what it serves (X-Page-Size). */
  pageSize?: number;
  /** Requests per second for this token, shared by every client of the process (default 1). */
  requestsPerSecond?: number;
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
  /** Longest date range one request may cover, both ends counted (default 366). */
  maxRangeDays?: number;
}

/** One page of the detailed report and what its headers said. */
export interface TogglPage extends PageAnswer {
  entries: TogglTimeEntry[];
}

const API = 'Toggl';
const MAX_PAGES = 100_000;
/** The largest page known to be served: 3P clients ask for 1000; the API says what it applied. */
export const DEFAULT_PAGE_SIZE = 1000;

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
  private readonly auth: string;
  private readonly pace: (signal?: AbortSignal) => Promise<void>;

  constructor(private readonly opts: TogglClientOptions) {
    if (!/^\d+$/.test(opts.workspaceId)) {
      throw new ValidationError(`Toggl workspace id must be digits, got "${opts.workspaceId}"`);
    }
    if (!opts.apiToken) throw new ValidationError('Toggl API token is empty');
    this.workspaceId = opts.workspaceId;
    this.baseUrl = (opts.baseUrl ?? 'https://api.track.toggl.com').replace(/\/+$/, '');
    this.pageSize = opts.pageSize ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(this.pageSize) || this.pageSize < 1) throw new ValidationError('Toggl pageSize must be a positive integer');
    const rate = opts.requestsPerSecond ?? API_BUDGETS.toggl.perToken;
    if (!(rate > 0)) throw new ValidationError('Toggl requestsPerSecond must be positive');
    this.pace = paceApi('toggl', { token: opts.apiToken }, { requests_per_second: rate });
    this.auth = basicAuth(opts.apiToken, 'api_token');
  }

  private request<T>(path: string, init: RequestInit, read: (res: Response) => Promise<T>, onQuota: 'wait' | 'throw' = 'wait'): Promise<T> {
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
      pace: this.pace,
      read,
      onQuota,
      // The users list waits out a used-up quota here (its activity heartbeats meanwhile).
      maxDelayMs: onQuota === 'wait' ? 3_600_000 : undefined,
      onAttempt: () => {
        this.requestCount++;
      },
    });
  }

  /** Users of the workspace; `id` is the global user id that report rows carry as `user_id`. */
  async listWorkspaceUsers(): Promise<TogglUser[]> {
    const path = `/api/v9/workspaces/${this.workspaceId}/users`;
    const users = await this.request(path, { method: 'GET' }, (res) => readJson(API, res, usersSchema, `GET ${path}`));
    return users.map((u) => ({ id: u.id, email: u.email ?? '', name: u.fullname || u.email || String(u.id) }));
  }

  /**
   * The workspace's users with what the answer's headers say of the hourly quota: one request
   * that proves the token and the workspace id, for `volt-agent doctor` and a run's own check.
   */
  async workspaceAccess(): Promise<{ users: TogglUser[]; quota_remaining: number | null; quota_reset_ms: number | null }> {
    const path = `/api/v9/workspaces/${this.workspaceId}/users`;
    const answer = await this.request(path, { method: 'GET' }, async (res) => ({ users: await readJson(API, res, usersSchema, `GET ${path}`), headers: res.headers }), 'throw');
    return {
      users: answer.users.map((u) => ({ id: u.id, email: u.email ?? '', name: u.fullname || u.email || String(u.id) })),
      quota_remaining: intHeader(answer.headers, 'x-toggl-quota-remaining'),
      quota_reset_ms: secondsHeaderMs(answer.headers, 'x-toggl-quota-resets-in'),
    };
  }

  /** One page of the detailed report for the fetch's current chunk and cursor. */
  async searchPage(state: TogglFetchState): Promise<TogglPage> {
    const path = `/reports/api/v3/workspace/${this.workspaceId}/search/time_entries`;
    const body: Record<string, unknown> = {
      ...chunkRequest(state),
      page_size: this.pageSize,
      order_by: 'date',
      order_dir: 'ASC',
      enrich_response: true,
      ...(state.user_ids && state.user_ids.length > 0 ? { user_ids: state.user_ids } : {}),
      ...(state.cursor ?? {}),
    };
    const before = this.requestCount;
    // A used-up quota is the fetch's to wait for, on a workflow timer the progress shows.
    const page = await this.request(path, { method: 'POST', body: JSON.stringify(body) }, async (res) => {
      const rows = (await readJson(API, res, searchSchema, `POST ${path}`)) ?? [];
      return { entries: rows.flatMap(flattenRow), headers: res.headers };
    }, 'throw');
    const next = nextCursor(page.headers, state.cursor);
    return {
      entries: page.entries,
      dates: page.entries.map((e) => e.start.slice(0, 10)),
      next,
      next_timestamp: next?.first_timestamp ?? null,
      page_size: intHeader(page.headers, 'x-page-size'),
      range_end: page.headers.get('x-range-end')?.trim().slice(0, 10) || null,
      quota_remaining: intHeader(page.headers, 'x-toggl-quota-remaining'),
      quota_reset_ms: secondsHeaderMs(page.headers, 'x-toggl-quota-resets-in'),
      requests: this.requestCount - before,
    };
  }

  /**
   * Detailed time entries whose local start date lies in [startDate, endDate] (inclusive): every
   * chunk and page in one call, de-duplicated by id. The pipeline fetches page by page instead
   * (src/activities/toggl-activities.ts), to checkpoint; this is the same walk in memory.
   */
  async searchTimeEntries(q: TogglSearchQuery): Promise<TogglTimeEntry[]> {
    assertIsoDate(q.startDate, 'startDate');
    assertIsoDate(q.endDate, 'endDate');
    if (q.endDate < q.startDate) {
      throw new ValidationError(`endDate ${q.endDate} is before startDate ${q.startDate}`);
    }
    let state = initialFetchState({ start: q.startDate, end: q.endDate }, q.maxRangeDays ?? 366, q.userIds ?? null);
    const seen = new Set<number>();
    const out: TogglTimeEntry[] = [];
    while (!state.done) {
      if (state.pages >= MAX_PAGES) throw new ValidationError(`Toggl pagination did not end after ${MAX_PAGES} pages; giving up`);
      let page: TogglPage;
      try {
        page = await this.searchPage(state);
      } catch (error) {
        if (!(error instanceof QuotaExhaustedError)) throw error;
        await (this.opts.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms))))(error.resetInMs);
        continue;
      }
      for (const entry of page.entries) {
        if (!inRange(state, entry.start.slice(0, 10)) || seen.has(entry.id)) continue;
        seen.add(entry.id);
        out.push(entry);
      }
      state = afterPage(state, page);
    }
    return out;
  }
}

function intHeader(headers: Headers, name: string): number | null {
  const value = headers.get(name)?.trim();
  return value && /^\d+$/.test(value) ? Number(value) : null;
}

function secondsHeaderMs(headers: Headers, name: string): number | null {
  const value = headers.get(name)?.trim();
  return value && /^\d+(\.\d+)?$/.test(value) ? Math.round(Number(value) * 1000) : null;
}

/** The cursor for the next page, or null on the last page (no X-Next-* headers). */
function nextCursor(headers: Headers, current: TogglCursor | null): TogglCursor | null {
  const nextRow = headers.get('x-next-row-number')?.trim();
  if (!nextRow) return null;
  const next = Number(nextRow);
  if (!Number.isSafeInteger(next) || next < 0) {
    throw new ApiError(API, 200, `Toggl sent an invalid X-Next-Row-Number header "${nextRow.slice(0, 40)}"`);
  }
  if (current && next <= current.first_row_number) {
    throw new ApiError(API, 200, `Toggl pagination is not advancing (X-Next-Row-Number ${next} after ${current.first_row_number})`);
  }
  const cursor: TogglCursor = { first_row_number: next };
  const timestamp = intHeader(headers, 'x-next-timestamp');
  if (timestamp !== null) cursor.first_timestamp = timestamp;
  return cursor;
}
