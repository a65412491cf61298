/**
 * A synthetic team for report tests: N people over two weeks and the two weeks before, with
 * every tracking problem the hygiene checks look for and hostile names (`<script>`, pipes,
 * markdown links, newlines, 5,000 characters). Deterministic (seeded), built through the real
 * aggregator, enriched in memory.
 */
import type { EnrichedData, EnrichedEntity, RawTimeEntry, RawTogglData } from '../../src/storage/schemas.js';
import { aggregateToggl } from '../../src/toggl/aggregate.js';
import { previousPeriod } from '../../src/toggl/breakdown.js';
import { TrendPeriodAccumulator, trendPeriodFromAggregates } from '../../src/toggl/trend.js';
import { enrichedReportExtras } from '../../src/reports/common.js';
import { entityKey } from '../../src/workflows/contract.js';

export const HOSTILE = {
  script: '<script>alert(1)</script>',
  pipe: 'Pipe | name\nwith a newline',
  link: '[click me](http://evil.example/x)',
  long: `Long ${'x'.repeat(5000)}`,
  emphasis: '*bold* _it_ `code` # not a heading',
};

/** A Fibery description as its API exports it: a heading, a task list, a numbered list, a link. */
export const TASK_LIST_DESCRIPTION = '## Definition of done\n\n- [ ] acceptance criteria agreed\n- [x] design reviewed\n\n1. Ship behind a flag\n2. Read [the spec](https://acme.fibery.io/spec) first';

const TYPES = [
  ['Scrum', 'Task'],
  ['Scrum', 'Bug'],
  ['Scrum', 'Sub-task'],
  ['Product Management', 'Feature'],
  ['Scrum', 'Chore'],
] as const;
const PROJECTS = ['Moneyball', 'Volt - Internal', 'Checkout', 'Mobile app', null];
const ACTIVITIES = ['Daily standup', 'Code review', 'Support', 'Planning meeting'];

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Entity {
  id: string;
  db: string;
  type: string;
  project: string | null;
  name: string;
}

function entities(): Entity[] {
  const out: Entity[] = [];
  for (let i = 0; i < 40; i++) {
    const [db, type] = TYPES[i % TYPES.length]!;
    const hostile = [HOSTILE.script, HOSTILE.pipe, HOSTILE.link, HOSTILE.long, HOSTILE.emphasis][i] ?? null;
    out.push({ id: String(7000 + i), db, type, project: PROJECTS[i % PROJECTS.length]!, name: hostile ?? `Work item ${i} for the ${type.toLowerCase()} board` });
  }
  return out;
}

function description(e: Entity): string {
  return `${e.name.replace(/\n/g, ' ')} #${e.id} [${e.db}] [${e.type}]${e.project ? ` [${e.project}]` : ''}`;
}

export function personName(i: number): string {
  if (i === 0) return `Eve ${HOSTILE.script}`;
  if (i === 1) return 'Pat | Pipe';
  return ['Zoë Müller', 'Олена Коваленко', 'Ana García', 'Li Wei', 'Sam Taylor', 'Noor Haddad'][i % 6]! + (i >= 6 ? ` ${i}` : '');
}

/** Entries of one period for `people` people. */
function periodEntries(people: number, period: { start_date: string; end_date: string }, seed: number, idBase: number): RawTimeEntry[] {
  const random = rng(seed);
  const all = entities();
  const out: RawTimeEntry[] = [];
  let id = idBase;
  const start = Date.parse(`${period.start_date}T00:00:00Z`);
  const end = Date.parse(`${period.end_date}T00:00:00Z`);
  for (let p = 0; p < people; p++) {
    const email = `person${p}@example.com`;
    for (let day = start; day <= end; day += 86_400_000) {
      if ([0, 6].includes(new Date(day).getUTCDay())) continue;
      let at = day + 9 * 3600_000;
      const count = 2 + Math.floor(random() * 3);
      for (let k = 0; k < count; k++) {
        const seconds = (1 + Math.floor(random() * 8)) * 1800;
        const r = random();
        const entity = all[Math.floor(random() * all.length)]!;
        const text = r < 0.7 ? description(entity) : r < 0.95 ? ACTIVITIES[Math.floor(random() * ACTIVITIES.length)]! : '';
        out.push(entry(id++, p, email, text, at, seconds));
        at += seconds * 1000;
      }
    }
  }
  return out;
}

function entry(id: number, p: number, email: string, text: string, startMs: number, seconds: number, running = false): RawTimeEntry {
  const start = new Date(startMs).toISOString().replace('.000Z', '+00:00');
  return {
    id,
    user_id: p + 1,
    user_email: email,
    user_name: personName(p),
    description: text,
    project_id: null,
    project_name: null,
    client_name: null,
    tags: [],
    start,
    stop: running ? null : new Date(startMs + seconds * 1000).toISOString(),
    seconds,
    running,
    api_seconds: running ? -1 : seconds,
  };
}

/** Entries every hygiene check should find, for person 2. */
function problems(period: { start_date: string }): RawTimeEntry[] {
  const email = 'person2@example.com';
  const day = Date.parse(`${period.start_date}T00:00:00Z`) + 86_400_000 * 2;
  return [
    entry(900_001, 2, email, 'Untagged reference #4242', day + 20 * 3600_000, 1800),
    entry(900_002, 2, email, 'Overlap A #7000 [Scrum] [Task] [Moneyball]', day + 21 * 3600_000, 3600),
    entry(900_003, 2, email, 'Overlap B', day + 21.5 * 3600_000, 3600),
    entry(900_004, 2, email, 'Marathon #7001 [Scrum] [Bug]', day + 86_400_000 * 3, 11 * 3600),
    entry(900_005, 2, email, 'Forgot to stop', day + 86_400_000 * 5, 4 * 3600, true),
    entry(900_006, 2, email, 'Ghost #9999 [Scrum] [Task]', day + 86_400_000 * 6, 2 * 3600),
  ];
}

export interface ReportData {
  raw: RawTogglData;
  aggregated: ReturnType<typeof aggregateToggl>;
  enrichment: Map<string, EnrichedEntity>;
  enriched: EnrichedData;
}

export function reportData(people = 25, options: { previous?: boolean; previousEmpty?: boolean; trend?: boolean } = {}): ReportData {
  const period = { start_date: '2026-11-16', end_date: '2026-11-29' };
  const time_entries = [...periodEntries(people, period, 42, 1), ...(people > 2 ? problems(period) : [])];
  const raw: RawTogglData = {
    fetched_at: '2026-11-30T06:00:00.000Z',
    period,
    source: { api: 'test', workspace_id: '1', requests: 1 },
    users_filter: null,
    users: [],
    time_entries,
  };
  const previous = options.previous === false ? null : { entries: options.previousEmpty ? [] : periodEntries(people, previousPeriod(period), 7, 500_000) };
  const aggregated = aggregateToggl(raw, new Date('2026-11-30T06:00:00Z'), previous);
  if (options.trend) {
    // The period before as if fetched for the trend, then this period.
    const earlier = new TrendPeriodAccumulator(previousPeriod(period));
    for (const entry of previous?.entries ?? []) earlier.add(entry);
    aggregated.trend = { periods: [earlier.finish(), trendPeriodFromAggregates(aggregated, 'this_run', null)!] };
  }
  const enrichment = new Map<string, EnrichedEntity>();
  for (const e of aggregated.entities) {
    if (!e.enrichable || !e.entity_database || !e.entity_type) continue;
    const key = entityKey(e.entity_database, e.entity_type, e.entity_id);
    const n = Number(e.entity_id);
    if (n === 9999) {
      enrichment.set(key, { key, entity_id: e.entity_id, entity_database: e.entity_database, entity_type: e.entity_type, status: 'not_found', reason: `no ${e.entity_database}/${e.entity_type} with public id 9999`, enriched_by: 'test', fibery: null });
      continue;
    }
    const done = n % 3 === 0;
    enrichment.set(key, {
      key,
      entity_id: e.entity_id,
      entity_database: e.entity_database,
      entity_type: e.entity_type,
      status: 'enriched',
      reason: null,
      enriched_by: 'test',
      fibery: {
        id: `uuid-${n}`,
        public_id: e.entity_id,
        name: e.name,
        state: done ? 'Done' : 'In progress',
        created_at: '2026-10-01T00:00:00Z',
        modified_at: '2026-11-20T00:00:00Z',
        description_md: n === 7000 ? `${HOSTILE.script} and ${HOSTILE.link}` : n === 7010 ? TASK_LIST_DESCRIPTION : null,
        assignees: [],
        comments: [],
        fields: done ? { completionDate: '2026-11-20' } : { plannedEnd: n % 2 ? '2026-11-18' : '2026-12-20' },
      },
    });
  }
  const enriched: EnrichedData = {
    generated_at: '2026-11-30T06:05:00.000Z',
    period,
    totals: aggregated.totals,
    entities: aggregated.entities.map((e) => ({ ...e, enrichment: enrichment.get(entityKey(e.entity_database, e.entity_type, e.entity_id)) ?? null })),
    users: Object.fromEntries(Object.entries(aggregated.users).map(([email, u], i) => [email, { ...u, slug: `person_${i}`, report_file: `reports/individual/person_${i}.md` }])),
    enrichment: { enriched: enrichment.size - 1, not_found: 1, not_enrichable: aggregated.entities.filter((e) => !e.enrichable).length, requests: 3, warnings: [`field "Effort" missing on ${HOSTILE.script}`], by_type: {} },
    ...enrichedReportExtras(aggregated, enrichment),
  };
  return { raw, aggregated, enrichment, enriched };
}
