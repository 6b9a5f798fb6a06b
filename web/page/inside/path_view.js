// One digit's path through the network: the gallery's selected digit or
// the drawn one (store.digit), traced by the worker: each hidden layer's
// activations as a small image of cells (viridis for sigmoid and ReLU, blue–white–
// red for tanh: colour-blind safe), the output probabilities, and the units
// that pushed the winning class most (activation × outgoing weight), traced
// again at most every LIVE_MS while training. Nothing is asked of the worker
// while the panel is out of sight: then it costs training nothing, and a
// traceDigit call (one image) every LIVE_MS when shown.
import { className, itemWordAs } from '../ui/class_names.js';
import { diverging, viridis } from '../ui/colour.js';
import { $, el } from '../ui/dom.js';
import { sci } from '../ui/format.js';
import { paint } from '../ui/pixels.js';
import { ProbabilityBars } from '../ui/probability_bars.js';
import { Redraw } from '../ui/redraw.js';

/**
 * @import { SessionStore } from '../app/session_store.js'
 * @import { WorkerClient } from '../app/worker_client.js'
 * @import { Visibility } from '../ui/redraw.js'
 */

/** How often the path of the digit is traced again while training. */
export const LIVE_MS = 500;
/** Units listed as pushing the winning class. */
const TOP_UNITS = 8;

export class PathView {
  #store;
  #client;
  #bars = null;
  #busy = false;
  #redraw;

  /** @param {{ store: SessionStore, client: WorkerClient, visibility: Visibility }} parts */
  constructor({ store, client, visibility }) {
    this.#store = store;
    this.#client = client;
    this.#redraw = new Redraw(() => this.#trace(), {
      visibility,
      minIntervalMs: () => (store.train.state === 'running' ? LIVE_MS : 0),
    });
    for (const r of document.querySelectorAll('input[name="path-source"]')) {
      const radio = /** @type {HTMLInputElement} */ (r);
      radio.addEventListener('change', () => store.chooseDigitSource(/** @type {'gallery' | 'drawn'} */ (radio.value)));
    }
    store.on('digit', () => {
      for (const r of document.querySelectorAll('input[name="path-source"]'))
        /** @type {HTMLInputElement} */ (r).checked = /** @type {HTMLInputElement} */ (r).value === store.digit.source;
      this.#redraw.request();
    });
    store.onAny(['trainer', 'chunk', 'epoch', 'train', 'data'], () => this.#redraw.request());
    this.#redraw.request();
  }

  /** Traces the chosen digit (again when asked meanwhile). */
  async #trace() {
    const { digit: d, trainer } = this.#store;
    const digit = d[d.source];
    const status = $('path-status');
    if (this.#busy) return this.#redraw.request();
    if (!digit) {
      const a = itemWordAs(this.#store.data.classNames, 'a digit');
      status.textContent =
        d.source === 'drawn' ? `Draw ${a} in the Classify view.` : `Select ${a} in the Classify view’s gallery.`;
      $('path').replaceChildren();
      return;
    }
    if (!trainer) {
      status.textContent = 'Train or load a model first.';
      return;
    }
    this.#busy = true;
    try {
      const m = await this.#client.request('traceDigit', { image: digit.image.slice() });
      if (this.#store.digit[this.#store.digit.source] === digit) this.#renderPath(m, digit);
    } catch (err) {
      status.textContent = `No path: ${err.message}`;
    } finally {
      this.#busy = false;
    }
  }

  #renderPath(m, digit) {
    const activation = this.#store.trainer?.config.activation ?? 'sigmoid';
    const hiddenCount = m.hidden.length;
    const names = this.#store.data.classNames;
    $('path-status').textContent =
      `The path of ${digit.text} at step ${m.step}: the network says ${className(names, m.predicted)} (${(100 * m.probabilities[m.predicted]).toFixed(1)} %).`;
    const parts = m.hidden.map((h, k) => this.#strip(h, k, activation));
    const bars = el('div', { class: 'path-probs' });
    this.#bars = new ProbabilityBars(bars, m.probabilities.length, names);
    this.#bars.set(m.probabilities, { trueLabel: digit.label ?? null });
    parts.push(
      el(
        'figure',
        { class: 'path-layer', 'data-layer': 'output' },
        el('figcaption', {
          text: names ? 'Output: the probability of each class' : 'Output: the probability of each digit',
        }),
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
    paint(canvas, perRow, rows, (d) => {
      for (let i = 0; i < perRow * rows; i++) {
        const [r, g, b] = i < n ? colourOf(h[i]) : [128, 128, 128];
        d.set([r, g, b, i < n ? 255 : 0], 4 * i);
      }
    });
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
        text: `What pushed ${className(this.#store.data.classNames, m.predicted)} most: activation × outgoing weight of ${what} (their sum plus the bias ${sci(m.bias)} is the logit z = ${sci(sum)})`,
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
}
