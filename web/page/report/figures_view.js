// The report's figures regenerated (Figs. 3–9, report_figures.js), each a
// uPlot chart with a legend that names its runs by what differs and a real
// <table> of its values, and the report's numbers beside ours
// (report_claims.js) with the explanation computed from the runs. Redrawn
// at most every REDRAW_MS while runs train (an epoch of the report's runs
// ends many times a second), when the runs overlaid (ticked in the run list)
// change, and only while the Experiments view is shown.
import uPlot from '../../vendor/uPlot.esm.js';
import { epochAxes } from '../ui/chart_axes.js';
import { cssVar } from '../ui/colour.js';
import { $, el } from '../ui/dom.js';
import { Redraw } from '../ui/redraw.js';
import { REPORT_EXPERIMENTS } from './experiment_plan.js';
import { measureClaims } from './report_claims.js';
import { FIGURES, figureSeries, figureTable, quantityName } from './report_figures.js';

/**
 * @import { SessionStore } from '../app/session_store.js'
 * @import { Visibility } from '../ui/redraw.js'
 */

/** While runs train, the figures are redrawn at most this often (an epoch of the report's runs ends many times a second). */
export const REDRAW_MS = 1000;

const SVG = 'http://www.w3.org/2000/svg';
const experimentOf = (figure) =>
  REPORT_EXPERIMENTS.find(
    (x) => x.id !== 'report' && figure.runs.every((k) => x.runs.includes(k)) && figure.runs.length > 1,
  );

/** A short line in the curve's colour and dash, for the legend (SVG attributes: no inline style, CSP-safe). */
function swatch(colour, dash) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'swatch');
  svg.setAttribute('viewBox', '0 0 28 8');
  svg.setAttribute('aria-hidden', 'true');
  const line = document.createElementNS(SVG, 'line');
  for (const [k, v] of Object.entries({ x1: 1, y1: 4, x2: 27, y2: 4, stroke: colour, 'stroke-width': 2.5 }))
    line.setAttribute(k, String(v));
  if (dash.length) line.setAttribute('stroke-dasharray', dash.join(' '));
  svg.append(line);
  return svg;
}

export class FiguresView {
  #store;
  #views = new Map(); // figure id → { root, chart, legend, table, details, empty, plot, key, series }
  #redraw;
  #claimsKey = null;

  /** @param {{ store: SessionStore, visibility: Visibility }} parts */
  constructor({ store, visibility }) {
    this.#store = store;
    const box = $('figures');
    for (const f of FIGURES) this.#setUpFigure(box, f);
    this.#redraw = new Redraw(() => this.draw(), {
      visibility,
      minIntervalMs: () => (store.train.state === 'running' ? REDRAW_MS : 0),
    });
    // Only the experiments' runs are in the figures (and the ticked ones).
    store.on('epoch', ({ run }) => run?.experiment && this.#redraw.request());
    store.onAny(['runs', 'queue', 'engine'], () => this.#redraw.request());
    new ResizeObserver(() => this.#resize()).observe(box);
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.restyle());
    this.#redraw.request();
  }

  /** The colours or the type size changed: the charts are built again. */
  restyle() {
    for (const v of this.#views.values()) v.key = null;
    this.#redraw.request();
  }

  #setUpFigure(box, f) {
    const chart = el('div', {
      class: 'figure-chart',
      role: 'img',
      'aria-label': `Fig. ${f.number}: ${quantityName(f)} by epoch; the values are in its table`,
    });
    const legend = el('ul', { class: 'legend', 'aria-label': `Curves of Fig. ${f.number}` });
    const table = el('table', { class: 'figure-table' });
    const details = el(
      'details',
      { class: 'figure-details' },
      el('summary', { text: `Fig. ${f.number} as a table` }),
      el('div', { class: 'table-scroll' }, table),
    );
    details.addEventListener('toggle', () => details.open && this.#renderTable(f));
    const exp = experimentOf(f);
    const empty = el('p', {
      class: 'empty',
      text: `Appears when the ${exp ? `${exp.label.toLowerCase()} experiment` : 'default network'} (or the whole report) has trained an epoch.`,
    });
    const root = el(
      'figure',
      { class: 'report-figure', id: `figure-${f.number}`, 'data-figure': f.id },
      el(
        'figcaption',
        {},
        el('strong', { text: `Fig. ${f.number}. ` }),
        f.title,
        el('span', { class: 'help', text: ` — the report’s: “${f.report}”` }),
      ),
      chart,
      empty,
      legend,
      details,
    );
    box.append(root);
    this.#views.set(f.id, { root, chart, legend, table, details, empty, plot: null, key: null, series: [] });
  }

  /** True when no redraw waits: what is drawn is what the runs say. */
  get settled() {
    return !this.#redraw.pending;
  }

  /** The figures' data now: their charts, open tables and the numbers table. */
  draw() {
    const { runs, engine } = this.#store;
    const presets = engine?.presets ?? [];
    const overlays = runs.list.filter((r) => runs.overlays.has(r.id));
    for (const f of FIGURES) {
      const v = this.#views.get(f.id);
      v.series = figureSeries(f, runs.list, { overlays, presets });
      this.#drawFigure(f, v);
      if (v.details.open) this.#renderTable(f);
    }
    const claimsKey = JSON.stringify(runs.list.map((r) => [r.id, r.epochs.length]));
    if (claimsKey !== this.#claimsKey) {
      this.#claimsKey = claimsKey;
      this.#drawClaims(measureClaims(runs.list, { presets }));
    }
  }

  /** What the figures show now, for the console and the browser tests. */
  snapshot() {
    return FIGURES.map((f) => {
      const v = this.#views.get(f.id);
      return { id: f.id, number: f.number, ...figureTable(f, v.series), runIds: v.series.map((s) => s.run.id) };
    });
  }

  #size(v) {
    const width = Math.max(240, Math.floor(v.root.clientWidth - 2));
    return { width, height: Math.round(Math.min(240, Math.max(170, width * 0.55))) };
  }

  #resize() {
    for (const v of this.#views.values()) {
      if (!v.plot) continue;
      const s = this.#size(v);
      if (v.plot.width !== s.width || v.plot.height !== s.height) v.plot.setSize(s);
    }
  }

  #drawFigure(f, v) {
    const { series } = v;
    v.root.dataset.series = String(series.length);
    v.empty.hidden = series.length > 0;
    v.chart.hidden = series.length === 0;
    const key = series.map((s) => `${s.run.id}|${s.label}|${s.colour.name}|${s.dash.join()}`).join(';');
    if (key !== v.key) {
      v.plot?.destroy();
      v.plot = null;
      v.key = key;
      v.legend.replaceChildren(
        ...series.map((s) =>
          el('li', { 'data-run': s.run.id }, swatch(cssVar(s.colour.css), s.dash), el('span', { text: s.label })),
        ),
      );
      if (series.length) v.plot = this.#build(f, v);
    }
    if (!v.plot) return;
    const scale = f.metric === 'accuracy' ? 100 : 1;
    const tables = series.map((s) => [s.points.map((p) => p.epoch), s.points.map((p) => p.value * scale)]);
    v.plot.setData(tables.some((t) => t[0].length) ? uPlot.join(tables) : [[], ...series.map(() => [])]);
  }

  #build(f, v) {
    const isLoss = f.metric === 'loss';
    const axis = cssVar('--fg-muted');
    const grid = cssVar('--grid');
    const fmt = (u, x) => (x == null ? '–' : isLoss ? x.toFixed(4) : `${x.toFixed(2)} %`);
    const opts = {
      ...this.#size(v),
      class: 'chart',
      legend: { show: false },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: false, range: (u, min, max) => [0, Math.max(1, Math.ceil(max ?? 1))] } },
      axes: epochAxes({
        axis,
        grid,
        xSize: 34,
        ySize: 62,
        values: (u, vals) =>
          vals.map((x) => (isLoss ? String(Number(x.toPrecision(4))) : `${Number(x.toPrecision(4))} %`)),
      }),
      series: [
        { label: 'epoch' },
        ...v.series.map((s) => ({
          label: s.label,
          stroke: cssVar(s.colour.css),
          width: 2,
          dash: s.dash,
          value: fmt,
          spanGaps: true,
          points: { show: false },
        })),
      ],
    };
    v.chart.replaceChildren();
    const plot = new uPlot(
      /** @type {uPlot.Options} */ (/** @type {unknown} */ (opts)),
      [[], ...v.series.map(() => [])],
      v.chart,
    );
    plot.root.querySelector('.u-over')?.setAttribute('aria-hidden', 'true');
    return plot;
  }

  #renderTable(f) {
    const v = this.#views.get(f.id);
    const t = figureTable(f, v.series);
    v.table.replaceChildren(
      el('caption', { text: t.caption }),
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          el('th', { scope: 'col', text: 'Epoch' }),
          ...t.columns.map((c) => el('th', { scope: 'col', text: c })),
        ),
      ),
      el(
        'tbody',
        {},
        ...t.rows.map((r) =>
          el('tr', {}, el('th', { scope: 'row', text: String(r.epoch) }), ...r.cells.map((c) => el('td', { text: c }))),
        ),
      ),
    );
  }

  #drawClaims(m) {
    const table = $('claims-table', HTMLTableElement);
    const verdict = (holds) => (holds === true ? 'holds' : holds === false ? 'does not hold' : 'not measured');
    const mark = (holds) => (holds === true ? '✓' : holds === false ? '✗' : '–');
    const readings = m.readings.length ? m.readings : [{ name: null, label: 'These runs' }];
    table.tHead.replaceChildren(
      el(
        'tr',
        {},
        el('th', { scope: 'col', text: 'The report says' }),
        el('th', { scope: 'col', text: 'The report’s number' }),
        ...readings.map((r) => el('th', { scope: 'col', text: `Measured: ${r.label}` })),
      ),
    );
    table.tBodies[0].replaceChildren(
      ...m.rows.map((row) =>
        el(
          'tr',
          { 'data-claim': row.id },
          el('th', { scope: 'row', text: row.claim }),
          el('td', { text: row.report }),
          ...readings.map((r) => {
            const c = r.name ? row.cells[r.name] : { text: '–', holds: null, epochs: 0 };
            if (c.text === '–')
              return el('td', { 'data-holds': 'null', 'data-reading': r.name ?? '', class: 'help', text: 'not run' });
            return el(
              'td',
              { 'data-holds': String(c.holds), 'data-reading': r.name ?? '' },
              el('span', { class: 'verdict', 'aria-hidden': 'true', text: `${mark(c.holds)} ` }),
              c.text,
              c.holds !== null && c.epochs && c.epochs !== 100
                ? el('span', { class: 'help', text: ` (after ${c.epochs} epochs)` })
                : null,
              el('span', { class: 'verdict-text help', text: c.holds === null ? '' : ` — ${verdict(c.holds)}` }),
            );
          }),
        ),
      ),
    );
    const box = $('claims-explanation');
    box.replaceChildren(
      ...(m.explanation.length
        ? m.explanation.map((s) => el('p', { text: s }))
        : [el('p', { class: 'empty', text: 'Run an experiment to compare its numbers with the report’s.' })]),
    );
  }
}
