/**
 * What a run's Temporal histories say about its orchestration: events and bytes per execution, the
 * largest payload, and the time when no activity and no workflow task was running (the cost of
 * orchestration), per activity.
 */
import type { Client } from '@temporalio/client';

interface Interval {
  from: number;
  to: number;
}

export interface HistoryFigures {
  executions: number;
  /** The longest history of one execution. */
  maxEvents: number;
  maxBytes: number;
  totalEvents: number;
  largestPayloadBytes: number;
  /** Activity executions (regular and local). */
  activities: number;
  /** Wall time of the run from the pipeline's start to its close. */
  wallMs: number;
  /** Time in which nothing ran: no activity, no workflow task, no timer (a quota wait is not overhead). */
  idleMs: number;
}

const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => (t ? Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6 : 0);

function union(intervals: Interval[]): number {
  const sorted = intervals.filter((i) => i.to > i.from).sort((a, b) => a.from - b.from);
  let covered = 0;
  let current: Interval | null = null;
  for (const i of sorted) {
    if (!current || i.from > current.to) {
      if (current) covered += current.to - current.from;
      current = { ...i };
    } else current.to = Math.max(current.to, i.to);
  }
  if (current) covered += current.to - current.from;
  return covered;
}

export async function historyFigures(client: Client, workflowIdPrefix: string): Promise<HistoryFigures> {
  const figures: HistoryFigures = { executions: 0, maxEvents: 0, maxBytes: 0, totalEvents: 0, largestPayloadBytes: 0, activities: 0, wallMs: 0, idleMs: 0 };
  const busy: Interval[] = [];
  let first = Infinity;
  let last = 0;
  for await (const execution of client.workflow.list({ query: `WorkflowId STARTS_WITH '${workflowIdPrefix}'` })) {
    const handle = client.workflow.getHandle(execution.workflowId, execution.runId);
    const [description, history] = await Promise.all([handle.describe(), handle.fetchHistory()]);
    figures.executions++;
    figures.maxEvents = Math.max(figures.maxEvents, description.historyLength ?? 0);
    figures.maxBytes = Math.max(figures.maxBytes, description.historySize ?? 0);
    figures.totalEvents += description.historyLength ?? 0;
    const started = new Map<number, number>();
    for (const event of history.events ?? []) {
      const at = ms(event.eventTime);
      const id = Number(event.eventId);
      const payloads = [
        ...(event.workflowExecutionStartedEventAttributes?.input?.payloads ?? []),
        ...(event.activityTaskScheduledEventAttributes?.input?.payloads ?? []),
        ...(event.activityTaskCompletedEventAttributes?.result?.payloads ?? []),
        ...(event.startChildWorkflowExecutionInitiatedEventAttributes?.input?.payloads ?? []),
        ...(event.workflowExecutionContinuedAsNewEventAttributes?.input?.payloads ?? []),
        ...Object.values(event.markerRecordedEventAttributes?.details ?? {}).flatMap((d) => d.payloads ?? []),
      ];
      for (const p of payloads) figures.largestPayloadBytes = Math.max(figures.largestPayloadBytes, p.data?.length ?? 0);
      if (event.workflowExecutionStartedEventAttributes && execution.workflowId === workflowIdPrefix) first = Math.min(first, at);
      if ((event.workflowExecutionCompletedEventAttributes || event.workflowExecutionFailedEventAttributes) && execution.workflowId === workflowIdPrefix) last = Math.max(last, at);
      if (event.activityTaskStartedEventAttributes || event.workflowTaskStartedEventAttributes || event.timerStartedEventAttributes) started.set(id, at);
      if (event.markerRecordedEventAttributes) figures.activities++;
      const a = event.activityTaskCompletedEventAttributes ?? event.activityTaskFailedEventAttributes;
      if (a) {
        figures.activities++;
        busy.push({ from: started.get(Number(a.startedEventId)) ?? at, to: at });
      }
      const w = event.workflowTaskCompletedEventAttributes;
      if (w) busy.push({ from: started.get(Number(w.startedEventId)) ?? at, to: at });
      const t = event.timerFiredEventAttributes;
      if (t) busy.push({ from: started.get(Number(t.startedEventId)) ?? at, to: at });
    }
  }
  figures.wallMs = last > first ? last - first : 0;
  figures.idleMs = Math.max(0, figures.wallMs - union(busy.map((b) => ({ from: Math.max(b.from, first), to: Math.min(b.to, last) }))));
  return figures;
}
