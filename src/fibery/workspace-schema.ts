/**
 * The workspace's schema as the commands API's `fibery.schema/query` answers it (shared/facts:
 * a real answer has 218 types): its database types (`Scrum/Task`), each field's storage name
 * (`Scrum/Planned Release Date`), Fibery type and meta. `init` chooses fields from it and `doctor`
 * checks a configuration against it, both by the names Fibery shows (`Planned Release Date`).
 */
import { z } from 'zod';
import { nearestNames } from './nearest.js';

const fieldSchema = z.looseObject({
  'fibery/name': z.string(),
  'fibery/type': z.string(),
  'fibery/meta': z.record(z.string(), z.unknown()).nullish(),
  'fibery/deleted?': z.boolean().nullish(),
});
const typeSchema = z.looseObject({
  'fibery/name': z.string(),
  'fibery/fields': z.array(fieldSchema).default([]),
  'fibery/meta': z.record(z.string(), z.unknown()).nullish(),
  'fibery/deleted?': z.boolean().nullish(),
});
export const schemaResultSchema = z.looseObject({ 'fibery/types': z.array(typeSchema) });

/** What init and doctor care about a field: how Fibery stores it. */
export type FieldRole = 'date' | 'number' | 'parent' | 'children' | 'select' | 'rich_text' | 'text' | 'other';

export interface WorkspaceField {
  /** As shown in Fibery, without the space: `Planned Release Date`. */
  name: string;
  storageName: string;
  fiberyType: string;
  collection: boolean;
  role: FieldRole;
}

export interface WorkspaceType {
  /** `Scrum/Task`. */
  key: string;
  space: string;
  name: string;
  fields: WorkspaceField[];
}

const RICH_TEXT = 'Collaboration~Documents/Document';
const DATE_TYPES = new Set(['fibery/date', 'fibery/date-time', 'fibery/date-range', 'fibery/date-time-range']);
const NUMBER_TYPES = new Set(['fibery/decimal', 'fibery/int', 'fibery/integer']);
const TEXT_TYPES = new Set(['fibery/text', 'fibery/email', 'fibery/url']);

export class WorkspaceSchema {
  readonly types: Map<string, WorkspaceType>;

  constructor(result: z.output<typeof schemaResultSchema>) {
    const all = result['fibery/types'].filter((t) => !t['fibery/deleted?']);
    const enums = new Set(all.filter((t) => t['fibery/meta']?.['fibery/enum?'] === true).map((t) => t['fibery/name']));
    const domain = new Set(all.filter((t) => t['fibery/meta']?.['fibery/domain?'] === true).map((t) => t['fibery/name']));
    this.types = new Map();
    for (const t of all) {
      const key = t['fibery/name'];
      const slash = key.indexOf('/');
      // Database types: `Space/Type`, a domain type of a space (not fibery/user, not an enum).
      if (!domain.has(key) || slash <= 0 || key.startsWith('fibery/') || enums.has(key)) continue;
      const space = key.slice(0, slash);
      const fields: WorkspaceField[] = [];
      for (const f of t['fibery/fields']) {
        if (f['fibery/deleted?']) continue;
        const storageName = f['fibery/name'];
        if (!storageName.startsWith(`${space}/`)) continue; // fibery/*, workflow/*, comments/*: read by every run anyway
        const fiberyType = f['fibery/type'];
        const collection = f['fibery/meta']?.['fibery/collection?'] === true;
        fields.push({ name: storageName.slice(space.length + 1), storageName, fiberyType, collection, role: roleOf(fiberyType, collection, enums, domain) });
      }
      this.types.set(key, { key, space, name: key.slice(slash + 1), fields });
    }
  }

  type(key: string): WorkspaceType | undefined {
    return this.types.get(key);
  }

  /** The existing types nearest to one that does not exist (`Scrum/Story` → `Scrum/Task`?). */
  nearestTypes(key: string, max = 2): string[] {
    return nearestNames(key, [...this.types.keys()], max);
  }

  /** A field by the name Fibery shows, case-insensitively. */
  field(key: string, name: string): WorkspaceField | undefined {
    const fields = this.types.get(key)?.fields ?? [];
    const wanted = name.trim().toLowerCase();
    return fields.find((f) => f.name === name) ?? fields.find((f) => f.name.toLowerCase() === wanted);
  }

  nearestFields(key: string, name: string, max = 2): string[] {
    return nearestNames(name, (this.types.get(key)?.fields ?? []).map((f) => f.name), max);
  }
}

function roleOf(type: string, collection: boolean, enums: Set<string>, domain: Set<string>): FieldRole {
  if (DATE_TYPES.has(type)) return 'date';
  if (NUMBER_TYPES.has(type)) return 'number';
  if (type === RICH_TEXT) return 'rich_text';
  // Single-selects are enum types named `Space/Field_Space/Type` (`Scrum/Priority_Scrum/Task`), listed or not.
  if (enums.has(type) || /^[^/]+\/[^/]+_[^/]+\/[^/]+$/.test(type)) return 'select';
  if (domain.has(type) && type !== 'fibery/user') return collection ? 'children' : 'parent';
  if (TEXT_TYPES.has(type)) return 'text';
  return 'other';
}

/** The order `init` names fields in, and the roles it names at all: timeline, effort, parents, selects, rich text, children. */
export const FIELD_ROLE_ORDER: readonly FieldRole[] = ['date', 'number', 'parent', 'select', 'rich_text', 'children'];

/** At most `max` fields of a type worth enriching, chosen by their Fibery type; never an invented name. */
export function fieldsWorthReading(type: WorkspaceType, max = 20): string[] {
  const chosen: string[] = [];
  for (const role of FIELD_ROLE_ORDER) {
    for (const f of type.fields) {
      if (f.role !== role || /^(name|description)$/i.test(f.name)) continue;
      if (chosen.length < max) chosen.push(f.name);
    }
  }
  return chosen;
}
