/**
 * Fibery simulator: one real GraphQL schema per space (`POST /api/graphql/space/{Space_Name}`),
 * built with graphql-js from the dataset, introspection enabled, `find<Plural>` queries with
 * `publicId`/`name`/`state` filters, `limit` (default 100) and `offset`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  GraphQLBoolean,
  GraphQLFloat,
  GraphQLID,
  GraphQLInputObjectType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  Kind,
  execute,
  parse,
  validate,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLFieldConfig,
  type GraphQLOutputType,
  type SelectionSetNode,
  GraphQLError,
} from 'graphql';
import { BodyTooLarge, header, listen, onDone, readBody, sendJson, sleep, stableUuid } from './http.js';
import type { Dataset, DatasetEntity, DatasetEntityType, DatasetField, DatasetFieldValue, DatasetRelationRef, DatasetSpace } from './dataset.js';
import { createFiberyCommands, REPORT_TYPE, writableTypesOf, type FiberyCommandsSimulator, type FiberyWritableType } from './fibery-commands.js';

// ---------------------------------------------------------------------------------------------
// Naming (exported: the rules the simulator uses, so tests and tools can predict names)
// ---------------------------------------------------------------------------------------------

const CYRILLIC: Record<string, string> = {
  а: 'a', б: 'b', в: 'v', г: 'h', ґ: 'g', д: 'd', е: 'e', є: 'ye', ё: 'yo', ж: 'zh', з: 'z', и: 'y', і: 'i', ї: 'yi', й: 'y',
  к: 'k', л: 'l', м: 'm', н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f', х: 'kh', ц: 'ts', ч: 'ch', ш: 'sh',
  щ: 'shch', ъ: '', ы: 'y', ь: '', э: 'e', ю: 'yu', я: 'ya',
};
const SPECIAL: Record<string, string> = { ß: 'ss', æ: 'ae', Æ: 'AE', ø: 'o', Ø: 'O', ł: 'l', Ł: 'L', đ: 'd', Đ: 'D', þ: 'th', Þ: 'Th', œ: 'oe', Œ: 'OE' };

/** Latin-ish ASCII version of a name: diacritics dropped, Cyrillic romanised, other non-ASCII removed. */
export function transliterate(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFC')) {
    if (ch.charCodeAt(0) < 128) out += ch;
    else if (SPECIAL[ch] !== undefined) out += SPECIAL[ch];
    else {
      const lower = ch.toLowerCase();
      const latin = CYRILLIC[lower];
      if (latin !== undefined) out += ch === lower ? latin : latin.charAt(0).toUpperCase() + latin.slice(1);
      else out += [...ch.normalize('NFD')].filter((c) => c.charCodeAt(0) < 128).join('');
    }
  }
  return out;
}

/** `Product Management` → `Product_Management` (the path segment of the space's endpoint). */
export function spacePathName(space: string): string {
  return transliterate(space)
    .trim()
    .replace(/\s+/g, '_')
    .replace(/[^A-Za-z0-9_-]/g, '');
}

function words(text: string): string[] {
  return transliterate(text).split(/[^A-Za-z0-9]+/).filter(Boolean);
}

/** `Sub-task` → `SubTask`, `Task` → `Task`. */
export function graphqlTypeName(type: string): string {
  const name = words(type)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
  return /^[0-9]/.test(name) ? `T${name}` : name;
}

/** `Story Points` → `storyPoints`, `Time spent (H)` → `timeSpentH`, `URL` → `url`. */
export function graphqlFieldName(field: string): string {
  const ws = words(field);
  const name = ws
    .map((w, i) => {
      if (i > 0) return w.charAt(0).toUpperCase() + w.slice(1);
      return w === w.toUpperCase() ? w.toLowerCase() : w.charAt(0).toLowerCase() + w.slice(1);
    })
    .join('');
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/** `Task` → `Tasks`, `Story` → `Stories`, `Bus` → `Buses`. */
export function pluralize(word: string): string {
  if (/[^aeiouAEIOU]y$/.test(word)) return `${word.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/i.test(word)) return `${word}es`;
  return `${word}s`;
}

/** `Sub-task` → `findSubTasks`. */
export function findQueryName(type: string): string {
  return `find${pluralize(graphqlTypeName(type))}`;
}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

export interface FiberyFaultRule {
  status: 429 | 500 | 503;
  count: number;
  /** Adds a `Retry-After` header (Fibery's is UNCONFIRMED, so none by default). */
  retryAfterSeconds?: number;
}

export interface FiberyFaults {
  failNext?: FiberyFaultRule[];
  latencyMs?: number;
}

export interface FiberyServerOptions {
  dataset: Dataset;
  token: string;
  port?: number;
  host?: string;
  /** Delay per request, applied while the request counts as in flight. */
  latencyMs?: number;
  faults?: FiberyFaults;
  /** Answer 429 beyond this many requests per rolling second (the real limit is 3/token); off by default. */
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

export interface FiberyServer {
  url: string;
  port: number;
  stats(): FiberyStats;
  resetStats(): void;
  setFaults(faults: FiberyFaults): void;
  failNext(status?: FiberyFaultRule['status'], count?: number, retryAfterSeconds?: number): void;
  setLatency(ms: number): void;
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

type StringFilter = { is?: string | null; contains?: string | null; isNull?: boolean | null };
interface FindArgs {
  id?: StringFilter | null;
  publicId?: StringFilter | null;
  name?: StringFilter | null;
  state?: { name?: StringFilter | null } | null;
  limit?: number | null;
  offset?: number | null;
}

const HELPER_TYPES = ['Query', 'StringFilter', 'WorkflowStateFilter', 'RichText', 'WorkflowState', 'FiberyUser', 'Comment', 'EntityRef'];
const BUILTIN_FIELDS = ['id', 'publicId', 'name', 'state', 'description', 'assignees', 'comments', 'creationDate', 'modificationDate'];

function matchString(value: string | null, f: StringFilter | null | undefined): boolean {
  if (!f) return true;
  if (f.isNull === true && value !== null && value !== '') return false;
  if (f.isNull === false && (value === null || value === '')) return false;
  if (f.is !== undefined && f.is !== null && value !== f.is) return false;
  if (f.contains !== undefined && f.contains !== null && !(value ?? '').toLowerCase().includes(f.contains.toLowerCase())) return false;
  return true;
}

/** Builds the GraphQL schema of one space. Throws on names that would clash. */
export function buildSpaceSchema(space: DatasetSpace, refId: (ref: DatasetRelationRef) => string): { schema: GraphQLSchema; typeOfField: Map<string, string> } {
  const StringFilterType = new GraphQLInputObjectType({
    name: 'StringFilter',
    fields: { is: { type: GraphQLString }, contains: { type: GraphQLString }, isNull: { type: GraphQLBoolean } },
  });
  const StateFilterType = new GraphQLInputObjectType({ name: 'WorkflowStateFilter', fields: { name: { type: StringFilterType } } });
  const RichTextType = new GraphQLObjectType({ name: 'RichText', fields: { md: { type: GraphQLString } } });
  const StateType = new GraphQLObjectType({ name: 'WorkflowState', fields: { id: { type: GraphQLID }, name: { type: GraphQLString } } });
  const UserType = new GraphQLObjectType({ name: 'FiberyUser', fields: { id: { type: GraphQLID }, name: { type: GraphQLString }, email: { type: GraphQLString } } });
  const CommentType = new GraphQLObjectType({
    name: 'Comment',
    fields: { id: { type: GraphQLID }, author: { type: UserType }, creationDate: { type: GraphQLString }, content: { type: RichTextType } },
  });
  const RefType = new GraphQLObjectType({ name: 'EntityRef', fields: { id: { type: GraphQLID }, publicId: { type: GraphQLString }, name: { type: GraphQLString } } });

  const scalarOf = (f: DatasetField): GraphQLOutputType => {
    switch (f.kind) {
      case 'number':
        return GraphQLFloat;
      case 'boolean':
        return GraphQLBoolean;
      case 'relation':
        return RefType;
      case 'relation_list':
        return new GraphQLList(RefType);
      default:
        return GraphQLString;
    }
  };

  const renderValue = (f: DatasetField, v: DatasetFieldValue | undefined): unknown => {
    if (v === undefined || v === null) return f.kind === 'relation_list' ? [] : null;
    const ref = (r: DatasetRelationRef) => ({ id: refId(r), publicId: r.public_id, name: r.name });
    if (f.kind === 'relation') return Array.isArray(v) ? (v[0] ? ref(v[0]) : null) : typeof v === 'object' ? ref(v) : null;
    if (f.kind === 'relation_list') return Array.isArray(v) ? v.map(ref) : typeof v === 'object' ? [ref(v)] : [];
    return v;
  };

  const typeOfField = new Map<string, string>();
  const queryFields: Record<string, GraphQLFieldConfig<unknown, unknown, FindArgs>> = {};
  const usedTypeNames = new Map<string, string>();
  for (const t of space.types) {
    const typeName = graphqlTypeName(t.name);
    if (!typeName) throw new Error(`Fibery sandbox: type "${t.name}" in space "${space.name}" has no usable GraphQL name`);
    if (HELPER_TYPES.includes(typeName)) throw new Error(`Fibery sandbox: type "${t.name}" in space "${space.name}" clashes with the built-in GraphQL type ${typeName}`);
    const clash = usedTypeNames.get(typeName);
    if (clash) throw new Error(`Fibery sandbox: types "${clash}" and "${t.name}" in space "${space.name}" both map to GraphQL type ${typeName}`);
    usedTypeNames.set(typeName, t.name);

    const extra: { field: DatasetField; gqlName: string }[] = [];
    const seen = new Map<string, string>();
    for (const f of t.fields) {
      const gqlName = graphqlFieldName(f.name);
      if (!gqlName || BUILTIN_FIELDS.includes(gqlName)) continue; // the built-in field wins (e.g. a field called "Name")
      const other = seen.get(gqlName);
      if (other) throw new Error(`Fibery sandbox: fields "${other}" and "${f.name}" of ${space.name}/${t.name} both map to ${gqlName}`);
      seen.set(gqlName, f.name);
      extra.push({ field: f, gqlName });
    }

    const objectType = new GraphQLObjectType({
      name: typeName,
      description: `${space.name}/${t.name}`,
      fields: () => {
        const fields: Record<string, GraphQLFieldConfig<unknown, unknown>> = {
          id: { type: new GraphQLNonNull(GraphQLID) },
          publicId: { type: GraphQLString },
          name: { type: GraphQLString },
          state: { type: StateType },
          description: { type: RichTextType },
          assignees: { type: new GraphQLList(UserType) },
          comments: { type: new GraphQLList(CommentType) },
          creationDate: { type: GraphQLString },
          modificationDate: { type: GraphQLString },
        };
        for (const { field, gqlName } of extra) fields[gqlName] = { type: scalarOf(field), description: field.name };
        return fields;
      },
    });

    const rendered = t.entities.map((e) => renderEntity(space, t, e, extra, renderValue));
    const typeKey = `${space.name}/${t.name}`;
    const queryName = findQueryName(t.name);
    typeOfField.set(queryName, typeKey);
    queryFields[queryName] = {
      type: new GraphQLList(objectType),
      description: `Entities of ${typeKey}`,
      args: {
        id: { type: StringFilterType },
        publicId: { type: StringFilterType },
        name: { type: StringFilterType },
        state: { type: StateFilterType },
        limit: { type: GraphQLInt, defaultValue: 100 },
        offset: { type: GraphQLInt, defaultValue: 0 },
      },
      resolve: (_src, args) => {
        const limit = Math.max(0, args.limit ?? 100);
        const offset = Math.max(0, args.offset ?? 0);
        return rendered
          .filter(
            (r) =>
              matchString(r.id, args.id) &&
              matchString(r.publicId, args.publicId) &&
              matchString(r.name, args.name) &&
              matchString(r.state?.name ?? null, args.state?.name),
          )
          .slice(offset, offset + limit);
      },
    };
  }
  if (Object.keys(queryFields).length === 0) {
    queryFields._empty = { type: GraphQLString, description: 'This space has no types.', resolve: () => null };
  }
  const schema = new GraphQLSchema({ query: new GraphQLObjectType({ name: 'Query', fields: queryFields }) });
  return { schema, typeOfField };
}

interface RenderedEntity {
  id: string;
  publicId: string;
  name: string;
  state: { id: string; name: string } | null;
  [key: string]: unknown;
}

function renderEntity(
  space: DatasetSpace,
  type: DatasetEntityType,
  e: DatasetEntity,
  extra: { field: DatasetField; gqlName: string }[],
  renderValue: (f: DatasetField, v: DatasetFieldValue | undefined) => unknown,
): RenderedEntity {
  const user = (name: string, email?: string | null) => ({ id: stableUuid(`user:${email ?? name}`), name, email: email ?? null });
  const out: RenderedEntity = {
    id: e.id,
    publicId: e.public_id,
    name: e.name,
    state: e.state === null ? null : { id: stableUuid(`state:${space.name}/${type.name}/${e.state}`), name: e.state },
    description: { md: e.description_md ?? '' },
    assignees: e.assignees.map((a) => user(a.name, a.email)),
    comments: e.comments.map((c, i) => ({ id: stableUuid(`comment:${e.id}:${i}`), author: user(c.author), creationDate: c.created_at, content: { md: c.text_md } })),
    creationDate: e.created_at,
    modificationDate: e.modified_at,
  };
  for (const { field, gqlName } of extra) out[gqlName] = renderValue(field, e.values[field.name]);
  return out;
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

function emptyStats(): FiberyStats {
  return { requests: 0, graphql_requests: 0, aliases_total: 0, in_flight: 0, max_in_flight: 0, in_flight_by_type: {}, requests_by_type: {}, by_status: {} };
}

export async function startFiberyServer(options: FiberyServerOptions): Promise<FiberyServer> {
  const { dataset, token } = options;
  let faults: Required<FiberyFaults> = { failNext: [], latencyMs: 0 };
  const setFaults = (f: FiberyFaults) => {
    faults = { failNext: (f.failNext ?? []).map((r) => ({ ...r })), latencyMs: f.latencyMs ?? 0 };
  };
  setFaults(options.faults ?? {});
  let baseLatency = options.latencyMs ?? 0;

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

  const commands = createFiberyCommands({ types: [...writableTypesOf(dataset), ...(options.writableTypes ?? [REPORT_TYPE])] });
  let stats = emptyStats();
  let inFlight = 0;
  const inFlightByType = new Map<string, number>();
  const recentRequests: number[] = [];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = stats;
    started.requests++;
    inFlight++;
    started.max_in_flight = Math.max(started.max_in_flight, inFlight);
    const touched: string[] = [];
    onDone(res, () => {
      inFlight--;
      stats.by_status[String(res.statusCode)] = (stats.by_status[String(res.statusCode)] ?? 0) + 1;
      for (const t of touched) inFlightByType.set(t, (inFlightByType.get(t) ?? 1) - 1);
    });
    const latency = () => sleep(baseLatency + faults.latencyMs);
    const reply = async (status: number, body: unknown, headers: Record<string, string> = {}) => {
      await latency();
      sendJson(res, status, body, headers);
    };

    const url = new URL(req.url ?? '/', 'http://localhost');
    let bodyText: string;
    try {
      bodyText = await readBody(req);
    } catch (err) {
      if (err instanceof BodyTooLarge) return reply(413, { message: 'Request entity too large' });
      throw err;
    }

    const fault = faults.failNext.find((r) => r.count > 0);
    if (fault) {
      fault.count--;
      const headers: Record<string, string> = fault.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(fault.retryAfterSeconds) };
      return reply(fault.status, { message: fault.status === 429 ? 'Too Many Requests' : 'Internal Server Error' }, headers);
    }
    if (options.rateLimitPerSecond !== undefined) {
      const now = Date.now();
      while (recentRequests.length > 0 && now - recentRequests[0]! >= 1000) recentRequests.shift();
      if (recentRequests.length >= options.rateLimitPerSecond) return reply(429, { message: 'Too Many Requests' });
      recentRequests.push(now);
    }

    const auth = header(req, 'authorization') ?? '';
    const m = /^(Token|Bearer)\s+(.+)$/i.exec(auth.trim());
    if (!m || m[2] !== token) return reply(401, { message: 'Unauthorized: invalid or missing token' });
    if (commands.handles(url.pathname)) {
      const answer = commands.handle(req.method ?? 'GET', url, bodyText);
      return reply(answer.status, answer.body);
    }

    if (url.pathname === '/api/graphql' && req.method === 'GET') {
      await latency();
      const links = [...endpoints.keys()].map((p) => `<li><a href="/api/graphql/space/${p}">${p}</a></li>`).join('');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><title>GraphQL spaces</title><ul>${links}</ul>`);
      return;
    }
    const sm = /^\/api\/graphql\/space\/([^/]+)$/.exec(url.pathname);
    if (!sm) return reply(404, { message: `Not found: ${url.pathname}` });
    let spaceSegment: string;
    try {
      spaceSegment = decodeURIComponent(sm[1]!);
    } catch {
      spaceSegment = sm[1]!;
    }
    const endpoint = endpoints.get(spaceSegment);
    if (!endpoint) return reply(404, { message: `Space "${spaceSegment}" not found` });
    if (req.method !== 'POST') return reply(405, { message: 'Use POST' });

    let body: { query?: unknown; variables?: unknown; operationName?: unknown };
    try {
      body = JSON.parse(bodyText) as typeof body;
      if (typeof body !== 'object' || body === null) throw new Error('not an object');
    } catch {
      return reply(400, { message: 'Request body must be JSON: {"query": "...", "variables": {...}}' });
    }
    started.graphql_requests++;
    const errorStatus = options.validationErrorStatus ?? 200;
    if (typeof body.query !== 'string' || body.query.trim() === '') return reply(errorStatus, { errors: [{ message: 'Must provide query string.' }] });
    const variables = body.variables === undefined || body.variables === null ? undefined : (body.variables as Record<string, unknown>);
    const operationName = typeof body.operationName === 'string' ? body.operationName : undefined;

    let doc: DocumentNode;
    try {
      doc = parse(body.query);
    } catch (err) {
      return reply(errorStatus, { errors: [err instanceof GraphQLError ? err.toJSON() : { message: String(err) }] });
    }
    const validationErrors = validate(endpoint.schema, doc);
    if (validationErrors.length > 0) return reply(errorStatus, { errors: validationErrors.map((e) => e.toJSON()) });

    const fields = topLevelFields(doc, operationName).filter((f) => endpoint.typeOfField.has(f.name.value));
    started.aliases_total += fields.length;
    for (const typeKey of new Set(fields.map((f) => endpoint.typeOfField.get(f.name.value)!))) {
      touched.push(typeKey);
      const now = (inFlightByType.get(typeKey) ?? 0) + 1;
      inFlightByType.set(typeKey, now);
      started.in_flight_by_type[typeKey] = Math.max(started.in_flight_by_type[typeKey] ?? 0, now);
      started.requests_by_type[typeKey] = (started.requests_by_type[typeKey] ?? 0) + 1;
    }

    const result = await execute({ schema: endpoint.schema, document: doc, variableValues: variables, operationName });
    return reply(200, { data: result.data ?? null, ...(result.errors ? { errors: result.errors.map((e) => e.toJSON()) } : {}) });
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
    setFaults,
    failNext: (status = 429, count = 1, retryAfterSeconds) => {
      faults.failNext.push({ status, count, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) });
    },
    setLatency: (ms) => {
      baseLatency = ms;
    },
    close: () => listening.close(),
  };
}
