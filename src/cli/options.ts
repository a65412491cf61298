/**
 * `volt-agent run` options (spec 6.1), checked before anything is started or written.
 */
import path from 'node:path';
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { RUN_FILES, validateRunId } from '../storage/json-storage.js';
import type { RunFiles, RunStore } from '../storage/run-store.js';
import { RunMetadataSchema, STAGES, TogglAggregatedSchema } from '../storage/schemas.js';
import { checkChannels } from '../schedules/request.js';
import { DEFAULT_PERIOD_SETTINGS, describePeriod, localDate, resolvePeriod, type Period, type PeriodSettings } from '../config/period.js';
import type { Env } from '../config/env.js';
import type { CompareMode, DeliveryChannel, StageName } from '../workflows/contract.js';

const COMPARE_CHOICES: readonly CompareMode[] = ['previous', 'none'];

/** A real calendar date: 2025-02-30 and 2025-13-01 are refused. */
function checkDate(flag: string, value: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : null;
  if (!date || date.toISOString().slice(0, 10) !== value) {
    throw new ValidationError(`${flag} "${value}" is not a valid date: use YYYY-MM-DD, e.g. 2025-10-07`);
  }
  return value;
}

const email = z.email();

export interface RawRunOptions {
  startDate?: string;
  endDate?: string;
  /** last-week, 2026-W49, 2026-11 … instead of --start-date/--end-date. */
  period?: string;
  /** Periods in the team report's trend (0: none); default from config.yaml. */
  trend?: number;
  users?: string;
  outputDir: string;
  /** Default: the first stage, the whole pipeline. */
  startFrom?: string;
  runId?: string;
  /** previous (default) or none. */
  compare?: string;
  reloadConfig?: boolean;
  /** Comma-separated delivery channels (src/delivery/channels/). */
  deliver?: string;
}

export interface RunOptions {
  startDate: string;
  endDate: string;
  users: string[] | null;
  outputDir: string;
  startFrom: StageName;
  runId: string | null;
  compare: CompareMode;
  /** With --start-from fibery: the current config directory instead of the run's run_config.json. */
  reloadConfig: boolean;
  /** Where the digest goes once the reports are written (none: it stays in the run directory). */
  deliver: DeliveryChannel[];
  /** --trend; null: config.yaml's periods.trend, or its default. */
  trend: number | null;
}

/** How --period is read: the week start and time zone of config.yaml, and the clock. */
export interface PeriodContext {
  settings: PeriodSettings;
  now: Date;
}

/** config.yaml's week start and time zone, and now. */
export async function periodContext(env: Env): Promise<PeriodContext> {
  const { configDir, loadAppConfig } = await import('../config/app-config.js');
  const { periods } = await loadAppConfig(configDir(env.raw), null);
  return { settings: periods, now: new Date() };
}

/** What a run's period reads back as before it starts. */
export function describeRunPeriod(options: Pick<RunOptions, 'startDate' | 'endDate'>): string {
  return describePeriod({ start_date: options.startDate, end_date: options.endDate });
}

/** --period as dates, read in the configured time zone; refused next to --start-date/--end-date. */
export function periodOption(raw: Pick<RawRunOptions, 'period' | 'startDate' | 'endDate'>, context: PeriodContext): Period | null {
  if (raw.period === undefined) return null;
  if (raw.startDate !== undefined || raw.endDate !== undefined) throw new ValidationError('--period replaces --start-date/--end-date: give one or the other');
  return resolvePeriod(raw.period, localDate(context.now, context.settings.timezone), context.settings);
}

/** --compare: previous (the default) or none. */
export function checkCompare(value: string | undefined): CompareMode {
  if (value !== undefined && !(COMPARE_CHOICES as readonly string[]).includes(value)) {
    throw new ValidationError(`--compare must be one of ${COMPARE_CHOICES.join(', ')}, not "${value}"`);
  }
  return (value ?? 'previous') as CompareMode;
}

/** `store` holds the runs (the local --output-dir, or VOLT_RUN_STORE's bucket): an earlier run is read from there. */
export async function resolveRunOptions(raw: RawRunOptions, store: RunStore, defaults?: { startDate: string; endDate: string }, periodContext?: PeriodContext): Promise<RunOptions> {
  const startFrom = raw.startFrom ?? STAGES[0];
  if (!(STAGES as readonly string[]).includes(startFrom)) {
    throw new ValidationError(`--start-from must be one of ${STAGES.join(', ')}, not "${startFrom}"`);
  }
  const outputDir = path.resolve(raw.outputDir);
  const runId = raw.runId === undefined ? null : validateRunId(raw.runId);
  const users = raw.users === undefined ? null : parseUsers(raw.users);
  const compare = checkCompare(raw.compare);
  const deliver = raw.deliver === undefined ? [] : checkChannels('--deliver', raw.deliver);
  if (raw.reloadConfig && startFrom !== 'fibery') throw new ValidationError('--reload-config goes with --start-from fibery: a new run reads the config directory anyway');

  if (startFrom === 'fibery') {
    if (!runId) throw new ValidationError('--start-from fibery needs --run-id of an earlier run (see volt-agent list-runs)');
    const files = store.run(runId);
    if (!(await files.exists(''))) throw new ValidationError(`no run "${runId}" in ${store.location}: check --run-id and ${store.kind === 'local' ? '--output-dir' : 'VOLT_RUN_STORE'}`);
    if (!(await files.exists(RUN_FILES.aggregated))) {
      throw new ValidationError(`run "${runId}" has no ${RUN_FILES.aggregated}: its Toggl stage never finished; start a new run instead`);
    }
    const metadata = await files.readJson(RUN_FILES.metadata, RunMetadataSchema);
    // The Fibery stage starts from the aggregates: a damaged file fails here, before the earlier run is touched.
    await files.readJson(RUN_FILES.aggregated, TogglAggregatedSchema);
    if (metadata.status === 'in_progress') {
      throw new ValidationError(`run "${runId}" is still in progress: wait for it or cancel it first`);
    }
    if (raw.startDate || raw.endDate || raw.period) {
      throw new ValidationError(`--period/--start-date/--end-date cannot change run "${runId}": its period is ${metadata.parameters.start_date} – ${metadata.parameters.end_date}`);
    }
    if (raw.trend !== undefined) throw new ValidationError(`--trend cannot change run "${runId}": its Toggl stage already aggregated the earlier periods`);
    if (raw.compare !== undefined) throw new ValidationError(`--compare cannot change run "${runId}": its Toggl stage already aggregated with compare ${metadata.parameters.compare}`);
    return {
      startDate: metadata.parameters.start_date,
      endDate: metadata.parameters.end_date,
      users: users ?? metadata.parameters.users_filter,
      outputDir,
      startFrom: 'fibery',
      runId,
      compare: metadata.parameters.compare,
      reloadConfig: raw.reloadConfig ?? false,
      deliver,
      trend: null,
    };
  }

  const named = periodOption(raw, periodContext ?? { settings: DEFAULT_PERIOD_SETTINGS, now: new Date() });
  const startDate = named?.start_date ?? raw.startDate ?? defaults?.startDate;
  const endDate = named?.end_date ?? raw.endDate ?? defaults?.endDate;
  if (!startDate || !endDate) throw new ValidationError('--period (e.g. last-week) or --start-date and --end-date (YYYY-MM-DD) are required');
  checkDate('--start-date', startDate);
  checkDate('--end-date', endDate);
  if (endDate < startDate) throw new ValidationError(`--end-date ${endDate} is before --start-date ${startDate}`);
  if (runId && (await store.run(runId).exists(''))) {
    await checkResumable(store.run(runId), runId, store.location, { startDate, endDate, users, compare });
  }
  return { startDate, endDate, users, outputDir, startFrom: 'toggl', runId, compare, reloadConfig: false, deliver, trend: raw.trend ?? null };
}

/**
 * A failed or cancelled run may be started again under its own id: the Toggl pages it already
 * fetched are kept and the fetch goes on from its checkpoint. Anything else is another run's directory.
 */
async function checkResumable(files: RunFiles, runId: string, outputDir: string, wanted: { startDate: string; endDate: string; users: string[] | null; compare: CompareMode }): Promise<void> {
  const taken = `run "${runId}" already exists in ${outputDir}: pick another --run-id, or use --start-from fibery to redo its Fibery stage`;
  if (!(await files.exists(RUN_FILES.metadata))) throw new ValidationError(taken);
  const metadata = await files.readJson(RUN_FILES.metadata, RunMetadataSchema);
  if (metadata.status !== 'failed' && metadata.status !== 'cancelled') throw new ValidationError(taken);
  const p = metadata.parameters;
  const same = p.start_date === wanted.startDate && p.end_date === wanted.endDate && p.compare === wanted.compare && JSON.stringify(p.users_filter) === JSON.stringify(wanted.users);
  if (!same) {
    throw new ValidationError(
      `run "${runId}" was a ${metadata.status} run of ${p.start_date} – ${p.end_date}${p.users_filter ? ` for ${p.users_filter.join(', ')}` : ''} (compare ${p.compare}): resume it with the same period, users and --compare, or pick another --run-id`,
    );
  }
}

export function parseUsers(value: string): string[] {
  const list = value.split(',').map((u) => u.trim().toLowerCase()).filter(Boolean);
  if (list.length === 0) throw new ValidationError('--users is empty: give comma-separated emails, e.g. --users ann@example.com,bob@example.com');
  for (const user of list) {
    if (!email.safeParse(user).success) throw new ValidationError(`--users: "${user}" is not an email address`);
  }
  return [...new Set(list)];
}
