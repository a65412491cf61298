/**
 * Progress of a run as the getProgress query reports it. Each activity owns a share of 100%;
 * the two rolling-window activities fill their share item by item, so the percentage follows
 * the real work and never goes back. Deterministic: it only uses the times it is given.
 */
import { LAST_STEP_INDEX, STEPS, type Progress, type StageName, type Step, type StepName, type TypeProgress } from './contract.js';

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

  start(name: StepName): void {
    this.current = this.steps.find((s) => s.name === name) ?? null;
  }

  finish(name: StepName): void {
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
      activity_index: this.current ? STEPS.indexOf(this.current) : this.status === 'completed' ? LAST_STEP_INDEX : 0,
      activity_count: LAST_STEP_INDEX,
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
