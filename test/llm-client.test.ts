import assert from 'node:assert/strict';
import { test } from 'node:test';
import { json, serve } from './support/fake-http.js';
import { ApiError, ValidationError } from '../src/errors.js';
import { createLlmClient, LlmClient, resolveLlmSettings } from '../src/llm/client.js';
import { normaliseOpenAiBase } from '../src/llm/providers/openai.js';
import { startLlmServer } from '../src/sandbox/llm-server.js';


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
      attempts: 2,
      truncated: false,
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
    // A local server is named as what it is, not as OpenAI.
    return err instanceof ApiError && err.status === 0 && /^cannot reach the OpenAI-compatible server at 127\.0\.0\.1:\d+: /.test(err.message) && !/cannot reach OpenAI/.test(err.message);
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

test('a correction turn: the earlier answer and the follow-up are sent after the prompt, in both wire formats', async () => {
  const srv = await serve((req, res) =>
    req.path.endsWith('/messages')
      ? json(res, 200, { id: 'm', type: 'message', role: 'assistant', model: 'c', content: [{ type: 'text', text: 'fixed' }], stop_reason: 'end_turn', usage: { input_tokens: 1, output_tokens: 1 } })
      : json(res, 200, chatCompletion('fixed')),
  );
  try {
    const followUp = [
      { role: 'assistant' as const, content: 'Zoë tracked 12.5 h.' },
      { role: 'user' as const, content: '"12.5 h" does not match the facts.' },
    ];
    await new LlmClient({ provider: 'openai', model: 'gpt-test', baseUrl: srv.url }, OPENAI_KEY).complete({ system: 's', user: 'u', followUp });
    await new LlmClient({ provider: 'anthropic', model: 'claude-test', baseUrl: srv.url }, ANTHROPIC_KEY).complete({ system: 's', user: 'u', followUp });
    assert.deepEqual(srv.seen[0]?.body.messages, [{ role: 'system', content: 's' }, { role: 'user', content: 'u' }, ...followUp]);
    assert.deepEqual(srv.seen[1]?.body.messages, [{ role: 'user', content: 'u' }, ...followUp]);
    assert.equal(srv.seen[1]?.body.system, 's');
  } finally {
    await srv.close();
  }
});

test('429 with retry-after: 1 waits that second, then succeeds; five 5xx in a row fail naming the provider and the status', async () => {
  let failures = 0;
  const srv = await serve((req, res, hit) => {
    if (hit === 1) return json(res, 429, { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }, { 'retry-after': '1' });
    if (hit === 2) return json(res, 200, chatCompletion('after the wait'));
    failures++;
    return json(res, 503, { error: { message: 'Service unavailable', type: 'server_error' } });
  });
  const at: number[] = [];
  try {
    const client = new LlmClient({ provider: 'openai', model: 'gpt-test', baseUrl: srv.url, maxRetries: 4 }, OPENAI_KEY);
    const original = globalThis.fetch;
    globalThis.fetch = (input, init) => {
      at.push(Date.now());
      return original(input, init);
    };
    try {
      const ok = await client.complete({ system: 's', user: 'u' });
      assert.equal(ok.text, 'after the wait');
      assert.equal(ok.attempts, 2);
      assert.ok(at[1]! - at[0]! >= 950, `waited ${at[1]! - at[0]!} ms`);

      await assert.rejects(client.complete({ system: 's', user: 'u' }), (err: unknown) => {
        assert.ok(err instanceof ApiError);
        assert.equal(err.status, 503);
        assert.match(err.message, /^OpenAI 503: Service unavailable.*\(after 5 requests\)$/);
        return true;
      });
      assert.equal(failures, 5);
    } finally {
      globalThis.fetch = original;
    }
  } finally {
    await srv.close();
  }
});

test('a retry-after longer than the deadline is not waited for', async () => {
  const srv = await serve((_req, res) =>
    json(res, 429, { type: 'error', error: { type: 'rate_limit_error', message: 'Number of requests has exceeded your rate limit' } }, { 'retry-after': '3600' }),
  );
  try {
    const client = new LlmClient({ provider: 'anthropic', model: 'claude-test', baseUrl: srv.url, maxRetries: 3 }, ANTHROPIC_KEY);
    const started = Date.now();
    await assert.rejects(client.complete({ system: 's', user: 'u', deadlineMs: 30_000 }), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.match(err.message, /^Anthropic 429: Number of requests has exceeded your rate limit \[rate_limit_error\]; it asked to wait 3600 s, past this report's deadline$/);
      return true;
    });
    assert.equal(srv.seen.length, 1);
    // At once, not into the report's 30-s deadline (a busy machine may take seconds to get there).
    assert.ok(Date.now() - started < 20_000);
  } finally {
    await srv.close();
  }
});

test('a server that hangs past the timeout is retried; one that hangs past the deadline fails with the provider named', async () => {
  const llm = await startLlmServer({ apiKey: ANTHROPIC_KEY, script: [{ hangMs: 5_000 }] });
  try {
    // The timeout is well short of the hang, and long enough for the retry's answer on a busy machine.
    const client = new LlmClient({ provider: 'anthropic', model: 'claude-test', baseUrl: llm.url, timeoutMs: 2_000, maxRetries: 2 }, ANTHROPIC_KEY);
    const ok = await client.complete({ system: 's', user: 'u' });
    assert.equal(ok.attempts, 2);
    assert.equal(llm.requests().length, 2);

    llm.enqueue({ hangMs: 5_000 }, { hangMs: 5_000 }, { hangMs: 5_000 });
    const started = Date.now();
    await assert.rejects(client.complete({ system: 's', user: 'u', deadlineMs: 500 }), /^ApiError: The Anthropic-compatible server at 127\.0\.0\.1:\d+ gave no answer within 0\.5 s \(\d requests?, retries included\)$/);
    assert.ok(Date.now() - started < 4_000, 'the deadline ends the call (three requests timing out would take 6 s)');
    await assert.rejects(
      new LlmClient({ provider: 'anthropic', model: 'claude-test', baseUrl: llm.url, timeoutMs: 200, maxRetries: 0 }, ANTHROPIC_KEY).complete({ system: 's', user: 'u' }),
      /^ApiError: The Anthropic-compatible server at 127\.0\.0\.1:\d+ did not answer within 0\.2 s$/,
    );
  } finally {
    await llm.close();
  }
});

test('an unknown model fails at once with the provider\'s message; a model refusing temperature is asked again without it', async () => {
  const llm = await startLlmServer({ apiKey: OPENAI_KEY, models: ['known-model'] });
  try {
    const unknown = new LlmClient({ provider: 'openai', model: 'no-such-model', baseUrl: llm.openaiBaseUrl }, OPENAI_KEY);
    await assert.rejects(unknown.complete({ system: 's', user: 'u' }), /^ApiError: OpenAI 404: The model `no-such-model` does not exist or you do not have access to it\. \[model_not_found\]$/);
    await assert.rejects(
      new LlmClient({ provider: 'anthropic', model: 'no-such-model', baseUrl: llm.url }, OPENAI_KEY).complete({ system: 's', user: 'u' }),
      /^ApiError: Anthropic 404: model: no-such-model \[not_found_error\]$/,
    );
    assert.equal(llm.requests().length, 2, 'no retries');
  } finally {
    await llm.close();
  }

  const srv = await serve((req, res) => {
    if (req.body.temperature !== undefined) {
      return json(res, 400, { error: { message: "Unsupported value: 'temperature' does not support 0.2 with this model. Only the default (1) value is supported.", type: 'invalid_request_error', param: 'temperature', code: 'unsupported_value' } });
    }
    return json(res, 200, chatCompletion('ok'));
  });
  try {
    const client = new LlmClient({ provider: 'openai', model: 'o-test', baseUrl: srv.url, temperature: 0.2 }, OPENAI_KEY);
    assert.equal((await client.complete({ system: 's', user: 'u' })).text, 'ok');
    assert.equal((await client.complete({ system: 's', user: 'u' })).text, 'ok');
    assert.deepEqual(srv.seen.map((s) => s.body.temperature), [0.2, undefined, undefined], 'refused once, then not sent again');
  } finally {
    await srv.close();
  }
});

test('a truncated or non-JSON answer is retried within the retry budget; when it persists the error names the provider and what came back', async () => {
  const chat = JSON.stringify(chatCompletion('Recovered'));
  const message = JSON.stringify({ id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-test', content: [{ type: 'text', text: 'Recovered' }], stop_reason: 'end_turn', usage: { input_tokens: 3, output_tokens: 2 } });
  const cases = [
    { provider: 'openai' as const, ok: chat, bad: [chat.slice(0, 40), '<html>Bad gateway</html>'], name: 'OpenAI' },
    { provider: 'anthropic' as const, ok: message, bad: [message.slice(0, 30), 'not json at all'], name: 'Anthropic' },
  ];
  for (const c of cases) {
    // Two malformed answers, then a good one: retried, and the attempts are counted.
    const flaky = await serve((_req, res, hit) => {
      const body = hit <= 2 ? c.bad[hit - 1]! : c.ok;
      res.writeHead(200, { 'Content-Type': hit === 2 ? 'text/html' : 'application/json' }).end(body);
    });
    try {
      const client = new LlmClient({ provider: c.provider, model: 'm', baseUrl: flaky.url, maxRetries: 3 }, c.provider === 'openai' ? OPENAI_KEY : ANTHROPIC_KEY);
      const result = await client.complete({ system: 's', user: 'u' });
      assert.equal(result.text, 'Recovered', c.name);
      assert.equal(result.attempts, 3, c.name);
      assert.equal(flaky.seen.length, 3);
    } finally {
      await flaky.close();
    }
    // Always truncated: maxRetries + 1 requests, then one line naming the provider and the body's start.
    const broken = await serve((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(c.bad[0]));
    try {
      const client = new LlmClient({ provider: c.provider, model: 'm', baseUrl: broken.url, maxRetries: 2 }, c.provider === 'openai' ? OPENAI_KEY : ANTHROPIC_KEY);
      await assert.rejects(client.complete({ system: 's', user: 'u' }), (err: unknown) => {
        assert.ok(err instanceof ApiError, String(err));
        assert.match(err.message, new RegExp(`^${c.name} returned a malformed answer .*after 3 requests`));
        assert.ok(err.message.includes(`it began ${JSON.stringify(c.bad[0]!).slice(0, 20)}`), err.message);
        return true;
      });
      assert.equal(broken.seen.length, 3, c.name);
    } finally {
      await broken.close();
    }
  }
});
