/**
 * Where the Toggl fetch stands: which dates are covered, the cursor inside the current chunk, what
 * the API taught us. Small and plain, so it travels between the page activities through the
 * workflow and is checkpointed to disk after every page; a fetch continues from it after a
 * failure, a quota wait, a lost worker or a rerun, never from the start.
 *
 * Chunks. A request may cover at most `max_range_days` days. Whether the API's `end_date` is
 * inclusive is not documented, so a chunk first asks for its last day + 1: entries dated that day
 * prove the API inclusive (they are kept, and later chunks ask for their last day itself);
 * otherwise the day is treated as not covered and the next chunk starts on it, which costs nothing
 * twice, because a day that returned no entries returned no rows. `X-Range-End` (the end the
 * server actually used, e.g. after clamping a long range) moves the boundary when it differs.
 */
import { addDays } from './dates.js';

export interface TogglCursor {
  first_row_number: number;
  first_timestamp?: number;
}

export interface TogglFetchState {
  /** The dates to cover, inclusive: the period, and the previous period when comparing. */
  range: { start: string; end: string };
  /** Dates inside the range not to fetch (earlier periods whose figures an earlier run stored), sorted, disjoint. */
  skip?: { start: string; end: string }[];
  max_range_days: number;
  user_ids: number[] | null;
  /** Learned from the answers: true once an entry dated the requested end date came back. */
  end_inclusive: boolean | null;
  /** The chunk being fetched: the dates it must cover; null when done. */
  chunk: { start: string; last: string } | null;
  cursor: TogglCursor | null;
  pages: number;
  /** Every HTTP request the fetch made (users list, pages, retries, quota answers). */
  requests: number;
  entries: number;
  /** The page size the API applied (X-Page-Size), once known. */
  page_size: number | null;
  /** Pages expected in all, estimated from how far through the range the cursor is. */
  estimated_pages: number | null;
  /** Requests left in the quota window, when the API says (X-Toggl-Quota-Remaining). */
  quota_remaining: number | null;
  /** Set when the next request must wait for the quota to free a slot. */
  wait_ms: number | null;
  done: boolean;
}

/** What one page answered, as the plan needs it. */
export interface PageAnswer {
  /** Local dates (`YYYY-MM-DD`) of the page's entries, in order. */
  dates: string[];
  next: TogglCursor | null;
  /** Unix seconds of the next row's start (X-Next-Timestamp), when sent. */
  next_timestamp: number | null;
  page_size: number | null;
  /** X-Range-End, when sent. */
  range_end: string | null;
  quota_remaining: number | null;
  quota_reset_ms: number | null;
  requests: number;
}

export function initialFetchState(range: { start: string; end: string }, maxRangeDays: number, userIds: number[] | null, skip: { start: string; end: string }[] = []): TogglFetchState {
  const gaps = [...skip].sort((a, b) => a.start.localeCompare(b.start));
  return {
    range,
    ...(gaps.length ? { skip: gaps } : {}),
    max_range_days: maxRangeDays,
    user_ids: userIds,
    end_inclusive: null,
    chunk: chunkFrom(range.start, range.end, maxRangeDays, null, gaps),
    cursor: null,
    pages: 0,
    requests: 0,
    entries: 0,
    page_size: null,
    estimated_pages: null,
    quota_remaining: null,
    wait_ms: null,
    done: false,
  };
}

/** The next chunk from `from` on: it starts past any skipped dates and ends before the next ones. */
function chunkFrom(from: string, rangeEnd: string, maxRangeDays: number, inclusive: boolean | null, skip: readonly { start: string; end: string }[] = []): { start: string; last: string } | null {
  let start = from;
  for (const gap of skip) if (gap.start <= start && start <= gap.end) start = addDays(gap.end, 1);
  if (start > rangeEnd) return null;
  // Asking for last + 1 spends one day of the allowed span.
  const span = inclusive === true ? maxRangeDays : Math.max(1, maxRangeDays - 1);
  const nextGap = skip.find((gap) => gap.start > start);
  const limits = [addDays(start, span - 1), rangeEnd, ...(nextGap ? [addDays(nextGap.start, -1)] : [])];
  return { start, last: limits.reduce((a, b) => (b < a ? b : a)) };
}

/** The dates to send for the current chunk. */
export function chunkRequest(state: TogglFetchState): { start_date: string; end_date: string } {
  if (!state.chunk) throw new Error('the Toggl fetch is already done');
  const { start, last } = state.chunk;
  return { start_date: start, end_date: state.end_inclusive === true ? last : addDays(last, 1) };
}

/** Whether an entry dated `date` belongs to the fetch (entries of the extra day past the range do not). */
export function inRange(state: TogglFetchState, date: string): boolean {
  return date >= state.range.start && date <= state.range.end && !(state.skip ?? []).some((gap) => date >= gap.start && date <= gap.end);
}

/** The state after a page came back. */
export function afterPage(state: TogglFetchState, page: PageAnswer): TogglFetchState {
  const request = chunkRequest(state);
  const usedEnd = page.range_end && /^\d{4}-\d{2}-\d{2}$/.test(page.range_end) ? page.range_end : request.end_date;
  const inclusive = state.end_inclusive === true || page.dates.some((d) => d === usedEnd) ? true : state.end_inclusive;
  const next: TogglFetchState = {
    ...state,
    end_inclusive: inclusive,
    pages: state.pages + 1,
    requests: state.requests + page.requests,
    entries: state.entries + page.dates.filter((d) => inRange(state, d)).length,
    page_size: page.page_size ?? state.page_size,
    quota_remaining: page.quota_remaining,
    wait_ms: page.quota_remaining === 0 && page.quota_reset_ms !== null ? page.quota_reset_ms : null,
  };
  if (page.next) {
    next.cursor = page.next;
    next.estimated_pages = estimatePages(state.range, next.pages, page.next_timestamp);
    return next;
  }
  const coveredThrough = inclusive === true ? usedEnd : addDays(usedEnd, -1);
  next.cursor = null;
  next.chunk = chunkFrom(addDays(coveredThrough, 1), state.range.end, state.max_range_days, inclusive, state.skip);
  next.done = next.chunk === null;
  next.estimated_pages = next.done ? next.pages : estimatePages(state.range, next.pages, Date.parse(`${addDays(coveredThrough, 1)}T00:00:00Z`) / 1000);
  return next;
}

/** The state after the quota ran out before a page: the same page, later. */
export function afterQuotaWait(state: TogglFetchState, resetMs: number, requests: number): TogglFetchState {
  return { ...state, requests: state.requests + requests, quota_remaining: 0, wait_ms: resetMs };
}

/** The server refused the chunk's span: halve it and ask again (the cursor restarts the chunk). */
export function afterRangeRefused(state: TogglFetchState, requests: number): TogglFetchState | null {
  if (!state.chunk || state.cursor) return null;
  const days = Math.round((Date.parse(state.chunk.last) - Date.parse(state.chunk.start)) / 86_400_000) + 1;
  if (days <= 1) return null;
  const maxRangeDays = Math.max(2, Math.ceil(days / 2));
  return {
    ...state,
    requests: state.requests + requests,
    max_range_days: maxRangeDays,
    chunk: chunkFrom(state.chunk.start, state.range.end, maxRangeDays, state.end_inclusive, state.skip),
  };
}

function estimatePages(range: { start: string; end: string }, pages: number, coveredUntilSeconds: number | null): number | null {
  if (coveredUntilSeconds === null || !Number.isFinite(coveredUntilSeconds)) return null;
  const from = Date.parse(`${range.start}T00:00:00Z`) / 1000;
  const to = Date.parse(`${addDays(range.end, 1)}T00:00:00Z`) / 1000;
  const fraction = (coveredUntilSeconds - from) / (to - from);
  if (!(fraction > 0.01)) return null;
  return Math.max(pages, Math.ceil(pages / Math.min(1, fraction)));
}
