/** Checking what is not a figure: dates and relative times, proper nouns, field values, quotations. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writePersonReport } from '../src/reports/person-report.js';
import { writeTeamReport } from '../src/reports/team-report.js';
import { writeTogglSummary } from '../src/reports/toggl-summary.js';
import { checkDates, dateVocabulary } from '../src/reports/verify-dates.js';
import { checkNames, nameVocabulary } from '../src/reports/verify-names.js';
import { llmWriter, type NarrativeRequest, type ReportWriter } from '../src/reports/writer.js';
import type { LlmRequest, LlmResult } from '../src/llm/client.js';
import { reportData } from './support/report-data.js';

const facts = {
  period: { start_date: '2026-11-23', end_date: '2026-11-29' },
  against_previous_period: { previous_period: { start_date: '2026-11-16', end_date: '2026-11-22' } },
  entities: { items: [{ id: '7658', name: 'Provision AWS infrastructure', type: 'Scrum / Task', project: 'Moneyball', state: 'In Progress', planned_end: '2026-12-04', fields: { Severity: 'P2', 'Root cause': 'Config drift' } }] },
};
const dates = dateVocabulary(facts);
const written = (text: string) => checkDates(text, dates).map((f) => f.text);

test('dates, months and years must be days the period, the previous period or the facts hold', () => {
  assert.deepEqual(written('From 2026-11-23 to 29 November 2026, and on November 18; #7658 is due 2026-12-04, in December.'), []);
  assert.deepEqual(written('This was generated on 2025.8, planned for 2026-11-30 and reviewed on 3 March 2026; in 2024 and in July.'), ['2025.8', '2026-11-30', '3 March 2026', '2024', 'July']);
  // Not dates: figures, ids, "may" the verb.
  assert.deepEqual(written('Zoë may finish #2026 soon; she tracked 2026 h, 12.5 h and 45% in 2026.'), []);
});

test('relative times must point at a day the facts hold, counted from the period', () => {
  assert.deepEqual(written('Compared with last week, this week was busier; the past week went well; the due date of next week holds.'), []);
  assert.deepEqual(written('Four years ago it started; the plan is for next year; two months ago it was quiet; yesterday she left.'), ['Four years ago', 'next year', 'two months ago']);
  // Without the previous period in the facts, "last week" is not backed.
  assert.deepEqual(checkDates('Unlike last week.', dateVocabulary({ period: facts.period })).map((f) => f.text), ['last week']);
});

const vocabulary = nameVocabulary(facts, ['Zoë Müller', 'Олена Коваленко', 'daily standup'], 'You write the narrative of a time-tracking report. The time comes from Toggl Track; the work items come from Fibery.');
const names = (text: string) => checkNames(text, vocabulary).map((f) => f.text);

test('proper nouns, field values and quotations must be ones the facts or the prompt hold', () => {
  assert.deepEqual(names('Zoë Müller worked on #7658 Provision AWS infrastructure for Moneyball (Scrum / Task, In Progress), tracked in Toggl Track and Fibery.'), []);
  assert.deepEqual(names('She shipped the Firebug toolset to Firebrick; Олена Коваленко helped.'), ['Firebug', 'Firebrick']);
  assert.deepEqual(names('The bug has Severity="P2" and Root cause=Config drift.'), []);
  assert.deepEqual(names('The bug has Severity="P1" and Impact=High.'), ['P1', 'Impact=High']);
  assert.deepEqual(names('Her comment said "asked for feedback from manager", the state is "In Progress".'), ['asked for feedback from manager']);
});

test('capitalised common words are not names: sentence starts, list items, headings, weekdays, stop-words', () => {
  const text = [
    '**Key Achievements**',
    'Overall, the team tracked time. However, Monday was quiet.',
    '- Progress was steady on Tuesday: Work continued.',
    'Daily standup took time; it was a Standup again and I think QA and PR reviews were fine.',
    '1. Planning: Still going.',
    'Zoë Müller spent most of the week on **#7658 Provision AWS infrastructure** (Scrum / Task), which is In Progress and planned to end on 2026-12-04; the WIP was reviewed with Zoë on Friday, in Toggl Track.',
  ].join('\n');
  assert.deepEqual(names(text), []);
});

/** A writer whose LLM answers with the data-only narrative of the very request: every name and date in it comes from the data. */
function echoFallbackWriter(): ReportWriter & { findings: string[] } {
  let current: NarrativeRequest | null = null;
  const client = {
    async complete(_req: LlmRequest): Promise<LlmResult> {
      const text = current!.sections.map((s) => `## ${s.title}\n${current!.fallback[s.key] ?? ''}`).join('\n\n');
      return { text, provider: 'openai', model: 'echo', input_tokens: 1, output_tokens: 1, seconds: 0 };
    },
  };
  const inner = llmWriter(client, { maxCorrections: 0 });
  const findings: string[] = [];
  return {
    ...inner,
    findings,
    async narrate(req) {
      current = req;
      const result = await inner.narrate(req);
      // Only the checks of this file: the figures check has its own tests.
      const ours = (result.unverified ?? []).filter((f) => f.kind === 'date' || (f.kind === 'name' && !f.text.startsWith('#') && !f.problem.startsWith('no one called')));
      for (const f of ours) findings.push(`${req.report}: ${f.kind} "${f.text}" (${f.problem}) in "${f.sentence}"`);
      return result;
    },
  };
}

test('the data-only narratives of a synthetic team pass every check (no false positives)', async () => {
  const { aggregated, enriched, enrichment } = reportData(12);
  const writer = echoFallbackWriter();
  await writeTogglSummary(aggregated, writer);
  await writeTeamReport(enriched, writer);
  for (const email of Object.keys(aggregated.users).slice(0, 6)) {
    await writePersonReport({ email, user: aggregated.users[email]!, entities: enrichment, period: aggregated.period, aggregated }, writer);
  }
  assert.deepEqual(writer.findings, []);
});
