import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { ApiError, ValidationError } from '../src/errors.js';
import { createLlmClient, LlmClient, normaliseOpenAiBase, resolveLlmSettings } from '../src/llm/client.js';

interface Seen {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

async function serve(handler: (req: Seen, res: ServerResponse, hit: number) => void) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      const s: Seen = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {} };
      seen.push(s);
      handler(s, res, seen.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(body));
};

const OPENAI_KEY = 'sk-test-openai-key-1234567890';
const ANTHROPIC_KEY = 'sk-ant-test-key-abcdefghijkl';

const chatCompletion = (text: string) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1772000000,
  model: 'gpt-test',
  choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 42, completion_tokens: 7, total_tokens: 49 },
});

test('OpenAI: base without /v1 hits /v1/chat/completions with Bearer auth, model, messages; returns text and tokens', async () => {
  const srv = await serve((_req, res) => json(res, 200, chatCompletion('Team summary')));
  try {
    const client = new LlmClient({ provider: 'openai', model: 'gpt-test', baseUrl: `${srv.url}/`, temperature: 0.2, maxTokens: 500 }, OPENAI_KEY);
    const result = await client.complete({ system: 'You write reports.', user: 'Summarise.' });
    assert.equal(result.text, 'Team summary');
    assert.equal(result.provider, 'openai');
    assert.equal(result.model, 'gpt-test');
    assert.equal(result.input_tokens, 42);
    assert.equal(result.output_tokens, 7);
    assert.ok(result.seconds >= 0);
    const [req] = srv.seen;
    assert.equal(req?.method, 'POST');
    assert.equal(req?.path, '/v1/chat/completions');
    assert.equal(req?.headers.authorization, `Bearer ${OPENAI_KEY}`);
    assert.equal(req?.body.model, 'gpt-test');
    assert.deepEqual(req?.body.messages, [
      { role: 'system', content: 'You write reports.' },
      { role: 'user', content: 'Summarise.' },
    ]);
    assert.equal(req?.body.temperature, 0.2);
    assert.equal(req?.body.max_tokens, 500);
  } finally {
    await srv.close();
  }
});

test('OpenAI: base already ending in /v1 is not doubled', async () => {
  assert.equal(normaliseOpenAiBase('http://localhost:11434/v1/'), 'http://localhost:11434/v1');
  assert.equal(normaliseOpenAiBase('http://localhost:11434'), 'http://localhost:11434/v1');
  const srv = await serve((_req, res) => json(res, 200, chatCompletion('ok')));
  try {
    const client = createLlmClient({ OPENAI_BASE_URL: `${srv.url}/v1`, VOLT_LLM_MODEL: 'llama3' });
    assert.ok(client);
    await client.complete({ system: 's', user: 'u' });
    assert.equal(srv.seen[0]?.path, '/v1/chat/completions');
    assert.equal(srv.seen[0]?.headers.authorization, 'Bearer not-needed');
    assert.equal(srv.seen[0]?.body.model, 'llama3');
  } finally {
    await srv.close();
  }
});

test('OpenAI: 429 rate limit is retried, insufficient_quota is not (one request, ApiError without the key)', async () => {
  let mode: 'rate' | 'quota' = 'rate';
  const srv = await serve((_req, res, hit) => {
    if (mode === 'rate' && hit === 1) {
      json(res, 429, { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }, { 'retry-after-ms': '5' });
      return;
    }
    if (mode === 'quota') {
      json(res, 429, { error: { message: 'You exceeded your current quota, please check your plan and billing details.', type: 'insufficient_quota', code: 'insufficient_quota' } });
      return;
    }
    json(res, 200, chatCompletion('after retry'));
  });
  try {
    const client = new LlmClient({ provider: 'openai', model: 'gpt-test', baseUrl: srv.url, maxRetries: 3 }, OPENAI_KEY);
    const ok = await client.complete({ system: 's', user: 'u' });
    assert.equal(ok.text, 'after retry');
    assert.equal(srv.seen.length, 2);

    mode = 'quota';
    const before = srv.seen.length;
    await assert.rejects(client.complete({ system: 's', user: 'u' }), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.api, 'OpenAI');
      assert.equal(err.status, 429);
      assert.match(err.message, /^OpenAI 429: You exceeded your current quota/);
      assert.match(err.message, /insufficient_quota/);
      assert.ok(!err.message.includes(OPENAI_KEY));
      return true;
    });
    assert.equal(srv.seen.length - before, 1, 'insufficient_quota must not be retried');
  } finally {
    await srv.close();
  }
});

test('OpenAI: a 401 echoing the key does not leak it', async () => {
  const srv = await serve((_req, res) =>
    json(res, 401, { error: { message: `Incorrect API key provided: ${OPENAI_KEY}. You can find your API key at https://platform.openai.com.`, type: 'invalid_request_error', code: 'invalid_api_key' } }),
  );
  try {
    const client = new LlmClient({ provider: 'openai', model: 'gpt-test', baseUrl: srv.url }, OPENAI_KEY);
    await assert.rejects(client.complete({ system: 's', user: 'u' }), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.status, 401);
      assert.match(err.message, /^OpenAI 401: Incorrect API key provided/);
      assert.ok(!err.message.includes(OPENAI_KEY), err.message);
      return true;
    });
    assert.equal(srv.seen.length, 1);
  } finally {
    await srv.close();
  }
});

test('Anthropic: /v1/messages with x-api-key, anthropic-version, top-level system and max_tokens; 529 retried', async () => {
  const srv = await serve((_req, res, hit) => {
    if (hit === 1) {
      json(res, 529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, { 'retry-after-ms': '5' });
      return;
    }
    json(res, 200, {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-test',
      content: [
        { type: 'text', text: 'Hello ' },
        { type: 'text', text: 'team' },
      ],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 11, output_tokens: 3 },
    });
  });
  try {
    const client = createLlmClient({ ANTHROPIC_API_KEY: ANTHROPIC_KEY, ANTHROPIC_BASE_URL: srv.url, VOLT_LLM_MODEL: 'claude-test' }, { max_tokens: 1234 });
    assert.ok(client);
    const result = await client.complete({ system: 'You write reports.', user: 'Summarise.', temperature: 0 });
    assert.deepEqual({ ...result, seconds: 0 }, {
      text: 'Hello team',
      provider: 'anthropic',
      model: 'claude-test',
      input_tokens: 11,
      output_tokens: 3,
      seconds: 0,
    });
    assert.equal(srv.seen.length, 2);
    const req = srv.seen[1];
    assert.equal(req?.path, '/v1/messages');
    assert.equal(req?.headers['x-api-key'], ANTHROPIC_KEY);
    assert.equal(req?.headers['anthropic-version'], '2023-06-01');
    assert.equal(req?.body.model, 'claude-test');
    assert.equal(req?.body.system, 'You write reports.');
    assert.equal(req?.body.max_tokens, 1234);
    assert.equal(req?.body.temperature, 0);
    assert.deepEqual(req?.body.messages, [{ role: 'user', content: 'Summarise.' }]);
  } finally {
    await srv.close();
  }
});

test('Anthropic: a 400 becomes ApiError with the provider message', async () => {
  const srv = await serve((_req, res) =>
    json(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'Your credit balance is too low' } }),
  );
  try {
    const client = new LlmClient({ provider: 'anthropic', model: 'claude-test', baseUrl: `${srv.url}/v1` }, ANTHROPIC_KEY);
    await assert.rejects(client.complete({ system: 's', user: 'u' }), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.api, 'Anthropic');
      assert.equal(err.status, 400);
      assert.match(err.message, /^Anthropic 400: Your credit balance is too low/);
      assert.ok(!err.message.includes(ANTHROPIC_KEY));
      return true;
    });
    assert.equal(srv.seen[0]?.path, '/v1/messages');
  } finally {
    await srv.close();
  }
});

test('unreachable server: ApiError status 0', async () => {
  const srv = await serve((_req, res) => res.end());
  const url = srv.url;
  await srv.close();
  const client = new LlmClient({ provider: 'openai', model: 'gpt-test', baseUrl: url, maxRetries: 0 }, OPENAI_KEY);
  await assert.rejects(client.complete({ system: 's', user: 'u' }), (err: unknown) => {
    return err instanceof ApiError && err.status === 0 && /^cannot reach OpenAI at /.test(err.message);
  });
});

test('resolveLlmSettings: precedence, defaults, local servers and errors', () => {
  assert.equal(resolveLlmSettings({}), null);
  assert.equal(resolveLlmSettings({}, { model: 'x' }), null);
  assert.deepEqual(resolveLlmSettings({ OPENAI_API_KEY: 'k' }), { provider: 'openai', model: 'gpt-4.1-mini', maxRetries: 3, timeoutMs: 180_000 });
  assert.equal(resolveLlmSettings({ ANTHROPIC_API_KEY: 'k' })?.provider, 'anthropic');
  assert.equal(resolveLlmSettings({ ANTHROPIC_API_KEY: 'k' })?.model, 'claude-sonnet-4-5');
  const both = { OPENAI_API_KEY: 'a', ANTHROPIC_API_KEY: 'b' };
  assert.equal(resolveLlmSettings(both)?.provider, 'openai');
  assert.equal(resolveLlmSettings(both, { provider: 'anthropic' })?.provider, 'anthropic');
  assert.equal(resolveLlmSettings({ ...both, VOLT_LLM_PROVIDER: 'OpenAI' }, { provider: 'anthropic' })?.provider, 'openai');
  const s = resolveLlmSettings({ ...both, VOLT_LLM_MODEL: 'm-env', ANTHROPIC_BASE_URL: 'http://proxy' }, { provider: 'anthropic', model: 'm-cfg', temperature: 0.3, max_tokens: 900 });
  assert.deepEqual(s, { provider: 'anthropic', model: 'm-env', baseUrl: 'http://proxy', temperature: 0.3, maxTokens: 900, maxRetries: 3, timeoutMs: 180_000 });
  assert.equal(resolveLlmSettings({ ANTHROPIC_API_KEY: 'k' }, { model: 'm-cfg' })?.model, 'm-cfg');
  const local = resolveLlmSettings({ OPENAI_BASE_URL: 'http://localhost:11434' });
  assert.equal(local?.provider, 'openai');
  assert.equal(local?.baseUrl, 'http://localhost:11434');
  assert.throws(() => resolveLlmSettings({ VOLT_LLM_PROVIDER: 'gemini' }), ValidationError);
  assert.throws(() => resolveLlmSettings({ OPENAI_API_KEY: 'k' }, { provider: 'anthropic' }), /ANTHROPIC_API_KEY/);
  assert.throws(() => resolveLlmSettings({ VOLT_LLM_PROVIDER: 'openai' }), /OPENAI_API_KEY/);
  assert.equal(createLlmClient({}), null);
});
