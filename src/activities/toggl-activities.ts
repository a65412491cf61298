/** Activities 1–3: fetch the Toggl entries, aggregate them, write the Toggl summary. */
import { ApiError, ValidationError } from '../errors.js';
import type { RunRef } from '../workflows/contract.js';
import { readJsonFile, RUN_FILES, writeFileAtomic, writeJsonAtomic } from '../storage/json-storage.js';
import { RawTogglDataSchema, TogglAggregatedSchema, type RawTimeEntry, type RawTogglData } from '../storage/schemas.js';
import { aggregateToggl } from '../toggl/aggregate.js';
import { TogglClient, type TogglTimeEntry, type TogglUser } from '../toggl/client.js';
import { loadAppConfig } from '../config/app-config.js';
import { writeTogglSummary } from '../reports/toggl-summary.js';
import { addReportWarning, htmlPathOf } from '../reports/outcome.js';
import { loadReportSettings, reportWriterFor } from '../reports/writer.js';
import { recordLlmUsage, updateMetadata } from './run-metadata.js';
import { runPath, type ActivityDeps } from './context.js';
import { heartbeating } from './heartbeat.js';

export interface FetchTogglInput extends RunRef {
  start_date: string;
  end_date: string;
  users: string[] | null;
  config: Record<string, unknown> | null;
}

export interface FetchTogglResult {
  entries: number;
  users: number;
  requests: number;
  file: string;
}

export function requireEnv(env: NodeJS.ProcessEnv, name: string, hint: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ValidationError(`${name} is not set: ${hint}`);
  return value;
}

const TOGGL_HINT = 'set it in the environment or .env of the worker, or try volt-agent with --sandbox';

/** The instant a period ends, in the offset the entry was recorded in. */
function periodEnd(endDate: string, start: string): Date {
  const offset = /([+-]\d{2}:?\d{2}|Z)$/.exec(start)?.[1] ?? 'Z';
  const next = new Date(`${endDate}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return new Date(`${next.toISOString().slice(0, 10)}T00:00:00${offset}`);
}

/** Seconds an entry counts for: a running entry counts up to the period's end or now, whichever is earlier. */
export function countedSeconds(entry: Pick<TogglTimeEntry, 'start' | 'stop' | 'seconds'>, endDate: string, now: Date): { seconds: number; running: boolean } {
  const running = entry.stop === null || entry.seconds < 0;
  if (!running) return { seconds: Math.max(0, Math.round(entry.seconds)), running };
  const until = Math.min(periodEnd(endDate, entry.start).getTime(), now.getTime());
  return { seconds: Math.max(0, Math.round((until - new Date(entry.start).getTime()) / 1000)), running };
}

export function createTogglActivities(deps: ActivityDeps) {
  return {
    fetch_toggl_data: (input: FetchTogglInput): Promise<FetchTogglResult> => heartbeating(async (signal) => {
      const env = deps.env;
      const appConfig = await loadAppConfig(deps.configDir, input.config);
      const client = new TogglClient({
        apiToken: requireEnv(env, 'TOGGL_API_TOKEN', TOGGL_HINT),
        workspaceId: requireEnv(env, 'TOGGL_WORKSPACE_ID', TOGGL_HINT),
        baseUrl: env.TOGGL_API_URL || undefined,
        chunkDays: appConfig.toggl.chunk_days,
        pageSize: appConfig.toggl.page_size,
        signal,
      });

      // Names and emails come from the workspace's user list; a non-admin token may not see it,
      // and then the report rows' own user fields are used.
      let workspaceUsers: TogglUser[] | null = null;
      try {
        workspaceUsers = await client.listWorkspaceUsers();
      } catch (error) {
        if (!(error instanceof ApiError && (error.status === 403 || error.status === 404))) throw error;
      }
      const byId = new Map((workspaceUsers ?? []).map((u) => [u.id, u]));

      let userIds: number[] | undefined;
      const wanted = input.users?.map((e) => e.trim().toLowerCase()) ?? null;
      if (wanted && workspaceUsers) {
        const byEmail = new Map(workspaceUsers.map((u) => [u.email.toLowerCase(), u.id]));
        const unknown = wanted.filter((e) => !byEmail.has(e));
        if (unknown.length > 0) {
          throw new ValidationError(`no Toggl user with email ${unknown.join(', ')} in workspace ${env.TOGGL_WORKSPACE_ID}; check --users`);
        }
        userIds = wanted.map((e) => byEmail.get(e)!);
      }

      const entries = await client.searchTimeEntries({ startDate: input.start_date, endDate: input.end_date, userIds });
      const now = deps.now();
      const timeEntries: RawTimeEntry[] = [];
      for (const entry of entries) {
        const known = byId.get(entry.user_id);
        const email = (known?.email ?? entry.user_email ?? `user-${entry.user_id}@toggl.invalid`).toLowerCase();
        if (wanted && !wanted.includes(email)) continue;
        const { seconds, running } = countedSeconds(entry, input.end_date, now);
        timeEntries.push({
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
        });
      }
      timeEntries.sort((a, b) => a.start.localeCompare(b.start) || a.id - b.id);

      const seen = new Map<number, { id: number; email: string; name: string }>();
      for (const e of timeEntries) seen.set(e.user_id, { id: e.user_id, email: e.user_email, name: e.user_name });
      const raw: RawTogglData = {
        fetched_at: now.toISOString(),
        period: { start_date: input.start_date, end_date: input.end_date },
        source: { api: 'Toggl Reports API v3 detailed search', workspace_id: env.TOGGL_WORKSPACE_ID ?? '', requests: client.requestCount },
        users_filter: input.users,
        users: [...seen.values()].sort((a, b) => a.email.localeCompare(b.email)),
        time_entries: timeEntries,
      };
      const file = runPath(input, RUN_FILES.rawToggl);
      await writeJsonAtomic(file, raw);
      return { entries: timeEntries.length, users: raw.users.length, requests: client.requestCount, file };
    }),

    async aggregate_toggl_data(input: RunRef): Promise<{ users: number; entities: number; total_seconds: number; file: string }> {
      const raw = await readJsonFile(runPath(input, RUN_FILES.rawToggl), RawTogglDataSchema);
      const aggregated = aggregateToggl(raw, deps.now());
      const file = runPath(input, RUN_FILES.aggregated);
      await writeJsonAtomic(file, aggregated);
      await updateMetadata(input, (m) => {
        Object.assign(m.stats, {
          entries: aggregated.totals.entries,
          users: aggregated.totals.users,
          entities: aggregated.totals.entities,
          total_seconds: aggregated.totals.total_seconds,
          matched_seconds: aggregated.totals.matched_seconds,
          unmatched_seconds: aggregated.totals.unmatched_seconds,
          toggl_requests: raw.source.requests,
        });
      }, deps.now());
      return { users: aggregated.totals.users, entities: aggregated.totals.entities, total_seconds: aggregated.totals.total_seconds, file };
    },

    async generate_toggl_report(input: RunRef & { config: Record<string, unknown> | null }): Promise<{ file: string; llm: boolean }> {
      const aggregated = await readJsonFile(runPath(input, RUN_FILES.aggregated), TogglAggregatedSchema);
      const writer = reportWriterFor(await loadReportSettings(deps.configDir, input.config), deps.env);
      const report = await writeTogglSummary(aggregated, writer, { fiberyWorkspace: deps.env.FIBERY_WORKSPACE ?? null });
      const file = runPath(input, RUN_FILES.togglSummary);
      await writeFileAtomic(file, report.markdown);
      await writeFileAtomic(htmlPathOf(file), report.html);
      if (report.usage || report.warning) {
        await updateMetadata(input, (m) => {
          if (report.usage) recordLlmUsage(m, [report.usage]);
          addReportWarning(m, report.warning);
        }, deps.now());
      }
      return { file, llm: report.usage !== null };
    },
  };
}
