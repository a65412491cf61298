/**
 * Fibery simulator: one GraphQL schema per space (`POST /api/graphql/space/{Space_Name}`, see
 * fibery-schema.ts), introspection enabled, the documented rate limit (per token and per workspace,
 * as src/http/budgets.ts states it, then 429; on by default), fault injection per space and a request log.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphQLError, Kind, execute, parse, validate, type DocumentNode, type ExecutionResult, type FieldNode, type FragmentDefinitionNode, type GraphQLSchema, type SelectionSetNode } from 'graphql';
import { API_BUDGETS } from '../http/budgets.js';
import { BodyTooLarge, header, jsonReply, listen, onDone, readBody, sendReply, sleep, stableUuid, type Reply } from './http.js';
import type { Dataset, DatasetRelationRef, DatasetSpace } from './dataset.js';
import { FaultQueue, describeFault, hang, reasonPhrase, reset, reshape, retryAfterHeader, type CommonFault, type FaultRule } from './faults.js';
import { SlidingWindow } from './limits.js';
import { RequestLog, hashToken, type RequestLogEntry } from './request-log.js';
import { buildSpaceSchema, type FiberyContext } from './fibery-schema.js';
import { createFiberyCommands, REPORT_TYPE, writableTypesOf, type FiberyCommandsSimulator, type FiberyWritableType } from './fibery-commands.js';
import { spacePathName } from './fibery-naming.js';
import { datasetDocuments } from './fibery-documents.js';
import { workspaceSchemaOf } from './fibery-workspace-schema.js';

export * from './fibery-naming.js';
export { buildSpaceSchema } from './fibery-schema.js';

export type FiberyFault =
  | CommonFault
  /** HTTP 200 with a GraphQL `errors` array: `data: null` (default) or partial data (the last top-level field null). */
  | { kind: 'graphql-errors'; data?: 'null' | 'partial'; message?: string };
/** `space` limits a rule to one space (its name or its path segment). */
export type FiberyFaultRule = FaultRule<FiberyFault> & { space?: string };

/** The older style of rule: the next `count` requests answer `status`. */
export interface FiberyFailNextRule {
  status: number;
  count: number;
  /** Adds a `Retry-After` header (Fibery's is UNCONFIRMED, so none by default). */
  retryAfterSeconds?: number;
}

export interface FiberyFaults {
  rules?: FiberyFaultRule[];
  failNext?: FiberyFailNextRule[];
  /** Delay per request, on top of the server's latencyMs. */
  latencyMs?: number;
}

/** The documented limit: sliding one-second windows per token and per workspace. */
export interface FiberyRateLimitOptions {
  /** Requests per window per token (default: the documented one). */
  perToken?: number;
  /** Requests per window for the whole workspace (default: the documented one). */
  perWorkspace?: number;
  /** Default 1000. */
  windowMs?: number;
  /** Add `Retry-After` to the 429 (UNCONFIRMED that Fibery does; none by default). */
  retryAfterSeconds?: number;
}

export const FIBERY_RATE_LIMIT = { perToken: API_BUDGETS.fibery.perToken, perWorkspace: API_BUDGETS.fibery.perWorkspace, windowMs: 1000 } as const;

export interface FiberyServerOptions {
  dataset: Dataset;
  token: string;
  /** More accepted tokens (other users of the same workspace), to exercise the per-workspace limit. */
  extraTokens?: string[];
  port?: number;
  host?: string;
  /** Delay per request, applied while the request counts as in flight. */
  latencyMs?: number;
  faults?: FiberyFaults | FiberyFaultRule[];
  /** The rate limit (default: the documented one, FIBERY_RATE_LIMIT); false: none. */
  rateLimit?: FiberyRateLimitOptions | false;
  /** Older option: requests per second per token (the workspace limit stays as documented). */
  rateLimitPerSecond?: number;
  /** HTTP status for GraphQL parse/validation errors: 200 (default) or 400 (UNCONFIRMED which Fibery uses). */
  validationErrorStatus?: 200 | 400;
  /** Types the commands API can create, besides the dataset's (default: the sample report type). */
  writableTypes?: FiberyWritableType[];
}

export interface FiberyStats {
  requests: number;
  graphql_requests: number;
  /** Top-level `find*` fields over all GraphQL requests (one per alias). */
  aliases_total: number;
  in_flight: number;
  max_in_flight: number;
  /** Most simultaneous requests touching each "Space/Type". */
  in_flight_by_type: Record<string, number>;
  /** GraphQL requests per "Space/Type". */
  requests_by_type: Record<string, number>;
  by_status: Record<string, number>;
}

export interface FiberyLogEntry extends RequestLogEntry {
  /** The space's path segment (null outside /api/graphql/space/...). */
  space: string | null;
  /** The `find*` queries the request ran, one per alias. */
  queries: string[];
  /** The public ids its filters asked for (`publicId: {is}` / `{in}`), in order. */
  publicIds: string[];
}

export interface FiberyServer {
  url: string;
  port: number;
  stats(): FiberyStats;
  resetStats(): void;
  /** Pending fault rules: `faults.push({ kind: 'graphql-errors', space: 'Scrum' })`. */
  faults: FaultQueue<FiberyFault, FiberyFaultRule>;
  setFaults(faults: FiberyFaults | FiberyFaultRule[]): void;
  failNext(status?: number, count?: number, retryAfterSeconds?: number): void;
  setLatency(ms: number): void;
  requestLog(): FiberyLogEntry[];
  clearRequestLog(): void;
  /** Space path segment → the schema served there (for tests and tooling). */
  schemas: ReadonlyMap<string, GraphQLSchema>;
  /** The commands and documents APIs: what they received and created. */
  commands: FiberyCommandsSimulator;
  close(): Promise<void>;
}

interface SpaceEndpoint {
  space: DatasetSpace;
  schema: GraphQLSchema;
  /** query field name → "Space/Type" */
  typeOfField: Map<string, string>;
}

function emptyStats(): FiberyStats {
  return { requests: 0, graphql_requests: 0, aliases_total: 0, in_flight: 0, max_in_flight: 0, in_flight_by_type: {}, requests_by_type: {}, by_status: {} };
}

function toRules(f: FiberyFaults | FiberyFaultRule[] | undefined): { rules: FiberyFaultRule[]; latencyMs: number } {
  if (!f) return { rules: [], latencyMs: 0 };
  if (Array.isArray(f)) return { rules: f, latencyMs: 0 };
  const legacy = (f.failNext ?? []).map((r): FiberyFaultRule => ({ kind: 'status', ...r }));
  return { rules: [...(f.rules ?? []), ...legacy], latencyMs: f.latencyMs ?? 0 };
}

interface ResolvedRateLimit {
  perToken: number;
  perWorkspace: number;
  windowMs: number;
  retryAfterSeconds?: number;
}

function rateLimitOf(options: FiberyServerOptions): ResolvedRateLimit | null {
  if (options.rateLimit === false) return null;
  const given = options.rateLimit ?? {};
  return {
    perToken: given.perToken ?? options.rateLimitPerSecond ?? FIBERY_RATE_LIMIT.perToken,
    perWorkspace: given.perWorkspace ?? FIBERY_RATE_LIMIT.perWorkspace,
    windowMs: given.windowMs ?? FIBERY_RATE_LIMIT.windowMs,
    ...(given.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: given.retryAfterSeconds }),
  };
}

/** Top-level fields of the operation that will run (fragments followed). */
function topLevelFields(doc: DocumentNode, operationName: string | undefined): FieldNode[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const ops = doc.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const op = operationName ? ops.find((o) => o.name?.value === operationName) : ops[0];
  if (!op) return [];
  const out: FieldNode[] = [];
  const seenFragments = new Set<string>();
  const walk = (set: SelectionSetNode) => {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) out.push(s);
      else if (s.kind === Kind.INLINE_FRAGMENT) walk(s.selectionSet);
      else if (!seenFragments.has(s.name.value)) {
        seenFragments.add(s.name.value);
        const f = fragments.get(s.name.value);
        if (f) walk(f.selectionSet);
      }
    }
  };
  walk(op.selectionSet);
  return out;
}

/** The fault's GraphQL errors applied to a real result. */
function withGraphqlErrors(result: ExecutionResult, fault: { data?: 'null' | 'partial'; message?: string }): unknown {
  const message = fault.message ?? 'Internal server error (sandbox fault)';
  const data = result.data as Record<string, unknown> | null | undefined;
  const keys = data ? Object.keys(data) : [];
  if (fault.data !== 'partial' || !data || keys.length === 0) return { data: null, errors: [{ message, extensions: { code: 'INTERNAL_SERVER_ERROR' } }] };
  const last = keys[keys.length - 1]!;
  return { data: { ...data, [last]: null }, errors: [{ message, path: [last], extensions: { code: 'INTERNAL_SERVER_ERROR' } }] };
}

export async function startFiberyServer(options: FiberyServerOptions): Promise<FiberyServer> {
  const { dataset } = options;
  const tokens = new Set([options.token, ...(options.extraTokens ?? [])]);
  const faults = new FaultQueue<FiberyFault, FiberyFaultRule>();
  let faultLatency = 0;
  const setFaults = (f: FiberyFaults | FiberyFaultRule[]) => {
    const { rules, latencyMs } = toRules(f);
    faults.set(rules);
    faultLatency = latencyMs;
  };
  setFaults(options.faults ?? []);
  let baseLatency = options.latencyMs ?? 0;
  const limit = rateLimitOf(options);
  const workspaceWindow = limit ? new SlidingWindow(limit.perWorkspace, limit.windowMs) : null;
  const tokenWindows = new Map<string, SlidingWindow>();
  const log = new RequestLog<Omit<FiberyLogEntry, keyof RequestLogEntry>>();
  const endpoints = buildEndpoints(dataset);
  const writable = [...writableTypesOf(dataset), ...(options.writableTypes ?? [REPORT_TYPE])];
  const workspaceSchema = workspaceSchemaOf(dataset, writable);
  const commands = createFiberyCommands({ types: writable, documents: datasetDocuments(dataset), schema: () => workspaceSchema });

  let stats = emptyStats();
  let inFlight = 0;
  const inFlightByType = new Map<string, number>();

  /**
   * Both windows must have room at the request's arrival (as the real API counts, and not later,
   * when this process has read its body: on a busy machine that happens in bursts); a refused
   * request counts in neither.
   */
  function rateLimited(token: string, arrivedAt: number): boolean {
    if (!limit || !workspaceWindow) return false;
    let mine = tokenWindows.get(token);
    if (!mine) tokenWindows.set(token, (mine = new SlidingWindow(limit.perToken, limit.windowMs)));
    if (mine.remaining(arrivedAt) === 0 || workspaceWindow.remaining(arrivedAt) === 0) return true;
    mine.tryTake(arrivedAt);
    workspaceWindow.tryTake(arrivedAt);
    return false;
  }

  const errorReply = (status: number, message: string, headers: Record<string, string> = {}) => jsonReply(status, { message }, headers);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrivedAt = performance.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const spaceSegment = spaceOf(url.pathname);
    const entry = log.begin(method, url.pathname, { space: spaceSegment, queries: [], publicIds: [] });
    const token = /^(?:Token|Bearer)\s+(.+)$/i.exec((header(req, 'authorization') ?? '').trim())?.[1] ?? null;
    entry.tokenHash = token === null ? null : hashToken(token);
    const touched: string[] = [];
    track(res, entry, touched);

    let bodyText: string;
    try {
      bodyText = await readBody(req);
    } catch (err) {
      if (!(err instanceof BodyTooLarge)) throw err;
      return sendReply(res, errorReply(413, 'Request entity too large'));
    }
    const endpoint = spaceSegment === null ? undefined : endpoints.get(spaceSegment);
    const fault = faults.take(entry.seq, url.pathname, (r) => r.space === undefined || r.space === spaceSegment || r.space === endpoint?.space.name);
    if (fault) entry.fault = describeFault(fault);
    if (fault?.kind === 'hang') return hang(res);
    if (fault?.kind === 'reset') return reset(res);

    let refusal: Reply | undefined;
    if (fault?.kind === 'status') {
      refusal = fault.body !== undefined ? { ...errorReply(fault.status, ''), body: fault.body } : errorReply(fault.status, reasonPhrase(fault.status));
      refusal.headers = retryAfterHeader(fault.retryAfterSeconds);
    } else if (token === null || !tokens.has(token)) {
      refusal = errorReply(401, 'Unauthorized: invalid or missing token');
    } else if (rateLimited(token, arrivedAt)) {
      entry.limited = 'rate-limit';
      refusal = errorReply(429, 'Too Many Requests', retryAfterHeader(limit?.retryAfterSeconds));
    }
    // The work happens first and the latency after, so a request counts as in flight for its type meanwhile.
    const reply = refusal ?? (await answer(method, url, endpoint, bodyText, entry, touched, fault));
    await sleep(baseLatency + faultLatency + (fault?.kind === 'delay' ? fault.ms : 0));
    sendReply(res, reshape(reply, fault));
  }

  function track(res: ServerResponse, entry: FiberyLogEntry, touched: string[]): void {
    const started = stats;
    started.requests++;
    inFlight++;
    started.max_in_flight = Math.max(started.max_in_flight, inFlight);
    onDone(res, () => {
      inFlight--;
      const status = res.headersSent ? res.statusCode : 0;
      if (status) stats.by_status[String(status)] = (stats.by_status[String(status)] ?? 0) + 1;
      for (const t of touched) inFlightByType.set(t, (inFlightByType.get(t) ?? 1) - 1);
      log.finish(entry, status);
    });
  }

  async function answer(
    method: string,
    url: URL,
    endpoint: SpaceEndpoint | undefined,
    bodyText: string,
    entry: FiberyLogEntry,
    touched: string[],
    fault: FiberyFault | undefined,
  ): Promise<Reply> {
    const path = url.pathname;
    if (commands.handles(path)) {
      const answer = commands.handle(method, url, bodyText);
      return jsonReply(answer.status, answer.body);
    }
    if (path === '/api/graphql' && method === 'GET') {
      const links = [...endpoints.keys()].map((p) => `<li><a href="/api/graphql/space/${p}">${p}</a></li>`).join('');
      return { status: 200, contentType: 'text/html; charset=utf-8', headers: {}, body: `<!doctype html><title>GraphQL spaces</title><ul>${links}</ul>` };
    }
    if (entry.space === null) return errorReply(404, `Not found: ${path}`);
    if (!endpoint) return errorReply(404, `Space "${entry.space}" not found`);
    if (method !== 'POST') return errorReply(405, 'Use POST');

    let body: { query?: unknown; variables?: unknown; operationName?: unknown };
    try {
      body = JSON.parse(bodyText) as typeof body;
      if (typeof body !== 'object' || body === null) throw new Error('not an object');
    } catch {
      return errorReply(400, 'Request body must be JSON: {"query": "...", "variables": {...}}');
    }
    stats.graphql_requests++;
    const errorStatus = options.validationErrorStatus ?? 200;
    if (typeof body.query !== 'string' || body.query.trim() === '') return jsonReply(errorStatus, { errors: [{ message: 'Must provide query string.' }] });
    const variables = body.variables === undefined || body.variables === null ? undefined : (body.variables as Record<string, unknown>);
    const operationName = typeof body.operationName === 'string' ? body.operationName : undefined;

    let doc: DocumentNode;
    try {
      doc = parse(body.query);
    } catch (err) {
      return jsonReply(errorStatus, { errors: [err instanceof GraphQLError ? err.toJSON() : { message: String(err) }] });
    }
    const validationErrors = validate(endpoint.schema, doc);
    if (validationErrors.length > 0) return jsonReply(errorStatus, { errors: validationErrors.map((e) => e.toJSON()) });

    countTypes(endpoint, topLevelFields(doc, operationName), entry, touched);
    const context: FiberyContext = { publicIds: entry.publicIds };
    const result = await execute({ schema: endpoint.schema, document: doc, variableValues: variables, operationName, contextValue: context });
    if (fault?.kind === 'graphql-errors') return jsonReply(200, withGraphqlErrors(result, fault));
    return jsonReply(200, { data: result.data ?? null, ...(result.errors ? { errors: result.errors.map((e) => e.toJSON()) } : {}) });
  }

  function countTypes(endpoint: SpaceEndpoint, fields: FieldNode[], entry: FiberyLogEntry, touched: string[]): void {
    const finds = fields.filter((f) => endpoint.typeOfField.has(f.name.value));
    entry.queries.push(...finds.map((f) => f.name.value));
    stats.aliases_total += finds.length;
    for (const typeKey of new Set(finds.map((f) => endpoint.typeOfField.get(f.name.value)!))) {
      touched.push(typeKey);
      const now = (inFlightByType.get(typeKey) ?? 0) + 1;
      inFlightByType.set(typeKey, now);
      stats.in_flight_by_type[typeKey] = Math.max(stats.in_flight_by_type[typeKey] ?? 0, now);
      stats.requests_by_type[typeKey] = (stats.requests_by_type[typeKey] ?? 0) + 1;
    }
  }

  const listening = await listen(handle, options.port ?? 0, options.host);
  return {
    url: listening.url,
    port: listening.port,
    schemas: new Map([...endpoints].map(([k, v]) => [k, v.schema])),
    commands,
    stats: () => ({
      ...stats,
      in_flight: inFlight,
      in_flight_by_type: { ...stats.in_flight_by_type },
      requests_by_type: { ...stats.requests_by_type },
      by_status: { ...stats.by_status },
    }),
    resetStats: () => {
      stats = emptyStats();
      stats.max_in_flight = inFlight;
    },
    faults,
    setFaults,
    failNext: (status = 429, count = 1, retryAfterSeconds) => {
      faults.push({ kind: 'status', status, count, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) });
    },
    setLatency: (ms) => {
      baseLatency = ms;
    },
    requestLog: () => log.entries().map((e) => ({ ...e, queries: [...e.queries], publicIds: [...e.publicIds] })),
    clearRequestLog: () => log.clear(),
    close: () => listening.close(),
  };
}

/** The space path segment of `/api/graphql/space/{segment}`, decoded; null for other paths. */
function spaceOf(pathname: string): string | null {
  const m = /^\/api\/graphql\/space\/([^/]+)$/.exec(pathname);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return m[1]!;
  }
}

function buildEndpoints(dataset: Dataset): Map<string, SpaceEndpoint> {
  // Relation targets: resolve ids from the dataset where the target exists.
  const byTypeAndPublicId = new Map<string, string>();
  const byPublicIdAndName = new Map<string, string>();
  for (const s of dataset.fibery.spaces) {
    for (const t of s.types) {
      for (const e of t.entities) {
        byTypeAndPublicId.set(`${s.name}/${t.name}#${e.public_id}`, e.id);
        byPublicIdAndName.set(`${e.public_id}|${e.name}`, e.id);
      }
    }
  }
  const refId = (r: DatasetRelationRef): string =>
    r.id ?? (r.type ? byTypeAndPublicId.get(`${r.type}#${r.public_id}`) : undefined) ?? byPublicIdAndName.get(`${r.public_id}|${r.name}`) ?? stableUuid(`ref:${r.public_id}|${r.name}`);

  const endpoints = new Map<string, SpaceEndpoint>();
  for (const space of dataset.fibery.spaces) {
    const pathName = spacePathName(space.name);
    if (endpoints.has(pathName)) throw new Error(`Fibery sandbox: spaces "${endpoints.get(pathName)!.space.name}" and "${space.name}" share the path ${pathName}`);
    endpoints.set(pathName, { space, ...buildSpaceSchema(space, refId) });
  }
  return endpoints;
}
