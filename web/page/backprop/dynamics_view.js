// How each layer learns, over time: the current run's dynamics (the worker
// records each layer's ‖∇W‖, ‖ΔW‖/‖W‖, activation mean and spread and
// saturated share about 50 times an epoch) as four charts with a line per
// layer, a sentence on which layer moves slowest, a table of the latest
// values, and the loss the run started at beside the one a network that
// knows nothing has. Redrawn at most once a second, and only on screen.
import { $, el } from '../ui/dom.js';
import { count, pct, sci } from '../ui/format.js';
import { layerChart } from '../ui/layer_chart.js';
import { Redraw } from '../ui/redraw.js';
import { initialLossText, learningSpeeds, speedText } from './backprop.js';

/**
 * @import { SessionStore } from '../app/session_store.js'
 * @import { WorkerClient } from '../app/worker_client.js'
 * @import { Visibility } from '../ui/redraw.js'
 * @import { Run } from '../runs/run_record.js'
 */

/** At most one redraw a second while training. */
export const REDRAW_MS = 1000;

/** The charts: which field, how its axis goes, and where. */
const CHARTS = Object.freeze([
  { field: 'gradNorm', id: 'dyn-grad', log: true },
  { field: 'updateRatio', id: 'dyn-update', log: true },
  { field: 'activationMean', id: 'dyn-act', log: false },
  { field: 'saturated', id: 'dyn-sat', percent: true },
]);

export class DynamicsView {
  #store;
  #client;
  #redraw;
  #key = '';
  /** @type {Record<string, ReturnType<typeof layerChart>>} */
  #charts = {};
  /** run id → the loss a network of its config starts near (asked once) */
  #expected = new Map();

  /** @param {{ store: SessionStore, client: WorkerClient, visibility: Visibility }} parts */
  constructor({ store, client, visibility }) {
    this.#store = store;
    this.#client = client;
    this.#redraw = new Redraw(() => this.#draw(), {
      visibility,
      minIntervalMs: () => (store.train.state === 'running' ? REDRAW_MS : 0),
    });
    store.onAny(['dynamics', 'runs'], () => this.#redraw.request());
    this.#redraw.request();
  }

  /** The charts are built again (presentation mode changes their fonts). */
  restyle() {
    this.#key = '';
    this.#redraw.request();
  }

  #draw() {
    const run = this.#store.runs.current;
    this.#initialLoss(run);
    const d = run?.dynamics;
    const bpe = run?.progress?.batchesPerEpoch;
    $('dyn-count').textContent =
      d && d.steps.length > 0
        ? `${count(d.steps.length)} records of ${run.label}, the last after step ${count(d.steps.at(-1))}.`
        : 'Recorded while a run trains: start one to see its layers learn.';
    if (!d || d.steps.length === 0 || !bpe) return;
    const K = d.layers.length;
    const name = (k) => (k === K - 1 ? 'output' : `layer ${k + 1}`);
    const key = `${run.id}:${K}`;
    if (key !== this.#key) {
      this.#key = key;
      for (const c of Object.values(this.#charts)) c.destroy();
      const names = d.layers.map((_, k) => name(k));
      for (const c of CHARTS)
        this.#charts[c.field] = layerChart($(c.id), names, {
          log: c.log,
          percent: c.percent,
          points: false,
          fractional: true,
        });
    }
    const x = d.steps.map((s) => s / bpe);
    for (const c of CHARTS)
      this.#charts[c.field].setData([
        x,
        ...d.layers.map((l) => l[c.field].map((v) => (c.percent ? 100 * v : c.log && !(v > 0) ? null : v))),
      ]);
    $('dyn-speed').textContent =
      speedText(learningSpeeds(d), (k) => (k === K - 1 ? 'the output layer' : `layer ${k + 1}`)) ?? '';
    this.#table(d, name);
  }

  /** The latest record of each layer, as a table. */
  #table(d, name) {
    const last = d.steps.length - 1;
    const rows = d.layers.map((l, k) =>
      el(
        'tr',
        {},
        el('th', { scope: 'row', text: name(k) }),
        el('td', { text: sci(l.gradNorm[last]) }),
        el('td', { text: sci(l.updateRatio[last]) }),
        el('td', { text: `${sci(l.activationMean[last])} ± ${sci(l.activationStd[last])}` }),
        el('td', { text: pct(l.saturated[last]) }),
      ),
    );
    $('dyn-table').replaceChildren(
      el(
        'table',
        { class: 'data-table', id: 'dyn-latest' },
        el('caption', { text: `After step ${count(d.steps[last])}` }),
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            ...['layer', '‖∇W‖', '‖ΔW‖ / ‖W‖', 'activation mean ± std', 'saturated'].map((t) =>
              el('th', { scope: 'col', text: t }),
            ),
          ),
        ),
        el('tbody', {}, ...rows),
      ),
    );
  }

  /** The run's first loss beside the expected one (asked of the engine once per run). @param {Run | null} run */
  async #initialLoss(run) {
    const box = $('dyn-initial');
    if (!run) return void (box.textContent = '');
    if (run.stepOffset !== 0)
      return void (box.textContent = 'This run continued a trained network: it did not start from scratch.');
    if (!this.#expected.has(run.id)) {
      this.#expected.set(run.id, NaN);
      try {
        this.#expected.set(run.id, await this.#client.request('expectedInitialLoss', { config: run.config }));
      } catch {
        this.#expected.delete(run.id);
        return;
      }
    }
    box.textContent = initialLossText(run.loss[0], this.#expected.get(run.id), run.config) ?? '';
  }
}
