// The drawing pad: each stroke is preprocessed as MNIST was made
// (preprocess.js), shown as the network's input and classified by the
// worker; the probabilities are drawn and, after a pause, announced. The
// drawing is also a digit to look inside the network with (store.setDigit).
// When the model changes, the drawing is classified again (while the
// Classify view is shown).
import { className, itemWordAs } from '../ui/class_names.js';
import { drawDigit } from '../ui/pixels.js';
import { $ } from '../ui/dom.js';
import { pct } from '../ui/format.js';
import { ProbabilityBars } from '../ui/probability_bars.js';
import { Redraw } from '../ui/redraw.js';
import { DrawingPad } from './drawing_pad.js';
import { preprocessDigit } from '../../shared/preprocess.js';

/**
 * @import { SessionStore } from '../app/session_store.js'
 * @import { WorkerClient } from '../app/worker_client.js'
 * @import { Notices } from '../ui/notices.js'
 * @import { Visibility } from '../ui/redraw.js'
 */

/** Quiet time after the last stroke before the prediction is announced. */
const ANNOUNCE_DELAY_MS = 700;

export class DrawView {
  #store;
  #client;
  #notices;
  #pad;
  #bars = new ProbabilityBars($('draw-bars'));
  #seq = 0; // the latest drawing; older predictions are dropped
  /** @type {Float32Array | null} */
  #digit = null;
  /** @type {ReturnType<typeof setTimeout> | 0} */
  #announceTimer = 0;

  /** @param {{ store: SessionStore, client: WorkerClient, notices: Notices, visibility: Visibility }} parts */
  constructor({ store, client, notices, visibility }) {
    this.#store = store;
    this.#client = client;
    this.#notices = notices;
    this.#pad = new DrawingPad($('pad', HTMLCanvasElement), { onChange: (ink) => this.#onDraw(ink) });
    $('btn-clear').addEventListener('click', () => this.#pad.clear());
    const again = new Redraw(() => this.#digit && this.#predict(this.#digit), { visibility, minIntervalMs: 500 });
    store.onAny(['trainer', 'epoch'], () => again.request());
    const follow = $('draw-backprop');
    follow.addEventListener('click', () => store.chooseDigitSource('drawn'));
    store.on('digit', () => (follow.hidden = !store.digit.drawn));
    // The data's classes name the bars (a zip's folders; digits for MNIST).
    store.on('data', () => {
      if (store.data.status !== 'ready') return;
      this.#bars.setClasses(store.data.classNames);
      if (this.#digit) again.request();
      else this.#predict(null); // the prompt's word for an image
    });
  }

  #onDraw(ink) {
    const preview = $('preview', HTMLCanvasElement);
    const { rows, cols } = this.#store.imageSize;
    const canvas = this.#pad.canvas;
    const image = ink ? preprocessDigit(ink, canvas.width, canvas.height, { rows, cols }) : null;
    this.#digit = image;
    if (image) drawDigit(preview, image, rows, cols, { scale: 1 });
    else preview.getContext('2d').clearRect(0, 0, preview.width, preview.height);
    if (!image) clearTimeout(this.#announceTimer);
    this.#predict(image);
    this.#store.setDigit('drawn', image ? { image: image.slice(), label: null, text: 'your drawing' } : null, {
      select: Boolean(image),
    });
  }

  async #predict(image) {
    const seq = ++this.#seq;
    const result = $('draw-result');
    if (!image) {
      this.#bars.set(null);
      result.textContent = `Draw ${itemWordAs(this.#store.data.classNames, 'a digit')} in the box.`;
      result.dataset.prediction = '';
      return;
    }
    if (!this.#store.trainer) {
      result.textContent = 'Train or load a model first, then draw.';
      result.dataset.prediction = '';
      return;
    }
    try {
      const m = await this.#client.request('predict', { image: image.slice() });
      if (seq !== this.#seq) return; // a newer drawing (or a clear) came in meanwhile
      const p = m.probabilities;
      let best = 0;
      for (let k = 1; k < p.length; k++) if (p[k] > p[best]) best = k;
      this.#bars.set(p);
      const name = className(this.#store.data.classNames, best);
      result.textContent = this.#store.data.classNames
        ? `Looks like: ${name} (${pct(p[best])}).`
        : `Looks like a ${best} (${pct(p[best])}).`;
      result.dataset.prediction = String(best);
      result.dataset.className = name;
      clearTimeout(this.#announceTimer);
      this.#announceTimer = setTimeout(
        () => this.#notices.announce(`The network says ${name}, ${pct(p[best], 0)} sure.`),
        ANNOUNCE_DELAY_MS,
      );
    } catch (err) {
      if (seq === this.#seq) result.textContent = `No prediction: ${err.message}`;
    }
  }
}
