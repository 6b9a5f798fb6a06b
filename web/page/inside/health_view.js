// The layers' health (the worker's `health` messages): for each hidden layer
// a histogram of its activations on the fixed sample, the share saturated
// (sigmoid, tanh: g′(a) < 0.01) or off (ReLU) and the units stuck there on
// every image (ReLU: dead), and for every layer the size of its gradient
// ‖∇W‖; then the same figures by epoch, as two charts (uPlot) and a table.
// Colours: the Okabe–Ito palette, one per layer.
import { layerColour as colour } from '../ui/colour.js';
import { $, el } from '../ui/dom.js';
import { plural, pct, sci } from '../ui/format.js';
import { layerChart } from '../ui/layer_chart.js';
import { Redraw } from '../ui/redraw.js';
import { HEALTH_INTERVAL_MS } from '../../shared/health_sampling.js';
import { saturationWords } from './health.js';

/**
 * @import { SessionStore } from '../app/session_store.js'
 * @import { WorkerClient } from '../app/worker_client.js'
 * @import { Visibility } from '../ui/redraw.js'
 * @import { Run, HealthEntry } from '../runs/run_record.js'
 */

function histogramSvg(layer, label) {
  const bins = layer.histogram;
  const max = Math.max(1, ...bins);
  const W = 200;
  const H = 60;
  const bw = W / bins.length;
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H + 14}`);
  svg.setAttribute('class', 'histogram');
  svg.setAttribute('role', 'img');
  svg.setAttribute(
    'aria-label',
    `${label}: histogram of activations from ${sci(layer.low)} to ${sci(layer.high)}; counts in the table`,
  );
  bins.forEach((n, i) => {
    const h = (n / max) * H;
    const r = document.createElementNS(svg.namespaceURI, 'rect');
    r.setAttribute('x', (i * bw + 0.5).toFixed(1));
    r.setAttribute('y', (H - h).toFixed(1));
    r.setAttribute('width', Math.max(0.5, bw - 1).toFixed(1));
    r.setAttribute('height', h.toFixed(1));
    svg.append(r);
  });
  for (const [x, anchor, text] of [
    [0, 'start', sci(layer.low)],
    [W, 'end', sci(layer.high)],
  ]) {
    const t = document.createElementNS(svg.namespaceURI, 'text');
    t.setAttribute('x', String(x));
    t.setAttribute('y', String(H + 12));
    t.setAttribute('text-anchor', anchor);
    t.textContent = text;
    svg.append(t);
  }
  return svg;
}

function histogramTable(layer) {
  const width = (layer.high - layer.low) / layer.histogram.length;
  const body = el('tbody');
  layer.histogram.forEach((n, i) =>
    body.append(
      el(
        'tr',
        {},
        el('th', { scope: 'row', text: `${sci(layer.low + i * width)} – ${sci(layer.low + (i + 1) * width)}` }),
        el('td', { text: String(n) }),
      ),
    ),
  );
  return el(
    'table',
    { class: 'data-table' },
    el(
      'thead',
      {},
      el('tr', {}, el('th', { scope: 'col', text: 'activation h' }), el('th', { scope: 'col', text: 'count' })),
    ),
    body,
  );
}

export class HealthView {
  #charts = { grad: null, sat: null };
  #key = '';
  #redraw;
  #store;
  #client;
  #visibility;
  #wanted = null; // what the worker was last told: health after every epoch or not

  /** @param {{ store: SessionStore, client: WorkerClient, visibility: Visibility }} parts */
  constructor({ store, client, visibility }) {
    this.#store = store;
    this.#client = client;
    this.#visibility = visibility;
    const redraw = new Redraw(() => this.#draw(), { visibility });
    this.#redraw = redraw;
    store.onAny(['health', 'runs', 'epoch'], () => redraw.request());
    // The worker measures after each epoch only while this is on screen; a new worker is told again.
    visibility.subscribe(() => this.#tellWorker());
    store.on('engine', () => {
      this.#wanted = null;
      this.#tellWorker();
      if (store.engine) $('health-sample').textContent = String(store.engine.constants.healthSample);
    });
    store.on('trainer', () => this.#requestIfStale());
  }

  /** The colours or the type size changed: the charts are built again. */
  restyle() {
    this.#key = '';
    this.#redraw.request();
  }

  #tellWorker() {
    const wanted = this.#visibility.visible;
    if (this.#store.engine && wanted !== this.#wanted) {
      this.#wanted = wanted;
      this.#client.send('setInspection', { health: wanted });
    }
    if (wanted) this.#requestIfStale();
  }

  // The model's health now, when none of the current run describes it (shown, with a model and data).
  #requestIfStale() {
    const { trainer, data, runs } = this.#store;
    if (!this.#visibility.visible || !trainer || data.status !== 'ready') return;
    if (runs.current?.health?.at(-1)?.step === trainer.progress.step) return;
    this.#client.send('inspectHealth');
  }

  #draw() {
    const run = this.#store.runs.current;
    const history = run?.health ?? [];
    const latest = history.at(-1) ?? this.#store.health;
    this.render(latest ?? null, history.length ? history : latest ? [latest] : []);
    this.#sayWhatWasSampled(run);
  }

  // The sample and which epochs were measured: every one, or (a fast run) some.
  /** @param {Run | null} run */
  #sayWhatWasSampled(run) {
    const measured = new Set((run?.health ?? []).map((h) => h.epoch).filter((e) => e > 0));
    const epochs = run?.epochs.length ?? 0;
    const text =
      epochs === 0
        ? ''
        : measured.size >= epochs
          ? `Measured after each of the ${plural(epochs, 'epoch')}.`
          : `Measured after ${measured.size} of the ${plural(epochs, 'epoch')} (at most ${1000 / HEALTH_INTERVAL_MS} a second, and only while this panel is shown): ${[...measured].slice(-12).join(', ')}${measured.size > 12 ? ', …' : ''}.`;
    $('health-sampled').textContent = text;
  }

  /** Draws the latest health (an entry of run.health) and the history of the run's entries. */
  render(latest, history) {
    const box = $('health');
    if (!latest) {
      box.replaceChildren(el('p', { class: 'empty', text: 'Appears after the first epoch.' }));
      this.#history([]);
      return;
    }
    const words = saturationWords(latest.activation);
    const hiddenCount = latest.layers.length - 1;
    const cards = latest.layers.map((l, k) => {
      const hidden = k < hiddenCount;
      const name = hidden ? `Hidden layer ${k + 1}` : 'Output layer';
      const stuckUnits = Math.round(l.stuck * l.units);
      const facts = [
        hidden
          ? el('p', {
              class: 'health-sat',
              'data-layer': k,
              'data-saturated': l.saturated,
              text: `${cap(words.state)}: ${pct(l.saturated)} of activations (${words.rule}).`,
            })
          : null,
        hidden
          ? el('p', {
              text: `${stuckUnits} of ${l.units} units ${words.stuck} on every image; mean activation ${sci(l.mean)}.`,
            })
          : null,
        el('p', {
          class: 'health-grad',
          'data-layer': k,
          text: `‖∇W‖ = ${sci(l.weightGradientNorm)}, ‖∇b‖ = ${sci(l.biasGradientNorm)}, ‖W‖ = ${sci(l.weightNorm)}`,
        }),
      ];
      return el(
        'article',
        { class: 'health-card', style: { '--layer': colour(k) } },
        el('h3', { text: `${name} (${l.units} units)` }),
        hidden ? histogramSvg(l, name) : null,
        ...facts,
        hidden
          ? el(
              'details',
              { class: 'table-view' },
              el('summary', { text: `${name} histogram (table)` }),
              histogramTable(l),
            )
          : null,
      );
    });
    box.replaceChildren(
      el('p', {
        class: 'help',
        text: `After epoch ${latest.epoch} (step ${latest.step}), on the first ${latest.samples} ${latest.split} images; mean loss ${latest.loss.toFixed(4)}.`,
      }),
      el('div', { class: 'health-cards' }, ...cards),
    );
    this.#history(history);
  }

  #history(history) {
    const table = $('health-table');
    if (history.length === 0) {
      table.replaceChildren(el('p', { class: 'empty', text: 'No epochs yet.' }));
      for (const c of Object.values(this.#charts)) c?.setData([[], ...c.series.slice(1).map(() => [])]);
      return;
    }
    const layers = history.at(-1).layers.length;
    const hidden = layers - 1;
    const xs = history.map((h) => h.epoch);
    const grad = [
      xs,
      ...Array.from({ length: layers }, (_, k) =>
        history.map((h) => (h.layers[k]?.weightGradientNorm > 0 ? h.layers[k].weightGradientNorm : null)),
      ),
    ];
    const sat = [
      xs,
      ...Array.from({ length: hidden }, (_, k) =>
        history.map((h) => (h.layers[k] ? 100 * h.layers[k].saturated : null)),
      ),
    ];
    const key = `${layers}`;
    if (key !== this.#key) {
      this.#key = key;
      this.#charts.grad?.destroy();
      this.#charts.sat?.destroy();
      const names = Array.from({ length: layers }, (_, k) => (k < hidden ? `layer ${k + 1}` : 'output'));
      this.#charts.grad = layerChart($('chart-grad'), names, { log: true });
      this.#charts.sat = layerChart($('chart-sat'), names.slice(0, hidden), { percent: true });
    }
    this.#charts.grad.setData(grad);
    this.#charts.sat.setData(sat);

    const head = el('tr', {}, el('th', { scope: 'col', text: 'epoch' }));
    for (let k = 0; k < layers; k++) {
      if (k < hidden) head.append(el('th', { scope: 'col', text: `layer ${k + 1} saturated/off` }));
      head.append(el('th', { scope: 'col', text: `${k < hidden ? `layer ${k + 1}` : 'output'} ‖∇W‖` }));
    }
    const body = el('tbody');
    for (const h of history) {
      const tr = el('tr', {}, el('th', { scope: 'row', text: String(h.epoch) }));
      h.layers.forEach((l, k) => {
        if (k < hidden) tr.append(el('td', { text: pct(l.saturated) }));
        tr.append(el('td', { text: sci(l.weightGradientNorm) }));
      });
      body.append(tr);
    }
    table.replaceChildren(
      el(
        'table',
        { class: 'data-table', id: 'health-history-table' },
        el('caption', { class: 'sr-only', text: 'Saturation and gradient size per layer by epoch' }),
        el('thead', {}, head),
        body,
      ),
    );
  }
}

const cap = (s) => s[0].toUpperCase() + s.slice(1);
