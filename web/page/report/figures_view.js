// The report's figures regenerated (Figs. 3–9, report_figures.js), each a
// chart of the mean over the seeds with their min–max band (ui/band_chart.js)
// with a legend that names its runs by what differs and a real <table> of
// its values, and the report's numbers beside ours
// (report_claims.js) with the explanation computed from the runs. Redrawn
// at most every REDRAW_MS while runs train (an epoch of the report's runs
// ends many times a second), when the runs overlaid (ticked in the run list)
// change, and only while the Experiments view is shown.
import { BandChart } from '../ui/band_chart.js';
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

const experimentOf = (figure) =>
  REPORT_EXPERIMENTS.find(
    (x) => x.id !== 'report' && figure.runs.every((k) => x.runs.includes(k)) && figure.runs.length > 1,
  );

export class FiguresView {
  #store;
  #views = new Map(); // figure id → { root, table, details, empty, band, series }
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
    for (const v of this.#views.values()) v.band.restyle();
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
      el(
        'div',
        { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': `Fig. ${f.number}, every value` },
        table,
      ),
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
    const band = new BandChart({
      chart,
      legend,
      scale: f.metric === 'accuracy' ? 100 : 1,
      format: f.metric === 'accuracy' ? (y) => `${y} %` : (y) => String(y),
    });
    this.#views.set(f.id, { root, table, details, empty, band, series: [] });
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

  #resize() {
    for (const v of this.#views.values()) v.band.resize();
  }

  #drawFigure(f, v) {
    const { series } = v;
    v.root.dataset.series = String(series.length);
    v.root.dataset.seeds = String(Math.max(0, ...series.map((s) => s.seeds)));
    v.empty.hidden = series.length > 0;
    v.band.draw(
      series.map((s) => ({
        id: s.run.id,
        label: s.label,
        colour: s.colour.css,
        dash: s.dash,
        points: s.points.map((p) => ({ x: p.epoch, mean: p.value, min: p.min, max: p.max })),
      })),
    );
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
    // Over several seeds the verdict says in how many it holds ("holds in 4 of 5 seeds").
    const verdict = (c) =>
      c.seeds?.measured > 1
        ? `${c.holds ? 'holds' : 'does not hold'}: holds in ${c.seeds.held} of ${c.seeds.measured} seeds`
        : c.holds === true
          ? 'holds'
          : c.holds === false
            ? 'does not hold'
            : 'not measured';
    const mark = (holds) => (holds === true ? '✓' : holds === false ? '✗' : '–');
    const readings = m.readings.length ? m.readings : [{ name: null, label: 'These runs' }];
    table.tHead.replaceChildren(
      el(
        'tr',
        {},
        el('th', { scope: 'col', text: 'The report says' }),
        el('th', { scope: 'col', text: 'The report’s number' }),
        ...readings.map((r) =>
          el('th', { scope: 'col', text: `Measured: ${r.label}${r.seeds > 1 ? ` (${r.seeds} seeds)` : ''}` }),
        ),
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
              {
                'data-holds': String(c.holds),
                'data-reading': r.name ?? '',
                'data-seeds-held': c.seeds ? `${c.seeds.held}/${c.seeds.measured}` : '',
              },
              el('span', { class: 'verdict', 'aria-hidden': 'true', text: `${mark(c.holds)} ` }),
              c.text,
              c.holds !== null && c.epochs && c.epochs !== 100
                ? el('span', { class: 'help', text: ` (after ${c.epochs} epochs)` })
                : null,
              el('span', { class: 'verdict-text help', text: c.holds === null ? '' : ` — ${verdict(c)}` }),
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
