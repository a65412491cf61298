/**
 * An LLM provider is its file plus its line in src/llm/providers/index.ts, nothing else: a copy of
 * src/ gets a throwaway provider that way, and in that copy the provider is accepted by config.yaml
 * and the environment schema, pre-flighted, masked in messages, fingerprinted by the background
 * service, and completes against the LLM simulator. In this checkout (without the line) the same
 * name is refused.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AppConfigSchema } from '../src/config/app-config.js';
import { parseEnv } from '../src/config/env.js';
import { startLlmServer } from '../src/sandbox/llm-server.js';
import { json, serve } from './support/fake-http.js';

/** The checkout's sources (the compiled tests of `npm test` link package.json from it). */
const ROOT = path.dirname(realpathSync(fileURLToPath(new URL('../package.json', import.meta.url))));
const KEY = 'tw-throwaway-key-0123456789';
const WRONG_KEY = 'tw-wrong-key-9876543210';

/** The provider's file: OpenAI's wire format over plain fetch, so it needs no SDK of its own. */
const PROVIDER_FILE = `
import { defineProvider, MalformedAnswer } from '../provider.js';

class StatusError extends Error {
  constructor(readonly status: number, readonly body: unknown) {
    super(\`HTTP \${status}\`);
  }
}

type Answer = { model?: string; choices?: { message?: { content?: unknown }; finish_reason?: string }[]; usage?: { prompt_tokens?: number; completion_tokens?: number } };

export const throwaway = defineProvider({
  name: 'throwaway',
  defaultModel: 'throwaway-1',
  keyVariable: 'THROWAWAY_API_KEY',
  keyFix: 'copy the key from the throwaway console again',
  baseUrlVariable: 'THROWAWAY_BASE_URL',
  baseUrlFix: 'use the URL of the throwaway server, or unset it',
  defaultBaseUrl: 'https://throwaway.invalid',
  envPrefix: 'THROWAWAY_',
  keylessWithBaseUrl: false,
  keyPrefix: 'tw-',
  serverName: (baseUrl) => (baseUrl ? \`the throwaway server at \${new URL(baseUrl).host}\` : 'Throwaway'),
  async connect(options) {
    const base = (options.baseUrl ?? 'https://throwaway.invalid').replace(/\\/+$/, '');
    return {
      async complete(call) {
        const res = await options.fetch(\`\${base}/v1/chat/completions\`, {
          method: 'POST',
          headers: { authorization: \`Bearer \${options.apiKey}\`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: call.model, messages: [{ role: 'system', content: call.system }, ...call.turns], max_tokens: call.maxTokens }),
          signal: call.signal,
        });
        const body = (await res.json().catch(() => {
          throw new MalformedAnswer('not JSON');
        })) as Answer;
        if (!res.ok) throw new StatusError(res.status, body);
        const choice = body.choices?.[0];
        if (typeof choice?.message?.content !== 'string') throw new MalformedAnswer('no choice');
        return {
          text: choice.message.content,
          model: body.model ?? call.model,
          input_tokens: body.usage?.prompt_tokens ?? null,
          output_tokens: body.usage?.completion_tokens ?? null,
          truncated: choice.finish_reason === 'length',
          stop: \`finish_reason \${choice.finish_reason ?? 'unknown'}\`,
        };
      },
      failure: (error) =>
        error instanceof StatusError
          ? { kind: 'status', status: error.status, body: error.body, message: error.message }
          : error instanceof TypeError
            ? { kind: 'connection', timedOut: false, message: error.message }
            : null,
    };
  },
});
`;

/** Runs in the copy: every place a provider must reach, each result as JSON. */
const CHECK_SCRIPT = `
import { loadAppConfig } from './src/config/app-config.js';
import { parseEnv } from './src/config/env.js';
import { preflightRun } from './src/cli/preflight.js';
import { fingerprintMaterial } from './src/cli/service/state.js';
import { createLlmClient } from './src/llm/client.js';

const [simUrl, echoUrl, configDir, work] = process.argv.slice(2);
const base = { VOLT_CONFIG_DIR: configDir, VOLT_STATE_DIR: work + '/state', HOME: work };
const problem = async (work) => {
  try {
    await work();
    return null;
  } catch (error) {
    return error.message;
  }
};
const request = { sandbox: true, outputDir: work + '/output', datasetPath: null, deliver: [] };
const app = await loadAppConfig(configDir, null);
const client = createLlmClient({ ...base, THROWAWAY_API_KEY: '${KEY}', THROWAWAY_BASE_URL: simUrl }, app.llm);
const answer = await client.complete({ system: 'You write reports.', user: 'Summarise the week.' });
const wrong = createLlmClient({ ...base, THROWAWAY_API_KEY: '${WRONG_KEY}', THROWAWAY_BASE_URL: echoUrl }, app.llm);
const material = (key) => fingerprintMaterial(parseEnv({ ...base, THROWAWAY_API_KEY: key }));
console.log(JSON.stringify({
  configProvider: app.llm.provider,
  badBaseUrl: await problem(() => parseEnv({ THROWAWAY_BASE_URL: 'not a url' })),
  badKey: await problem(() => parseEnv({ THROWAWAY_API_KEY: 'tw-two words' })),
  unknownProvider: await problem(() => parseEnv({ VOLT_LLM_PROVIDER: 'nonesuch' })),
  preflightWithoutKey: await problem(() => preflightRun(request, parseEnv(base))),
  preflightWithKey: await problem(() => preflightRun(request, parseEnv({ ...base, THROWAWAY_API_KEY: '${KEY}' }))),
  answer: { text: answer.text, provider: answer.provider, model: answer.model },
  wrongKeyError: await problem(() => wrong.complete({ system: 's', user: 'u' })),
  fingerprintSeesKey: (await material('${KEY}')) !== (await material('${WRONG_KEY}')),
}));
`;

async function throwawayCopy(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'volt-provider-'));
  await cp(path.join(ROOT, 'src'), path.join(dir, 'src'), { recursive: true });
  await cp(path.join(ROOT, 'config'), path.join(dir, 'config'), { recursive: true });
  await cp(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  // The provider's file and its line in the registry (with the import the line needs): nothing else.
  await writeFile(path.join(dir, 'src/llm/providers/throwaway.ts'), PROVIDER_FILE);
  const registry = path.join(dir, 'src/llm/providers/index.ts');
  const text = await readFile(registry, 'utf8');
  const edited = text.replace("import { openai } from './openai.js';", "import { openai } from './openai.js';\nimport { throwaway } from './throwaway.js';").replace(/(export const PROVIDERS = registry\(\{[^}]*)\}\);/, '$1  throwaway,\n});');
  assert.notEqual(edited, text);
  assert.match(edited, /throwaway,\n\}\);/);
  await writeFile(registry, edited);
  await writeFile(path.join(dir, 'config/config.yaml'), 'llm:\n  provider: throwaway\n');
  await writeFile(path.join(dir, 'check.ts'), CHECK_SCRIPT);
  return dir;
}

test('without its registry line, a provider name is refused by config and the environment', () => {
  assert.equal(AppConfigSchema.safeParse({ llm: { provider: 'throwaway' } }).success, false);
  assert.throws(() => parseEnv({ VOLT_LLM_PROVIDER: 'throwaway' }), /VOLT_LLM_PROVIDER="throwaway" is not a known LLM provider: use one of openai, anthropic/);
});

test('a throwaway provider (a file and a registry line) is configured, pre-flighted, masked, fingerprinted and completes', async () => {
  const sim = await startLlmServer({ apiKey: KEY });
  const echo = await serve((_req, res) => json(res, 401, { error: { message: `Incorrect API key provided: ${WRONG_KEY}; keys look like tw-abcdefghijkl`, type: 'invalid_request_error' } }));
  const dir = await throwawayCopy();
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'check.ts', sim.url, echo.url, path.join(dir, 'config'), dir], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '' },
      timeout: 120_000,
    });
    const r = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown> & { answer: { text: string; provider: string; model: string } };
    assert.equal(r.configProvider, 'throwaway');
    assert.match(String(r.badBaseUrl), /^THROWAWAY_BASE_URL="not a url" is not an http\(s\) URL: use the URL of the throwaway server/);
    assert.match(String(r.badKey), /^THROWAWAY_API_KEY contains whitespace: copy the key from the throwaway console again$/);
    assert.match(String(r.unknownProvider), /use one of openai, anthropic, throwaway/);
    assert.equal(r.preflightWithoutKey, 'LLM provider is throwaway but THROWAWAY_API_KEY is not set');
    assert.equal(r.preflightWithKey, null);
    assert.equal(r.answer.provider, 'throwaway');
    assert.equal(r.answer.model, 'throwaway-1');
    assert.match(r.answer.text, /^## Summary\nSandbox answer from `throwaway-1`/);
    const [asked] = sim.requests();
    assert.equal(asked?.path, '/v1/chat/completions');
    assert.equal(asked?.headers.authorization, `Bearer ${KEY}`);
    // The server is named the provider's way, the key and anything shaped like its keys are masked.
    const error = String(r.wrongKeyError);
    assert.match(error, new RegExp(`^the throwaway server at ${new URL(echo.url).host} 401: Incorrect API key provided: \\*\\*\\*; keys look like tw-abc\\*\\*\\*`));
    assert.ok(!error.includes(WRONG_KEY) && !error.includes('abcdefghijkl'), error);
    assert.equal(r.fingerprintSeesKey, true);
  } finally {
    await Promise.all([sim.close(), echo.close(), rm(dir, { recursive: true, force: true })]);
  }
});
