/**
 * The GraphQL schema of one Fibery space, built with graphql-js from the dataset: `find<Plural>`
 * queries with `id`/`publicId`/`name`/`state` filters (`is`, `contains`, `isNull`, `in`, `notIn`),
 * `limit` (default 100) and `offset`; rich text in four formats; comments in the shape the space
 * declares (see COMMENT_SHAPES), which introspection shows.
 */
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
  type GraphQLFieldConfig,
  type GraphQLFieldConfigMap,
  type GraphQLOutputType,
} from 'graphql';
import { stableUuid } from './http.js';
import { mdToHtml, mdToJsonString, mdToText } from './rich-text.js';
import { findQueryName, graphqlFieldName, graphqlTypeName } from './fibery-naming.js';
import type { CommentShape, DatasetEntity, DatasetEntityType, DatasetField, DatasetFieldValue, DatasetRelationRef, DatasetSpace } from './dataset.js';

/** What the resolvers note about a request, for the request log. */
export interface FiberyContext {
  publicIds: string[];
}

type StringFilter = { is?: string | null; contains?: string | null; isNull?: boolean | null; in?: string[] | null; notIn?: string[] | null };
interface FindArgs {
  id?: StringFilter | null;
  publicId?: StringFilter | null;
  name?: StringFilter | null;
  state?: { name?: StringFilter | null } | null;
  limit?: number | null;
  offset?: number | null;
}

interface RenderedEntity {
  position: number;
  id: string;
  publicId: string;
  name: string;
  state: { id: string; name: string } | null;
  [key: string]: unknown;
}

interface ExtraField {
  field: DatasetField;
  gqlName: string;
}

const HELPER_TYPES = ['Query', 'StringFilter', 'IDFilter', 'WorkflowStateFilter', 'RichText', 'WorkflowState', 'FiberyUser', 'Comment', 'EntityRef'];
const BUILTIN_FIELDS = ['id', 'publicId', 'name', 'state', 'description', 'assignees', 'comments', 'creationDate', 'modificationDate'];

function matchString(value: string | null, f: StringFilter | null | undefined): boolean {
  if (!f) return true;
  const empty = value === null || value === '';
  if (f.isNull === true && !empty) return false;
  if (f.isNull === false && empty) return false;
  if (f.is !== undefined && f.is !== null && value !== f.is) return false;
  if (f.contains !== undefined && f.contains !== null && !(value ?? '').toLowerCase().includes(f.contains.toLowerCase())) return false;
  if (f.in && (value === null || !f.in.includes(value))) return false;
  if (f.notIn && value !== null && f.notIn.includes(value)) return false;
  return true;
}

/** The four rich-text formats, derived on demand from `md` on the source object. */
function richTextFields(): GraphQLFieldConfigMap<{ md: string }, unknown> {
  return {
    md: { type: GraphQLString },
    text: { type: GraphQLString, resolve: (src) => mdToText(src.md) },
    html: { type: GraphQLString, resolve: (src) => mdToHtml(src.md) },
    jsonString: { type: GraphQLString, resolve: (src) => mdToJsonString(src.md) },
  };
}

function helperTypes(shape: CommentShape) {
  const stringFilter = new GraphQLInputObjectType({
    name: 'StringFilter',
    fields: {
      is: { type: GraphQLString },
      contains: { type: GraphQLString },
      isNull: { type: GraphQLBoolean },
      in: { type: new GraphQLList(new GraphQLNonNull(GraphQLString)) },
      notIn: { type: new GraphQLList(new GraphQLNonNull(GraphQLString)) },
    },
  });
  const idFilter = new GraphQLInputObjectType({
    name: 'IDFilter',
    fields: {
      is: { type: GraphQLID },
      isNull: { type: GraphQLBoolean },
      in: { type: new GraphQLList(new GraphQLNonNull(GraphQLID)) },
      notIn: { type: new GraphQLList(new GraphQLNonNull(GraphQLID)) },
    },
  });
  const stateFilter = new GraphQLInputObjectType({ name: 'WorkflowStateFilter', fields: { name: { type: stringFilter } } });
  const richText = new GraphQLObjectType({ name: 'RichText', fields: richTextFields });
  const state = new GraphQLObjectType({ name: 'WorkflowState', fields: { id: { type: GraphQLID }, name: { type: GraphQLString } } });
  const user = new GraphQLObjectType({ name: 'FiberyUser', fields: { id: { type: GraphQLID }, name: { type: GraphQLString }, email: { type: GraphQLString } } });
  const common = { id: { type: GraphQLID }, author: { type: user }, creationDate: { type: GraphQLString } };
  const comment = new GraphQLObjectType<{ md: string }>({
    name: 'Comment',
    fields: shape === 'scalar' ? { ...common, ...richTextFields() } : { ...common, content: { type: richText } },
  });
  const ref = new GraphQLObjectType({ name: 'EntityRef', fields: { id: { type: GraphQLID }, publicId: { type: GraphQLString }, name: { type: GraphQLString } } });
  return { stringFilter, idFilter, stateFilter, richText, state, user, comment, ref };
}

/** Builds the GraphQL schema of one space. Throws on names that would clash. */
export function buildSpaceSchema(space: DatasetSpace, refId: (ref: DatasetRelationRef) => string): { schema: GraphQLSchema; typeOfField: Map<string, string> } {
  const h = helperTypes(space.comment_shape);
  const scalarOf = (f: DatasetField): GraphQLOutputType => {
    if (f.kind === 'number') return GraphQLFloat;
    if (f.kind === 'boolean') return GraphQLBoolean;
    if (f.kind === 'relation') return h.ref;
    if (f.kind === 'relation_list') return new GraphQLList(h.ref);
    return GraphQLString;
  };

  const typeOfField = new Map<string, string>();
  const queryFields: Record<string, GraphQLFieldConfig<unknown, FiberyContext, FindArgs>> = {};
  const usedTypeNames = new Map<string, string>();
  for (const t of space.types) {
    const typeName = graphqlTypeName(t.name);
    if (!typeName) throw new Error(`Fibery sandbox: type "${t.name}" in space "${space.name}" has no usable GraphQL name`);
    if (HELPER_TYPES.includes(typeName)) throw new Error(`Fibery sandbox: type "${t.name}" in space "${space.name}" clashes with the built-in GraphQL type ${typeName}`);
    const clash = usedTypeNames.get(typeName);
    if (clash) throw new Error(`Fibery sandbox: types "${clash}" and "${t.name}" in space "${space.name}" both map to GraphQL type ${typeName}`);
    usedTypeNames.set(typeName, t.name);

    const extra = extraFields(space, t);
    const objectType = new GraphQLObjectType({
      name: typeName,
      description: `${space.name}/${t.name}`,
      fields: () => {
        const fields: Record<string, GraphQLFieldConfig<unknown, unknown>> = {
          id: { type: new GraphQLNonNull(GraphQLID) },
          publicId: { type: GraphQLString },
          name: { type: GraphQLString },
          state: { type: h.state },
          description: { type: h.richText },
          assignees: { type: new GraphQLList(h.user) },
          comments: { type: new GraphQLList(h.comment) },
          creationDate: { type: GraphQLString },
          modificationDate: { type: GraphQLString },
        };
        for (const { field, gqlName } of extra) fields[gqlName] = { type: scalarOf(field), description: field.name };
        return fields;
      },
    });

    const find = finder(t.entities.map((e, i) => renderEntity(space, t, e, i, extra, refId)));
    const typeKey = `${space.name}/${t.name}`;
    const queryName = findQueryName(t.name);
    typeOfField.set(queryName, typeKey);
    queryFields[queryName] = {
      type: new GraphQLList(objectType),
      description: `Entities of ${typeKey}`,
      args: {
        id: { type: h.idFilter },
        publicId: { type: h.stringFilter },
        name: { type: h.stringFilter },
        state: { type: h.stateFilter },
        limit: { type: GraphQLInt, defaultValue: 100 },
        offset: { type: GraphQLInt, defaultValue: 0 },
      },
      resolve: (_src, args, ctx) => {
        ctx.publicIds.push(...[args.publicId?.is, ...(args.publicId?.in ?? [])].filter((x): x is string => typeof x === 'string'));
        return find(args);
      },
    };
  }
  if (Object.keys(queryFields).length === 0) {
    queryFields._empty = { type: GraphQLString, description: 'This space has no types.', resolve: () => null };
  }
  const schema = new GraphQLSchema({ query: new GraphQLObjectType({ name: 'Query', fields: queryFields }) });
  return { schema, typeOfField };
}

function extraFields(space: DatasetSpace, t: DatasetEntityType): ExtraField[] {
  const extra: ExtraField[] = [];
  const seen = new Map<string, string>();
  for (const f of t.fields) {
    const gqlName = graphqlFieldName(f.name);
    if (!gqlName || BUILTIN_FIELDS.includes(gqlName)) continue; // the built-in field wins (e.g. a field called "Name")
    const other = seen.get(gqlName);
    if (other) throw new Error(`Fibery sandbox: fields "${other}" and "${f.name}" of ${space.name}/${t.name} both map to ${gqlName}`);
    seen.set(gqlName, f.name);
    extra.push({ field: f, gqlName });
  }
  return extra;
}

/** The filter, limit and offset of a find query; public-id filters are looked up, not scanned. */
function finder(rendered: RenderedEntity[]): (args: FindArgs) => RenderedEntity[] {
  const byPublicId = new Map<string, RenderedEntity[]>();
  for (const r of rendered) byPublicId.set(r.publicId, [...(byPublicId.get(r.publicId) ?? []), r]);
  const lookup = (ids: string[]) => [...new Set(ids)].flatMap((id) => byPublicId.get(id) ?? []).sort((a, b) => a.position - b.position);
  return (args) => {
    const limit = Math.max(0, args.limit ?? 100);
    const offset = Math.max(0, args.offset ?? 0);
    const p = args.publicId;
    const candidates = typeof p?.is === 'string' ? (byPublicId.get(p.is) ?? []) : p?.in ? lookup(p.in) : rendered;
    return candidates
      .filter((r) => matchString(r.id, args.id) && matchString(r.publicId, p) && matchString(r.name, args.name) && matchString(r.state?.name ?? null, args.state?.name))
      .slice(offset, offset + limit);
  };
}

function renderValue(f: DatasetField, v: DatasetFieldValue | undefined, refId: (ref: DatasetRelationRef) => string): unknown {
  if (v === undefined || v === null) return f.kind === 'relation_list' ? [] : null;
  const ref = (r: DatasetRelationRef) => ({ id: refId(r), publicId: r.public_id, name: r.name });
  if (f.kind === 'relation') return Array.isArray(v) ? (v[0] ? ref(v[0]) : null) : typeof v === 'object' ? ref(v) : null;
  if (f.kind === 'relation_list') return Array.isArray(v) ? v.map(ref) : typeof v === 'object' ? [ref(v)] : [];
  return v;
}

function renderEntity(space: DatasetSpace, type: DatasetEntityType, e: DatasetEntity, position: number, extra: ExtraField[], refId: (ref: DatasetRelationRef) => string): RenderedEntity {
  const user = (name: string, email?: string | null) => ({ id: stableUuid(`user:${email ?? name}`), name, email: email ?? null });
  const out: RenderedEntity = {
    position,
    id: e.id,
    publicId: e.public_id,
    name: e.name,
    state: e.state === null ? null : { id: stableUuid(`state:${space.name}/${type.name}/${e.state}`), name: e.state },
    description: { md: e.description_md ?? '' },
    assignees: e.assignees.map((a) => user(a.name, a.email)),
    comments: e.comments.map((c, i) => {
      const base = { id: stableUuid(`comment:${e.id}:${i}`), author: user(c.author), creationDate: c.created_at };
      return space.comment_shape === 'scalar' ? { ...base, md: c.text_md } : { ...base, content: { md: c.text_md } };
    }),
    creationDate: e.created_at,
    modificationDate: e.modified_at,
  };
  for (const { field, gqlName } of extra) out[gqlName] = renderValue(field, e.values[field.name], refId);
  return out;
}
