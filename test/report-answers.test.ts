/** What is not a report: reasoning, empty answers, self-talk, garbage, repetition, echoes, and corrections that make things worse. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EmptyAnswerError, proseProblem, stripReasoning } from '../src/llm/answer.js';
import type { LlmRequest, LlmResult } from '../src/llm/client.js';
import { llmWriter, type NarrativeRequest } from '../src/reports/writer.js';

test('stripReasoning removes <think> blocks, an unclosed one, and what precedes a lone closing tag', () => {
  assert.equal(stripReasoning('<think>The user wants a report.</think>\n## Summary\nText.'), '## Summary\nText.');
  assert.equal(stripReasoning('## Summary\nText.<think>and then I'), '## Summary\nText.');
  assert.equal(stripReasoning('I should list the hours.</think>## Summary\nText.'), '## Summary\nText.');
  assert.equal(stripReasoning('<THINKING a="1">x</THINKING>ok'), 'ok');
});

test('proseProblem: self-talk, program output, symbols, repetition and echoes are not prose', () => {
  const prompts = ['Correct these mistakes and keep everything that was right. Use only numbers that appear in the facts, copied as given.'];
  const ok = (t: string) => proseProblem(t, { prompts });
  assert.equal(ok('Zoë Müller tracked 2.0 h, most of it on #7658 Provision AWS infrastructure.'), null);
  assert.match(ok("I'm ready to help! Please provide the data.")!, /talks about itself/);
  assert.match(ok('The user wants a summary of the week.')!, /talks about itself/);
  assert.match(ok('Traceback (most recent call out):\n  File "x.py", line 3')!, /program output/);
  assert.match(ok('x {{{ ]]] ### *** --- ((( ))) ||| ;;; ::: ~~~ ^^^ %%%')!, /symbols/);
  assert.match(ok('The team did well this week. The team did well this week. The team did well this week.')!, /repeats itself/);
  const loop = `Олена Коваленко ${Array.from({ length: 14 }, (_, i) => `последний 2026-11-${10 + i}`).join(', ')}`;
  assert.match(ok(loop)!, /repeats itself/, 'a loop of words without sentence ends');
  assert.match(ok('Correct these mistakes and keep everything that was right. Use only numbers that appear in the facts, copied as given.')!, /repeats the request/);
  assert.match(ok('   ')!, /empty/);
});

const SECTIONS = [
  { key: 'summary', title: 'Summary' },
  { key: 'work', title: 'What was done' },
];

function request(): NarrativeRequest {
  return {
    report: 'person:zoe@example.com',
    kind: 'person_report',
    sections: SECTIONS,
    facts: { base: { person: 'Zoë Müller', period: { start_date: '2026-11-23', end_date: '2026-11-29' }, totals: { hours: 2.0 } }, lists: [] },
    known: { people: ['Zoë Müller'], ids: ['7658'], texts: ['Provision AWS infrastructure'] },
    fallback: { summary: 'DATA-ONLY summary.', work: 'DATA-ONLY work.' },
  };
}

/** A client answering from a script: a string, '' for an empty answer (as the providers throw it), or an Error. */
function scripted(answers: (string | Error)[]) {
  const calls: LlmRequest[] = [];
  const client = {
    async complete(req: LlmRequest): Promise<LlmResult> {
      calls.push(req);
      const next = answers.shift();
      if (next === undefined) throw new Error('no more scripted answers');
      if (next instanceof Error) throw next;
      if (next === '') throw new EmptyAnswerError('OpenAI', 200, 'OpenAI returned no text (finish_reason stop)');
      return { text: next, provider: 'openai', model: 'small', input_tokens: 10, output_tokens: 5, seconds: 0.1 };
    },
  };
  return { client, calls };
}

const GOOD = '## Summary\nZoë Müller tracked 2.0 h.\n## What was done\nShe worked on #7658 Provision AWS infrastructure.';

test('a <think> block is stripped before checking and rendering, and kept in the raw answer', async () => {
  const { client } = scripted([`<think>The user wants me to invent Firebrick.</think>\n${GOOD}`]);
  const r = await llmWriter(client).narrate(request());
  assert.equal(r.sections.summary, 'Zoë Müller tracked 2.0 h.');
  assert.deepEqual(r.unverified, []);
  assert.match(r.answers![0]!.text, /<think>/);
  assert.equal(r.answers![0]!.used, true);
});

test('an empty first answer is asked once more; empty twice, the report is data-only and says why', async () => {
  const once = scripted(['', GOOD]);
  const r = await llmWriter(once.client).narrate(request());
  assert.equal(once.calls.length, 2);
  assert.equal(r.sections.summary, 'Zoë Müller tracked 2.0 h.');
  assert.ok(r.footer!.includes("The LLM's first answer was empty; it was asked once more."));
  assert.deepEqual(r.answers!.map((a) => [a.request, a.used]), [['answer', false], ['retry', true]]);

  const thinkOnly = scripted(['<think>hmm</think>', '']);
  const failed = await llmWriter(thinkOnly.client).narrate(request());
  assert.equal(thinkOnly.calls.length, 2);
  assert.equal(failed.failure, 'the answer was empty twice');
  assert.equal(failed.sections.summary, 'DATA-ONLY summary.');
  assert.equal(failed.answers!.length, 2);
});

test('an answer without the headings, or all self-talk, is no report: data-only narrative, with the reason', async () => {
  const { client } = scripted(["I'm ready to help! The user wants a report about Zoë."]);
  const r = await llmWriter(client).narrate(request());
  assert.match(r.failure!, /^the answer was not a report: the answer has none of the requested headings and it talks about itself/);
  assert.deepEqual(r.sections, request().fallback);
  assert.equal(r.notAReport, true, "the answer's failure, not the provider's");
  assert.match(r.source!, /Narrative written without an LLM/);
  // llm.required does not fail a run for a model that writes nonsense: the fallback stands.
  const strict = await llmWriter(scripted(['Traceback (most recent call out)']).client, { required: true }).narrate(request());
  assert.ok(strict.failure);
});

test('a garbage or repeated section falls back alone, and the report and the warning say so', async () => {
  const { client } = scripted(['## Summary\nZoë Müller tracked 2.0 h.\n## What was done\nTraceback (most recent call out):\n  File "report.py", line 1']);
  const r = await llmWriter(client).narrate(request());
  assert.equal(r.sections.summary, 'Zoë Müller tracked 2.0 h.');
  assert.equal(r.sections.work, 'DATA-ONLY work.');
  assert.deepEqual(r.fellBack, ['work']);
  assert.match(r.source!, /1 of 2 sections were written without it \(What was done: it is program output, not prose\)/);
  assert.ok(r.footer!.some((l) => l === 'The LLM\'s text for "What was done" was not used (it is program output, not prose): that section is the data-only narrative.'));
  assert.match(r.warning!, /^person:zoe@example\.com: 1 section of the LLM's answer was not used .*What was done: it is program output/);
});

test('a correction that echoes the request, or fixes less than it breaks, is not used: the first answer stays with its marks', async () => {
  const wrong = '## Summary\nZoë Müller tracked 9.9 h.\n## What was done\nShe worked on #7658 Provision AWS infrastructure.';
  const echo = 'Correct these mistakes and keep everything that was right. Use only numbers that appear in the facts, copied as given; if the facts do not have a number you wanted, leave it out.';
  const echoed = scripted([wrong, echo]);
  const r = await llmWriter(echoed.client).narrate(request());
  assert.equal(echoed.calls.length, 2);
  assert.equal(r.sections.summary, 'Zoë Müller tracked 9.9 h *(unverified)*.');
  assert.match(r.footer!.join('\n'), /\*\*1 figure could not be verified\*\*.*\(the correction answer was not used \(the answer has none of the requested headings and it repeats the request it was sent\); the first answer stands with its marks\.\)/);
  assert.ok(!/every figure|now matches/i.test(r.footer!.join('\n')));
  assert.deepEqual(r.answers!.map((a) => [a.request, a.used]), [['answer', true], ['correction', false]]);

  const worse = scripted([wrong, '## Summary\nZoë Müller tracked 2.0 h on Firebrick in 2019.\n## What was done\nShe worked on #7658 Provision AWS infrastructure.']);
  const kept = await llmWriter(worse.client).narrate(request());
  assert.equal(kept.sections.summary, 'Zoë Müller tracked 9.9 h *(unverified)*.');
  assert.match(kept.footer!.join('\n'), /it fixed 1 and brought 2 new/);

  const better = scripted([wrong, GOOD]);
  const fixed = await llmWriter(better.client).narrate(request());
  assert.equal(fixed.sections.summary, 'Zoë Müller tracked 2.0 h.');
  assert.ok(fixed.footer!.includes('1 figure in the first answer did not match the data and was corrected by a follow-up request; the checks found nothing more to mark.'));
});

test('invented names and wrong dates are marked and counted in the footer', async () => {
  const { client } = scripted([
    '## Summary\nZoë Müller tracked 2.0 h on the Firebug toolset, finished on 2026-11-30.\n## What was done\nShe worked on #7658 Provision AWS infrastructure four years ago.',
    '## Summary\nZoë Müller tracked 2.0 h on the Firebug toolset, finished on 2026-11-30.\n## What was done\nShe worked on #7658 Provision AWS infrastructure four years ago.',
  ]);
  const r = await llmWriter(client).narrate(request());
  assert.equal(r.sections.summary, 'Zoë Müller tracked 2.0 h on the Firebug *(unverified)* toolset, finished on 2026-11-30 *(unverified)*.');
  assert.equal(r.sections.work, 'She worked on #7658 Provision AWS infrastructure four years ago *(unverified)*.');
  assert.match(r.footer!.join('\n'), /\*\*1 name and 2 dates could not be verified\*\*/);
});
