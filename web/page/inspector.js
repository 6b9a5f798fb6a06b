// "Inside the network": one digit's path and the layers' health. The path
// of the selected gallery digit or of the drawn one: each hidden layer's
// activations as a small image of cells (viridis for sigmoid and ReLU, blue–white–
// red for tanh: colour-blind safe), the output probabilities, and the units
// that pushed the winning class most (activation × outgoing weight), traced
// again every LIVE_MS while training. The health (health_view.js) comes with
// every epoch while its panel is open, and on request when it opens.
//
// Nothing is asked of the worker while a panel is closed: a closed panel
// costs training nothing, an open one a traceDigit call (one image) every
// LIVE_MS and one inspectHealth call (256 images) per epoch.
import { State, ToWorker } from '../shared/protocol.js';
import { HealthView, healthEntry, sci } from './health_view.js';
import { diverging } from './layer_views.js';
import { $, ProbabilityBars, el } from './viz.js';

/** How often the path of the digit is traced again while training. */
export const LIVE_MS = 500;
/** Units listed as pushing the winning class. */
const TOP_UNITS = 8;

const VIRIDIS = ['#440154', '#472d7b', '#3b528b', '#2c728e', '#21918c', '#28ae80', '#5ec962', '#addc30', '#fde725'].map(
  (h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)),
);

/** t in [0, 1] → [r, g, b] on viridis. */
export function viridis(t) {
  const x = Math.max(0, Math.min(1, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  return VIRIDIS[i].map((c, k) => Math.round(c + (VIRIDIS[i + 1][k] - c) * f));
}

export class Inspector {
  #app;
  #health = new HealthView();
  #latestHealth = null;
  #digit = { gallery: null, drawn: null }; // { image: Float32Array, label?, text }
  #source = 'gallery';
  #timer = 0;
  #busy = false;
  #again = false; // asked again while a trace was on its way
  #bars = null;
  #seq = 0;

  constructor(app) {
    this.#app = app;
  }

  get latestHealth() {
    return this.#latestHealth;
  }

  get #pathOpen() {
    return $('path-panel').open;
  }

  get #healthOpen() {
    return $('health-panel').open;
  }

  setup() {
    $('path-panel').addEventListener('toggle', () => {
      this.#updateTimer();
      if (this.#pathOpen) this.trace();
    });
    $('health-panel').addEventListener('toggle', () => {
      this.#tellWorker();
      if (this.#healthOpen) this.#requestHealth();
    });
    for (const r of document.querySelectorAll('input[name="path-source"]')) {
      r.addEventListener('change', () => {
        this.#source = r.value;
        this.trace();
      });
    }
    document.addEventListener('visibilitychange', () => this.#updateTimer());
  }

  /** The worker (re)started or a trainer appeared: tell it what to compute. */
  #tellWorker() {
    if (this.#app.client) this.#app.client.send(ToWorker.SET_INSPECTION, { health: this.#healthOpen });
  }

  engineReady() {
    this.#tellWorker();
  }

  /** A gallery digit was selected (gallery.js onSelect). */
  galleryDigit({ index, split, label, pixels }) {
    const image = Float32Array.from(pixels, (v) => v / 255);
    this.#digit.gallery = { image, label, text: `${split} digit #${index} (a ${label})` };
    this.#choose('gallery');
  }

  /** The drawing changed (draw_panel.js): image in [0, 1], or null when cleared. */
  drawnDigit(image) {
    this.#digit.drawn = image ? { image: image.slice(), label: null, text: 'your drawing' } : null;
    if (image) this.#choose('drawn');
    else if (this.#source === 'drawn') this.trace();
  }

  #choose(source) {
    this.#source = source;
    for (const r of document.querySelectorAll('input[name="path-source"]')) r.checked = r.value === source;
    this.trace();
  }

  /** The training state or the model changed. */
  modelChanged() {
    this.#updateTimer();
    this.trace();
  }

  #updateTimer() {
    const live = this.#pathOpen && this.#app.controls.state === State.RUNNING && document.visibilityState === 'visible';
    if (live && !this.#timer) this.#timer = setInterval(() => this.trace(), LIVE_MS);
    if (!live && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = 0;
    }
  }

  /** Traces the chosen digit (when the panel is open and there is a model). */
  async trace() {
    const digit = this.#digit[this.#source];
    const status = $('path-status');
    if (!this.#pathOpen) return;
    if (this.#busy) {
      this.#again = true;
      return;
    }
    if (!digit) {
      status.textContent =
        this.#source === 'drawn' ? 'Draw a digit in the drawing pad below.' : 'Select a digit in the gallery below.';
      $('path').replaceChildren();
      return;
    }
    if (!this.#app.controls.trainer) {
      status.textContent = 'Train or load a model first.';
      return;
    }
    this.#busy = true;
    const seq = ++this.#seq;
    try {
      const m = await this.#app.client.request(ToWorker.TRACE_DIGIT, { image: digit.image.slice() });
      if (seq === this.#seq) this.#renderPath(m, digit);
    } catch (err) {
      status.textContent = `No path: ${err.message}`;
    } finally {
      this.#busy = false;
      if (this.#again) {
        this.#again = false;
        this.trace();
      }
    }
  }

  #renderPath(m, digit) {
    const activation = this.#app.controls.trainer?.config.activation ?? 'sigmoid';
    const hiddenCount = m.hidden.length;
    $('path-status').textContent =
      `The path of ${digit.text} at step ${m.step}: the network says ${m.predicted} (${(100 * m.probabilities[m.predicted]).toFixed(1)} %).`;
    const parts = m.hidden.map((h, k) => this.#strip(h, k, activation));
    const bars = el('div', { class: 'path-probs' });
    this.#bars = new ProbabilityBars(bars, m.probabilities.length);
    this.#bars.set(m.probabilities, { trueLabel: digit.label ?? null });
    parts.push(
      el(
        'figure',
        { class: 'path-layer', 'data-layer': 'output' },
        el('figcaption', { text: `Output: the probability of each digit` }),
        bars,
      ),
    );
    parts.push(this.#contributions(m, hiddenCount));
    $('path').replaceChildren(...parts);
    $('path').dataset.layers = String(hiddenCount);
  }

  // One hidden layer as a small image of cells, with its values as a table.
  #strip(h, k, activation) {
    const n = h.length;
    // Up to 20 units a row, more for wide layers (512 units: 23 × 23), so every layer is a small image.
    const perRow = n <= 20 ? n : Math.max(20, Math.ceil(Math.sqrt(n)));
    const rows = Math.ceil(n / perRow);
    let max = 0;
    for (const v of h) max = Math.max(max, Math.abs(v));
    const colourOf =
      activation === 'tanh'
        ? (v) => diverging(v, 255)
        : activation === 'relu'
          ? (v) => viridis(max > 0 ? v / max : 0)
          : (v) => viridis(v);
    const canvas = el('canvas', {
      class: 'strip',
      width: perRow,
      height: rows,
      role: 'img',
      'aria-label': `Hidden layer ${k + 1}: ${n} activations from ${sci(Math.min(...h))} to ${sci(Math.max(...h))}; the values are in the table`,
    });
    canvas.style.setProperty('--cols', String(perRow));
    canvas.style.setProperty('--rows', String(rows));
    const ctx = canvas.getContext('2d');
    const img = ctx.createImageData(perRow, rows);
    for (let i = 0; i < perRow * rows; i++) {
      const [r, g, b] = i < n ? colourOf(h[i]) : [128, 128, 128];
      img.data.set([r, g, b, i < n ? 255 : 0], 4 * i);
    }
    ctx.putImageData(img, 0, 0);
    const table = el(
      'details',
      { class: 'table-view' },
      el('summary', { text: `Hidden layer ${k + 1} activations (table)` }),
    );
    table.addEventListener('toggle', () => {
      if (!table.open || table.querySelector('table')) return;
      const body = el('tbody');
      h.forEach((v, i) =>
        body.append(el('tr', {}, el('th', { scope: 'row', text: `unit ${i + 1}` }), el('td', { text: sci(v) }))),
      );
      table.append(
        el(
          'div',
          {
            class: 'table-scroll',
            tabindex: '0',
            role: 'region',
            'aria-label': `Hidden layer ${k + 1} activations, by unit`,
          },
          el(
            'table',
            { class: 'data-table' },
            el(
              'thead',
              {},
              el('tr', {}, el('th', { scope: 'col', text: 'unit' }), el('th', { scope: 'col', text: 'activation h' })),
            ),
            body,
          ),
        ),
      );
    });
    const range =
      activation === 'tanh'
        ? '−1 (blue) … 0 (white) … 1 (red)'
        : activation === 'relu'
          ? `0 (dark) … ${sci(max)} (yellow)`
          : '0 (dark) … 1 (yellow)';
    return el(
      'figure',
      { class: 'path-layer', 'data-layer': k },
      el('figcaption', { text: `Hidden layer ${k + 1}: ${n} units, ${range}` }),
      canvas,
      table,
    );
  }

  #contributions(m, hiddenCount) {
    const c = m.contributions;
    const order = Array.from(c.keys())
      .sort((a, b) => c[b] - c[a])
      .slice(0, TOP_UNITS);
    const max = Math.max(1e-12, ...order.map((i) => Math.abs(c[i])));
    const what = hiddenCount > 0 ? `hidden layer ${hiddenCount}’s units` : 'pixels';
    const body = el('tbody');
    for (const i of order) {
      const bar = el('span', {
        class: `contrib-bar${c[i] < 0 ? ' is-neg' : ''}`,
        style: { width: `${((100 * Math.abs(c[i])) / max).toFixed(1)}%` },
      });
      body.append(
        el(
          'tr',
          {},
          el('th', { scope: 'row', text: hiddenCount > 0 ? `unit ${i + 1}` : `pixel ${i}` }),
          el('td', { text: sci(c[i]) }),
          el('td', { class: 'contrib-cell' }, bar),
        ),
      );
    }
    let sum = m.bias;
    for (const v of c) sum += v;
    return el(
      'figure',
      { class: 'path-layer path-contrib' },
      el('figcaption', {
        text: `What pushed ${m.predicted} most: activation × outgoing weight of ${what} (their sum plus the bias ${sci(m.bias)} is the logit z = ${sci(sum)})`,
      }),
      el(
        'table',
        { class: 'data-table contrib' },
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            el('th', { scope: 'col', text: hiddenCount > 0 ? 'unit' : 'pixel' }),
            el('th', { scope: 'col', text: 'h × w' }),
            el('th', { scope: 'col', text: 'share of the largest' }),
          ),
        ),
        body,
      ),
    );
  }

  // ---- Health ------------------------------------------------------------------

  /** A `health` message (after an epoch, or answering a request). */
  onHealth(m) {
    const run = this.#app.runs.current;
    const entry = healthEntry(m);
    this.#latestHealth = entry;
    // An epoch's own health (no id) replaces one asked for during that epoch; one asked for is kept
    // only until then.
    if (run && (m.id === undefined || !(run.health ?? []).some((h) => h.epoch === entry.epoch))) {
      run.health = [...(run.health ?? []).filter((h) => h.epoch !== entry.epoch), entry].sort(
        (a, b) => a.epoch - b.epoch,
      );
      // The next checkpoint stores it with the run; when nothing trains on (the target was reached,
      // a pause), there is no next one: store it now (the run's curves end at the saved model then).
      if (m.id === undefined && this.#app.controls.state !== State.RUNNING) this.#app.runs.persist(run);
    }
    if (this.#healthOpen) this.#health.render(entry, run?.health ?? [entry]);
  }

  async #requestHealth() {
    if (!this.#app.controls.trainer || !this.#app.data.info) return;
    const run = this.#app.runs.current;
    const last = run?.health?.at(-1);
    if (last && last.step === this.#app.controls.trainer.progress.step) {
      this.#latestHealth = last;
      this.#health.render(last, run.health);
      return;
    }
    try {
      this.onHealth(await this.#app.client.request(ToWorker.INSPECT_HEALTH));
    } catch {
      /* no model or data yet: the next epoch brings it */
    }
  }

  /** Another current run (reset, reload, load): its health history, or the model's health now. */
  resetRun(run) {
    this.#latestHealth = run?.health?.at(-1) ?? null;
    this.#health.render(this.#latestHealth, run?.health ?? []);
    if (this.#healthOpen && !this.#latestHealth) this.#requestHealth();
    this.trace();
  }
}
