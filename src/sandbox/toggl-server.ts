/**
 * Toggl Track simulator: Reports API v3 detailed search and a few Track API v9 endpoints, served
 * from a dataset with the documented wire format (see shared/facts/apis.md), the hourly quota
 * (sliding window, 402 with `X-Toggl-Quota-*` headers), an optional leaky-bucket rate limit,
 * fault injection and a request log. Everything the docs leave UNCONFIRMED is an option.
 */
import { API_BUDGETS } from '../http/budgets.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLarge, header, listen, onDone, readBody, sendReply, sleep, jsonReply, textReply, type Reply } from './http.js';
import type { Dataset, DatasetUser } from './dataset.js';
import { FaultQueue, describeFault, hang, reasonPhrase, reset, reshape, retryAfterHeader, type CommonFault, type FaultRule } from './faults.js';
import { LeakyBucket, SlidingWindow } from './limits.js';
import { RequestLog, hashToken, type RequestLogEntry } from './request-log.js';
import { BadRequest, createTimeEntrySearch, intArray, type SearchPage, type TogglSearchOptions } from './toggl-search.js';

export type { ReportField, TogglSearchOptions } from './toggl-search.js';

export type TogglFault =
  | CommonFault
  /** The quota answer: 402 (or the quota's `exhaustedStatus`) with `X-Toggl-Quota-Remaining: 0` and `Resets-In`. */
  | { kind: 'quota'; resetsInSeconds?: number }
  /** 402 "Workspace needs to have this feature enabled", without quota headers: retrying cannot help. */
  | { kind: 'feature-gate' };
export type TogglFaultRule = FaultRule<TogglFault>;

/** The older style of rule: the next `count` requests answer `status` (a 402 is the quota answer). */
export interface TogglFailNextRule {
  status: number;
  count: number;
  pathPrefix?: string;
  body?: string;
}

export interface TogglFaults {
  rules?: TogglFaultRule[];
  failNext?: TogglFailNextRule[];
  /** Delay before answering each request (adds to the server's latencyMs). */
  latencyMs?: number;
}

/** Workspace requests per hour and user per organization, by plan (support.toggl.com, Sep 2025). */
export const TOGGL_QUOTA_PLANS = { free: 30, starter: 240, premium: 600 } as const;
export type TogglPlan = keyof typeof TOGGL_QUOTA_PLANS;

export interface TogglQuotaOptions {
  /** The plan whose limit applies (default premium, 600). */
  plan?: TogglPlan;
  /** Workspace/organization requests per window; wins over `plan`. */
  workspaceLimit?: number;
  /** User requests (`/api/v9/me`) per window (30 on every plan). */
  userLimit?: number;
  /** The sliding window (default 3600 s; a few seconds in tests). */
  windowSeconds?: number;
  /** Status once the quota is used up: 402 per the current docs, 429 per the earlier revision. */
  exhaustedStatus?: 402 | 429;
}

/** The leaky bucket ("about 1 request per second per token is safe"); beyond the burst: 429. */
export interface TogglRateLimitOptions {
  /** Default: the documented one (src/http/budgets.ts). */
  perSecond?: number;
  /** Requests that may come at once (default 2). */
  burst?: number;
  /** Send Retry-After with the 429 (UNCONFIRMED that Toggl does; default false). */
  retryAfter?: boolean;
}

export interface TogglServerOptions extends TogglSearchOptions {
  dataset: Dataset;
  /** The API token accepted as HTTP Basic user (password `api_token`). */
  token: string;
  port?: number;
  host?: string;
  faults?: TogglFaults | TogglFaultRule[];
  /** Delay before answering each request (default 0). */
  latencyMs?: number;
  /** The user `/api/v9/me` answers for (default: the first dataset user). */
  meUserId?: number;
  /** The hourly quota (default: premium, 600 per 3600 s); false: none, and no quota headers. */
  quota?: TogglQuotaOptions | false;
  /** The leaky-bucket rate limit; off unless given. */
  rateLimit?: TogglRateLimitOptions | false;
}

export interface TogglStats {
  requests: number;
  by_path: Record<string, number>;
  by_status: Record<string, number>;
  in_flight: number;
  max_in_flight: number;
}

export interface TogglLogEntry extends RequestLogEntry {
  /** For searches: the range used, the cursor sent, the page size applied, rows returned, the next row. */
  range: { start: string; end: string } | null;
  cursor: SearchPage['cursor'] | null;
  pageSize: number | null;
  rows: number | null;
  nextRowNumber: number | null;
  /** Same key = same page of the same query (see repeatedPages). */
  pageKey: string | null;
}

export interface QuotaState {
  limit: number;
  remaining: number;
  resetsInSeconds: number;
}

export interface TogglServer {
  url: string;
  port: number;
  stats(): TogglStats;
  resetStats(): void;
  /** Pending fault rules: `faults.push({ kind: 'status', status: 503, count: 2 })`. */
  faults: FaultQueue<TogglFault>;
  /** Replace the fault rules (and the fault latency). */
  setFaults(faults: TogglFaults | TogglFaultRule[]): void;
  /** Append a rule: the next `count` requests (matching pathPrefix) answer `status`. */
  failNext(status: number, count?: number, pathPrefix?: string): void;
  setLatency(ms: number): void;
  requestLog(): TogglLogEntry[];
  clearRequestLog(): void;
  /** The quota as the server counts it now (null when there is none). */
  quota(): { workspace: QuotaState; user: QuotaState } | null;
  close(): Promise<void>;
}

type Bucket = 'workspace' | 'user';

const QUOTA_TEXT = (resetsIn: number) => `You have hit your hourly limit for API calls. Your quota will reset in ${resetsIn} seconds.`;
const FEATURE_GATE_TEXT = 'Workspace needs to have this feature enabled';

function toRules(f: TogglFaults | TogglFaultRule[] | undefined): { rules: TogglFaultRule[]; latencyMs: number } {
  if (!f) return { rules: [], latencyMs: 0 };
  if (Array.isArray(f)) return { rules: f, latencyMs: 0 };
  const legacy = (f.failNext ?? []).map((r): TogglFaultRule => ({ kind: 'status', ...r }));
  return { rules: [...(f.rules ?? []), ...legacy], latencyMs: f.latencyMs ?? 0 };
}

/** Search pages answered 200 (no fault) more than once: what a client paid for twice. */
export function repeatedPages(entries: readonly TogglLogEntry[]): { pageKey: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const e of entries) if (e.pageKey && e.status === 200 && e.fault === null) counts.set(e.pageKey, (counts.get(e.pageKey) ?? 0) + 1);
  return [...counts].filter(([, n]) => n > 1).map(([pageKey, count]) => ({ pageKey, count }));
}

export async function startTogglServer(options: TogglServerOptions): Promise<TogglServer> {
  const { dataset, token } = options;
  const wid = dataset.toggl.workspace_id;
  const search = createTimeEntrySearch(dataset, options);
  const usersById = new Map(dataset.toggl.users.map((u) => [u.id, u]));
  const faults = new FaultQueue<TogglFault>();
  let faultLatency = 0;
  const setFaults = (f: TogglFaults | TogglFaultRule[]) => {
    const { rules, latencyMs } = toRules(f);
    faults.set(rules);
    faultLatency = latencyMs;
  };
  setFaults(options.faults ?? []);
  let latency = options.latencyMs ?? 0;

  const quota = quotaWindows(options.quota);
  const exhaustedStatus = options.quota ? (options.quota.exhaustedStatus ?? 402) : 402;
  const bucket = options.rateLimit ? new LeakyBucket(options.rateLimit.perSecond ?? API_BUDGETS.toggl.perToken, options.rateLimit.burst ?? 2) : null;
  const log = new RequestLog<Omit<TogglLogEntry, keyof RequestLogEntry>>();

  let stats: TogglStats = { requests: 0, by_path: {}, by_status: {}, in_flight: 0, max_in_flight: 0 };
  let inFlight = 0;

  function quotaHeaders(kind: Bucket): Record<string, string> {
    if (!quota) return {};
    const w = quota[kind];
    return { 'X-Toggl-Quota-Remaining': String(w.remaining()), 'X-Toggl-Quota-Resets-In': String(Math.ceil(w.msUntilOldestLeaves() / 1000)) };
  }

  function faultReply(fault: TogglFault, kind: Bucket): Reply | undefined {
    switch (fault.kind) {
      case 'status': {
        const headers = { ...quotaHeaders(kind), ...retryAfterHeader(fault.retryAfterSeconds) };
        const resetsIn = Number(headers['X-Toggl-Quota-Resets-In'] ?? 0);
        const body = fault.body ?? (fault.status === 402 ? QUOTA_TEXT(resetsIn) : reasonPhrase(fault.status));
        return textReply(fault.status, body, headers);
      }
      case 'quota': {
        const windowSeconds = quota ? quota[kind].windowMs / 1000 : 3600;
        const resetsIn = fault.resetsInSeconds ?? Math.max(1, Math.ceil(quota ? quota[kind].msUntilOldestLeaves() / 1000 : windowSeconds));
        return textReply(exhaustedStatus, QUOTA_TEXT(resetsIn), { 'X-Toggl-Quota-Remaining': '0', 'X-Toggl-Quota-Resets-In': String(resetsIn) });
      }
      case 'feature-gate':
        return textReply(402, FEATURE_GATE_TEXT);
      default:
        return undefined;
    }
  }

  /** Auth, then the rate limit, then the quota; a refusal, or the quota headers for the answer. */
  function admit(req: IncomingMessage, credential: Credential | null, kind: Bucket, entry: TogglLogEntry): { refusal?: Reply; headers: Record<string, string> } {
    if (header(req, 'authorization') === undefined) return { refusal: textReply(401, 'Unauthorized'), headers: {} };
    if (credential?.user !== token || credential.password !== 'api_token') return { refusal: textReply(403, 'Incorrect username and/or password'), headers: {} };
    if (bucket && !bucket.tryTake()) {
      entry.limited = 'rate-limit';
      const retry = options.rateLimit && options.rateLimit.retryAfter ? retryAfterHeader(Math.max(1, Math.ceil(bucket.msUntilRoom() / 1000))) : {};
      return { refusal: textReply(429, 'Too Many Requests', { ...quotaHeaders(kind), ...retry }), headers: {} };
    }
    if (quota && !quota[kind].tryTake()) {
      entry.limited = 'quota';
      const headers = quotaHeaders(kind);
      return { refusal: textReply(exhaustedStatus, QUOTA_TEXT(Number(headers['X-Toggl-Quota-Resets-In'])), headers), headers: {} };
    }
    return { headers: quotaHeaders(kind) };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const entry = log.begin(method, path, { range: null, cursor: null, pageSize: null, rows: null, nextRowNumber: null, pageKey: null });
    const credential = basicCredential(req);
    entry.tokenHash = credential === null ? null : hashToken(credential.user);
    track(method, path, res, entry);

    const kind: Bucket = path.startsWith('/api/v9/me') ? 'user' : 'workspace';
    const fault = faults.take(entry.seq, path);
    if (fault) entry.fault = describeFault(fault);
    if (fault?.kind === 'hang') return hang(res);
    if (fault?.kind === 'reset') return reset(res);

    const refusal = fault ? faultReply(fault, kind) : undefined;
    const admitted = refusal ? { headers: {} } : admit(req, credential, kind, entry);
    await sleep(latency + faultLatency + (fault?.kind === 'delay' ? fault.ms : 0));
    const reply = refusal ?? admitted.refusal ?? (await answer(req, method, path, admitted.headers, entry));
    sendReply(res, reshape(reply, fault));
  }

  function track(method: string, path: string, res: ServerResponse, entry: TogglLogEntry): void {
    const key = `${method} ${path}`;
    stats.requests++;
    stats.by_path[key] = (stats.by_path[key] ?? 0) + 1;
    inFlight++;
    stats.max_in_flight = Math.max(stats.max_in_flight, inFlight);
    onDone(res, () => {
      inFlight--;
      const status = res.headersSent ? res.statusCode : 0;
      if (status) stats.by_status[String(status)] = (stats.by_status[String(status)] ?? 0) + 1;
      log.finish(entry, status);
    });
  }

  async function answer(req: IncomingMessage, method: string, path: string, headers: Record<string, string>, entry: TogglLogEntry): Promise<Reply> {
    try {
      return await route(req, method, path, headers, entry);
    } catch (err) {
      if (err instanceof BadRequest) return textReply(400, err.message, headers);
      if (err instanceof BodyTooLarge) return textReply(413, 'Request Entity Too Large', headers);
      throw err;
    }
  }

  /** 400 when the workspace id is not a number, 403 when it is not ours; undefined when it is. */
  function workspaceProblem(segment: string, headers: Record<string, string>): Reply | undefined {
    if (!/^\d+$/.test(segment)) return textReply(400, 'Invalid workspace id', headers);
    if (Number(segment) !== wid) return textReply(403, 'Workspace not found/accessible', headers);
    return undefined;
  }

  async function route(req: IncomingMessage, method: string, path: string, headers: Record<string, string>, entry: TogglLogEntry): Promise<Reply> {
    let m: RegExpExecArray | null;
    if ((m = /^\/reports\/api\/v3\/workspace\/([^/]+)\/search\/(time_entries|users)$/.exec(path))) {
      if (method !== 'POST') return textReply(405, 'Method Not Allowed', headers);
      const problem = workspaceProblem(m[1]!, headers);
      if (problem) return problem;
      const body = parseJsonBody(await readBody(req));
      if (m[2] === 'users') return jsonReply(200, searchUsers(body), headers);
      const page = search(body);
      Object.assign(entry, { range: page.range, cursor: page.cursor, pageSize: page.pageSize, rows: page.rows.length, nextRowNumber: page.nextRowNumber, pageKey: page.pageKey });
      return jsonReply(200, page.rows, { ...headers, ...page.headers });
    }
    if (method !== 'GET') return textReply(path.startsWith('/api/v9/') ? 405 : 404, path.startsWith('/api/v9/') ? 'Method Not Allowed' : 'Not Found', headers);
    if (path === '/api/v9/me') return jsonReply(200, me(), headers);
    if ((m = /^\/api\/v9\/workspaces\/([^/]+)(\/users|\/workspace_users|\/projects)?$/.exec(path))) {
      const problem = workspaceProblem(m[1]!, headers);
      if (problem) return problem;
      switch (m[2]) {
        case '/users':
          return jsonReply(200, dataset.toggl.users.map(v9User), headers);
        case '/workspace_users':
          return jsonReply(200, dataset.toggl.users.map(workspaceUser), headers);
        case '/projects':
          return jsonReply(200, dataset.toggl.projects.map(v9Project), headers);
        default:
          return jsonReply(200, { id: wid, name: dataset.name, organization_id: wid * 10, premium: true, admin: true }, headers);
      }
    }
    return textReply(404, 'Not Found', headers);
  }

  function v9User(u: DatasetUser) {
    return { id: u.id, email: u.email, fullname: u.fullname, inactive: false, is_active: true, is_admin: u.is_admin ?? false, role: u.role ?? (u.is_admin ? 'admin' : 'user') };
  }

  function workspaceUser(u: DatasetUser) {
    return {
      id: 700_000 + u.id,
      user_id: u.id,
      uid: u.id,
      wid,
      name: u.fullname,
      email: u.email,
      active: true,
      inactive: false,
      admin: u.is_admin ?? false,
      role: u.role ?? (u.is_admin ? 'admin' : 'user'),
      group_ids: [],
      timezone: u.timezone ?? null,
    };
  }

  function v9Project(p: Dataset['toggl']['projects'][number]) {
    return { id: p.id, workspace_id: wid, wid, name: p.name, client_name: p.client_name ?? null, color: p.color ?? '#0b83d9', active: true, billable: p.billable ?? false, is_private: false };
  }

  function me() {
    const u = usersById.get(options.meUserId ?? dataset.toggl.users[0]!.id) ?? dataset.toggl.users[0]!;
    return { id: u.id, email: u.email, fullname: u.fullname, timezone: u.timezone ?? 'UTC', default_workspace_id: wid, beginning_of_week: 1, image_url: null, has_password: true };
  }

  function searchUsers(body: Record<string, unknown>) {
    const ids = body.ids === undefined ? undefined : intArray(body.ids, 'ids');
    if (ids && ids.length > 100) throw new BadRequest("Invalid 'ids' value: at most 100 ids");
    return dataset.toggl.users
      .filter((u) => !ids || ids.includes(u.id))
      .map((u) => ({ id: u.id, email: u.email, fullname: u.fullname, active: true, deactivated: false, deleted_at: null, workspace_user_id: 700_000 + u.id }));
  }

  const listening = await listen(handle, options.port ?? 0, options.host);
  return {
    url: listening.url,
    port: listening.port,
    stats: () => ({ ...stats, in_flight: inFlight, by_path: { ...stats.by_path }, by_status: { ...stats.by_status } }),
    resetStats: () => {
      stats = { requests: 0, by_path: {}, by_status: {}, in_flight: 0, max_in_flight: inFlight };
    },
    faults,
    setFaults,
    failNext: (status, count = 1, pathPrefix) => {
      faults.push({ kind: 'status', status, count, ...(pathPrefix === undefined ? {} : { pathPrefix }) });
    },
    setLatency: (ms) => {
      latency = ms;
    },
    requestLog: () => log.entries(),
    clearRequestLog: () => log.clear(),
    quota: () => {
      if (!quota) return null;
      const state = (w: SlidingWindow): QuotaState => ({ limit: w.limit, remaining: w.remaining(), resetsInSeconds: Math.ceil(w.msUntilOldestLeaves() / 1000) });
      return { workspace: state(quota.workspace), user: state(quota.user) };
    },
    close: () => listening.close(),
  };
}

function quotaWindows(q: TogglQuotaOptions | false | undefined): Record<Bucket, SlidingWindow> | null {
  if (q === false) return null;
  const windowMs = (q?.windowSeconds ?? 3600) * 1000;
  return {
    workspace: new SlidingWindow(q?.workspaceLimit ?? TOGGL_QUOTA_PLANS[q?.plan ?? 'premium'], windowMs),
    user: new SlidingWindow(q?.userLimit ?? 30, windowMs),
  };
}

interface Credential {
  user: string;
  password: string;
}

function basicCredential(req: IncomingMessage): Credential | null {
  const m = /^Basic\s+(\S+)$/i.exec(header(req, 'authorization') ?? '');
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? { user: decoded, password: '' } : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function parseJsonBody(text: string): Record<string, unknown> {
  if (text.trim() === '') throw new BadRequest('At least one parameter must be set');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new BadRequest('Invalid JSON input');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequest('Invalid JSON input');
  if (Object.keys(body).length === 0) throw new BadRequest('At least one parameter must be set');
  return body as Record<string, unknown>;
}
