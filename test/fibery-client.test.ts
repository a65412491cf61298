import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { buildSchema, execute, NoSchemaIntrospectionCustomRule, parse, specifiedRules, validate, type DocumentNode } from 'graphql';
import { ApiError, ValidationError } from '../src/errors.js';
import { FiberyClient } from '../src/fibery/client.js';
import { fieldToGraphqlName, pluralQueryName, spaceToGraphqlPath } from '../src/fibery/naming.js';

const TOKEN = 'fibery-test-token-abcdef';

// A Fibery-like space schema: camelCase fields, relations as objects, collections as lists.
const SDL = `
  input StringFilter { is: String contains: String isNull: Boolean }
  type Query {
    findTasks(publicId: StringFilter, name: StringFilter, limit: Int, offset: Int): [Task]
    findBugs(publicId: StringFilter, limit: Int, offset: Int): [Bug]
    findSubTasks(publicId: StringFilter, limit: Int, offset: Int): [SubTask]
  }
  type RichText { md: String }
  type WorkflowState { id: ID name: String }
  type User { id: ID name: String email: String }
  type Comment { author: User creationDate: String content: RichText }
  type Feature { id: ID publicId: String name: String }
  type Severity { id: ID rank: Float icon: String name: String }
  type Task {
    id: ID! publicId: String! name: String state: WorkflowState description: RichText
    assignees: [User] comments: [Comment] creationDate: String modificationDate: String
    storyPoints: Float plannedEnd: String timeSpentH: Float feature: Feature
  }
  type Bug { id: ID! publicId: String! name: String state: WorkflowState description: RichText severity: Severity creationDate: String }
  type SubTask { id: ID! publicId: String! name: String }
`;
const schema = buildSchema(SDL);

function task(n: number): Record<string, unknown> {
  return {
    id: `uuid-task-${n}`,
    publicId: String(n),
    name: `Task ${n}`,
    state: { id: 's1', name: n % 2 ? 'In progress' : 'Done' },
    description: n === 1 ? { md: '# Provision\nAWS things' } : null,
    assignees: [{ id: 'u1', name: 'Ada Lovelace', email: 'ada@example.com' }],
    comments: n === 1 ? [{ author: { name: 'Bob' }, creationDate: '2026-03-01T10:00:00.000Z', content: { md: 'LGTM' } }] : [],
    creationDate: '2026-02-01T09:00:00.000Z',
    modificationDate: '2026-03-01T09:00:00.000Z',
    storyPoints: 5,
    plannedEnd: '2026-03-10',
    timeSpentH: 3.5,
    feature: { id: 'uuid-f', publicId: '1575', name: 'Infra' },
  };
}
// Tasks 1..43 exist; 44 and 45 do not.
const TASKS = Array.from({ length: 43 }, (_, i) => task(i + 1));
const BUGS = [{ id: 'uuid-bug-12', publicId: '12', name: 'Crash on login', state: { name: 'Open' }, description: null, severity: { id: 'sev', name: 'High' }, creationDate: '2026-01-05' }];

type Filter = { publicId?: { is?: string | null } | null; limit?: number | null };
const finder = (rows: Record<string, unknown>[]) => (args: Filter) =>
  rows.filter((r) => args.publicId?.is == null || r.publicId === args.publicId.is).slice(0, args.limit ?? 100);
const root = { findTasks: finder(TASKS), findBugs: finder(BUGS), findSubTasks: finder([]) };

interface Seen {
  path: string;
  auth: string | undefined;
  query: string;
  variables: unknown;
}

/** Fake Fibery: only the "Scrum" space exists; optionally refuses introspection like a locked-down server. */
async function fiberyServer(opts: { introspection: boolean; onQuery?: (seen: Seen, hit: number, res: ServerResponse) => boolean }) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      void (async () => {
        const body = JSON.parse(raw || '{}') as { query?: string; variables?: unknown };
        const s: Seen = { path: req.url ?? '', auth: req.headers.authorization, query: body.query ?? '', variables: body.variables };
        seen.push(s);
        if (opts.onQuery?.(s, seen.length, res)) return;
        const send = (status: number, payload: unknown): void => {
          res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(payload));
        };
        if (req.method !== 'POST' || !s.path.startsWith('/api/graphql/space/')) return void res.writeHead(404).end('Not found');
        if (decodeURIComponent(s.path.slice('/api/graphql/space/'.length)) !== 'Scrum') return void res.writeHead(404).end('Space not found');
        if (req.headers.authorization !== `Token ${TOKEN}`) return void res.writeHead(401).end('Unauthorized');
        let doc: DocumentNode;
        try {
          doc = parse(s.query);
        } catch (err) {
          return send(200, { errors: [{ message: (err as Error).message }] });
        }
        const rules = opts.introspection ? specifiedRules : [...specifiedRules, NoSchemaIntrospectionCustomRule];
        const errors = validate(schema, doc, rules);
        if (errors.length > 0) return send(200, { errors: errors.map((e) => ({ message: e.message })) });
        send(200, await execute({ schema, document: doc, rootValue: root }));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    queries: () => seen.filter((s) => !s.query.includes('__schema')),
    introspections: () => seen.filter((s) => s.query.includes('__schema')),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const ids = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));
const noSleep = async (): Promise<void> => {};

test('naming: spaces, fields and plural query names', () => {
  assert.equal(spaceToGraphqlPath('Software Development'), 'Software_Development');
  assert.equal(spaceToGraphqlPath('Développement Produit'), 'Developpement_Produit');
  assert.equal(fieldToGraphqlName('Time spent (H)'), 'timeSpentH');
  assert.equal(fieldToGraphqlName('Planned End'), 'plannedEnd');
  assert.equal(fieldToGraphqlName('Story Points'), 'storyPoints');
  assert.equal(fieldToGraphqlName('Scrum/Effort (pt)'), 'effortPt');
  assert.equal(pluralQueryName('Task'), 'findTasks');
  assert.equal(pluralQueryName('Story'), 'findStories');
  assert.equal(pluralQueryName('Sub-task'), 'findSubTasks');
  assert.equal(pluralQueryName('Bus'), 'findBuses');
  assert.equal(pluralQueryName('Feature'), 'findFeatures');
});

test('45 ids with batchSize 20: one introspection and 3 batched requests of aliased queries', async () => {
  const srv = await fiberyServer({ introspection: true });
  try {
    const client = new FiberyClient({ token: TOKEN, baseUrl: srv.url, sleep: noSleep });
    const result = await client.fetchEntities({
      database: 'Scrum',
      type: 'Task',
      publicIds: ids(1, 45),
      fields: ['Story Points', 'Planned End', 'Time spent (H)', 'Feature', 'Assignees'],
      batchSize: 20,
    });
    assert.equal(srv.introspections().length, 1);
    assert.equal(srv.queries().length, 3);
    assert.equal(result.requests, 4);
    assert.deepEqual(
      srv.queries().map((q) => (q.query.match(/\be\d+: findTasks\(/g) ?? []).length),
      [20, 20, 5],
    );
    for (const s of srv.seen) {
      assert.equal(s.path, '/api/graphql/space/Scrum');
      assert.equal(s.auth, `Token ${TOKEN}`);
    }
    assert.deepEqual(result.warnings, []);
    assert.equal(result.entities.length, 43);
    assert.deepEqual(result.not_found, [
      { public_id: '44', reason: 'no Scrum/Task with public id 44' },
      { public_id: '45', reason: 'no Scrum/Task with public id 45' },
    ]);
    assert.deepEqual(result.entities[0], {
      id: 'uuid-task-1',
      public_id: '1',
      name: 'Task 1',
      state: 'In progress',
      created_at: '2026-02-01T09:00:00.000Z',
      modified_at: '2026-03-01T09:00:00.000Z',
      description_md: '# Provision\nAWS things',
      assignees: [{ name: 'Ada Lovelace', email: 'ada@example.com' }],
      comments: [{ author: 'Bob', created_at: '2026-03-01T10:00:00.000Z', text_md: 'LGTM' }],
      fields: {
        'Story Points': 5,
        'Planned End': '2026-03-10',
        'Time spent (H)': 3.5,
        Feature: { id: 'uuid-f', public_id: '1575', name: 'Infra' },
        Assignees: [{ id: 'u1', name: 'Ada Lovelace' }],
      },
    });
    assert.equal(result.entities[1]?.description_md, null);
  } finally {
    await srv.close();
  }
});

test('a configured field the type lacks is a warning; fields of a type without comments/assignees still work', async () => {
  const srv = await fiberyServer({ introspection: true });
  try {
    const client = new FiberyClient({ token: TOKEN, baseUrl: srv.url });
    const result = await client.fetchEntities({ database: 'Scrum', type: 'Bug', publicIds: ['12', '13'], fields: ['Severity', 'Root Cause'] });
    assert.deepEqual(result.warnings, []);
    assert.deepEqual(result.field_warnings, ['Field "Root Cause" not found on Scrum/Bug; skipped']);
    assert.equal(result.entities.length, 1);
    const bug = result.entities[0];
    assert.equal(bug?.name, 'Crash on login');
    assert.deepEqual(bug?.assignees, []);
    assert.deepEqual(bug?.comments, []);
    // A single-select is stored as its option's name.
    assert.deepEqual(bug?.fields, { Severity: 'High' });
    assert.deepEqual(result.not_found, [{ public_id: '13', reason: 'no Scrum/Bug with public id 13' }]);
    // The query asked only for fields Bug has.
    assert.doesNotMatch(srv.queries()[0]?.query ?? '', /assignees|comments|rootCause/);
  } finally {
    await srv.close();
  }
});

test('unknown type and unknown space: ids go to not_found with reasons; introspection is cached per space', async () => {
  const srv = await fiberyServer({ introspection: true });
  try {
    const client = new FiberyClient({ token: TOKEN, baseUrl: srv.url });
    const foo = await client.fetchEntities({ database: 'Scrum', type: 'Foo', publicIds: ['1', '2'], fields: [] });
    assert.deepEqual(foo.entities, []);
    assert.deepEqual(foo.not_found, [
      { public_id: '1', reason: 'type Scrum/Foo not found in Fibery space Scrum' },
      { public_id: '2', reason: 'type Scrum/Foo not found in Fibery space Scrum' },
    ]);
    assert.equal(foo.requests, 1);

    const sub = await client.fetchEntities({ database: 'Scrum', type: 'Sub-task', publicIds: ['5'], fields: [] });
    assert.deepEqual(sub.not_found, [{ public_id: '5', reason: 'no Scrum/Sub-task with public id 5' }]);
    assert.equal(srv.introspections().length, 1, 'introspection reused for the same space');

    const product = await client.fetchEntities({ database: 'Product Management', type: 'Request', publicIds: ['9'], fields: [] });
    assert.equal(product.not_found.length, 1);
    assert.match(product.not_found[0]?.reason ?? '', /^Fibery space "Product Management" not found \(404/);
    assert.equal(product.warnings.length, 1);
    assert.match(product.warnings[0] ?? '', /Product Management.*not found.*1 Product Management\/Request id\(s\) not enriched/);
    assert.ok(srv.seen.some((s) => s.path === '/api/graphql/space/Product_Management'));
  } finally {
    await srv.close();
  }
});

test('without introspection: derived names, bad fields dropped with a warning, request retried once, learned for next time', async () => {
  const srv = await fiberyServer({ introspection: false });
  try {
    const client = new FiberyClient({ token: TOKEN, baseUrl: srv.url });
    const first = await client.fetchEntities({
      database: 'Scrum',
      type: 'Task',
      publicIds: ['1', '2', '99'],
      fields: ['Story Points', 'Severity', 'Feature'],
    });
    assert.equal(first.entities.length, 2);
    assert.equal(first.entities[0]?.name, 'Task 1');
    assert.equal(first.entities[0]?.state, 'In progress');
    assert.equal(first.entities[0]?.description_md, '# Provision\nAWS things');
    assert.deepEqual(first.entities[0]?.fields, { 'Story Points': 5 });
    assert.deepEqual(first.not_found, [{ public_id: '99', reason: 'no Scrum/Task with public id 99' }]);
    assert.ok(first.warnings.some((w) => /introspection/.test(w)), first.warnings.join('\n'));
    assert.deepEqual(first.field_warnings, ['Field "Severity" not found on Scrum/Task; skipped']);
    assert.ok(first.warnings.some((w) => /^Field "Feature" on Scrum\/Task is a relation/.test(w)), first.warnings.join('\n'));
    // introspection + failing query + repaired query
    assert.equal(first.requests, 3);

    const second = await client.fetchEntities({ database: 'Scrum', type: 'Task', publicIds: ['3'], fields: ['Story Points', 'Severity'] });
    assert.equal(second.requests, 1, 'no second introspection, no failing query');
    assert.equal(second.entities[0]?.fields['Story Points'], 5);
    assert.deepEqual(second.field_warnings, ['Field "Severity" not found on Scrum/Task; skipped']);

    // A type without assignees: the common field is dropped too.
    const bugs = await client.fetchEntities({ database: 'Scrum', type: 'Bug', publicIds: ['12'], fields: [] });
    assert.equal(bugs.entities[0]?.name, 'Crash on login');
    assert.ok(bugs.warnings.some((w) => /"assignees" is not available on Scrum\/Bug/.test(w)), bugs.warnings.join('\n'));

    // An unknown type without introspection: the server rejects the find query itself.
    const foo = await client.fetchEntities({ database: 'Scrum', type: 'Foo', publicIds: ['1'], fields: [] });
    assert.deepEqual(foo.not_found, [{ public_id: '1', reason: 'type Scrum/Foo not found in Fibery space Scrum' }]);
  } finally {
    await srv.close();
  }
});

test('ids are escaped GraphQL string literals: no injection', async () => {
  const srv = await fiberyServer({ introspection: true });
  try {
    const client = new FiberyClient({ token: TOKEN, baseUrl: srv.url });
    const evil = '1"}, limit: 100) { id } x: findTasks(publicId: {is: "2';
    const result = await client.fetchEntities({ database: 'Scrum', type: 'Task', publicIds: [evil, '#3'], fields: [] });
    assert.deepEqual(result.not_found, [{ public_id: evil, reason: `no Scrum/Task with public id ${evil}` }]);
    assert.deepEqual(result.entities.map((e) => e.public_id), ['3']);
  } finally {
    await srv.close();
  }
});

test('429 is retried with Retry-After; 401 names the token problem without leaking it', async () => {
  let limited = false;
  const srv = await fiberyServer({
    introspection: true,
    onQuery: (s, _hit, res) => {
      if (!limited && !s.query.includes('__schema')) {
        limited = true;
        res.writeHead(429, { 'Retry-After': '2' }).end('Too many requests');
        return true;
      }
      return false;
    },
  });
  try {
    const waits: number[] = [];
    const client = new FiberyClient({ token: TOKEN, baseUrl: srv.url, sleep: async (ms) => void waits.push(ms) });
    const result = await client.fetchEntities({ database: 'Scrum', type: 'Task', publicIds: ['1'], fields: [] });
    assert.equal(result.entities.length, 1);
    assert.deepEqual(waits, [2000]);
    assert.equal(result.requests, 3);

    const bad = new FiberyClient({ token: 'wrong-token-zzzzzz', baseUrl: srv.url });
    await assert.rejects(bad.fetchEntities({ database: 'Scrum', type: 'Task', publicIds: ['1'], fields: [] }), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.status, 401);
      assert.match(err.message, /check Fibery token/);
      assert.ok(!err.message.includes('wrong-token-zzzzzz'));
      return true;
    });
  } finally {
    await srv.close();
  }
});

test('GraphQL errors with HTTP 200 that name no field are transient: retried, then an ApiError naming what came back', async () => {
  const srv = await fiberyServer({
    introspection: false,
    onQuery: (s, _hit, res) => {
      if (s.query.includes('__schema')) return false;
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ errors: [{ message: 'Internal resolver failure' }] }));
      return true;
    },
  });
  try {
    const client = new FiberyClient({ token: TOKEN, baseUrl: srv.url, maxRetries: 2, sleep: async () => {}, requestsPerSecond: 1000, workspaceRequestsPerSecond: 1000 });
    await assert.rejects(
      client.fetchEntities({ database: 'Scrum', type: 'Task', publicIds: ['1'], fields: [] }),
      /Fibery API answered POST .* with a GraphQL error: Internal resolver failure \(after 3 attempts\)/,
    );
    assert.equal(srv.queries().length, 3);
  } finally {
    await srv.close();
  }
});

test('one GraphQL error on HTTP 200, then data: the batch is asked again and succeeds', async () => {
  let batches = 0;
  const srv = await fiberyServer({
    introspection: false,
    onQuery: (s, _hit, res) => {
      if (s.query.includes('__schema') || ++batches > 1) return false;
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ data: null, errors: [{ message: 'Request timed out' }] }));
      return true;
    },
  });
  try {
    const client = new FiberyClient({ token: TOKEN, baseUrl: srv.url, sleep: async () => {}, requestsPerSecond: 1000, workspaceRequestsPerSecond: 1000 });
    const result = await client.fetchEntities({ database: 'Scrum', type: 'Task', publicIds: ['7'], fields: [] });
    assert.deepEqual(result.entities.map((e) => e.public_id), ['7']);
    assert.equal(srv.queries().length, 2);
  } finally {
    await srv.close();
  }
});

test('options are validated', () => {
  assert.throws(() => new FiberyClient({ token: TOKEN }), ValidationError);
  assert.throws(() => new FiberyClient({ token: '', workspace: 'acme' }), ValidationError);
  assert.doesNotThrow(() => new FiberyClient({ token: TOKEN, workspace: 'acme' }));
});

test('an introspection that keeps failing (503) fails the batch instead of quietly falling back to derived names', async () => {
  const srv = await fiberyServer({
    introspection: true,
    onQuery: (s, _hit, res) => {
      if (!s.query.includes('__schema')) return false;
      res.writeHead(503).end('busy');
      return true;
    },
  });
  try {
    const client = new FiberyClient({ token: TOKEN, baseUrl: srv.url, maxRetries: 1, sleep: noSleep, requestsPerSecond: 1000, workspaceRequestsPerSecond: 1000 });
    await assert.rejects(client.fetchEntities({ database: 'Scrum', type: 'Task', publicIds: ['1'], fields: [] }), /Fibery API answered 503/);
    assert.equal(srv.queries().length, 0, 'no batch was asked with guessed names');
  } finally {
    await srv.close();
  }
});

test('the workspace schema of a real fibery.schema/query answer: database types, fields by role, the nearest names', async () => {
  const { readFile } = await import('node:fs/promises');
  const { WorkspaceSchema, schemaResultSchema, fieldsWorthReading } = await import('../src/fibery/workspace-schema.js');
  const { nearestNames } = await import('../src/fibery/nearest.js');
  // Recorded in October 2025 (shared/facts/fixtures), trimmed to 6 types.
  const recorded = JSON.parse(await readFile('test/fixtures/fibery-schema-real-2025-comments-task.json', 'utf8')) as { response: { result: unknown } };
  const schema = new WorkspaceSchema(schemaResultSchema.parse(recorded.response.result));
  assert.deepEqual([...schema.types.keys()], ['Scrum/Task'], 'comments, documents, users and workflow states are not database types');
  const role = (name: string) => schema.field('Scrum/Task', name)?.role;
  assert.equal(role('Planned End'), 'date');
  assert.equal(role('Time spent (H)'), 'number');
  assert.equal(role('Priority'), 'select');
  assert.equal(role('Description'), 'rich_text');
  const chosen = fieldsWorthReading(schema.type('Scrum/Task')!);
  for (const f of ['Planned Start', 'Planned End', 'Completion Date', 'Started Date', 'Effort (pt)', 'Time spent (H)', 'Priority']) assert.ok(chosen.includes(f), f);
  assert.ok(!chosen.includes('Name') && !chosen.includes('Description'), chosen.join(', '));
  assert.deepEqual(schema.nearestFields('Scrum/Task', 'Time spent'), ['Time spent (H)']);
  const feature = ['Dev Planned Start Date', 'Dev Planned End Date', 'Dev Actual Start Date', 'Dev Actual End Date', 'Planned Release Date', 'Actual Release Date', 'Feature time spent (H)', 'Tasks', 'Bugs', 'Epic'];
  assert.deepEqual(nearestNames('Release Date', feature), ['Planned Release Date', 'Actual Release Date']);
  assert.deepEqual(nearestNames('Time spent (H)', feature), ['Feature time spent (H)']);
  assert.deepEqual(nearestNames('Parent Task', ['Task', 'Completed Date', 'Started Date', 'Bug']), ['Task']);
});
