/**
 * Large synthetic workloads for tests and the bench, built in memory (no file): a team's Toggl
 * time over a period and the Fibery entities it was logged against, in several types and spaces.
 * Deterministic from a seed, fast (a year of 200 people in about a second) and lean: descriptions
 * and tag lists are shared between the entries that use them.
 *
 *   generateWorkload(WORKLOADS.standard)   // 25 people × 30 days: ~2,700 entries, ~90 entities
 *   generateWorkload(WORKLOADS.large)      // 200 people × 365 days: ~256,000 entries, ~8,800 entities
 *   generateWorkload({ people: 3, days: 7, hostile: true })   // text that must never become markup
 */
import { formatInOffset, offsetMinutes, type CommentShape, type Dataset, type DatasetEntity, type DatasetField, type DatasetTimeEntry, type DatasetUser } from './dataset.js';
import { seededRandom, type SeededRandom } from './random.js';
import { addDays } from './toggl-search.js';

export interface WorkloadOptions {
  people: number;
  /** Length of the period in calendar days (weekends get no time). */
  days: number;
  /** First day of the period (default 2026-01-05, a Monday). */
  startDate?: string;
  /** Default 1. */
  seed?: number;
  /** Entities worked on (default about one per 8.3 person-days: 90 for 25 × 30, 8,800 for 200 × 365). */
  entities?: number;
  /** Also fill the `days` before the period, for comparisons (default false). */
  previousPeriod?: boolean;
  /** Give a share of names, descriptions and comments hostile text (see HOSTILE_TEXTS); default false. */
  hostile?: boolean;
  /** End the latest entry as a running one (stop null); default false, so totals do not depend on the clock. */
  running?: boolean;
  name?: string;
}

export const WORKLOADS = {
  standard: { people: 25, days: 30 },
  large: { people: 200, days: 365 },
} as const satisfies Record<string, WorkloadOptions>;

/** Texts that must reach a report as data, never as markup or a broken table. */
export const HOSTILE_TEXTS = {
  pipes: 'Fix | the | table | cells',
  newlines: 'First line\nsecond line\n\nthird paragraph',
  script: '<script>alert(1)</script> and <img src=x onerror=alert(2)>',
  link: '[click here](https://evil.example/phish) and ![img](https://evil.example/x.png)',
  backticks: 'Run `rm -rf /` then ``` fenced ``` text',
  long: `${'Very long entity name '.repeat(228)}end`.slice(0, 5000),
} as const;

const HOSTILE_NAMES: string[] = Object.values(HOSTILE_TEXTS);

interface TypeSpec {
  space: string;
  type: string;
  share: number;
  fields: DatasetField[];
  values: (ctx: EntityContext) => DatasetEntity['values'];
}

interface EntityContext {
  r: SeededRandom;
  start: string;
  end: string;
  done: boolean;
  feature: DatasetEntity | undefined;
  task: DatasetEntity | undefined;
}

const f = (name: string, kind: DatasetField['kind']): DatasetField => ({ name, kind });
const refOf = (e: DatasetEntity | undefined, type: string) => (e ? { public_id: e.public_id, name: e.name, id: e.id, type } : null);

/** The spaces' comment shapes: both occur, as in the sample workspace. */
const COMMENT_SHAPES: Record<string, CommentShape> = { Scrum: 'scalar', 'Product Management': 'content', Design: 'scalar' };

const TYPES: TypeSpec[] = [
  {
    space: 'Scrum',
    type: 'Feature',
    share: 0.06,
    // The real workspace's names (shared/facts/apis.md, "Learned since, part 2").
    fields: [f('Dev Planned Start Date', 'date'), f('Dev Planned End Date', 'date'), f('Planned Release Date', 'date'), f('Feature time spent (H)', 'number')],
    values: (c) => ({ 'Dev Planned Start Date': c.start, 'Dev Planned End Date': c.end, 'Planned Release Date': addDays(c.end, 5), 'Feature time spent (H)': c.r.int(10, 400) / 2 }),
  },
  {
    space: 'Scrum',
    type: 'Task',
    share: 0.5,
    fields: [f('Effort (pt)', 'number'), f('Feature', 'relation'), f('Planned Start', 'date'), f('Planned End', 'date'), f('Completion Date', 'date'), f('Priority', 'text'), f('Time spent (H)', 'number')],
    values: (c) => ({
      'Effort (pt)': c.r.pick([1, 2, 3, 5, 8]),
      Feature: refOf(c.feature, 'Scrum/Feature'),
      'Planned Start': c.start,
      'Planned End': c.end,
      'Completion Date': c.done ? c.end : null,
      Priority: c.r.pick(['P1', 'P2', 'P3', 'P4']),
      'Time spent (H)': c.r.int(1, 80) / 2,
    }),
  },
  {
    space: 'Scrum',
    type: 'Bug',
    share: 0.18,
    fields: [f('Severity', 'text'), f('Priority', 'text'), f('Root cause', 'text'), f('Planned End', 'date'), f('Feature', 'relation')],
    values: (c) => ({
      Severity: c.r.pick(['S1 - Critical', 'S2 - Major', 'S3 - Minor', 'S4 - Trivial']),
      Priority: c.r.pick(['P1', 'P2', 'P3', 'P4']),
      'Root cause': c.done ? c.r.pick(['A missing null check.', 'A race between two workers.', 'Wrong timezone on the server.']) : null,
      'Planned End': c.end,
      Feature: refOf(c.feature, 'Scrum/Feature'),
    }),
  },
  {
    space: 'Scrum',
    type: 'Sub-task',
    share: 0.1,
    fields: [f('Task', 'relation'), f('Completed Date', 'date')],
    values: (c) => ({ Task: refOf(c.task, 'Scrum/Task'), 'Completed Date': c.done ? c.end : null }),
  },
  {
    space: 'Scrum',
    type: 'Hotfix',
    share: 0.03,
    fields: [f('Severity', 'text'), f('Priority', 'text'), f('Completion Date', 'date')],
    values: (c) => ({ Severity: c.r.pick(['S1 - Critical', 'S2 - Major']), Priority: 'P1', 'Completion Date': c.done ? c.end : null }),
  },
  {
    space: 'Product Management',
    type: 'Request',
    share: 0.08,
    fields: [f('Customer', 'text'), f('Priority', 'text'), f('Feature', 'relation'), f('Votes', 'number')],
    values: (c) => ({ Customer: c.r.pick(['Globex GmbH', 'Initech', 'Umbrella Corp', 'Hooli', 'Northwind Traders']), Priority: c.r.pick(['High', 'Medium', 'Low']), Feature: refOf(c.feature, 'Scrum/Feature'), Votes: c.r.int(0, 40) }),
  },
  {
    space: 'Design',
    type: 'Mockup',
    share: 0.05,
    fields: [f('Figma Link', 'text'), f('Review Date', 'date')],
    values: (c) => ({ 'Figma Link': `https://figma.example/file/${c.r.int(100000, 999999)}`, 'Review Date': c.end }),
  },
];

const FIRST = ['Zoë', 'Jiří', 'Олена', 'José', 'Aoife', 'Łukasz', 'Priya', 'François', 'Mariana', 'Kenji', 'Amara', 'Lars', 'Fatima', 'Mateo', 'Ingrid', 'Chen', 'Noa', 'Oskar', 'Leïla', 'Tomás'];
const LAST = ['Müller', 'Novák', 'Коваленко', 'Álvarez', 'Ní Bhriain', 'Wiśniewski', 'Raman', 'Dubois', 'Conceição', 'Tanaka', 'Okafor', 'Eriksson', 'Haddad', 'Rossi', 'Berg', 'Wang', 'Levi', 'Nowak', 'Benali', 'Ó Briain'];
const OFFSETS = ['+01:00', '+01:00', '+01:00', '+00:00', '+02:00', '+05:30', '-03:00', '-05:00', '+09:00', '+10:00'];
const VERBS = ['Add', 'Fix', 'Refactor', 'Migrate', 'Speed up', 'Document', 'Test', 'Design', 'Remove', 'Harden'];
const OBJECTS = ['invoice export', 'login flow', 'usage metering', 'offline sync', 'push notifications', 'search index', 'billing page', 'audit log', 'API rate limiter', 'onboarding wizard', 'report builder', 'CSV import'];
const QUALIFIERS = ['for large workspaces', 'on mobile', 'behind a flag', 'for EU tenants', 'with retries', 'in the admin UI', 'for SSO users', 'v2'];
const PROJECTS = ['Moneyball', 'Volt - Internal', 'Atlas Mobile', 'Customer Portal - EU', 'Support & Ops', 'Data Platform'];
const OTHER = ['Code review', 'Support', 'Customer call', 'Sprint planning', 'Hiring interview', 'Réunion produit', 'Встреча с клиентом'];
const NO_TAGS: string[] = [];
const MEETING: string[] = ['meeting'];
const DAY_MS = 86_400_000;

/** A workload as a Dataset the simulators serve (valid by construction; parseDataset is not run). */
export function generateWorkload(opts: WorkloadOptions): Dataset {
  const r = seededRandom(opts.seed ?? 1);
  const start = opts.startDate ?? '2026-01-05';
  const end = addDays(start, opts.days - 1);
  const from = opts.previousPeriod ? addDays(start, -opts.days) : start;
  const dates = Array.from({ length: Math.round((Date.parse(end) - Date.parse(from)) / DAY_MS) + 1 }, (_, i) => addDays(from, i));
  const users = makeUsers(r, opts.people);
  const entityCount = opts.entities ?? Math.max(1, Math.round((opts.people * opts.days) / 8.3));
  const plan = makeEntities(r, entityCount, users, dates, opts.hostile === true);
  const entries = makeEntries(r, users, dates, plan, opts);
  return {
    name: opts.name ?? `Workload ${opts.people} people × ${opts.days} days (seed ${opts.seed ?? 1})`,
    period: { start_date: start, end_date: end },
    toggl: {
      workspace_id: 5151,
      users,
      projects: PROJECTS.map((name, i) => ({ id: i + 1, name, client_name: i % 2 ? 'Acme' : null, color: '#0b83d9', billable: i === 2 })),
      time_entries: entries,
    },
    fibery: { workspace: 'workload', spaces: plan.spaces },
  };
}

/** A small dataset full of hostile text, for escaping tests. */
export function hostileDataset(seed = 7): Dataset {
  return generateWorkload({ people: 3, days: 7, seed, hostile: true, entities: 12, name: 'Hostile <script>alert(1)</script> | workspace' });
}

function makeUsers(r: SeededRandom, n: number): DatasetUser[] {
  return Array.from({ length: n }, (_, i) => ({
    id: 1000 + i,
    email: `person${i}@workload.example`,
    fullname: `${FIRST[i % FIRST.length]} ${LAST[Math.floor(i / FIRST.length + i) % LAST.length]}${i >= FIRST.length ? ` ${i}` : ''}`,
    timezone_offset: r.pick(OFFSETS),
  }));
}

interface PlannedEntity {
  entity: DatasetEntity;
  /** What the Start Timer button writes into Toggl. */
  timerText: string;
  projectId: number;
  owners: number[];
  /** Index range into the dates, inclusive. */
  from: number;
  to: number;
}

interface EntityPlan {
  spaces: Dataset['fibery']['spaces'];
  /** Per user index: the entities it works on, ordered by their window. */
  byUser: PlannedEntity[][];
}

function makeEntities(r: SeededRandom, count: number, users: DatasetUser[], dates: string[], hostile: boolean): EntityPlan {
  const people = users.length;
  const spaces = new Map<string, Dataset['fibery']['spaces'][number]>();
  const byUser: PlannedEntity[][] = Array.from({ length: people }, () => []);
  const counts = TYPES.map((t) => Math.max(1, Math.round(count * t.share)));
  const total = counts.reduce((a, b) => a + b, 0);
  // Each entity takes a slot: the slot picks its owner and its window (in working days), so types mix over time.
  const slots = r.shuffle(Array.from({ length: total }, (_, i) => i));
  const workdays = dates.flatMap((d, i) => ([0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay()) ? [] : [i]));
  const span = Math.max(2, Math.ceil((3 * workdays.length * people) / total));
  let features: DatasetEntity[] = [];
  let tasks: DatasetEntity[] = [];
  let publicId = 10_000;
  let k = 0;
  TYPES.forEach((spec, ti) => {
    const space = spaces.get(spec.space) ?? { name: spec.space, comment_shape: COMMENT_SHAPES[spec.space] ?? 'content', types: [] };
    spaces.set(spec.space, space);
    const entities: DatasetEntity[] = [];
    for (let i = 0; i < counts[ti]!; i++, k++) {
      // A person's windows overlap about three times over: two to four things going on at once.
      const slot = slots[k]!;
      const first = Math.floor((slot * workdays.length) / total);
      const from = workdays[first] ?? 0;
      const to = workdays[Math.min(workdays.length - 1, first + span)] ?? dates.length - 1;
      const nastiness = hostile && k % 2 === 0 ? HOSTILE_NAMES[(k / 2) % HOSTILE_NAMES.length] : undefined;
      const name = nastiness ?? `${r.pick(VERBS)} ${r.pick(OBJECTS)} ${r.pick(QUALIFIERS)}`;
      const ctx: EntityContext = { r, start: dates[from]!, end: dates[to]!, done: r.chance(0.4), feature: features.length ? r.pick(features) : undefined, task: tasks.length ? r.pick(tasks) : undefined };
      const owners = r.chance(0.25) && people > 1 ? [slot % people, (slot + 1) % people] : [slot % people];
      const entity = makeEntity(r, String(publicId++), name, ctx, spec, owners.map((o) => users[o]!), nastiness !== undefined);
      entities.push(entity);
      const projectId = 1 + r.int(0, PROJECTS.length - 1);
      const timerText = `${name} #${entity.public_id} [${spec.space}] [${spec.type}] [${PROJECTS[projectId - 1]}]`;
      const planned: PlannedEntity = { entity, timerText, projectId, owners, from, to };
      for (const o of owners) byUser[o]!.push(planned);
    }
    if (spec.type === 'Feature') features = entities;
    if (spec.type === 'Task') tasks = entities;
    space.types.push({ name: spec.type, fields: spec.fields, entities });
  });
  for (const list of byUser) list.sort((a, b) => a.from - b.from);
  return { spaces: [...spaces.values()], byUser };
}

function makeEntity(r: SeededRandom, publicId: string, name: string, ctx: EntityContext, spec: TypeSpec, owners: DatasetUser[], hostile: boolean): DatasetEntity {
  const created = `${addDays(ctx.start, -r.int(1, 20))}T09:${String(r.int(10, 59))}:00.000Z`;
  const description = hostile
    ? `## ${HOSTILE_TEXTS.script}\n\n${HOSTILE_TEXTS.pipes}\n\n${HOSTILE_TEXTS.link}\n\n${HOSTILE_TEXTS.backticks}`
    : r.chance(0.1)
      ? null
      : `## Context\n${name}.\n\n## Plan\n1. Agree on the approach\n2. Ship it behind a flag`;
  const comments = Array.from({ length: r.int(hostile ? 1 : 0, 2) }, (_, i) => ({
    author: owners[0]!.fullname,
    created_at: `${ctx.start}T1${i}:00:00.000Z`,
    text_md: hostile ? `${HOSTILE_TEXTS.newlines}\n${HOSTILE_TEXTS.script}` : r.pick(['PR is up for review.', 'Blocked on the API, waiting.', 'Deployed to staging.']),
  }));
  return {
    id: r.uuid(),
    public_id: publicId,
    name,
    state: ctx.done ? 'Done' : r.pick(['Open', 'In Progress', 'In Review']),
    created_at: created,
    modified_at: `${ctx.end}T17:00:00.000Z`,
    description_md: description,
    assignees: owners.map((o) => ({ name: o.fullname, email: o.email })),
    comments,
    values: spec.values(ctx),
  };
}

/** Day by day, person by person, so entries come out in time order without a global sort. */
function makeEntries(r: SeededRandom, users: DatasetUser[], dates: string[], plan: EntityPlan, opts: WorkloadOptions): DatasetTimeEntry[] {
  const entries: DatasetTimeEntry[] = [];
  const hostileOther = opts.hostile ? [HOSTILE_TEXTS.pipes, HOSTILE_TEXTS.script, HOSTILE_TEXTS.newlines, HOSTILE_TEXTS.link] : [];
  const offsets = users.map((u) => offsetMinutes(u.timezone_offset));
  const firstActive = users.map(() => 0);
  const worked = new Set<PlannedEntity>();
  let day: { startMs: number; entry: DatasetTimeEntry }[] = [];
  const add = (ui: number, date: string, minute: number, minutes: number, description: string, projectId: number | null, tags: string[]) => {
    const offset = offsets[ui]!;
    const startMs = Date.parse(`${date}T00:00:00Z`) + (minute - offset) * 60_000 + r.int(0, 59) * 1000;
    const stopMs = startMs + minutes * 60_000 - r.int(0, 50) * 1000;
    const entry = { id: 0, user_id: users[ui]!.id, description, project_id: projectId, tags, billable: false, start: formatInOffset(startMs, offset), stop: formatInOffset(stopMs, offset) };
    day.push({ startMs, entry });
  };
  dates.forEach((date, di) => {
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
    if (weekday === 0 || weekday === 6) return;
    users.forEach((_, ui) => {
      if (r.chance(0.03)) return; // a day off
      const active = activeOn(plan.byUser[ui]!, firstActive, ui, di);
      let minute = 8 * 60 + r.int(30, 75);
      add(ui, date, minute, 15, 'Daily standup', null, MEETING);
      minute += 20;
      // Entities nobody has touched yet come first, so every entity gets time.
      const fresh = active.filter((e) => !worked.has(e));
      const blocks = r.chance(0.6) ? 4 : 3;
      for (let b = 0; b < blocks; b++) {
        const minutes = r.int(45, 110);
        const e = fresh.pop() ?? (active.length ? r.pick(active) : undefined);
        if (e) worked.add(e);
        add(ui, date, minute, minutes, e ? e.timerText : r.pick(OTHER), e ? e.projectId : null, NO_TAGS);
        minute += minutes + r.int(0, 10) + (b === 1 ? 45 : 0);
      }
      if (r.chance(0.45)) add(ui, date, minute, r.int(20, 60), oddDescription(r, hostileOther), null, NO_TAGS);
      if (r.chance(0.01)) add(ui, date, 22 * 60 + 30, 120, active[0]?.timerText ?? 'Incident call', active[0]?.projectId ?? null, NO_TAGS); // crosses midnight
    });
    day.sort((a, b) => a.startMs - b.startMs);
    for (const t of day) entries.push(Object.assign(t.entry, { id: 5_000_001 + entries.length }));
    day = [];
  });
  if (opts.running && entries.length > 0) entries[entries.length - 1]!.stop = null;
  return entries;
}

/** The entities of one person whose window holds day `di` (windows are sorted by start). */
function activeOn(mine: PlannedEntity[], firstActive: number[], ui: number, di: number): PlannedEntity[] {
  while (firstActive[ui]! < mine.length && mine[firstActive[ui]!]!.to < di) firstActive[ui]!++;
  const active: PlannedEntity[] = [];
  for (let i = firstActive[ui]!; i < mine.length && mine[i]!.from <= di; i++) if (mine[i]!.to >= di) active.push(mine[i]!);
  return active;
}

/** An entry that is not entity work: a meeting, an empty description, an unknown id, an id without tags, hostile text. */
function oddDescription(r: SeededRandom, hostile: string[]): string {
  const roll = r.next();
  if (hostile.length && roll < 0.3) return r.pick(hostile);
  if (roll < 0.04) return '';
  if (roll < 0.06) return `Investigate flaky job #${r.int(900_000, 999_999)} [Scrum] [Task]`;
  if (roll < 0.08) return `Quick fix #${r.int(10_000, 10_050)}`;
  return r.pick(OTHER);
}
