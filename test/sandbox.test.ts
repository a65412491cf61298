import { test, describe, before } from 'node:test';
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
  startLlmServer,
  startSandbox,
  type Dataset,
} from '../src/sandbox/index.js';
import { ValidationError } from '../src/errors.js';

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
    for (const t of ['Scrum/Task', 'Scrum/Bug', 'Scrum/Sub-task', 'Scrum/Feature', 'Scrum/Hotfix', 'Scrum/Chore', 'Product Management/Request', 'Product Management/Feedback']) assert.ok(types.includes(t), t);
    const all = spaces.flatMap((s) => s.types.flatMap((t) => t.entities.map((e) => ({ ...e, type: `${s.name}/${t.name}` }))));
    assert.ok(all.length >= 60 && all.length <= 110, `${all.length} entities`);
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

  test('follows the real schema facts: field names, types per space, both comment shapes', () => {
    const fields = (space: string, type: string) => dataset.fibery.spaces.find((s) => s.name === space)!.types.find((t) => t.name === type)!.fields.map((f) => f.name);
    const task = fields('Scrum', 'Task');
    for (const f of ['Effort (pt)', 'Sprint', 'Epic', 'Feature', 'Planned Start', 'Planned End', 'Completion Date', 'Priority', 'Time spent (H)']) assert.ok(task.includes(f), f);
    for (const f of ['Story Points', 'Acceptance Criteria']) assert.ok(!task.includes(f), `no ${f}`);
    const bug = fields('Scrum', 'Bug');
    for (const f of ['Severity', 'Root cause', 'Priority']) assert.ok(bug.includes(f), f);
    assert.ok(!bug.includes('Steps to Reproduce'));
    const subtask = fields('Scrum', 'Sub-task');
    for (const f of ['Task', 'Completed Date', 'Started Date']) assert.ok(subtask.includes(f), f);
    for (const f of ['Parent Task', 'Planned End']) assert.ok(!subtask.includes(f), `no ${f}`);
    const feature = fields('Scrum', 'Feature');
    for (const f of ['Dev Planned Start Date', 'Dev Planned End Date', 'Planned Release Date', 'Actual Release Date', 'Feature time spent (H)', 'Tasks', 'Bugs', 'Epic']) assert.ok(feature.includes(f), f);
    for (const f of ['Product Area', 'Planned Start', 'Planned End', 'Release Date', 'Time spent (H)']) assert.ok(!feature.includes(f), `no ${f}`);
    const pm = dataset.fibery.spaces.find((s) => s.name === 'Product Management')!;
    assert.deepEqual(pm.types.map((t) => t.name).sort(), ['Feedback', 'Request']);
    assert.deepEqual(new Set(dataset.fibery.spaces.map((s) => s.comment_shape)), new Set(['document', 'content']));
  });

  test('has the cases a report must handle: previous period, late time, overlaps, long and empty entries', () => {
    const users = new Map(dataset.toggl.users.map((u) => [u.id, u]));
    const day = (e: { start: string; user_id: number }) => localDateOf(Date.parse(e.start), offsetMinutes(users.get(e.user_id)!.timezone_offset));
    const entries = dataset.toggl.time_entries;
    const previous = entries.filter((e) => day(e) >= '2026-10-26' && day(e) <= '2026-11-08');
    const current = entries.filter((e) => day(e) >= '2026-11-09' && day(e) <= '2026-11-22');
    assert.ok(previous.length > 0.8 * current.length, `${previous.length} entries in the two weeks before, ${current.length} in the period`);
    assert.ok(new Set(previous.map((e) => e.user_id)).size === 9, 'everyone has time in the previous period');

    const tasks = dataset.fibery.spaces.find((s) => s.name === 'Scrum')!.types.find((t) => t.name === 'Task')!.entities;
    const lateWork = tasks.filter((t) => {
      const done = t.values['Completion Date'];
      return typeof done === 'string' && current.some((e) => e.description.includes(`#${t.public_id} `) && day(e) > done);
    });
    assert.ok(lateWork.length >= 2, 'time logged on tasks after their completion date');

    const byUser = new Map<number, typeof current>();
    for (const e of current) if (e.stop) byUser.set(e.user_id, [...(byUser.get(e.user_id) ?? []), e]);
    const overlapping = [...byUser.values()].some((list) =>
      list.some((a, i) => list.some((b, j) => i !== j && Date.parse(a.start) < Date.parse(b.stop!) && Date.parse(b.start) < Date.parse(a.stop!))),
    );
    assert.ok(overlapping, 'some entries of one person overlap');
    assert.ok(current.some((e) => e.stop && Date.parse(e.stop) - Date.parse(e.start) > 10 * 3_600_000), 'an entry over ten hours');
    assert.ok(current.filter((e) => e.description === '').length >= 2, 'empty descriptions');
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

describe('LLM simulator faults', () => {
  test('status in each API\'s shape, truncated and non-JSON bodies, hang, reset; `api` picks one API', async () => {
    const llm = await startLlmServer({ apiKey: 'k' });
    try {
      const chat = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
      const openai = (signal?: AbortSignal) =>
        fetch(`${llm.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer k' }, body: JSON.stringify(chat), ...(signal ? { signal } : {}) });
      const anthropic = () =>
        fetch(`${llm.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ ...chat, max_tokens: 50 }) });
      llm.faults.push({ kind: 'status', status: 503, api: 'anthropic', retryAfterSeconds: 4 }, { kind: 'truncated' }, { kind: 'non-json' }, { kind: 'hang' }, { kind: 'reset' });
      const down = await anthropic();
      assert.equal(down.status, 503);
      assert.equal(down.headers.get('retry-after'), '4');
      assert.equal(((await down.json()) as { type: string }).type, 'error');
      const cut = await openai();
      assert.equal(cut.status, 200);
      const text = await cut.text();
      assert.ok(text.startsWith('{"id":"chatcmpl-'));
      assert.throws(() => JSON.parse(text));
      const html = await openai();
      assert.equal(html.status, 200);
      assert.match(html.headers.get('content-type') ?? '', /text\/html/);
      await html.arrayBuffer();
      await assert.rejects(openai(AbortSignal.timeout(150)), /abort|timeout/i);
      await assert.rejects(openai());
      assert.equal((await openai()).status, 200);
      assert.deepEqual(llm.requests().map((r) => r.fault), ['status 503', 'truncated', 'non-json', 'hang', 'reset', null]);
      assert.deepEqual(llm.requests().map((r) => r.seq), [1, 2, 3, 4, 5, 6]);
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
        body: JSON.stringify({ query: '{ findBugs(limit: 3) { publicId severity { name } } }' }),
      });
      assert.equal(((await f.json()) as { data: { findBugs: unknown[] } }).data.findBugs.length, 3);
      const again = await startSandbox();
      assert.notEqual(again.env.TOGGL_API_TOKEN, sb.env.TOGGL_API_TOKEN);
      await again.close();
    } finally {
      await sb.close();
    }
  });

  test('limits: documented by default, none, or per API; latency; faults; the request logs', async () => {
    const documented = await startSandbox();
    const none = await startSandbox({ limits: 'none', latency: { toggl: 120 }, faults: { fibery: [{ kind: 'status', status: 502 }] } });
    const custom = await startSandbox({ limits: { toggl: { quota: { plan: 'free', windowSeconds: 60 } } }, llm: true, faults: { llm: [{ kind: 'truncated' }] } });
    try {
      assert.equal(documented.limits.toggl.quota && documented.limits.toggl.quota.plan, 'premium');
      assert.equal(documented.limits.toggl.rateLimit, false);
      assert.deepEqual(documented.limits.fibery.rateLimit, { perToken: 3, perWorkspace: 7, windowMs: 1000 });
      assert.equal(documented.toggl.server.quota()?.workspace.limit, 600);
      assert.deepEqual(custom.toggl.server.quota()?.workspace, { limit: 30, remaining: 30, resetsInSeconds: 0 });
      assert.deepEqual(custom.limits.fibery.rateLimit, { perToken: 3, perWorkspace: 7, windowMs: 1000 });
      assert.equal(none.toggl.server.quota(), null);
      assert.equal(none.limits.fibery.rateLimit, false);

      const users = (sb: typeof none) => fetch(`${sb.toggl.url}/api/v9/workspaces/${sb.toggl.workspaceId}/users`, { headers: { authorization: basic(sb.toggl.token) } });
      const started = performance.now();
      const plain = await users(none);
      assert.ok(performance.now() - started >= 110, 'the Toggl latency applies');
      assert.equal(plain.headers.get('x-toggl-quota-remaining'), null, 'no quota, no quota headers');
      const gql = (sb: typeof none) =>
        fetch(`${sb.fibery.url}/api/graphql/space/Scrum`, { method: 'POST', headers: { authorization: `Token ${sb.fibery.token}` }, body: JSON.stringify({ query: '{ findBugs(limit: 1) { id } }' }) }).then((r) => r.status);
      assert.deepEqual((await Promise.all(Array.from({ length: 6 }, () => gql(none)))).sort(), [200, 200, 200, 200, 200, 502], 'the fault, and no rate limit');
      assert.equal((await Promise.all(Array.from({ length: 6 }, () => gql(documented)))).filter((st) => st === 429).length, 3);

      const llmRes = await fetch(`${custom.llm!.openaiBaseUrl}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${custom.llm!.apiKey}` },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
      });
      await assert.rejects(llmRes.json());
      const logs = none.requestLogs();
      assert.equal(logs.toggl.length, 1);
      assert.equal(logs.fibery.length, 6);
      assert.deepEqual(logs.llm, []);
      assert.equal(custom.requestLogs().llm.length, 1);
    } finally {
      await Promise.all([documented.close(), none.close(), custom.close()]);
    }
  });
});
