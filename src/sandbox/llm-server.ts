/**
 * LLM simulator: OpenAI Chat Completions (`POST /v1/chat/completions`) and Anthropic Messages
 * (`POST /v1/messages`), answering the documented shapes with a short deterministic markdown text
 * derived from the prompt: when the prompt asks for `## ` sections and carries a JSON fact pack,
 * one sentence per section quoting the facts' figures (correctly, unless a script item asks for a
 * wrong number). Every request is recorded with the time it arrived; faults (429 with
 * `retry-after`, 5xx, 529, `insufficient_quota`), fixed answers and hangs can be scripted, and the
 * faults every simulator shares (faults.ts: truncated or non-JSON bodies, hangs, delays, resets,
 * any status) queued.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLarge, fnv1a, jsonReply, listen, readBody, sendReply, sleep } from './http.js';
import { FaultQueue, describeFault, hang, nonJsonReply, reset, reshape, type CommonFault, type FaultRule } from './faults.js';

export type LlmApi = 'openai' | 'anthropic';

export type LlmScriptItem = (
  | { status: 429; retryAfterSeconds?: number; /** OpenAI only: `insufficient_quota` must not be retried. */ code?: 'rate_limit_exceeded' | 'insufficient_quota' }
  | { status: 500 | 502 | 503 | 529 }
  | { text: string }
  /** The usual section answer, but stating `wrongHours` as the first person's hours (a wrong figure to catch). */
  | { wrongHours: number }
  /** Answer (the usual way) only after `hangMs`: longer than the client's timeout, it never arrives. */
  | { hangMs: number }
  /** How small local models go wrong (see `LlmMode`). */
  | { mode: LlmMode }
) & { /** Only requests to this API take the item (default: the next request of either). */ api?: LlmApi };

/**
 * What a small local model does that a report must not print as checked, for the writer's tests:
 * - `invented-name`: the usual answer, with a project no fact holds ("the Firebrick toolset");
 * - `wrong-date`: the usual answer, with a date outside the period ("on 1999-03-14");
 * - `echo`: the last user message repeated word for word (as the answer to a correction request);
 * - `think`: the usual answer after a `<think>…</think>` block that invents a name;
 * - `empty`: no text at all (content "", finish_reason "stop");
 * - `garbage-section`: the usual answer with its last section a Python traceback.
 */
export const LLM_MODES = ['invented-name', 'wrong-date', 'echo', 'think', 'empty', 'garbage-section'] as const;
export type LlmMode = (typeof LLM_MODES)[number];

/** A shared fault (faults.ts); `api` limits it to one API. A status fault answers in that API's error shape. */
export type LlmFaultRule = FaultRule<CommonFault> & { api?: LlmApi };

export interface LlmServerOptions {
  faults?: LlmFaultRule[];
  port?: number;
  host?: string;
  /** Accepted key (Bearer for OpenAI, x-api-key for Anthropic). Without it any non-empty key passes. */
  apiKey?: string;
  latencyMs?: number;
  script?: LlmScriptItem[];
  /** Known models: any other answers 404 the way each API does. Default: every model exists. */
  models?: string[];
  /**
   * Requests answered at once, like a local server's parallel slots: the others wait in its queue
   * (each answer takes `latencyMs`). Default: no limit.
   */
  slots?: number;
}

export interface RecordedLlmRequest {
  method: string;
  path: string;
  api: LlmApi | null;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** Parsed JSON body (or the raw text when it was not JSON). */
  body: unknown;
  /** The status answered (0 while pending or when the client went away first). */
  status: number;
  /** When the request arrived (epoch ms). */
  at: number;
  /** 1 for the server's first request. */
  seq: number;
  /** The queued fault it took (`status 503`, `truncated`...), if any. */
  fault: string | null;
}

export interface LlmServer {
  url: string;
  port: number;
  /** `${url}/v1`, what the OpenAI SDK takes as baseURL (the Anthropic SDK takes `url`). */
  openaiBaseUrl: string;
  requests(): RecordedLlmRequest[];
  clearRequests(): void;
  /** The most requests that were being answered at once (not counting those queued for a slot). */
  maxInFlight(): number;
  /** Append scripted answers; each is consumed by one request. */
  enqueue(...items: LlmScriptItem[]): void;
  failNext(status: 429 | 500 | 502 | 503 | 529, count?: number, retryAfterSeconds?: number): void;
  answerNext(text: string, api?: LlmApi): void;
  /** Pending shared fault rules: `faults.push({ kind: 'truncated', api: 'openai' })`. */
  faults: FaultQueue<CommonFault, LlmFaultRule>;
  setFaults(rules: LlmFaultRule[]): void;
  close(): Promise<void>;
}

type Message = { role: string; content: unknown };

/** Plain text of a message content: a string, or an array of `{type:"text", text}` parts. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((p) => (typeof p === 'object' && p !== null && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : ''))
      .join('\n');
  }
  return '';
}

/** A rough token count (4 characters a token), at least 1. */
export function countTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/**
 * The deterministic answer: a "## Summary" that echoes the size and digest of the prompt and a few
 * of its lines, so tests can see the prompt reached the model.
 */
export function sandboxAnswer(system: string, messages: Message[], model: string): string {
  const all = [system, ...messages.map((m) => contentText(m.content))].join('\n');
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  const lines = contentText(lastUser?.content ?? '')
    .split('\n')
    .map((l) => l.replace(/^[\s#>*-]+/, '').trim())
    .filter((l) => /\p{L}/u.test(l));
  const facts = lines.slice(0, 3).map((l) => (l.length > 120 ? `${l.slice(0, 117)}...` : l));
  const hours = [...new Set(all.match(/\b\d+(?:\.\d+)?\s?h\b/g) ?? [])].slice(0, 5);
  const out = [
    '## Summary',
    `Sandbox answer from \`${model}\` to ${messages.length} message(s), ${all.length} characters of prompt (digest ${fnv1a(all).toString(16).padStart(8, '0')}).`,
    '',
    ...(facts.length > 0 ? facts.map((f) => `- ${f}`) : ['- (empty prompt)']),
  ];
  if (hours.length > 0) out.push('', '## Numbers noticed', `- ${hours.join(', ')}`);
  return `${out.join('\n')}\n`;
}

/** The `## Title` headings a prompt asks for (before its JSON facts). */
export function requestedSections(prompt: string): string[] {
  const before = prompt.split('```json')[0] ?? prompt;
  const titles = [...before.matchAll(/^\s*(?:\d+\.\s*)?"?##\s+(.+?)"?\s*$/gm)].map((m) => m[1]!.trim());
  return [...new Set(titles)];
}

/** The last ```json block of a prompt, parsed (null when there is none). */
export function promptFacts(prompt: string): Record<string, unknown> | null {
  const blocks = [...prompt.matchAll(/```json\s*\n([\s\S]*?)\n```/g)];
  const last = blocks[blocks.length - 1]?.[1];
  if (!last) return null;
  try {
    const value: unknown = JSON.parse(last);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const h1 = (n: number) => `${n.toFixed(1)} h`;

/**
 * A section-by-section answer built from the facts: the person (or the first person or member)
 * and their hours, the total, the largest entity. Every figure is copied from the facts unless
 * `wrongHours` replaces the person's hours.
 */
export function sectionAnswer(sections: string[], facts: Record<string, unknown>, wrongHours?: number): string {
  const obj = (v: unknown) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  const items = (v: unknown) => (Array.isArray(obj(v).items) ? (obj(v).items as unknown[]).map(obj) : []);
  const totals = obj(facts.totals);
  const total = typeof totals.hours === 'number' ? totals.hours : null;
  const first = items(facts.people)[0] ?? items(facts.members)[0];
  const person =
    typeof facts.person === 'string'
      ? { name: facts.person, hours: total }
      : first && typeof first.name === 'string'
        ? { name: first.name, hours: typeof first.hours === 'number' ? first.hours : null }
        : null;
  const entity = items(facts.entities)[0];
  const lines: string[] = [];
  sections.forEach((title, i) => {
    lines.push(`## ${title}`);
    if (i === 0) {
      const who = person && person.hours !== null ? `${person.name} tracked ${h1(wrongHours ?? person.hours)}.` : '';
      const all = typeof facts.person !== 'string' && total !== null ? ` The total tracked was ${h1(total)}.` : '';
      lines.push(`${who}${all}`.trim() || 'Little was tracked in this period.');
    } else if (i === 1 && entity && typeof entity.name === 'string' && typeof entity.hours === 'number') {
      lines.push(`- #${String(entity.id)} ${entity.name} took ${h1(entity.hours)}.`);
    } else {
      lines.push('Nothing more stands out in the facts.');
    }
    lines.push('');
  });
  return `${lines.join('\n').trim()}\n`;
}

/** The section answer spoilt the way `mode` says (see LLM_MODES). */
export function withMode(answer: string, mode: LlmMode | undefined): string {
  const firstSection = (extra: string) => answer.replace(/^(## .+\n)(.*)$/m, (_, heading: string, line: string) => `${heading}${line} ${extra}`);
  switch (mode) {
    case 'invented-name':
      return firstSection('Most of it went to the Firebrick toolset.');
    case 'wrong-date':
      return firstSection('The work was finished on 1999-03-14.');
    case 'think':
      return `<think>The user wants a report. I could mention the Firebrick toolset.</think>\n${answer}`;
    case 'garbage-section': {
      const at = Math.max(0, answer.lastIndexOf('\n## '));
      const heading = answer.slice(at).trim().split('\n')[0];
      return `${answer.slice(0, at)}\n${heading}\nTraceback (most recent call out):\n  File "report.py", line 1, in <module>\nKeyError: 'hours'\n`;
    }
    default:
      return answer;
  }
}

/** A value that satisfies a (simple) JSON schema, for `response_format: json_schema`. */
export function exampleFromSchema(schema: unknown, text: string, depth = 0): unknown {
  if (typeof schema !== 'object' || schema === null || depth > 8) return null;
  const s = schema as Record<string, unknown>;
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const list = s[key];
    if (Array.isArray(list) && list.length > 0) {
      const nonNull = list.find((x) => (x as { type?: unknown }).type !== 'null') ?? list[0];
      return exampleFromSchema(nonNull, text, depth + 1);
    }
  }
  const type = Array.isArray(s.type) ? (s.type as unknown[]).find((t) => t !== 'null') : s.type;
  switch (type) {
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, unknown>;
      return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, exampleFromSchema(v, text, depth + 1)]));
    }
    case 'array': {
      const min = typeof s.minItems === 'number' ? s.minItems : 1;
      return Array.from({ length: Math.max(1, min) }, () => exampleFromSchema(s.items, text, depth + 1));
    }
    case 'string':
      return text;
    case 'integer':
      return typeof s.minimum === 'number' ? Math.ceil(s.minimum) : 0;
    case 'number':
      return typeof s.minimum === 'number' ? s.minimum : 0;
    case 'boolean':
      return false;
    default:
      return null;
  }
}

function openaiError(status: number, message: string, type: string, code: string | null = null, param: string | null = null) {
  return { status, body: { error: { message, type, param, code } } };
}

function anthropicError(status: number, type: string, message: string) {
  return { status, body: { type: 'error', error: { type, message } } };
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

export async function startLlmServer(options: LlmServerOptions = {}): Promise<LlmServer> {
  const recorded: RecordedLlmRequest[] = [];
  const script: LlmScriptItem[] = [...(options.script ?? [])];
  const faults = new FaultQueue<CommonFault, LlmFaultRule>(options.faults ?? []);
  let seq = 0;

  const takeScript = (api: LlmApi): LlmScriptItem | undefined => {
    const i = script.findIndex((s) => s.api === undefined || s.api === api);
    return i < 0 ? undefined : script.splice(i, 1)[0];
  };

  const keyOk = (key: string | undefined) => !!key && (options.apiKey === undefined || key === options.apiKey);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '');
    const method = req.method ?? 'GET';
    const api: LlmApi | null = path === '/v1/chat/completions' ? 'openai' : path === '/v1/messages' ? 'anthropic' : null;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    let raw = '';
    try {
      raw = await readBody(req);
    } catch (err) {
      if (!(err instanceof BodyTooLarge)) throw err;
    }
    let body: unknown = raw;
    try {
      body = raw === '' ? null : JSON.parse(raw);
    } catch {
      // keep the raw text
    }
    const record: RecordedLlmRequest = { method, path: url.pathname, api, headers, body, status: 0, at: Date.now(), seq: ++seq, fault: null };
    recorded.push(record);
    const fault = faults.take(record.seq, url.pathname, (r) => r.api === undefined || r.api === api);
    if (fault) record.fault = describeFault(fault);
    if (fault?.kind === 'hang') return hang(res);
    if (fault?.kind === 'reset') return reset(res);
    const release = await slot();
    try {
      await sleep((options.latencyMs ?? 0) + (fault?.kind === 'delay' ? fault.ms : 0));
      await answerRequest(req, res, url, path, method, api, headers, body, record, fault);
    } finally {
      release();
    }
  }

  let inFlight = 0;
  let most = 0;
  const queue: (() => void)[] = [];
  /** Waits for one of `options.slots` (at once without a limit); returns its release. */
  async function slot(): Promise<() => void> {
    if (options.slots !== undefined && inFlight >= options.slots) await new Promise<void>((resolve) => queue.push(resolve));
    inFlight++;
    most = Math.max(most, inFlight);
    return () => {
      inFlight--;
      queue.shift()?.();
    };
  }

  async function answerRequest(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    path: string,
    method: string,
    api: LlmApi | null,
    headers: Record<string, string>,
    body: unknown,
    record: RecordedLlmRequest,
    fault: ReturnType<typeof faults.take>,
  ): Promise<void> {

    const send = (status: number, value: unknown, extra: Record<string, string> = {}) => {
      const requestId = `req_${randomBytes(8).toString('hex')}`;
      const reply = reshape(jsonReply(status, value, { ...extra, [api === 'anthropic' ? 'request-id' : 'x-request-id']: requestId }), fault);
      record.status = reply.status;
      sendReply(res, reply);
    };

    if (path === '/v1/models' && method === 'GET') {
      return send(200, { object: 'list', data: [{ id: 'sandbox-model', object: 'model', created: 1_700_000_000, owned_by: 'volt-sandbox' }] });
    }
    if (!api) return send(404, openaiError(404, `Unknown path ${url.pathname}`, 'invalid_request_error').body);
    if (method !== 'POST') return send(405, openaiError(405, 'Use POST', 'invalid_request_error').body);

    try {
      if (fault?.kind === 'status') throw failure(api, { status: fault.status, ...(fault.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: fault.retryAfterSeconds }) });
      const answer = api === 'openai' ? openai(headers, body) : anthropic(headers, body);
      if (answer.delayMs) {
        // A hang: answer late, or never when the client gives up first.
        let gone = false;
        res.once('close', () => (gone = !res.writableFinished));
        const started = Date.now();
        while (!gone && Date.now() - started < answer.delayMs) await sleep(Math.min(50, answer.delayMs - (Date.now() - started)));
        if (gone) return;
      }
      if (answer.stream) {
        if (fault?.kind === 'non-json') return sendReply(res, nonJsonReply());
        record.status = 200;
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
        // A truncated stream stops half-way, mid-event, without its final events.
        const events = fault?.kind === 'truncated' ? [...answer.events.slice(0, Math.floor(answer.events.length / 2)), answer.events[0]!.slice(0, 20)] : answer.events;
        for (const event of events) res.write(event);
        res.end();
        return;
      }
      return send(200, answer.body);
    } catch (err) {
      if (err instanceof HttpFailure) return send(err.status, err.body, err.headers);
      throw err;
    }
  }

  type Scripted = { text?: string; wrongHours?: number; hangMs?: number; mode?: LlmMode };

  /** Scripted faults for `api` (thrown), or how to answer. */
  function scripted(api: LlmApi): Scripted | undefined {
    const item = takeScript(api);
    if (!item) return undefined;
    if ('text' in item) return { text: item.text };
    if ('wrongHours' in item) return { wrongHours: item.wrongHours };
    if ('hangMs' in item) return { hangMs: item.hangMs };
    if ('mode' in item) return { mode: item.mode };
    throw failure(api, item);
  }

  type Answer = ({ stream: false; body: unknown } | { stream: true; events: string[] }) & { delayMs?: number };

  /** The text to answer: fixed, or the section answer when the prompt asks for sections, else the echo. */
  function answerText(fixed: Scripted | undefined, system: string, messages: Message[], model: string): string {
    if (fixed?.text !== undefined) return fixed.text;
    if (fixed?.mode === 'empty') return '';
    if (fixed?.mode === 'echo') return contentText([...messages].reverse().find((m) => m.role === 'user')?.content ?? '');
    const prompt = contentText(messages.find((m) => m.role === 'user')?.content ?? '');
    const sections = requestedSections(prompt);
    const facts = promptFacts(prompt);
    if (sections.length && facts) return withMode(sectionAnswer(sections, facts, fixed?.wrongHours), fixed?.mode);
    return sandboxAnswer(system, messages, model);
  }

  function openai(headers: Record<string, string>, body: unknown): Answer {
    const auth = headers.authorization ?? '';
    const key = /^Bearer\s+(.+)$/i.exec(auth)?.[1];
    if (!key) throw new HttpFailure(401, openaiError(401, "You didn't provide an API key. Provide it in an Authorization header (Bearer).", 'invalid_request_error').body);
    if (!keyOk(key)) throw new HttpFailure(401, openaiError(401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key').body);
    if (typeof body !== 'object' || body === null) throw new HttpFailure(400, openaiError(400, 'The request body must be a JSON object.', 'invalid_request_error').body);
    const b = body as Record<string, unknown>;
    if (typeof b.model !== 'string' || b.model === '') throw new HttpFailure(400, openaiError(400, 'you must provide a model parameter', 'invalid_request_error', null, 'model').body);
    if (!Array.isArray(b.messages) || b.messages.length === 0) {
      throw new HttpFailure(400, openaiError(400, "'messages' must be a non-empty array", 'invalid_request_error', null, 'messages').body);
    }
    const messages = b.messages as Message[];
    for (const [i, m] of messages.entries()) {
      if (typeof m !== 'object' || m === null || !['system', 'developer', 'user', 'assistant', 'tool'].includes(m.role)) {
        throw new HttpFailure(400, openaiError(400, `Invalid value for 'messages[${i}].role'`, 'invalid_request_error', 'invalid_value', `messages[${i}].role`).body);
      }
    }
    if (options.models && !options.models.includes(b.model)) {
      throw new HttpFailure(404, openaiError(404, `The model \`${b.model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found').body);
    }
    const maxTokens = (b.max_completion_tokens ?? b.max_tokens) as unknown;
    if (maxTokens !== undefined && maxTokens !== null && (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1)) {
      throw new HttpFailure(400, openaiError(400, "Invalid 'max_tokens': must be a positive integer", 'invalid_request_error', 'invalid_value', 'max_tokens').body);
    }
    const fixed = scripted('openai');
    const system = messages.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => contentText(m.content)).join('\n');
    const chat = messages.filter((m) => m.role !== 'system' && m.role !== 'developer');
    let text = answerText(fixed, system, chat, b.model);
    const format = b.response_format as { type?: string; json_schema?: { schema?: unknown } } | undefined;
    if (fixed?.text === undefined && format?.type === 'json_object') text = JSON.stringify({ summary: text.trim() });
    if (fixed?.text === undefined && format?.type === 'json_schema') text = JSON.stringify(exampleFromSchema(format.json_schema?.schema, text.trim()));
    const { content, truncated, completionTokens } = limit(text, typeof maxTokens === 'number' ? maxTokens : undefined);
    const promptTokens = countTokens(messages.map((m) => contentText(m.content)).join('\n'));
    const id = `chatcmpl-${randomBytes(12).toString('hex')}`;
    const created = Math.floor(Date.now() / 1000);
    const finish = truncated ? 'length' : 'stop';
    const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
    if (b.stream === true) {
      const chunk = (delta: object, finishReason: string | null, extra: object = {}) =>
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: b.model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }], ...extra })}\n\n`;
      const events = [chunk({ role: 'assistant', content: '' }, null), ...pieces(content).map((p) => chunk({ content: p }, null)), chunk({}, finish)];
      const so = b.stream_options as { include_usage?: boolean } | undefined;
      if (so?.include_usage) events.push(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: b.model, choices: [], usage })}\n\n`);
      events.push('data: [DONE]\n\n');
      return { stream: true, events, ...(fixed?.hangMs ? { delayMs: fixed.hangMs } : {}) };
    }
    return {
      stream: false,
      ...(fixed?.hangMs ? { delayMs: fixed.hangMs } : {}),
      body: {
        id,
        object: 'chat.completion',
        created,
        model: b.model,
        choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: finish }],
        usage,
        system_fingerprint: 'fp_sandbox',
      },
    };
  }

  function anthropic(headers: Record<string, string>, body: unknown): Answer {
    const key = headers['x-api-key'] ?? /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '')?.[1];
    if (!keyOk(key)) {
      const e = anthropicError(401, 'authentication_error', key ? 'invalid x-api-key' : 'x-api-key header is required');
      throw new HttpFailure(e.status, e.body);
    }
    const bad = (message: string) => {
      const e = anthropicError(400, 'invalid_request_error', message);
      return new HttpFailure(e.status, e.body);
    };
    if (!headers['anthropic-version']) throw bad('anthropic-version: header is required');
    if (typeof body !== 'object' || body === null) throw bad('The request body must be a JSON object');
    const b = body as Record<string, unknown>;
    if (typeof b.model !== 'string' || b.model === '') throw bad('model: Field required');
    if (options.models && !options.models.includes(b.model)) {
      const e = anthropicError(404, 'not_found_error', `model: ${b.model}`);
      throw new HttpFailure(e.status, e.body);
    }
    if (b.max_tokens === undefined) throw bad('max_tokens: Field required');
    if (typeof b.max_tokens !== 'number' || !Number.isInteger(b.max_tokens) || b.max_tokens < 1) throw bad('max_tokens: Input should be a positive integer');
    if (!Array.isArray(b.messages) || b.messages.length === 0) throw bad('messages: at least one message is required');
    const messages = b.messages as Message[];
    for (const [i, m] of messages.entries()) {
      if (typeof m !== 'object' || m === null || !['user', 'assistant'].includes(m.role)) {
        throw bad(`messages.${i}.role: Input should be 'user' or 'assistant' (use the top-level system parameter)`);
      }
    }
    const fixed = scripted('anthropic');
    const system = contentText(b.system);
    const text = answerText(fixed, system, messages, b.model);
    const { content, truncated, completionTokens } = limit(text, b.max_tokens);
    const inputTokens = countTokens([system, ...messages.map((m) => contentText(m.content))].join('\n'));
    const id = `msg_${randomBytes(12).toString('hex')}`;
    const stopReason = truncated ? 'max_tokens' : 'end_turn';
    if (b.stream === true) {
      const ev = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
      const events = [
        ev('message_start', {
          message: { id, type: 'message', role: 'assistant', content: [], model: b.model, stop_reason: null, stop_sequence: null, usage: { input_tokens: inputTokens, output_tokens: 1 } },
        }),
        ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
        ...pieces(content).map((p) => ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: p } })),
        ev('content_block_stop', { index: 0 }),
        ev('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: completionTokens } }),
        ev('message_stop', {}),
      ];
      return { stream: true, events, ...(fixed?.hangMs ? { delayMs: fixed.hangMs } : {}) };
    }
    return {
      stream: false,
      ...(fixed?.hangMs ? { delayMs: fixed.hangMs } : {}),
      body: {
        id,
        type: 'message',
        role: 'assistant',
        content: [{ type: 'text', text: content }],
        model: b.model,
        stop_reason: stopReason,
        stop_sequence: null,
        usage: { input_tokens: inputTokens, output_tokens: completionTokens },
      },
    };
  }

  const listening = await listen(handle, options.port ?? 0, options.host);
  return {
    url: listening.url,
    port: listening.port,
    openaiBaseUrl: `${listening.url}/v1`,
    requests: () => recorded.map((r) => ({ ...r })),
    maxInFlight: () => most,
    clearRequests: () => {
      recorded.length = 0;
    },
    enqueue: (...items) => {
      script.push(...items);
    },
    failNext: (status, count = 1, retryAfterSeconds) => {
      for (let i = 0; i < count; i++) {
        script.push(status === 429 ? { status, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) } : { status });
      }
    },
    answerNext: (text, api) => {
      script.push({ text, ...(api ? { api } : {}) });
    },
    faults,
    setFaults: (rules) => faults.set(rules),
    close: () => listening.close(),
  };
}

/** An error in the API's own shape; a 429 carries `retry-after` (1 s unless given). */
function failure(api: LlmApi, item: { status: number; retryAfterSeconds?: number; code?: 'rate_limit_exceeded' | 'insufficient_quota' }): HttpFailure {
  const retryAfter = item.status === 429 ? String(item.retryAfterSeconds ?? 1) : item.retryAfterSeconds === undefined ? undefined : String(item.retryAfterSeconds);
  if (api === 'openai') {
    const e =
      item.status === 429
        ? item.code === 'insufficient_quota'
          ? openaiError(429, 'You exceeded your current quota, please check your plan and billing details.', 'insufficient_quota', 'insufficient_quota')
          : openaiError(429, 'Rate limit reached for requests (sandbox).', 'requests', 'rate_limit_exceeded')
        : item.status === 529
          ? openaiError(529, 'The server is overloaded (sandbox).', 'overloaded_error')
          : openaiError(item.status, 'The server had an error while processing your request (sandbox).', 'server_error');
    const h: Record<string, string> = retryAfter ? { 'retry-after': retryAfter, 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': `${retryAfter}s` } : {};
    return new HttpFailure(e.status, e.body, h);
  }
  const e =
    item.status === 429
      ? anthropicError(429, 'rate_limit_error', 'Number of requests has exceeded your rate limit (sandbox).')
      : item.status === 529
        ? anthropicError(529, 'overloaded_error', 'Overloaded')
        : anthropicError(item.status, 'api_error', 'Internal server error (sandbox)');
  return new HttpFailure(e.status, e.body, retryAfter ? { 'retry-after': retryAfter } : {});
}

function limit(text: string, maxTokens: number | undefined): { content: string; truncated: boolean; completionTokens: number } {
  const tokens = countTokens(text);
  if (maxTokens === undefined || tokens <= maxTokens) return { content: text, truncated: false, completionTokens: tokens };
  return { content: text.slice(0, maxTokens * 4), truncated: true, completionTokens: maxTokens };
}

/** Split a text into stream deltas of a few words each. */
function pieces(text: string): string[] {
  const parts = text.match(/\S*\s*/g)?.filter((p) => p !== '') ?? [];
  const out: string[] = [];
  for (let i = 0; i < parts.length; i += 4) out.push(parts.slice(i, i + 4).join(''));
  return out.length > 0 ? out : [''];
}
