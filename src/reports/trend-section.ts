/**
 * Allocation over time: the team's hours and share per Fibery type, project and person over the
 * last periods of the run's length, and the hygiene score of each, with the periods named by
 * their dates and each period's source (this run, an earlier run, or this run's fetch). Every
 * figure is also in the fact pack, so what the LLM says about the trend is checked like the rest.
 */
import type { Trend, TrendPeriod } from '../storage/schemas.js';
import { OTHER_ACTIVITIES_LABEL } from './common.js';
import { bullets, hours, inline, percent, percentValue, periodLabel, roundHours } from './format.js';
import { heading, md, tableBlock, type Block, type Cell, type Section } from './model.js';
import { stackedChart } from './shared-sections.js';

const R = 'right' as const;
const L = 'left' as const;
/** Rows of the fact pack's trend per dimension; the rest is summed up as "others". */
const MAX_FACT_ROWS = 10;

type Dimension = 'by_type' | 'by_project' | 'people';

/** Seconds per label of one period in one dimension (people: by name). */
function secondsOf(p: TrendPeriod, dimension: Dimension): Record<string, number> {
  if (dimension !== 'people') return p[dimension];
  const out: Record<string, number> = {};
  for (const person of Object.values(p.people)) out[person.name] = (out[person.name] ?? 0) + person.total_seconds;
  return out;
}

/** The labels of a dimension over all periods, largest first (other activities last). */
function labelsOf(trend: Trend, dimension: Dimension): string[] {
  const totals = new Map<string, number>();
  for (const p of trend.periods) for (const [label, s] of Object.entries(secondsOf(p, dimension))) totals.set(label, (totals.get(label) ?? 0) + s);
  return [...totals.entries()]
    .sort((a, b) => Number(a[0] === OTHER_ACTIVITIES_LABEL) - Number(b[0] === OTHER_ACTIVITIES_LABEL) || b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([label]) => label);
}

const cellOf = (seconds: number, total: number): string => `${hours(seconds)} (${percent(seconds, total)})`;

/** One row per label, one column per period: hours and share of that period's time. */
function dimensionTable(trend: Trend, dimension: Dimension, title: string): Block {
  const rows: Cell[][] = labelsOf(trend, dimension).map((label) => [label, ...trend.periods.map((p) => cellOf(secondsOf(p, dimension)[label] ?? 0, p.total_seconds))]);
  rows.push([{ text: 'Total', strong: true }, ...trend.periods.map((p) => hours(p.total_seconds))]);
  return tableBlock([title, ...trend.periods.map((p) => periodLabel(p.period))], rows, [L, ...trend.periods.map(() => R)]);
}

function sourceText(p: TrendPeriod): string {
  if (p.source === 'this_run') return 'this run';
  if (p.source === 'run') return `run ${p.run_id}`;
  return 'fetched from Toggl';
}

function trendText(trend: Trend): string {
  const [first, last] = [trend.periods[0]!, trend.periods.at(-1)!];
  const types = labelsOf(trend, 'by_type').filter((l) => l !== OTHER_ACTIVITIES_LABEL);
  const lines = [`Over ${trend.periods.length} periods from ${periodLabel(first.period)} to ${periodLabel(last.period)} the team tracked ${hours(first.total_seconds)} in the first and ${hours(last.total_seconds)} in the last.`];
  const top = types[0];
  if (top) {
    lines.push(`${inline(top)} took ${percent(first.by_type[top] ?? 0, first.total_seconds)} of the time in the first period and ${percent(last.by_type[top] ?? 0, last.total_seconds)} in the last.`);
  }
  const other = (p: TrendPeriod) => percent(p.by_type[OTHER_ACTIVITIES_LABEL] ?? 0, p.total_seconds);
  lines.push(`Other activities (no entity) went from ${other(first)} to ${other(last)} of the time.`);
  return bullets(lines);
}

export function trendSection<M>(get: (m: M) => Trend | null | undefined): Section<M> {
  return {
    key: 'trend',
    title: 'Allocation over time',
    narrated: true,
    hidden: (m) => !get(m) || get(m)!.periods.length < 2,
    fallback: (m) => trendText(get(m)!),
    blocks: (m) => {
      const trend = get(m)!;
      const rows = trend.periods.map((p) => ({ name: periodLabel(p.period), seconds: p.by_type }));
      return [
        heading('By database / type'),
        stackedChart('chart-trend-types', 'Hours per period, by Fibery type', rows),
        dimensionTable(trend, 'by_type', 'Database / Type'),
        heading('By project'),
        dimensionTable(trend, 'by_project', 'Project'),
        heading('By person'),
        dimensionTable(trend, 'people', 'Person'),
        heading('Tracking hygiene per period'),
        tableBlock(
          ['Period', 'Hours', 'Hygiene score (Toggl side)', 'Figures from'],
          trend.periods.map((p) => [periodLabel(p.period), hours(p.total_seconds), p.hygiene_score ?? '–', sourceText(p)]),
          [L, R, R, L],
        ),
        md(
          bullets([
            "Each period has the run's length; the last is this run's. An earlier period's figures come from the stored aggregates of an earlier run of exactly that period when there is one, else from Toggl in this run's fetch.",
            'The hygiene score here is computed from the Toggl data alone (Fibery is not asked about earlier periods), so it can differ from the full score of the Tracking hygiene section.',
          ]),
        ),
      ];
    },
  };
}

/** The trend as facts: per period its hours, hygiene score and the hours and share of the largest types, projects and people. */
export function trendFacts(trend: Trend | null | undefined): Record<string, unknown>[] | null {
  if (!trend || trend.periods.length < 2) return null;
  const kept = (dimension: Dimension) => labelsOf(trend, dimension).slice(0, MAX_FACT_ROWS);
  const figures = (p: TrendPeriod, dimension: Dimension) => {
    const seconds = secondsOf(p, dimension);
    const labels = kept(dimension);
    const out: Record<string, { hours: number; pct: number }> = {};
    for (const label of labels) out[label] = { hours: roundHours(seconds[label] ?? 0), pct: percentValue(seconds[label] ?? 0, p.total_seconds) };
    const rest = Object.entries(seconds).filter(([label]) => !labels.includes(label)).reduce((s, [, v]) => s + v, 0);
    if (rest > 0) out.others = { hours: roundHours(rest), pct: percentValue(rest, p.total_seconds) };
    return out;
  };
  return trend.periods.map((p) => ({
    period: p.period,
    hours: roundHours(p.total_seconds),
    hygiene_score_toggl_side: p.hygiene_score,
    by_type: figures(p, 'by_type'),
    by_project: figures(p, 'by_project'),
    by_person: figures(p, 'people'),
  }));
}
