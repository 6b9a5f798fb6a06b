// The sweep's panel (#study-sweep-body): the grid the next sweep trains,
// a choice of cost axis (FLOPs per sample, parameters, training seconds),
// and per reading a scatter of test accuracy against that cost on a log axis
// — one colour per depth, each network's min–max over the seeds as a
// whisker, the Pareto front joined, its knee ringed — with the knee's
// sentence and a table of every network. The numbers come from
// sweep_study.js measureSweep (costs, front and knee from the engine through
// the worker); drawn at most once a frame and only while the Experiments
// view is shown, the measuring redone only when a sweep run finishes.
import uPlot from '../../vendor/uPlot.esm.js';
import { cssVar, PALETTE } from '../ui/colour.js';
import { el } from '../ui/dom.js';
import { count } from '../ui/format.js';
import { Redraw } from '../ui/redraw.js';
import {
  COST_AXES,
  SWEEP_ID,
  SWEEP_THRESHOLD,
  accuracySpread,
  compact,
  costOf,
  formatCost,
  measureSweep,
  parseGrid,
  setSweepGrid,
  sweepGrid,
} from './sweep_study.js';

/**
 * @import { SessionStore } from '../app/session_store.js'
 * @import { Visibility } from '../ui/redraw.js'
 * @import { SweepAnalysis, SweepMeasure } from './sweep_study.js'
 * @import { ChoicesPort } from './experiment_choices.js'
 */

/** A depth's colour: the palette's, one per number of hidden layers. */
const depthColour = (/** @type {number} */ d) => cssVar(PALETTE[(d - 1) % PALETTE.length].css);
const depthWords = (/** @type {number} */ d) => (d === 1 ? '1 hidden layer' : `${d} hidden layers`);

export class SweepStudyView {
  #store;
  #analysis;
  #redraw;
  #axis = 'flops';
  /** @type {SweepMeasure[]} */
  #measured = [];
  #measuredKey = '';
  #measuring = false;
  /** What was drawn last: the runs measured, the axis, the error. */
  #drawn = '';
  /** @type {string | null} */
  #error = null;
  /** @type {Map<string, { box: HTMLElement, chart: HTMLElement, legend: HTMLElement, plot: any, key: string, sentence: HTMLElement,
   *   table: HTMLTableElement, whiskers: { x: number, min: number, max: number, d: number }[] }>} */
  #blocks = new Map();
  #list;
  #empty;
  #gridError;

  /**
   * @param {{ store: SessionStore, analysis: SweepAnalysis, visibility: Visibility, root: HTMLElement,
   *   replan: () => void, choices: ChoicesPort }} parts
   *   root: the panel's body; replan: the Experiments form redraws its plan (the grid changed);
   *   choices: the grid and the cost axis kept in this browser (experiment_choices.js), restored once, saved on change
   */
  constructor({ store, analysis, visibility, root, replan, choices }) {
    this.#store = store;
    this.#analysis = analysis;
    const grid = sweepGrid();
    const widths = el('input', {
      id: 'f-sweep-widths',
      name: 'widths',
      value: grid.widths.join(' '),
      inputmode: 'numeric',
    });
    const depths = el('input', {
      id: 'f-sweep-depths',
      name: 'depths',
      value: grid.depths.join(' '),
      inputmode: 'numeric',
    });
    this.#gridError = el('p', { id: 'sweep-grid-error', class: 'field-error', role: 'alert' });
    const form = el(
      'form',
      { id: 'sweep-grid', class: 'sweep-grid inline-field', 'aria-label': 'The sweep’s grid' },
      el('label', { for: 'f-sweep-widths', text: 'Widths (hidden units per layer) ' }),
      widths,
      el('label', { for: 'f-sweep-depths', text: ' Depths (hidden layers) ' }),
      depths,
      this.#gridError,
    );
    form.addEventListener('submit', (e) => e.preventDefault());
    // The user chose before the saved choices were read: theirs stand.
    let touched = false;
    form.addEventListener('input', () => {
      touched = true;
      const parsed = parseGrid(widths.value, depths.value);
      this.#gridError.textContent = 'error' in parsed ? parsed.error : '';
      if ('grid' in parsed) {
        setSweepGrid(parsed.grid);
        void choices.save({ grid: parsed.grid });
      }
      replan();
    });
    const axes = el(
      'fieldset',
      { class: 'sweep-axes choice-row' },
      el('legend', { text: 'Cost axis' }),
      ...COST_AXES.map((a) =>
        el(
          'label',
          { class: 'choice' },
          el('input', { type: 'radio', name: 'sweep-axis', value: a.id, checked: a.id === this.#axis }),
          ` ${a.label}`,
        ),
      ),
    );
    axes.addEventListener('change', (e) => {
      touched = true;
      this.#axis = /** @type {HTMLInputElement} */ (e.target).value;
      void choices.save({ axis: this.#axis });
      this.#redraw.request();
    });
    this.#empty = el('p', {
      class: 'empty',
      text: 'Choose “Width × depth sweep” in the form above and Run: each network appears here once it has trained its last epoch.',
    });
    this.#list = el('div', { class: 'sweep-readings' });
    root.replaceChildren(
      el(
        'p',
        {
          class: 'help',
          text:
            'Every network of the grid (784-w-10, 784-w-w-10, …: equal hidden layers, so that a step in depth adds one ' +
            'w × w layer at the same width), trained for the same epochs, tested after the last. Each point: the mean ' +
            'test accuracy over the seeds, its whisker the lowest and highest seed. The Pareto front joins the networks ' +
            'no cheaper network beats; ',
        },
        el('strong', {
          text: `its knee is the last network after which the next step up the front buys less than ${SWEEP_THRESHOLD} points of test accuracy per doubling of the cost.`,
        }),
      ),
      form,
      axes,
      this.#empty,
      this.#list,
    );
    this.#redraw = new Redraw(() => this.draw(), { visibility });
    store.on('epoch', ({ run }) => run?.experiment?.experiment === SWEEP_ID && this.#redraw.request());
    store.onAny(['runs', 'engine'], () => this.#redraw.request());
    new ResizeObserver(() => this.#resize()).observe(root);
    this.#redraw.request();
    void choices.load().then(({ grid: saved, axis }) => {
      if (touched) return;
      widths.value = saved.widths.join(' ');
      depths.value = saved.depths.join(' ');
      this.#gridError.textContent = '';
      setSweepGrid(saved);
      this.#axis = axis;
      for (const radio of axes.querySelectorAll('input[name="sweep-axis"]'))
        /** @type {HTMLInputElement} */ (radio).checked = /** @type {HTMLInputElement} */ (radio).value === axis;
      this.#redraw.request();
      replan();
    });
  }

  /** The colours or the type size changed: the charts are built again. */
  restyle() {
    for (const b of this.#blocks.values()) b.key = '';
    this.#drawn = '';
    this.#redraw.request();
  }

  /** The cost axis shown ('flops', 'parameters', 'seconds'). */
  get axis() {
    return this.#axis;
  }

  /** True when what is drawn is what the runs say (no redraw or measuring pending). */
  get settled() {
    return !this.#redraw.pending && !this.#measuring && this.#measuredKey === this.#runsKey();
  }

  /** What the panel shows, for the console and the browser tests. */
  snapshot() {
    return this.#measured.map((m) => ({
      reading: m.reading,
      epochs: m.epochs,
      points: m.points.map((p) => ({
        name: p.name,
        seeds: p.seeds,
        accuracy: p.accuracy,
        seconds: p.seconds,
        parameters: p.parameters,
        flopsPerSample: p.flopsPerSample,
      })),
      axes: Object.fromEntries(
        Object.entries(m.axes).map(([id, a]) => [
          id,
          {
            front: a.front.map((i) => m.points[i].name),
            knee: m.points[a.knee.index]?.name ?? null,
            sentence: a.sentence,
          },
        ]),
      ),
    }));
  }

  // Which finished sweep runs there are: the measuring is redone when this changes.
  #runsKey() {
    return this.#store.runs.list
      .filter((r) => r.experiment?.experiment === SWEEP_ID && r.epochs.at(-1)?.test)
      .map((r) => `${r.id}:${r.epochs.length}`)
      .join(',');
  }

  draw() {
    const key = this.#runsKey();
    if (key !== this.#measuredKey && !this.#measuring && this.#store.engine) this.#measure(key);
    // An epoch of a sweep run that changes nothing measured draws nothing.
    const drawn = `${this.#measuredKey}|${this.#axis}|${this.#error}`;
    if (drawn === this.#drawn) return;
    this.#drawn = drawn;
    this.#empty.hidden = this.#measured.length > 0;
    if (this.#error) this.#empty.textContent = `Could not measure the sweep: ${this.#error}`;
    const shown = new Set(this.#measured.map((m) => m.reading));
    for (const [reading, b] of this.#blocks)
      if (!shown.has(reading)) {
        b.plot?.destroy();
        b.box.remove();
        this.#blocks.delete(reading);
      }
    for (const m of this.#measured) this.#drawReading(m);
  }

  async #measure(key) {
    this.#measuring = true;
    try {
      this.#measured = await measureSweep(this.#store.runs.list, this.#analysis);
      this.#error = null;
    } catch (err) {
      this.#error = /** @type {Error} */ (err).message;
    } finally {
      this.#measuredKey = key;
      this.#measuring = false;
      this.#redraw.request();
    }
  }

  /** @param {SweepMeasure} m */
  #drawReading(m) {
    let b = this.#blocks.get(m.reading);
    const label = this.#store.engine?.presets.find((p) => p.name === m.reading)?.label ?? m.reading;
    if (!b) {
      const chart = el('div', { class: 'sweep-chart' });
      const legend = el('ul', { class: 'legend', 'aria-label': 'What the scatter’s marks are' });
      const sentence = el('p', { class: 'sweep-knee', 'aria-live': 'polite' });
      const table = el('table', { class: 'figure-table sweep-table' });
      const box = el(
        'figure',
        { class: 'report-figure sweep-reading', 'data-reading': m.reading },
        el('figcaption', {}, el('strong', { text: label })),
        chart,
        legend,
        sentence,
        el(
          'div',
          { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': `${label}: every network` },
          table,
        ),
      );
      this.#list.append(box);
      b = { box, chart, legend, plot: null, key: '', sentence, table, whiskers: [] };
      this.#blocks.set(m.reading, b);
    }
    const axis = COST_AXES.find((a) => a.id === this.#axis) ?? COST_AXES[0];
    const { front, knee, sentence } = m.axes[axis.id];
    b.box.dataset.points = String(m.points.length);
    b.box.dataset.axis = axis.id;
    b.chart.setAttribute('role', 'img');
    b.chart.setAttribute(
      'aria-label',
      `Test accuracy against ${axis.label.toLowerCase()} (log scale), ${label}: ${m.points.length} networks; the values are in the table below`,
    );
    b.sentence.textContent = sentence;
    this.#drawTable(b.table, m, axis);
    this.#drawChart(b, m, axis, front, knee.index);
  }

  #drawTable(table, m, axis) {
    const onFront = new Set(m.axes[axis.id].front);
    const kneeIndex = m.axes[axis.id].knee.index;
    table.replaceChildren(
      el('caption', {
        text: `Every network of the sweep, ${m.epochs} epochs each: its costs and test accuracy after the last epoch; “front” and “knee” for ${axis.short}.`,
      }),
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ...[
            'Network',
            'Parameters',
            'FLOPs per sample',
            'Training seconds',
            'Test accuracy',
            `On the front (${axis.short})`,
          ].map((t) => el('th', { scope: 'col', text: t })),
        ),
      ),
      el(
        'tbody',
        {},
        ...m.points.map((p, i) =>
          el(
            'tr',
            { 'data-network': p.name, 'data-front': String(onFront.has(i)), 'data-knee': String(i === kneeIndex) },
            el('th', { scope: 'row', text: p.name }),
            el('td', { text: count(p.parameters) }),
            el('td', { text: count(p.flopsPerSample) }),
            el('td', {
              text:
                p.seconds.n > 1
                  ? `${p.seconds.mean.toFixed(2)} [${p.seconds.min.toFixed(2)}–${p.seconds.max.toFixed(2)}]`
                  : p.seconds.mean.toFixed(2),
            }),
            el('td', { text: accuracySpread(p.accuracy) }),
            el('td', { text: i === kneeIndex ? 'knee' : onFront.has(i) ? 'front' : '–' }),
          ),
        ),
      ),
    );
  }

  #size(b) {
    const width = Math.max(260, Math.floor(b.box.clientWidth - 2));
    return { width, height: Math.round(Math.min(300, Math.max(200, width * 0.55))) };
  }

  #resize() {
    for (const b of this.#blocks.values()) {
      if (!b.plot) continue;
      const s = this.#size(b);
      if (b.plot.width !== s.width || b.plot.height !== s.height) b.plot.setSize(s);
    }
  }

  /**
   * The scatter as a uPlot line chart on the points' costs (unique, ascending): one points-only series per
   * depth, the front as a line, the knee as one large point; the seeds' min–max drawn as whiskers.
   */
  #drawChart(b, m, axis, front, kneeIndex) {
    const depths = [...new Set(m.points.map((p) => p.layers.length - 2))].sort((x, y) => x - y);
    const key = `${axis.id}|${depths.join()}`;
    const xs = [...new Set(m.points.map((p) => costOf(p, axis.id)))].sort((x, y) => x - y);
    const at = new Map(xs.map((x, i) => [x, i]));
    const column = () => xs.map(() => /** @type {number | null} */ (null));
    const byDepth = depths.map((d) => {
      const ys = column();
      for (const p of m.points)
        if (p.layers.length - 2 === d) ys[/** @type {number} */ (at.get(costOf(p, axis.id)))] = p.accuracy.mean;
      return ys;
    });
    const frontYs = column();
    for (const i of front)
      frontYs[/** @type {number} */ (at.get(costOf(m.points[i], axis.id)))] = m.points[i].accuracy.mean;
    const kneeYs = column();
    if (kneeIndex >= 0)
      kneeYs[/** @type {number} */ (at.get(costOf(m.points[kneeIndex], axis.id)))] = m.points[kneeIndex].accuracy.mean;
    const whiskers = m.points.map((p) => ({
      x: costOf(p, axis.id),
      min: p.accuracy.min,
      max: p.accuracy.max,
      d: p.layers.length - 2,
    }));
    if (key !== b.key) {
      b.plot?.destroy();
      b.key = key;
      b.plot = this.#build(b, axis, depths);
      b.legend.replaceChildren(
        ...depths.map((d) =>
          el(
            'li',
            {},
            el('span', { class: 'sweep-mark', style: { 'background-color': depthColour(d) }, 'aria-hidden': 'true' }),
            `${depthWords(d)} (whisker: lowest to highest seed)`,
          ),
        ),
        el('li', {}, el('span', { class: 'sweep-mark is-front', 'aria-hidden': 'true' }), 'the Pareto front'),
        el(
          'li',
          {},
          el('span', { class: 'sweep-mark is-knee', 'aria-hidden': 'true' }),
          `its knee: beyond it, less than ${SWEEP_THRESHOLD} points per doubling of ${axis.short}`,
        ),
      );
    }
    b.whiskers = whiskers;
    b.plot.setData([xs, ...byDepth, frontYs, kneeYs]);
  }

  #build(b, axis, depths) {
    const fg = cssVar('--fg-muted');
    const grid = cssVar('--grid');
    const font = cssVar('--chart-font', '12px system-ui, sans-serif');
    const labelFont = cssVar('--chart-label-font', 'bold 12px system-ui, sans-serif');
    const style = () => ({ stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, font, labelFont });
    const colourOf = depthColour;
    const whiskerPlugin = {
      hooks: {
        draw: (u) => {
          const ctx = u.ctx;
          ctx.save();
          ctx.lineWidth = 1.5 * devicePixelRatio;
          for (const w of b.whiskers) {
            if (w.max <= w.min) continue;
            const x = u.valToPos(w.x, 'x', true);
            ctx.strokeStyle = colourOf(w.d);
            ctx.beginPath();
            ctx.moveTo(x, u.valToPos(w.min, 'y', true));
            ctx.lineTo(x, u.valToPos(w.max, 'y', true));
            ctx.stroke();
          }
          ctx.restore();
        },
      },
    };
    const opts = {
      ...this.#size(b),
      class: 'chart',
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      plugins: [whiskerPlugin],
      scales: { x: { time: false, distr: 3 } },
      axes: [
        {
          ...style(),
          label: `${axis.label} (log scale)`,
          labelSize: 20,
          size: 34,
          // uPlot leaves some ticks of a log axis unlabelled (null).
          values: (u, vals) =>
            vals.map((v) => (v == null ? '' : axis.id === 'seconds' ? `${Number(v.toPrecision(3))}` : compact(v))),
        },
        {
          ...style(),
          label: 'test accuracy (%)',
          labelSize: 20,
          size: 50,
          values: (u, vals) => vals.map((v) => (v == null ? '' : `${Number(v.toPrecision(4))}`)),
        },
      ],
      series: [
        { label: axis.short, value: (u, x) => (x == null ? '–' : formatCost(x, axis.id)) },
        ...depths.map((d) => ({
          label: depthWords(d),
          stroke: colourOf(d),
          fill: colourOf(d),
          paths: () => null,
          points: { show: true, size: 8, width: 1, fill: colourOf(d), stroke: colourOf(d) },
        })),
        {
          label: 'Pareto front',
          stroke: cssVar('--fg'),
          width: 1.5,
          dash: [5, 4],
          spanGaps: true,
          points: { show: false },
        },
        {
          label: `knee (< ${SWEEP_THRESHOLD} points per doubling beyond it)`,
          stroke: cssVar('--oi-vermillion'),
          paths: () => null,
          points: { show: true, size: 18, width: 2.5, fill: 'transparent', stroke: cssVar('--oi-black') },
        },
      ],
    };
    b.chart.replaceChildren();
    const plot = new uPlot(
      /** @type {uPlot.Options} */ (/** @type {unknown} */ (opts)),
      [[], ...depths.map(() => []), [], []],
      b.chart,
    );
    plot.root.querySelector('.u-over')?.setAttribute('aria-hidden', 'true');
    return plot;
  }
}
