import assert from 'node:assert/strict';
import { test } from 'node:test';
import { json, serve } from './support/fake-http.js';
import { ApiError, QuotaExhaustedError, ValidationError } from '../src/errors.js';
import { TogglClient } from '../src/toggl/client.js';
import { initialFetchState } from '../src/toggl/fetch-plan.js';

const TOKEN = 'toggl-test-token-0123456789';
const WID = '4242';
const SEARCH_PATH = `/reports/api/v3/workspace/${WID}/search/time_entries`;


/** A report row as the Reports API v3 detailed search returns it with enrich_response. */
function row(id: number, start: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    user_id: 7,
    username: 'Ada Lovelace',
    email: 'ada@example.com',
    project_id: 99,
    project_name: 'Volt - Internal',
    project_color: '#06aaf5',
    client_name: 'Volt',
    description: `Provision AWS infrastructure #${id} [Scrum] [Task]`,
    billable: false,
    tag_ids: [1],
    tag_names: ['dev'],
    task_id: null,
    row_number: id,
    time_entries: [{ id, seconds: 3600, start, stop: start.replace('T09', 'T10'), at: start, at_tz: start }],
    ...extra,
  };
}

const noSleep = async (): Promise<void> => {};

test('search follows X-Next-Row-Number across 3 pages, sends first_row_number back and never first_id', async () => {
  const rows = [1, 2, 3, 4, 5].map((i) => row(i, `2026-03-0${i}T09:00:00+02:00`));
  const srv = await serve((req, res) => {
    const first = typeof req.body?.first_row_number === 'number' ? req.body.first_row_number : 1;
    const size = Number(req.body?.page_size);
    const page = rows.slice(first - 1, first - 1 + size);
    const next = first + size;
    const headers: Record<string, string> =
      next <= rows.length ? { 'X-Next-Row-Number': String(next), 'X-Next-ID': String(next * 100), 'X-Next-Timestamp': String(1772000000 + next) } : {};
    json(res, 200, page, headers);
  });
  try {
    const client = new TogglClient({ apiToken: TOKEN, workspaceId: WID, baseUrl: srv.url, pageSize: 2, sleep: noSleep, requestsPerSecond: 1000 });
    const entries = await client.searchTimeEntries({ startDate: '2026-03-01', endDate: '2026-03-07', userIds: [7] });

    assert.deepEqual(entries.map((e) => e.id), [1, 2, 3, 4, 5]);
    assert.equal(srv.seen.length, 3);
    assert.equal(client.requestCount, 3);
    const bodies = srv.seen.map((s) => s.body ?? {});
    assert.deepEqual(bodies.map((b) => b.first_row_number), [undefined, 3, 5]);
    assert.deepEqual(bodies.map((b) => b.first_timestamp), [undefined, 1772000003, 1772000005]);
    for (const b of bodies) assert.equal('first_id' in b, false);
    for (const s of srv.seen) {
      assert.equal(s.method, 'POST');
      assert.equal(s.path, SEARCH_PATH);
      assert.equal(s.headers.authorization, `Basic ${Buffer.from(`${TOKEN}:api_token`).toString('base64')}`);
      assert.match(String(s.headers['content-type']), /application\/json/);
    }
    assert.deepEqual(
      { ...bodies[0] },
      {
        start_date: '2026-03-01',
        end_date: '2026-03-08',
        page_size: 2,
        order_by: 'date',
        order_dir: 'ASC',
        enrich_response: true,
        user_ids: [7],
      },
    );
    assert.deepEqual(entries[0], {
      id: 1,
      user_id: 7,
      user_name: 'Ada Lovelace',
      user_email: 'ada@example.com',
      description: 'Provision AWS infrastructure #1 [Scrum] [Task]',
      project_id: 99,
      project_name: 'Volt - Internal',
      client_name: 'Volt',
      tags: ['dev'],
      start: '2026-03-01T09:00:00+02:00',
      stop: '2026-03-01T10:00:00+02:00',
      seconds: 3600,
    });
  } finally {
    await srv.close();
  }
});

/**
 * A Toggl search that serves `all` rows by date, `pageSize` at a time, with the recorded headers; its
 * end date is inclusive or exclusive, and it may clamp a range to `maxDays` (saying so in X-Range-End).
 */
async function searchServer(all: Record<string, unknown>[], opts: { inclusive: boolean; pageSize: number; maxDays?: number }) {
  const dayOf = (r: Record<string, unknown>) => String((r.time_entries as { start: string }[])[0]?.start).slice(0, 10);
  const served: number[] = [];
  const server = await serve((req, res) => {
    const from = String(req.body?.start_date);
    let to = String(req.body?.end_date);
    if (opts.maxDays) {
      const limit = new Date(`${from}T00:00:00Z`);
      limit.setUTCDate(limit.getUTCDate() + opts.maxDays - 1);
      const max = limit.toISOString().slice(0, 10);
      if (to > max) to = max;
    }
    const rows = all.filter((r) => dayOf(r) >= from && (opts.inclusive ? dayOf(r) <= to : dayOf(r) < to));
    const first = typeof req.body?.first_row_number === 'number' ? req.body.first_row_number : 1;
    const size = Math.min(opts.pageSize, Number(req.body?.page_size));
    const page = rows.slice(first - 1, first - 1 + size);
    served.push(...page.map((r) => Number((r.time_entries as { id: number }[])[0]?.id)));
    const more = first - 1 + size < rows.length;
    json(res, 200, page, {
      'X-Page-Size': String(size),
      'X-Range-Start': from,
      'X-Range-End': to,
      ...(more ? { 'X-Next-Row-Number': String(first + size), 'X-Next-ID': '1', 'X-Next-Timestamp': '1767225600' } : {}),
    });
  });
  return { ...server, served };
}

/** One entry a day on the days given (day of a 2026 month: [month, day]). */
const daily = (days: [number, number][]) =>
  days.map(([m, d], i) => row(i + 1, `2026-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}T09:00:00+00:00`));

for (const inclusive of [true, false]) {
  test(`chunks: an ${inclusive ? 'inclusive' : 'exclusive'} end date: every entry once, no day with entries asked twice`, async () => {
    const days: [number, number][] = [];
    for (let d = 1; d <= 31; d++) days.push([1, d]);
    for (let d = 1; d <= 20; d++) days.push([2, d]);
    const all = daily(days);
    const srv = await searchServer(all, { inclusive, pageSize: 7 });
    try {
      const client = new TogglClient({ apiToken: TOKEN, workspaceId: WID, baseUrl: srv.url, requestsPerSecond: 1000, sleep: noSleep });
      const entries = await client.searchTimeEntries({ startDate: '2026-01-01', endDate: '2026-02-20', maxRangeDays: 15 });
      assert.deepEqual(entries.map((e) => e.id), all.map((_, i) => i + 1));
      // Each entry travelled exactly once: no day was paid for twice between chunks.
      assert.deepEqual([...srv.served].sort((a, b) => a - b), all.map((_, i) => i + 1));
      const chunks = srv.seen.filter((s) => s.body.first_row_number === undefined).length;
      assert.ok(srv.seen.length <= Math.ceil(all.length / 7) + chunks, `${srv.seen.length} requests for ${all.length} entries in ${chunks} chunks`);
    } finally {
      await srv.close();
    }
  });
}

test('chunks: a server that clamps the range (X-Range-End) is followed from where it stopped', async () => {
  const days: [number, number][] = [];
  for (let d = 1; d <= 31; d++) days.push([3, d]);
  const all = daily(days);
  const srv = await searchServer(all, { inclusive: true, pageSize: 50, maxDays: 10 });
  try {
    const client = new TogglClient({ apiToken: TOKEN, workspaceId: WID, baseUrl: srv.url, requestsPerSecond: 1000, sleep: noSleep });
    const entries = await client.searchTimeEntries({ startDate: '2026-03-01', endDate: '2026-03-31' });
    assert.deepEqual(entries.map((e) => e.id), all.map((_, i) => i + 1));
    assert.deepEqual(srv.seen.map((s) => s.body.start_date), ['2026-03-01', '2026-03-11', '2026-03-21', '2026-03-31']);
  } finally {
    await srv.close();
  }
});

test('pacing: one budget per token, shared by every client of the process', async () => {
  const srv = await searchServer(daily([[4, 1]]), { inclusive: true, pageSize: 50 });
  try {
    const token = `${TOKEN}-paced`;
    const clients = [1, 2, 3].map(() => new TogglClient({ apiToken: token, workspaceId: WID, baseUrl: srv.url, requestsPerSecond: 10, sleep: noSleep }));
    const started = Date.now();
    await Promise.all([...clients, ...clients].map((c) => c.searchTimeEntries({ startDate: '2026-04-01', endDate: '2026-04-01' })));
    // Six searches of one request each at 10 per second: at least 0.5 s from the first to the last.
    assert.ok(Date.now() - started >= 500, `took ${Date.now() - started} ms`);
  } finally {
    await srv.close();
  }
});

test('tolerates rows without enrichment (missing names, tags, client)', async () => {
  const srv = await serve((_req, res) =>
    json(res, 200, [{ user_id: 9, description: null, time_entries: [{ id: 11, seconds: -1772000000, start: '2026-03-02T08:00:00+00:00', stop: null, at: '2026-03-02T08:00:00+00:00' }] }]),
  );
  try {
    const client = new TogglClient({ apiToken: TOKEN, workspaceId: WID, baseUrl: srv.url, requestsPerSecond: 1000 });
    const [e] = await client.searchTimeEntries({ startDate: '2026-03-02', endDate: '2026-03-02' });
    assert.deepEqual(e, {
      id: 11,
      user_id: 9,
      user_name: null,
      user_email: null,
      description: '',
      project_id: null,
      project_name: null,
      client_name: null,
      tags: [],
      start: '2026-03-02T08:00:00+00:00',
      stop: null,
      seconds: -1772000000,
    });
  } finally {
    await srv.close();
  }
});

test('429 then success: waits X-Toggl-Quota-Resets-In and counts both requests', async () => {
  const srv = await serve((_req, res, hit) => {
    if (hit === 1) res.writeHead(429, { 'X-Toggl-Quota-Resets-In': '4', 'X-Toggl-Quota-Remaining': '0' }).end('Too Many Requests');
    else json(res, 200, [row(1, '2026-03-02T09:00:00+00:00')]);
  });
  try {
    const waits: number[] = [];
    const client = new TogglClient({ apiToken: TOKEN, workspaceId: WID, baseUrl: srv.url, sleep: async (ms) => void waits.push(ms), requestsPerSecond: 1000 });
    const entries = await client.searchTimeEntries({ startDate: '2026-03-02', endDate: '2026-03-02' });
    assert.equal(entries.length, 1);
    assert.deepEqual(waits, [4000]);
    assert.equal(client.requestCount, 2);
  } finally {
    await srv.close();
  }
});

test('402 without quota headers is feature gating: not retried, and the message says so', async () => {
  const srv = await serve((_req, res) => res.writeHead(402, { 'Content-Type': 'text/plain' }).end('Workspace needs to have this feature enabled'));
  try {
    const client = new TogglClient({ apiToken: TOKEN, workspaceId: WID, baseUrl: srv.url, maxRetries: 2, sleep: noSleep, requestsPerSecond: 1000 });
    await assert.rejects(client.searchTimeEntries({ startDate: '2026-03-02', endDate: '2026-03-03' }), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.status, 402);
      assert.match(err.message, /Toggl API answered 402.*feature enabled.*feature gating/);
      assert.ok(!err.message.includes(TOKEN));
      return true;
    });
    assert.equal(srv.seen.length, 1);
  } finally {
    await srv.close();
  }
});

test('a page answered 402 with quota headers is QuotaExhaustedError carrying the wait: the fetch waits where it can be seen', async () => {
  const srv = await serve((_req, res) => res.writeHead(402, { 'X-Toggl-Quota-Remaining': '0', 'X-Toggl-Quota-Resets-In': '2040' }).end('quota used up'));
  try {
    const client = new TogglClient({ apiToken: TOKEN, workspaceId: WID, baseUrl: srv.url, sleep: noSleep, requestsPerSecond: 1000 });
    await assert.rejects(client.searchPage(initialFetchState({ start: '2026-03-02', end: '2026-03-03' }, 366, null)), (err: unknown) => {
      assert.ok(err instanceof QuotaExhaustedError);
      assert.equal(err.resetInMs, 2_040_000);
      return true;
    });
    assert.equal(srv.seen.length, 1);
  } finally {
    await srv.close();
  }
});

test('a next row number that does not advance is an ApiError, not an endless loop', async () => {
  const srv = await serve((_req, res) => json(res, 200, [row(1, '2026-03-02T09:00:00+00:00')], { 'X-Next-Row-Number': '2' }));
  try {
    const client = new TogglClient({ apiToken: TOKEN, workspaceId: WID, baseUrl: srv.url, sleep: noSleep, requestsPerSecond: 1000 });
    await assert.rejects(client.searchTimeEntries({ startDate: '2026-03-02', endDate: '2026-03-02' }), (err: unknown) => {
      return err instanceof ApiError && /not advancing/.test(err.message);
    });
    assert.equal(srv.seen.length, 2);
  } finally {
    await srv.close();
  }
});

test('an unexpected body becomes a readable ApiError', async () => {
  const srv = await serve((_req, res) => json(res, 200, [{ user_id: 'seven', time_entries: [] }]));
  try {
    const client = new TogglClient({ apiToken: TOKEN, workspaceId: WID, baseUrl: srv.url, requestsPerSecond: 1000 });
    await assert.rejects(client.searchTimeEntries({ startDate: '2026-03-02', endDate: '2026-03-02' }), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.match(err.message, new RegExp(`^Toggl returned an unexpected response from POST ${SEARCH_PATH}: \\[0\\]\\.user_id`));
      return true;
    });
  } finally {
    await srv.close();
  }
});

test('listWorkspaceUsers maps id, fullname and email', async () => {
  const srv = await serve((req, res) => {
    assert.equal(req.method, 'GET');
    assert.equal(req.path, `/api/v9/workspaces/${WID}/users`);
    json(res, 200, [
      { id: 7, email: 'ada@example.com', fullname: 'Ada Lovelace', inactive: false, is_active: true, is_admin: true, role: 'admin' },
      { id: 8, email: 'bob@example.com', fullname: null },
    ]);
  });
  try {
    const client = new TogglClient({ apiToken: TOKEN, workspaceId: WID, baseUrl: srv.url, requestsPerSecond: 1000 });
    assert.deepEqual(await client.listWorkspaceUsers(), [
      { id: 7, email: 'ada@example.com', name: 'Ada Lovelace' },
      { id: 8, email: 'bob@example.com', name: 'bob@example.com' },
    ]);
    assert.equal(client.requestCount, 1);
  } finally {
    await srv.close();
  }
});

test('bad input is a ValidationError', async () => {
  assert.throws(() => new TogglClient({ apiToken: TOKEN, workspaceId: 'acme' }), ValidationError);
  const client = new TogglClient({ apiToken: TOKEN, workspaceId: WID, baseUrl: 'http://127.0.0.1:9' });
  await assert.rejects(client.searchTimeEntries({ startDate: '2026-02-30', endDate: '2026-03-01' }), ValidationError);
  await assert.rejects(client.searchTimeEntries({ startDate: '2026-03-02', endDate: '2026-03-01' }), ValidationError);
  assert.equal(client.requestCount, 0);
});
