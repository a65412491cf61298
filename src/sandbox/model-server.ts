/**
 * A real small model behind an OpenAI-compatible `POST /v1/chat/completions` (and `GET
 * /v1/models`): what a team without an API budget runs through Ollama or LM Studio, here a GGUF run
 * in-process by `node-llama-cpp` on the CPU, one thread, one request at a time (the others wait in
 * its queue, as a local server's do). Deterministic enough for tests: temperature as asked, a fixed
 * seed. The answer's usage counts the model's own tokens.
 *
 * `node-llama-cpp` is a dev dependency, loaded only when a model server starts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonReply, listen, readBody, sendReply } from './http.js';

export interface ModelServerOptions {
  /** The GGUF file (see model-files.ts). */
  modelPath: string;
  port?: number;
  /** CPU threads (default 1: two collapse on a busy two-core machine). */
  threads?: number;
  /** Tokens of context (default 8192, SmolLM2's training context). */
  contextSize?: number;
  /** The model name it answers with (default the file's name). */
  model?: string;
}

export interface ModelServer {
  url: string;
  /** `${url}/v1`: OPENAI_BASE_URL. */
  openaiBaseUrl: string;
  model: string;
  contextSize: number;
  /** Requests answered, and the most that were being answered at once (always 1). */
  stats(): { answered: number; maxInFlight: number; promptTokens: number; completionTokens: number };
  close(): Promise<void>;
}

type Message = { role: string; content: unknown };

const text = (content: unknown): string =>
  typeof content === 'string'
    ? content
    : Array.isArray(content)
      ? content.map((p) => (typeof p === 'object' && p !== null && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('\n')
      : '';

function openaiError(status: number, message: string, param: string | null = null) {
  return jsonReply(status, { error: { message, type: 'invalid_request_error', param, code: null } });
}

export async function startModelServer(options: ModelServerOptions): Promise<ModelServer> {
  const { getLlama, LlamaChatSession } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never, maxThreads: options.threads ?? 1 });
  const model = await llama.loadModel({ modelPath: options.modelPath });
  const contextSize = options.contextSize ?? Math.min(8192, model.trainContextSize);
  const context = await model.createContext({ contextSize, sequences: 1, threads: options.threads ?? 1 });
  const sequence = context.getSequence();
  const name = options.model ?? options.modelPath.split(/[\\/]/).pop()!.replace(/\.gguf$/i, '');
  const stats = { answered: 0, maxInFlight: 0, promptTokens: 0, completionTokens: 0 };
  let inFlight = 0;
  let queue: Promise<unknown> = Promise.resolve();

  /** One completion, after the ones before it (one sequence: one at a time). */
  function complete(messages: Message[], maxTokens: number | undefined, temperature: number | undefined) {
    const run = async () => {
      inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
      try {
        await sequence.clearHistory();
        const session = new LlamaChatSession({ contextSequence: sequence, autoDisposeSequence: false });
        try {
          const history = messages.slice(0, -1).map((m) =>
            m.role === 'assistant' ? { type: 'model' as const, response: [text(m.content)] } : m.role === 'user' ? { type: 'user' as const, text: text(m.content) } : { type: 'system' as const, text: text(m.content) },
          );
          session.setChatHistory(history);
          const last = text(messages[messages.length - 1]?.content);
          const room = contextSize - model.tokenize(messages.map((m) => text(m.content)).join('\n')).length - 64;
          if (room < 16) throw Object.assign(new Error(`the prompt does not fit the model's context of ${contextSize} tokens`), { status: 400 });
          let finish: 'stop' | 'length' = 'stop';
          const limit = Math.max(1, Math.min(maxTokens ?? room, room));
          const answer = await session.prompt(last, {
            maxTokens: limit,
            temperature: temperature ?? 0,
            seed: 42,
            onResponseChunk: () => {},
          });
          const completionTokens = model.tokenize(answer).length;
          if (completionTokens >= limit) finish = 'length';
          const promptTokens = model.tokenize(messages.map((m) => text(m.content)).join('\n')).length;
          stats.answered++;
          stats.promptTokens += promptTokens;
          stats.completionTokens += completionTokens;
          return { answer, finish, promptTokens, completionTokens };
        } finally {
          session.dispose({ disposeSequence: false });
        }
      } finally {
        inFlight--;
      }
    };
    const next = queue.then(run, run);
    queue = next.catch(() => {});
    return next;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const route = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '');
    if (req.method === 'GET' && route === '/stats') return sendReply(res, jsonReply(200, stats));
    if (req.method === 'GET' && route === '/v1/models') {
      return sendReply(res, jsonReply(200, { object: 'list', data: [{ id: name, object: 'model', created: 0, owned_by: 'volt-sandbox' }] }));
    }
    if (route !== '/v1/chat/completions') return sendReply(res, openaiError(404, `Unknown path ${route}`));
    if (req.method !== 'POST') return sendReply(res, openaiError(405, 'Use POST'));
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(await readBody(req)) as Record<string, unknown>;
    } catch {
      return sendReply(res, openaiError(400, 'The request body must be JSON.'));
    }
    const messages = body.messages;
    if (!Array.isArray(messages) || messages.length === 0) return sendReply(res, openaiError(400, "'messages' must be a non-empty array", 'messages'));
    const maxTokens = (body.max_tokens ?? body.max_completion_tokens) as number | undefined;
    const temperature = typeof body.temperature === 'number' ? body.temperature : undefined;
    try {
      const { answer, finish, promptTokens, completionTokens } = await complete(messages as Message[], typeof maxTokens === 'number' ? maxTokens : undefined, temperature);
      sendReply(
        res,
        jsonReply(200, {
          id: `chatcmpl-${stats.answered}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: name,
          choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: finish }],
          usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
        }),
      );
    } catch (error) {
      const status = (error as { status?: number }).status ?? 500;
      sendReply(res, openaiError(status, error instanceof Error ? error.message : String(error)));
    }
  }

  const listening = await listen(handle, options.port ?? 0);
  return {
    url: listening.url,
    openaiBaseUrl: `${listening.url}/v1`,
    model: name,
    contextSize,
    stats: () => ({ ...stats }),
    close: async () => {
      await listening.close();
      await queue;
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
}

/**
 * The model server in a process of its own (`node model-server.js <gguf>`), as a local server is:
 * its CPU work never delays the caller's event loop (a Temporal worker's workflow tasks).
 */
export async function spawnModelServer(options: Omit<ModelServerOptions, 'port'>): Promise<Omit<ModelServer, 'stats'> & { stats(): Promise<ReturnType<ModelServer['stats']>> }> {
  const { spawn } = await import('node:child_process');
  const self = fileURLToPath(import.meta.url);
  const args = [...(self.endsWith('.ts') ? ['--import', 'tsx'] : []), self, JSON.stringify(options)];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const started = await new Promise<{ url: string; model: string; contextSize: number }>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line) as { url: string; model: string; contextSize: number });
    });
    child.once('exit', (code) => reject(new Error(`the model server exited (${code}) before it listened`)));
  });
  return {
    url: started.url,
    openaiBaseUrl: `${started.url}/v1`,
    model: started.model,
    contextSize: started.contextSize,
    stats: async () => (await (await fetch(`${started.url}/stats`)).json()) as ReturnType<ModelServer['stats']>,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

// `node model-server.js '{"modelPath": …}'`: serve until SIGTERM, print {url, model, contextSize}.
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const server = await startModelServer(JSON.parse(process.argv[2] ?? '{}') as ModelServerOptions);
  process.stdout.write(`${JSON.stringify({ url: server.url, model: server.model, contextSize: server.contextSize })}\n`);
  process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
}
