/** Checking an LLM's narrative against its fact pack: figures, entity ids, people. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractClaims, indexFacts, markUnverified, verifySections, UNVERIFIED_MARK } from '../src/reports/verify.js';

const claims = (text: string) => extractClaims(text).map((c) => `${c.kind}:${Math.round(c.value * 100) / 100}`);

test('extractClaims: hours, minutes, percentages, days and counts; not ids, dates, times or ranks', () => {
  assert.deepEqual(claims('Zoë tracked 12.5 h, 3 hours, 2h and 1,5 hrs; 2 h 30 min; 40 minutes.'), ['hours:12.5', 'hours:3', 'hours:2', 'hours:1.5', 'hours:2.5', 'hours:0.67']);
  assert.deepEqual(claims('45% of the time, 12 percent, a 7-day period, active on 5 days, 4 of 7 days'), ['percent:45', 'percent:12', 'days:7', 'days:5', 'days:4', 'days:7']);
  assert.deepEqual(claims('7 entities, 3 overdue tasks, two people, 11 time entries, four Product Management requests'), ['count:7', 'count:3', 'count:2', 'count:11', 'count:4']);
  assert.deepEqual(claims('#7658 was planned for 2025-09-03 at 10:15; the top 3 entities; one of the tasks; Q3; v2 h'), []);
  assert.deepEqual(claims('1,234 h and 1,5 h'), ['hours:1234', 'hours:1.5']);
});

const facts = {
  period: { start_date: '2025-09-01', end_date: '2025-09-07' },
  days_in_period: 7,
  totals: { hours: 4.8, on_entities_pct: 48, people: 2, entities: 3 },
  people: {
    items: [
      { name: 'Zoë Müller', hours: 2.0, on_entities_pct: 75, days_active: 3, top_entities: [{ id: '7658', name: 'Provision AWS infrastructure', hours: 1.0 }] },
      { name: 'Олена Коваленко', hours: 2.8, on_entities_pct: 29, days_active: 2, top_entities: [] },
    ],
  },
  entities: {
    items: [
      { id: '7658', name: 'Provision AWS infrastructure', hours: 1.5, people: ['Олена Коваленко', 'Zoë Müller'], latest_comments: [{ author: 'Zoë Müller', text: 'PR #417 is 80% done, 3 days left' }] },
      { id: '12', name: 'Fix login redirect', hours: 12.5 },
    ],
    not_listed: { count: 5, hours: 3.1 },
  },
};
const known = { people: ['Zoë Müller', 'Олена Коваленко'], ids: ['7658', '12', '999'], texts: ['Provision AWS infrastructure', 'Fix login redirect', 'daily standup', 'Scrum / Task'] };
const index = indexFacts(facts, known);

test('a figure is checked against the facts of whom its sentence names', () => {
  assert.deepEqual(verifySections({ s: 'Zoë Müller tracked 2.0 h, 75% on entities, on 3 days. The team tracked 4.8 h in all.' }, index), []);
  const wrong = verifySections({ s: 'Zoë Müller tracked 12.5 h this week.' }, index);
  assert.equal(wrong.length, 1);
  assert.equal(wrong[0]!.text, '12.5 h');
  assert.match(wrong[0]!.problem, /facts of Zoë Müller have no such figure \(hours there: 2\.0 h, 1\.0 h.*it belongs to something else/);
  // A first name alone names her too; the team total is always in scope.
  assert.equal(verifySections({ s: 'Zoë spent 2.0 h of the 4.8 h.' }, index).length, 0);
  assert.equal(verifySections({ s: 'Zoë spent 2.8 h.' }, index).length, 1, "Олена's hours are not Zoë's");
  // Rounding shown: whole hours to 0.5, decimals to 0.1, percentages to 1.
  assert.equal(verifySections({ s: 'Олена Коваленко tracked about 3 hours (30% on entities).' }, index).length, 0);
  assert.equal(verifySections({ s: 'Олена Коваленко tracked 3.2 h.' }, index).length, 1);
  // Without a name, anything in the facts; the cut list's totals count.
  assert.equal(verifySections({ s: 'The other 5 entities took 3.1 h; 7 entities were worked on in the 7-day period.' }, index).length, 0);
  assert.equal(verifySections({ s: 'Work took 99.9 h.' }, index)[0]?.problem, 'no such figure in the facts');
  // Figures inside texts of the facts (a comment) may be repeated.
  assert.equal(verifySections({ s: '#7658 Provision AWS infrastructure is 80% done with 3 days left (PR #417).' }, index).length, 0);
});

test('entity ids and people named as doing the work must exist in the data', () => {
  const found = verifySections({ s: '#4242 Ghost task took 1.5 h. John Smith tracked 2.0 h. Most time was spent on #12.', p: '- **Zoë Müller**: 2.0 h\n- **Jane Roe**: 2.8 h' }, index, { peopleSections: ['p'] });
  assert.deepEqual(
    found.map((f) => [f.kind, f.text]),
    [
      ['name', '#4242'],
      ['name', 'John Smith'],
      // A proper noun mid-sentence that no fact holds (verify-names.ts).
      ['name', 'Ghost'],
      ['name', 'Jane Roe'],
    ],
  );
  // Known ids that are not in the fact pack (summarised away) are still real.
  assert.equal(verifySections({ s: 'The smaller #999 stays open.' }, index).length, 0);
});

test('markUnverified marks each finding in place', () => {
  const text = 'Zoë Müller tracked 12.5 h and John Smith tracked 2.0 h.';
  const findings = verifySections({ s: text }, index);
  assert.equal(markUnverified(text, findings), `Zoë Müller tracked 12.5 h ${UNVERIFIED_MARK} and John Smith ${UNVERIFIED_MARK} tracked 2.0 h.`);
});
