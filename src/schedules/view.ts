/** How `schedule list` and `schedule describe` show schedules as text (their --json is the views as they are). */
import type { ScheduleRun, ScheduleView } from './client.js';

/** `2026-11-30 08:00 UTC` in the schedule's timezone, with the zone's short name. */
export function formatSlot(iso: string, timezone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }).formatToParts(new Date(iso));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')} ${get('timeZoneName')}`;
}

function runLine(run: ScheduleRun, timezone: string): string {
  return `${formatSlot(run.scheduled_at, timezone)}  ${run.status.toLowerCase().padEnd(10)} ${run.run_id}  (${run.period.start_date} – ${run.period.end_date})`;
}

function state(view: ScheduleView): string {
  return view.paused ? `paused${view.note ? ` (${view.note})` : ''}` : 'active';
}

export function scheduleText(view: ScheduleView): string {
  const lines = [
    `Schedule ${view.id}: ${state(view)}`,
    `  Cron:        ${view.cron ?? '?'} (${view.timezone})`,
    `  Period:      ${view.period}`,
    `  Users:       ${view.users?.join(', ') ?? 'everyone with time'}`,
    `  Deliver to:  ${view.deliver.join(', ') || '-'}${view.deliver.length ? `; a failed run ${view.notify_failures ? 'sends a failure notice there' : 'is not announced (--no-notify-failures)'}` : ''}`,
    `  Output dir:  ${view.output_dir}`,
    `  Task queue:  ${view.task_queue}${view.sandbox ? ` (sandbox: ${view.sandbox.dataset_path})` : ''}`,
    `  Policies:    overlap ${view.overlap.toLowerCase()}, catch-up window ${Math.round(view.catchup_window_seconds / 3600)} h`,
    `  Next runs:   ${view.next_fire_times.map((t) => formatSlot(t, view.timezone)).join(', ') || (view.paused ? '- (paused)' : '- (the cron string matches no future time)')}`,
    `  Last runs:   ${view.recent_runs.length === 0 ? '-' : `${view.recent_runs.length} of ${view.actions_taken}, newest first`}`,
    ...view.recent_runs.map((run) => `    ${runLine(run, view.timezone)}`),
  ];
  return lines.join('\n');
}

export function schedulesText(views: ScheduleView[]): string {
  if (views.length === 0) return 'No schedules (create one with volt-agent schedule create --id weekly-digest --cron "0 8 * * 1" --period previous-week)';
  return views
    .map((view) => {
      const last = view.recent_runs[0];
      return [
        `${view.id}  ${state(view)}  "${view.cron ?? '?'}" ${view.timezone}  ${view.period}${view.deliver.length ? `  → ${view.deliver.join(', ')}` : ''}`,
        `  next: ${view.next_fire_times.map((t) => formatSlot(t, view.timezone)).join(', ') || '-'}`,
        `  last: ${last ? runLine(last, view.timezone) : '-'}`,
      ].join('\n');
    })
    .join('\n');
}
