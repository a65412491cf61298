/**
 * Where a period's time went, per person, Fibery type, project and day, from the description
 * tags alone (no Fibery needed): what the reports chart and compare with the previous period.
 * Incremental and lean: one running sum per person × label, never the entries.
 */
import type { Breakdown, BreakdownPerson, RawTimeEntry } from '../storage/schemas.js';
import { parseDescription, type ParsedDescription } from './description.js';
import { typeLabel } from '../workflows/contract.js';

export const OTHER_ACTIVITIES_LABEL = 'Other activities (no entity)';
export const NO_PROJECT_LABEL = '(no project tag)';

/** `Database / Type` for display: re-exported for the reports, which group by it; defined with the type key it derives from. */
export { typeLabel };

/** The type and project an entry's time counts for. */
export function labelsOf(parsed: ParsedDescription): { type: string; project: string } {
  if (!parsed.entityId) return { type: OTHER_ACTIVITIES_LABEL, project: OTHER_ACTIVITIES_LABEL };
  return { type: typeLabel(parsed.database, parsed.type), project: parsed.project ?? NO_PROJECT_LABEL };
}

/** The period of equal length just before a period: src/config/period.ts. */
export { previousPeriod } from '../config/period.js';

const bump = (into: Record<string, number>, key: string, seconds: number) => {
  into[key] = (into[key] ?? 0) + seconds;
};

function emptyPerson(name: string): BreakdownPerson {
  return { name, total_seconds: 0, matched_seconds: 0, unmatched_seconds: 0, entries: 0, by_type: {}, by_project: {}, by_day: {} };
}

export class BreakdownAccumulator {
  private readonly out: Breakdown;

  constructor(period: { start_date: string; end_date: string }) {
    this.out = { period, total_seconds: 0, matched_seconds: 0, unmatched_seconds: 0, entries: 0, by_type: {}, by_project: {}, by_day: {}, people: {} };
  }

  /** `parsed` when the caller already parsed the description. */
  add(entry: RawTimeEntry, parsed: ParsedDescription = parseDescription(entry.description)): void {
    const { type, project } = labelsOf(parsed);
    const day = entry.start.slice(0, 10);
    const person = (this.out.people[entry.user_email] ??= emptyPerson(entry.user_name));
    for (const target of [this.out, person]) {
      target.total_seconds += entry.seconds;
      target.entries += 1;
      if (parsed.entityId) target.matched_seconds += entry.seconds;
      else target.unmatched_seconds += entry.seconds;
      bump(target.by_type, type, entry.seconds);
      bump(target.by_project, project, entry.seconds);
      bump(target.by_day, day, entry.seconds);
    }
  }

  finish(): Breakdown {
    const people = Object.fromEntries(
      Object.keys(this.out.people)
        .sort()
        .map((email) => [email, { ...this.out.people[email]!, by_day: sortedKeys(this.out.people[email]!.by_day) }]),
    );
    return { ...this.out, people, by_day: sortedKeys(this.out.by_day) };
  }
}

function sortedKeys(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
