// Every layer's weights: the first layer's as one image per hidden unit (over
// the input image), each a button (one tab stop for the grid, arrow keys
// between units) that enlarges in the zoom box on hover or focus with its
// incoming-weight range; deeper layers as heat maps
// (a row per unit, a column per input unit), each with a table view of its
// units' ranges. Diverging blue–white–red (colour-blind safe: it differs in
// lightness and in the blue–red axis that every common colour-vision
// deficiency keeps), normalised per unit for the images and per layer for
// the heat maps. The weights are fetched from the worker when the model
// changed and the view is shown; while training, at most once a second.
import { State } from '../../shared/protocol.js';
import { className } from '../ui/class_names.js';
import { diverging } from '../ui/colour.js';
import { $, el, queryAll } from '../ui/dom.js';
import { sci as fmt } from '../ui/format.js';
import { paint } from '../ui/pixels.js';
import { Redraw } from '../ui/redraw.js';

/**
 * @import { SessionStore } from '../app/session_store.js'
 * @import { WorkerClient } from '../app/worker_client.js'
 * @import { Visibility } from '../ui/redraw.js'
 * @import { WeightsValue } from '../../shared/protocol.js'
 */

/** While training, the weights are fetched and drawn at most this often. */
export const WEIGHTS_INTERVAL_MS = 1000;

/** Weight images shown at most. */
const MAX_UNITS = 64;

function range(data, from, n) {
  let lo = Infinity;
  let hi = -Infinity;
  let sq = 0;
  for (let i = from; i < from + n; i++) {
    const v = data[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    sq += v * v;
  }
  return { lo, hi, norm: Math.sqrt(sq) };
}

export class WeightsView {
  #first = null; // { w, rows, cols }
  #store;
  #client;
  #busy = false;

  /** @param {{ store: SessionStore, client: WorkerClient, visibility: Visibility }} parts */
  constructor({ store, client, visibility }) {
    this.#store = store;
    this.#client = client;
    const redraw = new Redraw(() => this.#fetch(redraw), {
      visibility,
      minIntervalMs: () => (store.train.state === State.RUNNING ? WEIGHTS_INTERVAL_MS : 0),
    });
    store.onAny(['trainer', 'epoch', 'train'], () => redraw.request());
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => redraw.request());
    const box = $('weights');
    const show = (e) => {
      const b = /** @type {HTMLElement | null} */ (/** @type {Element} */ (e.target).closest?.('.weight-unit'));
      if (b) this.#zoom(Number(b.dataset.unit));
    };
    box.addEventListener('pointerover', show);
    box.addEventListener('focusin', show);
    // One tab stop for the grid; the arrow keys move between units.
    box.addEventListener('keydown', (e) => {
      const tiles = queryAll(box, '.weight-unit');
      const i = tiles.indexOf(/** @type {HTMLElement} */ (e.target));
      if (i < 0) return;
      const cols = Math.max(1, tiles.filter((t) => t.offsetTop === tiles[0].offsetTop).length);
      const step = {
        ArrowLeft: -1,
        ArrowRight: 1,
        ArrowUp: -cols,
        ArrowDown: cols,
        Home: -i,
        End: tiles.length - 1 - i,
      }[e.key];
      if (step === undefined) return;
      e.preventDefault();
      const next = tiles[Math.max(0, Math.min(tiles.length - 1, i + step))];
      for (const t of tiles) t.tabIndex = t === next ? 0 : -1;
      next.focus();
    });
  }

  #background() {
    return matchMedia('(prefers-color-scheme: dark)').matches ? 24 : 255;
  }

  /** Fetches every layer's weights and draws them (again later if they changed meanwhile). @param {Redraw} redraw */
  async #fetch(redraw) {
    const { trainer, data } = this.#store;
    if (!trainer) return;
    if (this.#busy) return redraw.request();
    this.#busy = true;
    try {
      const count = trainer.config.layers.length - 1;
      const layers = [];
      for (let k = 0; k < count; k++) layers.push(await this.#client.request('getWeights', { layer: k }));
      this.render(layers, data.info);
    } catch {
      // The worker restarted or lost its model: its next trainer event asks again.
    } finally {
      this.#busy = false;
    }
  }

  /**
   * layers: the worker's weights of every layer, input side first; info: the data's sizes.
   * @param {WeightsValue[]} layers
   * @param {{ rows: number, cols: number } | null} info
   */
  render(layers, info) {
    const [first, ...deeper] = layers;
    const rows = info?.rows ?? 28;
    const cols = info?.cols ?? 28;
    this.#first = { w: first, rows, cols };
    const shown = this.#renderFirst(first, rows, cols);
    $('weights').setAttribute('aria-label', `${shown} hidden units’ weight images`);
    $('weights-note').textContent =
      layers.length === 1
        ? 'No hidden layer: these are the output units.'
        : shown < first.rows
          ? `Showing ${shown} of ${first.rows} units.`
          : `${first.rows} units.`;
    $('layer-maps').replaceChildren(...deeper.map((w, i) => this.#heatMap(w, i + 1, i + 1 === layers.length - 1)));
  }

  #renderFirst({ rows: units, cols: inputs, data }, imgRows, imgCols) {
    const shown = Math.min(units, MAX_UNITS);
    const bg = this.#background();
    const tiles = [];
    for (let u = 0; u < shown; u++) {
      const r = range(data, u * inputs, inputs);
      const max = Math.max(1e-12, Math.abs(r.lo), Math.abs(r.hi));
      const canvas = el('canvas', { class: 'weight', width: imgCols, height: imgRows });
      paint(canvas, imgCols, imgRows, (d) => {
        for (let i = 0; i < imgRows * imgCols && i < inputs; i++) {
          const [cr, cg, cb] = diverging(data[u * inputs + i] / max, bg);
          d.set([cr, cg, cb, 255], 4 * i);
        }
      });
      tiles.push(
        el(
          'button',
          {
            type: 'button',
            class: 'weight-unit',
            tabindex: u === 0 ? '0' : '-1',
            'data-unit': u,
            'aria-label': `Hidden unit ${u + 1}: incoming weights from ${fmt(r.lo)} to ${fmt(r.hi)}`,
          },
          canvas,
        ),
      );
    }
    $('weights').replaceChildren(...tiles);
    return shown;
  }

  #zoom(u) {
    const f = this.#first;
    if (!f) return;
    const { rows: units, cols: inputs, data } = f.w;
    if (u >= units) return;
    const r = range(data, u * inputs, inputs);
    const max = Math.max(1e-12, Math.abs(r.lo), Math.abs(r.hi));
    const scale = 5;
    const canvas = $('weights-zoom-canvas', HTMLCanvasElement);
    const bg = this.#background();
    paint(canvas, f.cols * scale, f.rows * scale, (d) => {
      for (let y = 0; y < f.rows * scale; y++)
        for (let x = 0; x < f.cols * scale; x++) {
          const i = Math.floor(y / scale) * f.cols + Math.floor(x / scale);
          const [cr, cg, cb] = diverging(i < inputs ? data[u * inputs + i] / max : 0, bg);
          d.set([cr, cg, cb, 255], 4 * (y * f.cols * scale + x));
        }
    });
    const text = `Hidden unit ${u + 1}: incoming weights from ${fmt(r.lo)} to ${fmt(r.hi)} (‖w‖ = ${fmt(r.norm)}).`;
    canvas.setAttribute('aria-label', `Enlarged weight image of hidden unit ${u + 1}`);
    $('weights-zoom-text').textContent = text;
    for (const b of queryAll($('weights'), '.weight-unit'))
      b.classList.toggle('is-zoomed', Number(b.dataset.unit) === u);
  }

  // Layer k (≥ 1): units × inputs, one pixel per weight, scaled up by CSS.
  #heatMap({ rows: units, cols: inputs, data }, k, isOutput) {
    let max = 1e-12;
    for (const v of data) max = Math.max(max, Math.abs(v));
    const bg = this.#background();
    const canvas = el('canvas', {
      class: 'heat-map',
      role: 'img',
      'aria-label': `Layer ${k + 1} weights as a heat map: ${units} ${isOutput ? 'output' : 'hidden'} units by ${inputs} inputs from hidden layer ${k}; the unit ranges are in the table below`,
    });
    paint(canvas, inputs, units, (d) => {
      for (let i = 0; i < units * inputs; i++) {
        const [cr, cg, cb] = diverging(data[i] / max, bg);
        d.set([cr, cg, cb, 255], 4 * i);
      }
    });
    canvas.style.setProperty('--cols', String(inputs));
    canvas.style.setProperty('--rows', String(units));
    // An output unit is its class: the digit, or the data's name for it.
    const names = this.#store.data.classNames;
    const output = (u) => (names ? className(names, u) : `digit ${u}`);
    const body = el('tbody');
    for (let u = 0; u < units; u++) {
      const r = range(data, u * inputs, inputs);
      body.append(
        el(
          'tr',
          {},
          el('th', { scope: 'row', text: isOutput ? output(u) : `unit ${u + 1}` }),
          el('td', { text: fmt(r.lo) }),
          el('td', { text: fmt(r.hi) }),
          el('td', { text: fmt(r.norm) }),
        ),
      );
    }
    const table = el(
      'table',
      { class: 'data-table' },
      el('caption', { class: 'sr-only', text: `Incoming weights of layer ${k + 1}'s units` }),
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          el('th', { scope: 'col', text: 'unit' }),
          el('th', { scope: 'col', text: 'min' }),
          el('th', { scope: 'col', text: 'max' }),
          el('th', { scope: 'col', text: '‖w‖' }),
        ),
      ),
      body,
    );
    return el(
      'figure',
      { class: 'layer-map' },
      el('figcaption', {
        text: `Layer ${k + 1}: ${isOutput ? 'output' : 'hidden'} units (rows) × hidden layer ${k}’s ${inputs} units (columns), weights from ${fmt(-max)} to ${fmt(max)}`,
      }),
      el(
        'div',
        { class: 'heat-scroll', tabindex: '0', role: 'region', 'aria-label': `layer ${k + 1} heat map` },
        canvas,
      ),
      el(
        'details',
        { class: 'table-view' },
        el('summary', { text: `Layer ${k + 1} weights (table)` }),
        el(
          'div',
          { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': `Layer ${k + 1} weights, by unit` },
          table,
        ),
      ),
    );
  }
}
