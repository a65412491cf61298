/**
 * How a run's progress looks (spec 6.2): the live box for a terminal and the plain lines for
 * pipes, CI and NO_COLOR. Pure functions of the `getProgress` query's answer: no I/O, no clock.
 */
import { STEP, STEPS, type Progress, type StageName, type StepName } from '../workflows/contract.js';

export const STAGE_LABELS: Record<StageName, string> = {
  toggl: 'Toggl Collection',
  fibery: 'Fibery Enrichment',
};


export function activityLabel(name: StepName | null): string {
  if (name === null) return 'Waiting for the next activity';
  return STEPS.find((s) => s.name === name)?.label ?? name;
}

export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m ${s % 60}s` : `${Math.floor(m / 60)}h ${m % 60}m`;
}

/** The stage to show: the current one, else the one last seen (between two activities the query reports none). */
export function stageLabel(progress: Progress, lastStage: StageName | null = null): string {
  if (progress.status === 'completed') return 'Completed';
  if (progress.status === 'failed') return 'Failed';
  if (progress.status === 'cancelled') return 'Cancelled';
  const stage = progress.current_stage ?? lastStage;
  return stage ? STAGE_LABELS[stage] : 'Starting';
}

export function progressBar(percentage: number, width: number): string {
  const clamped = Math.max(0, Math.min(100, percentage));
  const filled = Math.round((clamped / 100) * width);
  return '━'.repeat(filled) + '─'.repeat(width - filled);
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
const count = (n: number) => n.toLocaleString('en');

/** `Waiting for the Toggl quota: resumes in 34m 2s (812 of 1,291 pages fetched)`, or null while not waiting. */
export function quotaWaitLine(progress: Progress, now: number): string | null {
  const toggl = progress.details.toggl;
  if (progress.status !== 'running' || !toggl?.quota_wait_until) return null;
  const of = toggl.estimated_pages ? ` of ${count(toggl.estimated_pages)}` : '';
  return `Waiting for the Toggl quota: resumes in ${formatSeconds((toggl.quota_wait_until - now) / 1000)} (${count(toggl.pages)}${of} pages fetched)`;
}

/** `812 of ~1,291 pages fetched, 162,304 entries` while the Toggl fetch runs. */
function fetchLine(progress: Progress): string | null {
  const toggl = progress.details.toggl;
  if (progress.current_activity !== STEP.fetch_toggl_data || !toggl) return null;
  const of = toggl.estimated_pages && !toggl.done ? ` of ~${count(toggl.estimated_pages)}` : '';
  return `Pages: ${count(toggl.pages)}${of} fetched, ${count(toggl.entries)} entries, ${plural(toggl.requests, 'request', 'requests')}`;
}

/** The "Details:" lines (without their tree prefixes). */
export function detailLines(progress: Progress, width = Infinity, now = progress.details.as_of): string[] {
  const { details } = progress;
  const lines: string[] = [];
  const waiting = quotaWaitLine(progress, now);
  if (waiting) lines.push(waiting);
  const fetching = fetchLine(progress);
  if (fetching) lines.push(fetching);
  const types = details.types;
  const enriching = progress.current_activity === STEP.enrich_entities_by_type;
  if (enriching) {
    const current = types.find((t) => t.key === details.current_type);
    if (current) lines.push(`Current: ${current.key} (${current.done}/${plural(current.total, 'entity', 'entities')})`);
    const completed = types.filter((t) => t.total > 0 && t.done >= t.total && t.key !== details.current_type);
    if (completed.length) {
      const full = `Completed: ${completed.map((t) => `${t.key} (${t.done}/${plural(t.total, 'entity', 'entities')})`).join(', ')}`;
      const done = completed.reduce((n, t) => n + t.done, 0);
      lines.push(full.length <= width ? full : `Completed: ${plural(completed.length, 'type', 'types')} (${plural(done, 'entity', 'entities')})`);
    }
    const remaining = types.filter((t) => t.done < t.total && t.key !== details.current_type);
    if (remaining.length) {
      const full = `Remaining: ${remaining.map((t) => `${t.key} (${plural(t.total - t.done, 'entity', 'entities')})`).join(', ')}`;
      const left = remaining.reduce((n, t) => n + t.total - t.done, 0);
      lines.push(full.length <= width ? full : `Remaining: ${plural(remaining.length, 'type', 'types')} (${plural(left, 'entity', 'entities')})`);
    }
  } else if (types.length > 0) {
    const done = types.reduce((n, t) => n + t.done, 0);
    const total = types.reduce((n, t) => n + t.total, 0);
    if (progress.current_activity === STEP.generate_person_reports) {
      lines.push(`Current: person reports (${details.persons.done}/${details.persons.total})`);
    }
    lines.push(`Entities: ${done}/${total} enriched across ${plural(types.length, 'type', 'types')}`);
  }
  lines.push(`Elapsed: ${formatSeconds(details.elapsed_seconds)}`);
  if (details.rate_per_second !== null) {
    lines.push(`Rate: ${details.rate_per_second.toFixed(2)} ${enriching ? 'entities' : 'items'}/sec`);
  }
  if (details.error) lines.push(`Error: ${details.error}`);
  return lines;
}

export interface BoxOptions {
  /** Terminal columns; the box is at most 64 wide, as in the spec. */
  columns?: number;
  /** The stage last seen, for the moments between two activities. */
  lastStage?: StageName | null;
  /** Show the q/d key hints (only when keys can be read). */
  keys?: boolean;
  /** One extra line under the hints (e.g. the Temporal UI URL after 'd'). */
  message?: string | null;
  /** The wall clock, for "resumes in …" (default: the time of the progress). */
  now?: number;
}

function fit(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text + ' '.repeat(width - chars.length);
  return `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

function clip(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

/** The spec 6.2 display, one string per terminal line, none wider than `columns`. */
export function renderProgressBox(runId: string, progress: Progress | null, opts: BoxOptions = {}): string[] {
  const columns = Math.max(30, opts.columns || 80);
  const width = Math.min(64, columns);
  const inner = width - 4;
  const stage = progress ? stageLabel(progress, opts.lastStage ?? null) : 'Starting';
  const lines = [
    `╭${'─'.repeat(width - 2)}╮`,
    `│ ${fit('Toggl-Fibery Pipeline', inner)} │`,
    `│ ${fit(`Run ID: ${runId}`, inner)} │`,
    `│ ${fit(`Stage: ${stage}`, inner)} │`,
    `╰${'─'.repeat(width - 2)}╯`,
    '',
  ];
  if (progress === null) {
    lines.push('Waiting for the workflow to report its progress…');
  } else {
    const activity = progress.status === 'running' ? activityLabel(progress.current_activity) : stage;
    lines.push(clip(`[Activity ${progress.activity_index}/${progress.activity_count}] ${activity}`, columns));
    const eta =
      progress.status === 'failed' || progress.status === 'cancelled'
        ? progress.status
        : progress.eta_seconds === null
          ? 'ETA: estimating…'
          : `ETA: ${formatSeconds(progress.eta_seconds)}`;
    const suffix = ` ${Math.floor(progress.percentage)}% | ${eta}`;
    const barWidth = Math.max(10, Math.min(40, columns - suffix.length));
    lines.push(clip(progressBar(progress.percentage, barWidth) + suffix, columns));
    lines.push('', 'Details:');
    const details = detailLines(progress, columns - 5, opts.now);
    details.forEach((line, i) => lines.push(clip(`  ${i === details.length - 1 ? '└─' : '├─'} ${line}`, columns)));
  }
  if (opts.keys) {
    lines.push('', clip("Press 'q' to quit monitoring (workflow continues in background)", columns), clip("Press 'd' for detailed view in Temporal UI", columns));
  }
  // Not clipped: it may hold a URL to copy (the watcher counts the rows it wraps onto).
  if (opts.message) lines.push(opts.message);
  return lines;
}

/** One plain progress line for logs: `[6/9] Enriching entities by type · Scrum/Task 15/20 · 68% · ETA 2m 15s`. */
export function plainProgressLine(progress: Progress, now = progress.details.as_of): string {
  const parts = [`[${progress.activity_index}/${progress.activity_count}] ${activityLabel(progress.current_activity)}`];
  const waiting = quotaWaitLine(progress, now);
  if (waiting) parts.push(waiting);
  else if (progress.current_activity === STEP.fetch_toggl_data && progress.details.toggl) parts.push(`${count(progress.details.toggl.pages)} pages`);
  const type = progress.details.types.find((t) => t.key === progress.details.current_type);
  if (progress.current_activity === STEP.enrich_entities_by_type && type) parts.push(`${type.key} ${type.done}/${type.total}`);
  if (progress.current_activity === STEP.generate_person_reports) parts.push(`person reports ${progress.details.persons.done}/${progress.details.persons.total}`);
  parts.push(`${Math.floor(progress.percentage)}%`);
  if (progress.eta_seconds !== null && progress.status === 'running') parts.push(`ETA ${formatSeconds(progress.eta_seconds)}`);
  return parts.join(' · ');
}

/**
 * Decides which plain lines to print: one when the stage changes, one when the activity changes,
 * and otherwise at most one progress line every `everyMs`, only when something moved.
 */
export class PlainProgressPrinter {
  private stage: StageName | null = null;
  private activity: string | null = null;
  private lastLine = '';
  private lastAt = -Infinity;

  constructor(private readonly everyMs = 5_000) {}

  next(progress: Progress, now: number): string[] {
    const out: string[] = [];
    if (progress.status !== 'running') return out;
    if (progress.current_stage && progress.current_stage !== this.stage) {
      this.stage = progress.current_stage;
      out.push(`Stage: ${STAGE_LABELS[progress.current_stage]}`);
    }
    const line = plainProgressLine(progress, now);
    const activityChanged = progress.current_activity !== null && progress.current_activity !== this.activity;
    if (progress.current_activity !== null) this.activity = progress.current_activity;
    if (activityChanged || (line !== this.lastLine && now - this.lastAt >= this.everyMs && progress.current_activity !== null)) {
      out.push(line);
      this.lastLine = line;
      this.lastAt = now;
    }
    return out;
  }
}

/**
 * The workflow measures time with its own deterministic clock, which only moves when it does
 * work: its answer holds as of `as_of`. The watcher moves it to the wall clock: elapsed time since
 * the run started, and the ETA extrapolated from it. While the fetch waits for Toggl's quota, the
 * wait is known to the second: then the workflow's ETA (the wait and the work after it) counts down.
 */
export function withWallClock(progress: Progress, startedAt: number | null, now: number): Progress {
  if (startedAt === null || progress.status !== 'running') return progress;
  const elapsed = Math.max(progress.details.elapsed_seconds, Math.round((now - startedAt) / 1000));
  const since = Math.max(0, (now - progress.details.as_of) / 1000);
  const p = progress.percentage;
  const waiting = progress.details.toggl?.quota_wait_until != null && progress.eta_seconds !== null;
  const eta = waiting
    ? Math.max(0, Math.round(progress.eta_seconds! - since))
    : p >= 2 && p < 100 && elapsed >= 3
      ? Math.round((elapsed * (100 - p)) / p)
      : null;
  return { ...progress, eta_seconds: eta, details: { ...progress.details, elapsed_seconds: elapsed } };
}

/** True when `text` holds an ANSI escape sequence (tests and the plain mode use it). */
export function hasEscapes(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /\x1b/.test(text);
}
