// The optimisers study's panel (#study-optimisers-body): per reading and
// network, the training accuracy of each optimiser (the mean of its seeds
// with a band from the lowest to the highest) and each run's range test
// with its pick; a table of the numbers over the seeds and the sentences
// computed from them (optimiser_study.js). The spikes come from the engine
// (analysis.spikes, by its rule), asked for the runs' curves when they
// change. Drawn at most once a frame (once a second while runs train), and
// only while the Experiments view is shown.
import { BandChart, swatch } from '../ui/band_chart.js';
import { PALETTE, cssVar } from '../ui/colour.js';
import { el } from '../ui/dom.js';
import { Redraw } from '../ui/redraw.js';
import {
  CONVERGED,
  OPTIMISERS,
  SPIKE_RULE,
  STUDY_ID,
  accuracyCurve,
  etaText,
  resultCells,
  studyResults,
  studySentences,
  trainAccuracy,
} from './optimiser_study.js';
import { RangeTestChart } from './range_test_chart.js';
import { bandCurve } from './seed_bands.js';

/**
 * @import { SessionStore } from '../app/session_store.js'
 * @import { Visibility } from '../ui/redraw.js'
 * @import { Run } from '../runs/run_record.js'
 * @import { NetworkResult, Spike } from './optimiser_study.js'
 * @typedef {{ spikes(curves: number[][]): Promise<Spike[][]> }} SpikeFinder
 */

/** While runs train, the panel is redrawn at most this often. */
export const REDRAW_MS = 1000;

/** Each optimiser's colour, in OPTIMISERS' order. */
const colourOf = (optimiser) => PALETTE[OPTIMISERS.indexOf(optimiser)].css;
const isStudyRun = (/** @type {Run} */ r) => r.experiment?.experiment === STUDY_ID;

export class OptimiserStudyView {
  #store;
  #analysis;
  #root;
  #redraw;
  /** Figures by "reading network": { root, band, range } */
  #figures = new Map();
  #figureBox = el('div', { class: 'figures' });
  #table = el('table', { class: 'figure-table study-table' });
  #sentences = el('div', { class: 'study-sentences', 'aria-live': 'off' });
  #status = el('p', { class: 'help' });
  /** Each run's spikes as the engine found them (null: asked), and how many epochs its curve had (run id → { epochs, spikes }). */
  #spikes = new Map();

  /**
   * @param {{ store: SessionStore, analysis: SpikeFinder, visibility: Visibility, root: HTMLElement }} parts
   *   root: the panel's body
   */
  constructor({ store, analysis, visibility, root }) {
    this.#store = store;
    this.#analysis = analysis;
    this.#root = root;
    root.replaceChildren(
      el('p', {
        class: 'help',
        text:
          'SGD, momentum, Nesterov and Adam, each at the learning rate its own range test picks: before a run trains, ' +
          'η rises geometrically batch by batch on a copy of its fresh network, and the pick is where the smoothed loss ' +
          'falls fastest (as fastai’s lr_find). Choose “Optimisers” above and Run; the reading chosen there applies ' +
          '(the report’s code is where the deep network spikes; done properly is where optimisers are usually compared), ' +
          'and more seeds give the bands.',
      }),
      this.#status,
      this.#figureBox,
      this.#sentences,
      el(
        'div',
        {
          class: 'table-scroll',
          tabindex: '0',
          role: 'region',
          'aria-label': 'The optimisers’ numbers over their seeds',
        },
        this.#table,
      ),
    );
    this.#redraw = new Redraw(() => this.draw(), {
      visibility,
      minIntervalMs: () => (store.train.state === 'running' ? REDRAW_MS : 0),
    });
    store.on('epoch', ({ run }) => run && isStudyRun(run) && this.#redraw.request());
    store.onAny(['runs', 'engine'], () => this.#redraw.request());
    new ResizeObserver(() => this.#resize()).observe(this.#figureBox);
    this.#redraw.request();
  }

  /** The colours or the type size changed: the charts are built again. */
  restyle() {
    for (const f of this.#figures.values()) {
      f.band.restyle();
      f.range.restyle();
    }
    this.#redraw.request();
  }

  /** True when no redraw waits and no spikes are being asked for. */
  get settled() {
    return !this.#redraw.pending && ![...this.#spikes.values()].some((s) => s.spikes === null);
  }

  /** The study's runs now: charts, table, sentences. */
  draw() {
    const runs = this.#store.runs.list.filter(isStudyRun);
    this.#askSpikes(runs);
    const spikes = new Map([...this.#spikes].filter(([, s]) => s.spikes).map(([id, s]) => [id, s.spikes]));
    const results = studyResults(runs, { spikes });
    this.#root.dataset.runs = String(runs.length);
    this.#status.textContent = results.length
      ? `${runs.length} run${runs.length === 1 ? '' : 's'} of the study so far.`
      : 'No run of the study yet.';
    this.#drawFigures(results);
    this.#drawSentences(results);
    this.#drawTable(results);
  }

  // The engine's spikes of every run whose curve changed since it was last asked.
  #askSpikes(runs) {
    const asked = runs.filter((r) => this.#spikes.get(r.id)?.epochs !== r.epochs.length);
    if (asked.length === 0) return;
    for (const r of asked) this.#spikes.set(r.id, { epochs: r.epochs.length, spikes: null });
    this.#analysis
      .spikes(asked.map(accuracyCurve))
      .then((found) => {
        asked.forEach((r, i) => {
          const entry = this.#spikes.get(r.id);
          if (entry?.epochs === r.epochs.length) entry.spikes = found[i];
        });
        this.#redraw.request();
      })
      .catch(() => {
        for (const r of asked) this.#spikes.delete(r.id);
      });
  }

  #readingLabel(reading) {
    return this.#store.engine?.presets.find((p) => p.name === reading)?.label ?? reading;
  }

  /** @param {NetworkResult[]} results */
  #drawFigures(results) {
    const keys = new Set(results.map((r) => `${r.reading} ${r.network.id}`));
    for (const [key, f] of this.#figures)
      if (!keys.has(key)) {
        f.band.destroy();
        f.root.remove();
        this.#figures.delete(key);
      }
    for (const r of results) {
      const f = this.#figure(r);
      f.band.draw(
        r.variants.map((v) => ({
          id: v.key,
          label: `${v.optimiser.label}${v.runs.length > 1 ? ` (${v.runs.length} seeds)` : ''}`,
          colour: colourOf(v.optimiser),
          points: bandCurve(v.runs, trainAccuracy).map((p) => ({
            x: p.epoch,
            mean: p.mean,
            ...(p.n > 1 ? { min: p.min, max: p.max } : {}),
          })),
        })),
      );
      f.chart.dataset.optimisers = String(r.variants.length);
      const tests = r.variants.flatMap((v) =>
        v.runs
          .filter((run) => run.experiment.lrFind)
          .map((run) => ({
            label: `${v.optimiser.label}, seed ${run.experiment.seed ?? 1}`,
            colour: colourOf(v.optimiser),
            ...run.experiment.lrFind,
          })),
      );
      f.range.draw(tests);
      f.rangeLegend.replaceChildren(
        ...r.variants.map((v) =>
          el(
            'li',
            {},
            swatch(cssVar(colourOf(v.optimiser))),
            el('span', { text: `${v.optimiser.label}: η = ${resultCells(v).eta}` }),
          ),
        ),
      );
      f.rangeEmpty.hidden = tests.length > 0;
    }
  }

  #figure(r) {
    const key = `${r.reading} ${r.network.id}`;
    const known = this.#figures.get(key);
    if (known) return known;
    const layers = r.layers.join('-');
    const reading = this.#readingLabel(r.reading);
    const chart = el('div', {
      class: 'figure-chart',
      role: 'img',
      'aria-label': `Training accuracy of ${layers} by epoch per optimiser, ${reading}; the numbers are in the table below`,
    });
    const legend = el('ul', { class: 'legend', 'aria-label': `Optimisers on ${layers}, ${reading}` });
    const rangeChart = el('div', {
      class: 'figure-chart',
      role: 'img',
      'aria-label': `Range tests on ${layers}: smoothed loss against η per optimiser and seed, the pick marked; the picks are in the table below`,
    });
    const rangeLegend = el('ul', { class: 'legend', 'aria-label': `Picked η on ${layers}, ${reading}` });
    const rangeEmpty = el('p', { class: 'empty', text: 'The runs carry no range test.' });
    const accuracy = el(
      'figure',
      { class: 'report-figure', 'data-study-figure': 'accuracy', 'data-key': key },
      el(
        'figcaption',
        {},
        el('strong', { text: `${layers}, ${reading}: ` }),
        'training accuracy per optimiser',
        el('span', { class: 'help', text: ' — the mean of the seeds, shaded from the lowest to the highest' }),
      ),
      chart,
      legend,
    );
    const range = el(
      'figure',
      { class: 'report-figure', 'data-study-figure': 'range-test', 'data-key': key },
      el(
        'figcaption',
        {},
        el('strong', { text: `${layers}, ${reading}: ` }),
        'the range tests',
        el('span', { class: 'help', text: ' — each seed’s smoothed loss as η rises; the dot is its pick' }),
      ),
      rangeChart,
      rangeEmpty,
      rangeLegend,
    );
    const root = el('div', { class: 'study-pair', 'data-key': key }, accuracy, range);
    this.#figureBox.append(root);
    const f = {
      root,
      chart,
      band: new BandChart({ chart, legend, format: (y) => `${y} %`, scale: 100 }),
      range: new RangeTestChart({ chart: rangeChart }),
      rangeLegend,
      rangeEmpty,
    };
    this.#figures.set(key, f);
    return f;
  }

  #resize() {
    for (const f of this.#figures.values()) {
      f.band.resize();
      f.range.resize();
    }
  }

  /** @param {NetworkResult[]} results */
  #drawSentences(results) {
    const rule = this.#store.engine?.spikeRule ?? SPIKE_RULE;
    this.#sentences.replaceChildren(
      ...results.map((r) => {
        const s = studySentences(r, { rule });
        return el(
          'section',
          { class: 'study-finding', 'data-key': `${r.reading} ${r.network.id}` },
          el('h4', { text: `${r.layers.join('-')}, ${this.#readingLabel(r.reading)}` }),
          el(
            'ul',
            {},
            ...[
              ['fastest', s.fastest],
              ['highest', s.highest],
              ['spikes', s.spikes],
            ]
              .filter(([, text]) => text)
              .map(([kind, text]) => el('li', { 'data-finding': kind, text })),
          ),
        );
      }),
    );
  }

  /** @param {NetworkResult[]} results */
  #drawTable(results) {
    const th = (text) => el('th', { scope: 'col', text });
    this.#table.hidden = results.length === 0;
    this.#table.replaceChildren(
      el('caption', {
        text: `Each optimiser over its seeds: mean [lowest–highest]. Target: ${Math.round(100 * CONVERGED)} % of the network’s best final training accuracy.`,
      }),
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          th('Network'),
          th('Reading'),
          th('Optimiser'),
          th('Seeds'),
          th('η (range test)'),
          th('Epochs to target'),
          th('Final training accuracy'),
          th('Test accuracy'),
          th('Seeds with spikes'),
        ),
      ),
      el(
        'tbody',
        {},
        ...results.flatMap((r) =>
          r.variants.map((v) => {
            const c = resultCells(v);
            return el(
              'tr',
              { 'data-key': v.key, 'data-reading': r.reading },
              el('td', { text: r.layers.join('-') }),
              el('td', { text: this.#readingLabel(r.reading) }),
              el('th', { scope: 'row', text: v.optimiser.label }),
              el('td', { text: c.seeds }),
              el('td', { text: c.eta, title: v.runs.map((run) => etaText(run.config.learningRate)).join(', ') }),
              el('td', { text: c.epochsTo }),
              el('td', { text: c.finalTrain }),
              el('td', { text: c.finalTest }),
              el('td', { text: c.spikes }),
            );
          }),
        ),
      ),
    );
  }
}
