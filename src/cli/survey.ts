/**
 * What `volt-agent init` learns about a team before writing its configuration: the Fibery
 * workspace's schema (one `fibery.schema/query`), the Toggl workspace's users and the time entries
 * of the last weeks (paced and quota-aware like every Toggl call), and from them the share of
 * tracked time whose description carries a `#ID [Db] [Type]` reference, the `Db/Type` pairs that
 * occur and whether each exists, and the people.
 */
import { QuotaExhaustedError } from '../errors.js';
import type { WorkspaceSchema } from '../fibery/workspace-schema.js';
import { countedSeconds } from '../activities/toggl-activities.js';
import type { TogglClient, TogglTimeEntry, TogglUser } from '../toggl/client.js';
import { addDays } from '../toggl/dates.js';
import { parseDescription } from '../toggl/description.js';
import { afterPage, initialFetchState, inRange } from '../toggl/fetch-plan.js';

export interface SurveyType {
  /** `Scrum/Task`. */
  key: string;
  entries: number;
  hours: number;
  /** Whether the Fibery workspace has this type. */
  exists: boolean;
  /** The nearest existing types when it does not. */
  nearest: string[];
}

export interface SurveyPerson {
  email: string;
  name: string;
  entries: number;
  hours: number;
  /** Share of this person's time with a reference, 0..1 (null without time). */
  match_rate: number | null;
}

export interface Survey {
  period: { start_date: string; end_date: string; weeks: number };
  entries: number;
  hours: number;
  /** Share of tracked time (seconds) whose description carries `#ID [Db] [Type]`, 0..1. */
  match_rate: number;
  /** Time with an id but no database or type (`#123` alone, `#123 [Scrum]`): cannot be enriched. */
  incomplete_reference_hours: number;
  types: SurveyType[];
  people: SurveyPerson[];
}

const hoursOf = (seconds: number): number => Math.round((seconds / 3600) * 100) / 100;

/** The `weeks` weeks up to and including `end` (a date). */
export function surveyPeriod(weeks: number, end: string): { start_date: string; end_date: string } {
  return { start_date: addDays(end, -(7 * weeks) + 1), end_date: end };
}

/** Every entry of the period, page by page; a used-up quota is waited out with a line saying so. */
export async function fetchEntries(
  toggl: TogglClient,
  period: { start_date: string; end_date: string },
  progress: (line: string) => void,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<TogglTimeEntry[]> {
  let state = initialFetchState({ start: period.start_date, end: period.end_date }, 366, null);
  const seen = new Set<number>();
  const out: TogglTimeEntry[] = [];
  for (let page = 1; !state.done; page++) {
    let answer;
    try {
      answer = await toggl.searchPage(state);
    } catch (error) {
      if (!(error instanceof QuotaExhaustedError)) throw error;
      progress(`Toggl: hourly quota used up; waiting ${Math.ceil(error.resetInMs / 1000)} s for it to free a request`);
      await sleep(error.resetInMs);
      page--;
      continue;
    }
    for (const e of answer.entries) {
      if (!inRange(state, e.start.slice(0, 10)) || seen.has(e.id)) continue;
      seen.add(e.id);
      out.push(e);
    }
    const quota = answer.quota_remaining === null ? '' : `, ${answer.quota_remaining} requests of the hourly quota left`;
    progress(`Toggl: page ${page}, ${out.length} entries so far (${period.start_date} to ${period.end_date})${quota}`);
    state = afterPage(state, answer);
  }
  return out;
}

/** The findings, from the entries, the users and the schema. */
export function survey(
  entries: readonly TogglTimeEntry[],
  users: readonly TogglUser[],
  schema: WorkspaceSchema,
  period: { start_date: string; end_date: string; weeks: number },
  now: Date,
): Survey {
  let total = 0;
  let matched = 0;
  let incomplete = 0;
  const types = new Map<string, { entries: number; seconds: number }>();
  const people = new Map<number, { entries: number; seconds: number; matched: number }>();
  for (const e of entries) {
    const { seconds } = countedSeconds(e, period.end_date, now);
    total += seconds;
    const person = people.get(e.user_id) ?? { entries: 0, seconds: 0, matched: 0 };
    person.entries++;
    person.seconds += seconds;
    people.set(e.user_id, person);
    const parsed = parseDescription(e.description);
    if (!parsed.entityId) continue;
    if (!parsed.database || !parsed.type) {
      incomplete += seconds;
      continue;
    }
    matched += seconds;
    person.matched += seconds;
    const key = `${parsed.database}/${parsed.type}`;
    const t = types.get(key) ?? { entries: 0, seconds: 0 };
    t.entries++;
    t.seconds += seconds;
    types.set(key, t);
  }
  const byId = new Map(users.map((u) => [u.id, u]));
  const personIds = [...new Set([...users.map((u) => u.id), ...people.keys()])];
  return {
    period,
    entries: entries.length,
    hours: hoursOf(total),
    match_rate: total === 0 ? 0 : Math.round((matched / total) * 10_000) / 10_000,
    incomplete_reference_hours: hoursOf(incomplete),
    types: [...types]
      .map(([key, t]) => {
        const exists = schema.type(key) !== undefined;
        return { key, entries: t.entries, hours: hoursOf(t.seconds), exists, nearest: exists ? [] : schema.nearestTypes(key) };
      })
      .sort((a, b) => b.hours - a.hours || a.key.localeCompare(b.key)),
    people: personIds
      .map((id) => {
        const p = people.get(id) ?? { entries: 0, seconds: 0, matched: 0 };
        const u = byId.get(id);
        return { email: u?.email ?? '', name: u?.name ?? String(id), entries: p.entries, hours: hoursOf(p.seconds), match_rate: p.seconds === 0 ? null : Math.round((p.matched / p.seconds) * 10_000) / 10_000 };
      })
      .sort((a, b) => b.hours - a.hours || a.name.localeCompare(b.name)),
  };
}
