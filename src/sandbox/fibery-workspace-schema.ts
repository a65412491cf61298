/**
 * The commands API's `fibery.schema/query` answer of the sandbox workspace, generated from the same
 * dataset as its GraphQL schema, in the shape of a real workspace's recorded answer
 * (shared/facts/fixtures): per type `fibery/name` and `fibery/fields[]` with `fibery/name`,
 * `fibery/type` and `fibery/meta` (`fibery/collection?`, `fibery/relation`), the shared fields every
 * entity has (`fibery/id`, `workflow/state`, `assignments/assignees`, `comments/comments` …), and the
 * platform types they point at (`comments/comment` with its `comment/document-secret`, `fibery/user`,
 * `Collaboration~Documents/Document`, workflow-state and single-select enum types).
 */
import type { Dataset, DatasetField } from './dataset.js';
import { RICH_TEXT, type FiberyWritableType } from './fibery-commands.js';
import { stableUuid } from './http.js';

interface SchemaField {
  'fibery/name': string;
  'fibery/type': string;
  'fibery/meta': Record<string, unknown>;
  'fibery/id': string;
}

interface SchemaType {
  'fibery/name': string;
  'fibery/fields': SchemaField[];
  'fibery/meta': Record<string, unknown>;
  'fibery/id': string;
}

const PRIMITIVE: Partial<Record<DatasetField['kind'], string>> = {
  text: 'fibery/text',
  number: 'fibery/decimal',
  date: 'fibery/date',
  datetime: 'fibery/date-time',
  boolean: 'fibery/bool',
  date_range: 'fibery/date-range',
  rich_text: RICH_TEXT,
};

function field(owner: string, name: string, type: string, meta: Record<string, unknown> = {}): SchemaField {
  return { 'fibery/name': name, 'fibery/type': type, 'fibery/meta': meta, 'fibery/id': stableUuid(`field:${owner}:${name}`) };
}

function type(name: string, fields: SchemaField[], meta: Record<string, unknown>): SchemaType {
  return { 'fibery/name': name, 'fibery/fields': fields, 'fibery/meta': meta, 'fibery/id': stableUuid(`type:${name}`) };
}

/** The platform types the entity fields refer to, trimmed as the recorded answer has them. */
function platformTypes(): SchemaType[] {
  const comment = 'comments/comment';
  return [
    type(
      comment,
      [
        field(comment, 'fibery/id', 'fibery/uuid', { 'fibery/id?': true, 'fibery/readonly?': true }),
        field(comment, 'fibery/public-id', 'fibery/text', { 'fibery/public-id?': true, 'fibery/readonly?': true }),
        field(comment, 'fibery/creation-date', 'fibery/date-time', { 'fibery/creation-date?': true, 'fibery/readonly?': true }),
        field(comment, 'fibery/created-by', 'fibery/user', { 'fibery/readonly?': true, 'ui/hidden?': true }),
        field(comment, 'comment/author', 'fibery/user', { 'fibery/relation': stableUuid('relation:comment/author') }),
        field(comment, 'comment/document-secret', 'fibery/uuid', { 'fibery/required?': true }),
        field(comment, 'comments/parent', comment, {}),
      ],
      { 'fibery/domain?': false, 'fibery/entity-component?': true, 'fibery/platform?': true },
    ),
    type('fibery/user', [field('fibery/user', 'fibery/id', 'fibery/uuid'), field('fibery/user', 'fibery/public-id', 'fibery/text'), field('fibery/user', 'user/email', 'fibery/email'), field('fibery/user', 'user/name', 'fibery/text', { 'fibery/required?': true })], {
      'fibery/domain?': true,
      'fibery/platform?': true,
    }),
    type(
      RICH_TEXT,
      [
        field(RICH_TEXT, 'fibery/id', 'fibery/uuid'),
        field(RICH_TEXT, 'Collaboration~Documents/Snippet', 'fibery/text'),
        field(RICH_TEXT, 'Collaboration~Documents/secret', 'fibery/uuid', { 'fibery/required?': true }),
      ],
      { 'fibery/domain?': false, 'fibery/entity-component?': true, 'fibery/platform?': true },
    ),
  ];
}

function enumType(name: string, of: string | null): SchemaType {
  const fields = [field(name, 'fibery/id', 'fibery/uuid'), field(name, 'fibery/public-id', 'fibery/text'), field(name, 'fibery/rank', 'fibery/rank'), field(name, 'enum/name', 'fibery/text')];
  if (of) fields.push(field(name, 'workflow/Final', 'fibery/bool', { 'fibery/required?': true }), field(name, 'workflow/objects', of, { 'fibery/collection?': true }));
  return type(name, fields, { 'fibery/domain?': false, 'fibery/enum?': true });
}

/** The `result` of `fibery.schema/query`: the dataset's types, the writable ones it lacks, the platform types. */
export function workspaceSchemaOf(dataset: Dataset, writable: readonly FiberyWritableType[] = []): { 'fibery/version': number; 'fibery/types': SchemaType[] } {
  const types: SchemaType[] = [];
  for (const space of dataset.fibery.spaces) {
    for (const t of space.types) {
      const key = `${space.name}/${t.name}`;
      const fields = [
        field(key, 'fibery/id', 'fibery/uuid', { 'fibery/id?': true, 'fibery/readonly?': true }),
        field(key, 'fibery/public-id', 'fibery/text', { 'fibery/public-id?': true, 'fibery/readonly?': true }),
        field(key, 'fibery/creation-date', 'fibery/date-time', { 'fibery/creation-date?': true, 'fibery/readonly?': true }),
        field(key, 'fibery/modification-date', 'fibery/date-time', { 'fibery/required?': true }),
        field(key, 'fibery/created-by', 'fibery/user', { 'fibery/readonly?': true }),
        field(key, `${space.name}/Name`, 'fibery/text', { 'ui/title?': true }),
        field(key, `${space.name}/Description`, RICH_TEXT, { 'fibery/required?': true }),
        field(key, 'workflow/state', `workflow/state_${key}`, { 'fibery/relation': stableUuid(`relation:${key}:state`), 'fibery/required?': true }),
        field(key, 'assignments/assignees', 'fibery/user', { 'fibery/collection?': true, 'fibery/relation': stableUuid(`relation:${key}:assignees`) }),
        field(key, 'comments/comments', 'comments/comment', { 'fibery/collection?': true }),
      ];
      for (const f of t.fields) {
        const name = `${space.name}/${f.name}`;
        if (f.kind === 'relation' || f.kind === 'relation_list') {
          fields.push(field(key, name, f.target ?? 'fibery/unknown', { 'fibery/relation': stableUuid(`relation:${key}:${f.name}`), ...(f.kind === 'relation_list' ? { 'fibery/collection?': true } : {}) }));
        } else if (f.kind === 'single_select') {
          const enumName = `${name}_${key}`;
          fields.push(field(key, name, enumName, { 'fibery/relation': stableUuid(`relation:${key}:${f.name}`), 'fibery/required?': false }));
          types.push(enumType(enumName, null));
        } else {
          fields.push(field(key, name, PRIMITIVE[f.kind] ?? 'fibery/text'));
        }
      }
      types.push(type(key, fields, { 'fibery/domain?': true, 'app/mixins': { 'comments/comments-mixin': true, 'workflow/workflow': true } }));
      types.push(enumType(`workflow/state_${key}`, key));
    }
  }
  const known = new Set(types.map((t) => t['fibery/name']));
  for (const w of writable) {
    if (known.has(w.name)) continue;
    types.push(type(w.name, [field(w.name, 'fibery/id', 'fibery/uuid'), ...Object.entries(w.fields).map(([n, ft]) => field(w.name, n, ft))], { 'fibery/domain?': true }));
  }
  return { 'fibery/version': 6208, 'fibery/types': [...types, ...platformTypes()] };
}
