/**
 * Toggl Track simulator: Reports API v3 detailed search and a few Track API v9 endpoints, served
 * from a dataset with the documented wire format (see shared/facts/apis.md). Everything the docs
 * leave UNCONFIRMED is an option, so clients can be tested against each plausible behaviour.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLarge, header, listen, onDone, readBody, sendJson, sendText, sleep } from './http.js';
import { formatInOffset, localDateOf, offsetMinutes, type Dataset, type DatasetTimeEntry, type DatasetUser } from './dataset.js';

export type TogglFaultStatus = 402 | 429 | 500;

export interface TogglFaultRule {
  status: TogglFaultStatus;
  /** How many upcoming matching requests fail. */
  count: number;
  /** Only requests whose path starts with this (e.g. "/reports/"); default: every request. */
  pathPrefix?: string;
  /** Plain-text body; a Toggl-like default per status otherwise. */
  body?: string;
}

export interface TogglFaults {
  /** Rules are consumed in order: a request takes the first rule that matches and still has a count. */
  failNext?: TogglFaultRule[];
  /** Delay before answering each request. */
  latencyMs?: number;
}

export interface TogglQuotaOptions {
  /** Workspace/organization requests per window (Premium: 600). */
  workspaceLimit?: number;
  /** User requests (`/api/v9/me`) per window (30 on every plan). */
  userLimit?: number;
  windowSeconds?: number;
  /** Status once the quota is used up: 402 per the current docs, 429 per the earlier revision. */
  exhaustedStatus?: 402 | 429;
}

export type ReportField = 'username' | 'email' | 'project_name' | 'client_name' | 'project_color' | 'project_hex' | 'tag_names';

export interface TogglServerOptions {
  dataset: Dataset;
  /** The API token accepted as HTTP Basic user (password `api_token`). */
  token: string;
  port?: number;
  host?: string;
  faults?: TogglFaults;
  /** Rows per page when the request has no page_size (default 50). */
  defaultPageSize?: number;
  /** Largest page_size honoured (default 50; the real maximum is UNCONFIRMED). */
  maxPageSize?: number;
  /** page_size above the maximum: clamp it (default) or answer 400. */
  pageSizeOverMax?: 'clamp' | 'reject';
  /** Accept start_date == end_date (default false: the docs say end must be greater than start). */
  allowSameDayRange?: boolean;
  /** Include entries starting on end_date (default true). */
  endDateInclusive?: boolean;
  /** Longest accepted range in days, both ends counted (default 366). */
  maxRangeDays?: number;
  /** 'always' groups same user+description+project(+tags) into one row (default); 'request' honours the body's `grouped`. */
  grouping?: 'always' | 'request';
  /** Row fields left null when `enrich_response` is not true (default: username, email). */
  unenrichedNullFields?: ReportField[];
  /** Include running entries (stop null, negative seconds). Default true. */
  includeRunning?: boolean;
  /** Reproduce the 3P-reported quirk: first_id together with first_row_number gives an empty page. */
  emptyPageWhenFirstIdAndRowNumber?: boolean;
  /** The user `/api/v9/me` answers for (default: the first dataset user). */
  meUserId?: number;
  quota?: TogglQuotaOptions;
}

export interface TogglStats {
  requests: number;
  by_path: Record<string, number>;
  by_status: Record<string, number>;
  in_flight: number;
  max_in_flight: number;
}

export interface TogglServer {
  url: string;
  port: number;
  stats(): TogglStats;
  resetStats(): void;
  /** Replace the fault configuration. */
  setFaults(faults: TogglFaults): void;
  /** Append a rule: the next `count` requests (matching pathPrefix) answer `status`. */
  failNext(status: TogglFaultStatus, count?: number, pathPrefix?: string): void;
  close(): Promise<void>;
}

const ORDER_BY = ['date', 'user', 'duration', 'description', 'last_update'] as const;
const DAY_MS = 86_400_000;

interface PreparedEntry {
  entry: DatasetTimeEntry;
  user: DatasetUser;
  offset: number;
  startMs: number;
  stopMs: number | null;
  localDate: string;
}

interface Row {
  key: string;
  user: DatasetUser;
  entries: PreparedEntry[];
}

interface QuotaBucket {
  used: number;
  windowStart: number;
}

class BadRequest extends Error {}

export async function startTogglServer(options: TogglServerOptions): Promise<TogglServer> {
  const { dataset, token } = options;
  const wid = dataset.toggl.workspace_id;
  const defaultPageSize = options.defaultPageSize ?? 50;
  const maxPageSize = options.maxPageSize ?? 50;
  const maxRangeDays = options.maxRangeDays ?? 366;
  const nullWhenNotEnriched = new Set<ReportField>(options.unenrichedNullFields ?? ['username', 'email']);
  const quota = {
    workspaceLimit: options.quota?.workspaceLimit ?? 600,
    userLimit: options.quota?.userLimit ?? 30,
    windowMs: (options.quota?.windowSeconds ?? 3600) * 1000,
    exhaustedStatus: options.quota?.exhaustedStatus ?? 402,
  };
  let faults: Required<TogglFaults> = { failNext: [], latencyMs: 0 };
  const setFaults = (f: TogglFaults) => {
    faults = { failNext: (f.failNext ?? []).map((r) => ({ ...r })), latencyMs: f.latencyMs ?? 0 };
  };
  setFaults(options.faults ?? {});

  const usersById = new Map(dataset.toggl.users.map((u) => [u.id, u]));
  const projectsById = new Map(dataset.toggl.projects.map((p) => [p.id, p]));
  const tagIds = new Map([...new Set(dataset.toggl.time_entries.flatMap((e) => e.tags))].sort().map((t, i) => [t, 10_001 + i]));
  const prepared: PreparedEntry[] = dataset.toggl.time_entries.map((entry) => {
    const user = usersById.get(entry.user_id)!;
    const offset = offsetMinutes(user.timezone_offset);
    const startMs = Date.parse(entry.start);
    return { entry, user, offset, startMs, stopMs: entry.stop === null ? null : Date.parse(entry.stop), localDate: localDateOf(startMs, offset) };
  });

  let stats: TogglStats = { requests: 0, by_path: {}, by_status: {}, in_flight: 0, max_in_flight: 0 };
  let inFlight = 0;
  const buckets: Record<'workspace' | 'user', QuotaBucket> = {
    workspace: { used: 0, windowStart: Date.now() },
    user: { used: 0, windowStart: Date.now() },
  };

  /** Count the request against its quota bucket; returns the headers and whether it is over quota. */
  function takeQuota(path: string): { headers: Record<string, string>; exhausted: boolean } {
    const kind = path.startsWith('/api/v9/me') ? 'user' : 'workspace';
    const limit = kind === 'user' ? quota.userLimit : quota.workspaceLimit;
    const b = buckets[kind];
    const now = Date.now();
    if (now - b.windowStart >= quota.windowMs) {
      b.used = 0;
      b.windowStart = now;
    }
    const exhausted = b.used >= limit;
    if (!exhausted) b.used++;
    const resetsIn = Math.max(1, Math.ceil((b.windowStart + quota.windowMs - now) / 1000));
    return {
      exhausted,
      headers: { 'X-Toggl-Quota-Remaining': String(Math.max(0, limit - b.used)), 'X-Toggl-Quota-Resets-In': String(resetsIn) },
    };
  }

  function takeFault(path: string): TogglFaultRule | undefined {
    const rule = faults.failNext.find((r) => r.count > 0 && (r.pathPrefix === undefined || path.startsWith(r.pathPrefix)));
    if (rule) rule.count--;
    return rule;
  }

  function faultBody(status: TogglFaultStatus, resetsIn: string): string {
    if (status === 402) return `You have hit your hourly limit for API calls. Your quota will reset in ${resetsIn} seconds.`;
    if (status === 429) return 'Too Many Requests';
    return 'Internal Server Error';
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const key = `${method} ${path}`;
    stats.requests++;
    stats.by_path[key] = (stats.by_path[key] ?? 0) + 1;
    inFlight++;
    stats.max_in_flight = Math.max(stats.max_in_flight, inFlight);
    onDone(res, () => {
      inFlight--;
      stats.by_status[String(res.statusCode)] = (stats.by_status[String(res.statusCode)] ?? 0) + 1;
    });

    await sleep(faults.latencyMs);
    const q = takeQuota(path);
    const resetsIn = q.headers['X-Toggl-Quota-Resets-In']!;
    if (q.exhausted) return sendText(res, quota.exhaustedStatus, faultBody(402, resetsIn), q.headers);
    const fault = takeFault(path);
    if (fault) return sendText(res, fault.status, fault.body ?? faultBody(fault.status, resetsIn), q.headers);

    const auth = header(req, 'authorization');
    if (!auth) return sendText(res, 401, 'Unauthorized', q.headers);
    const m = /^Basic\s+(\S+)$/i.exec(auth);
    const decoded = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
    if (decoded !== `${token}:api_token`) return sendText(res, 403, 'Incorrect username and/or password', q.headers);

    try {
      await route(req, res, method, path, q.headers);
    } catch (err) {
      if (err instanceof BadRequest) return sendText(res, 400, err.message, q.headers);
      if (err instanceof BodyTooLarge) return sendText(res, 413, 'Request Entity Too Large', q.headers);
      throw err;
    }
  }

  /** Parses a workspace id segment: 400 when not a number, 403 when not ours. Returns false when answered. */
  function checkWorkspace(res: ServerResponse, segment: string, headers: Record<string, string>): boolean {
    if (!/^\d+$/.test(segment)) {
      sendText(res, 400, 'Invalid workspace id', headers);
      return false;
    }
    if (Number(segment) !== wid) {
      sendText(res, 403, 'Workspace not found/accessible', headers);
      return false;
    }
    return true;
  }

  async function route(req: IncomingMessage, res: ServerResponse, method: string, path: string, headers: Record<string, string>): Promise<void> {
    let m: RegExpExecArray | null;
    if ((m = /^\/reports\/api\/v3\/workspace\/([^/]+)\/search\/(time_entries|users)$/.exec(path))) {
      if (method !== 'POST') return sendText(res, 405, 'Method Not Allowed', headers);
      if (!checkWorkspace(res, m[1]!, headers)) return;
      const body = parseJsonBody(await readBody(req));
      if (m[2] === 'users') return sendJson(res, 200, searchUsers(body), headers);
      const page = searchTimeEntries(body);
      return sendJson(res, 200, page.rows, { ...headers, ...page.headers });
    }
    if (method !== 'GET') {
      if (path.startsWith('/api/v9/')) return sendText(res, 405, 'Method Not Allowed', headers);
      return sendText(res, 404, 'Not Found', headers);
    }
    if (path === '/api/v9/me') return sendJson(res, 200, me(), headers);
    if ((m = /^\/api\/v9\/workspaces\/([^/]+)(\/users|\/workspace_users|\/projects)?$/.exec(path))) {
      if (!checkWorkspace(res, m[1]!, headers)) return;
      switch (m[2]) {
        case '/users':
          return sendJson(res, 200, dataset.toggl.users.map(v9User), headers);
        case '/workspace_users':
          return sendJson(res, 200, dataset.toggl.users.map(workspaceUser), headers);
        case '/projects':
          return sendJson(res, 200, dataset.toggl.projects.map(v9Project), headers);
        default:
          return sendJson(res, 200, { id: wid, name: dataset.name, organization_id: wid * 10, premium: true, admin: true }, headers);
      }
    }
    return sendText(res, 404, 'Not Found', headers);
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
    return {
      id: u.id,
      email: u.email,
      fullname: u.fullname,
      timezone: u.timezone ?? 'UTC',
      default_workspace_id: wid,
      beginning_of_week: 1,
      image_url: null,
      has_password: true,
    };
  }

  function searchUsers(body: Record<string, unknown>) {
    const ids = body.ids === undefined ? undefined : intArray(body.ids, 'ids');
    if (ids && ids.length > 100) throw new BadRequest("Invalid 'ids' value: at most 100 ids");
    return dataset.toggl.users
      .filter((u) => !ids || ids.includes(u.id))
      .map((u) => ({ id: u.id, email: u.email, fullname: u.fullname, active: true, deactivated: false, deleted_at: null, workspace_user_id: 700_000 + u.id }));
  }

  function searchTimeEntries(body: Record<string, unknown>): { rows: unknown[]; headers: Record<string, string> } {
    const start = dateParam(body.start_date, 'start_date');
    const end = dateParam(body.end_date, 'end_date');
    if (end < start) throw new BadRequest("Invalid 'end_date' value: end_date must not be earlier than start_date");
    if (end === start && !options.allowSameDayRange) throw new BadRequest("Invalid 'end_date' value: end_date must be after start_date");
    const rangeDays = (Date.parse(end) - Date.parse(start)) / DAY_MS + 1;
    if (rangeDays > maxRangeDays) throw new BadRequest(`Maximum allowed date range is ${maxRangeDays} days`);

    let pageSize = defaultPageSize;
    if (body.page_size !== undefined) {
      pageSize = positiveInt(body.page_size, 'page_size');
      if (pageSize > maxPageSize) {
        if (options.pageSizeOverMax === 'reject') throw new BadRequest(`Invalid 'page_size' value: maximum is ${maxPageSize}`);
        pageSize = maxPageSize;
      }
    }
    const firstRow = body.first_row_number === undefined || body.first_row_number === null ? undefined : positiveInt(body.first_row_number, 'first_row_number');
    const firstId = body.first_id === undefined || body.first_id === null ? undefined : positiveInt(body.first_id, 'first_id');
    const userIds = body.user_ids === undefined ? undefined : intArray(body.user_ids, 'user_ids');
    const entryIds = body.time_entry_ids === undefined ? undefined : intArray(body.time_entry_ids, 'time_entry_ids');
    const projectIds = body.project_ids === undefined ? undefined : nullableIntArray(body.project_ids, 'project_ids');
    let description: string | undefined;
    if (body.description !== undefined && body.description !== null) {
      if (typeof body.description !== 'string') throw new BadRequest("Invalid 'description' value");
      description = body.description.toLowerCase();
    }
    const orderBy = body.order_by ?? 'date';
    if (typeof orderBy !== 'string' || !(ORDER_BY as readonly string[]).includes(orderBy)) {
      throw new BadRequest(`Invalid 'order_by' value, allowed values are: ${ORDER_BY.join(', ')}`);
    }
    const orderDir = body.order_dir ?? 'ASC';
    if (orderDir !== 'ASC' && orderDir !== 'DESC') throw new BadRequest("Invalid 'order_dir' value, allowed values are: ASC, DESC");
    for (const flag of ['enrich_response', 'grouped', 'hide_amounts'] as const) {
      if (body[flag] !== undefined && typeof body[flag] !== 'boolean') throw new BadRequest(`Invalid '${flag}' value`);
    }
    const enriched = body.enrich_response === true;
    const grouped = options.grouping === 'request' ? body.grouped === true : true;

    const matching = prepared.filter(
      (p) =>
        p.localDate >= start &&
        (options.endDateInclusive === false ? p.localDate < end : p.localDate <= end) &&
        (options.includeRunning !== false || p.stopMs !== null) &&
        (!userIds || userIds.includes(p.entry.user_id)) &&
        (!entryIds || entryIds.includes(p.entry.id)) &&
        (!projectIds || projectIds.includes(p.entry.project_id)) &&
        (!description || p.entry.description.toLowerCase().includes(description)),
    );
    matching.sort((a, b) => a.startMs - b.startMs || a.entry.id - b.entry.id);

    const rowsByKey = new Map<string, Row>();
    const rows: Row[] = [];
    for (const p of matching) {
      const key = grouped
        ? JSON.stringify([p.entry.user_id, p.entry.description, p.entry.project_id, [...p.entry.tags].sort(), p.entry.billable ?? false])
        : `entry:${p.entry.id}`;
      let row = rowsByKey.get(key);
      if (!row) {
        row = { key, user: p.user, entries: [] };
        rowsByKey.set(key, row);
        rows.push(row);
      }
      row.entries.push(p);
    }
    const now = Date.now();
    const seconds = (r: Row) => r.entries.reduce((s, p) => s + ((p.stopMs ?? now) - p.startMs) / 1000, 0);
    const lastUpdate = (r: Row) => Math.max(...r.entries.map((p) => p.stopMs ?? p.startMs));
    const cmp: Record<(typeof ORDER_BY)[number], (a: Row, b: Row) => number> = {
      date: (a, b) => a.entries[0]!.startMs - b.entries[0]!.startMs,
      user: (a, b) => a.user.fullname.localeCompare(b.user.fullname) || a.user.id - b.user.id,
      duration: (a, b) => seconds(a) - seconds(b),
      description: (a, b) => a.entries[0]!.entry.description.localeCompare(b.entries[0]!.entry.description),
      last_update: (a, b) => lastUpdate(a) - lastUpdate(b),
    };
    const by = cmp[orderBy as (typeof ORDER_BY)[number]];
    const dir = orderDir === 'DESC' ? -1 : 1;
    rows.sort((a, b) => dir * (by(a, b) || a.entries[0]!.startMs - b.entries[0]!.startMs || a.entries[0]!.entry.id - b.entries[0]!.entry.id));

    let from = 0;
    if (firstRow !== undefined) from = firstRow - 1;
    else if (firstId !== undefined) {
      const idx = rows.findIndex((r) => r.entries.some((p) => p.entry.id === firstId));
      from = idx < 0 ? rows.length : idx;
    }
    if (firstRow !== undefined && firstId !== undefined && options.emptyPageWhenFirstIdAndRowNumber) from = rows.length;
    const page = rows.slice(from, from + pageSize);
    const headers: Record<string, string> = { 'X-Range-Start': start, 'X-Range-End': end };
    const next = rows[from + pageSize];
    if (next) {
      headers['X-Next-ID'] = String(next.entries[0]!.entry.id);
      headers['X-Next-Row-Number'] = String(from + pageSize + 1);
    }
    return { rows: page.map((r, i) => renderRow(r, from + i + 1, enriched)), headers };
  }

  function renderRow(row: Row, rowNumber: number, enriched: boolean) {
    const first = row.entries[0]!.entry;
    const project = first.project_id === null ? undefined : projectsById.get(first.project_id);
    const hide = (f: ReportField) => !enriched && nullWhenNotEnriched.has(f);
    const color = project ? (project.color ?? '#0b83d9') : null;
    return {
      user_id: row.user.id,
      username: hide('username') ? null : row.user.fullname,
      email: hide('email') ? null : row.user.email,
      project_id: project?.id ?? null,
      project_name: project && !hide('project_name') ? project.name : null,
      project_color: hide('project_color') ? null : color,
      project_hex: hide('project_hex') ? null : color,
      client_name: project && !hide('client_name') ? (project.client_name ?? null) : null,
      description: first.description,
      billable: first.billable ?? false,
      billable_amount_in_cents: null,
      hourly_rate_in_cents: null,
      currency: null,
      tag_ids: first.tags.map((t) => tagIds.get(t)!),
      tag_names: hide('tag_names') ? null : [...first.tags],
      task_id: null,
      task_name: null,
      row_number: rowNumber,
      time_entries: row.entries.map((p) => ({
        id: p.entry.id,
        seconds: p.stopMs === null ? -Math.floor(p.startMs / 1000) : Math.round((p.stopMs - p.startMs) / 1000),
        start: formatInOffset(p.startMs, p.offset),
        stop: p.stopMs === null ? null : formatInOffset(p.stopMs, p.offset),
        at: formatInOffset(p.stopMs ?? p.startMs, 0),
        at_tz: formatInOffset(p.stopMs ?? p.startMs, p.offset),
      })),
    };
  }

  const listening = await listen(handle, options.port ?? 0, options.host);
  return {
    url: listening.url,
    port: listening.port,
    stats: () => ({ ...stats, in_flight: inFlight, by_path: { ...stats.by_path }, by_status: { ...stats.by_status } }),
    resetStats: () => {
      stats = { requests: 0, by_path: {}, by_status: {}, in_flight: 0, max_in_flight: inFlight };
    },
    setFaults,
    failNext: (status, count = 1, pathPrefix) => {
      faults.failNext.push({ status, count, ...(pathPrefix === undefined ? {} : { pathPrefix }) });
    },
    close: () => listening.close(),
  };
}

function dateParam(v: unknown, name: string): string {
  if (v === undefined || v === null) throw new BadRequest(`Invalid '${name}' value: ${name} is required (YYYY-MM-DD)`);
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(v)) || new Date(v).toISOString().slice(0, 10) !== v) {
    throw new BadRequest(`Invalid '${name}' value: expected a date YYYY-MM-DD`);
  }
  return v;
}

function positiveInt(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new BadRequest(`Invalid '${name}' value`);
  return v;
}

function intArray(v: unknown, name: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isInteger(x))) throw new BadRequest(`Invalid '${name}' value`);
  return v as number[];
}

function nullableIntArray(v: unknown, name: string): (number | null)[] {
  if (!Array.isArray(v) || !v.every((x) => x === null || (typeof x === 'number' && Number.isInteger(x)))) throw new BadRequest(`Invalid '${name}' value`);
  return v as (number | null)[];
}
