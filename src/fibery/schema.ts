/**
 * What the Fibery client learns from GraphQL introspection of one space endpoint:
 * the `find…` queries and, per type, which fields exist and whether each is a scalar,
 * an object (relation, rich text, enum) or a list (collection).
 */
import { z } from 'zod';
import { pluralQueryName, transliterate, fieldToGraphqlName } from './naming.js';

export type FieldKind = 'scalar' | 'object' | 'list';

export interface FieldInfo {
  name: string;
  kind: FieldKind;
  /** Named type after unwrapping NON_NULL / LIST. */
  typeName: string | null;
  /** Fibery puts the storage name here (`Scrum/Planned Release Date`); null when absent. */
  description: string | null;
}

export interface TypeInfo {
  name: string;
  fields: Map<string, FieldInfo>;
}

export interface SpaceSchema {
  /** Query field name → named return type. */
  queries: Map<string, string | null>;
  /** Query field name → its arguments (name → named input type). */
  queryArgs: Map<string, Map<string, string | null>>;
  types: Map<string, TypeInfo>;
  /** Input object types (filters) → the names of their fields (`is`, `in`, `contains`, …). */
  inputTypes: Map<string, Set<string>>;
}

const TYPE_REF = 'kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } }';

/** A compact standard introspection query: fields with their type refs, query arguments, filter inputs. */
export const INTROSPECTION_QUERY = `query VoltIntrospection {
  __schema {
    queryType { name }
    types { kind name fields { name description args { name type { ${TYPE_REF} } } type { ${TYPE_REF} } } inputFields { name } }
  }
}`;

interface TypeRef {
  kind?: unknown;
  name?: unknown;
  ofType?: unknown;
}

const fieldSchema = z.object({
  name: z.string(),
  description: z.string().nullish(),
  type: z.unknown(),
  args: z.array(z.object({ name: z.string(), type: z.unknown() })).nullish(),
});
const introspectionSchema = z.object({
  data: z.object({
    __schema: z.object({
      queryType: z.object({ name: z.string() }).nullish(),
      types: z.array(
        z.object({
          kind: z.string(),
          name: z.string().nullish(),
          fields: z.array(fieldSchema).nullish(),
          inputFields: z.array(z.object({ name: z.string() })).nullish(),
        }),
      ),
    }),
  }),
});

/** Unwrap NON_NULL/LIST wrappers: whether a list was crossed, and the named type's kind and name. */
function unwrap(ref: unknown): { list: boolean; kind: string | null; name: string | null } {
  let list = false;
  let cur = ref as TypeRef | null | undefined;
  for (let depth = 0; cur && depth < 8; depth++) {
    if (cur.kind === 'NON_NULL') cur = cur.ofType as TypeRef | null;
    else if (cur.kind === 'LIST') {
      list = true;
      cur = cur.ofType as TypeRef | null;
    } else {
      return { list, kind: typeof cur.kind === 'string' ? cur.kind : null, name: typeof cur.name === 'string' ? cur.name : null };
    }
  }
  return { list, kind: null, name: null };
}

function classify(ref: unknown): FieldInfo['kind'] {
  const { list, kind } = unwrap(ref);
  const isObject = kind === 'OBJECT' || kind === 'INTERFACE' || kind === 'UNION';
  if (!isObject) return 'scalar';
  return list ? 'list' : 'object';
}

/** Parse an introspection response; null when it is not a usable `__schema`. */
export function parseIntrospection(body: unknown): SpaceSchema | null {
  const parsed = introspectionSchema.safeParse(body);
  if (!parsed.success) return null;
  const { queryType, types } = parsed.data.data.__schema;
  const typeMap = new Map<string, TypeInfo>();
  const inputTypes = new Map<string, Set<string>>();
  for (const t of types) {
    if (t.name && t.inputFields) inputTypes.set(t.name, new Set(t.inputFields.map((f) => f.name)));
    if (!t.name || !t.fields) continue;
    const fields = new Map<string, FieldInfo>();
    for (const f of t.fields) fields.set(f.name, { name: f.name, kind: classify(f.type), typeName: unwrap(f.type).name, description: f.description ?? null });
    typeMap.set(t.name, { name: t.name, fields });
  }
  const queries = new Map<string, string | null>();
  const queryArgs = new Map<string, Map<string, string | null>>();
  const queryTypeName = queryType?.name ?? 'Query';
  const queryTypeInfo = typeMap.get(queryTypeName);
  if (!queryTypeInfo) return null;
  for (const f of queryTypeInfo.fields.values()) queries.set(f.name, f.typeName);
  for (const f of types.find((t) => t.name === queryTypeName)?.fields ?? []) {
    queryArgs.set(f.name, new Map((f.args ?? []).map((a) => [a.name, unwrap(a.type).name])));
  }
  return { queries, queryArgs, types: typeMap, inputTypes };
}

const alnum = (s: string): string => transliterate(s).replace(/[^A-Za-z0-9]/g, '').toLowerCase();

/**
 * The `find…` query for a Fibery type: the derived plural name matched case-insensitively,
 * else the `find*` query whose return type's name is the type's, with or without its space in
 * front (real object types are `{Space}{Type}`: `ScrumTask`), non-alphanumerics ignored.
 */
export function findQueryFor(schema: SpaceSchema, typeName: string, space = ''): { queryName: string; returnType: string | null } | null {
  const derived = pluralQueryName(typeName).toLowerCase();
  for (const [name, ret] of schema.queries) {
    if (name.toLowerCase() === derived) return { queryName: name, returnType: ret };
  }
  const bare = typeName.includes('/') ? typeName.slice(typeName.indexOf('/') + 1) : typeName;
  const wanted = new Set([alnum(bare), alnum(`${space}${bare}`)]);
  for (const [name, ret] of schema.queries) {
    if (name.startsWith('find') && ret && wanted.has(alnum(ret))) return { queryName: name, returnType: ret };
  }
  return null;
}

/** What a non-scalar field's type holds, so the client selects and stores it the right way. */
export type ValueShape = 'rich' | 'document' | 'enum' | 'range' | 'relation';

/** Fields of Fibery's single-select and workflow-state types (`id publicId rank icon name`, `final`). */
const ENUM_FIELDS = new Set(['id', 'publicId', 'rank', 'icon', 'name', 'color', 'final', 'value']);

/**
 * Rich text (`RichField { secret md html jsonString text }`), a document known by its secret only,
 * a single-select or workflow state (an object of enum fields, no `creationDate`: every entity
 * has one), a date range (`DateRange { start end }`), else a relation to an entity.
 */
export function valueShape(type: TypeInfo | undefined): ValueShape {
  if (!type) return 'relation';
  const scalar = (n: string) => type.fields.get(n)?.kind === 'scalar';
  if (scalar('md') || scalar('text')) return 'rich';
  if (scalar('start') && scalar('end')) return 'range';
  const names = [...type.fields.keys()];
  if (scalar('name') && !type.fields.has('creationDate') && names.every((n) => ENUM_FIELDS.has(n)) && names.some((n) => n === 'rank' || n === 'icon' || n === 'final')) {
    return 'enum';
  }
  if (scalar('secret') && !scalar('publicId')) return 'document';
  return 'relation';
}

/** The name a field is known by in Fibery: its storage name without the space (`Planned Release Date`), else its GraphQL name. */
export function displayNameOf(field: FieldInfo): string {
  const d = field.description?.trim();
  if (d && /^[^/\n]+\/[^\n]+$/.test(d)) return d.slice(d.indexOf('/') + 1);
  return field.name;
}

/** The GraphQL field for a configured field name: derived name exact, case-insensitive, then alphanumerics only. */
export function findField(type: TypeInfo, configuredName: string): FieldInfo | null {
  const derived = fieldToGraphqlName(configuredName);
  const exact = type.fields.get(derived);
  if (exact) return exact;
  const lower = derived.toLowerCase();
  const bare = configuredName.includes('/') ? configuredName.slice(configuredName.indexOf('/') + 1) : configuredName;
  const wanted = alnum(bare);
  let loose: FieldInfo | null = null;
  for (const f of type.fields.values()) {
    if (f.name.toLowerCase() === lower) return f;
    if (!loose && alnum(f.name) === wanted) loose = f;
  }
  return loose;
}

/** Whether `find…(publicId: { in: [...] })` is accepted: one query per batch instead of one alias per id. */
export function acceptsPublicIdIn(schema: SpaceSchema, queryName: string): boolean {
  const filterType = schema.queryArgs.get(queryName)?.get('publicId');
  return !!filterType && (schema.inputTypes.get(filterType)?.has('in') ?? false);
}
