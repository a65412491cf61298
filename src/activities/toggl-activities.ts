/**
 * Activities 1–3: fetch the Toggl entries page by page (each page an activity, checkpointed to
 * disk), aggregate them as they stream from disk, write the Toggl summary.
 */
import { z } from 'zod';
import { accessProblem, wrongToken } from '../http/access.js';
import { ApiError, QuotaExhaustedError, ValidationError } from '../errors.js';
import { readRunConfig } from '../config/run-config.js';
import { togglSettings } from '../config/env.js';
import type { CompareMode, RunRef } from '../workflows/contract.js';
import { RUN_FILES } from '../storage/json-storage.js';
import { writeJsonStream } from '../storage/json-stream.js';
import { joinKey, parseRunFile, type RunFiles, type RunStore } from '../storage/run-store.js';
import { TogglAggregatedSchema, type RawTimeEntry, type TogglAggregated, type Trend, type TrendPeriod } from '../storage/schemas.js';
import { periodKey, storedAggregates, storedRunsFor } from '../storage/run-history.js';
import { defaultTrendCount, trendPeriods } from '../config/period.js';
import { TrendPeriodAccumulator, trendPeriodFromAggregates } from '../toggl/trend.js';
import { TogglAggregator } from '../toggl/aggregate.js';
import { previousPeriod } from '../toggl/breakdown.js';
import { TogglClient, type TogglTimeEntry, type TogglUser } from '../toggl/client.js';
import { unknownUsersLine } from '../toggl/users.js';
import { addDays } from '../toggl/dates.js';
import { afterPage, afterQuotaWait, afterRangeRefused, initialFetchState, inRange, type TogglFetchState } from '../toggl/fetch-plan.js';
import { writeTogglSummary } from '../reports/toggl-summary.js';
import { saveLlmAnswers } from './llm-answers.js';
import { reportWriterFor } from '../reports/writer.js';
import { saveReport, updateMetadata } from './run-metadata.js';
import { runFiles, type ActivityDeps } from './context.js';
import { heartbeating } from './heartbeat.js';
import { onApiQueue } from '../http/budgets.js';
import { countEntriesFetched } from '../metrics/activity.js';

export interface FetchTogglInput extends RunRef {
  start_date: string;
  end_date: string;
  users: string[] | null;
  compare: CompareMode;
  /** Periods in the team report's trend, the run's own included; absent: config.yaml's periods.trend or its default. */
  trend?: number;
}

export interface TogglPageInput extends RunRef {
  state: TogglFetchState;
}

/** The instant a period ends, in the offset the entry was recorded in. */
function periodEnd(endDate: string, start: string): Date {
  const offset = /([+-]\d{2}:?\d{2}|Z)$/.exec(start)?.[1] ?? 'Z';
  return new Date(`${addDays(endDate, 1)}T00:00:00${offset}`);
}

/** Seconds an entry counts for: a running entry counts up to the period's end or now, whichever is earlier. */
export function countedSeconds(entry: Pick<TogglTimeEntry, 'start' | 'stop' | 'seconds'>, endDate: string, now: Date): { seconds: number; running: boolean } {
  const running = entry.stop === null || entry.seconds < 0;
  if (!running) return { seconds: Math.max(0, Math.round(entry.seconds)), running };
  const until = Math.min(periodEnd(endDate, entry.start).getTime(), now.getTime());
  return { seconds: Math.max(0, Math.round((until - new Date(entry.start).getTime()) / 1000)), running };
}

/** What the fetch knows besides its pages: written by the plan, read by the aggregation. */
const FetchMetaSchema = z.object({
  fetched_at: z.string(),
  workspace_id: z.string(),
  period: z.object({ start_date: z.string(), end_date: z.string() }),
  previous: z.object({ start_date: z.string(), end_date: z.string() }).nullable(),
  users_filter: z.array(z.string()).nullable(),
  workspace_users: z.array(z.object({ id: z.number(), email: z.string(), name: z.string() })).nullable(),
  /** Requests the plan made (the users list). */
  requests: z.number(),
  /** With `previous`: the earlier run whose stored aggregates it is taken from (then it is not fetched). */
  previous_run_id: z.string().nullable().default(null),
  /** The trend's earlier periods, oldest first: from an earlier run's stored aggregates (run_id) or from this fetch (null). */
  trend: z.array(z.object({ period: z.object({ start_date: z.string(), end_date: z.string() }), run_id: z.string().nullable() })).default([]),
});
type FetchMeta = z.infer<typeof FetchMetaSchema>;

const CheckpointSchema = z.object({ key: z.string(), state: z.custom<TogglFetchState>((v) => typeof v === 'object' && v !== null) });
const PageFileSchema = z.object({ entries: z.array(z.custom<TogglTimeEntry>()) });

const togglFile = (name: string) => joinKey(RUN_FILES.togglStaging, name);
const pageFileName = (page: number) => `page-${String(page).padStart(6, '0')}.json`;

function planKey(meta: Pick<FetchMeta, 'period' | 'previous' | 'users_filter' | 'workspace_id' | 'previous_run_id' | 'trend'>): string {
  return JSON.stringify([meta.workspace_id, meta.period, meta.previous, meta.users_filter, meta.previous_run_id, meta.trend]);
}

/**
 * Which earlier periods come from earlier runs and which must be fetched: the trend's periods and
 * the comparison period, each from a stored run of exactly it when there is one. The fetch then
 * covers one range, from the earliest period without a stored run to the end of the run's period,
 * skipping the stored periods inside it, in one pass.
 */
async function planEarlierPeriods(input: FetchTogglInput, store: RunStore, workspaceId: string, configured: number | null) {
  const period = { start_date: input.start_date, end_date: input.end_date };
  const count = input.trend ?? configured ?? defaultTrendCount(period);
  const earlier = trendPeriods(period, Math.max(count, 1)).slice(0, -1);
  const previous = input.compare === 'previous' ? previousPeriod(period) : null;
  const stored = await storedRunsFor({ store, periods: previous ? [...earlier, previous] : earlier, workspaceId, users: input.users, runId: input.run_id });
  const trend = earlier.map((p) => ({ period: p, run_id: stored.get(periodKey(p)) ?? null }));
  const previousRunId = previous ? (stored.get(periodKey(previous)) ?? null) : null;
  const missing = [...trend.filter((t) => t.run_id === null).map((t) => t.period), ...(previous && !previousRunId ? [previous] : [])];
  const start = missing.reduce((first, p) => (p.start_date < first ? p.start_date : first), input.start_date);
  // Stored periods inside the range are skipped: the fetch asks only for the dates it lacks.
  const storedPeriods = [...trend.filter((t) => t.run_id !== null).map((t) => t.period), ...(previous && previousRunId ? [previous] : [])];
  const skip = [...new Map(storedPeriods.filter((p) => p.start_date > start).map((p) => [periodKey(p), { start: p.start_date, end: p.end_date }])).values()];
  return { previous, previousRunId, trend, range: { start, end: input.end_date }, skip };
}

function togglClient(deps: ActivityDeps, settings: { page_size: number; requests_per_second: number }, signal?: AbortSignal): { client: TogglClient; workspaceId: string } {
  const { apiToken, workspaceId, apiUrl } = togglSettings(deps.env);
  const client = new TogglClient({
    apiToken,
    workspaceId,
    baseUrl: apiUrl ?? undefined,
    pageSize: settings.page_size,
    requestsPerSecond: settings.requests_per_second,
    signal,
  });
  return { client, workspaceId };
}

async function readCheckpoint(files: RunFiles, key: string): Promise<TogglFetchState | null> {
  const file = togglFile('checkpoint.json');
  if (!(await files.exists(file))) return null;
  const checkpoint = await files.readJson(file, CheckpointSchema).catch(() => null);
  return checkpoint?.key === key ? checkpoint.state : null;
}

export function createTogglActivities(deps: ActivityDeps) {
  return {
    /**
     * Plans the fetch: the users list, the dates to cover, and where an earlier attempt of this run
     * stopped. Returns the state the page activities carry forward.
     */
    fetch_toggl_data: (input: FetchTogglInput): Promise<TogglFetchState> => heartbeating(async (signal) => {
      const files = runFiles(deps, input);
      const { app } = await readRunConfig(files);
      const { client, workspaceId } = togglClient(deps, app.toggl, signal);
      const earlier = await planEarlierPeriods(input, deps.store(input.output_dir), workspaceId, app.periods.trend);
      const previous = earlier.previous;
      const key = planKey({ workspace_id: workspaceId, period: { start_date: input.start_date, end_date: input.end_date }, previous, users_filter: input.users, previous_run_id: earlier.previousRunId, trend: earlier.trend });
      const resumed = await readCheckpoint(files, key);
      if (resumed) return resumed;

      await files.remove(RUN_FILES.togglStaging);
      // Names and emails come from the workspace's user list; a non-admin token may not see it,
      // and then the report rows' own user fields are used.
      let workspaceUsers: TogglUser[] | null = null;
      try {
        workspaceUsers = await client.listWorkspaceUsers();
      } catch (error) {
        // A rejected token fails the run at once (non-retryable), with the line `run` prints in the embedded mode.
        if (wrongToken(error)) throw new ValidationError(accessProblem(error)!);
        if (!(error instanceof ApiError && (error.status === 403 || error.status === 404))) throw error;
      }
      let userIds: number[] | null = null;
      if (input.users && workspaceUsers) {
        const byEmail = new Map(workspaceUsers.map((u) => [u.email.toLowerCase(), u.id]));
        const unknown = input.users.filter((e) => !byEmail.has(e));
        if (unknown.length > 0) throw new ValidationError(unknownUsersLine(unknown, workspaceId));
        userIds = input.users.map((e) => byEmail.get(e)!);
      }
      const meta: FetchMeta = {
        fetched_at: deps.now().toISOString(),
        workspace_id: workspaceId,
        period: { start_date: input.start_date, end_date: input.end_date },
        previous,
        users_filter: input.users,
        workspace_users: workspaceUsers,
        requests: client.requestCount,
        previous_run_id: earlier.previousRunId,
        trend: earlier.trend,
      };
      await files.writeJson(togglFile('fetch.json'), meta);
      const range = earlier.range;
      const state = { ...initialFetchState(range, app.toggl.max_range_days, userIds, earlier.skip), requests: client.requestCount };
      await files.writeJson(togglFile('checkpoint.json'), { key, state });
      return state;
    }),

    /**
     * One page: fetched, written to disk, checkpointed. Asked again with the same state (a retry
     * after a lost worker), it fetches and writes the same page again. When the quota is used up it
     * fetches nothing and says how long to wait; the workflow waits, not a worker.
     */
    fetch_toggl_page: onApiQueue('toggl', (input: TogglPageInput): Promise<TogglFetchState> => heartbeating(async (signal) => {
      const files = runFiles(deps, input);
      const { app } = await readRunConfig(files);
      const { client } = togglClient(deps, app.toggl, signal);
      const checkpointFile = togglFile('checkpoint.json');
      const { key } = await files.readJson(checkpointFile, CheckpointSchema);
      let next: TogglFetchState;
      try {
        const page = await client.searchPage(input.state);
        const entries = page.entries.filter((e) => inRange(input.state, e.start.slice(0, 10)));
        // A store outage here is waited out inside the call (src/storage/s3-store.ts): the page
        // fetched is written, not fetched again.
        await files.writeJson(togglFile(pageFileName(input.state.pages + 1)), { entries });
        countEntriesFetched(entries.length);
        next = afterPage(input.state, page);
      } catch (error) {
        if (error instanceof QuotaExhaustedError) {
          next = afterQuotaWait(input.state, error.resetInMs, client.requestCount);
        } else if (error instanceof ApiError && error.status === 400 && /range|date|period|days/i.test(error.message)) {
          const shrunk = afterRangeRefused(input.state, client.requestCount);
          if (!shrunk) throw error;
          next = shrunk;
        } else {
          throw error;
        }
      }
      await files.writeJson(checkpointFile, { key, state: next });
      return next;
    })),

    /**
     * Streams the pages from disk into raw_toggl_data.json (the period), raw_toggl_previous.json
     * (the period before, when comparing) and the aggregates: memory holds the aggregates and one
     * page, never the whole period.
     */
    aggregate_toggl_data: (input: RunRef): Promise<{ users: number; entities: number; total_seconds: number; file: string }> => heartbeating(async () => {
      const files = runFiles(deps, input);
      const meta = await files.readJson(togglFile('fetch.json'), FetchMetaSchema);
      const state = (await files.readJson(togglFile('checkpoint.json'), CheckpointSchema)).state;
      const pages = await pageFiles(files);
      const normalise = entryNormaliser(meta);
      const aggregator = new TogglAggregator({ period: meta.period, fetched_at: meta.fetched_at, comparison: meta.previous ? 'previous' : 'none' });
      const source = { api: 'Toggl Reports API v3 detailed search', workspace_id: meta.workspace_id, requests: meta.requests + state.requests };

      const write = async (file: string, period: { start_date: string; end_date: string }, add: (e: RawTimeEntry) => void) => {
        const users = new Map<number, { id: number; email: string; name: string }>();
        await writeJsonStream(files, file, {
          head: { fetched_at: meta.fetched_at, period, source, users_filter: meta.users_filter },
          arrayKey: 'time_entries',
          items: entriesOf(files, pages, period, normalise, (entry) => {
            users.set(entry.user_id, { id: entry.user_id, email: entry.user_email, name: entry.user_name });
            add(entry);
          }),
          tail: () => ({ users: [...users.values()].sort((a, b) => a.email.localeCompare(b.email)) }),
        });
      };
      await write(RUN_FILES.rawToggl, meta.period, (e) => aggregator.add(e));
      const store = deps.store(input.output_dir);
      const storedPrevious = meta.previous_run_id ? await storedAggregates(store, meta.previous_run_id) : null;
      if (meta.previous && !meta.previous_run_id) await write(RUN_FILES.rawTogglPrevious, meta.previous, (e) => aggregator.addPrevious(e));
      else await files.remove(RUN_FILES.rawTogglPrevious);
      if (meta.previous_run_id) {
        if (!storedPrevious?.breakdown) throw new ValidationError(`run "${meta.previous_run_id}" no longer has readable aggregates for ${meta.previous?.start_date} – ${meta.previous?.end_date}: start this run again`);
        aggregator.usePrevious(storedPrevious.breakdown);
      }

      const finished = aggregator.finish(deps.now());
      const trend = await trendOf(store, files, meta, pages, normalise, finished);
      const aggregated = { ...finished, workspace_id: meta.workspace_id, ...(trend ? { trend } : {}) };
      await files.writeJson(RUN_FILES.aggregated, aggregated);
      const file = files.where(RUN_FILES.aggregated);
      await updateMetadata(files, (m) => {
        Object.assign(m.stats, {
          entries: aggregated.totals.entries,
          users: aggregated.totals.users,
          entities: aggregated.totals.entities,
          total_seconds: aggregated.totals.total_seconds,
          matched_seconds: aggregated.totals.matched_seconds,
          unmatched_seconds: aggregated.totals.unmatched_seconds,
          toggl_requests: source.requests,
          toggl_pages: state.pages,
        });
        if (trend) m.trend = trend.periods.map((t) => ({ period: t.period, source: t.source, run_id: t.run_id }));
        else delete m.trend;
      }, deps.now());
      return { users: aggregated.totals.users, entities: aggregated.totals.entities, total_seconds: aggregated.totals.total_seconds, file };
    }),

    async generate_toggl_report(input: RunRef): Promise<{ file: string; llm: boolean }> {
      const files = runFiles(deps, input);
      const aggregated = await files.readJson(RUN_FILES.aggregated, TogglAggregatedSchema);
      const writer = reportWriterFor(await readRunConfig(files), deps.env.raw);
      const report = await writeTogglSummary(aggregated, writer, { fiberyWorkspace: deps.env.FIBERY_WORKSPACE ?? null });
      await saveLlmAnswers(files, 'toggl_summary', 'toggl_summary', report.answers);
      return saveReport(files, RUN_FILES.togglSummary, report, deps.now());
    },
  };
}

/**
 * The trend's periods, oldest first: each earlier one from the stored aggregates of the run the
 * plan found, or from the fetched pages; the run's own period last. Null without a trend.
 */
async function trendOf(
  store: RunStore,
  files: RunFiles,
  meta: FetchMeta,
  pages: readonly string[],
  normalise: (entry: TogglTimeEntry, endDate: string) => RawTimeEntry | null,
  aggregated: TogglAggregated,
): Promise<Trend | null> {
  if (meta.trend.length === 0) return null;
  const periods: TrendPeriod[] = [];
  for (const { period, run_id: runId } of meta.trend) {
    if (runId) {
      const stored = await storedAggregates(store, runId);
      const figures = stored ? trendPeriodFromAggregates(stored, 'run', runId) : null;
      if (!figures) throw new ValidationError(`run "${runId}" no longer has readable aggregates for ${period.start_date} – ${period.end_date}: start this run again`);
      periods.push(figures);
      continue;
    }
    const accumulator = new TrendPeriodAccumulator(period);
    for await (const entry of entriesOf(files, pages, period, normalise, () => {})) accumulator.add(entry);
    periods.push(accumulator.finish());
  }
  periods.push(trendPeriodFromAggregates(aggregated, 'this_run', null)!);
  return { periods };
}

async function pageFiles(files: RunFiles): Promise<string[]> {
  const pages = (await files.list(RUN_FILES.togglStaging)).map((f) => f.key).filter((key) => /\/page-\d+\.json$/.test(key));
  return pages.sort();
}

/** The entries of `period` across the pages, once each (an id seen twice is the same entry). */
async function* entriesOf(
  files: RunFiles,
  pages: readonly string[],
  period: { start_date: string; end_date: string },
  normalise: (entry: TogglTimeEntry, endDate: string) => RawTimeEntry | null,
  onEntry: (entry: RawTimeEntry) => void,
): AsyncGenerator<RawTimeEntry> {
  const seen = new Set<number>();
  for (const file of pages) {
    const { entries } = parseRunFile(files.where(file), await files.read(file), PageFileSchema);
    for (const entry of entries) {
      const day = entry.start.slice(0, 10);
      if (day < period.start_date || day > period.end_date || seen.has(entry.id)) continue;
      seen.add(entry.id);
      const raw = normalise(entry, period.end_date);
      if (!raw) continue;
      onEntry(raw);
      yield raw;
    }
  }
}

/** An API entry as the run files keep it: the person's email and name from the users list, the seconds it counts for. */
function entryNormaliser(meta: FetchMeta): (entry: TogglTimeEntry, endDate: string) => RawTimeEntry | null {
  const byId = new Map((meta.workspace_users ?? []).map((u) => [u.id, u]));
  const wanted = meta.users_filter ? new Set(meta.users_filter) : null;
  const now = new Date(meta.fetched_at);
  return (entry, endDate) => {
    const known = byId.get(entry.user_id);
    const email = (known?.email || entry.user_email || `user-${entry.user_id}@toggl.invalid`).toLowerCase();
    if (wanted && !wanted.has(email)) return null;
    const { seconds, running } = countedSeconds(entry, endDate, now);
    return {
      id: entry.id,
      user_id: entry.user_id,
      user_email: email,
      user_name: known?.name ?? entry.user_name ?? email,
      description: entry.description ?? '',
      project_id: entry.project_id,
      project_name: entry.project_name,
      client_name: entry.client_name,
      tags: entry.tags,
      start: entry.start,
      stop: entry.stop,
      seconds,
      running,
      api_seconds: entry.seconds,
    };
  };
}
