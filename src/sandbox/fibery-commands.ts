/**
 * The Fibery commands API (`POST /api/commands`) and documents API (`/api/documents/…`), simulated
 * for publishing reports: entities are created and queried, rich-text documents are read and
 * written as markdown. Requests are checked the way the real API checks them (commands and their
 * args, known types and fields); a bad command is a `{success: false, result: {name, message}}`
 * answer, a malformed request body a 400. Everything received is kept for tests to assert.
 * Authentication, latency and faults are the host server's (fibery-server.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Dataset } from './dataset.js';

export const RICH_TEXT = 'Collaboration~Documents/Document';
const SECRET_FIELD = 'Collaboration~Documents/secret';

/** A database that can be written: `Space/Type` and its fields (`Space/Field` → Fibery type). */
export interface FiberyWritableType {
  name: string;
  fields: Record<string, string>;
}

/** The type volt-agent's sample config publishes reports to. */
export const REPORT_TYPE: FiberyWritableType = {
  name: 'Reports/Weekly Report',
  fields: { 'Reports/Name': 'fibery/text', 'Reports/Description': RICH_TEXT },
};

const FIELD_TYPES: Record<string, string> = { text: 'fibery/text', number: 'fibery/decimal', boolean: 'fibery/bool', date: 'fibery/date' };

/** Every `Space/Type` of a dataset, with its name, description and scalar fields (relations are not writable here). */
export function writableTypesOf(dataset: Dataset): FiberyWritableType[] {
  return dataset.fibery.spaces.flatMap((space) =>
    space.types.map((type) => {
      const fields: Record<string, string> = { [`${space.name}/Name`]: 'fibery/text', [`${space.name}/Description`]: RICH_TEXT };
      for (const f of type.fields) {
        const t = FIELD_TYPES[f.kind];
        if (t) fields[`${space.name}/${f.name}`] = t;
      }
      return { name: `${space.name}/${type.name}`, fields };
    }),
  );
}

export interface ReceivedCommand {
  command: string;
  args: unknown;
}

export interface DocumentWrite {
  secret: string;
  format: string;
  content: string;
}

export interface CreatedEntity {
  type: string;
  'fibery/id': string;
  'fibery/public-id': string;
  'fibery/creation-date': string;
  values: Record<string, unknown>;
  /** Rich-text field → its document's secret. */
  documents: Record<string, string>;
}

export interface FiberyCommandsSimulator {
  /** True for the paths this module answers. */
  handles(pathname: string): boolean;
  handle(method: string, url: URL, body: string): { status: number; body: unknown };
  /** Every command received, batches unpacked, in order. */
  commands(): ReceivedCommand[];
  documentWrites(): DocumentWrite[];
  entities(): CreatedEntity[];
  /** The markdown of a document, undefined for an unknown secret. */
  document(secret: string): string | undefined;
  reset(): void;
}

type Answer = { success: boolean; result: unknown };

class CommandError extends Error {
  constructor(
    readonly errorName: string,
    message: string,
  ) {
    super(message);
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkValue(field: string, type: string, value: unknown): void {
  if (type === RICH_TEXT) throw new CommandError('entity.error/invalid-value', `Field "${field}" is rich text: set its document through /api/documents`);
  const ok =
    value === null ||
    (type === 'fibery/text' && typeof value === 'string') ||
    (type === 'fibery/decimal' && typeof value === 'number') ||
    (type === 'fibery/bool' && typeof value === 'boolean') ||
    (type === 'fibery/date' && typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value));
  if (!ok) throw new CommandError('entity.error/invalid-value', `Value of "${field}" is not a valid ${type}`);
}

export interface FiberyCommandsOptions {
  types: readonly FiberyWritableType[];
  /** The workspace's documents (secret → markdown): descriptions, rich-text fields, comments. */
  documents?: ReadonlyMap<string, string>;
  /** The `fibery.schema/query` result; default: the writable types' fields. */
  schema?: () => unknown;
}

export function createFiberyCommands(options: FiberyCommandsOptions): FiberyCommandsSimulator {
  const types = new Map(options.types.map((t) => [t.name, t]));
  let received: ReceivedCommand[] = [];
  let writes: DocumentWrite[] = [];
  let entities: CreatedEntity[] = [];
  let documents = new Map<string, string>(options.documents ?? []);
  const writableSchema = () => ({
    'fibery/types': [...types.values()].map((t) => ({ 'fibery/name': t.name, 'fibery/fields': Object.entries(t.fields).map(([n, ft]) => ({ 'fibery/name': n, 'fibery/type': ft })) })),
  });
  let publicIds = new Map<string, number>();

  const typeOf = (name: unknown): FiberyWritableType => {
    if (typeof name !== 'string' || !name) throw new CommandError('entity.error/invalid-args', '"type" must be a "Space/Type" string');
    const type = types.get(name);
    if (!type) throw new CommandError('entity.error/schema-type-not-found', `Type "${name}" is not found in the workspace schema`);
    return type;
  };
  const fieldOf = (type: FiberyWritableType, field: unknown): string => {
    if (typeof field !== 'string') throw new CommandError('entity.error/invalid-args', 'field names must be strings');
    if (field.startsWith('fibery/') || type.fields[field] !== undefined) return field;
    throw new CommandError('entity.error/schema-field-not-found', `Field "${field}" is not found on type "${type.name}"`);
  };

  function create(args: Record<string, unknown>): unknown {
    const type = typeOf(args.type);
    if (!isRecord(args.entity)) throw new CommandError('entity.error/invalid-args', '"entity" must be an object of field values');
    const values: Record<string, unknown> = {};
    let id: string = randomUUID();
    for (const [field, value] of Object.entries(args.entity)) {
      if (field === 'fibery/id') {
        if (typeof value !== 'string' || entities.some((e) => e['fibery/id'] === value)) {
          throw new CommandError('entity.error/invalid-value', '"fibery/id" must be a new uuid');
        }
        id = value;
        continue;
      }
      fieldOf(type, field);
      if (field.startsWith('fibery/')) throw new CommandError('entity.error/invalid-value', `Field "${field}" is read-only`);
      checkValue(field, type.fields[field]!, value);
      values[field] = value;
    }
    const docs: Record<string, string> = {};
    for (const [field, fieldType] of Object.entries(type.fields)) {
      if (fieldType !== RICH_TEXT) continue;
      const secret = randomUUID();
      docs[field] = secret;
      documents.set(secret, '');
    }
    const publicId = (publicIds.get(type.name) ?? 0) + 1;
    publicIds.set(type.name, publicId);
    const entity: CreatedEntity = {
      type: type.name,
      'fibery/id': id,
      'fibery/public-id': String(publicId),
      'fibery/creation-date': new Date().toISOString(),
      values,
      documents: docs,
    };
    entities.push(entity);
    const docRefs = Object.fromEntries(Object.keys(docs).map((f) => [f, { 'fibery/id': randomUUID() }]));
    return { 'fibery/id': id, 'fibery/public-id': entity['fibery/public-id'], 'fibery/creation-date': entity['fibery/creation-date'], ...values, ...docRefs };
  }

  /** One field of an entity, following a path like `[field, 'Collaboration~Documents/secret']`. */
  function valueAt(type: FiberyWritableType, e: CreatedEntity, path: unknown[]): unknown {
    const [head, ...rest] = path;
    const field = fieldOf(type, head);
    if (type.fields[field] === RICH_TEXT) {
      const secret = e.documents[field]!;
      if (rest.length === 0) return { [SECRET_FIELD]: secret };
      if (rest.length === 1 && rest[0] === SECRET_FIELD) return secret;
      throw new CommandError('entity.error/invalid-args', `Rich-text field "${field}" selects only ["${SECRET_FIELD}"]`);
    }
    if (rest.length > 0) throw new CommandError('entity.error/invalid-args', `Field "${field}" has no sub-fields to select`);
    return field.startsWith('fibery/') ? (e as unknown as Record<string, unknown>)[field] ?? null : e.values[field] ?? null;
  }

  function select(type: FiberyWritableType, e: CreatedEntity, sel: unknown): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (Array.isArray(sel)) {
      for (const item of sel) {
        if (typeof item === 'string') out[item] = valueAt(type, e, [item]);
        else if (isRecord(item)) {
          for (const [field, sub] of Object.entries(item)) {
            if (!Array.isArray(sub)) throw new CommandError('entity.error/invalid-args', `Sub-selection of "${field}" must be an array`);
            out[field] = type.fields[field] === RICH_TEXT ? Object.fromEntries(sub.map((s) => [String(s), valueAt(type, e, [field, s])])) : valueAt(type, e, [field, ...sub]);
          }
        } else throw new CommandError('entity.error/invalid-args', '"q/select" items must be field names or {field: [...]}');
      }
      return out;
    }
    if (isRecord(sel)) {
      for (const [alias, p] of Object.entries(sel)) out[alias] = valueAt(type, e, Array.isArray(p) ? p : [p]);
      return out;
    }
    throw new CommandError('entity.error/invalid-args', '"q/select" must be an array or an object');
  }

  /** Checks a `q/where` expression once and returns its test, so a bad query fails even on no rows. */
  function compileWhere(type: FiberyWritableType, where: unknown, params: Record<string, unknown>): (e: CreatedEntity) => boolean {
    if (where === undefined) return () => true;
    if (!Array.isArray(where) || typeof where[0] !== 'string') throw new CommandError('entity.error/invalid-args', '"q/where" must be an expression like ["=", ["fibery/id"], "$id"]');
    const [op, ...operands] = where;
    if (op === 'q/and' || op === 'q/or') {
      const parts = operands.map((w) => compileWhere(type, w, params));
      return op === 'q/and' ? (e) => parts.every((p) => p(e)) : (e) => parts.some((p) => p(e));
    }
    if (op !== '=' && op !== '!=') throw new CommandError('entity.error/invalid-args', `Operator "${op}" is not simulated (use =, !=, q/and, q/or)`);
    const [fieldPath, param] = operands;
    if (!Array.isArray(fieldPath) || typeof param !== 'string' || !param.startsWith('$')) {
      throw new CommandError('entity.error/invalid-args', `"${op}" takes a field path and a "$param"`);
    }
    if (!(param in params)) throw new CommandError('entity.error/invalid-args', `Parameter "${param}" is not given in "params"`);
    fieldOf(type, fieldPath[0]);
    return (e) => (valueAt(type, e, fieldPath) === params[param]) === (op === '=');
  }

  function query(args: Record<string, unknown>): unknown {
    const q = args.query;
    if (!isRecord(q)) throw new CommandError('entity.error/invalid-args', '"query" must be an object');
    const type = typeOf(q['q/from']);
    if (q['q/select'] === undefined) throw new CommandError('entity.error/invalid-args', '"q/select" is required');
    const limit = q['q/limit'];
    if (limit !== 'q/no-limit' && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0)) {
      throw new CommandError('entity.error/invalid-args', '"q/limit" is required: a non-negative integer');
    }
    const params = args.params === undefined ? {} : args.params;
    if (!isRecord(params)) throw new CommandError('entity.error/invalid-args', '"params" must be an object');
    const offset = typeof q['q/offset'] === 'number' ? q['q/offset'] : 0;
    const test = compileWhere(type, q['q/where'], params);
    const rows = entities.filter((e) => e.type === type.name && test(e));
    return rows.slice(offset, limit === 'q/no-limit' ? undefined : offset + limit).map((e) => select(type, e, q['q/select']));
  }

  function run(cmd: unknown): Answer {
    try {
      if (!isRecord(cmd) || typeof cmd.command !== 'string') throw new CommandError('command/invalid', 'A command is {"command": "...", "args": {...}}');
      received.push({ command: cmd.command, args: cmd.args });
      const args = cmd.args === undefined ? {} : cmd.args;
      if (!isRecord(args)) throw new CommandError('command/invalid', `"args" of ${cmd.command} must be an object`);
      switch (cmd.command) {
        case 'fibery.entity/create':
          return { success: true, result: create(args) };
        case 'fibery.entity/query':
          return { success: true, result: query(args) };
        case 'fibery.schema/query':
          return { success: true, result: (options.schema ?? writableSchema)() };
        case 'fibery.command/batch': {
          if (!Array.isArray(args.commands)) throw new CommandError('command/invalid', '"args.commands" of fibery.command/batch must be an array');
          return { success: true, result: args.commands.map((c) => run(c)) };
        }
        default:
          throw new CommandError('command/not-found', `Unknown command "${cmd.command}"`);
      }
    } catch (error) {
      if (error instanceof CommandError) return { success: false, result: { name: error.errorName, message: error.message } };
      throw error;
    }
  }

  function handleDocuments(method: string, url: URL, body: unknown): { status: number; body: unknown } {
    const format = url.searchParams.get('format');
    if (format !== 'md') return { status: 400, body: { message: 'The simulator keeps documents as markdown: use ?format=md' } };
    if (url.pathname === '/api/documents/commands') {
      if (method !== 'POST' || !isRecord(body) || !Array.isArray(body.args)) return { status: 400, body: { message: 'Expected POST {"command": "...", "args": [...]}' } };
      const items = body.args.filter(isRecord);
      if (body.command === 'get-documents') return { status: 200, body: items.map((a) => ({ secret: a.secret, content: documents.get(String(a.secret)) ?? null })) };
      if (body.command === 'create-or-update-documents') {
        for (const a of items) {
          if (typeof a.secret !== 'string' || typeof a.content !== 'string') return { status: 400, body: { message: 'Each document is {"secret": "...", "content": "..."}' } };
          documents.set(a.secret, a.content);
          writes.push({ secret: a.secret, format, content: a.content });
        }
        return { status: 200, body: {} };
      }
      return { status: 400, body: { message: `Unknown documents command "${String(body.command)}"` } };
    }
    const secret = decodeURIComponent(url.pathname.slice('/api/documents/'.length));
    if (!documents.has(secret)) return { status: 404, body: { message: `Document "${secret}" not found` } };
    if (method === 'GET') return { status: 200, body: { secret, content: documents.get(secret) } };
    if (method !== 'PUT') return { status: 405, body: { message: 'Use GET or PUT' } };
    if (!isRecord(body) || typeof body.content !== 'string') return { status: 400, body: { message: 'Expected {"content": "<markdown>"}' } };
    documents.set(secret, body.content);
    writes.push({ secret, format, content: body.content });
    return { status: 200, body: {} };
  }

  return {
    handles: (pathname) => pathname === '/api/commands' || pathname.startsWith('/api/documents/'),
    handle(method, url, text) {
      let body: unknown;
      try {
        body = text.trim() === '' ? undefined : JSON.parse(text);
      } catch {
        return { status: 400, body: { message: 'Request body must be JSON' } };
      }
      if (url.pathname !== '/api/commands') return handleDocuments(method, url, body);
      if (method !== 'POST') return { status: 405, body: { message: 'Use POST' } };
      if (Array.isArray(body)) return { status: 200, body: body.map((c) => run(c)) };
      if (isRecord(body)) return { status: 200, body: run(body) };
      return { status: 400, body: { message: 'Expected a command {"command", "args"} or an array of them' } };
    },
    commands: () => received.map((c) => ({ ...c })),
    documentWrites: () => writes.map((w) => ({ ...w })),
    entities: () => entities.map((e) => ({ ...e, values: { ...e.values }, documents: { ...e.documents } })),
    document: (secret) => documents.get(secret),
    reset() {
      received = [];
      writes = [];
      entities = [];
      documents = new Map(options.documents ?? []);
      publicIds = new Map();
    },
  };
}
