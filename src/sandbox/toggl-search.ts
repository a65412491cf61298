/**
 * The Reports API v3 detailed search of the Toggl simulator: request validation, the rows of a
 * period (grouped, ordered), and the page a cursor points at, with the paging headers the real
 * server sends (see shared/facts/apis.md, "Learned since"). Entries are indexed by local date and
 * a query's rows are cached, so paging through a year of a large team stays cheap.
 */
import { formatInOffset, localDateOf, offsetMinutes, type Dataset, type DatasetTimeEntry, type DatasetUser } from './dataset.js';

export type ReportField = 'username' | 'email' | 'project_name' | 'client_name' | 'project_color' | 'project_hex' | 'tag_names';

export interface TogglSearchOptions {
  /** Rows per page when the request has no page_size (default 50). */
  defaultPageSize?: number;
  /** Largest page_size honoured (default 200; no official maximum; 3P clients send 200 or 1000). */
  maxPageSize?: number;
  /** page_size above the maximum: clamp it (default) or answer 400. */
  pageSizeOverMax?: 'clamp' | 'reject';
  /** Accept start_date == end_date (default false: the docs say end must be greater than start). */
  allowSameDayRange?: boolean;
  /** Include entries starting on end_date (default true; UNCONFIRMED for v3). */
  endDateInclusive?: boolean;
  /** Longest range in days (default 366). */
  maxRangeDays?: number;
  /** A longer range: answer 400 (default) or cut it to the maximum and say so in X-Range-End. */
  rangeOverMax?: 'reject' | 'clamp';
  /** 'request' (default) honours the body's `grouped` (default false: one row per entry); 'always' groups same user+description+project(+tags) into one row. */
  grouping?: 'always' | 'request';
  /**
   * Row fields missing without `enrich_response` (default, as recorded: everything but `username`
   * and the ids: email, project_name, client_name, project_color, project_hex, tag_names).
   */
  unenrichedNullFields?: ReportField[];
  /** Row fields missing even with `enrich_response` (default none; a 3P client saw project_name missing). */
  enrichedNullFields?: ReportField[];
  /** How a missing field looks: left out of the row (default, as recorded) or null. */
  missingFields?: 'absent' | 'null';
  /** Include running entries (stop null, negative seconds). Default true. */
  includeRunning?: boolean;
  /** Reproduce the 3P-reported quirk: first_id together with first_row_number gives an empty page. */
  emptyPageWhenFirstIdAndRowNumber?: boolean;
}

export class BadRequest extends Error {}

export interface SearchPage {
  rows: Record<string, unknown>[];
  headers: Record<string, string>;
  /** The rows this page covers, whatever cursor named them: two requests with one key got the same page. */
  pageKey: string;
  range: { start: string; end: string };
  pageSize: number;
  cursor: { first_row_number?: number; first_id?: number; first_timestamp?: number };
  nextRowNumber: number | null;
}

interface PreparedEntry {
  entry: DatasetTimeEntry;
  user: DatasetUser;
  offset: number;
  startMs: number;
  stopMs: number | null;
  localDate: string;
}

interface Row {
  user: DatasetUser;
  entries: PreparedEntry[];
}

interface Query {
  start: string;
  end: string;
  userIds?: number[];
  entryIds?: number[];
  projectIds?: (number | null)[];
  description?: string;
  orderBy: OrderBy;
  orderDir: 'ASC' | 'DESC';
  grouped: boolean;
}

const ORDER_BY = ['date', 'user', 'duration', 'description', 'last_update'] as const;
type OrderBy = (typeof ORDER_BY)[number];
const DAY_MS = 86_400_000;
const CACHED_QUERIES = 16;
const DEFAULT_HIDDEN: ReportField[] = ['email', 'project_name', 'client_name', 'project_color', 'project_hex', 'tag_names'];

export const addDays = (date: string, n: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
const daysBetween = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / DAY_MS);

/** The search over one dataset: call it with a request body, get the page (or a BadRequest). */
export function createTimeEntrySearch(dataset: Dataset, options: TogglSearchOptions = {}): (body: Record<string, unknown>) => SearchPage {
  const defaultPageSize = options.defaultPageSize ?? 50;
  const maxPageSize = options.maxPageSize ?? 200;
  const maxRangeDays = options.maxRangeDays ?? 366;
  const inclusive = options.endDateInclusive !== false;
  const hiddenPlain = new Set(options.unenrichedNullFields ?? DEFAULT_HIDDEN);
  const hiddenEnriched = new Set(options.enrichedNullFields ?? []);
  const projectsById = new Map(dataset.toggl.projects.map((p) => [p.id, p]));
  const tagIds = new Map([...new Set(dataset.toggl.time_entries.flatMap((e) => e.tags))].sort().map((t, i) => [t, 10_001 + i]));
  const byDate = prepare(dataset);
  const cache = new Map<string, Row[]>();

  function rowsFor(q: Query): Row[] {
    const key = JSON.stringify(q);
    const hit = cache.get(key);
    if (hit) {
      cache.delete(key);
      cache.set(key, hit);
      return hit;
    }
    const rows = buildRows(q);
    cache.set(key, rows);
    if (cache.size > CACHED_QUERIES) cache.delete(cache.keys().next().value!);
    return rows;
  }

  function buildRows(q: Query): Row[] {
    const from = lowerBound(byDate, q.start);
    const to = inclusive ? lowerBound(byDate, addDays(q.end, 1)) : lowerBound(byDate, q.end);
    const matches = matcher(q);
    const rowsByKey = new Map<string, Row>();
    const rows: Row[] = [];
    for (let i = from; i < to; i++) {
      const p = byDate[i]!;
      if (!matches(p)) continue;
      const key = q.grouped ? groupKey(p.entry) : `entry:${p.entry.id}`;
      let row = rowsByKey.get(key);
      if (!row) {
        row = { user: p.user, entries: [] };
        rowsByKey.set(key, row);
        rows.push(row);
      }
      row.entries.push(p);
    }
    return sortRows(rows, q);
  }

  function matcher(q: Query): (p: PreparedEntry) => boolean {
    const users = q.userIds && new Set(q.userIds);
    const ids = q.entryIds && new Set(q.entryIds);
    const projects = q.projectIds && new Set(q.projectIds);
    const text = q.description;
    return (p) =>
      (options.includeRunning !== false || p.stopMs !== null) &&
      (!users || users.has(p.entry.user_id)) &&
      (!ids || ids.has(p.entry.id)) &&
      (!projects || projects.has(p.entry.project_id)) &&
      (!text || p.entry.description.toLowerCase().includes(text));
  }

  function range(body: Record<string, unknown>): { start: string; end: string } {
    const start = dateParam(body.start_date, 'start_date');
    // Recorded: without end_date the server used start + 6 days.
    let end = body.end_date === undefined || body.end_date === null ? addDays(start, 6) : dateParam(body.end_date, 'end_date');
    if (end < start) throw new BadRequest("Invalid 'end_date' value: end_date must not be earlier than start_date");
    if (end === start && !options.allowSameDayRange) throw new BadRequest("Invalid 'end_date' value: end_date must be after start_date");
    const days = daysBetween(start, end) + (inclusive ? 1 : 0);
    if (days > maxRangeDays) {
      if (options.rangeOverMax !== 'clamp') throw new BadRequest(`Invalid 'end_date' value: the date range must not be longer than ${maxRangeDays} days`);
      end = addDays(start, inclusive ? maxRangeDays - 1 : maxRangeDays);
    }
    return { start, end };
  }

  function pageSizeOf(body: Record<string, unknown>): number {
    if (body.page_size === undefined || body.page_size === null) return defaultPageSize;
    const size = positiveInt(body.page_size, 'page_size');
    if (size <= maxPageSize) return size;
    if (options.pageSizeOverMax === 'reject') throw new BadRequest(`Invalid 'page_size' value: maximum is ${maxPageSize}`);
    return maxPageSize;
  }

  function queryOf(body: Record<string, unknown>, r: { start: string; end: string }): Query {
    const orderBy = body.order_by ?? 'date';
    if (typeof orderBy !== 'string' || !(ORDER_BY as readonly string[]).includes(orderBy)) {
      throw new BadRequest(`Invalid 'order_by' value, allowed values are: ${ORDER_BY.join(', ')}`);
    }
    const orderDir = body.order_dir ?? 'ASC';
    if (orderDir !== 'ASC' && orderDir !== 'DESC') throw new BadRequest("Invalid 'order_dir' value, allowed values are: ASC, DESC");
    for (const flag of ['enrich_response', 'grouped', 'hide_amounts'] as const) {
      if (body[flag] !== undefined && typeof body[flag] !== 'boolean') throw new BadRequest(`Invalid '${flag}' value`);
    }
    if (body.description !== undefined && body.description !== null && typeof body.description !== 'string') throw new BadRequest("Invalid 'description' value");
    return {
      ...r,
      ...(body.user_ids === undefined ? {} : { userIds: intArray(body.user_ids, 'user_ids') }),
      ...(body.time_entry_ids === undefined ? {} : { entryIds: intArray(body.time_entry_ids, 'time_entry_ids') }),
      ...(body.project_ids === undefined ? {} : { projectIds: nullableIntArray(body.project_ids, 'project_ids') }),
      ...(typeof body.description === 'string' && body.description !== '' ? { description: body.description.toLowerCase() } : {}),
      orderBy: orderBy as OrderBy,
      orderDir,
      grouped: options.grouping === 'always' || body.grouped === true,
    };
  }

  function cursorOf(body: Record<string, unknown>): SearchPage['cursor'] {
    const opt = (name: string) => (body[name] === undefined || body[name] === null ? undefined : positiveInt(body[name], name));
    const c: SearchPage['cursor'] = {};
    const row = opt('first_row_number');
    const id = opt('first_id');
    const ts = opt('first_timestamp');
    if (row !== undefined) c.first_row_number = row;
    if (id !== undefined) c.first_id = id;
    if (ts !== undefined) c.first_timestamp = ts;
    return c;
  }

  /** Index of the first row of the page the cursor names: the row number wins, then the id, then the timestamp. */
  function startIndex(rows: Row[], c: SearchPage['cursor'], q: Query): number {
    if (c.first_row_number !== undefined && c.first_id !== undefined && options.emptyPageWhenFirstIdAndRowNumber) return rows.length;
    if (c.first_row_number !== undefined) return c.first_row_number - 1;
    if (c.first_id !== undefined) {
      const i = rows.findIndex((r) => r.entries.some((p) => p.entry.id === c.first_id));
      return i < 0 ? rows.length : i;
    }
    if (c.first_timestamp !== undefined && q.orderBy === 'date') {
      const ts = c.first_timestamp;
      const i = rows.findIndex((r) => (q.orderDir === 'ASC' ? rowSeconds(r) >= ts : rowSeconds(r) <= ts));
      return i < 0 ? rows.length : i;
    }
    return 0;
  }

  function renderRow(row: Row, rowNumber: number, enriched: boolean): Record<string, unknown> {
    const first = row.entries[0]!.entry;
    const project = first.project_id === null ? undefined : projectsById.get(first.project_id);
    const color = project ? (project.color ?? '#0b83d9') : null;
    const out: Record<string, unknown> = {
      user_id: row.user.id,
      username: row.user.fullname,
      email: row.user.email,
      project_id: project?.id ?? null,
      project_name: project ? project.name : null,
      project_color: color,
      project_hex: color,
      client_name: project ? (project.client_name ?? null) : null,
      description: first.description,
      billable: first.billable ?? false,
      billable_amount_in_cents: null,
      hourly_rate_in_cents: null,
      currency: null,
      tag_ids: first.tags.map((t) => tagIds.get(t)!),
      tag_names: [...first.tags],
      task_id: null,
      task_name: null,
      row_number: rowNumber,
      time_entries: row.entries.map(renderEntry),
    };
    for (const f of enriched ? hiddenEnriched : hiddenPlain) {
      if (options.missingFields === 'null') out[f] = null;
      else delete out[f];
    }
    return out;
  }

  return (body) => {
    const r = range(body);
    const pageSize = pageSizeOf(body);
    const q = queryOf(body, r);
    const cursor = cursorOf(body);
    const rows = rowsFor(q);
    const from = startIndex(rows, cursor, q);
    const page = rows.slice(from, from + pageSize);
    const headers: Record<string, string> = { 'X-Range-Start': r.start, 'X-Range-End': r.end, 'X-Page-Size': String(pageSize) };
    // Recorded: a full last page carries no X-Next-* headers; only a page with rows after it does.
    const next = rows[from + pageSize];
    if (next) {
      headers['X-Next-ID'] = String(next.entries[0]!.entry.id);
      headers['X-Next-Row-Number'] = String(from + pageSize + 1);
      headers['X-Next-Timestamp'] = String(rowSeconds(next));
    }
    const enriched = body.enrich_response === true;
    return {
      rows: page.map((row, i) => renderRow(row, from + i + 1, enriched)),
      headers,
      pageKey: JSON.stringify([q, from, pageSize]),
      range: r,
      pageSize,
      cursor,
      nextRowNumber: next ? from + pageSize + 1 : null,
    };
  };
}

function prepare(dataset: Dataset): PreparedEntry[] {
  const usersById = new Map(dataset.toggl.users.map((u) => [u.id, u]));
  const out = dataset.toggl.time_entries.map((entry): PreparedEntry => {
    const user = usersById.get(entry.user_id)!;
    const offset = offsetMinutes(user.timezone_offset);
    const startMs = Date.parse(entry.start);
    return { entry, user, offset, startMs, stopMs: entry.stop === null ? null : Date.parse(entry.stop), localDate: localDateOf(startMs, offset) };
  });
  return out.sort((a, b) => (a.localDate < b.localDate ? -1 : a.localDate > b.localDate ? 1 : a.startMs - b.startMs || a.entry.id - b.entry.id));
}

/** First index whose local date is on or after `date`. */
function lowerBound(entries: PreparedEntry[], date: string): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid]!.localDate < date) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function groupKey(e: DatasetTimeEntry): string {
  return JSON.stringify([e.user_id, e.description, e.project_id, [...e.tags].sort(), e.billable ?? false]);
}

const rowSeconds = (r: Row) => Math.floor(r.entries[0]!.startMs / 1000);

function sortRows(rows: Row[], q: Query): Row[] {
  const now = Date.now();
  const seconds = (r: Row) => r.entries.reduce((s, p) => s + ((p.stopMs ?? now) - p.startMs) / 1000, 0);
  const lastUpdate = (r: Row) => Math.max(...r.entries.map((p) => p.stopMs ?? p.startMs));
  const cmp: Record<OrderBy, (a: Row, b: Row) => number> = {
    date: (a, b) => a.entries[0]!.startMs - b.entries[0]!.startMs,
    user: (a, b) => a.user.fullname.localeCompare(b.user.fullname) || a.user.id - b.user.id,
    duration: (a, b) => seconds(a) - seconds(b),
    description: (a, b) => a.entries[0]!.entry.description.localeCompare(b.entries[0]!.entry.description),
    last_update: (a, b) => lastUpdate(a) - lastUpdate(b),
  };
  const by = cmp[q.orderBy];
  const dir = q.orderDir === 'DESC' ? -1 : 1;
  return rows.sort((a, b) => dir * (by(a, b) || a.entries[0]!.startMs - b.entries[0]!.startMs || a.entries[0]!.entry.id - b.entries[0]!.entry.id));
}

function renderEntry(p: PreparedEntry) {
  return {
    id: p.entry.id,
    seconds: p.stopMs === null ? -Math.floor(p.startMs / 1000) : Math.round((p.stopMs - p.startMs) / 1000),
    start: formatInOffset(p.startMs, p.offset),
    stop: p.stopMs === null ? null : formatInOffset(p.stopMs, p.offset),
    at: formatInOffset(p.stopMs ?? p.startMs, 0),
    at_tz: formatInOffset(p.stopMs ?? p.startMs, p.offset),
  };
}

function dateParam(v: unknown, name: string): string {
  if (v === undefined || v === null) throw new BadRequest(`Invalid '${name}' value: ${name} is required (YYYY-MM-DD)`);
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(v)) || new Date(v).toISOString().slice(0, 10) !== v) {
    throw new BadRequest(`Invalid '${name}' value: expected a date YYYY-MM-DD`);
  }
  return v;
}

export function positiveInt(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new BadRequest(`Invalid '${name}' value`);
  return v;
}

export function intArray(v: unknown, name: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isInteger(x))) throw new BadRequest(`Invalid '${name}' value`);
  return v as number[];
}

function nullableIntArray(v: unknown, name: string): (number | null)[] {
  if (!Array.isArray(v) || !v.every((x) => x === null || (typeof x === 'number' && Number.isInteger(x)))) throw new BadRequest(`Invalid '${name}' value`);
  return v as (number | null)[];
}
