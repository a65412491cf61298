/**
 * Fibery client: fetches entities by public id through the GraphQL space endpoints,
 * several aliased `find…` queries per request.
 *
 * Per space it introspects once (cached) to learn the real query and field names; where
 * introspection is unavailable it falls back to derived names and repairs a request once
 * when the server blames a field. Missing fields become warnings, missing entities, types
 * and spaces become `not_found` entries: only transport/auth problems throw.
 */
import { z } from 'zod';
import { ApiError, ValidationError } from '../errors.js';
import { typeKey } from '../workflows/contract.js';
import { MalformedResponse, parseBody, readJson } from '../http/json.js';
import { paceApi } from '../http/pacer.js';
import { requestWithRetry, type RetryInfo } from '../http/request.js';
import { fieldToGraphqlName, pluralQueryName, spaceToGraphqlPath } from './naming.js';
import { didYouMean } from './nearest.js';
import { schemaResultSchema, WorkspaceSchema } from './workspace-schema.js';
import { acceptsPublicIdIn, displayNameOf, findField, findQueryFor, INTROSPECTION_QUERY, parseIntrospection, valueShape, type SpaceSchema, type TypeInfo, type ValueShape } from './schema.js';
import { applyFixes, fixesFromErrors, gqlString, mentions, renderSelection, type Sel } from './selection.js';

export interface FiberyClientOptions {
  token: string;
  /** Account name: `acme` for https://acme.fibery.io. */
  workspace?: string;
  /** Default `https://{workspace}.fibery.io`; one of the two is required. */
  baseUrl?: string;
  maxRetries?: number;
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (info: RetryInfo) => void;
  timeoutMs?: number;
  /** This token's rate, in the budget every client of the process shares (default: src/http/budgets.ts). */
  requestsPerSecond?: number;
  /** The workspace's rate, whatever the token (default: src/http/budgets.ts). */
  workspaceRequestsPerSecond?: number;
  /**
   * Where introspection answers are kept beyond this client (a run's directory), so a space is
   * introspected once per run whichever worker asks.
   */
  schemaStore?: SchemaStore;
}

export interface SchemaStore {
  load(spacePath: string): Promise<unknown>;
  save(spacePath: string, body: unknown): Promise<void>;
}

export interface FiberyComment {
  author: string | null;
  created_at: string | null;
  text_md: string;
}

export interface FiberyEntity {
  id: string | null;
  public_id: string;
  name: string;
  state: string | null;
  created_at: string | null;
  modified_at: string | null;
  description_md: string | null;
  assignees: { name: string; email: string | null }[];
  comments: FiberyComment[];
  /** Keyed by the configured field name, e.g. "Story Points". */
  fields: Record<string, unknown>;
}

export interface FetchEntitiesResult {
  entities: FiberyEntity[];
  not_found: { public_id: string; reason: string }[];
  warnings: string[];
  /**
   * Configured fields the type does not have, one line each with the nearest real names: a setup
   * problem (`volt-agent doctor` finds it too), kept apart from what went wrong with the data.
   */
  field_warnings: string[];
  /** HTTP requests made by this call (retries and introspection included). */
  requests: number;
}

export interface FetchEntitiesQuery {
  /** Fibery space, e.g. "Scrum". */
  database: string;
  /** Type within the space, e.g. "Task". */
  type: string;
  publicIds: string[];
  /** Configured field names, e.g. ["Story Points", "Planned End"]. */
  fields: string[];
  /** Fields read when the type has them and skipped quietly when it does not (an activity's own defaults). */
  optionalFields?: string[];
  /** Ids per request (default 100). */
  batchSize?: number;
  /** Aborts this call's requests: the calling activity's cancellation. */
  signal?: AbortSignal;
}

const API = 'Fibery';

type SpaceState = { kind: 'ok'; schema: SpaceSchema | null; note?: string } | { kind: 'missing'; reason: string };

interface CallContext {
  requests: number;
  warnings: string[];
  fieldWarnings: string[];
  signal?: AbortSignal;
}

interface ConfiguredField {
  configName: string;
  alias: string;
  gqlName: string;
  /** How its value is stored: as it came, a single-select's name, rich text's markdown, `{start, end}`. */
  shape: ValueShape | 'scalar';
}

interface Plan {
  label: string;
  queryName: string;
  selection: Sel[];
  configured: ConfiguredField[];
  /** Learned repairs for this space/query (shared across calls). */
  fixes: LearnedFixes;
  /** The server takes `publicId: { in: [...] }`: one query per batch instead of one alias per id. */
  byIn: boolean;
}

const gqlResponseSchema = z.object({
  data: z.record(z.string(), z.unknown()).nullish(),
  errors: z
    .array(z.looseObject({ message: z.string(), path: z.array(z.union([z.string(), z.number()])).nullish() }))
    .nullish(),
});

const richText = z.union([z.string(), z.looseObject({ md: z.string().nullish(), text: z.string().nullish() })]).nullish();
const idLike = z.union([z.string(), z.number()]).nullish();
const entitySchema = z.looseObject({
  id: idLike,
  publicId: idLike,
  name: z.string().nullish(),
  state: z.union([z.string(), z.looseObject({ name: z.string().nullish() })]).nullish(),
  description: richText,
  assignees: z.array(z.looseObject({ name: z.string().nullish(), email: z.string().nullish() }).nullable()).nullish(),
  comments: z
    .array(
      z
        .looseObject({
          author: z.union([z.string(), z.looseObject({ name: z.string().nullish(), email: z.string().nullish() })]).nullish(),
          creationDate: z.string().nullish(),
          content: richText,
          text_md: richText,
          md: z.string().nullish(),
          text: z.string().nullish(),
        })
        .nullable(),
    )
    .nullish(),
  creationDate: z.string().nullish(),
  modificationDate: z.string().nullish(),
});
type RawEntity = z.output<typeof entitySchema>;
const aliasResultSchema = z.union([z.array(entitySchema.nullable()), entitySchema]).nullish();

const COMMON_FALLBACK: Sel[] = [
  { name: 'id' },
  { name: 'publicId' },
  { name: 'name' },
  { name: 'state', sub: [{ name: 'name' }] },
  { name: 'description', sub: [{ name: 'md' }] },
  { name: 'assignees', sub: [{ name: 'name' }, { name: 'email' }] },
  { name: 'creationDate' },
  { name: 'modificationDate' },
];

const mdOf = (v: z.output<typeof richText>): string | null => (v == null ? null : typeof v === 'string' ? v : (v.md ?? v.text ?? null));

const RICH_KEYS = new Set(['md', 'text', 'secret', 'html', 'jsonString']);

/** Relations and collections as small objects: `{ id, public_id, name }`; rich text as its markdown. */
function small(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(small);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length > 0 && keys.every((k) => RICH_KEYS.has(k)) && ('md' in o || 'text' in o)) return o.md ?? o.text ?? null;
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(o)) out[k === 'publicId' ? 'public_id' : k] = small(val);
    return out;
  }
  return v;
}

/** A configured field's value as stored: a single-select as its option's name, a range as `{start, end}`. */
function storedValue(value: unknown, shape: ConfiguredField['shape']): unknown {
  if (Array.isArray(value)) return value.map((v) => storedValue(v, shape));
  if (shape === 'enum' && value && typeof value === 'object') return (value as { name?: unknown }).name ?? null;
  if (shape === 'range' && value && typeof value === 'object') {
    const r = value as { start?: unknown; end?: unknown };
    return { start: r.start ?? null, end: r.end ?? null };
  }
  return small(value);
}

function toEntity(raw: RawEntity, requestedId: string, configured: readonly ConfiguredField[]): FiberyEntity {
  const fields: Record<string, unknown> = {};
  for (const f of configured) {
    if (f.alias in raw) fields[f.configName] = storedValue(raw[f.alias], f.shape);
  }
  return {
    id: raw.id == null ? null : String(raw.id),
    public_id: raw.publicId == null ? requestedId : String(raw.publicId),
    name: raw.name ?? '',
    state: raw.state == null ? null : typeof raw.state === 'string' ? raw.state : (raw.state.name ?? null),
    created_at: raw.creationDate ?? null,
    modified_at: raw.modificationDate ?? null,
    description_md: mdOf(raw.description),
    assignees: (raw.assignees ?? []).filter((a) => a != null).map((a) => ({ name: a.name ?? a.email ?? '', email: a.email ?? null })),
    comments: (raw.comments ?? [])
      .filter((c) => c != null)
      .map((c) => ({
        author: c.author == null ? null : typeof c.author === 'string' ? c.author : (c.author.name ?? c.author.email ?? null),
        created_at: c.creationDate ?? null,
        text_md: mdOf(c.text_md) ?? c.md ?? c.text ?? mdOf(c.content) ?? '',
      })),
    fields,
  };
}

export class FiberyClient {
  private readonly baseUrl: string;
  private readonly pace: (signal?: AbortSignal) => Promise<void>;
  private readonly spaces = new Map<string, Promise<SpaceState>>();
  private readonly learnedFixes = new Map<string, LearnedFixes>();

  constructor(private readonly opts: FiberyClientOptions) {
    if (!opts.token) throw new ValidationError('Fibery token is empty');
    if (opts.baseUrl) {
      this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    } else if (opts.workspace) {
      const ws = opts.workspace.trim();
      if (!/^[A-Za-z0-9.-]+$/.test(ws)) throw new ValidationError(`Fibery workspace "${ws}" is not a valid account name`);
      this.baseUrl = ws.includes('.') ? `https://${ws}` : `https://${ws}.fibery.io`;
    } else {
      throw new ValidationError('Fibery client needs a workspace (account name) or a baseUrl');
    }
    this.pace = paceApi(
      'fibery',
      { token: opts.token, workspace: this.baseUrl },
      { requests_per_second: opts.requestsPerSecond, workspace_requests_per_second: opts.workspaceRequestsPerSecond },
    );
  }

  private spaceUrl(spacePath: string): string {
    return `${this.baseUrl}/api/graphql/space/${encodeURIComponent(spacePath)}`;
  }

  /** A GraphQL query to one space. */
  private post<T>(spacePath: string, query: string, ctx: CallContext, read: (res: Response) => Promise<T>): Promise<T> {
    return this.postJson(this.spaceUrl(spacePath), { query, variables: {} }, read, ctx.signal, () => ctx.requests++);
  }

  /** Every Fibery request: a JSON POST with the token, paced and retried within this client's budget. */
  private postJson<T>(url: string, body: unknown, read: (res: Response) => Promise<T>, signal: AbortSignal | undefined, onAttempt?: () => void): Promise<T> {
    return requestWithRetry({
      api: API,
      url,
      init: {
        method: 'POST',
        headers: { Authorization: `Token ${this.opts.token}`, 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(body),
        ...(signal ? { signal } : {}),
      },
      maxRetries: this.opts.maxRetries,
      sleep: this.opts.sleep,
      onRetry: this.opts.onRetry,
      timeoutMs: this.opts.timeoutMs,
      pace: this.pace,
      read,
      ...(onAttempt ? { onAttempt } : {}),
    });
  }

  /** Introspect a space once per client; 404 marks the space missing, other failures mean "no introspection". */
  private space(database: string, spacePath: string, ctx: CallContext): Promise<SpaceState> {
    let state = this.spaces.get(spacePath);
    if (!state) {
      state = this.introspect(database, spacePath, ctx);
      this.spaces.set(spacePath, state);
      // A transport failure must not be cached: let the next call try again.
      void state.catch(() => this.spaces.delete(spacePath));
    }
    return state;
  }

  private async introspect(database: string, spacePath: string, ctx: CallContext): Promise<SpaceState> {
    const stored = await this.opts.schemaStore?.load(spacePath);
    const storedSchema = stored ? parseIntrospection(stored) : null;
    if (storedSchema) return { kind: 'ok', schema: storedSchema };
    try {
      const body = await this.post(spacePath, INTROSPECTION_QUERY, ctx, readIntrospection);
      const schema = parseIntrospection(body);
      if (schema) await this.opts.schemaStore?.save(spacePath, body);
      if (schema) return { kind: 'ok', schema };
      return { kind: 'ok', schema: null, note: 'introspection answered without a usable schema' };
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (err.status === 404) return { kind: 'missing', reason: this.missingSpaceReason(database, spacePath) };
      // A server that refuses introspection is worked with by derived names; one that fails (5xx,
      // no answer, garbage after every retry) fails the batch: derived names would quietly lose
      // comments and relations.
      if (err.status !== 400) throw err;
      return { kind: 'ok', schema: null, note: `introspection refused with status ${err.status}` };
    }
  }

  private missingSpaceReason(database: string, spacePath: string): string {
    return `Fibery space "${database}" not found (404 from /api/graphql/space/${spacePath})`;
  }

  /** Query name and selection for a type, from introspection or (without it) from derived names. */
  private plan(spacePath: string, schema: SpaceSchema | null, label: string, database: string, type: string, fields: readonly string[], optional: ReadonlySet<string>, ctx: CallContext): Plan | null {
    const configuredNames = [...new Set(fields.map((f) => f.trim()).filter(Boolean))];
    let queryName: string;
    let typeInfo: TypeInfo | undefined;
    if (schema) {
      const found = findQueryFor(schema, type, database);
      if (!found) return null;
      queryName = found.queryName;
      typeInfo = found.returnType ? schema.types.get(found.returnType) : undefined;
    } else {
      queryName = pluralQueryName(type);
    }

    const selection: Sel[] = [];
    const configured: ConfiguredField[] = [];
    if (schema && typeInfo) {
      selection.push(...commonSelection(schema, typeInfo));
      const comments = selection.find((sel) => sel.name === 'comments');
      if (typeInfo.fields.get('comments')?.kind === 'list' && !comments?.sub?.some((c) => c.alias === 'text_md' || c.alias === 'secret')) {
        ctx.warnings.push(`Comments of ${label} have no text volt-agent can read (no rich-text field, no document secret); their text is left out`);
      }
      configuredNames.forEach((configName, i) => {
        const field = findField(typeInfo, configName);
        if (!field) {
          if (!optional.has(configName)) ctx.fieldWarnings.push(missingFieldWarning(label, configName, typeInfo));
          return;
        }
        const alias = `cf${i}`;
        if (field.kind === 'scalar') {
          selection.push({ name: field.name, alias });
          configured.push({ configName, alias, gqlName: field.name, shape: 'scalar' });
          return;
        }
        const value = valueSelection(schema, field.typeName);
        if (!value) {
          ctx.warnings.push(`Field "${configName}" on ${label} is a relation without id, publicId or name; skipped`);
          return;
        }
        selection.push({ name: field.name, alias, sub: value.sub });
        configured.push({ configName, alias, gqlName: field.name, shape: value.shape });
      });
    } else {
      selection.push(...COMMON_FALLBACK);
      configuredNames.forEach((configName, i) => {
        if (optional.has(configName)) return; // without introspection only what was asked for is risked
        const gqlName = fieldToGraphqlName(configName);
        if (!gqlName) {
          ctx.warnings.push(`Field "${configName}" has no usable GraphQL name; skipped`);
          return;
        }
        selection.push({ name: gqlName, alias: `cf${i}` });
        configured.push({ configName, alias: `cf${i}`, gqlName, shape: 'scalar' });
      });
    }

    const key = `${spacePath}\u0000${queryName}`;
    let fixes = this.learnedFixes.get(key);
    if (!fixes) {
      fixes = { drop: new Map(), scalar: new Set() };
      this.learnedFixes.set(key, fixes);
    }
    const plan: Plan = { label, queryName, selection, configured, fixes, byIn: !!schema && acceptsPublicIdIn(schema, queryName) };
    warnAboutKnownDrops(plan, ctx);
    return plan;
  }

  /**
   * The workspace's schema: one `fibery.schema/query` through the commands API, paced and retried
   * like every Fibery call. A 401/403 is an ApiError (a wrong token), as everywhere.
   */
  async workspaceSchema(signal?: AbortSignal): Promise<WorkspaceSchema> {
    const path = '/api/commands';
    const answer = await this.postJson(`${this.baseUrl}${path}`, [{ command: 'fibery.schema/query' }], (res) => readJson(API, res, commandAnswersSchema, `POST ${path} fibery.schema/query`), signal);
    const first = answer[0];
    if (!first?.success) throw new ApiError(API, 200, `Fibery refused fibery.schema/query: ${JSON.stringify(first?.result ?? null).slice(0, 200)}`);
    const parsed = schemaResultSchema.safeParse(first.result);
    if (!parsed.success) throw new ApiError(API, 200, 'Fibery answered fibery.schema/query without a list of types');
    return new WorkspaceSchema(parsed.data);
  }

  /** Fetch entities of one type by public id, `batchSize` aliased queries per request. */
  async fetchEntities(q: FetchEntitiesQuery): Promise<FetchEntitiesResult> {
    const database = q.database.trim();
    const type = q.type.trim();
    if (!database || !type) throw new ValidationError('fetchEntities needs a database (space) and a type');
    const batchSize = q.batchSize ?? 100;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ValidationError('Fibery batchSize must be a positive integer');

    const ctx: CallContext = { requests: 0, warnings: [], fieldWarnings: [], signal: q.signal };
    const label = typeKey(database, type);
    const spacePath = spaceToGraphqlPath(database);
    const ids = [...new Set(q.publicIds.map((id) => id.trim().replace(/^#/, '')).filter(Boolean))];
    const entities: FiberyEntity[] = [];
    const notFound: FetchEntitiesResult['not_found'] = [];
    const done = (): FetchEntitiesResult => ({
      entities,
      not_found: notFound,
      warnings: [...new Set(ctx.warnings)],
      field_warnings: [...new Set(ctx.fieldWarnings)],
      requests: ctx.requests,
    });
    if (ids.length === 0) return done();

    if (!spacePath) {
      for (const id of ids) notFound.push({ public_id: id, reason: `Fibery space "${database}" has no usable GraphQL name` });
      return done();
    }

    const space = await this.space(database, spacePath, ctx);
    if (space.kind === 'missing') {
      ctx.warnings.push(`${space.reason}; ${ids.length} ${label} id(s) not enriched`);
      for (const id of ids) notFound.push({ public_id: id, reason: space.reason });
      return done();
    }
    if (!space.schema) {
      ctx.warnings.push(`Fibery space "${database}": ${space.note ?? 'introspection unavailable'}; using derived query and field names`);
    }

    const typeMissing = (): void => {
      const reason = `type ${label} not found in Fibery space ${database}`;
      ctx.warnings.push(`Type ${label} not found in Fibery space ${database}; ${ids.length} id(s) not enriched`);
      for (const id of ids) notFound.push({ public_id: id, reason });
    };
    const optional = new Set((q.optionalFields ?? []).map((f) => f.trim()));
    const plan = this.plan(spacePath, space.schema, label, database, type, [...q.fields, ...optional], optional, ctx);
    if (!plan) {
      typeMissing();
      return done();
    }

    for (let start = 0; start < ids.length; start += batchSize) {
      const batch = ids.slice(start, start + batchSize);
      let results: Map<string, { raw: RawEntity | null; error?: string }>;
      try {
        results = await this.runBatch(spacePath, plan, batch, ctx);
      } catch (err) {
        if (err instanceof ApiError && err.status === 404 && !space.schema) {
          const reason = this.missingSpaceReason(database, spacePath);
          this.spaces.set(spacePath, Promise.resolve({ kind: 'missing', reason }));
          ctx.warnings.push(`${reason}; ${ids.length} ${label} id(s) not enriched`);
          for (const id of ids) notFound.push({ public_id: id, reason });
          return done();
        }
        if (err instanceof TypeMissing) {
          typeMissing();
          return done();
        }
        throw err;
      }
      for (const id of batch) {
        const r = results.get(id);
        if (r?.raw) entities.push(toEntity(r.raw, id, plan.configured));
        else notFound.push({ public_id: id, reason: r?.error ?? `no ${label} with public id ${id}` });
      }
    }
    return done();
  }

  /** One request for a batch; repairs the selection once when the server blames fields. */
  private async runBatch(
    spacePath: string,
    plan: Plan,
    batch: readonly string[],
    ctx: CallContext,
  ): Promise<Map<string, { raw: RawEntity | null; error?: string }>> {
    const what = `POST /api/graphql/space/${spacePath}`;
    for (let round = 0; ; round++) {
      const selection = applyFixes(plan.selection, plan.fixes.drop, plan.fixes.scalar);
      const parsed = await this.post(spacePath, batchQuery(plan, selection, batch), ctx, async (res) => {
        const body = await readJson(API, res, gqlResponseSchema, what);
        throwIfTransient(body, selection, plan);
        return { body, status: res.status };
      });
      const errors = parsed.body.errors ?? [];
      const aliasErrors = new Map<string, string>();
      const globalErrors: string[] = [];
      for (const e of errors) {
        const head = e.path?.[0];
        if (typeof head === 'string' && /^e\d+$/.test(head) && !plan.byIn) aliasErrors.set(head, e.message);
        else globalErrors.push(e.message);
      }

      if (globalErrors.length > 0 || !parsed.body.data) {
        const fixes = fixesFromErrors(globalErrors);
        if (fixes.some((f) => f.field === plan.queryName)) throw new TypeMissing();
        const useful = fixes.filter((f) => mentions(selection, f.field));
        if (round === 0 && useful.length > 0) {
          for (const f of useful) {
            if (f.action === 'scalar') {
              plan.fixes.scalar.add(f.field);
              continue;
            }
            const why = /must have a selection|of subfields/i.test(f.message) ? 'relation' : 'missing';
            plan.fixes.drop.set(f.field, why);
            pushDropWarning(plan, f.field, why, ctx);
          }
          continue;
        }
        const messages = globalErrors.length > 0 ? globalErrors : ['response has no data'];
        throw new ApiError(API, parsed.status, `Fibery GraphQL error for ${plan.label}: ${messages.slice(0, 3).join('; ').slice(0, 500)}`);
      }
      const results = plan.byIn
        ? resultsByPublicId(parsed.body.data, batch, parsed.status, what)
        : resultsByAlias(parsed.body.data, batch, aliasErrors, plan, parsed.status, what);
      await this.fillDocuments([...results.values()].map((r) => r.raw), ctx);
      return results;
    }
  }

  /**
   * Rich text known only by its document's secret (a comment's `document-secret`, a rich-text field
   * whose GraphQL type offers no `md`): every such text of one page of entities in one documents
   * request (`get-documents`), paced and retried like every Fibery call. The markdown is written
   * into the objects as `md`.
   */
  private async fillDocuments(raws: readonly unknown[], ctx: CallContext): Promise<void> {
    const holders = documentHolders(raws);
    if (holders.length === 0) return;
    const secrets = [...new Set(holders.map((h) => h.secret))];
    const contents = new Map<string, string | null>();
    for (let start = 0; start < secrets.length; start += DOCUMENTS_PER_REQUEST) {
      const chunk = secrets.slice(start, start + DOCUMENTS_PER_REQUEST);
      const path = '/api/documents/commands?format=md';
      const answer = await this.postJson(
        `${this.baseUrl}${path}`,
        { command: 'get-documents', args: chunk.map((secret) => ({ secret })) },
        (res) => readJson(API, res, documentsSchema, `POST ${path}`),
        ctx.signal,
        () => ctx.requests++,
      );
      for (const d of answer) contents.set(d.secret, d.content ?? null);
    }
    let missing = 0;
    for (const h of holders) {
      const content = contents.get(h.secret);
      if (content == null) missing++;
      h.target.md = content ?? '';
    }
    if (missing > 0) ctx.warnings.push(`Fibery returned no content for ${missing} of ${holders.length} document(s) (comments or rich text); they are left empty`);
  }
}

const DOCUMENTS_PER_REQUEST = 500;
const commandAnswersSchema = z.array(z.looseObject({ success: z.boolean(), result: z.unknown() }));
const documentsSchema = z.array(z.looseObject({ secret: z.string(), content: z.string().nullish() }));

/** Objects (anywhere in the answers) that carry a document `secret` and no text yet. */
function documentHolders(values: readonly unknown[]): { secret: string; target: Record<string, unknown> }[] {
  const out: { secret: string; target: Record<string, unknown> }[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (depth > 6 || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
      return;
    }
    const o = v as Record<string, unknown>;
    if (typeof o.secret === 'string' && typeof o.md !== 'string' && typeof o.text !== 'string') out.push({ secret: o.secret, target: o });
    for (const x of Object.values(o)) walk(x, depth + 1);
  };
  for (const v of values) walk(v, 0);
  return out;
}

function batchQuery(plan: Plan, selection: Sel[], batch: readonly string[]): string {
  const fields = renderSelection(selection);
  if (plan.byIn) {
    return `query VoltEntities {\n  items: ${plan.queryName}(publicId: { in: [${batch.map(gqlString).join(', ')}] }, limit: ${batch.length}) { ${fields} }\n}`;
  }
  const aliases = batch.map((id, i) => `  e${i}: ${plan.queryName}(publicId: { is: ${gqlString(id)} }, limit: 1) { ${fields} }`);
  return `query VoltEntities {\n${aliases.join('\n')}\n}`;
}

/**
 * A GraphQL error that blames neither a field we selected nor the query itself (an internal
 * error, a timeout) is transient: the request is asked again within its retry budget.
 */
function throwIfTransient(body: z.output<typeof gqlResponseSchema>, selection: Sel[], plan: Plan): void {
  const errors = body.errors ?? [];
  if (errors.length === 0) return;
  const perAlias = errors.filter((e) => typeof e.path?.[0] === 'string' && /^e\d+$/.test(String(e.path[0])) && body.data);
  const general = errors.filter((e) => !perAlias.includes(e));
  if (general.length === 0) return;
  const fixes = fixesFromErrors(general.map((e) => e.message));
  const explained = fixes.some((f) => f.field === plan.queryName || mentions(selection, f.field));
  if (!explained) throw new MalformedResponse(`a GraphQL error: ${general.map((e) => e.message).join('; ').slice(0, 300)}`);
}

/**
 * An introspection answer. GraphQL errors that name introspection are a refusal (the client then
 * derives names); any other error, or a body that is not JSON, is transient and asked again.
 */
async function readIntrospection(res: Response): Promise<unknown> {
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    throw new MalformedResponse(`a body that is not JSON (${text.replace(/\s+/g, ' ').trim().slice(0, 80) || 'empty body'})`);
  }
  const errors = (body as { errors?: { message?: unknown }[] } | null)?.errors;
  const data = (body as { data?: unknown } | null)?.data;
  if (Array.isArray(errors) && errors.length > 0 && !data) {
    const messages = errors.map((e) => String(e?.message ?? ''));
    if (!messages.some((m) => /introspection|__schema|__type/i.test(m))) throw new MalformedResponse(`a GraphQL error: ${messages.join('; ').slice(0, 300)}`);
  }
  return body;
}

type BatchResults = Map<string, { raw: RawEntity | null; error?: string }>;

function resultsByAlias(data: Record<string, unknown>, batch: readonly string[], aliasErrors: Map<string, string>, plan: Plan, status: number, what: string): BatchResults {
  const results: BatchResults = new Map();
  batch.forEach((id, i) => {
    const alias = `e${i}`;
    const aliasError = aliasErrors.get(alias);
    const value = parseBody(API, status, data[alias], aliasResultSchema, `${what} (${alias}, public id ${id})`);
    const raw = Array.isArray(value) ? (value.find((v) => v != null) ?? null) : (value ?? null);
    if (!raw && aliasError) results.set(id, { raw: null, error: `Fibery error for ${plan.label} ${id}: ${aliasError.slice(0, 200)}` });
    else results.set(id, { raw });
  });
  return results;
}

function resultsByPublicId(data: Record<string, unknown>, batch: readonly string[], status: number, what: string): BatchResults {
  const value = parseBody(API, status, data.items, aliasResultSchema, `${what} (items)`);
  const list = Array.isArray(value) ? value : value ? [value] : [];
  const byId = new Map<string, RawEntity>();
  for (const raw of list) if (raw?.publicId != null) byId.set(String(raw.publicId), raw);
  return new Map(batch.map((id) => [id, { raw: byId.get(id) ?? null }]));
}

class TypeMissing extends Error {}

/** Why a field was dropped from a selection: it does not exist, or it is a relation we cannot select blind. */
type DropReason = 'missing' | 'relation';

interface LearnedFixes {
  drop: Map<string, DropReason>;
  scalar: Set<string>;
}

/** `Field "Release Date" not found on Scrum/Feature; skipped (did you mean "Planned Release Date" or "Actual Release Date"?)`. */
function missingFieldWarning(label: string, configName: string, type: TypeInfo): string {
  const hint = didYouMean(configName, [...type.fields.values()].map(displayNameOf));
  return `Field "${configName}" not found on ${label}; skipped${hint ? ` (${hint})` : ''}`;
}

function pushDropWarning(plan: Plan, gqlName: string, why: DropReason, ctx: CallContext): void {
  const configured = plan.configured.some((c) => c.gqlName === gqlName);
  (configured && why === 'missing' ? ctx.fieldWarnings : ctx.warnings).push(dropWarning(plan, gqlName, why));
}

function dropWarning(plan: Plan, gqlName: string, why: DropReason): string {
  const configured = plan.configured.find((c) => c.gqlName === gqlName);
  const name = configured ? `Field "${configured.configName}"` : `Fibery field "${gqlName}"`;
  return why === 'relation'
    ? `${name} on ${plan.label} is a relation that cannot be selected without introspection; skipped`
    : configured
      ? `${name} not found on ${plan.label}; skipped`
      : `${name} is not available on ${plan.label}; skipped`;
}

/** Fields dropped by an earlier call still deserve a warning in this call's result. */
function warnAboutKnownDrops(plan: Plan, ctx: CallContext): void {
  for (const [name, why] of plan.fixes.drop) {
    if (mentions(plan.selection, name)) pushDropWarning(plan, name, why, ctx);
  }
}

/**
 * What to select of a non-scalar field, by what its type holds: rich text's `md` (or `text`, or the
 * document's `secret` to fetch it by), a single-select's `name`, a range's `start end`, else a
 * relation's `id publicId name` (another space's type too); null if nothing fits.
 */
function valueSelection(schema: SpaceSchema, typeName: string | null): { sub: Sel[]; shape: ValueShape } | null {
  const related = typeName ? schema.types.get(typeName) : undefined;
  if (!related) return { sub: [{ name: 'name' }], shape: 'relation' };
  const shape = valueShape(related);
  if (shape === 'rich') return { sub: [{ name: related.fields.get('md')?.kind === 'scalar' ? 'md' : 'text' }], shape };
  if (shape === 'document') return { sub: [{ name: 'secret' }], shape };
  if (shape === 'enum') return { sub: [{ name: 'name' }], shape };
  if (shape === 'range') return { sub: [{ name: 'start' }, { name: 'end' }], shape };
  const scalars = ['id', 'publicId', 'name'].filter((n) => related.fields.get(n)?.kind === 'scalar');
  return scalars.length > 0 ? { sub: scalars.map((name) => ({ name })), shape } : null;
}

/** A comment's text: a scalar `md`/`text`, any field whose type is rich text, else its document's secret. */
function commentText(schema: SpaceSchema, comment: TypeInfo | undefined): Sel | null {
  if (!comment) return null;
  for (const name of ['md', 'text']) if (comment.fields.get(name)?.kind === 'scalar') return { name, alias: 'text_md' };
  const fields = [...comment.fields.values()].sort((a, b) => Number(b.name === 'content') - Number(a.name === 'content'));
  for (const f of fields) {
    if (f.kind !== 'object') continue;
    const value = valueSelection(schema, f.typeName);
    if (value && (value.shape === 'rich' || value.shape === 'document')) return { name: f.name, alias: 'text_md', sub: value.sub };
  }
  const secret = fields.find((f) => f.kind === 'scalar' && /secret$/i.test(f.name));
  return secret ? { name: secret.name, alias: 'secret' } : null;
}

/** The common fields the type really has, with subselections restricted to what the related types have. */
function commonSelection(schema: SpaceSchema, type: TypeInfo): Sel[] {
  const out: Sel[] = [];
  const has = (t: TypeInfo | undefined, name: string, kind?: 'scalar' | 'object' | 'list'): boolean => {
    const f = t?.fields.get(name);
    return !!f && (kind === undefined || f.kind === kind);
  };
  const typeOf = (t: TypeInfo | undefined, name: string): TypeInfo | undefined => {
    const n = t?.fields.get(name)?.typeName;
    return n ? schema.types.get(n) : undefined;
  };
  const pick = (t: TypeInfo | undefined, names: string[]): Sel[] =>
    names.filter((n) => has(t, n, 'scalar')).map((name) => ({ name }));

  out.push(...pick(type, ['id', 'publicId', 'name']));

  const state = type.fields.get('state');
  if (state?.kind === 'scalar') out.push({ name: 'state' });
  else if (state && has(typeOf(type, 'state'), 'name', 'scalar')) out.push({ name: 'state', sub: [{ name: 'name' }] });

  const description = type.fields.get('description');
  const descriptionValue = description?.kind === 'object' ? valueSelection(schema, description.typeName) : null;
  if (description?.kind === 'scalar') out.push({ name: 'description' });
  else if (descriptionValue && (descriptionValue.shape === 'rich' || descriptionValue.shape === 'document')) out.push({ name: 'description', sub: descriptionValue.sub });

  if (type.fields.get('assignees')?.kind === 'list') {
    const sub = pick(typeOf(type, 'assignees'), ['name', 'email']);
    if (sub.length > 0) out.push({ name: 'assignees', sub });
  }

  if (type.fields.get('comments')?.kind === 'list') {
    const comment = typeOf(type, 'comments');
    const sub: Sel[] = [];
    // The author: `author`, else the `createdBy` every Fibery entity has.
    for (const name of ['author', 'createdBy']) {
      const author = comment?.fields.get(name);
      const alias = name === 'author' ? {} : { alias: 'author' };
      if (author?.kind === 'scalar') sub.push({ name, ...alias });
      else if (author) {
        const who = pick(typeOf(comment, name), ['name', 'email']);
        if (who.length > 0) sub.push({ name, ...alias, sub: who });
      }
      if (sub.length > 0) break;
    }
    sub.push(...pick(comment, ['creationDate']));
    const text = commentText(schema, comment);
    if (text) sub.push(text);
    if (sub.length > 0) out.push({ name: 'comments', sub });
  }

  out.push(...pick(type, ['creationDate', 'modificationDate']));
  return out;
}
