/**
 * This period against the last (src/reports/comparison.ts): narrowed to one person, the figures
 * are that person's, in the sentence and in the facts the LLM is checked against. (A person report
 * once said "Zoë Müller tracked 603.7 h": the team's total under her name.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compare, comparisonFacts, largestChanges } from '../src/reports/comparison.js';
import type { Breakdown } from '../src/storage/schemas.js';

const H = 3600;
function breakdown(start: string, end: string, people: Record<string, number>): Breakdown {
  const person = (name: string, seconds: number) => ({ name, total_seconds: seconds, matched_seconds: seconds, unmatched_seconds: 0, entries: 1, by_type: { 'Scrum / Task': seconds }, by_project: { Moneyball: seconds }, by_day: {} });
  const total = Object.values(people).reduce((a, b) => a + b, 0);
  return {
    ...person('team', total),
    period: { start_date: start, end_date: end },
    people: Object.fromEntries(Object.entries(people).map(([email, seconds]) => [email, person(email.split('@')[0]!, seconds)])),
  } as unknown as Breakdown;
}

test('a person\'s comparison states that person\'s hours, the team\'s states the team\'s', () => {
  const now = breakdown('2026-11-16', '2026-11-22', { 'zoe@example.com': 10 * H, 'ann@example.com': 30 * H });
  const before = breakdown('2026-11-09', '2026-11-15', { 'zoe@example.com': 8 * H, 'ann@example.com': 20 * H });
  const zoe = compare(now, before, 'zoe@example.com');
  assert.match(largestChanges(zoe, 'Zoë'), /^Zoë tracked 10\.0 h against 8\.0 h in .* \(\+2\.0 h\)\./);
  assert.equal((comparisonFacts(zoe) as { previous_hours: number }).previous_hours, 8);
  assert.match(largestChanges(compare(now, before), 'The team'), /^The team tracked 40\.0 h against 28\.0 h/);
});
