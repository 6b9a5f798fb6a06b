// The study "Why the deep network spikes" in its panel (#study-spikes-body):
// per intervention a row of the table (seeds with spikes out of N, spikes per
// seed, largest jump, final accuracies), the training accuracy per
// intervention with its seeds' band, a chosen spike's steps (batch size,
// step norm, loss, each layer's update ratio and saturated share, its epoch
// shaded), and the explanation spike_study.js generates from those numbers.
// Spikes are the engine's (the Analysis asks the worker's detector); drawn
// at most once a frame (once a second while training) and only on screen.
import { BandChart } from '../ui/band_chart.js';
import { DASHES, PALETTE } from '../ui/colour.js';
import { $, el } from '../ui/dom.js';
import { layerChart } from '../ui/layer_chart.js';
import { Redraw } from '../ui/redraw.js';
import { bandCurve, formatSpread, seedGroups } from './seed_bands.js';
import {
  INTERVENTIONS,
  SPIKE_STUDY,
  explain,
  interventionSummary,
  spikeEpochComparison,
  spikeWindows,
  studyRunsOf,
} from './spike_study.js';

/**
 * @import { SessionStore } from '../app/session_store.js'
 * @import { Visibility } from '../ui/redraw.js'
 * @import { Run } from '../runs/run_record.js'
 * @import { Spike, SpikeRule, StudyRun } from './spike_study.js'
 */
/**
 * What the view asks of the engine: its spike detector over training-accuracy curves (analysis.js). Its rule
 * comes with the engine's `ready` (store.engine.spikeRule).
 * @typedef {{ spikes(curves: number[][]): Promise<Spike[][]> }} SpikeAnalysis
 */

/** While runs train, the panel is redrawn at most this often. */
export const REDRAW_MS = 1000;
const pct = (x) => (100 * x).toFixed(2);
const signed = (x) => `${x > 0 ? '+' : '−'}${(100 * Math.abs(x)).toFixed(1)}`;

/** The step charts around a spike: which quantity, its axis, and whether it has a line per layer. */
const STEP_CHARTS = Object.freeze([
  { id: 'batchSize', title: 'batch size (images)', log: false },
  { id: 'stepNorm', title: 'step norm ‖ΔW‖', log: true },
  { id: 'loss', title: 'loss before the step', log: false },
  { id: 'updateRatio', title: 'update-to-weight ratio ‖ΔW‖ / ‖W‖, per layer', log: true, perLayer: true },
  { id: 'saturated', title: 'saturated share, per layer', percent: true, perLayer: true },
]);

export class SpikeStudyView {
  #store;
  #analysis;
  #redraw;
  /** run id → { key: its epochs when detected, spikes } */
  #spikes = new Map();
  #asking = false;
  #accChart;
  /** @type {Record<string, ReturnType<typeof layerChart>>} */
  #stepCharts = {};
  #stepKey = '';
  /** @type {[number, number] | null} the chosen spike's epoch on the step charts */
  #shade = null;
  #els;

  /**
   * @param {{ store: SessionStore, analysis: SpikeAnalysis, visibility: Visibility, root?: HTMLElement }} parts
   */
  constructor({ store, analysis, visibility, root = $('study-spikes-body') }) {
    this.#store = store;
    this.#analysis = analysis;
    const select = el('select', { id: 'spikes-select' });
    this.#els = {
      status: el('p', { id: 'spikes-status', class: 'help' }),
      table: el('div', {
        id: 'spikes-table-box',
        class: 'table-scroll',
        tabindex: '0',
        role: 'region',
        'aria-label': 'Spikes per intervention',
      }),
      acc: el('div', {
        id: 'spikes-acc-chart',
        class: 'figure-chart',
        role: 'img',
        'aria-label':
          'Training accuracy by epoch per intervention: the mean over the seeds with a min–max band; the table gives the numbers',
      }),
      accLegend: el('ul', { class: 'legend', 'aria-label': 'Interventions in the chart' }),
      select,
      around: el('p', { id: 'spikes-around', class: 'help' }),
      steps: el('div', { id: 'spikes-steps', class: 'spike-steps' }),
      explanation: el('div', { id: 'spikes-explanation', 'aria-live': 'polite' }),
    };
    root.replaceChildren(
      el(
        'p',
        { class: 'help' },
        'The report’s 784-80-40-20-10 in its code’s reading, trained again with one factor changed at a time, every step recorded. ',
        'Run it from the form above: choose “Why the deep network spikes”, 100 epochs, 5 seeds.',
      ),
      this.#els.status,
      this.#els.table,
      el('h4', { text: 'Training accuracy per intervention' }),
      this.#els.acc,
      this.#els.accLegend,
      el('h4', { text: 'Around a spike' }),
      el('label', { for: 'spikes-select', text: 'Spike (intervention · seed · epoch · change): ' }),
      select,
      this.#els.around,
      this.#els.steps,
      el('h4', { text: 'What the runs say' }),
      this.#els.explanation,
    );
    this.#accChart = new BandChart({
      chart: this.#els.acc,
      legend: this.#els.accLegend,
      format: (y) => `${y.toFixed(0)} %`,
      scale: 100,
    });
    new ResizeObserver(() => this.#accChart.resize()).observe(this.#els.acc);
    select.addEventListener('change', () => {
      this.#stepKey = '';
      this.#redraw.flush();
      this.#redraw.request();
    });
    this.#redraw = new Redraw(() => this.draw(), {
      visibility,
      minIntervalMs: () => (store.train.state === 'running' ? REDRAW_MS : 0),
    });
    store.on('epoch', ({ run }) => run?.experiment?.experiment === SPIKE_STUDY && this.#redraw.request());
    store.onAny(['runs', 'queue', 'engine'], () => this.#redraw.request());
    this.#redraw.request();
  }

  /** The colours or the type size changed: the charts are built again. */
  restyle() {
    this.#accChart.restyle();
    this.#stepKey = '';
    for (const c of Object.values(this.#stepCharts)) c.destroy();
    this.#stepCharts = {};
    this.#redraw.request();
  }

  /** True when the panel shows what the runs say: no detection or redraw waiting. */
  get settled() {
    return !this.#asking && !this.#redraw.pending && this.#stale().length === 0;
  }

  /** The engine's spike rule, once the engine is ready. @returns {SpikeRule | null} */
  get #rule() {
    return this.#store.engine?.spikeRule ?? null;
  }

  /** The study's runs by "reading key", each seed's latest. */
  #groups() {
    return seedGroups(this.#store.runs.list, { experiment: SPIKE_STUDY });
  }

  /** Runs whose spikes are not detected for their current epochs. @returns {Run[]} */
  #stale() {
    return [...this.#groups().values()].flat().filter((r) => this.#spikes.get(r.id)?.key !== r.epochs.length);
  }

  /** Asks the engine for the rule once and for the spikes of runs whose curves grew, then draws again. */
  async #detect() {
    const stale = this.#stale();
    if (this.#asking || stale.length === 0 || !this.#store.engine) return;
    this.#asking = true;
    try {
      const curves = stale.map((r) => r.epochs.map((e) => e.trainSet?.accuracy ?? NaN).filter(Number.isFinite));
      const found = curves.length ? await this.#analysis.spikes(curves) : [];
      stale.forEach((r, i) => this.#spikes.set(r.id, { key: r.epochs.length, spikes: found[i] ?? [] }));
    } catch (err) {
      this.#els.status.textContent = `Could not detect the spikes: ${err.message}`;
    } finally {
      this.#asking = false;
      this.#redraw.request();
    }
  }

  draw() {
    const groups = this.#groups();
    if (this.#stale().length) this.#detect();
    const spikesByRun = new Map([...this.#spikes].map(([id, v]) => [id, v.spikes]));
    const runs = studyRunsOf(groups, spikesByRun).filter((r) => spikesByRun.has(runIdOf(groups, r)));
    const n = [...groups.values()].flat().length;
    this.#els.status.textContent = n
      ? `${n} runs of the study (${groups.size} of ${INTERVENTIONS.length} interventions).`
      : 'No run of the study yet.';
    const rows = interventionSummary(runs);
    this.#table(rows);
    this.#accuracy(groups);
    this.#around(runs);
    const rule = this.#rule;
    const base = runs.filter((r) => r.variant === 'baseline');
    const sentences = rule
      ? explain({ rows, comparison: base.length ? spikeEpochComparison(base, rule) : null, rule })
      : ['Waiting for the engine’s spike rule…'];
    this.#els.explanation.replaceChildren(...sentences.map((s) => el('p', { text: s })));
    this.#els.explanation.dataset.rows = String(rows.length);
  }

  /** The intervention table. @param {ReturnType<typeof interventionSummary>} rows */
  #table(rows) {
    const head = [
      'intervention',
      'what changes',
      'seeds with spikes',
      'spikes per seed',
      'largest jump (points)',
      'final training accuracy (%)',
    ];
    this.#els.table.replaceChildren(
      el(
        'table',
        { class: 'data-table', id: 'spikes-table' },
        el('caption', {
          text: this.#rule
            ? `Spikes (the engine’s rule: a change of more than ${100 * this.#rule.threshold} points in training accuracy between epochs, after epoch ${this.#rule.after}) per intervention`
            : 'Spikes per intervention',
        }),
        el('thead', {}, el('tr', {}, ...head.map((t) => el('th', { scope: 'col', text: t })))),
        el(
          'tbody',
          {},
          ...rows.map((r) =>
            el(
              'tr',
              { 'data-key': r.key },
              el('th', { scope: 'row', text: r.label }),
              el('td', { class: 'help spike-changes', text: r.changes }),
              el('td', { 'data-seeds': String(r.seeds), text: `${r.withSpikes} of ${r.seeds}` }),
              el('td', { text: formatSpread(r.spikesPerSeed, (x) => Number(x.toFixed(1)).toString()) }),
              el('td', {
                text: r.largest
                  ? `${signed(r.largest.change)} (seed ${r.largest.seed}, epoch ${r.largest.epoch})`
                  : '–',
              }),
              el('td', { text: formatSpread(r.finalTrain, pct) }),
            ),
          ),
        ),
      ),
    );
  }

  /** Training accuracy per intervention: mean line and min–max band over its seeds (ui/band_chart.js). */
  #accuracy(groups) {
    const present = INTERVENTIONS.filter((i) => groups.has(`report-code ${i.key}`));
    this.#accChart.draw(
      present.map((i, k) => ({
        id: i.key,
        label: i.label,
        colour: PALETTE[k % PALETTE.length].css,
        dash: DASHES[Math.floor(k / PALETTE.length) % DASHES.length],
        points: bandCurve(groups.get(`report-code ${i.key}`) ?? [], (e) => e.trainSet?.accuracy ?? null).map((p) => ({
          x: p.epoch,
          mean: p.mean,
          min: p.min,
          max: p.max,
        })),
      })),
    );
    this.#els.acc.dataset.series = String(present.length);
    this.#els.acc.dataset.seeds = present.map((i) => groups.get(`report-code ${i.key}`)?.length ?? 0).join(',');
  }

  /** The spike list and the chosen spike's steps. @param {StudyRun[]} runs */
  #around(runs) {
    const windows = spikeWindows(runs);
    const select = this.#els.select;
    const value = (w) => `${w.variant}:${w.seed}:${w.epoch}`;
    const chosen = select.value;
    const options = windows.map((w) =>
      el('option', {
        value: value(w),
        text: `${INTERVENTIONS.find((i) => i.key === w.variant)?.label ?? w.variant} · seed ${w.seed} · epoch ${w.epoch} · ${signed(w.change)} points`,
      }),
    );
    if (options.map((o) => o.value).join() !== [...select.options].map((o) => o.value).join()) {
      select.replaceChildren(...options);
      if (windows.some((w) => value(w) === chosen)) select.value = chosen;
    }
    select.disabled = windows.length === 0;
    const w = windows.find((x) => value(x) === select.value) ?? windows[0];
    if (!w) {
      this.#els.around.textContent = 'No spike detected yet: the engine’s rule needs more epochs than its first ones.';
      for (const c of Object.values(this.#stepCharts)) c.destroy();
      this.#stepCharts = {};
      this.#els.steps.replaceChildren();
      this.#stepKey = '';
      return;
    }
    this.#els.around.textContent = w.steps.length
      ? `${w.steps.length} steps of epochs ${Math.max(1, w.epoch - 2)}–${w.epoch}; epoch ${w.epoch} (shaded) moved training accuracy by ${signed(w.change)} points.`
      : `This run recorded no steps around epoch ${w.epoch}.`;
    this.#shade = [w.epoch - 1, w.epoch];
    const layers = w.steps[0]?.layers.length ?? 0;
    const key = `${value(w)}:${w.steps.length}:${layers}`;
    if (key === this.#stepKey) return;
    this.#stepKey = key;
    // Each step at its place in its epoch: epoch − 1 + (its index + 1) / the epoch's steps.
    const counts = new Map();
    for (const s of w.steps) counts.set(s.epoch, (counts.get(s.epoch) ?? 0) + 1);
    const seen = new Map();
    const x = w.steps.map((s) => {
      const i = (seen.get(s.epoch) ?? 0) + 1;
      seen.set(s.epoch, i);
      return s.epoch - 1 + i / counts.get(s.epoch);
    });
    const names = Array.from({ length: layers }, (_, k) => (k === layers - 1 ? 'output' : `layer ${k + 1}`));
    if (Object.keys(this.#stepCharts).length === 0 || this.#els.steps.dataset.layers !== String(layers)) {
      for (const c of Object.values(this.#stepCharts)) c.destroy();
      this.#stepCharts = {};
      const boxes = STEP_CHARTS.map((c) => {
        const box = el('div', {
          class: 'figure-chart',
          role: 'img',
          'aria-label': `${c.title} per step; the spike’s epoch shaded`,
        });
        this.#stepCharts[c.id] = layerChart(box, c.perLayer ? names : [c.title.split(' (')[0]], {
          log: c.log,
          percent: c.percent,
          points: true,
          fractional: true,
          shade: () => this.#shade,
        });
        return el('figure', { 'data-quantity': c.id }, el('figcaption', { text: c.title }), box);
      });
      this.#els.steps.replaceChildren(...boxes);
      this.#els.steps.dataset.layers = String(layers);
    }
    const positive = (v) => (v > 0 ? v : null);
    for (const c of STEP_CHARTS) {
      const series = c.perLayer
        ? names.map((_, k) => w.steps.map((s) => (c.percent ? 100 * s.layers[k][c.id] : positive(s.layers[k][c.id]))))
        : [w.steps.map((s) => (c.log ? positive(s[c.id]) : Number.isFinite(s[c.id]) ? s[c.id] : null))];
      this.#stepCharts[c.id].setData([x, ...series]);
    }
    this.#els.steps.dataset.spike = value(w);
  }
}

/** The run record's id of a study run (by its intervention and seed). */
function runIdOf(groups, /** @type {StudyRun} */ r) {
  return groups.get(`report-code ${r.variant}`)?.find((x) => (x.experiment.seed ?? 1) === r.seed)?.id;
}
