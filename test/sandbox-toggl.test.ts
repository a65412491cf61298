/**
 * The Toggl simulator at the limits of the real API, over HTTP: paging headers as recorded, the
 * end date and range rules, the hourly quota, the leaky bucket, every fault kind and the request log.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  SAMPLE_DATASET_PATH,
  TOGGL_QUOTA_PLANS,
  hashToken,
  loadDataset,
  localDateOf,
  maxInWindow,
  offsetMinutes,
  repeatedPages,
  startTogglServer,
  type Dataset,
  type TogglServer,
  type TogglServerOptions,
} from '../src/sandbox/index.js';
import { setTimeout as sleep } from 'node:timers/promises';

const TOKEN = 'test-token';
const basic = (token: string) => `Basic ${Buffer.from(`${token}:api_token`).toString('base64')}`;

type Row = { row_number: number; time_entries: { id: number; start: string }[] } & Record<string, unknown>;

let dataset: Dataset;
const servers: TogglServer[] = [];
before(async () => {
  dataset = await loadDataset(SAMPLE_DATASET_PATH);
});
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function server(opts: Partial<TogglServerOptions> = {}): Promise<TogglServer> {
  const s = await startTogglServer({ dataset, token: TOKEN, ...opts });
  servers.push(s);
  return s;
}

function searchOn(s: TogglServer, token = TOKEN, wid = dataset.toggl.workspace_id) {
  return (body: unknown, signal?: AbortSignal) =>
    fetch(`${s.url}/reports/api/v3/workspace/${wid}/search/time_entries`, {
      method: 'POST',
      headers: { authorization: basic(token), 'content-type': 'application/json' },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
}

const usersGet = (s: TogglServer, path = `/api/v9/workspaces/${4242}/users`) => fetch(`${s.url}${path}`, { headers: { authorization: basic(TOKEN) } });

/** Dataset entries whose local start date is within [start, end]. */
function entriesIn(start: string, end: string): number[] {
  const users = new Map(dataset.toggl.users.map((u) => [u.id, u]));
  return dataset.toggl.time_entries
    .filter((e) => {
      const day = localDateOf(Date.parse(e.start), offsetMinutes(users.get(e.user_id)!.timezone_offset));
      return day >= start && day <= end;
    })
    .map((e) => e.id);
}

const nextHeaders = (res: Response) => ['x-next-id', 'x-next-row-number', 'x-next-timestamp'].map((h) => res.headers.get(h));

describe('Toggl search: requests and paging as recorded', () => {
  let toggl: TogglServer;
  let search: ReturnType<typeof searchOn>;
  before(async () => {
    toggl = await server();
    search = searchOn(toggl);
  });

  test('rejects requests without the token and bad bodies with plain-text 400s', async () => {
    const none = await fetch(`${toggl.url}/reports/api/v3/workspace/${dataset.toggl.workspace_id}/search/time_entries`, { method: 'POST', body: '{}' });
    assert.equal(none.status, 401);
    const wrong = await searchOn(toggl, 'nope')({ start_date: '2026-11-09', end_date: '2026-11-22' });
    assert.equal(wrong.status, 403);
    assert.match(wrong.headers.get('content-type') ?? '', /text\/plain/);
    const otherWs = await searchOn(toggl, TOKEN, 1)({ start_date: '2026-11-09', end_date: '2026-11-22' });
    assert.equal(otherWs.status, 403);
    assert.equal(await otherWs.text(), 'Workspace not found/accessible');
    const end = await search({ start_date: '2026-11-22', end_date: '2026-11-09' });
    assert.equal(end.status, 400);
    assert.match(await end.text(), /end_date/);
    assert.equal((await search({ start_date: '2026-11-09', end_date: '2026-11-09' })).status, 400);
    const empty = await search({});
    assert.equal(empty.status, 400);
    assert.equal(await empty.text(), 'At least one parameter must be set');
    assert.equal((await search({ start_date: '2026-13-01', end_date: '2026-12-02' })).status, 400);
  });

  test('first_row_number alone walks every page; X-Page-Size, X-Next-* and X-Range-* on each answer', async () => {
    const { start_date, end_date } = dataset.period;
    const expected = entriesIn(start_date, end_date).sort();
    for (const pageSize of [50, 7]) {
      const seen: number[] = [];
      let firstRow: number | undefined;
      let expectedStart: number | undefined;
      let pages = 0;
      for (;;) {
        const res = await search({ start_date, end_date, page_size: pageSize, ...(firstRow ? { first_row_number: firstRow } : {}) });
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('x-page-size'), String(pageSize));
        assert.equal(res.headers.get('x-range-start'), start_date);
        assert.equal(res.headers.get('x-range-end'), end_date);
        const rows = (await res.json()) as Row[];
        assert.ok(rows.length <= pageSize);
        if (expectedStart !== undefined) assert.equal(Math.floor(Date.parse(rows[0]!.time_entries[0]!.start) / 1000), expectedStart, 'X-Next-Timestamp is the next row\'s start');
        for (const [i, r] of rows.entries()) {
          assert.equal(r.row_number, (firstRow ?? 1) + i);
          assert.equal(r.time_entries.length, 1, 'ungrouped unless asked: one entry per row');
          seen.push(r.time_entries[0]!.id);
        }
        pages++;
        const [nextId, nextRow, nextTs] = nextHeaders(res);
        if (!nextRow) {
          assert.deepEqual([nextId, nextTs], [null, null]);
          break;
        }
        assert.ok(nextId && nextTs);
        firstRow = Number(nextRow);
        expectedStart = Number(nextTs);
      }
      assert.ok(pages > 1);
      assert.deepEqual([...seen].sort(), expected, `page_size ${pageSize}`);
    }
  });

  test('a full last page carries no X-Next-* headers', async () => {
    const ids = entriesIn('2026-11-10', '2026-11-10').slice(0, 4);
    const body = { start_date: '2026-11-09', end_date: '2026-11-22', time_entry_ids: ids, page_size: 2 };
    const first = await search(body);
    assert.equal(((await first.json()) as Row[]).length, 2);
    assert.equal(first.headers.get('x-next-row-number'), '3');
    const last = await search({ ...body, first_row_number: 3 });
    assert.equal(((await last.json()) as Row[]).length, 2, 'the last page is full');
    assert.deepEqual(nextHeaders(last), [null, null, null]);
    const exact = await search({ ...body, page_size: 4 });
    assert.equal(((await exact.json()) as Row[]).length, 4);
    assert.deepEqual(nextHeaders(exact), [null, null, null]);
  });

  test('first_timestamp and first_id are cursors too', async () => {
    const body = { start_date: '2026-11-09', end_date: '2026-11-22', page_size: 10 };
    const first = await search(body);
    const [nextId, nextRow, nextTs] = nextHeaders(first);
    const byRow = (await (await search({ ...body, first_row_number: Number(nextRow) })).json()) as Row[];
    const byTs = (await (await search({ ...body, first_timestamp: Number(nextTs) })).json()) as Row[];
    const byId = (await (await search({ ...body, first_id: Number(nextId) })).json()) as Row[];
    assert.deepEqual(byTs[0]!.time_entries, byRow[0]!.time_entries);
    assert.deepEqual(byId.map((r) => r.row_number), byRow.map((r) => r.row_number));
  });

  test('page size: 50 by default, 200 at most (clamped), what was applied in X-Page-Size', async () => {
    const { start_date, end_date } = dataset.period;
    const plain = await search({ start_date, end_date });
    assert.equal(plain.headers.get('x-page-size'), '50');
    assert.equal(((await plain.json()) as Row[]).length, 50);
    const big = await search({ start_date, end_date, page_size: 1000 });
    assert.equal(big.headers.get('x-page-size'), '200');
    assert.equal(((await big.json()) as Row[]).length, 200);
    const strict = searchOn(await server({ maxPageSize: 100, pageSizeOverMax: 'reject' }));
    const rejected = await strict({ start_date, end_date, page_size: 101 });
    assert.equal(rejected.status, 400);
    assert.match(await rejected.text(), /page_size/);
  });

  test('without end_date the range is start + 6 days', async () => {
    const res = await search({ start_date: '2026-11-09', page_size: 200, user_ids: [101] });
    assert.equal(res.headers.get('x-range-end'), '2026-11-15');
    const ids = ((await res.json()) as Row[]).map((r) => r.time_entries[0]!.id).sort();
    const zoe = new Set(dataset.toggl.time_entries.filter((e) => e.user_id === 101).map((e) => e.id));
    assert.deepEqual(ids, entriesIn('2026-11-09', '2026-11-15').filter((id) => zoe.has(id)).sort());
  });

  test('end_date inclusive (default) or exclusive: both servable', async () => {
    const body = { start_date: '2026-11-09', end_date: '2026-11-10', page_size: 200 };
    const ids = async (s: ReturnType<typeof searchOn>) => ((await (await s(body)).json()) as Row[]).map((r) => r.time_entries[0]!.id).sort();
    assert.deepEqual(await ids(search), entriesIn('2026-11-09', '2026-11-10').sort());
    const exclusive = searchOn(await server({ endDateInclusive: false }));
    assert.deepEqual(await ids(exclusive), entriesIn('2026-11-09', '2026-11-09').sort());
  });

  test('a range over the maximum: 400 in plain text, or clamped with X-Range-End', async () => {
    const long = { start_date: '2025-11-01', end_date: '2026-11-22' };
    const refused = await search(long);
    assert.equal(refused.status, 400);
    assert.match(refused.headers.get('content-type') ?? '', /text\/plain/);
    assert.match(await refused.text(), /366 days/);
    const clamping = searchOn(await server({ maxRangeDays: 30, rangeOverMax: 'clamp' }));
    const clamped = await clamping(long);
    assert.equal(clamped.status, 200);
    assert.equal(clamped.headers.get('x-range-end'), '2025-11-30');
  });

  test('rows carry only username and ids without enrich_response; everything with it; grouped on request', async () => {
    const body = { start_date: '2026-11-09', end_date: '2026-11-22', user_ids: [101], page_size: 200 };
    const plain = (await (await search(body)).json()) as Row[];
    assert.ok(plain.every((r) => r.username === 'Zoë Müller' && typeof r.user_id === 'number'));
    for (const k of ['email', 'project_name', 'client_name', 'tag_names']) assert.ok(plain.every((r) => !(k in r)), `no ${k}`);
    const rich = (await (await search({ ...body, enrich_response: true })).json()) as Row[];
    const keys = ['user_id', 'username', 'email', 'project_id', 'project_name', 'project_color', 'project_hex', 'client_name', 'description', 'billable', 'tag_ids', 'tag_names', 'task_id', 'task_name', 'row_number', 'time_entries'];
    for (const k of keys) assert.ok(k in rich[0]!, k);
    assert.ok(rich.every((r) => r.email === 'zoe.muller@acme.example'));
    const grouped = (await (await search({ ...body, grouped: true })).json()) as Row[];
    assert.ok(grouped.length < plain.length && grouped.some((r) => r.time_entries.length > 1), 'same description grouped into one row');
    const running = plain.flatMap((r) => r.time_entries as unknown as { stop: string | null; seconds: number; start: string }[]).find((e) => e.stop === null)!;
    assert.equal(running.start, '2026-11-22T21:30:00+01:00');
    assert.equal(running.seconds, -Math.floor(Date.parse(running.start) / 1000));
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
});

describe('Toggl quota and rate limit', () => {
  test('plans, and every answer carries X-Toggl-Quota-Remaining and -Resets-In', async () => {
    assert.deepEqual(TOGGL_QUOTA_PLANS, { free: 30, starter: 240, premium: 600 });
    const free = await server({ quota: { plan: 'free' } });
    assert.equal(free.quota()?.workspace.limit, 30);
    assert.equal(free.quota()?.user.limit, 30);
    const ok = await usersGet(free);
    assert.equal(ok.headers.get('x-toggl-quota-remaining'), '29');
    assert.equal(ok.headers.get('x-toggl-quota-resets-in'), '3600');
    const bad = await searchOn(free)({ start_date: 'nope' });
    assert.equal(bad.status, 400);
    assert.equal(bad.headers.get('x-toggl-quota-remaining'), '28');
    assert.equal((await server({ quota: false })).quota(), null);
  });

  test('used up: 402 with the headers and a plain-text body, until the oldest request leaves the sliding window', async () => {
    const s = await server({ quota: { workspaceLimit: 3, windowSeconds: 1 } });
    for (let i = 0; i < 3; i++) assert.equal((await usersGet(s)).status, 200);
    const refused = await usersGet(s);
    assert.equal(refused.status, 402);
    assert.match(refused.headers.get('content-type') ?? '', /text\/plain/);
    assert.equal(refused.headers.get('x-toggl-quota-remaining'), '0');
    const resetsIn = Number(refused.headers.get('x-toggl-quota-resets-in'));
    assert.equal(resetsIn, 1);
    assert.match(await refused.text(), /limit/);
    assert.equal((await fetch(`${s.url}/api/v9/me`, { headers: { authorization: basic(TOKEN) } })).status, 200, 'the user quota is separate');
    await sleep(resetsIn * 1000 + 20);
    const again = await usersGet(s);
    assert.equal(again.status, 200, 'the window freed');
    assert.equal(s.requestLog().filter((e) => e.limited === 'quota').length, 1);
  });

  test('the earlier revision answered 429; /me has its own quota of 30', async () => {
    const s = await server({ quota: { workspaceLimit: 1, userLimit: 2, exhaustedStatus: 429 } });
    assert.equal((await usersGet(s)).status, 200);
    const refused = await usersGet(s);
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('x-toggl-quota-remaining'), '0');
    const me = () => fetch(`${s.url}/api/v9/me`, { headers: { authorization: basic(TOKEN) } });
    assert.deepEqual([(await me()).status, (await me()).status, (await me()).status], [200, 200, 429]);
  });

  test('leaky bucket: a burst, then 429 until it drains', async () => {
    const s = await server({ rateLimit: { perSecond: 2, burst: 2, retryAfter: true } });
    const answers: Response[] = [];
    for (let i = 0; i < 3; i++) answers.push(await usersGet(s));
    assert.deepEqual(answers.map((r) => r.status), [200, 200, 429]);
    assert.equal(answers[2]!.headers.get('retry-after'), '1');
    const limited = s.requestLog().at(-1)!;
    assert.equal(limited.limited, 'rate-limit');
    await sleep(550);
    assert.equal((await usersGet(s)).status, 200, 'the bucket drained enough for one more');
    const off = await server();
    const burst = await Promise.all(Array.from({ length: 10 }, () => usersGet(off).then((r) => r.status)));
    assert.ok(burst.every((st) => st === 200), 'off unless asked for');
  });
});

describe('Toggl faults', () => {
  test('status faults with Retry-After, path prefixes, request numbers; the older failNext still works', async () => {
    const s = await server();
    s.faults.push({ kind: 'status', status: 503, retryAfterSeconds: 7, count: 2, pathPrefix: '/reports/' });
    const search = searchOn(s);
    const body = { start_date: '2026-11-09', end_date: '2026-11-22' };
    assert.equal((await usersGet(s)).status, 200, 'other paths are spared');
    const first = await search(body);
    assert.equal(first.status, 503);
    assert.equal(first.headers.get('retry-after'), '7');
    assert.ok(first.headers.get('x-toggl-quota-remaining'));
    assert.equal((await search(body)).status, 503);
    assert.equal((await search(body)).status, 200);
    const seq = s.requestLog().length;
    s.faults.push({ kind: 'status', status: 500, fromRequest: seq + 2 });
    assert.equal((await usersGet(s)).status, 200);
    assert.equal((await usersGet(s)).status, 500);
    assert.equal(s.faults.pending().length, 0);
    s.failNext(429, 1);
    assert.equal((await usersGet(s)).status, 429);
    s.setFaults({ failNext: [{ status: 402, count: 1 }] });
    const quota = await usersGet(s);
    assert.equal(quota.status, 402);
    assert.match(await quota.text(), /limit/);
  });

  test('402 quota (with headers) and 402 feature gate (without)', async () => {
    const s = await server({ faults: [{ kind: 'quota', resetsInSeconds: 1234 }, { kind: 'feature-gate' }] });
    const quota = await usersGet(s);
    assert.equal(quota.status, 402);
    assert.equal(quota.headers.get('x-toggl-quota-remaining'), '0');
    assert.equal(quota.headers.get('x-toggl-quota-resets-in'), '1234');
    const gate = await usersGet(s);
    assert.equal(gate.status, 402);
    assert.equal(await gate.text(), 'Workspace needs to have this feature enabled');
    assert.equal(gate.headers.get('x-toggl-quota-remaining'), null);
    assert.equal(gate.headers.get('x-toggl-quota-resets-in'), null);
  });

  test('a truncated body and a non-JSON body, both with HTTP 200', async () => {
    const s = await server({ faults: [{ kind: 'truncated' }, { kind: 'non-json' }] });
    const search = searchOn(s);
    const body = { start_date: '2026-11-09', end_date: '2026-11-22' };
    const cut = await search(body);
    assert.equal(cut.status, 200);
    const text = await cut.text();
    assert.ok(text.startsWith('[{') && text.length > 100);
    assert.throws(() => JSON.parse(text));
    const html = await search(body);
    assert.equal(html.status, 200);
    assert.match(html.headers.get('content-type') ?? '', /text\/html/);
    const page = await html.text();
    assert.throws(() => JSON.parse(page));
    assert.equal((await search(body)).status, 200);
    assert.deepEqual(s.requestLog().map((e) => e.fault), ['truncated', 'non-json', null]);
  });

  test('a hang never answers; a delay answers late; a reset drops the connection', async () => {
    const s = await server({ faults: [{ kind: 'hang' }, { kind: 'delay', ms: 150 }, { kind: 'reset' }] });
    const users = `${s.url}/api/v9/workspaces/${dataset.toggl.workspace_id}/users`;
    let started = performance.now();
    await assert.rejects(fetch(users, { headers: { authorization: basic(TOKEN) }, signal: AbortSignal.timeout(200) }), /abort|timeout/i);
    assert.ok(performance.now() - started >= 190);
    started = performance.now();
    assert.equal((await usersGet(s)).status, 200);
    assert.ok(performance.now() - started >= 140, 'the delayed answer came late');
    await assert.rejects(usersGet(s), 'the reset connection gives no answer');
    assert.equal((await usersGet(s)).status, 200);
    const log = s.requestLog();
    assert.deepEqual(log.map((e) => e.fault), ['hang', 'delay 150ms', 'reset', null]);
    assert.deepEqual(log.map((e) => e.status), [0, 200, 0, 200]);
  });
});

describe('Toggl request log', () => {
  test('arrivals on a monotonic clock, the token as a hash, the page each search asked for', async () => {
    const s = await server();
    const search = searchOn(s);
    const body = { start_date: '2026-11-09', end_date: '2026-11-22', page_size: 100 };
    const first = await search(body);
    await search({ ...body, first_row_number: Number(first.headers.get('x-next-row-number')) });
    await search({ ...body, first_row_number: Number(first.headers.get('x-next-row-number')) });
    await searchOn(s, 'intruder')(body);
    const log = s.requestLog();
    assert.equal(log.length, 4);
    assert.deepEqual(log.map((e) => e.seq), [1, 2, 3, 4]);
    assert.ok(log.every((e, i) => i === 0 || e.at >= log[i - 1]!.at));
    assert.equal(log[0]!.tokenHash, hashToken(TOKEN));
    assert.ok(!JSON.stringify(log).includes(TOKEN), 'no token in the log');
    assert.deepEqual(log[0]!.range, { start: '2026-11-09', end: '2026-11-22' });
    assert.equal(log[0]!.pageSize, 100);
    assert.equal(log[0]!.rows, 100);
    assert.equal(log[0]!.nextRowNumber, 101);
    assert.deepEqual(log[1]!.cursor, { first_row_number: 101 });
    assert.equal(log[3]!.status, 403);
    assert.deepEqual(repeatedPages(log).map((p) => p.count), [2], 'the second page was fetched twice');
    assert.equal(maxInWindow(log, 1000), 4);
    assert.equal(maxInWindow([{ at: 0 }, { at: 999 }, { at: 1000 }, { at: 1500 }], 1000), 3);
    s.clearRequestLog();
    assert.equal(s.requestLog().length, 0);
  });

  test('stats count requests and concurrency', async () => {
    const slow = await server({ latencyMs: 80 });
    await Promise.all([1, 2, 3].map(() => usersGet(slow).then((r) => r.arrayBuffer())));
    const st = slow.stats();
    assert.equal(st.requests, 3);
    assert.equal(st.max_in_flight, 3);
    assert.equal(st.by_path[`GET /api/v9/workspaces/${dataset.toggl.workspace_id}/users`], 3);
  });
});
