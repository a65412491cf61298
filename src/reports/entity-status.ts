/**
 * What a report says about one Fibery entity: completed, overdue or in progress, its planned and
 * actual dates, its parent feature and the time Fibery records for it. Pure: it reads the
 * enrichment result only.
 *
 * Field names differ between workspaces and between the ways they are read (`Planned End`,
 * `plannedEnd`, `Scrum/Planned End`), so fields are looked up by a normalised name: the part after
 * the last `/`, lower case, letters and digits only (`plannedend`).
 */
import type { EnrichedEntity } from '../storage/schemas.js';
import { excerpt, hours, isoDateOf } from './format.js';

export type EntityStatusKind = 'completed' | 'in_progress' | 'overdue' | 'not_found' | 'not_enrichable';

export const STATUS_LABELS: Record<EntityStatusKind, string> = {
  completed: 'completed',
  in_progress: 'in progress',
  overdue: 'overdue',
  not_found: 'not found in Fibery',
  not_enrichable: 'not enrichable',
};

export interface DateField {
  /** The field the date was read from, as the data names it. */
  field: string;
  date: string;
}

export interface EntityStatus {
  kind: EntityStatusKind;
  label: string;
  /** Why there is no Fibery data (not found, not enrichable), else null. */
  reason: string | null;
  name: string | null;
  state: string | null;
  completed: boolean;
  overdue: boolean;
  planned_start: DateField | null;
  /** Planned end, due date, deadline or release date: what "overdue" is measured against. */
  planned_end: DateField | null;
  actual_start: DateField | null;
  /** Completion date (or a similar "done on" field). */
  actual_end: DateField | null;
  parent: { field: string; public_id: string | null; name: string | null; state: string | null } | null;
  /** Total time spent recorded in Fibery, in hours, when the type has such a field. */
  fibery_time_spent_hours: number | null;
  last_comment: { author: string | null; date: string | null } | null;
  description_excerpt: string | null;
  assignees: string[];
}

const COMPLETED_STATE = /\b(done|completed?|closed|released|resolved)\b/i;

export function isCompletedState(state: string | null | undefined): boolean {
  return typeof state === 'string' && COMPLETED_STATE.test(state);
}

/** `Scrum/Planned End` → `plannedend`; `timeSpentH` → `timespenth`. */
export function normaliseFieldName(name: string): string {
  const last = name.slice(name.lastIndexOf('/') + 1);
  return last.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

// A real workspace's Feature plans development (`Dev Planned Start Date`, `Dev Planned End Date`)
// and the release (`Planned Release Date`, `Actual Release Date`): a feature is late against its release.
const PLANNED_END = ['plannedend', 'plannedenddate', 'plannedreleasedate', 'devplannedenddate', 'duedate', 'due', 'deadline', 'releasedate', 'targetdate', 'targetend'];
const PLANNED_START = ['plannedstart', 'plannedstartdate', 'devplannedstartdate', 'startdate'];
const ACTUAL_START = ['starteddate', 'actualstart', 'actualstartdate', 'devactualstartdate', 'startedat', 'devstart'];
const ACTUAL_END = ['completiondate', 'completeddate', 'completedat', 'actualend', 'actualenddate', 'actualreleasedate', 'devactualenddate', 'donedate', 'closeddate', 'resolveddate', 'launchdate'];
const PARENT = ['feature', 'parentfeature', 'epic', 'parent', 'userstory', 'story', 'task', 'parenttask'];

type Fields = Record<string, unknown>;

function lookup(fields: Fields, candidates: string[]): { field: string; value: unknown } | null {
  const byName = new Map<string, { field: string; value: unknown }>();
  for (const [field, value] of Object.entries(fields)) {
    const key = normaliseFieldName(field);
    if (!byName.has(key) || byName.get(key)?.value == null) byName.set(key, { field, value });
  }
  for (const candidate of candidates) {
    const hit = byName.get(candidate);
    if (hit && hit.value !== null && hit.value !== undefined && hit.value !== '') return hit;
  }
  return null;
}

/** A date from a field value: `"2025-09-23"`, an ISO date-time, or a range `{start, end}` (`which` picks). */
function dateOf(value: unknown, which: 'start' | 'end'): string | null {
  const direct = isoDateOf(value);
  if (direct) return direct;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    return isoDateOf(v[which]) ?? isoDateOf(v.date) ?? isoDateOf(v.value) ?? isoDateOf(which === 'end' ? v.start : v.end);
  }
  return null;
}

function dateField(fields: Fields, candidates: string[], which: 'start' | 'end'): DateField | null {
  const hit = lookup(fields, candidates);
  const date = hit ? dateOf(hit.value, which) : null;
  return hit && date ? { field: hit.field, date } : null;
}

function textOf(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() || null;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    return textOf(v.name ?? v.Name ?? v.title ?? v.value);
  }
  return null;
}

function parentOf(fields: Fields): EntityStatus['parent'] {
  const hit = lookup(fields, PARENT);
  if (!hit) return null;
  const value = Array.isArray(hit.value) ? hit.value[0] : hit.value;
  if (typeof value === 'string') return { field: hit.field, public_id: null, name: value, state: null };
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const publicId = v.public_id ?? v.publicId ?? v['fibery/public-id'];
  const name = textOf(v.name ?? v.Name ?? v.title);
  const state = textOf(v.state ?? v['workflow/state']);
  if (publicId === undefined && !name) return null;
  return {
    field: hit.field,
    public_id: typeof publicId === 'string' || typeof publicId === 'number' ? String(publicId) : null,
    name,
    state,
  };
}

function timeSpentHours(fields: Fields): number | null {
  for (const [field, value] of Object.entries(fields)) {
    if (!/^(feature)?timespent/.test(normaliseFieldName(field))) continue;
    const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
    if (Number.isFinite(n)) return n;
  }
  return null;
}

function lastComment(entity: NonNullable<EnrichedEntity['fibery']>): EntityStatus['last_comment'] {
  if (!entity.comments.length) return null;
  const dated = entity.comments.filter((c) => c.created_at);
  const latest = dated.length
    ? dated.reduce((a, b) => ((b.created_at ?? '') > (a.created_at ?? '') ? b : a))
    : entity.comments[entity.comments.length - 1]!;
  return { author: latest.author, date: isoDateOf(latest.created_at) };
}

/**
 * The status of an entity for a period. `enrichment` is the enrichment result (undefined or null
 * when there is none); `reference` says whether the Toggl reference could be looked up at all.
 */
export function entityStatus(
  enrichment: EnrichedEntity | null | undefined,
  period: { start_date: string; end_date: string },
  reference: { enrichable: boolean; not_enrichable_reason?: string | null } = { enrichable: true },
): EntityStatus {
  const empty: EntityStatus = {
    kind: 'not_found',
    label: STATUS_LABELS.not_found,
    reason: null,
    name: null,
    state: null,
    completed: false,
    overdue: false,
    planned_start: null,
    planned_end: null,
    actual_start: null,
    actual_end: null,
    parent: null,
    fibery_time_spent_hours: null,
    last_comment: null,
    description_excerpt: null,
    assignees: [],
  };
  if (!reference.enrichable) {
    return {
      ...empty,
      kind: 'not_enrichable',
      label: STATUS_LABELS.not_enrichable,
      reason: reference.not_enrichable_reason ?? 'the description names no [Database] and [Type]',
    };
  }
  const fibery = enrichment?.status === 'enriched' ? enrichment.fibery : null;
  if (!enrichment || !fibery) {
    return { ...empty, reason: enrichment?.reason ?? (enrichment ? 'not found in Fibery' : 'no enrichment result for this entity') };
  }

  const fields = fibery.fields;
  const completed = isCompletedState(fibery.state);
  const plannedEnd = dateField(fields, PLANNED_END, 'end');
  const actualEnd = dateField(fields, ACTUAL_END, 'end');
  const overdue = !completed && !actualEnd && plannedEnd !== null && plannedEnd.date < period.end_date;
  const kind: EntityStatusKind = completed ? 'completed' : overdue ? 'overdue' : 'in_progress';
  return {
    ...empty,
    kind,
    label: STATUS_LABELS[kind],
    name: fibery.name,
    state: fibery.state,
    completed,
    overdue,
    planned_start: dateField(fields, PLANNED_START, 'start'),
    planned_end: plannedEnd,
    actual_start: dateField(fields, ACTUAL_START, 'start'),
    actual_end: actualEnd,
    parent: parentOf(fields),
    fibery_time_spent_hours: timeSpentHours(fields),
    last_comment: lastComment(fibery),
    description_excerpt: excerpt(fibery.description_md, 200),
    assignees: fibery.assignees.map((a) => a.name),
  };
}

/**
 * One factual line about an entity from Fibery, e.g.
 * "planned 2025-09-20 → 2025-09-23 · completed 2025-09-24 · feature #1575 Checkout · 20.0 h recorded in Fibery (5.0 h this period) · last comment 2025-09-22 by Anna".
 * Null when there is nothing to say.
 */
export function statusDetails(status: EntityStatus, periodSeconds?: number): string | null {
  const parts: string[] = [];
  const planned = [status.planned_start?.date, status.planned_end?.date];
  if (planned[0] || planned[1]) {
    const endField = status.planned_end && normaliseFieldName(status.planned_end.field) !== 'plannedend' ? ` (${status.planned_end.field})` : '';
    parts.push(`planned ${planned[0] ?? '?'} → ${planned[1] ?? '?'}${planned[1] ? endField : ''}`);
  }
  if (status.actual_start || status.actual_end) {
    parts.push(`actual ${status.actual_start?.date ?? '?'} → ${status.actual_end?.date ?? (status.completed ? '?' : 'open')}`);
  }
  if (status.overdue && status.planned_end) parts.push(`overdue since ${status.planned_end.date}`);
  if (status.parent) {
    const id = status.parent.public_id ? `#${status.parent.public_id} ` : '';
    const state = status.parent.state ? ` (${status.parent.state})` : '';
    parts.push(`${status.parent.field.slice(status.parent.field.lastIndexOf('/') + 1).toLowerCase()} ${id}${status.parent.name ?? ''}${state}`.trim());
  }
  if (status.fibery_time_spent_hours !== null) {
    const thisPeriod = periodSeconds === undefined ? '' : ` (${hours(periodSeconds)} tracked this period)`;
    parts.push(`${status.fibery_time_spent_hours.toFixed(1)} h time spent recorded in Fibery${thisPeriod}`);
  }
  if (status.assignees.length) parts.push(`assignees: ${status.assignees.join(', ')}`);
  if (status.last_comment) {
    const by = status.last_comment.author ? ` by ${status.last_comment.author}` : '';
    parts.push(`last comment ${status.last_comment.date ?? '(undated)'}${by}`);
  }
  return parts.length ? parts.join(' · ') : null;
}

const USED_FIELDS = new Set([...PLANNED_END, ...PLANNED_START, ...ACTUAL_START, ...ACTUAL_END, ...PARENT]);

/**
 * The type-specific fields of an enriched entity worth telling a reader (severity, priority, story
 * points, sprint …): scalar values and names of related entities, not the dates and parent the
 * status already uses; long texts cut to `maxChars`.
 */
export function otherFields(enrichment: EnrichedEntity | null | undefined, max = 6, maxChars = 120): Record<string, string | number | boolean> {
  const fibery = enrichment?.status === 'enriched' ? enrichment.fibery : null;
  const out: Record<string, string | number | boolean> = {};
  if (!fibery) return out;
  for (const [field, value] of Object.entries(fibery.fields)) {
    if (Object.keys(out).length >= max) break;
    const key = normaliseFieldName(field);
    if (USED_FIELDS.has(key) || /^(feature)?timespent/.test(key)) continue;
    const name = field.slice(field.lastIndexOf('/') + 1);
    if (typeof value === 'number' || typeof value === 'boolean') out[name] = value;
    else if (typeof value === 'string' && value.trim()) out[name] = excerpt(value, maxChars) ?? value.slice(0, maxChars);
    else if (Array.isArray(value)) {
      const names = value.map(textOf).filter((v): v is string => !!v);
      if (names.length) out[name] = excerpt(names.join(', '), maxChars) ?? '';
    } else {
      const text = textOf(value);
      if (text) out[name] = excerpt(text, maxChars) ?? text;
    }
  }
  return out;
}

/** The comments of an enriched entity, newest first (undated ones last, later ones first). */
export function commentsNewestFirst(enrichment: EnrichedEntity | null | undefined): NonNullable<EnrichedEntity['fibery']>['comments'] {
  const fibery = enrichment?.status === 'enriched' ? enrichment.fibery : null;
  if (!fibery) return [];
  return [...fibery.comments]
    .map((c, i) => ({ c, i }))
    .sort((a, b) => (b.c.created_at ?? '').localeCompare(a.c.created_at ?? '') || b.i - a.i)
    .map(({ c }) => c);
}

/** The latest comments of an enriched entity, newest first, as short excerpts. */
export function recentComments(enrichment: EnrichedEntity | null | undefined, max = 2, maxChars = 200): { author: string | null; date: string | null; text: string }[] {
  return commentsNewestFirst(enrichment)
    .slice(0, max)
    .map((c) => ({ author: c.author, date: isoDateOf(c.created_at), text: excerpt(c.text_md, maxChars) ?? '' }))
    .filter((c) => c.text);
}

/** Whole days from a planned end to the end of the period (how long an entity has been overdue). */
export function daysOverdue(status: EntityStatus, period: { end_date: string }): number | null {
  if (!status.overdue || !status.planned_end) return null;
  const from = Date.parse(`${status.planned_end.date}T00:00:00Z`);
  const to = Date.parse(`${period.end_date}T00:00:00Z`);
  return Number.isNaN(from) || Number.isNaN(to) ? null : Math.max(0, Math.round((to - from) / 86_400_000));
}
