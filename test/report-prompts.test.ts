/** Prompts as files: validated at start, editable, with per-type notes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ValidationError } from '../src/errors.js';
import { loadPrompts, PLACEHOLDERS, PROMPT_KINDS, renderPrompt, SHIPPED_PROMPTS_DIR, validatePrompts } from '../src/reports/prompts.js';
import { loadReportSettings, reportWriterFor } from '../src/reports/writer.js';
import { writeTogglSummary } from '../src/reports/toggl-summary.js';
import { startLlmServer } from '../src/sandbox/llm-server.js';
import type { TogglAggregated } from '../src/storage/schemas.js';

async function withConfigDir(files: Record<string, string>, run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'volt-prompts-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, 'prompts', name)), { recursive: true });
      await writeFile(path.join(dir, 'prompts', name), text);
    }
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('the shipped prompts are valid and use every required placeholder', async () => {
  await validatePrompts(path.dirname(SHIPPED_PROMPTS_DIR));
  const prompts = await loadPrompts(path.dirname(SHIPPED_PROMPTS_DIR));
  for (const kind of PROMPT_KINDS) {
    for (const name of PLACEHOLDERS[kind].required) assert.ok(prompts.files[kind].text.includes(`{{${name}}}`), `${kind}: {{${name}}}`);
    assert.ok(!prompts.files[kind].text.includes('<!--'), 'comments are not sent');
  }
  assert.ok('scrum-bug' in prompts.entityTypes && 'scrum-task' in prompts.entityTypes && 'product-management-feature' in prompts.entityTypes);
});

test('validatePrompts names the file and the unknown or missing placeholder', async () => {
  await withConfigDir({ 'person_report.md': 'Write about {{person}} in {{sections}} from {{facts}} and {{mood}}.' }, async (dir) => {
    await assert.rejects(validatePrompts(dir), (err: unknown) => {
      assert.ok(err instanceof ValidationError);
      assert.match(err.message, /prompts[/\\]person_report\.md: unknown placeholder \{\{mood\}\} \(this prompt can use: \{\{sections\}\}, \{\{facts\}\}, \{\{period\}\}, \{\{person\}\}/);
      return true;
    });
  });
  await withConfigDir({ 'team_report.md': 'Write the {{sections}} for {{period}}.' }, async (dir) => {
    await assert.rejects(validatePrompts(dir), /team_report\.md: the placeholder \{\{facts\}\} is missing/);
  });
  await withConfigDir({ 'toggl-summary.md': 'x' }, async (dir) => {
    await assert.rejects(validatePrompts(dir), /toggl-summary\.md: unknown prompt file \(expected system\.md, toggl_summary\.md/);
  });
  await withConfigDir({ 'entity-types/scrum-bug.md': 'Bugs of {{kind}}' }, async (dir) => {
    await assert.rejects(validatePrompts(dir), /entity-types[/\\]scrum-bug\.md: unknown placeholder \{\{kind\}\}/);
  });
  await withConfigDir({ 'system.md': '<!-- only a comment -->' }, async (dir) => {
    await assert.rejects(validatePrompts(dir), /system\.md: the prompt is empty/);
  });
  // A config directory without prompts uses the shipped ones; a bad config makes no difference to a run without an LLM.
  await withConfigDir({}, async (dir) => validatePrompts(dir));
});

test('renderPrompt fills placeholders and drops lines of empty ones', () => {
  assert.equal(renderPrompt('A {{x}} B\n\n{{empty}}\n\nC {{ y }}', { x: '1', y: '2', empty: '' }), 'A 1 B\n\nC 2');
});

const aggregated: TogglAggregated = {
  period: { start_date: '2025-09-01', end_date: '2025-09-07' },
  generated_at: '2025-09-08T10:00:00.000Z',
  users: {
    'a@x.test': {
      name: 'Ana Silva',
      user_id: 1,
      total_seconds: 7200,
      matched_seconds: 3600,
      unmatched_seconds: 3600,
      entry_count: 2,
      running_entries: 0,
      days_active: 1,
      matched_entities: [{ entity_id: '1', entity_database: 'Scrum', entity_type: 'Bug', project: null, name: 'Crash', total_seconds: 3600, entry_count: 1, enrichable: true, not_enrichable_reason: null }],
      unmatched_activities: [{ description: 'Support', total_seconds: 3600, entry_count: 1 }],
    },
  },
  entities: [{ entity_id: '1', entity_database: 'Scrum', entity_type: 'Bug', project: null, name: 'Crash', total_seconds: 3600, entry_count: 1, enrichable: true, not_enrichable_reason: null, users: ['a@x.test'] }],
  totals: { total_seconds: 7200, matched_seconds: 3600, unmatched_seconds: 3600, users: 1, entries: 2, entities: 1, running_entries: 0 },
  notes: [],
};

test('an edited prompt file is what the LLM receives, without touching code', async () => {
  const llm = await startLlmServer({ apiKey: 'sk-local-test-key-1234' });
  try {
    await withConfigDir(
      {
        'system.md': 'You are terse. <!-- not sent -->',
        'toggl_summary.md': '<!-- house style -->\nPeriod {{period}}, {{people}}. Sections:\n{{sections}}\nFacts:\n{{facts}}\nAnswer in Portuguese.',
      },
      async (dir) => {
        await writeFile(path.join(dir, 'config.yaml'), 'llm:\n  temperature: 0.5\n  max_tokens: 700\n');
        const env = { OPENAI_BASE_URL: llm.openaiBaseUrl, OPENAI_API_KEY: 'sk-local-test-key-1234', VOLT_LLM_MODEL: 'local-model' };
        const writer = reportWriterFor(await loadReportSettings(dir), env);
        const { markdown } = await writeTogglSummary(aggregated, writer);
        const body = llm.requests()[0]!.body as { model: string; temperature: number; max_tokens: number; messages: { role: string; content: string }[] };
        assert.equal(body.model, 'local-model');
        assert.equal(body.temperature, 0.5);
        assert.equal(body.max_tokens, 700);
        assert.equal(body.messages[0]!.content, 'You are terse.');
        assert.match(body.messages[1]!.content, /^Period 2025-09-01 – 2025-09-07, 1 person\. Sections:\n## Executive summary\n## Per-user summaries\n/);
        assert.match(body.messages[1]!.content, /Facts:\n```json\n\{"period":/);
        assert.match(body.messages[1]!.content, /Answer in Portuguese\.$/);
        assert.match(markdown, /Narrative written by LLM openai local-model/);
      },
    );
  } finally {
    await llm.close();
  }
});

test('the prompts README lists every prompt file', async () => {
  const readme = await readFile(path.join(SHIPPED_PROMPTS_DIR, 'README.md'), 'utf8');
  for (const kind of PROMPT_KINDS) assert.ok(readme.includes(`\`${kind}.md\``), kind);
});
