// A uPlot chart of curves over epochs (or any x), each a mean line with a
// shaded band from its lowest to its highest value at each x (the seeds'
// spread: report/seed_bands.js), and its legend. A curve without min/max is
// drawn as a plain line. The chart only draws when told (draw), so its owner
// calls it from its own Redraw (ui/redraw.js): at most once a frame, never
// while hidden. Used by the report's figures (report/figures_view.js) and the
// studies' panels.
//
//   const chart = new BandChart({ chart: div, legend: ul, format: (y) => `${y.toFixed(2)} %`, scale: 100 });
//   // in the owner's Redraw callback:
//   chart.draw([{ label: '20 hidden (mean of 3 seeds)', colour: '--oi-blue', dash: [],
//                 points: [{ x: 1, mean: 0.91, min: 0.90, max: 0.92 }, …] }, …]);
import uPlot from '../../vendor/uPlot.esm.js';
import { epochAxes } from './chart_axes.js';
import { cssVar } from './colour.js';
import { el } from './dom.js';
import { BAND_ALPHA, bandColumns, hasBand, translucent } from './band_data.js';

export { BAND_ALPHA, bandColumns, hasBand, translucent };

/**
 * A point of a curve: its mean, and the band's bounds when it has one.
 * @typedef {{ x: number, mean: number, min?: number | null, max?: number | null }} BandPoint
 * A curve. colour: a CSS colour or a custom property of the page ('--oi-blue', read when the chart is
 * built); dash: the line's dash pattern ([] solid); id: what the legend's item carries as data-id.
 * @typedef {{ label: string, colour: string, dash?: number[], points: BandPoint[], id?: string }} BandSeries
 * @typedef {{ chart: HTMLElement, legend?: HTMLElement | null, format?: (y: number) => string,
 *   scale?: number, xLabel?: string, size?: (chart: HTMLElement) => { width: number, height: number },
 *   bandAlpha?: number }} BandChartOptions
 */

const SVG = 'http://www.w3.org/2000/svg';

/** A short line in a curve's colour and dash over its band, for a legend (SVG attributes: CSP-safe). */
export function swatch(colour, dash = [], band = false) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'swatch');
  svg.setAttribute('viewBox', '0 0 28 8');
  svg.setAttribute('aria-hidden', 'true');
  if (band) {
    const rect = document.createElementNS(SVG, 'rect');
    for (const [k, v] of Object.entries({ x: 1, y: 0, width: 26, height: 8, fill: translucent(colour, BAND_ALPHA) }))
      rect.setAttribute(k, String(v));
    svg.append(rect);
  }
  const line = document.createElementNS(SVG, 'line');
  for (const [k, v] of Object.entries({ x1: 1, y1: 4, x2: 27, y2: 4, stroke: colour, 'stroke-width': 2.5 }))
    line.setAttribute(k, String(v));
  if (dash.length) line.setAttribute('stroke-dasharray', dash.join(' '));
  svg.append(line);
  return svg;
}

const resolve = (colour) => (colour.startsWith('--') ? cssVar(colour) : colour);

export class BandChart {
  #o;
  /** @type {uPlot | null} */
  #plot = null;
  #key = null;

  /**
   * chart: the element the uPlot chart goes in; legend: a list the curves' names go in (optional);
   * format: a y value as the axis writes it (after scale); scale: the factor on every value (100 for %);
   * size: the chart's size from its element (default: its width, 0.55 of it high, 170–240 px).
   * @param {BandChartOptions} options
   */
  constructor(options) {
    this.#o = {
      format: (y) => String(Number(y.toPrecision(4))),
      scale: 1,
      xLabel: 'epoch',
      size: (c) => {
        const width = Math.max(240, Math.floor(c.clientWidth - 2));
        return { width, height: Math.round(Math.min(240, Math.max(170, width * 0.55))) };
      },
      bandAlpha: BAND_ALPHA,
      ...options,
    };
  }

  /** The uPlot chart now (null before the first curve), for tests and the console. */
  get plot() {
    return this.#plot;
  }

  /** Draws `series` now: the chart is built again when its curves' names, colours, dashes or bands changed. */
  draw(/** @type {BandSeries[]} */ series) {
    const { chart, legend, scale } = this.#o;
    const key = JSON.stringify(series.map((s) => [s.id, s.label, s.colour, s.dash, hasBand(s)]));
    const { tables, bands } = bandColumns(series, scale);
    chart.dataset.bands = String(bands.length);
    chart.hidden = series.length === 0;
    if (key !== this.#key) {
      this.#plot?.destroy();
      this.#plot = null;
      this.#key = key;
      legend?.replaceChildren(
        ...series.map((s) =>
          el(
            'li',
            { 'data-id': s.id ?? '', 'data-band': String(hasBand(s)) },
            swatch(resolve(s.colour), s.dash, hasBand(s)),
            el('span', { text: s.label }),
          ),
        ),
      );
      if (series.length) this.#plot = this.#build(series, bands);
    }
    if (!this.#plot) return;
    this.#plot.setData(
      tables.some((t) => t[0].length)
        ? uPlot.join(/** @type {any} */ (tables))
        : /** @type {any} */ ([[], ...tables.map(() => [])]),
    );
  }

  /** The colours or the type size changed: the next draw builds the chart again. */
  restyle() {
    this.#key = null;
  }

  /** Fits the chart to its element's size. */
  resize() {
    if (!this.#plot) return;
    const s = this.#o.size(this.#o.chart);
    if (this.#plot.width !== s.width || this.#plot.height !== s.height) this.#plot.setSize(s);
  }

  destroy() {
    this.#plot?.destroy();
    this.#plot = null;
    this.#key = null;
  }

  #build(series, bands) {
    const { chart, format, xLabel, size, bandAlpha } = this.#o;
    const value = (u, y) => (y == null ? '–' : format(y));
    const line = (s) => ({
      label: s.label,
      stroke: resolve(s.colour),
      width: 2,
      dash: s.dash ?? [],
      value,
      spanGaps: true,
      points: { show: false },
    });
    // The bounds are series of their own, invisible: uPlot fills between them.
    const bound = (s, k) => ({
      label: `${s.label} ${k}`,
      stroke: 'transparent',
      width: 0,
      spanGaps: true,
      points: { show: false },
    });
    const axes = epochAxes({
      axis: cssVar('--fg-muted'),
      grid: cssVar('--grid'),
      xSize: 34,
      ySize: 62,
      values: (u, vals) => vals.map((y) => format(Number(y.toPrecision(4)))),
    });
    const opts = {
      ...size(chart),
      class: 'chart',
      legend: { show: false },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: false, range: (u, min, max) => [0, Math.max(1, Math.ceil(max ?? 1))] } },
      axes: [{ ...axes[0], label: xLabel }, axes[1]],
      series: [
        { label: xLabel },
        ...series.map(line),
        ...bands.flatMap((b) => [bound(series[b.curve], 'min'), bound(series[b.curve], 'max')]),
      ],
      bands: bands.map((b) => ({
        series: [b.max, b.min],
        fill: translucent(resolve(series[b.curve].colour), bandAlpha),
      })),
    };
    chart.replaceChildren();
    const plot = new uPlot(
      /** @type {uPlot.Options} */ (/** @type {unknown} */ (opts)),
      /** @type {any} */ ([[], ...opts.series.slice(1).map(() => [])]),
      chart,
    );
    plot.root.querySelector('.u-over')?.setAttribute('aria-hidden', 'true');
    return plot;
  }
}
