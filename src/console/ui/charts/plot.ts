/**
 * Draws a report's chart with uPlot (a small canvas charting library). Loaded only when a report
 * page opens (its own chunk), so the board never downloads it. Categories (stages, owners,
 * reasons, periods) are x positions 0, 1, 2…; bars of several series stand side by side at each.
 */
import uPlot from 'uplot';
import type { ChartView, TimelineTone } from '../../views.js';
import { formatValue, money } from '../format.js';

const TONES: Record<TimelineTone, string> = { info: '#2457c5', good: '#1c7c4a', bad: '#b42318', warn: '#c27803', muted: '#8a94a3' };
/** Colours for series of the same tone (one line per owner). */
const PALETTE = ['#2457c5', '#c27803', '#1c7c4a', '#7a3db8', '#b42318', '#0f7b8a', '#8a94a3'];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** How the y axis shows the series' unit: durations in hours or days, shares as percentages. */
function axisOf(view: ChartView): { scale: number; tick: (v: number) => string; range: (max: number) => [number, number] } {
  const format = view.series[0]?.format ?? 'int';
  const max = Math.max(0, ...view.series.flatMap((s) => s.values.filter((v): v is number => v !== null)), view.line?.value ?? 0);
  if (format === 'percent') return { scale: 1, tick: (v) => `${Math.round(v * 100)}%`, range: (m) => [0, Math.max(1, m)] };
  if (format === 'duration') {
    const unit = max >= 3 * DAY ? DAY : HOUR;
    return { scale: unit, tick: (v) => `${v}${unit === DAY ? 'd' : 'h'}`, range: (m) => [0, niceCeil(m || 1)] };
  }
  if (format === 'money') return { scale: 1, tick: (v) => money(v, null), range: (m) => [0, niceCeil(m || 1)] };
  return { scale: 1, tick: (v) => String(v), range: (m) => [0, Math.max(1, niceCeil(m))] };
}

function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v * 1.05) return m * p;
  return 10 * p;
}

/**
 * The x labels as room allows: "2026-03-02" as "2 Mar", every k-th one when they would crowd;
 * categories shortened to the width of their column.
 */
function xLabels(view: ChartView, u: uPlot, splits: number[]): string[] {
  const column = u.bbox.width / devicePixelRatio / Math.max(1, view.x.length);
  const dates = view.x.every((x) => /^\d{4}-\d{2}-\d{2}$/.test(x));
  if (dates) {
    const every = Math.max(1, Math.ceil(48 / column));
    return splits.map((i) =>
      i % every === 0 ? new Date(`${view.x[i]}T12:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' }) : '',
    );
  }
  const chars = Math.max(3, Math.floor(column / 7));
  return splits.map((i) => {
    const x = view.x[i] ?? '';
    return x.length > chars ? `${x.slice(0, chars - 1)}…` : x;
  });
}

/**
 * Draws the chart into `host` at its width and keeps it sized to it. Returns what uPlot plots (one
 * array per series, in the series' own unit) and a function that removes the chart.
 */
export function plot(host: HTMLElement, view: ChartView): { plotted: Array<Array<number | null>>; destroy: () => void } {
  const n = view.x.length;
  const k = view.series.length;
  const axis = axisOf(view);
  const xs = view.x.map((_, i) => i);
  const group = 0.8;
  const width = view.kind === 'bars' ? group / Math.max(1, k) : 0;
  const sameTone = new Set(view.series.map((s) => s.tone)).size < k;
  const colour = (j: number) => (sameTone ? PALETTE[j % PALETTE.length]! : TONES[view.series[j]!.tone]);
  const data: uPlot.AlignedData = [xs, ...view.series.map((s) => s.values.map((v) => (v === null ? null : v / axis.scale)))];

  const bars = (j: number) =>
    uPlot.paths.bars!({
      size: [group],
      // Series j's bar at x = i stands at i - 0.4 + j·width: the group is centred on the category.
      disp: {
        x0: { unit: 1, values: (u: uPlot) => (u.data[0] as number[]).map((i) => i - group / 2 + j * width) },
        size: { unit: 1, values: () => [width] },
      },
    } as uPlot.Series.BarsPathBuilderOpts);

  const options: uPlot.Options = {
    width: Math.max(280, host.clientWidth),
    height: 260,
    legend: { show: true, live: true },
    cursor: { points: { show: view.kind === 'lines' }, drag: { x: false, y: false } },
    scales: {
      x: { time: false, range: () => [-0.5, Math.max(0.5, n - 0.5)] },
      y: { range: (_u, _min, max) => axis.range(max) },
    },
    axes: [
      {
        splits: () => xs,
        values: (u, splits) => xLabels(view, u, splits),
        grid: { show: false },
      } as uPlot.Axis,
      { values: (_u, splits) => splits.map((v) => axis.tick(v)), size: view.series[0]?.format === 'money' ? 80 : 50 },
    ],
    series: [
      { label: view.xLabel, value: (_u, i) => (i === null || i === undefined ? '—' : (view.x[i] ?? '—')) },
      ...view.series.map(
        (s, j): uPlot.Series => ({
          label: s.label,
          stroke: colour(j),
          fill: view.kind === 'bars' ? `${colour(j)}cc` : undefined,
          width: view.kind === 'bars' ? 0 : 2,
          points: { show: view.kind === 'lines', size: 6 },
          spanGaps: false,
          value: (_u, v) => formatValue(v === null ? null : v * axis.scale, s.format),
          ...(view.kind === 'bars' ? { paths: bars(j) } : {}),
        }),
      ),
    ],
    hooks: {
      // Marked categories (the bottleneck, reps at or over the line) get a band behind their bars.
      drawClear: [
        (u) => {
          if (view.marked.length === 0) return;
          const { ctx } = u;
          ctx.save();
          ctx.fillStyle = 'rgba(180, 35, 24, 0.10)';
          for (const i of view.marked) {
            const left = u.valToPos(i - 0.5, 'x', true);
            const right = u.valToPos(i + 0.5, 'x', true);
            ctx.fillRect(left, u.bbox.top, right - left, u.bbox.height);
          }
          ctx.restore();
        },
      ],
      // The threshold line, dashed, with its label.
      draw: [
        (u) => {
          if (!view.line) return;
          const { ctx } = u;
          const y = u.valToPos(view.line.value / axis.scale, 'y', true);
          ctx.save();
          ctx.strokeStyle = '#b42318';
          ctx.lineWidth = 2 * devicePixelRatio;
          ctx.setLineDash([8 * devicePixelRatio, 5 * devicePixelRatio]);
          ctx.beginPath();
          ctx.moveTo(u.bbox.left, y);
          ctx.lineTo(u.bbox.left + u.bbox.width, y);
          ctx.stroke();
          ctx.fillStyle = '#b42318';
          ctx.font = `${12 * devicePixelRatio}px system-ui, sans-serif`;
          ctx.textAlign = 'right';
          ctx.fillText(view.line.label, u.bbox.left + u.bbox.width - 4 * devicePixelRatio, y - 5 * devicePixelRatio);
          ctx.restore();
        },
      ],
    },
  };
  const u = new uPlot(options, data, host);
  const resize = new ResizeObserver(() => {
    const w = Math.max(280, host.clientWidth);
    if (w !== u.width) u.setSize({ width: w, height: 260 });
  });
  resize.observe(host);
  const plotted = (u.data.slice(1) as Array<Array<number | null>>).map((values) => values.map((v) => (v === null ? null : v * axis.scale)));
  return {
    plotted,
    destroy: () => {
      resize.disconnect();
      u.destroy();
    },
  };
}
