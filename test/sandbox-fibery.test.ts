/**
 * The Fibery simulator over HTTP: GraphQL per space, `in`/`notIn` filters, both comment shapes in
 * introspection and answers, the documented rate limit, every fault kind and the request log.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SAMPLE_DATASET_PATH, hashToken, loadDataset, startFiberyServer, type Dataset, type FiberyServer, type FiberyServerOptions } from '../src/sandbox/index.js';
import { setTimeout as sleep } from 'node:timers/promises';

const TOKEN = 'test-token';

let dataset: Dataset;
const servers: FiberyServer[] = [];
before(async () => {
  dataset = await loadDataset(SAMPLE_DATASET_PATH);
});
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function server(opts: Partial<FiberyServerOptions> = {}): Promise<FiberyServer> {
  const s = await startFiberyServer({ dataset, token: TOKEN, ...opts });
  servers.push(s);
  return s;
}

function gqlOn(s: FiberyServer) {
  return (space: string, query: string, variables?: Record<string, unknown>, auth = `Token ${TOKEN}`, signal?: AbortSignal) =>
    fetch(`${s.url}/api/graphql/space/${space}`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
      ...(signal ? { signal } : {}),
    });
}

type Body<T> = { data: T; errors?: { message: string; path?: string[] }[] };
const json = async <T>(res: Response | Promise<Response>) => (await (await res).json()) as Body<T>;

const entitiesOf = (space: string, type: string) => dataset.fibery.spaces.find((s) => s.name === space)!.types.find((t) => t.name === type)!.entities;

describe('Fibery GraphQL', () => {
  let gql: ReturnType<typeof gqlOn>;
  let gqlServer: FiberyServer;
  before(async () => {
    gqlServer = await server({ rateLimit: false });
    gql = gqlOn(gqlServer);
  });

  test('auth and unknown spaces', async () => {
    const none = await gql('Scrum', '{ findTasks { id } }', undefined, '');
    assert.equal(none.status, 401);
    assert.ok(((await none.json()) as { message: string }).message);
    assert.equal((await gql('Scrum', '{ findTasks { id } }', undefined, `Bearer ${TOKEN}`)).status, 200);
    assert.equal((await gql('Nope', '{ findTasks { id } }')).status, 404);
  });

  test('two aliased findTasks in one request return two entities, with the real field names', async () => {
    const body = await json<{ a: Record<string, unknown>[]; b: Record<string, unknown>[] }>(
      gql(
        'Scrum',
        `query ($a: String, $b: String) {
          a: findTasks(publicId: { is: $a }) { id publicId name state { name } description { md } assignees { name email }
            comments { createdBy { name } creationDate documentSecret } creationDate modificationDate effortPt priority { name } timeSpentH
            sprint { id publicId name } epic { publicId name } plannedEnd completionDate }
          b: findTasks(publicId: { is: $b }, limit: 1) { publicId name feature { publicId name } }
        }`,
        { a: '7658', b: '7601' },
      ),
    );
    assert.equal(body.errors, undefined);
    assert.equal(body.data.a.length, 1);
    assert.equal(body.data.a[0]!.name, 'Fix login redirect loop after SSO');
    assert.equal(typeof body.data.a[0]!.effortPt, 'number');
    // A single-select is an option object; its name is the value.
    assert.equal((body.data.a[0]!.priority as { name: string }).name, entitiesOf('Scrum', 'Task').find((t) => t.public_id === '7658')!.values.Priority);
    assert.deepEqual(Object.keys(body.data.a[0]!.sprint as object), ['id', 'publicId', 'name']);
    assert.equal((body.data.b[0]!.feature as { publicId: string }).publicId, '1582');
  });

  test('publicId `in` / `notIn` and id `in` fetch a batch in one query; limit still applies', async () => {
    const tasks = entitiesOf('Scrum', 'Task');
    const ids = tasks.slice(0, 12).map((t) => t.public_id);
    const batch = await json<{ findTasks: { publicId: string }[] }>(gql('Scrum', 'query ($ids: [String!]) { findTasks(publicId: { in: $ids }) { publicId } }', { ids: [...ids, '99999'] }));
    assert.deepEqual(batch.data.findTasks.map((t) => t.publicId).sort(), [...ids].sort());
    const limited = await json<{ findTasks: unknown[] }>(gql('Scrum', `{ findTasks(publicId: { in: ${JSON.stringify(ids)} }, limit: 5) { publicId } }`));
    assert.equal(limited.data.findTasks.length, 5);
    const others = await json<{ findTasks: { publicId: string }[] }>(gql('Scrum', 'query ($ids: [String!]) { findTasks(publicId: { notIn: $ids }) { publicId } }', { ids }));
    assert.equal(others.data.findTasks.length, tasks.length - ids.length);
    assert.ok(others.data.findTasks.every((t) => !ids.includes(t.publicId)));
    const uuids = tasks.slice(0, 3).map((t) => t.id);
    const byId = await json<{ findTasks: { id: string }[] }>(gql('Scrum', 'query ($ids: [ID!]) { findTasks(id: { in: $ids }) { id } }', { ids: uuids }));
    assert.deepEqual(byId.data.findTasks.map((t) => t.id).sort(), [...uuids].sort());
  });

  test('filters, limit/offset, and types in both spaces', async () => {
    const body = await json<{ findFeatures: { publicId: string; featureTimeSpentH: number; plannedReleaseDate: string; tasks: { state: { name: string } }[]; requests: { publicId: string }[] }[] }>(
      gql('Scrum', '{ findFeatures(name: { contains: "billing" }) { publicId featureTimeSpentH plannedReleaseDate tasks { publicId state { name } } requests { publicId name } } }'),
    );
    assert.deepEqual(body.data.findFeatures.map((f) => f.publicId), ['1571']);
    assert.ok(body.data.findFeatures[0]!.tasks.length > 0);
    // Relations resolve to the entity itself: its state can be selected through the relation.
    assert.ok(body.data.findFeatures[0]!.tasks.every((t) => typeof t.state.name === 'string'));
    assert.equal(body.data.findFeatures[0]!.plannedReleaseDate, entitiesOf('Scrum', 'Feature').find((f) => f.public_id === '1571')!.values['Planned Release Date']);
    const sprint = await json<{ findSprints: { dates: { start: string; end: string } }[] }>(gql('Scrum', '{ findSprints(limit: 1) { dates { start end } } }'));
    assert.match(sprint.data.findSprints[0]!.dates.start, /^\d{4}-\d{2}-\d{2}$/);
    const pm = await json<{ findRequests: unknown[]; findFeedbacks: unknown[] }>(gql('Product_Management', '{ findRequests(limit: 2, offset: 1) { publicId customer } findFeedbacks { publicId sentiment } }'));
    assert.equal(pm.data.findRequests.length, 2);
    assert.equal(pm.data.findFeedbacks.length, 5);
    const sub = await json<{ findSubTasks: { name: string; completedDate: string | null }[] }>(gql('Scrum', '{ findSubTasks(publicId: { is: "7658" }) { name task { publicId } blocked estimateH completedDate startedDate } }'));
    assert.equal(sub.data.findSubTasks.length, 1);
    assert.notEqual(sub.data.findSubTasks[0]!.name, 'Fix login redirect loop after SSO');
  });

  test('introspection lists the real query names; unknown fields are GraphQL errors with HTTP 200', async () => {
    const intro = await json<{ __schema: { queryType: { fields: { name: string }[] } } }>(gql('Scrum', '{ __schema { queryType { fields { name } } } }'));
    assert.deepEqual(intro.data.__schema.queryType.fields.map((f) => f.name).sort(), ['findBugs', 'findChores', 'findEpics', 'findFeatures', 'findHotfixes', 'findSprints', 'findSubTasks', 'findTasks']);
    // Object types are named {Space}{Type}; each field's description is its storage name.
    const task = await json<{ __type: { fields: { name: string; description: string; type: { name: string } }[] } }>(gql('Scrum', '{ __type(name: "ScrumTask") { fields { name description type { name } } } }'));
    const fields = task.data.__type.fields.map((f) => f.name);
    for (const f of ['effortPt', 'sprint', 'epic', 'feature', 'plannedStart', 'plannedEnd', 'completionDate', 'priority', 'timeSpentH', 'createdBy']) assert.ok(fields.includes(f), f);
    const byName = new Map(task.data.__type.fields.map((f) => [f.name, f]));
    assert.equal(byName.get('plannedEnd')!.description, 'Scrum/Planned End');
    assert.equal(byName.get('state')!.type.name, 'WorkflowStateScrumTask');
    assert.equal(byName.get('description')!.type.name, 'RichField');
    assert.equal(byName.get('createdBy')!.type.name, 'FiberyUser');
    assert.equal(byName.get('priority')!.type.name, 'ScrumPriority_ScrumTask');
    const request = await json<{ __type: { fields: { name: string; type: { name: string } }[] } }>(gql('Product_Management', '{ __type(name: "ProductManagementRequest") { fields { name type { name } } } }'));
    assert.equal(request.data.__type.fields.find((f) => f.name === 'feature')!.type.name, 'ScrumFeature', 'a relation to another space carries that space type name');
    const bad = await gql('Scrum', '{ findTasks { id storyPoints } }');
    assert.equal(bad.status, 200);
    assert.match(((await bad.json()) as Body<unknown>).errors![0]!.message, /Cannot query field "storyPoints"/);
    const syntax = await json<unknown>(gql('Scrum', '{ findTasks { id '));
    assert.ok(syntax.errors!.length > 0);
  });

  test('comments: only a document secret in Scrum (text in the documents API), a content object in Product Management; introspection says which', async () => {
    const commentFields = async (space: string) =>
      (await json<{ __type: { fields: { name: string; type: { name: string | null } }[] } }>(gql(space, '{ __type(name: "Comment") { fields { name type { name } } } }'))).data.__type.fields;
    const scrum = await commentFields('Scrum');
    assert.deepEqual(scrum.map((f) => f.name).sort(), ['createdBy', 'creationDate', 'documentSecret', 'id', 'publicId']);
    const pm = await commentFields('Product_Management');
    assert.deepEqual(pm.map((f) => f.name).sort(), ['author', 'content', 'createdBy', 'creationDate', 'id']);
    assert.equal(pm.find((f) => f.name === 'content')!.type.name, 'RichField');

    const task = entitiesOf('Scrum', 'Task').find((t) => t.comments.length > 1)!;
    const secrets = await json<{ findTasks: { comments: { documentSecret: string; createdBy: { name: string } }[] }[] }>(
      gql('Scrum', `{ findTasks(publicId: { is: "${task.public_id}" }) { comments { documentSecret createdBy { name } creationDate } } }`),
    );
    const comments = secrets.data.findTasks[0]!.comments;
    assert.equal(comments[0]!.createdBy.name, task.comments[0]!.author);
    const docs = await fetch(`${gqlServer.url}/api/documents/commands?format=md`, {
      method: 'POST',
      headers: { authorization: `Token ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ command: 'get-documents', args: comments.map((c) => ({ secret: c.documentSecret })) }),
    });
    assert.equal(docs.status, 200);
    assert.deepEqual(((await docs.json()) as { content: string }[]).map((d) => d.content), task.comments.map((c) => c.text_md));
    const one = await fetch(`${gqlServer.url}/api/documents/${comments[0]!.documentSecret}?format=md`, { headers: { authorization: `Token ${TOKEN}` } });
    assert.equal(((await one.json()) as { content: string }).content, task.comments[0]!.text_md);
    const asText = await gql('Scrum', '{ findTasks { comments { md } } }');
    assert.match(((await asText.json()) as Body<unknown>).errors![0]!.message, /md/, 'no text on a comment of the real shape');

    const request = entitiesOf('Product Management', 'Request').find((r) => r.comments.length > 0)!;
    const content = await json<{ findRequests: { comments: { content: { md: string; text: string } }[] }[] }>(
      gql('Product_Management', `{ findRequests(publicId: { is: "${request.public_id}" }) { comments { content { md text } } } }`),
    );
    assert.equal(content.data.findRequests[0]!.comments[0]!.content.md, request.comments[0]!.text_md);
  });

  test('the commands API answers fibery.schema/query from the same store: real storage names and types', async () => {
    const res = await fetch(`${gqlServer.url}/api/commands`, {
      method: 'POST',
      headers: { authorization: `Token ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify([{ command: 'fibery.schema/query' }]),
    });
    const [answer] = (await res.json()) as { success: boolean; result: { 'fibery/types': { 'fibery/name': string; 'fibery/fields': { 'fibery/name': string; 'fibery/type': string; 'fibery/meta': Record<string, unknown> }[] }[] } }[];
    assert.equal(answer!.success, true);
    const types = new Map(answer!.result['fibery/types'].map((t) => [t['fibery/name'], t]));
    const feature = new Map(types.get('Scrum/Feature')!['fibery/fields'].map((f) => [f['fibery/name'], f]));
    assert.equal(feature.get('Scrum/Planned Release Date')!['fibery/type'], 'fibery/date');
    assert.equal(feature.get('Scrum/Requests')!['fibery/type'], 'Product Management/Request');
    assert.equal(feature.get('Scrum/Tasks')!['fibery/meta']['fibery/collection?'], true);
    assert.equal(feature.get('Scrum/Description')!['fibery/type'], 'Collaboration~Documents/Document');
    const task = new Map(types.get('Scrum/Task')!['fibery/fields'].map((f) => [f['fibery/name'], f['fibery/type']]));
    assert.equal(task.get('Scrum/Priority'), 'Scrum/Priority_Scrum/Task');
    assert.ok(types.get('Scrum/Priority_Scrum/Task'));
    assert.equal(task.get('workflow/state'), 'workflow/state_Scrum/Task');
    assert.deepEqual(
      types.get('comments/comment')!['fibery/fields'].map((f) => f['fibery/name']),
      ['fibery/id', 'fibery/public-id', 'fibery/creation-date', 'fibery/created-by', 'comment/author', 'comment/document-secret', 'comments/parent'],
    );
    // The same store: every GraphQL type of the space is a type of the schema answer.
    for (const space of dataset.fibery.spaces) for (const t of space.types) assert.ok(types.has(`${space.name}/${t.name}`), `${space.name}/${t.name}`);
  });

  test('rich text comes in md, text, html and jsonString; html never carries raw markup', async () => {
    const s = await server({
      rateLimit: false,
      dataset: {
        ...dataset,
        fibery: { workspace: 'x', spaces: [{ name: 'S', comment_shape: 'scalar', types: [{ name: 'Task', fields: [], entities: [{ ...entitiesOf('Scrum', 'Task')[0]!, description_md: '**Hi** <script>alert(1)</script> [a](b)' }] }] }] },
      },
    });
    const body = await json<{ findTasks: { description: { md: string; text: string; html: string } }[] }>(gqlOn(s)('S', '{ findTasks { description { md text html jsonString } } }'));
    const d = body.data.findTasks[0]!.description;
    assert.equal(d.md, '**Hi** <script>alert(1)</script> [a](b)');
    assert.equal(d.text, 'Hi <script>alert(1)</script> a');
    assert.equal(d.html, '<p>Hi &lt;script&gt;alert(1)&lt;/script&gt; a</p>');
  });

  test('stats count in-flight requests per type', async () => {
    // Long enough that the four are in flight together even when a busy machine sends them slowly.
    const slow = await server({ latencyMs: 600, rateLimit: false });
    const q = (query: string) => gqlOn(slow)('Scrum', query).then((r) => r.json());
    await Promise.all([
      q('{ a: findTasks(limit: 1) { id } b: findTasks(offset: 1, limit: 1) { id } }'),
      q('{ findTasks(limit: 1) { id } }'),
      q('{ findTasks(limit: 1) { id } }'),
      q('{ findBugs(limit: 1) { id } }'),
    ]);
    const st = slow.stats();
    assert.equal(st.requests, 4);
    assert.equal(st.graphql_requests, 4);
    assert.equal(st.aliases_total, 5);
    assert.equal(st.max_in_flight, 4);
    assert.equal(st.in_flight_by_type['Scrum/Task'], 3);
    assert.equal(st.in_flight_by_type['Scrum/Bug'], 1);
    slow.resetStats();
    assert.equal(slow.stats().requests, 0);
  });
});

describe('Fibery rate limit (on by default)', () => {
  const query = '{ findTasks(limit: 1) { id } }';

  test('3 requests a second per token, then 429 until the window frees', async () => {
    const s = await server();
    const statuses = await Promise.all(Array.from({ length: 5 }, () => gqlOn(s)('Scrum', query).then((r) => r.status)));
    assert.deepEqual([...statuses].sort(), [200, 200, 200, 429, 429]);
    const refused = s.requestLog().filter((e) => e.limited === 'rate-limit');
    assert.equal(refused.length, 2);
    await sleep(1000);
    assert.equal((await gqlOn(s)('Scrum', query)).status, 200);
  });

  test('7 a second per workspace across tokens; Retry-After when configured', async () => {
    const s = await server({ extraTokens: ['t2', 't3'], rateLimit: { retryAfterSeconds: 1 } });
    const gql = gqlOn(s);
    const all = await Promise.all(['test-token', 't2', 't3'].flatMap((t) => [1, 2, 3].map(() => gql('Scrum', query, undefined, `Token ${t}`))));
    assert.equal(all.filter((r) => r.status === 200).length, 7);
    const limited = all.filter((r) => r.status === 429);
    assert.equal(limited.length, 2);
    assert.equal(limited[0]!.headers.get('retry-after'), '1');
    const byToken = new Map<string, number>();
    for (const e of s.requestLog()) if (e.status === 200) byToken.set(e.tokenHash!, (byToken.get(e.tokenHash!) ?? 0) + 1);
    assert.ok([...byToken.values()].every((n) => n <= 3));
  });
});

describe('Fibery faults', () => {
  test('GraphQL errors with HTTP 200: data null, or partial data; only in the space named', async () => {
    const s = await server({ rateLimit: false, faults: [{ kind: 'graphql-errors', space: 'Product Management' }, { kind: 'graphql-errors', data: 'partial', space: 'Scrum' }] });
    const gql = gqlOn(s);
    const nulled = await gql('Product_Management', '{ findRequests { publicId } }');
    assert.equal(nulled.status, 200);
    const n = (await nulled.json()) as Body<null>;
    assert.equal(n.data, null);
    assert.ok(n.errors![0]!.message);
    const partial = await json<{ a: unknown[] | null; b: unknown[] | null }>(gql('Scrum', '{ a: findTasks(limit: 1) { id } b: findBugs(limit: 1) { id } }'));
    assert.equal(partial.data.a!.length, 1);
    assert.equal(partial.data.b, null);
    assert.deepEqual(partial.errors![0]!.path, ['b']);
    assert.equal((await json<{ findTasks: unknown[] }>(gql('Scrum', '{ findTasks(limit: 1) { id } }'))).errors, undefined);
  });

  test('status with Retry-After, truncated and non-JSON bodies, hang, delay; the older failNext still works', async () => {
    const s = await server({ rateLimit: false });
    const gql = gqlOn(s);
    const q = '{ findTasks(limit: 2) { id name } }';
    s.faults.push({ kind: 'status', status: 503, retryAfterSeconds: 3 }, { kind: 'truncated' }, { kind: 'non-json' }, { kind: 'delay', ms: 120 }, { kind: 'hang' });
    const unavailable = await gql('Scrum', q);
    assert.equal(unavailable.status, 503);
    assert.equal(unavailable.headers.get('retry-after'), '3');
    const cut = await gql('Scrum', q);
    assert.equal(cut.status, 200);
    const text = await cut.text();
    assert.ok(text.startsWith('{"data"'));
    assert.throws(() => JSON.parse(text));
    const html = await gql('Scrum', q);
    assert.equal(html.status, 200);
    assert.match(html.headers.get('content-type') ?? '', /text\/html/);
    await html.arrayBuffer();
    const started = performance.now();
    assert.equal((await gql('Scrum', q)).status, 200);
    assert.ok(performance.now() - started >= 110);
    await assert.rejects(gql('Scrum', q, undefined, `Token ${TOKEN}`, AbortSignal.timeout(150)), /abort|timeout/i);
    s.failNext(429, 1, 2);
    const limited = await gql('Scrum', q);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '2');
    assert.equal((await gql('Scrum', q)).status, 200);
    assert.deepEqual(s.requestLog().map((e) => e.fault), ['status 503', 'truncated', 'non-json', 'delay 120ms', 'hang', 'status 429', null]);
  });
});

describe('Fibery request log', () => {
  test('space, token hash, status, the find queries and the public ids asked for', async () => {
    const s = await server({ rateLimit: false });
    const gql = gqlOn(s);
    await gql('Scrum', 'query ($ids: [String!]) { a: findTasks(publicId: { in: $ids }) { id } b: findBugs(publicId: { is: "2101" }) { id } }', { ids: ['7601', '7603'] });
    await gql('Product_Management', '{ __schema { queryType { name } } }');
    await gql('Scrum', '{ findTasks { id } }', undefined, 'Token wrong');
    const log = s.requestLog();
    assert.deepEqual(log.map((e) => e.space), ['Scrum', 'Product_Management', 'Scrum']);
    assert.deepEqual(log[0]!.queries, ['findTasks', 'findBugs']);
    assert.deepEqual(log[0]!.publicIds, ['7601', '7603', '2101']);
    assert.deepEqual(log.map((e) => e.status), [200, 200, 401]);
    assert.equal(log[0]!.tokenHash, hashToken(TOKEN));
    assert.ok(log.every((e, i) => i === 0 || e.at >= log[i - 1]!.at));
    assert.ok(!JSON.stringify(log).includes(TOKEN));
  });
});
