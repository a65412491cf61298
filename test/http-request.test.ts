import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { ApiError } from '../src/errors.js';
import { basicAuth, requestWithRetry, serverRetryDelayMs, type RetryInfo } from '../src/http/request.js';

type Handler = (req: IncomingMessage, res: ServerResponse, hit: number) => void;

/** A throwaway server on port 0; `hits` counts requests. */
async function serve(handler: Handler): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    handler(req, res, hits);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function recorder(): { sleep: (ms: number) => Promise<void>; waits: number[] } {
  const waits: number[] = [];
  return { waits, sleep: async (ms) => void waits.push(ms) };
}

test('basicAuth encodes user:pass', () => {
  assert.equal(basicAuth('tok', 'api_token'), `Basic ${Buffer.from('tok:api_token').toString('base64')}`);
});

test('serverRetryDelayMs reads Retry-After seconds, HTTP dates and X-Toggl-Quota-Resets-In', () => {
  const now = Date.parse('2026-03-02T10:00:00Z');
  assert.equal(serverRetryDelayMs(new Headers({ 'Retry-After': '7' }), now), 7000);
  assert.equal(serverRetryDelayMs(new Headers({ 'Retry-After': 'Mon, 02 Mar 2026 10:00:30 GMT' }), now), 30_000);
  assert.equal(serverRetryDelayMs(new Headers({ 'X-Toggl-Quota-Resets-In': '12' }), now), 12_000);
  assert.equal(serverRetryDelayMs(new Headers({}), now), null);
});

test('429 with Retry-After, then success: waits what the server asked', async () => {
  const srv = await serve((_req, res, hit) => {
    if (hit === 1) {
      res.writeHead(429, { 'Retry-After': '3', 'Content-Type': 'text/plain' }).end('slow down');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
  });
  try {
    const { sleep, waits } = recorder();
    const retries: RetryInfo[] = [];
    const res = await requestWithRetry({ api: 'Toggl', url: `${srv.url}/x`, init: {}, sleep, onRetry: (i) => retries.push(i) });
    assert.deepEqual(await res.json(), { ok: true });
    assert.deepEqual(waits, [3000]);
    assert.deepEqual(retries, [{ api: 'Toggl', status: 429, attempt: 1, delayMs: 3000 }]);
    assert.equal(srv.hits(), 2);
  } finally {
    await srv.close();
  }
});

test('402 quota with X-Toggl-Quota-Resets-In is retried after the reset', async () => {
  const srv = await serve((_req, res, hit) => {
    if (hit === 1) res.writeHead(402, { 'X-Toggl-Quota-Resets-In': '5' }).end('quota');
    else res.writeHead(200).end('[]');
  });
  try {
    const { sleep, waits } = recorder();
    await requestWithRetry({ api: 'Toggl', url: srv.url, init: {}, sleep });
    assert.deepEqual(waits, [5000]);
  } finally {
    await srv.close();
  }
});

test('always 503: bounded attempts, then ApiError naming the API, status and attempts', async () => {
  const srv = await serve((_req, res) => res.writeHead(503, { 'Content-Type': 'text/plain' }).end('upstream down'));
  try {
    const { sleep, waits } = recorder();
    await assert.rejects(
      requestWithRetry({ api: 'Fibery', url: `${srv.url}/api`, init: { method: 'POST' }, sleep, maxRetries: 4, baseDelayMs: 100, maxDelayMs: 1000 }),
      (err: unknown) => {
        assert.ok(err instanceof ApiError);
        assert.equal(err.api, 'Fibery');
        assert.equal(err.status, 503);
        assert.match(err.message, /^Fibery API answered 503/);
        assert.match(err.message, /upstream down/);
        assert.match(err.message, /after 5 attempts/);
        return true;
      },
    );
    assert.equal(srv.hits(), 5);
    assert.equal(waits.length, 4);
    // exponential backoff with jitter, capped: each wait within [exp/2, exp]
    waits.forEach((w, i) => {
      const exp = Math.min(1000, 100 * 2 ** i);
      assert.ok(w >= exp / 2 && w <= exp, `wait ${i} = ${w}`);
    });
  } finally {
    await srv.close();
  }
});

test('401 fails at once with a token hint and no secret in the message', async () => {
  const token = 'supersecrettoken123';
  const srv = await serve((req, res) => res.writeHead(401).end(`bad auth header ${req.headers.authorization ?? ''}`));
  try {
    const { sleep, waits } = recorder();
    await assert.rejects(
      requestWithRetry({ api: 'Toggl', url: srv.url, init: { headers: { Authorization: basicAuth(token, 'api_token') } }, sleep }),
      (err: unknown) => {
        assert.ok(err instanceof ApiError);
        assert.equal(err.status, 401);
        assert.match(err.message, /check Toggl token \/ access/);
        assert.ok(!err.message.includes(token), err.message);
        assert.ok(!err.message.includes(Buffer.from(`${token}:api_token`).toString('base64')), err.message);
        return true;
      },
    );
    assert.equal(srv.hits(), 1);
    assert.deepEqual(waits, []);
  } finally {
    await srv.close();
  }
});

test('400 is not retried', async () => {
  const srv = await serve((_req, res) => res.writeHead(400).end('Invalid workspace id'));
  try {
    await assert.rejects(requestWithRetry({ api: 'Toggl', url: srv.url, init: {}, sleep: async () => {} }), /Toggl API answered 400.*Invalid workspace id/);
    assert.equal(srv.hits(), 1);
  } finally {
    await srv.close();
  }
});

test('a server-requested wait longer than maxDelayMs fails at once instead of burning retries', async () => {
  const srv = await serve((_req, res) => res.writeHead(402, { 'X-Toggl-Quota-Resets-In': '1800' }).end('quota exhausted'));
  try {
    await assert.rejects(
      requestWithRetry({ api: 'Toggl', url: srv.url, init: {}, sleep: async () => {}, maxDelayMs: 60_000 }),
      (err: unknown) => err instanceof ApiError && err.status === 402 && /wait 1800 s/.test(err.message),
    );
    assert.equal(srv.hits(), 1);
  } finally {
    await srv.close();
  }
});

test('connection refused: retried with backoff, then ApiError status 0 "cannot reach"', async () => {
  const srv = await serve((_req, res) => res.end());
  const url = srv.url;
  await srv.close();
  const { sleep, waits } = recorder();
  await assert.rejects(requestWithRetry({ api: 'Toggl', url: `${url}/api/v9/me`, init: {}, sleep, maxRetries: 2 }), (err: unknown) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 0);
    assert.match(err.message, new RegExp(`^cannot reach Toggl at ${url.replace(/\./g, '\\.')}: ECONNREFUSED`));
    return true;
  });
  assert.equal(waits.length, 2);
});

test('per-attempt timeout aborts a hanging request and retries it', async () => {
  const srv = await serve((_req, res, hit) => {
    if (hit === 1) return; // never answers
    res.writeHead(200).end('ok');
  });
  try {
    const { sleep } = recorder();
    // The first never answers; the retry's answer gets a second even on a busy machine.
    const res = await requestWithRetry({ api: 'Fibery', url: srv.url, init: {}, sleep, timeoutMs: 1_000 });
    assert.equal(await res.text(), 'ok');
    assert.equal(srv.hits(), 2);
  } finally {
    await srv.close();
  }
});
