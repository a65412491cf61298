/**
 * Sections and chart blocks every report uses: this period against the last, tracking hygiene,
 * time per day, and the charts of hours by person, type and project (each with its table).
 */
import type { HygieneIssue, PersonHygieneComplete } from '../storage/schemas.js';
import { HYGIENE_FORMULA } from '../toggl/hygiene.js';
import { OTHER_ACTIVITIES_LABEL, strong } from './common.js';
import { compare, comparisonFacts, deltaTable, largestChanges, noPreviousData, type Comparison, type Dimension } from './comparison.js';
import { hours, percent, percentValue, plural, roundHours } from './format.js';
import { heading, md, tableBlock, type Block, type Cell, type ChartSpec, type Section } from './model.js';
import { mdInline } from './text.js';
import type { Breakdown } from '../storage/schemas.js';

const R = 'right' as const;
const L = 'left' as const;

// ---------------------------------------------------------------------------------------------
// Charts with their tables
// ---------------------------------------------------------------------------------------------

const MAX_SERIES = 6;

/** Hours per person stacked by label (type or project): the largest labels, the rest as "Other types". */
export function stackedChart(id: string, title: string, rows: { name: string; seconds: Record<string, number> }[], restLabel = 'Other types'): Block {
  const totals = new Map<string, number>();
  for (const r of rows) for (const [label, s] of Object.entries(r.seconds)) totals.set(label, (totals.get(label) ?? 0) + s);
  const ranked = [...totals.entries()].filter(([label]) => label !== OTHER_ACTIVITIES_LABEL).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([l]) => l);
  const kept = ranked.slice(0, MAX_SERIES);
  const folded = ranked.length > MAX_SERIES;
  const labels = [...kept, ...(folded ? [restLabel] : []), ...(totals.has(OTHER_ACTIVITIES_LABEL) ? [OTHER_ACTIVITIES_LABEL] : [])];
  const secondsOf = (r: (typeof rows)[number], label: string) =>
    label === restLabel && folded ? ranked.slice(MAX_SERIES).reduce((s, l) => s + (r.seconds[l] ?? 0), 0) : (r.seconds[label] ?? 0);
  const chart: ChartSpec = {
    id,
    title,
    description: `${title}: ${plural(rows.length, 'row')} of hours, stacked by ${labels.join(', ')}.`,
    kind: 'stacked',
    categories: rows.map((r) => r.name),
    series: labels.map((label) => ({ name: label, values: rows.map((r) => roundHours(secondsOf(r, label))) })),
    unit: 'h',
  };
  const total = (r: (typeof rows)[number]) => Object.values(r.seconds).reduce((s, v) => s + v, 0);
  const table = {
    headers: ['Name', ...labels, 'Total'],
    rows: rows.map((r): Cell[] => [r.name, ...labels.map((l) => hours(secondsOf(r, l))), hours(total(r))]),
    align: [L, ...labels.map(() => R), R],
  };
  return { kind: 'chart', chart, table };
}

/** Horizontal bars of hours per label; the numbers are in a table of the section already. */
export function barsChart(id: string, title: string, groups: readonly { label: string; seconds: number }[]): Block | null {
  if (!groups.length) return null;
  return {
    kind: 'chart',
    chart: { id, title, description: `${title}, largest first.`, kind: 'bars', categories: groups.map((g) => g.label), series: [{ name: 'Hours', values: groups.map((g) => roundHours(g.seconds)) }], unit: 'h' },
  };
}

/** Per person: share of time on Fibery entities and on other activities (stacked to 100%). */
export function shareChart(id: string, people: readonly { name: string; total_seconds: number; matched_seconds: number; unmatched_seconds: number }[]): Block | null {
  if (!people.length) return null;
  const entities = people.map((p) => percentValue(p.matched_seconds, p.total_seconds));
  return {
    kind: 'chart',
    chart: {
      id,
      title: 'Share of time on Fibery entities vs other activities, per person',
      description: 'For each person, the percentage of their tracked time logged against Fibery entities and on other activities.',
      kind: 'share',
      categories: people.map((p) => p.name),
      series: [
        { name: 'On Fibery entities', values: entities },
        { name: 'Other activities', values: people.map((p, i) => (p.total_seconds ? 100 - entities[i]! : 0)) },
      ],
      unit: '%',
    },
    table: {
      headers: ['Person', 'On Fibery entities', 'Other activities', 'Total'],
      rows: people.map((p) => [p.name, percent(p.matched_seconds, p.total_seconds), percent(p.unmatched_seconds, p.total_seconds), hours(p.total_seconds)]),
      align: [L, R, R, R],
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Time per day
// ---------------------------------------------------------------------------------------------

/** Every day of the period with its hours (days without time too). */
export function dailyRows(byDay: Record<string, number>, period: { start_date: string; end_date: string }): { day: string; seconds: number }[] {
  const out: { day: string; seconds: number }[] = [];
  const end = Date.parse(`${period.end_date}T00:00:00Z`);
  for (let t = Date.parse(`${period.start_date}T00:00:00Z`); t <= end && out.length < 400; t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10);
    out.push({ day, seconds: byDay[day] ?? 0 });
  }
  return out;
}

export function dailySection<M>(get: (m: M) => { byDay: Record<string, number>; period: { start_date: string; end_date: string } } | null): Section<M> {
  return {
    key: 'time_per_day',
    title: 'Time per day',
    hidden: (m) => get(m) === null,
    blocks: (m) => {
      const data = get(m)!;
      const rows = dailyRows(data.byDay, data.period);
      return [
        {
          kind: 'chart',
          chart: { id: 'chart-daily', title: 'Hours tracked per day', description: `Hours tracked on each day from ${data.period.start_date} to ${data.period.end_date}.`, kind: 'line', categories: rows.map((r) => r.day), series: [{ name: 'Hours', values: rows.map((r) => roundHours(r.seconds)) }], unit: 'h' },
          table: { headers: ['Day', 'Hours'], rows: [...rows.map((r): Cell[] => [r.day, hours(r.seconds)]), [strong('Total'), strong(hours(rows.reduce((s, r) => s + r.seconds, 0)))]], align: [L, R] },
        },
      ];
    },
  };
}

// ---------------------------------------------------------------------------------------------
// This period against the last
// ---------------------------------------------------------------------------------------------

export type ComparisonInput = { mode: 'off' } | { mode: 'on'; now: Breakdown; before: Breakdown | null; person?: string };

/** The comparison settings of an aggregate (files of older runs lack them: off). */
export function comparisonInput(data: { comparison?: 'previous' | 'none' | undefined; breakdown?: Breakdown | undefined; previous?: Breakdown | null | undefined }, person?: string): ComparisonInput {
  if (data.comparison !== 'previous' || !data.breakdown) return { mode: 'off' };
  return { mode: 'on', now: data.breakdown, before: data.previous ?? null, ...(person ? { person } : {}) };
}

/** The comparison, or null when it is off or its data is missing. */
export function comparisonOf(input: ComparisonInput): Comparison | null {
  if (input.mode === 'off' || !input.before) return null;
  return compare(input.now, input.before, input.person);
}

/** The comparison's facts for the fact pack (null when there is none). */
export function comparisonFactsOf(input: ComparisonInput): Record<string, unknown> | null {
  const c = comparisonOf(input);
  return c?.hasData ? comparisonFacts(c) : null;
}

/** Why a project's hours here may differ from the Fibery-based sections of the same report. */
const COMPARISON_BASIS =
  'Both periods are counted the same way, from the tags in the entries\' descriptions ([Database] [Type] [Project]): the previous period is not looked up in Fibery, so project hours here can differ from sections that use the project Fibery gives.';

export function comparisonSection<M>(get: (m: M) => ComparisonInput, scope: (m: M) => string): Section<M> {
  return {
    key: 'comparison',
    title: 'This period against the last',
    hidden: (m) => get(m).mode === 'off',
    blocks: (m) => {
      const input = get(m);
      const c = comparisonOf(input);
      if (!c) return [md('The previous period was not aggregated for this run, so there is nothing to compare with.')];
      if (!c.hasData) return [noPreviousData(c.before)];
      const dims: Dimension[] = ['person', 'type', 'project'];
      const titles: Record<Dimension, string> = { person: 'By person', type: 'By database / type', project: 'By project' };
      return [
        md(largestChanges(c, scope(m))),
        md(COMPARISON_BASIS),
        ...dims
          .filter((d) => c.rows[d].length)
          .flatMap((d) => [
            heading(titles[d]),
            {
              kind: 'chart' as const,
              chart: {
                id: `chart-change-${d}`,
                title: `Change in hours against the previous period, ${titles[d].toLowerCase()}`,
                description: `Hours this period minus hours in the previous period, ${titles[d].toLowerCase()}; bars to the right are more time, to the left less.`,
                kind: 'diverging' as const,
                categories: c.rows[d].slice(0, 15).map((r) => r.label),
                series: [{ name: 'Change', values: c.rows[d].slice(0, 15).map((r) => roundHours(r.delta_seconds)) }],
                unit: 'h' as const,
              },
            },
            deltaTable(d, c.rows[d]),
          ]),
      ];
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Tracking hygiene
// ---------------------------------------------------------------------------------------------

type IssueKey = 'empty_description' | 'no_tags' | 'not_found' | 'overlapping' | 'running' | 'over_10h' | 'after_completion';

const ISSUES: { key: IssueKey; title: string; fix: string; unit: [string, string] }[] = [
  { key: 'empty_description', title: 'Empty descriptions', fix: 'Give every entry a description (start timers from Fibery)', unit: ['entry', 'entries'] },
  { key: 'no_tags', title: 'References without tags', fix: 'Start timers from Fibery so references carry their [Database] [Type] tags', unit: ['entry', 'entries'] },
  { key: 'not_found', title: 'References not found', fix: 'Correct references that Fibery does not know (mistyped ids, deleted entities, wrong tags)', unit: ['reference', 'references'] },
  { key: 'overlapping', title: 'Overlapping entries', fix: 'Fix overlapping entries: their time is counted twice', unit: ['entry', 'entries'] },
  { key: 'running', title: 'Running timers', fix: 'Stop timers left running', unit: ['entry', 'entries'] },
  { key: 'over_10h', title: 'Entries over 10 h', fix: 'Split or correct entries over 10 hours', unit: ['entry', 'entries'] },
  { key: 'after_completion', title: 'Time after completion', fix: 'Log time on open entities, or reopen the ones still being worked on', unit: ['entity', 'entities'] },
];

export interface HygieneView {
  team: PersonHygieneComplete | null;
  people: { email: string; hygiene: PersonHygieneComplete }[];
  /** True before enrichment: "not found" and "after completion" are not known yet. */
  togglOnly: boolean;
}

const issueCell = (i: HygieneIssue, known = true): string => (known ? (i.entries ? `${i.entries} · ${hours(i.seconds)}` : '0') : 'after enrichment');

function recommendations(view: HygieneView, subject: string): string[] {
  const whole = view.team ?? view.people[0]?.hygiene;
  if (!whole || !whole.total_seconds) return [];
  const who = (key: IssueKey) =>
    view.team && view.people.length > 1
      ? `; most by ${view.people
          .filter((p) => p.hygiene[key].seconds > 0)
          .sort((a, b) => b.hygiene[key].seconds - a.hygiene[key].seconds)
          .slice(0, 3)
          .map((p) => `${mdInline(p.hygiene.name)} (${hours(p.hygiene[key].seconds)})`)
          .join(', ')}`
      : '';
  const items = ISSUES.filter((i) => !(view.togglOnly && (i.key === 'not_found' || i.key === 'after_completion')) && whole[i.key].seconds > 0).map((i) => ({
    seconds: whole[i.key].seconds,
    text: `${i.fix}: ${plural(whole[i.key].entries, i.unit[0], i.unit[1])}, ${hours(whole[i.key].seconds)}${who(i.key)}.`,
  }));
  const unlinked = whole.total_seconds - whole.linked_seconds;
  if (percentValue(whole.linked_seconds, whole.total_seconds) < 80) {
    items.push({ seconds: unlinked, text: `Link more time to Fibery entities: ${percent(whole.linked_seconds, whole.total_seconds)} of ${subject} time is linked (${hours(unlinked)} is not).` });
  }
  return items.sort((a, b) => b.seconds - a.seconds).slice(0, 4).map((i) => i.text);
}

function scoreText(h: PersonHygieneComplete | null | undefined, togglOnly: boolean): string {
  const score = h?.score === null || h?.score === undefined ? 'no tracked time' : `${h.score} / 100`;
  const partial = togglOnly ? ' (from the Toggl data alone: references not found and time after completion are known only after enrichment, in the team report)' : '';
  return `**Tracking hygiene score: ${score}**${partial}\n\n${HYGIENE_FORMULA}.`;
}

export function hygieneSection<M>(get: (m: M) => HygieneView | null, subject: (m: M) => string): Section<M> {
  return {
    key: 'hygiene',
    title: 'Tracking hygiene',
    hidden: (m) => get(m) === null,
    blocks: (m) => {
      const view = get(m)!;
      const known = (k: IssueKey) => !(view.togglOnly && (k === 'not_found' || k === 'after_completion'));
      const single = view.team === null;
      const whole = view.team ?? view.people[0]?.hygiene;
      const recs = recommendations(view, subject(m));
      const perPerson = tableBlock(
        ['Person', 'Score', 'Linked to Fibery', ...ISSUES.map((i) => i.title)],
        [
          ...view.people.map(({ hygiene: h }): Cell[] => [h.name, h.score ?? '–', percent(h.linked_seconds, h.total_seconds), ...ISSUES.map((i) => issueCell(h[i.key], known(i.key)))]),
          ...(view.team ? [[strong('Team'), strong(view.team.score ?? '–'), strong(percent(view.team.linked_seconds, view.team.total_seconds)), ...ISSUES.map((i) => strong(issueCell(view.team![i.key], known(i.key))))]] : []),
        ],
        [L, R, R, ...ISSUES.map(() => R)],
      );
      const own = whole
        ? tableBlock(
            ['Check', 'Count', 'Hours'],
            [
              ['Linked to Fibery entities', percent(whole.linked_seconds, whole.total_seconds), hours(whole.linked_seconds)],
              ...ISSUES.map((i): Cell[] => [i.title, known(i.key) ? whole[i.key].entries : 'after enrichment', known(i.key) ? hours(whole[i.key].seconds) : '']),
            ],
            [L, R, R],
          )
        : null;
      return [
        md(scoreText(whole, view.togglOnly)),
        single ? own : perPerson,
        heading('Recommendations for tracking'),
        md(recs.length ? recs.map((r) => `- ${r}`).join('\n') : 'Nothing to fix: the tracking shows none of the problems checked.'),
      ];
    },
  };
}

/** The hygiene facts for the narrative. */
export function hygieneFacts(view: HygieneView | null): Record<string, unknown> | null {
  const whole = view?.team ?? view?.people[0]?.hygiene;
  if (!view || !whole) return null;
  const issues = Object.fromEntries(ISSUES.filter((i) => !(view.togglOnly && (i.key === 'not_found' || i.key === 'after_completion'))).map((i) => [i.key, { count: whole[i.key].entries, hours: roundHours(whole[i.key].seconds) }]));
  return { score: whole.score, linked_pct: percentValue(whole.linked_seconds, whole.total_seconds), ...issues };
}
