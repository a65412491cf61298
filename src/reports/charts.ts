/**
 * Charts as inline SVG, drawn on the server by Apache ECharts' SSR renderer (no script on the
 * page, no animation, fixed sizes). Colours are the Okabe–Ito palette, which stays distinct for
 * colour-blind readers and in greyscale print; each SVG carries a <title> and a <desc>.
 */
import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { LegacyGridContainLabel } from 'echarts/features';
import { SVGRenderer } from 'echarts/renderers';
import type { ChartSpec } from './model.js';
import { htmlEscape, shorten } from './text.js';

// Only what the charts use: loading all of ECharts costs every report-writing process ~0.15 s more.
echarts.use([BarChart, GridComponent, LegendComponent, LegacyGridContainLabel, SVGRenderer]);

export const CHART_WIDTH = 880;
const LABEL_CHARS = 26;
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#7F7F7F', '#F0E442', '#000000'];
const POSITIVE = '#0072B2';
const NEGATIVE = '#D55E00';

const axisLabel = (value: string) => shorten(value, LABEL_CHARS);
const unitLabel = (unit: ChartSpec['unit']) => (unit === '%' ? '{value}%' : '{value} h');

/** Rows the legend wraps into (ECharts measures text only roughly on the server: err wide). */
function legendRows(names: readonly string[]): number {
  if (names.length < 2) return 0;
  let rows = 1;
  let x = 0;
  for (const name of names) {
    const width = 14 + 8 + [...shorten(name, LABEL_CHARS)].length * 7.5 + 24;
    if (x + width > CHART_WIDTH - 20 && x > 0) {
      rows++;
      x = 0;
    }
    x += width;
  }
  return rows;
}

function horizontalHeight(categories: number, legendHeight: number): number {
  return Math.max(140, 40 + legendHeight + categories * 26);
}

/** The ECharts option of a spec, with the chart's height. */
function optionFor(spec: ChartSpec): { option: echarts.EChartsCoreOption; height: number } {
  const legend = spec.series.length > 1;
  const legendHeight = legendRows(spec.series.map((s) => s.name)) * 24;
  const common = {
    animation: false,
    color: PALETTE,
    textStyle: { fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif', fontSize: 12 },
    legend: legend ? { show: true, top: 0, type: 'plain' as const, itemWidth: 14, itemHeight: 10, itemGap: 24, formatter: (name: string) => shorten(name, LABEL_CHARS) } : { show: false },
    grid: { left: 8, right: 40, top: 12 + legendHeight, bottom: 8, containLabel: true },
  };
  if (spec.kind === 'line') {
    const option = {
      ...common,
      xAxis: { type: 'category', data: spec.categories, axisLabel: { hideOverlap: true } },
      yAxis: { type: 'value', axisLabel: { formatter: unitLabel(spec.unit) } },
      series: spec.series.map((s) => ({ name: s.name, type: 'bar', stack: 'total', data: s.values, barMaxWidth: 28 })),
    };
    return { option, height: 300 + legendHeight };
  }
  const height = horizontalHeight(spec.categories.length, legendHeight);
  // The server cannot measure text exactly: leave the category labels room by their length.
  const labelWidth = 16 + 7 * Math.max(4, ...spec.categories.map((c) => [...axisLabel(c)].length));
  const horizontal = { ...common, grid: { ...common.grid, left: labelWidth, right: 60, containLabel: false, bottom: 28 } };
  const categoryAxis = { type: 'category', inverse: true, data: spec.categories.map(axisLabel), axisTick: { show: false } };
  if (spec.kind === 'diverging') {
    const values = spec.series[0]?.values ?? [];
    const option = {
      ...horizontal,
      xAxis: { type: 'value', axisLabel: { formatter: unitLabel(spec.unit) } },
      yAxis: { ...categoryAxis, axisLine: { onZero: true } },
      series: [
        {
          name: spec.series[0]?.name ?? '',
          type: 'bar',
          barMaxWidth: 18,
          data: values.map((v) => ({ value: v, itemStyle: { color: v >= 0 ? POSITIVE : NEGATIVE } })),
          label: { show: true, position: 'right', formatter: (p: { value: number }) => `${p.value > 0 ? '+' : ''}${p.value}${spec.unit === '%' ? ' pp' : ' h'}` },
        },
      ],
    };
    return { option, height };
  }
  const stacked = spec.kind === 'stacked' || spec.kind === 'share';
  const option = {
    ...horizontal,
    xAxis: { type: 'value', max: spec.kind === 'share' ? 100 : undefined, axisLabel: { formatter: unitLabel(spec.unit) } },
    yAxis: categoryAxis,
    series: spec.series.map((s) => ({
      name: s.name,
      type: 'bar',
      barMaxWidth: 18,
      ...(stacked ? { stack: 'total' } : {}),
      data: s.values,
      ...(!stacked ? { label: { show: true, position: 'right', formatter: `{c}${spec.unit === '%' ? '%' : ' h'}` } } : {}),
    })),
  };
  return { option, height };
}

/**
 * The SVGs this process drew last, by spec. ECharts takes 5-20 ms of CPU a chart, and a process
 * often draws the same ones again: a report activity retried on its worker, a run restarted from
 * the Fibery stage (its Toggl and per-person charts are unchanged), the embedded service's demo
 * runs over the sample workspace. The drawing is a function of the spec alone (the renderer's
 * class names aside, which mean nothing once its style rules are removed). About 2 MB at most.
 */
const drawn = new Map<string, string>();
const DRAWN_MAX = 256;

/** The chart as a standalone SVG element with a title and a description. */
export function chartSvg(spec: ChartSpec): string {
  const key = JSON.stringify(spec);
  const known = drawn.get(key);
  // Deleted and set again: the Map's order is the use order, the first key the least recent.
  if (known !== undefined) drawn.delete(key);
  const svg = known ?? drawChart(spec);
  drawn.set(key, svg);
  if (drawn.size > DRAWN_MAX) drawn.delete(drawn.keys().next().value!);
  return svg;
}

function drawChart(spec: ChartSpec): string {
  const { option, height } = optionFor(spec);
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: CHART_WIDTH, height });
  try {
    chart.setOption(option);
    // Hover rules only: no use without script, and their class names repeat from chart to chart.
    const svg = chart.renderToSVGString().replace(/<style\b[\s\S]*?<\/style>/g, '');
    const titleId = `${spec.id}-title`;
    const descId = `${spec.id}-desc`;
    return svg.replace(
      /^<svg\b([^>]*)>/,
      `<svg$1 role="img" aria-labelledby="${titleId} ${descId}"><title id="${titleId}">${htmlEscape(spec.title)}</title><desc id="${descId}">${htmlEscape(spec.description)}</desc>`,
    );
  } finally {
    chart.dispose();
  }
}
