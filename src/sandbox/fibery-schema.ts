/**
 * The GraphQL schema of one Fibery space, built with graphql-js from the dataset and named as the
 * real API names things: `{Space}{Type}` object types (`ScrumTask`), `WorkflowState{Space}{Type}`,
 * single-selects as option types, `FiberyUser`, `RichField { secret md html jsonString text }`,
 * `DateRange { start end }`, relations to another space's types by that type's name; each field's
 * description is its storage name. `find<Plural>` queries with `id`/`publicId`/`name`/`state`
 * filters (`is`, `contains`, `isNull`, `in`, `notIn`), `limit` (default 100) and `offset`;
 * comments in the shape the space declares (see COMMENT_SHAPES), which introspection shows.
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
import { findQueryName, graphqlFieldName, graphqlObjectTypeName, graphqlTypeName } from './fibery-naming.js';
import { commentSecret, descriptionSecret, fieldSecret } from './fibery-documents.js';
import type { CommentShape, DatasetEntity, DatasetEntityType, DatasetField, DatasetRelationRef, DatasetSpace } from './dataset.js';

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
  state: { id: string; name: string; final?: boolean } | null;
  [key: string]: unknown;
}

interface ExtraField {
  field: DatasetField;
  gqlName: string;
}

const HELPER_TYPES = ['Query', 'StringFilter', 'IDFilter', 'WorkflowStateFilter', 'RichField', 'DateRange', 'FiberyUser', 'Comment', 'EntityRef'];
const BUILTIN_FIELDS = ['id', 'publicId', 'name', 'state', 'description', 'assignees', 'comments', 'creationDate', 'modificationDate', 'createdBy'];

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

/** The four rich-text formats, derived on demand from `md` on the source object, and the document's secret. */
function richTextFields(): GraphQLFieldConfigMap<{ md: string; secret?: string }, unknown> {
  return {
    secret: { type: GraphQLString, resolve: (src) => src.secret ?? null },
    md: { type: GraphQLString },
    text: { type: GraphQLString, resolve: (src) => mdToText(src.md) },
    html: { type: GraphQLString, resolve: (src) => mdToHtml(src.md) },
    jsonString: { type: GraphQLString, resolve: (src) => mdToJsonString(src.md) },
  };
}

/** The types every space shares, named as the real API names them (`RichField`, `FiberyUser`, `DateRange`). */
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
  const richText = new GraphQLObjectType({ name: 'RichField', fields: richTextFields });
  const dateRange = new GraphQLObjectType({ name: 'DateRange', fields: { start: { type: GraphQLString }, end: { type: GraphQLString } } });
  const user = new GraphQLObjectType({
    name: 'FiberyUser',
    fields: { id: { type: GraphQLID }, publicId: { type: GraphQLString }, active: { type: GraphQLBoolean }, creationDate: { type: GraphQLString }, name: { type: GraphQLString }, email: { type: GraphQLString } },
  });
  const base = { id: { type: GraphQLID }, creationDate: { type: GraphQLString } };
  const commentFields: GraphQLFieldConfigMap<{ md: string }, unknown> =
    shape === 'scalar'
      ? { ...base, author: { type: user }, ...richTextFields() }
      : shape === 'content'
        ? { ...base, author: { type: user }, createdBy: { type: user }, content: { type: richText } }
        : // As stored in 2025: nothing but the document's secret; the author is who created it.
          { ...base, publicId: { type: GraphQLString }, createdBy: { type: user }, documentSecret: { type: GraphQLString, description: 'comment/document-secret' } };
  const comment = new GraphQLObjectType<{ md: string }>({ name: 'Comment', fields: commentFields });
  const ref = new GraphQLObjectType({ name: 'EntityRef', fields: { id: { type: GraphQLID }, publicId: { type: GraphQLString }, name: { type: GraphQLString } } });
  return { stringFilter, idFilter, stateFilter, richText, dateRange, user, comment, ref };
}

/** A workflow state or single-select option: `{ id publicId rank icon name }` (states add `final`). */
function enumType(name: string, description: string, withFinal: boolean): GraphQLObjectType {
  return new GraphQLObjectType({
    name,
    description,
    fields: {
      id: { type: GraphQLID },
      publicId: { type: GraphQLString },
      rank: { type: GraphQLFloat },
      icon: { type: GraphQLString },
      name: { type: GraphQLString },
      ...(withFinal ? { final: { type: GraphQLBoolean } } : {}),
    },
  });
}

/** Builds the GraphQL schema of one space. Throws on names that would clash. */
export function buildSpaceSchema(space: DatasetSpace, refId: (ref: DatasetRelationRef) => string): { schema: GraphQLSchema; typeOfField: Map<string, string> } {
  const h = helperTypes(space.comment_shape);
  const objectTypes = new Map<string, GraphQLObjectType>();
  const foreignTypes = new Map<string, GraphQLObjectType>();
  const renderedById = new Map<string, RenderedEntity>();
  /** A relation's type: the space's own object type, another space's as a small type of the same name, or a generic reference. */
  const relationType = (f: DatasetField): GraphQLObjectType => {
    const target = f.target ? splitTypeKey(f.target) : null;
    if (!target) return h.ref;
    if (target.space === space.name) return objectTypes.get(target.type) ?? h.ref;
    const name = graphqlObjectTypeName(target.space, target.type);
    let t = foreignTypes.get(name);
    if (!t) {
      t = new GraphQLObjectType({ name, description: f.target, fields: { id: { type: GraphQLID }, publicId: { type: GraphQLString }, name: { type: GraphQLString }, creationDate: { type: GraphQLString } } });
      foreignTypes.set(name, t);
    }
    return t;
  };
  const enumTypes = new Map<string, GraphQLObjectType>();
  const fieldType = (t: DatasetEntityType, f: DatasetField): GraphQLOutputType => {
    if (f.kind === 'number') return GraphQLFloat;
    if (f.kind === 'boolean') return GraphQLBoolean;
    if (f.kind === 'relation') return relationType(f);
    if (f.kind === 'relation_list') return new GraphQLList(relationType(f));
    if (f.kind === 'rich_text') return h.richText;
    if (f.kind === 'date_range') return h.dateRange;
    if (f.kind === 'single_select') {
      const name = `${graphqlTypeName(space.name)}${graphqlTypeName(f.name)}_${graphqlObjectTypeName(space.name, t.name)}`;
      let e = enumTypes.get(name);
      if (!e) enumTypes.set(name, (e = enumType(name, `${space.name}/${f.name}_${space.name}/${t.name}`, false)));
      return e;
    }
    return GraphQLString;
  };
  /** Relations resolve to the space's own entity where there is one, so its fields can be selected too. */
  const resolveRef = (v: unknown): unknown => {
    const one = (r: unknown) => (r && typeof r === 'object' ? (renderedById.get(String((r as { id?: unknown }).id)) ?? r) : r);
    return Array.isArray(v) ? v.map(one) : one(v);
  };

  const typeOfField = new Map<string, string>();
  const queryFields: Record<string, GraphQLFieldConfig<unknown, FiberyContext, FindArgs>> = {};
  const usedTypeNames = new Map<string, string>();
  for (const t of space.types) {
    const typeName = graphqlObjectTypeName(space.name, t.name);
    if (!graphqlTypeName(t.name)) throw new Error(`Fibery sandbox: type "${t.name}" in space "${space.name}" has no usable GraphQL name`);
    if (HELPER_TYPES.includes(typeName)) throw new Error(`Fibery sandbox: type "${t.name}" in space "${space.name}" clashes with the built-in GraphQL type ${typeName}`);
    const clash = usedTypeNames.get(typeName);
    if (clash) throw new Error(`Fibery sandbox: types "${clash}" and "${t.name}" in space "${space.name}" both map to GraphQL type ${typeName}`);
    usedTypeNames.set(typeName, t.name);

    const extra = extraFields(space, t);
    const state = enumType(`WorkflowState${typeName}`, `workflow/state_${space.name}/${t.name}`, true);
    const objectType = new GraphQLObjectType({
      name: typeName,
      description: `${space.name}/${t.name}`,
      fields: () => {
        const fields: Record<string, GraphQLFieldConfig<Record<string, unknown>, unknown>> = {
          id: { type: new GraphQLNonNull(GraphQLID), description: 'fibery/id' },
          publicId: { type: GraphQLString, description: 'fibery/public-id' },
          name: { type: GraphQLString, description: `${space.name}/Name` },
          state: { type: state, description: 'workflow/state' },
          description: { type: h.richText, description: `${space.name}/Description` },
          assignees: { type: new GraphQLList(h.user), description: 'assignments/assignees' },
          comments: { type: new GraphQLList(h.comment), description: 'comments/comments' },
          createdBy: { type: h.user, description: 'fibery/created-by' },
          creationDate: { type: GraphQLString, description: 'fibery/creation-date' },
          modificationDate: { type: GraphQLString, description: 'fibery/modification-date' },
        };
        for (const { field, gqlName } of extra) {
          const isRelation = field.kind === 'relation' || field.kind === 'relation_list';
          fields[gqlName] = { type: fieldType(t, field), description: `${space.name}/${field.name}`, ...(isRelation ? { resolve: (src) => resolveRef(src[gqlName]) } : {}) };
        }
        return fields;
      },
    });
    objectTypes.set(t.name, objectType);

    const rendered = t.entities.map((e, i) => renderEntity(space, t, e, i, extra, refId));
    for (const r of rendered) renderedById.set(r.id, r);
    const find = finder(rendered);
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

function splitTypeKey(key: string): { space: string; type: string } | null {
  const slash = key.indexOf('/');
  return slash > 0 ? { space: key.slice(0, slash), type: key.slice(slash + 1) } : null;
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

function renderValue(space: DatasetSpace, type: DatasetEntityType, e: DatasetEntity, f: DatasetField, refId: (ref: DatasetRelationRef) => string): unknown {
  const v = e.values[f.name];
  if (f.kind === 'rich_text') return { secret: fieldSecret(e, f.name), md: typeof v === 'string' ? v : '' };
  if (v === undefined || v === null) return f.kind === 'relation_list' ? [] : null;
  const isRef = (r: unknown): r is DatasetRelationRef => typeof r === 'object' && r !== null && 'public_id' in r;
  const ref = (r: DatasetRelationRef) => ({ id: refId(r), publicId: r.public_id, name: r.name });
  if (f.kind === 'relation') return Array.isArray(v) ? (v[0] ? ref(v[0]) : null) : isRef(v) ? ref(v) : null;
  if (f.kind === 'relation_list') return Array.isArray(v) ? v.map(ref) : isRef(v) ? [ref(v)] : [];
  if (f.kind === 'single_select' && typeof v === 'string') {
    const key = `${space.name}/${f.name}_${space.name}/${type.name}:${v}`;
    return { id: stableUuid(`option:${key}`), publicId: null, rank: null, icon: null, name: v };
  }
  return v;
}

function renderEntity(space: DatasetSpace, type: DatasetEntityType, e: DatasetEntity, position: number, extra: ExtraField[], refId: (ref: DatasetRelationRef) => string): RenderedEntity {
  const user = (name: string, email?: string | null) => ({ id: stableUuid(`user:${email ?? name}`), name, email: email ?? null, active: true });
  const out: RenderedEntity = {
    position,
    id: e.id,
    publicId: e.public_id,
    name: e.name,
    state: e.state === null ? null : { id: stableUuid(`state:${space.name}/${type.name}/${e.state}`), name: e.state, final: /^(done|closed|released|completed?)$/i.test(e.state) },
    description: { secret: descriptionSecret(e), md: e.description_md ?? '' },
    assignees: e.assignees.map((a) => user(a.name, a.email)),
    comments: e.comments.map((c, i) => {
      const base = { id: stableUuid(`comment:${e.id}:${i}`), creationDate: c.created_at };
      if (space.comment_shape === 'scalar') return { ...base, author: user(c.author), md: c.text_md };
      if (space.comment_shape === 'content') return { ...base, author: user(c.author), createdBy: user(c.author), content: { secret: commentSecret(e, i), md: c.text_md } };
      return { ...base, publicId: String(i + 1), createdBy: user(c.author), documentSecret: commentSecret(e, i) };
    }),
    createdBy: e.assignees[0] ? user(e.assignees[0].name, e.assignees[0].email) : null,
    creationDate: e.created_at,
    modificationDate: e.modified_at,
  };
  for (const { field, gqlName } of extra) out[gqlName] = renderValue(space, type, e, field, refId);
  return out;
}
