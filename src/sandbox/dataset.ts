/**
 * The sandbox dataset: one JSON file describing a Toggl workspace (people, projects, time entries)
 * and a Fibery workspace (spaces, types, fields, entities). The simulators in this folder serve it
 * over the documented wire formats; `scripts/generate-sample-dataset.ts` writes the built-in sample.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ValidationError } from '../errors.js';

// ---------------------------------------------------------------------------------------------
// Schema
// ---------------------------------------------------------------------------------------------

const isoDate = z.iso.date({ message: 'expected a date YYYY-MM-DD' });
const isoDateTime = z.iso.datetime({ offset: true, message: 'expected an ISO 8601 date-time with offset' });
const utcOffset = z.string().regex(/^[+-](0\d|1[0-4]):[0-5]\d$/, 'expected a UTC offset like +01:00');

export const userSchema = z.object({
  id: z.number().int().positive(),
  email: z.string().min(3),
  fullname: z.string().min(1),
  timezone_offset: utcOffset,
  /** IANA name, for `/me`; informative only (the offset decides local dates). */
  timezone: z.string().optional(),
  is_admin: z.boolean().optional(),
  role: z.string().optional(),
});

export const projectSchema = z.object({
  id: z.number().int().positive(),
  name: z.string().min(1),
  client_name: z.string().nullable().optional(),
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/).optional(),
  billable: z.boolean().optional(),
});

export const timeEntrySchema = z.object({
  id: z.number().int().positive(),
  user_id: z.number().int().positive(),
  description: z.string(),
  project_id: z.number().int().positive().nullable(),
  tags: z.array(z.string().min(1)).default([]),
  billable: z.boolean().optional(),
  start: isoDateTime,
  /** null = running */
  stop: isoDateTime.nullable(),
});

/**
 * `single_select`: the option's name (Fibery: an enum type `Space/Field_Space/Type`); `date_range`:
 * `{start, end}`; `rich_text`: markdown kept in a document (Collaboration~Documents/Document).
 */
export const FIELD_KINDS = ['text', 'number', 'date', 'datetime', 'boolean', 'relation', 'relation_list', 'single_select', 'date_range', 'rich_text'] as const;
export type FieldKind = (typeof FIELD_KINDS)[number];

export const fieldSchema = z.object({
  name: z.string().min(1),
  kind: z.enum(FIELD_KINDS),
  /** A relation's "Space/Type" (another space's too); without it the simulator serves a generic reference. */
  target: z.string().optional(),
});

export const relationRefSchema = z.object({
  public_id: z.string().min(1),
  name: z.string(),
  /** Fibery uuid of the target; derived from the dataset (or a stable hash) when absent. */
  id: z.string().optional(),
  /** "Space/Type" of the target, when it lives in the dataset. */
  type: z.string().optional(),
});

export const dateRangeSchema = z.object({ start: isoDate, end: isoDate });

const fieldValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null(), dateRangeSchema, relationRefSchema, z.array(relationRefSchema)]);

export const entitySchema = z.object({
  id: z.string().min(1),
  public_id: z.string().regex(/^\d+$/, 'public ids are strings of digits'),
  name: z.string(),
  state: z.string().nullable(),
  created_at: isoDateTime,
  modified_at: isoDateTime,
  description_md: z.string().nullable(),
  assignees: z.array(z.object({ name: z.string(), email: z.string().nullable().optional() })).default([]),
  comments: z.array(z.object({ author: z.string(), created_at: isoDateTime, text_md: z.string() })).default([]),
  values: z.record(z.string(), fieldValueSchema).default({}),
});

export const entityTypeSchema = z.object({
  name: z.string().min(1),
  fields: z.array(fieldSchema).default([]),
  entities: z.array(entitySchema).default([]),
});

/**
 * How a space's GraphQL schema exposes comment text (UNCONFIRMED which the real API uses, so a
 * client must read introspection): `content` = `comments { content { md text html jsonString } }`,
 * `scalar` = `comments { md text html jsonString }` on the comment type itself, `document` = as
 * the real 2025 schema stores them: no text on the comment, only `documentSecret` naming the
 * document that holds it (documents API), and `createdBy` for the author.
 */
export const COMMENT_SHAPES = ['content', 'scalar', 'document'] as const;
export type CommentShape = (typeof COMMENT_SHAPES)[number];

export const spaceSchema = z.object({
  name: z.string().min(1),
  comment_shape: z.enum(COMMENT_SHAPES).default('content'),
  types: z.array(entityTypeSchema),
});

const datasetObjectSchema = z.object({
  name: z.string().min(1),
  period: z.object({ start_date: isoDate, end_date: isoDate }),
  toggl: z.object({
    workspace_id: z.number().int().positive(),
    users: z.array(userSchema).min(1),
    projects: z.array(projectSchema).default([]),
    time_entries: z.array(timeEntrySchema),
  }),
  fibery: z.object({
    workspace: z.string().min(1),
    spaces: z.array(spaceSchema),
  }),
});

export const datasetSchema = datasetObjectSchema.superRefine((d, ctx) => crossCheck(d, ctx));

export type Dataset = z.infer<typeof datasetSchema>;
export type DatasetUser = z.infer<typeof userSchema>;
export type DatasetTimeEntry = z.infer<typeof timeEntrySchema>;
export type DatasetField = z.infer<typeof fieldSchema>;
export type DatasetRelationRef = z.infer<typeof relationRefSchema>;
export type DatasetEntity = z.infer<typeof entitySchema>;
export type DatasetEntityType = z.infer<typeof entityTypeSchema>;
export type DatasetSpace = z.infer<typeof spaceSchema>;
export type DatasetFieldValue = z.infer<typeof fieldValueSchema>;

type Ctx = z.RefinementCtx;

function issue(ctx: Ctx, path: (string | number)[], message: string): void {
  ctx.addIssue({ code: 'custom', path, message });
}

function isRef(v: unknown): v is DatasetRelationRef {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'public_id' in v;
}

function crossCheck(d: z.infer<typeof datasetObjectSchema>, ctx: Ctx): void {
  if (d.period.end_date < d.period.start_date) issue(ctx, ['period', 'end_date'], 'end_date is before start_date');

  const userIds = new Set<number>();
  d.toggl.users.forEach((u, i) => {
    if (userIds.has(u.id)) issue(ctx, ['toggl', 'users', i, 'id'], `duplicate user id ${u.id}`);
    userIds.add(u.id);
  });
  const projectIds = new Set<number>();
  d.toggl.projects.forEach((p, i) => {
    if (projectIds.has(p.id)) issue(ctx, ['toggl', 'projects', i, 'id'], `duplicate project id ${p.id}`);
    projectIds.add(p.id);
  });
  const entryIds = new Set<number>();
  d.toggl.time_entries.forEach((e, i) => {
    const at = ['toggl', 'time_entries', i];
    if (entryIds.has(e.id)) issue(ctx, [...at, 'id'], `duplicate time entry id ${e.id}`);
    entryIds.add(e.id);
    if (!userIds.has(e.user_id)) issue(ctx, [...at, 'user_id'], `unknown user id ${e.user_id}`);
    if (e.project_id !== null && !projectIds.has(e.project_id)) issue(ctx, [...at, 'project_id'], `unknown project id ${e.project_id}`);
    if (e.stop !== null && Date.parse(e.stop) < Date.parse(e.start)) issue(ctx, [...at, 'stop'], 'stop is before start');
  });

  const typeKeys = new Set<string>();
  for (const s of d.fibery.spaces) for (const t of s.types) typeKeys.add(`${s.name}/${t.name}`);

  const spaceNames = new Set<string>();
  d.fibery.spaces.forEach((s, si) => {
    if (spaceNames.has(s.name)) issue(ctx, ['fibery', 'spaces', si, 'name'], `duplicate space "${s.name}"`);
    spaceNames.add(s.name);
    const typeNames = new Set<string>();
    s.types.forEach((t, ti) => {
      const at = ['fibery', 'spaces', si, 'types', ti];
      if (typeNames.has(t.name)) issue(ctx, [...at, 'name'], `duplicate type "${t.name}" in space "${s.name}"`);
      typeNames.add(t.name);
      const kinds = new Map<string, FieldKind>();
      t.fields.forEach((f, fi) => {
        if (kinds.has(f.name)) issue(ctx, [...at, 'fields', fi, 'name'], `duplicate field "${f.name}"`);
        kinds.set(f.name, f.kind);
        if (f.target !== undefined && !typeKeys.has(f.target)) issue(ctx, [...at, 'fields', fi, 'target'], `relation target "${f.target}" is not in the dataset`);
      });
      const ids = new Set<string>();
      const publicIds = new Set<string>();
      t.entities.forEach((e, ei) => {
        const eat = [...at, 'entities', ei];
        if (ids.has(e.id)) issue(ctx, [...eat, 'id'], `duplicate entity id ${e.id}`);
        ids.add(e.id);
        if (publicIds.has(e.public_id)) issue(ctx, [...eat, 'public_id'], `duplicate public id ${e.public_id} in ${s.name}/${t.name}`);
        publicIds.add(e.public_id);
        for (const [name, value] of Object.entries(e.values)) {
          const kind = kinds.get(name);
          const vat = [...eat, 'values', name];
          if (kind === undefined) {
            issue(ctx, vat, `field "${name}" is not declared on ${s.name}/${t.name}`);
            continue;
          }
          const problem = valueProblem(kind, value);
          if (problem) issue(ctx, vat, problem);
          const refs = Array.isArray(value) ? value : isRef(value) ? [value] : [];
          for (const r of refs) {
            if (r.type !== undefined && !typeKeys.has(r.type)) issue(ctx, vat, `relation type "${r.type}" is not in the dataset`);
          }
        }
      });
    });
  });
}

function valueProblem(kind: FieldKind, v: DatasetFieldValue): string | undefined {
  if (v === null) return undefined;
  switch (kind) {
    case 'text':
    case 'single_select':
    case 'rich_text':
      return typeof v === 'string' ? undefined : 'expected text';
    case 'date_range':
      return dateRangeSchema.safeParse(v).success ? undefined : 'expected a date range {start, end} of YYYY-MM-DD dates';
    case 'number':
      return typeof v === 'number' ? undefined : 'expected a number';
    case 'boolean':
      return typeof v === 'boolean' ? undefined : 'expected a boolean';
    case 'date':
      return typeof v === 'string' && isoDate.safeParse(v).success ? undefined : 'expected a date YYYY-MM-DD';
    case 'datetime':
      return typeof v === 'string' && isoDateTime.safeParse(v).success ? undefined : 'expected an ISO 8601 date-time';
    case 'relation':
      return isRef(v) && 'public_id' in v ? undefined : 'expected a relation {public_id, name}';
    case 'relation_list':
      return Array.isArray(v) ? undefined : 'expected a list of relations [{public_id, name}]';
  }
}

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (typeof p === 'string' && /^[A-Za-z_$][\w$]*$/.test(p)) out += out ? `.${p}` : p;
    else out += `[${JSON.stringify(String(p))}]`;
  }
  return out || '(root)';
}

/** Validate parsed JSON; throws a ValidationError with a one-line message naming the first problem. */
export function parseDataset(raw: unknown, source = 'dataset'): Dataset {
  const result = datasetSchema.safeParse(raw);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const first = issues[0];
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  const where = first ? `${formatPath(first.path)}: ${first.message}` : 'invalid';
  throw new ValidationError(`Invalid dataset ${source}: ${where}${more}`);
}

/** Read and validate a dataset file. Errors are one readable line (ValidationError). */
export async function loadDataset(path: string | URL): Promise<Dataset> {
  const file = typeof path === 'string' ? path : fileURLToPath(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ValidationError(`Cannot read dataset ${file}: ${code === 'ENOENT' ? 'file not found' : code}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ValidationError(`Invalid dataset ${file}: not valid JSON (${(err as Error).message.split('\n')[0]})`);
  }
  return parseDataset(json, file);
}

// ---------------------------------------------------------------------------------------------
// Time helpers shared by the simulators and the generator
// ---------------------------------------------------------------------------------------------

/** "+05:30" → 330, "-03:00" → -180, "Z" → 0. */
export function offsetMinutes(offset: string): number {
  if (offset === 'Z' || offset === 'z') return 0;
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(offset);
  if (!m) throw new Error(`bad UTC offset ${offset}`);
  const mins = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -mins : mins;
}

/** 330 → "+05:30". */
export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** An instant rendered in a fixed offset: `2026-11-09T09:00:00+01:00` (whole seconds). */
export function formatInOffset(epochMs: number, offsetMin: number): string {
  const local = new Date(Math.floor(epochMs / 1000) * 1000 + offsetMin * 60_000).toISOString();
  return `${local.slice(0, 19)}${formatOffset(offsetMin)}`;
}

/** The calendar date (YYYY-MM-DD) of an instant in a fixed offset. */
export function localDateOf(epochMs: number, offsetMin: number): string {
  return new Date(epochMs + offsetMin * 60_000).toISOString().slice(0, 10);
}
