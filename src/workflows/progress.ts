/**
 * Progress of a run as the getProgress query reports it. Each activity owns a share of 100%; the
 * Toggl fetch fills its share page by page and the two rolling windows item by item, so the
 * percentage follows the real work and never goes back. The fetch's share grows with the pages it
 * will need: a year of entries is most of a run's time, and a fixed share would make the ETA
 * extrapolate a fetch's pace over the steps after it. The ETA counts time spent working, not
 * time spent waiting for Toggl's quota, and adds the waits still ahead. Deterministic: it only uses
 * the times it is given.
 */
import { STEP, STEPS, type Progress, type StageName, type Step, type StepName, type TogglFetchProgress, type TypeProgress } from './contract.js';

/** What the quota waits so far say about the ones ahead. */
interface QuotaHistory {
  /** Total ms spent waiting, finished waits only. */
  waitedMs: number;
  waits: number;
  /** Pages fetched between the end of one wait and the start of the next (a window's capacity). */
  pagesPerWindow: number | null;
  pagesAtLastWaitEnd: number;
  currentWaitStartedAt: number | null;
}

/** The step weights were set for a fetch of about this many pages (25 people, a month, both periods). */
const PAGES_FOR_FETCH_WEIGHT = 30;

export class ProgressTracker {
  private readonly steps: readonly Step[];
  /** The fetch's weight, scaled once by its first estimate of pages; null until then. */
  private fetchWeight: number | null = null;
  /** The fraction shown when the fetch's weight was set: the bar never goes back below it. */
  private floor = 0;
  private readonly lastIndex: number;
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
  private toggl: TogglFetchProgress | null = null;
  private readonly quota: QuotaHistory = { waitedMs: 0, waits: 0, pagesPerWindow: null, pagesAtLastWaitEnd: 0, currentWaitStartedAt: null };

  constructor(
    private readonly runId: string,
    startFrom: StageName,
    private readonly startedAt: number,
    options: { deliver: boolean } = { deliver: false },
  ) {
    this.steps = STEPS.filter((s) => (startFrom === 'toggl' || s.stage === 'fibery') && (options.deliver || s.name !== STEP.deliver_reports));
    // Steps count from 0 (the spec's "Activity 0"), so the last step's index is the total shown.
    this.lastIndex = Math.max(...this.steps.map((s) => STEPS.indexOf(s)));
  }

  private weightOf(step: Step): number {
    return step.name === STEP.fetch_toggl_data && this.fetchWeight !== null ? this.fetchWeight : step.weight;
  }

  private get totalWeight(): number {
    return this.steps.reduce((n, s) => n + this.weightOf(s), 0);
  }

  start(name: StepName): void {
    this.current = this.steps.find((s) => s.name === name) ?? null;
  }

  /** The fetch child's news: pages so far, and whether it waits for the quota. */
  togglFetch(update: TogglFetchProgress, now: number): void {
    const q = this.quota;
    if (update.quota_wait_until !== null && q.currentWaitStartedAt === null) {
      q.currentWaitStartedAt = now;
      if (q.waits > 0 || update.pages > 0) q.pagesPerWindow = update.pages - q.pagesAtLastWaitEnd;
    } else if (update.quota_wait_until === null && q.currentWaitStartedAt !== null) {
      q.waitedMs += now - q.currentWaitStartedAt;
      q.waits += 1;
      q.currentWaitStartedAt = null;
      q.pagesAtLastWaitEnd = update.pages;
    }
    this.toggl = update;
    if (this.fetchWeight === null && update.estimated_pages) {
      const fetch = this.steps.find((s) => s.name === STEP.fetch_toggl_data);
      if (!fetch) return;
      this.floor = this.fraction();
      this.fetchWeight = Math.max(fetch.weight, Math.round((fetch.weight * update.estimated_pages) / PAGES_FOR_FETCH_WEIGHT));
    }
  }

  finish(name: StepName): void {
    const step = this.steps.find((s) => s.name === name);
    if (step) this.completedWeight += this.weightOf(step);
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
    if (step?.name === STEP.enrich_entities_by_type) {
      const total = this.types.reduce((n, t) => n + t.total, 0);
      const finished = this.types.reduce((n, t) => n + t.done, 0);
      if (total > 0) done += (step.weight * finished) / total;
    } else if (step?.name === STEP.generate_person_reports && this.persons.total > 0) {
      done += (step.weight * this.persons.done) / this.persons.total;
    } else if (step?.name === STEP.fetch_toggl_data && this.toggl?.estimated_pages) {
      done += this.weightOf(step) * Math.min(0.99, this.toggl.pages / this.toggl.estimated_pages);
    }
    const total = this.totalWeight;
    return total === 0 ? 1 : Math.max(this.floor, Math.min(1, done / total));
  }

  snapshot(now: number): Progress {
    const at = this.finishedAt ?? now;
    const elapsed = Math.max(0, (at - this.startedAt) / 1000);
    const fraction = this.fraction();
    const percentage = Math.floor(fraction * 1000) / 10;
    const itemSeconds = this.itemsStartedAt === null ? 0 : (at - this.itemsStartedAt) / 1000;
    const rate = this.itemsDone > 0 && itemSeconds > 0 ? this.itemsDone / itemSeconds : null;
    const eta = this.status !== 'running' ? 0 : this.eta(at, elapsed, fraction);
    return {
      run_id: this.runId,
      status: this.status,
      current_stage: this.current?.stage ?? null,
      current_activity: this.current?.name ?? null,
      activity_index: this.current ? STEPS.indexOf(this.current) : this.status === 'completed' ? this.lastIndex : 0,
      activity_count: this.lastIndex,
      percentage,
      eta_seconds: eta,
      details: {
        types: this.types.map((t) => ({ ...t })),
        current_type: this.currentType,
        persons: { ...this.persons },
        toggl: this.toggl ? { ...this.toggl } : null,
        as_of: at,
        elapsed_seconds: Math.round(elapsed),
        rate_per_second: rate === null ? null : Math.round(rate * 100) / 100,
        error: this.error,
      },
    };
  }

  /**
   * Seconds left: the working time so far extrapolated over the work left, plus the quota wait in
   * progress and the waits the pages still to fetch will need. Null until there is measured work.
   */
  private eta(now: number, elapsedSeconds: number, fraction: number): number | null {
    const q = this.quota;
    const waitingNow = q.currentWaitStartedAt !== null ? now - q.currentWaitStartedAt : 0;
    const working = elapsedSeconds - (q.waitedMs + waitingNow) / 1000;
    if (fraction < 0.02 || working < 1) return null;
    let seconds = (working * (1 - fraction)) / fraction;
    const waitUntil = this.toggl?.quota_wait_until ?? null;
    if (waitUntil !== null) seconds += Math.max(0, (waitUntil - now) / 1000);
    const left = this.toggl && this.toggl.estimated_pages ? this.toggl.estimated_pages - this.toggl.pages : 0;
    if (left > 0 && q.pagesPerWindow && q.waits > 0) {
      const capacityNow = waitUntil !== null ? 0 : Math.max(0, this.toggl?.quota_remaining ?? 0);
      const windows = Math.ceil(Math.max(0, left - capacityNow) / q.pagesPerWindow);
      seconds += (windows * q.waitedMs) / q.waits / 1000;
    }
    return Math.round(seconds);
  }
}
