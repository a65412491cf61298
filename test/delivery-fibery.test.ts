import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { AppConfigSchema } from '../src/config/app-config.js';
import { deliver, type DeliveryInput } from '../src/delivery/index.js';
import { createFiberyCommands, REPORT_TYPE, RICH_TEXT } from '../src/sandbox/fibery-commands.js';
import { startFiberyServer, type FiberyServer } from '../src/sandbox/fibery-server.js';
import { buildDataset } from './support/datasets.js';
import { removeRunFixtures, writeRunFixture } from './delivery-fixture.js';

/** One channel of the registry, as the deliver_report activity calls it. */
const deliverFibery = (input: DeliveryInput, env: NodeJS.ProcessEnv, signal?: AbortSignal) => deliver('fibery', input, env, signal);

const TOKEN = 'fibery-delivery-token-123456';
const base = AppConfigSchema.parse({}).delivery;
const config: typeof base = { ...base, retry_delay_seconds: 0.01, timeout_seconds: 5, fibery: { type: 'Reports/Weekly Report', field: 'Description', name_field: 'Name' } };

let fibery: FiberyServer;
const env = () => ({ FIBERY_API_TOKEN: TOKEN, FIBERY_API_URL: fibery.url });

before(async () => {
  // The delivery paces itself within Fibery's limit; the tests also talk to the simulator directly.
  fibery = await startFiberyServer({ dataset: buildDataset([{ space: 'Scrum', type: 'Task', count: 2 }]), token: TOKEN, rateLimit: false });
});
after(async () => {
  await fibery.close();
  await removeRunFixtures();
});
beforeEach(() => {
  fibery.commands.reset();
  fibery.resetStats();
});

test('the team report becomes a Fibery entity whose rich-text field holds the markdown', async () => {
  const run = await writeRunFixture({ people: 3, longNames: 1 });
  const record = await deliverFibery({ runDir: run.dir, config }, env());
  assert.equal(record.status, 'sent', record.error ?? '');
  const [entity, ...others] = fibery.commands.entities();
  assert.equal(others.length, 0);
  assert.equal(entity!.type, 'Reports/Weekly Report');
  assert.deepEqual(entity!.values, { 'Reports/Name': 'Team report 2026-11-16 – 2026-11-22' });
  assert.equal(fibery.commands.document(entity!.documents['Reports/Description']!), run.markdown);
  assert.deepEqual(
    fibery.commands.commands().map((c) => c.command),
    ['fibery.entity/create', 'fibery.entity/query'],
  );
  assert.deepEqual(fibery.commands.documentWrites(), [{ secret: entity!.documents['Reports/Description'], format: 'md', content: run.markdown }]);
  assert.deepEqual(record.detail, {
    type: 'Reports/Weekly Report',
    field: 'Reports/Description',
    entity_id: entity!['fibery/id'],
    public_id: entity!['fibery/public-id'],
    name: 'Team report 2026-11-16 – 2026-11-22',
    characters: run.markdown.length,
  });
});

test('an unknown type is Fibery\'s own error result, recorded as a failure', async () => {
  const run = await writeRunFixture();
  const record = await deliverFibery({ runDir: run.dir, config: { ...config, fibery: { ...config.fibery, type: 'Reports/Daily Report' } } }, env());
  assert.equal(record.status, 'failed');
  assert.equal(record.error, 'Fibery refused fibery.entity/create: Type "Reports/Daily Report" is not found in the workspace schema');
  assert.equal(fibery.commands.entities().length, 0);
});

test('a field that is not rich text, or not there, fails with a line that says so', async () => {
  const run = await writeRunFixture();
  const notThere = await deliverFibery({ runDir: run.dir, config: { ...config, fibery: { ...config.fibery, field: 'Summary' } } }, env());
  assert.equal(notThere.status, 'failed');
  assert.match(notThere.error!, /^Fibery refused fibery\.entity\/query: Field "Reports\/Summary" is not found on type "Reports\/Weekly Report"$/);
  const plain = await deliverFibery({ runDir: run.dir, config: { ...config, fibery: { ...config.fibery, field: 'Name' } } }, env());
  assert.equal(plain.status, 'failed');
  assert.match(plain.error!, /Field "Reports\/Name" has no sub-fields to select/);
});

test('a wrong token fails without showing either token', async () => {
  const run = await writeRunFixture();
  const wrong = 'not-the-right-token-987';
  const record = await deliverFibery({ runDir: run.dir, config }, { ...env(), FIBERY_API_TOKEN: wrong });
  assert.equal(record.status, 'failed');
  assert.match(record.error!, /^Fibery API answered 401 Unauthorized: .* \(check Fibery token \/ access\)$/);
  assert.equal(JSON.stringify(record).includes(wrong), false);
});

test('429 and 5xx from Fibery are retried inside the delivery', async () => {
  const run = await writeRunFixture();
  fibery.failNext(503, 1);
  fibery.failNext(429, 1);
  const record = await deliverFibery({ runDir: run.dir, config }, env());
  assert.equal(record.status, 'sent', record.error ?? '');
  assert.equal(fibery.commands.entities().length, 1, 'one entity: the refused attempts created nothing');
  assert.deepEqual(fibery.stats().by_status, { '200': 3, '429': 1, '503': 1 });
});

test('missing Fibery settings are one line naming the variable or config key', async () => {
  const run = await writeRunFixture();
  const cases: [NodeJS.ProcessEnv, typeof config, RegExp][] = [
    [{ FIBERY_API_URL: fibery.url }, config, /^FIBERY_API_TOKEN is not set: /],
    [{ FIBERY_API_TOKEN: TOKEN }, config, /^FIBERY_WORKSPACE is not set: .*or set FIBERY_API_URL/],
    [env(), { ...config, fibery: { ...config.fibery, type: null } }, /^delivery\.fibery\.type is not set in config\/config\.yaml/],
    [env(), { ...config, fibery: { ...config.fibery, field: null } }, /^delivery\.fibery\.field is not set in config\/config\.yaml/],
  ];
  for (const [e, c, expected] of cases) {
    const record = await deliverFibery({ runDir: run.dir, config: c }, e);
    assert.equal(record.status, 'failed');
    assert.match(record.error!, expected);
  }
  assert.equal(fibery.commands.commands().length, 0, 'nothing was sent');
});

test('the commands simulator checks commands and args like the real API', () => {
  const sim = createFiberyCommands({ types: [REPORT_TYPE] });
  const post = (body: unknown) => sim.handle('POST', new URL('http://x/api/commands'), JSON.stringify(body));
  const error = (answer: { body: unknown }) => (answer.body as { success: boolean; result: { name: string; message: string } }[])[0]!;

  assert.equal(sim.handle('POST', new URL('http://x/api/commands'), '{not json').status, 400);
  assert.equal(post('just a string').status, 400);
  assert.equal(error(post([{ command: 'fibery.entity/explode', args: {} }])).result.name, 'command/not-found');
  assert.match(error(post([{ command: 'fibery.entity/create', args: { type: 'Reports/Weekly Report', entity: { 'Reports/Description': 'x' } } }])).result.message, /rich text: set its document through \/api\/documents/);
  assert.match(error(post([{ command: 'fibery.entity/create', args: { type: 'Reports/Weekly Report', entity: { 'Reports/Name': 42 } } }])).result.message, /not a valid fibery\/text/);
  assert.match(error(post([{ command: 'fibery.entity/create', args: { type: 'Reports/Weekly Report', entity: 'x' } }])).result.message, /"entity" must be an object/);
  assert.match(error(post([{ command: 'fibery.entity/query', args: { query: { 'q/from': 'Reports/Weekly Report', 'q/select': ['fibery/id'] } } }])).result.message, /"q\/limit" is required/);
  assert.match(
    error(post([{ command: 'fibery.entity/query', args: { query: { 'q/from': 'Reports/Weekly Report', 'q/select': ['fibery/id'], 'q/limit': 1, 'q/where': ['=', ['fibery/id'], '$id'] } } }])).result.message,
    /Parameter "\$id" is not given/,
  );

  // A single command answers with one object; a batch with one answer per command.
  const created = post({ command: 'fibery.entity/create', args: { type: 'Reports/Weekly Report', entity: { 'Reports/Name': 'R1' } } }).body as { success: boolean; result: Record<string, unknown> };
  assert.equal(created.success, true);
  assert.equal(created.result['fibery/public-id'], '1');
  assert.equal(typeof created.result['Reports/Description'], 'object', 'a rich-text field is a reference to its document');
  const batch = post({ command: 'fibery.command/batch', args: { commands: [{ command: 'fibery.entity/create', args: { type: 'Reports/Weekly Report', entity: { 'Reports/Name': 'R2' } } }, { command: 'nope' }] } }).body as { result: { success: boolean }[] };
  assert.deepEqual(batch.result.map((r) => r.success), [true, false]);

  // Query by id, the document secret by both select forms, then the documents API.
  const id = created.result['fibery/id'];
  const query = (select: unknown) =>
    (post([{ command: 'fibery.entity/query', args: { query: { 'q/from': 'Reports/Weekly Report', 'q/select': select, 'q/where': ['=', ['fibery/id'], '$id'], 'q/limit': 1 }, params: { $id: id } } }]).body as { result: Record<string, unknown>[] }[])[0]!.result;
  const [nested] = query(['Reports/Name', { 'Reports/Description': ['Collaboration~Documents/secret'] }]);
  const secret = (nested!['Reports/Description'] as Record<string, string>)['Collaboration~Documents/secret']!;
  assert.equal(nested!['Reports/Name'], 'R1');
  assert.deepEqual(query({ name: ['Reports/Name'], doc: ['Reports/Description', 'Collaboration~Documents/secret'] }), [{ name: 'R1', doc: secret }]);
  const docUrl = (format = 'md') => new URL(`http://x/api/documents/${secret}?format=${format}`);
  assert.deepEqual(sim.handle('GET', docUrl(), ''), { status: 200, body: { secret, content: '' } });
  assert.equal(sim.handle('PUT', docUrl(), JSON.stringify({ text: 'x' })).status, 400);
  assert.equal(sim.handle('PUT', docUrl('json'), JSON.stringify({ content: 'x' })).status, 400);
  assert.equal(sim.handle('PUT', new URL('http://x/api/documents/unknown?format=md'), JSON.stringify({ content: 'x' })).status, 404);
  assert.equal(sim.handle('PUT', docUrl(), JSON.stringify({ content: '# Hello' })).status, 200);
  const docs = sim.handle('POST', new URL('http://x/api/documents/commands?format=md'), JSON.stringify({ command: 'get-documents', args: [{ secret }] }));
  assert.deepEqual(docs.body, [{ secret, content: '# Hello' }]);
  assert.equal(RICH_TEXT, 'Collaboration~Documents/Document');
});

test('the simulator also accepts entities of the dataset\'s own types', async () => {
  const res = await fetch(`${fibery.url}/api/commands`, {
    method: 'POST',
    headers: { Authorization: `Token ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify([{ command: 'fibery.entity/create', args: { type: 'Scrum/Task', entity: { 'Scrum/Name': 'From the API' } } }]),
  });
  assert.equal(res.status, 200);
  const [answer] = (await res.json()) as { success: boolean }[];
  assert.equal(answer!.success, true);
  const unauthorised = await fetch(`${fibery.url}/api/commands`, { method: 'POST', body: '[]' });
  assert.equal(unauthorised.status, 401);
});
