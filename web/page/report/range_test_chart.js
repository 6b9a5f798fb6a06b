// A uPlot chart of learning-rate range tests: each test's smoothed loss
// against η on a logarithmic axis, and its pick marked as a dot on its
// curve. The chart draws only when told (draw), so its owner calls it from
// its own Redraw (ui/redraw.js): at most once a frame, never while hidden.
//
//   const chart = new RangeTestChart({ chart: div });
//   chart.draw([{ label: 'Adam, seed 1', colour: '--oi-blue', rates, smoothed, pick }, …]);
import uPlot from '../../vendor/uPlot.esm.js';
import { cssVar } from '../ui/colour.js';
import { sci } from '../ui/format.js';

/**
 * One range test: η per batch (rising), the smoothed loss at each, the η picked.
 * @typedef {{ label: string, colour: string, rates: ArrayLike<number>, smoothed: ArrayLike<number>, pick: number }} RangeCurve
 */

const resolve = (colour) => (colour.startsWith('--') ? cssVar(colour) : colour);

/** Where a pick sits on its curve: the smoothed loss at the last rate not above it (the first rate if none). */
export function pickPoint(/** @type {RangeCurve} */ c) {
  let i = 0;
  for (let k = 0; k < c.rates.length; ++k) if (c.rates[k] <= c.pick) i = k;
  return { x: c.pick, y: c.smoothed[i] };
}

/**
 * uPlot's tables: [rates, smoothed] per curve, then [[pick], [its loss]] per curve. Pure.
 * @param {RangeCurve[]} curves
 */
export function rangeTables(curves) {
  const finite = (v) => (Number.isFinite(v) ? v : null);
  return [
    ...curves.map((c) => [Array.from(c.rates), Array.from(c.smoothed, finite)]),
    ...curves.map((c) => {
      const p = pickPoint(c);
      return [[p.x], [finite(p.y)]];
    }),
  ];
}

export class RangeTestChart {
  #chart;
  /** @type {uPlot | null} */
  #plot = null;
  #key = null;

  /** @param {{ chart: HTMLElement }} parts chart: the element the uPlot chart goes in */
  constructor({ chart }) {
    this.#chart = chart;
  }

  /** Draws the curves now; the chart is built again when their names or colours changed. */
  draw(/** @type {RangeCurve[]} */ curves) {
    const key = JSON.stringify(curves.map((c) => [c.label, c.colour]));
    this.#chart.hidden = curves.length === 0;
    this.#chart.dataset.curves = String(curves.length);
    this.#chart.dataset.picks = String(curves.filter((c) => c.pick > 0).length);
    if (key !== this.#key) {
      this.#plot?.destroy();
      this.#plot = null;
      this.#key = key;
      if (curves.length) this.#plot = this.#build(curves);
    }
    this.#plot?.setData(/** @type {any} */ (uPlot.join(/** @type {any} */ (rangeTables(curves)))));
  }

  /** The colours or the type size changed: the next draw builds the chart again. */
  restyle() {
    this.#key = null;
  }

  resize() {
    if (!this.#plot) return;
    const s = this.#size();
    if (this.#plot.width !== s.width || this.#plot.height !== s.height) this.#plot.setSize(s);
  }

  #size() {
    const width = Math.max(240, Math.floor(this.#chart.clientWidth - 2));
    return { width, height: Math.round(Math.min(240, Math.max(170, width * 0.55))) };
  }

  #build(curves) {
    const axis = cssVar('--fg-muted');
    const grid = cssVar('--grid');
    const font = cssVar('--chart-font', '12px system-ui, sans-serif');
    const labelFont = cssVar('--chart-label-font', 'bold 12px system-ui, sans-serif');
    const style = () => ({ stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, font, labelFont });
    const value = (u, y) => (y == null ? '–' : sci(y));
    const opts = {
      ...this.#size(),
      class: 'chart',
      legend: { show: false },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: false, distr: 3 } },
      axes: [
        {
          ...style(),
          label: 'η (log scale)',
          labelSize: 20,
          size: 34,
          values: (u, vals) => vals.map((x) => sci(x, 2)),
        },
        { ...style(), label: 'smoothed loss', labelSize: 20, size: 56, values: (u, vals) => vals.map((y) => sci(y)) },
      ],
      series: [
        { label: 'η' },
        ...curves.map((c) => ({
          label: c.label,
          stroke: resolve(c.colour),
          width: 1.5,
          value,
          spanGaps: true,
          points: { show: false },
        })),
        ...curves.map((c) => ({
          label: `${c.label}: pick`,
          stroke: resolve(c.colour),
          width: 0,
          paths: () => null, // a dot, no line
          value,
          points: { show: true, size: 9, width: 2, fill: resolve(c.colour) },
        })),
      ],
    };
    this.#chart.replaceChildren();
    const plot = new uPlot(
      /** @type {uPlot.Options} */ (/** @type {unknown} */ (opts)),
      /** @type {any} */ ([[], ...opts.series.slice(1).map(() => [])]),
      this.#chart,
    );
    plot.root.querySelector('.u-over')?.setAttribute('aria-hidden', 'true');
    return plot;
  }
}
