/** The workload generator: sizes, determinism, validity, the previous period and hostile text, served by the simulators. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HOSTILE_TEXTS, WORKLOADS, generateWorkload, hostileDataset, parseDataset, startSandbox } from '../src/sandbox/index.js';

const entityCount = (d: ReturnType<typeof generateWorkload>) => d.fibery.spaces.flatMap((s) => s.types).reduce((n, t) => n + t.entities.length, 0);
const referenced = (d: ReturnType<typeof generateWorkload>) => new Set(d.toggl.time_entries.map((e) => /#(\d+)\s*\[/.exec(e.description)?.[1]).filter(Boolean));

test('standard workload: 25 people × 30 days, about 2,700 entries and 100 entities, valid and deterministic', () => {
  const d = generateWorkload(WORKLOADS.standard);
  assert.equal(d.toggl.users.length, 25);
  assert.ok(Math.abs(d.toggl.time_entries.length - 2700) < 200, `${d.toggl.time_entries.length} entries`);
  const n = entityCount(d);
  assert.ok(n >= 80 && n <= 110, `${n} entities`);
  const types = d.fibery.spaces.flatMap((s) => s.types.map((t) => `${s.name}/${t.name}`));
  assert.ok(types.length >= 5 && d.fibery.spaces.length >= 3, types.join(', '));
  assert.deepEqual(new Set(d.fibery.spaces.map((s) => s.comment_shape)), new Set(['scalar', 'content']));
  const ids = referenced(d);
  const all = d.fibery.spaces.flatMap((s) => s.types.flatMap((t) => t.entities.map((e) => e.public_id)));
  assert.ok(all.filter((id) => ids.has(id)).length >= all.length - 2, 'nearly every entity has time');
  assert.ok(d.toggl.time_entries.every((e) => e.start.slice(0, 10) >= d.period.start_date && e.start.slice(0, 10) <= d.period.end_date));
  assert.ok(d.toggl.time_entries.every((e) => e.stop !== null), 'no running entry unless asked');
  parseDataset(JSON.parse(JSON.stringify(d)), 'standard workload');
  assert.deepEqual(generateWorkload(WORKLOADS.standard), d, 'same seed, same data');
  assert.notDeepEqual(generateWorkload({ ...WORKLOADS.standard, seed: 2 }).toggl.time_entries.slice(0, 20), d.toggl.time_entries.slice(0, 20));
});

test('previous period and a running entry on request', () => {
  const d = generateWorkload({ people: 5, days: 14, previousPeriod: true, running: true });
  const before = d.toggl.time_entries.filter((e) => e.start.slice(0, 10) < d.period.start_date);
  const during = d.toggl.time_entries.filter((e) => e.start.slice(0, 10) >= d.period.start_date);
  assert.ok(before.length > 0.7 * during.length, `${before.length} before, ${during.length} during`);
  assert.ok(before.every((e) => e.start.slice(0, 10) >= '2025-12-22'));
  assert.equal(d.toggl.time_entries.filter((e) => e.stop === null).length, 1);
});

// How long generating it takes is part of `npm run bench --workload large`, not asserted here.
test('large workload: 200 people × 365 days, about 258,000 entries and 8,800 entities', () => {
  const d = generateWorkload(WORKLOADS.large);
  assert.ok(Math.abs(d.toggl.time_entries.length - 258_000) < 8_000, `${d.toggl.time_entries.length} entries`);
  const n = entityCount(d);
  assert.ok(Math.abs(n - 8_800) < 300, `${n} entities`);
  assert.ok(new Set(d.toggl.time_entries.map((e) => e.description)).size < 20_000, 'descriptions are shared, not copied per entry');
});

test('hostile text reaches both Toggl descriptions and Fibery data', async () => {
  const d = hostileDataset();
  parseDataset(JSON.parse(JSON.stringify(d)), 'hostile dataset');
  const names = d.fibery.spaces.flatMap((s) => s.types.flatMap((t) => t.entities.map((e) => e.name)));
  for (const [kind, text] of Object.entries(HOSTILE_TEXTS)) {
    assert.ok(names.includes(text), `an entity named with ${kind}`);
    assert.ok(d.toggl.time_entries.some((e) => e.description.includes(text)), `a Toggl description with ${kind}`);
  }
  assert.equal(HOSTILE_TEXTS.long.length, 5000);
  const entities = d.fibery.spaces.flatMap((s) => s.types.flatMap((t) => t.entities));
  assert.ok(entities.some((e) => e.description_md?.includes('<script>') && e.comments.some((c) => c.text_md.includes('<script>'))));

  const sb = await startSandbox({ dataset: d, limits: 'none' });
  try {
    const res = await fetch(`${sb.fibery.url}/api/graphql/space/Scrum`, {
      method: 'POST',
      headers: { authorization: `Token ${sb.fibery.token}` },
      body: JSON.stringify({ query: '{ findTasks(limit: 100) { name comments { md html } } findHotfixes { name comments { md html } } }' }),
    });
    type Found = { name: string; comments: { md: string; html: string }[] }[];
    const data = ((await res.json()) as { data: { findTasks: Found; findHotfixes: Found } }).data;
    const tasks = [...data.findTasks, ...data.findHotfixes];
    assert.ok(tasks.some((t) => t.name === HOSTILE_TEXTS.long));
    const html = tasks.flatMap((t) => t.comments.map((c) => c.html)).join('');
    assert.ok(html.includes('&lt;script&gt;') && !html.includes('<script>'));
  } finally {
    await sb.close();
  }
});
