/**
 * Tracking hygiene: how far a person's Toggl time can be trusted and linked to Fibery. The Toggl
 * side (empty descriptions, references without tags, overlaps, running timers, entries over
 * 10 hours, time linked to entities) is counted while entries stream in, in typed arrays and
 * per-day sums; what only Fibery knows (references not found, time after an entity's completion)
 * is added after enrichment by `completeHygiene`.
 */
import type { HygieneIssue, PersonHygiene, PersonHygieneComplete, RawTimeEntry, TogglHygiene } from '../storage/schemas.js';
import type { ParsedDescription } from './description.js';
import { entityKey } from '../workflows/contract.js';

/** An entry longer than this is flagged (a timer left running overnight, most likely). */
export const LONG_ENTRY_SECONDS = 10 * 3600;

export const HYGIENE_FORMULA =
  'score = 50 × (share of time linked to Fibery entities) + 50 × (1 − share of time with a tracking problem, at most 1); ' +
  'problems: empty description, reference without [Database] [Type] tags, reference not found in Fibery, overlapping entries (the double-counted time), running timers, entries over 10 h, time logged after the entity was completed';

/** Start and end times (seconds) of one person's entries, in growable typed arrays. */
class Intervals {
  private starts = new Float64Array(64);
  private ends = new Float64Array(64);
  private count = 0;

  push(start: number, end: number): void {
    if (this.count === this.starts.length) {
      const grow = (a: Float64Array) => {
        const next = new Float64Array(a.length * 2);
        next.set(a);
        return next;
      };
      this.starts = grow(this.starts);
      this.ends = grow(this.ends);
    }
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.count++;
  }

  /** Entries that overlap another one, and the time counted twice (sum of lengths minus their union). */
  overlaps(): HygieneIssue {
    const { starts, ends, count } = this;
    const order = Uint32Array.from({ length: count }, (_, i) => i).sort((a, b) => starts[a]! - starts[b]! || ends[a]! - ends[b]!);
    const flagged = new Uint8Array(count);
    let latestEnd = -Infinity;
    let latest = -1;
    let sum = 0;
    let union = 0;
    let runStart = 0;
    let runEnd = -Infinity;
    for (const i of order) {
      const s = starts[i]!;
      const e = ends[i]!;
      sum += e - s;
      if (s < latestEnd && e > s) {
        flagged[i] = 1;
        flagged[latest] = 1;
      }
      if (e > latestEnd) [latestEnd, latest] = [e, i];
      if (s >= runEnd) {
        if (runEnd > runStart) union += runEnd - runStart;
        [runStart, runEnd] = [s, e];
      } else runEnd = Math.max(runEnd, e);
    }
    if (runEnd > runStart) union += runEnd - runStart;
    return { entries: flagged.reduce((n, f) => n + f, 0), seconds: Math.round(sum - union) };
  }
}

const noIssue = (): HygieneIssue => ({ entries: 0, seconds: 0 });

interface PersonState {
  hygiene: Omit<PersonHygiene, 'overlapping'>;
  intervals: Intervals;
}

export class HygieneAccumulator {
  private readonly people = new Map<string, PersonState>();

  add(entry: RawTimeEntry, parsed: ParsedDescription): void {
    let person = this.people.get(entry.user_email);
    if (!person) {
      person = {
        hygiene: {
          name: entry.user_name,
          entries: 0,
          total_seconds: 0,
          linked_seconds: 0,
          empty_description: noIssue(),
          no_tags: noIssue(),
          running: noIssue(),
          over_10h: noIssue(),
          entity_days: {},
        },
        intervals: new Intervals(),
      };
      this.people.set(entry.user_email, person);
    }
    const h = person.hygiene;
    const seconds = entry.seconds;
    h.entries += 1;
    h.total_seconds += seconds;
    const flag = (issue: HygieneIssue) => {
      issue.entries += 1;
      issue.seconds += seconds;
    };
    if (!entry.description.trim()) flag(h.empty_description);
    if (entry.running) flag(h.running);
    if (seconds > LONG_ENTRY_SECONDS) flag(h.over_10h);
    if (parsed.entityId) {
      h.linked_seconds += seconds;
      if (!parsed.database || !parsed.type) flag(h.no_tags);
      const days = (h.entity_days[entityKey(parsed.database, parsed.type, parsed.entityId)] ??= {});
      const day = entry.start.slice(0, 10);
      days[day] = (days[day] ?? 0) + seconds;
    }
    const start = Date.parse(entry.start) / 1000;
    if (Number.isFinite(start)) person.intervals.push(start, start + seconds);
  }

  finish(): TogglHygiene {
    const people: Record<string, PersonHygiene> = {};
    for (const email of [...this.people.keys()].sort()) {
      const { hygiene, intervals } = this.people.get(email)!;
      people[email] = { ...hygiene, overlapping: intervals.overlaps() };
    }
    const partial = Object.fromEntries(Object.entries(people).map(([email, h]) => [email, completePersonHygiene(h, () => undefined)]));
    return {
      people,
      toggl_scores: {
        formula: HYGIENE_FORMULA,
        team: teamHygiene(Object.values(partial)).score,
        people: Object.fromEntries(Object.entries(partial).map(([email, h]) => [email, h.score])),
      },
    };
  }
}

/** What enrichment says about a referenced entity. */
export interface EntityOutcome {
  found: boolean;
  /** The completion date (YYYY-MM-DD) of a completed entity, else null. */
  completed_on: string | null;
}

/** The score 0–100 of `HYGIENE_FORMULA` (null when no time was tracked). */
export function hygieneScore(h: Omit<PersonHygieneComplete, 'score'>): number | null {
  if (h.total_seconds <= 0) return null;
  const problems = [h.empty_description, h.no_tags, h.not_found, h.overlapping, h.running, h.over_10h, h.after_completion].reduce((s, i) => s + i.seconds, 0);
  const linked = h.linked_seconds / h.total_seconds;
  const flagged = Math.min(1, problems / h.total_seconds);
  return Math.round(50 * linked + 50 * (1 - flagged));
}

/**
 * One person's complete hygiene: the Toggl side plus references not found and time after
 * completion. `outcome` is undefined for an entity not looked up (no tags, or no enrichment yet):
 * then nothing is counted for it.
 */
export function completePersonHygiene(h: PersonHygiene, outcome: (key: string) => EntityOutcome | undefined): PersonHygieneComplete {
  const notFound = noIssue();
  const after = noIssue();
  for (const [key, days] of Object.entries(h.entity_days)) {
    const o = outcome(key);
    if (!o) continue;
    const total = Object.values(days).reduce((s, v) => s + v, 0);
    if (!o.found) {
      notFound.entries += 1;
      notFound.seconds += total;
      continue;
    }
    if (!o.completed_on) continue;
    const late = Object.entries(days).filter(([day]) => day > o.completed_on!).reduce((s, [, v]) => s + v, 0);
    if (late > 0) {
      after.entries += 1;
      after.seconds += late;
    }
  }
  const { entity_days: _days, ...rest } = h;
  const complete = { ...rest, not_found: notFound, after_completion: after };
  return { ...complete, score: hygieneScore(complete) };
}

/** The team's line: every person's counts added up, and the score of the sums. */
export function teamHygiene(people: readonly PersonHygieneComplete[]): PersonHygieneComplete {
  const add = (pick: (h: PersonHygieneComplete) => HygieneIssue): HygieneIssue => ({
    entries: people.reduce((s, h) => s + pick(h).entries, 0),
    seconds: people.reduce((s, h) => s + pick(h).seconds, 0),
  });
  const team = {
    name: 'Team',
    entries: people.reduce((s, h) => s + h.entries, 0),
    total_seconds: people.reduce((s, h) => s + h.total_seconds, 0),
    linked_seconds: people.reduce((s, h) => s + h.linked_seconds, 0),
    empty_description: add((h) => h.empty_description),
    no_tags: add((h) => h.no_tags),
    not_found: add((h) => h.not_found),
    overlapping: add((h) => h.overlapping),
    running: add((h) => h.running),
    over_10h: add((h) => h.over_10h),
    after_completion: add((h) => h.after_completion),
  };
  return { ...team, score: hygieneScore(team) };
}
