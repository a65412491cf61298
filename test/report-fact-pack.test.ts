/** The fact pack cut to the prompt budget: largest items whole, the rest summed up, and the report says so. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFactPack, estimateTokens, fitFactPack, type FactPackSpec } from '../src/reports/fact-pack.js';
import { writePersonReport } from '../src/reports/person-report.js';
import { llmWriter } from '../src/reports/writer.js';
import type { AggregatedUser, EnrichedEntity, MatchedEntity } from '../src/storage/schemas.js';

test('estimateTokens: 4 ASCII characters a token, 2 for other characters', () => {
  assert.equal(estimateTokens(''), 0);
  assert.equal(estimateTokens('abcd'.repeat(25)), 25);
  assert.equal(estimateTokens('Олена'), 3);
});

interface Item {
  id: number;
  seconds: number;
  type: string;
}
const items: Item[] = Array.from({ length: 200 }, (_, i) => ({ id: i + 1, seconds: (200 - i) * 360, type: i % 2 ? 'Scrum / Bug' : 'Scrum / Task' }));
const spec: FactPackSpec = {
  base: { totals: { hours: 1 } },
  lists: [
    {
      key: 'entities',
      noun: ['entity', 'entities'],
      items,
      seconds: (e: Item) => e.seconds,
      whole: (e: Item) => ({ id: String(e.id), name: `Entity number ${e.id} with a long descriptive name`, hours: e.seconds / 3600 }),
      summarise: (rest: readonly Item[]) => ({ tasks: rest.filter((e) => e.type === 'Scrum / Task').length }),
    },
    { key: 'other_activities', noun: ['activity', 'activities'], items: [{ seconds: 3600 }], whole: () => ({ activity: 'standup', hours: 1 }) },
  ],
};

test('fitFactPack keeps the largest items whole and sums up the rest within the budget', () => {
  const full = buildFactPack(spec);
  assert.equal(full.summarised.length, 0);
  assert.equal((full.facts.entities as { items: unknown[] }).items.length, 200);

  const fitted = fitFactPack(spec, 1000);
  assert.ok(fitted.tokens <= 1000, `${fitted.tokens} tokens`);
  const entities = fitted.facts.entities as { items: { id: string; hours: number }[]; not_listed: { count: number; hours: number; tasks: number } };
  const listed = entities.items.length;
  assert.ok(listed > 5 && listed < 200, `${listed} listed`);
  assert.deepEqual(entities.items.map((e) => e.id), items.slice(0, listed).map((e) => String(e.id)), 'the largest, in order');
  assert.equal(entities.not_listed.count, 200 - listed);
  const restHours = items.slice(listed).reduce((s, e) => s + e.seconds, 0) / 3600;
  assert.equal(entities.not_listed.hours, Math.round(restHours * 10) / 10);
  assert.equal(entities.not_listed.tasks, items.slice(listed).filter((e) => e.type === 'Scrum / Task').length);
  assert.deepEqual(fitted.summarised, [{ key: 'entities', noun: ['entity', 'entities'], listed, total: 200, rest_hours: entities.not_listed.hours }]);
  assert.equal((fitted.facts.other_activities as { items: unknown[] }).items.length, 1, 'the small list stays whole');
});

test('a person with 300 entities: the prompt stays within the budget and names the top entities by hours', async () => {
  const entities: MatchedEntity[] = Array.from({ length: 300 }, (_, i) => ({
    entity_id: String(5000 + i),
    entity_database: 'Scrum',
    entity_type: i % 3 ? 'Task' : 'Bug',
    project: 'Atlas',
    name: `Work item ${5000 + i} about ${'subsystem '.repeat(3)}`,
    // Shuffled sizes: the largest are not the first ids.
    total_seconds: 600 + ((i * 7919) % 300) * 60,
    entry_count: 1 + (i % 4),
    enrichable: true,
    not_enrichable_reason: null,
  }));
  const total = entities.reduce((s, e) => s + e.total_seconds, 0);
  const user: AggregatedUser = {
    name: 'Ada Lovelace',
    user_id: 1,
    total_seconds: total + 3600,
    matched_seconds: total,
    unmatched_seconds: 3600,
    entry_count: 900,
    running_entries: 0,
    days_active: 5,
    matched_entities: entities,
    unmatched_activities: [{ description: 'Daily standup', total_seconds: 3600, entry_count: 5 }],
  };
  const enrichment = new Map<string, EnrichedEntity>(
    entities.map((e) => [
      `Scrum/${e.entity_type}#${e.entity_id}`,
      {
        key: `Scrum/${e.entity_type}#${e.entity_id}`,
        entity_id: e.entity_id,
        entity_database: 'Scrum',
        entity_type: e.entity_type!,
        status: 'enriched',
        reason: null,
        enriched_by: 'test',
        fibery: {
          id: null,
          public_id: e.entity_id,
          name: e.name,
          state: Number(e.entity_id) % 5 ? 'In Progress' : 'Done',
          created_at: null,
          modified_at: null,
          description_md: `A description of ${e.name} that goes on for a while. `.repeat(4),
          assignees: [],
          comments: [{ author: 'Ada Lovelace', created_at: '2026-11-10T10:00:00Z', text_md: 'Progress update with some detail.' }],
          fields: { 'Planned End': '2026-12-01' },
        },
      },
    ]),
  );
  const calls: { system: string; user: string }[] = [];
  const client = {
    async complete(req: { system: string; user: string }) {
      calls.push(req);
      return { text: '## Overall summary\nBusy week.', provider: 'openai' as const, model: 'm', input_tokens: 1, output_tokens: 1, seconds: 0.1 };
    },
  };
  const budget = 6000;
  const { markdown, usage } = await writePersonReport(
    { email: 'ada@example.com', user, entities: enrichment, period: { start_date: '2026-11-09', end_date: '2026-11-15' } },
    llmWriter(client, { promptTokenBudget: budget }),
  );
  const prompt = calls[0]!.system + calls[0]!.user;
  assert.ok(estimateTokens(prompt) <= budget, `prompt ${estimateTokens(prompt)} tokens`);
  assert.ok(prompt.length / 4 <= budget);
  const top = [...entities].sort((a, b) => b.total_seconds - a.total_seconds || Number(a.entity_id) - Number(b.entity_id));
  const facts = JSON.parse(/```json\n([\s\S]*?)\n```/.exec(calls[0]!.user)![1]!) as { entities: { items: { id: string }[]; not_listed: { count: number; hours: number; by_status: Record<string, number> } } };
  const listed = facts.entities.items.length;
  assert.ok(listed >= 10 && listed < 300, `${listed} entities listed whole`);
  assert.deepEqual(facts.entities.items.map((e) => e.id), top.slice(0, listed).map((e) => e.entity_id), 'the largest by hours, whole');
  assert.equal(facts.entities.not_listed.count, 300 - listed);
  assert.equal(Object.values(facts.entities.not_listed.by_status).reduce((a, b) => a + b, 0), 300 - listed);
  assert.match(calls[0]!.user, new RegExp(`To fit the prompt, the facts give the ${listed} largest of 300 entities in full and the other ${300 - listed} \\([\\d.]+ h\\) only as totals`));
  // The report names the top entities by hours (tables list every one) and says what was summarised.
  for (const e of top.slice(0, 5)) assert.ok(markdown.includes(`| #${e.entity_id} | ${e.name.trim()} |`), e.entity_id);
  assert.equal(markdown.split('\n').filter((l) => /^\| #5\d{3} \|/.test(l)).length, 300);
  assert.match(markdown, new RegExp(`To fit the prompt budget \\(${budget} tokens\\), the LLM was given the ${listed} largest of 300 entities`));
  assert.equal(usage?.summarised.length, 1);
  assert.ok(usage!.prompt_tokens_estimate! <= budget);
});
