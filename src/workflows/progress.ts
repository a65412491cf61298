/**
 * Progress of a run as the getProgress query reports it. Each activity owns a share of 100%;
 * the two rolling-window activities fill their share item by item, so the percentage follows
 * the real work and never goes back. Deterministic: it only uses the times it is given.
 */
import type { Progress, StageName, TypeProgress } from '../shared.js';

export const ACTIVITY_COUNT = 9;

interface Step {
  index: number;
  name: string;
  stage: StageName;
  weight: number;
}

export const STEPS: readonly Step[] = [
  { index: 0, name: 'cleanup_toggl_stage', stage: 'toggl', weight: 1 },
  { index: 1, name: 'fetch_toggl_data', stage: 'toggl', weight: 12 },
  { index: 2, name: 'aggregate_toggl_data', stage: 'toggl', weight: 2 },
  { index: 3, name: 'generate_toggl_report', stage: 'toggl', weight: 6 },
  { index: 4, name: 'cleanup_fibery_stage', stage: 'fibery', weight: 1 },
  { index: 5, name: 'extract_fibery_entities', stage: 'fibery', weight: 1 },
  { index: 6, name: 'enrich_entities_by_type', stage: 'fibery', weight: 40 },
  { index: 7, name: 'generate_person_reports', stage: 'fibery', weight: 25 },
  { index: 8, name: 'save_enriched_data', stage: 'fibery', weight: 2 },
  { index: 9, name: 'generate_team_report', stage: 'fibery', weight: 10 },
];

export class ProgressTracker {
  private readonly steps: readonly Step[];
  private readonly totalWeight: number;
  private current: Step | null = null;
  private completedWeight = 0;
  private status: Progress['status'] = 'running';
  private error: string | null = null;
  private readonly types: TypeProgress[] = [];
  private currentType: string | null = null;
  private readonly persons = { done: 0, total: 0 };
  private itemsStartedAt: number | null = null;
  private itemsDone = 0;
  private finishedAt: number | null = null;

  constructor(
    private readonly runId: string,
    startFrom: StageName,
    private readonly startedAt: number,
  ) {
    this.steps = STEPS.filter((s) => startFrom === 'toggl' || s.stage === 'fibery');
    this.totalWeight = this.steps.reduce((n, s) => n + s.weight, 0);
  }

  start(name: string): void {
    this.current = this.steps.find((s) => s.name === name) ?? null;
  }

  finish(name: string): void {
    const step = this.steps.find((s) => s.name === name);
    if (step) this.completedWeight += step.weight;
    if (this.current?.name === name) this.current = null;
  }

  planTypes(types: TypeProgress[]): void {
    this.types.push(...types);
  }

  typeStarted(key: string, now: number): void {
    this.currentType = key;
    this.itemsStartedAt ??= now;
  }

  itemsFinished(kind: 'entities' | 'persons', count: number, key?: string): void {
    if (kind === 'persons') this.persons.done += count;
    const type = this.types.find((t) => t.key === key);
    if (type) type.done += count;
    this.itemsDone += count;
  }

  planPersons(total: number): void {
    this.persons.total = total;
  }

  end(status: Progress['status'], now: number, error: string | null = null): void {
    this.status = status;
    this.error = error;
    this.finishedAt = now;
    if (status === 'completed') this.completedWeight = this.totalWeight;
    this.current = null;
    this.currentType = null;
  }

  private fraction(): number {
    let done = this.completedWeight;
    const step = this.current;
    if (step?.name === 'enrich_entities_by_type') {
      const total = this.types.reduce((n, t) => n + t.total, 0);
      const finished = this.types.reduce((n, t) => n + t.done, 0);
      if (total > 0) done += (step.weight * finished) / total;
    } else if (step?.name === 'generate_person_reports' && this.persons.total > 0) {
      done += (step.weight * this.persons.done) / this.persons.total;
    }
    return this.totalWeight === 0 ? 1 : Math.min(1, done / this.totalWeight);
  }

  snapshot(now: number): Progress {
    const at = this.finishedAt ?? now;
    const elapsed = Math.max(0, (at - this.startedAt) / 1000);
    const fraction = this.fraction();
    const percentage = Math.floor(fraction * 1000) / 10;
    const itemSeconds = this.itemsStartedAt === null ? 0 : (at - this.itemsStartedAt) / 1000;
    const rate = this.itemsDone > 0 && itemSeconds > 0 ? this.itemsDone / itemSeconds : null;
    // An estimate needs some measured work behind it; until then, say nothing rather than guess.
    const eta = this.status !== 'running' ? 0 : fraction >= 0.02 && elapsed >= 1 ? Math.round((elapsed * (1 - fraction)) / fraction) : null;
    return {
      run_id: this.runId,
      status: this.status,
      current_stage: this.current?.stage ?? null,
      current_activity: this.current?.name ?? null,
      activity_index: this.current?.index ?? (this.status === 'completed' ? ACTIVITY_COUNT : 0),
      activity_count: ACTIVITY_COUNT,
      percentage,
      eta_seconds: eta,
      details: {
        types: this.types.map((t) => ({ ...t })),
        current_type: this.currentType,
        persons: { ...this.persons },
        elapsed_seconds: Math.round(elapsed),
        rate_per_second: rate === null ? null : Math.round(rate * 100) / 100,
        error: this.error,
      },
    };
  }
}
