/** Small datasets built in code, for tests that need shapes the sample workspace does not have. */
import { parseDataset, type CommentShape, type Dataset, type DatasetEntity } from '../../src/sandbox/dataset.js';

export interface TypeSpec {
  space: string;
  type: string;
  count: number;
  firstId?: number;
  fields?: { name: string; kind: 'text' | 'number' | 'date' | 'relation' }[];
  values?: (i: number) => DatasetEntity['values'];
}

/**
 * One week; each entity gets `entriesPerEntity` (default 1) 30-minute entries from the `people`, so every entity is
 * referenced; `missing` extra ids are referenced but absent from Fibery; `commentShapes` picks a space's comment
 * shape (default `content`).
 */
export function buildDataset(
  types: TypeSpec[],
  opts: { people?: number; missing?: number; entriesPerEntity?: number; commentShapes?: Record<string, CommentShape> } = {},
): Dataset {
  const people = Array.from({ length: opts.people ?? 2 }, (_, i) => ({
    id: 500 + i,
    email: `person${i}@example.test`,
    fullname: `Person ${i} Ærø`,
    timezone_offset: '+01:00',
  }));
  const entries: Dataset['toggl']['time_entries'] = [];
  let entryId = 1;
  const addEntry = (description: string, n: number) => {
    const day = 9 + (n % 5);
    const minute = (n * 7) % 420;
    const start = new Date(Date.UTC(2026, 10, day, 8, 0) + minute * 60_000);
    const stop = new Date(start.getTime() + 30 * 60_000);
    const iso = (d: Date) => `${new Date(d.getTime() + 3600_000).toISOString().slice(0, 19)}+01:00`;
    entries.push({ id: entryId++, user_id: people[n % people.length]!.id, description, project_id: null, tags: [], start: iso(start), stop: iso(stop) });
  };
  const spaces = new Map<string, Dataset['fibery']['spaces'][number]>();
  let n = 0;
  for (const spec of types) {
    const space = spaces.get(spec.space) ?? { name: spec.space, comment_shape: opts.commentShapes?.[spec.space] ?? 'content', types: [] };
    spaces.set(spec.space, space);
    const first = spec.firstId ?? 1000;
    space.types.push({
      name: spec.type,
      fields: spec.fields ?? [],
      entities: Array.from({ length: spec.count }, (_, i) => ({
        id: `00000000-0000-4000-8000-${String(first + i).padStart(12, '0')}`,
        public_id: String(first + i),
        name: `${spec.type} number ${first + i}`,
        state: i % 3 === 0 ? 'Done' : 'In Progress',
        created_at: '2026-10-01T10:00:00.000Z',
        modified_at: '2026-11-10T10:00:00.000Z',
        description_md: `Work on ${spec.type.toLowerCase()} ${first + i}.`,
        assignees: [],
        comments: [],
        values: spec.values?.(i) ?? {},
      })),
    });
    for (let i = 0; i < spec.count; i++) {
      for (let k = 0; k < (opts.entriesPerEntity ?? 1); k++) addEntry(`${spec.type} work #${first + i} [${spec.space}] [${spec.type}]`, n++);
    }
  }
  for (let i = 0; i < (opts.missing ?? 0); i++) addEntry(`Ghost #${990000 + i} [${types[0]!.space}] [${types[0]!.type}]`, n++);
  return parseDataset({
    name: 'Test workspace',
    period: { start_date: '2026-11-09', end_date: '2026-11-15' },
    toggl: { workspace_id: 77, users: people, projects: [], time_entries: entries },
    fibery: { workspace: 'testco', spaces: [...spaces.values()] },
  });
}
