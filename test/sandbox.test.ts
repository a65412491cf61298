import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  SAMPLE_DATASET_PATH,
  findQueryName,
  graphqlFieldName,
  graphqlTypeName,
  loadDataset,
  localDateOf,
  offsetMinutes,
  spacePathName,
  startFiberyServer,
  startLlmServer,
  startSandbox,
  startTogglServer,
  type Dataset,
  type FiberyServer,
  type TogglServer,
} from '../src/sandbox/index.js';
import { ValidationError } from '../src/errors.js';

const TOKEN = 'test-token';
const basic = (token: string) => `Basic ${Buffer.from(`${token}:api_token`).toString('base64')}`;

let dataset: Dataset;
before(async () => {
  dataset = await loadDataset(SAMPLE_DATASET_PATH);
});

/** Dataset entries whose local start date is within [start, end]. */
function entriesIn(d: Dataset, start: string, end: string): number[] {
  const users = new Map(d.toggl.users.map((u) => [u.id, u]));
  return d.toggl.time_entries
    .filter((e) => {
      const day = localDateOf(Date.parse(e.start), offsetMinutes(users.get(e.user_id)!.timezone_offset));
      return day >= start && day <= end;
    })
    .map((e) => e.id);
}

describe('sample dataset', () => {
  test('validates and looks like a real small software company', async () => {
    const d = dataset;
    assert.equal(d.period.start_date, '2026-11-09');
    assert.equal(d.period.end_date, '2026-11-22');
    assert.equal(d.toggl.users.length, 9);
    assert.ok(d.toggl.users.filter((u) => /[^ -~]/.test(u.fullname)).length >= 5);
    for (const name of ['Zoë Müller', 'Jiří Novák', 'Олена Коваленко', 'José Álvarez']) assert.ok(d.toggl.users.some((u) => u.fullname === name), name);

    const spaces = d.fibery.spaces;
    assert.equal(spaces.length, 2);
    const types = spaces.flatMap((s) => s.types.map((t) => `${s.name}/${t.name}`));
    assert.ok(types.length >= 4);
    for (const t of ['Scrum/Task', 'Scrum/Bug', 'Scrum/Sub-task', 'Product Management/Feature', 'Product Management/Request']) assert.ok(types.includes(t), t);
    const all = spaces.flatMap((s) => s.types.flatMap((t) => t.entities.map((e) => ({ ...e, type: `${s.name}/${t.name}` }))));
    assert.ok(all.length >= 60 && all.length <= 100, `${all.length} entities`);
    for (const s of ['Open', 'In Progress', 'In Review', 'Done', 'Closed']) assert.ok(all.some((e) => e.state === s), s);
    const overdue = all.filter((e) => {
      const end = e.values['Planned End'];
      return typeof end === 'string' && end < d.period.end_date && e.state !== 'Done' && e.state !== 'Closed';
    });
    assert.ok(overdue.length >= 3, `${overdue.length} overdue`);
    assert.ok(all.some((e) => e.description_md === null) && all.some((e) => e.description_md?.includes('##')));
    assert.ok(all.some((e) => e.comments.length > 0) && all.every((e) => e.assignees.length > 0));

    const entries = d.toggl.time_entries;
    const running = entries.filter((e) => e.stop === null);
    assert.equal(running.length, 1);
    assert.match(running[0]!.start, /^2026-11-22T21:30:00[+-]\d\d:\d\d$/);
    const ids = new Set(all.map((e) => e.public_id));
    assert.ok(entries.some((e) => /#99999 \[Scrum\] \[Task\]/.test(e.description)) && !ids.has('99999'));
    assert.ok(entries.some((e) => e.description === ''));
    assert.ok(entries.some((e) => /#\d+$/.test(e.description)), 'an id with no tags');
    assert.ok(entries.some((e) => e.description === 'Task#7658[Scrum][Task][Moneyball]'));
    assert.ok(entries.some((e) => e.description === 'PR #45 review #7658 [Scrum] [Task]'));
    assert.ok(entries.some((e) => e.description.startsWith('[WIP] ')));
    assert.ok(entries.some((e) => /\[Volt - Internal\]$/.test(e.description)));
    assert.ok(entries.some((e) => e.description === 'Встреча с клиентом') && entries.some((e) => e.description.startsWith('Réunion')));
    assert.ok(entries.some((e) => e.stop !== null && e.start.slice(0, 10) !== e.stop.slice(0, 10)), 'an entry crossing midnight');
    const users = new Map(d.toggl.users.map((u) => [u.id, u]));
    const weekend = entries.filter((e) => [0, 6].includes(new Date(localDateOf(Date.parse(e.start), offsetMinutes(users.get(e.user_id)!.timezone_offset))).getUTCDay()));
    assert.ok(weekend.length > 0, 'some weekend work');
    const inPeriod = entriesIn(d, d.period.start_date, d.period.end_date);
    assert.ok(inPeriod.length < entries.length, 'a few entries outside the period');
    const hours = entries.filter((e) => inPeriod.includes(e.id) && e.stop).reduce((s, e) => s + (Date.parse(e.stop!) - Date.parse(e.start)) / 3.6e6, 0);
    const perPersonDay = hours / 9 / 10;
    assert.ok(perPersonDay > 5.5 && perPersonDay < 7.5, `${perPersonDay.toFixed(2)} h per person-day`);
    assert.ok((await stat(SAMPLE_DATASET_PATH)).size < 1024 * 1024);
  });

  test('the committed file is what the generator writes', () => {
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/generate-sample-dataset.ts', '--check'], { stdio: 'pipe' });
  });

  test('bad dataset files give a one-line error', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'volt-sandbox-'));
    try {
      const bad = path.join(dir, 'bad.json');
      const copy = structuredClone(dataset) as unknown as { toggl: { time_entries: { user_id: number }[] } };
      copy.toggl.time_entries[3]!.user_id = 999;
      await writeFile(bad, JSON.stringify(copy));
      await assert.rejects(loadDataset(bad), (err: Error) => {
        assert.ok(err instanceof ValidationError);
        assert.match(err.message, /toggl\.time_entries\[3\]\.user_id: unknown user id 999/);
        assert.ok(!err.message.includes('\n'));
        return true;
      });
      await writeFile(bad, '{ not json');
      await assert.rejects(loadDataset(bad), /not valid JSON/);
      await assert.rejects(loadDataset(path.join(dir, 'missing.json')), /file not found/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('Fibery naming rules', () => {
    assert.equal(graphqlTypeName('Sub-task'), 'SubTask');
    assert.equal(findQueryName('Task'), 'findTasks');
    assert.equal(findQueryName('Story'), 'findStories');
    assert.equal(findQueryName('Bus'), 'findBuses');
    assert.equal(findQueryName('Sub-task'), 'findSubTasks');
    assert.equal(graphqlFieldName('Story Points'), 'storyPoints');
    assert.equal(graphqlFieldName('Time spent (H)'), 'timeSpentH');
    assert.equal(spacePathName('Product Management'), 'Product_Management');
    assert.equal(spacePathName('Développement Ёлка'), 'Developpement_Yolka');
  });
});

describe('Toggl simulator', () => {
  let toggl: TogglServer;
  const search = (body: unknown, token = TOKEN, wid = dataset.toggl.workspace_id) =>
    fetch(`${toggl.url}/reports/api/v3/workspace/${wid}/search/time_entries`, {
      method: 'POST',
      headers: { authorization: basic(token), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  before(async () => {
    toggl = await startTogglServer({ dataset, token: TOKEN });
  });
  after(() => toggl.close());

  test('rejects requests without the token', async () => {
    const none = await fetch(`${toggl.url}/reports/api/v3/workspace/${dataset.toggl.workspace_id}/search/time_entries`, { method: 'POST', body: '{}' });
    assert.equal(none.status, 401);
    const wrong = await search({ start_date: '2026-11-09', end_date: '2026-11-22' }, 'nope');
    assert.equal(wrong.status, 403);
    assert.match(wrong.headers.get('content-type') ?? '', /text\/plain/);
    const otherWs = await search({ start_date: '2026-11-09', end_date: '2026-11-22' }, TOKEN, 1);
    assert.equal(otherWs.status, 403);
    assert.equal(await otherWs.text(), 'Workspace not found/accessible');
  });

  test('validates the body with plain-text 400s', async () => {
    const end = await search({ start_date: '2026-11-22', end_date: '2026-11-09' });
    assert.equal(end.status, 400);
    assert.match(await end.text(), /end_date/);
    assert.equal((await search({ start_date: '2026-11-09', end_date: '2026-11-09' })).status, 400);
    const empty = await search({});
    assert.equal(empty.status, 400);
    assert.equal(await empty.text(), 'At least one parameter must be set');
    assert.equal((await search({ start_date: '2026-13-01', end_date: '2026-12-02' })).status, 400);
  });

  test('pagination walks every page and yields each entry of the period exactly once', async () => {
    const { start_date, end_date } = dataset.period;
    const expected = entriesIn(dataset, start_date, end_date).sort();
    for (const pageSize of [50, 7]) {
      const seen: number[] = [];
      let firstRow: number | undefined;
      let pages = 0;
      let lastRowNumber = 0;
      for (;;) {
        const res = await search({ start_date, end_date, page_size: pageSize, ...(firstRow ? { first_row_number: firstRow } : {}) });
        assert.equal(res.status, 200);
        assert.ok(res.headers.get('x-toggl-quota-remaining'));
        assert.ok(res.headers.get('x-toggl-quota-resets-in'));
        const rows = (await res.json()) as { row_number: number; username: string | null; time_entries: { id: number }[] }[];
        assert.ok(Array.isArray(rows) && rows.length <= pageSize);
        for (const r of rows) {
          assert.equal(r.row_number, ++lastRowNumber);
          assert.equal(r.username, null);
          seen.push(...r.time_entries.map((t) => t.id));
        }
        pages++;
        const next = res.headers.get('x-next-row-number');
        if (!next) {
          assert.equal(res.headers.get('x-next-id'), null);
          break;
        }
        assert.ok(res.headers.get('x-next-id'));
        firstRow = Number(next);
      }
      assert.ok(pages > 1);
      assert.deepEqual([...seen].sort(), expected, `page_size ${pageSize}`);
    }
  });

  test('row shape, grouping, running entries and enrich_response', async () => {
    const res = await search({ start_date: '2026-11-09', end_date: '2026-11-22', user_ids: [101], enrich_response: true, page_size: 50 });
    const rows = (await res.json()) as Record<string, unknown>[];
    const keys = ['user_id', 'username', 'email', 'project_id', 'project_name', 'project_color', 'project_hex', 'client_name', 'description', 'billable', 'tag_ids', 'tag_names', 'task_id', 'task_name', 'row_number', 'time_entries'];
    for (const k of keys) assert.ok(k in rows[0]!, k);
    assert.ok(rows.every((r) => r.user_id === 101 && r.username === 'Zoë Müller' && r.email === 'zoe.muller@acme.example'));
    assert.ok(rows.some((r) => (r.time_entries as unknown[]).length > 1), 'same description grouped into one row');
    const all = [...rows];
    let next = res.headers.get('x-next-row-number');
    while (next) {
      const more = await search({ start_date: '2026-11-09', end_date: '2026-11-22', user_ids: [101], enrich_response: true, first_row_number: Number(next) });
      all.push(...((await more.json()) as Record<string, unknown>[]));
      next = more.headers.get('x-next-row-number');
    }
    const entries = all.flatMap((r) => r.time_entries as { id: number; seconds: number; start: string; stop: string | null; at: string; at_tz: string }[]);
    const running = entries.find((e) => e.stop === null)!;
    assert.ok(running, 'the running entry is returned');
    assert.equal(running.seconds, -Math.floor(Date.parse(running.start) / 1000));
    assert.equal(running.start, '2026-11-22T21:30:00+01:00');
    const done = entries.find((e) => e.stop !== null)!;
    assert.equal(done.seconds, (Date.parse(done.stop!) - Date.parse(done.start)) / 1000);
  });

  test('faults: 429 then success, 402 with quota headers', async () => {
    toggl.failNext(429, 1);
    const first = await search({ start_date: '2026-11-09', end_date: '2026-11-22' });
    assert.equal(first.status, 429);
    assert.match(first.headers.get('content-type') ?? '', /text\/plain/);
    assert.ok(first.headers.get('x-toggl-quota-resets-in'));
    assert.equal((await search({ start_date: '2026-11-09', end_date: '2026-11-22' })).status, 200);
    toggl.setFaults({ failNext: [{ status: 402, count: 1 }] });
    const quota = await search({ start_date: '2026-11-09', end_date: '2026-11-22' });
    assert.equal(quota.status, 402);
    assert.match(await quota.text(), /limit/);
    assert.ok(quota.headers.get('x-toggl-quota-remaining'));
  });

  test('v9 users, workspace_users and me', async () => {
    const get = (p: string) => fetch(`${toggl.url}${p}`, { headers: { authorization: basic(TOKEN) } }).then((r) => r.json() as Promise<Record<string, unknown>[]>);
    const users = await get(`/api/v9/workspaces/${dataset.toggl.workspace_id}/users`);
    assert.equal(users.length, 9);
    assert.deepEqual(Object.keys(users[0]!).sort(), ['email', 'fullname', 'id', 'inactive', 'is_active', 'is_admin', 'role']);
    const wsUsers = await get(`/api/v9/workspaces/${dataset.toggl.workspace_id}/workspace_users`);
    assert.ok(wsUsers.every((u) => u.id !== u.user_id && typeof u.name === 'string'));
    const me = (await get('/api/v9/me')) as unknown as Record<string, unknown>;
    assert.equal(me.default_workspace_id, dataset.toggl.workspace_id);
  });

  test('stats count requests and concurrency', async () => {
    const slow = await startTogglServer({ dataset, token: TOKEN, faults: { latencyMs: 80 } });
    try {
      await Promise.all(
        [1, 2, 3].map(() => fetch(`${slow.url}/api/v9/workspaces/${dataset.toggl.workspace_id}/users`, { headers: { authorization: basic(TOKEN) } }).then((r) => r.arrayBuffer())),
      );
      const s = slow.stats();
      assert.equal(s.requests, 3);
      assert.equal(s.max_in_flight, 3);
      assert.equal(s.by_path[`GET /api/v9/workspaces/${dataset.toggl.workspace_id}/users`], 3);
    } finally {
      await slow.close();
    }
  });
});

describe('Fibery simulator', () => {
  let fibery: FiberyServer;
  const gql = (space: string, query: string, variables?: Record<string, unknown>, auth = `Token ${TOKEN}`) =>
    fetch(`${fibery.url}/api/graphql/space/${space}`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
  before(async () => {
    fibery = await startFiberyServer({ dataset, token: TOKEN });
  });
  after(() => fibery.close());

  test('auth and unknown spaces', async () => {
    const none = await gql('Scrum', '{ findTasks { id } }', undefined, '');
    assert.equal(none.status, 401);
    assert.ok(((await none.json()) as { message: string }).message);
    assert.equal((await gql('Scrum', '{ findTasks { id } }', undefined, `Bearer ${TOKEN}`)).status, 200);
    assert.equal((await gql('Nope', '{ findTasks { id } }')).status, 404);
  });

  test('two aliased findTasks in one request return two entities', async () => {
    const res = await gql(
      'Scrum',
      `query ($a: String, $b: String) {
        a: findTasks(publicId: { is: $a }) { id publicId name state { name } description { md } assignees { name email }
          comments { author { name } creationDate content { md } } creationDate modificationDate storyPoints sprint { id publicId name } plannedEnd }
        b: findTasks(publicId: { is: $b }, limit: 1) { publicId name feature { publicId name } }
      }`,
      { a: '7658', b: '7601' },
    );
    assert.equal(res.status, 200);
    const body = (await res.json()) as { data: { a: Record<string, unknown>[]; b: Record<string, unknown>[] }; errors?: unknown };
    assert.equal(body.errors, undefined);
    assert.equal(body.data.a.length, 1);
    assert.equal(body.data.b.length, 1);
    assert.equal(body.data.a[0]!.publicId, '7658');
    assert.equal(body.data.a[0]!.name, 'Fix login redirect loop after SSO');
    assert.deepEqual(Object.keys(body.data.a[0]!.sprint as object), ['id', 'publicId', 'name']);
    assert.equal((body.data.b[0]!.feature as { publicId: string }).publicId, '1582');
    assert.equal(fibery.stats().aliases_total >= 2, true);
  });

  test('filters, limit/offset and the other space', async () => {
    const res = await gql('Product_Management', '{ findFeatures(name: { contains: "billing" }) { publicId timeSpentH tasks { publicId } } findRequests(limit: 2, offset: 1) { publicId customer } }');
    const body = (await res.json()) as { data: { findFeatures: { publicId: string; timeSpentH: number; tasks: unknown[] }[]; findRequests: unknown[] } };
    assert.deepEqual(
      body.data.findFeatures.map((f) => f.publicId),
      ['1571'],
    );
    assert.equal(typeof body.data.findFeatures[0]!.timeSpentH, 'number');
    assert.ok(body.data.findFeatures[0]!.tasks.length > 0);
    assert.equal(body.data.findRequests.length, 2);
    const sub = (await (await gql('Scrum', '{ findSubTasks(publicId: { is: "7658" }) { name parentTask { publicId } blocked estimateH } }')).json()) as {
      data: { findSubTasks: { name: string; parentTask: { publicId: string } }[] };
    };
    assert.equal(sub.data.findSubTasks.length, 1);
    assert.notEqual(sub.data.findSubTasks[0]!.name, 'Fix login redirect loop after SSO');
  });

  test('introspection works and unknown fields are GraphQL errors', async () => {
    const intro = (await (await gql('Scrum', '{ __schema { queryType { fields { name } } types { name } } }')).json()) as {
      data: { __schema: { queryType: { fields: { name: string }[] }; types: { name: string }[] } };
    };
    const queries = intro.data.__schema.queryType.fields.map((f) => f.name);
    assert.deepEqual(queries.sort(), ['findBugs', 'findSubTasks', 'findTasks']);
    assert.ok(intro.data.__schema.types.some((t) => t.name === 'SubTask'));
    const typeInfo = (await (await gql('Scrum', '{ __type(name: "Task") { fields { name } } }')).json()) as { data: { __type: { fields: { name: string }[] } } };
    const fields = typeInfo.data.__type.fields.map((f) => f.name);
    for (const f of ['storyPoints', 'sprint', 'plannedStart', 'plannedEnd', 'completionDate']) assert.ok(fields.includes(f), f);

    const bad = await gql('Scrum', '{ findTasks { id epic { name } } }');
    assert.equal(bad.status, 200);
    const badBody = (await bad.json()) as { errors: { message: string }[] };
    assert.match(badBody.errors[0]!.message, /Cannot query field "epic"/);
    const syntax = (await (await gql('Scrum', '{ findTasks { id ')).json()) as { errors: unknown[] };
    assert.ok(syntax.errors.length > 0);
  });

  test('stats count in-flight requests per type; faults answer 429', async () => {
    const slow = await startFiberyServer({ dataset, token: TOKEN, latencyMs: 80 });
    try {
      const q = (query: string) =>
        fetch(`${slow.url}/api/graphql/space/Scrum`, { method: 'POST', headers: { authorization: `Token ${TOKEN}` }, body: JSON.stringify({ query }) }).then((r) => r.json());
      await Promise.all([
        q('{ a: findTasks(limit: 1) { id } b: findTasks(offset: 1, limit: 1) { id } }'),
        q('{ findTasks(limit: 1) { id } }'),
        q('{ findTasks(limit: 1) { id } }'),
        q('{ findBugs(limit: 1) { id } }'),
      ]);
      const s = slow.stats();
      assert.equal(s.requests, 4);
      assert.equal(s.graphql_requests, 4);
      assert.equal(s.aliases_total, 5);
      assert.equal(s.max_in_flight, 4);
      assert.equal(s.in_flight_by_type['Scrum/Task'], 3);
      assert.equal(s.in_flight_by_type['Scrum/Bug'], 1);
      slow.resetStats();
      assert.equal(slow.stats().requests, 0);

      slow.failNext(429, 1);
      const limited = await fetch(`${slow.url}/api/graphql/space/Scrum`, { method: 'POST', headers: { authorization: `Token ${TOKEN}` }, body: JSON.stringify({ query: '{ findTasks { id } }' }) });
      assert.equal(limited.status, 429);
      await limited.arrayBuffer();
      assert.equal((await q('{ findTasks(limit: 1) { id } }')) instanceof Object, true);
      assert.equal(slow.stats().by_status['200'], 1);
    } finally {
      await slow.close();
    }
  });
});

describe('LLM simulator', () => {
  test('OpenAI and Anthropic shapes, auth, scripted faults, recorded requests', async () => {
    const llm = await startLlmServer({ apiKey: 'k' });
    try {
      const openai = (body: unknown, key = 'k') =>
        fetch(`${llm.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const anthropic = (body: unknown, headers: Record<string, string> = { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' }) =>
        fetch(`${llm.url}/v1/messages`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const chat = { model: 'gpt-test', messages: [{ role: 'system', content: 'You write reports.' }, { role: 'user', content: '# Zoë Müller\nWorked 12.5h on Fix login #7658' }] };

      const o = (await (await openai(chat)).json()) as {
        object: string;
        model: string;
        choices: { index: number; message: { role: string; content: string }; finish_reason: string }[];
        usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
      };
      assert.equal(o.object, 'chat.completion');
      assert.equal(o.model, 'gpt-test');
      assert.equal(o.choices[0]!.message.role, 'assistant');
      assert.equal(o.choices[0]!.finish_reason, 'stop');
      assert.match(o.choices[0]!.message.content, /^## Summary/);
      assert.match(o.choices[0]!.message.content, /Zoë Müller/);
      assert.equal(o.usage.total_tokens, o.usage.prompt_tokens + o.usage.completion_tokens);
      assert.equal((await openai(chat, 'wrong')).status, 401);

      const msg = { model: 'claude-test', max_tokens: 500, system: 'You write reports.', messages: [{ role: 'user', content: 'Team worked 40h' }] };
      const a = (await (await anthropic(msg)).json()) as { type: string; role: string; content: { type: string; text: string }[]; stop_reason: string; usage: { input_tokens: number; output_tokens: number } };
      assert.equal(a.type, 'message');
      assert.equal(a.role, 'assistant');
      assert.equal(a.content[0]!.type, 'text');
      assert.match(a.content[0]!.text, /## Summary/);
      assert.equal(a.stop_reason, 'end_turn');
      assert.ok(a.usage.input_tokens > 0 && a.usage.output_tokens > 0);
      assert.equal((await anthropic(msg, { 'x-api-key': 'k' })).status, 400);
      assert.equal((await anthropic({ ...msg, max_tokens: undefined })).status, 400);
      assert.equal((await anthropic(msg, { 'x-api-key': 'no', 'anthropic-version': '2023-06-01' })).status, 401);

      llm.failNext(429, 1, 3);
      const limited = await anthropic(msg);
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get('retry-after'), '3');
      assert.deepEqual(((await limited.json()) as { type: string; error: { type: string } }).error.type, 'rate_limit_error');
      llm.failNext(529);
      const overloaded = await anthropic(msg);
      assert.equal(overloaded.status, 529);
      assert.deepEqual(await overloaded.json(), { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
      llm.failNext(500);
      const broken = await openai(chat);
      assert.equal(broken.status, 500);
      assert.equal(((await broken.json()) as { error: { type: string } }).error.type, 'server_error');
      llm.answerNext('fixed answer');
      const fixed = (await (await openai(chat)).json()) as { choices: { message: { content: string } }[] };
      assert.equal(fixed.choices[0]!.message.content, 'fixed answer');

      const recorded = llm.requests();
      assert.equal(recorded.length, 10);
      assert.equal(recorded[0]!.path, '/v1/chat/completions');
      assert.equal(recorded[0]!.headers.authorization, 'Bearer k');
      assert.deepEqual(recorded[0]!.body, chat);
      assert.equal(recorded[2]!.path, '/v1/messages');
      assert.equal(recorded[2]!.headers['anthropic-version'], '2023-06-01');
    } finally {
      await llm.close();
    }
  });
});

describe('startSandbox', () => {
  test('starts both simulators on the sample and exposes the env the clients read', async () => {
    const sb = await startSandbox({ llm: true });
    try {
      assert.equal(sb.dataset.name, 'Acme Software (sample)');
      for (const k of ['TOGGL_API_URL', 'TOGGL_API_TOKEN', 'TOGGL_WORKSPACE_ID', 'FIBERY_API_URL', 'FIBERY_API_TOKEN', 'FIBERY_WORKSPACE', 'OPENAI_BASE_URL', 'ANTHROPIC_API_KEY']) {
        assert.ok(sb.env[k], k);
      }
      const res = await fetch(`${sb.env.TOGGL_API_URL}/reports/api/v3/workspace/${sb.env.TOGGL_WORKSPACE_ID}/search/time_entries`, {
        method: 'POST',
        headers: { authorization: basic(sb.env.TOGGL_API_TOKEN!), 'content-type': 'application/json' },
        body: JSON.stringify({ start_date: sb.dataset.period.start_date, end_date: sb.dataset.period.end_date }),
      });
      assert.equal(res.status, 200);
      const f = await fetch(`${sb.env.FIBERY_API_URL}/api/graphql/space/Scrum`, {
        method: 'POST',
        headers: { authorization: `Token ${sb.env.FIBERY_API_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ findBugs(limit: 3) { publicId severity } }' }),
      });
      assert.equal(((await f.json()) as { data: { findBugs: unknown[] } }).data.findBugs.length, 3);
      const again = await startSandbox();
      assert.notEqual(again.env.TOGGL_API_TOKEN, sb.env.TOGGL_API_TOKEN);
      await again.close();
    } finally {
      await sb.close();
    }
  });
});
