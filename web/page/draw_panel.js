// The drawing pad's panel: each stroke is preprocessed as MNIST was made
// (preprocess.js), shown as the network's input and classified by the
// worker; the probabilities are drawn and, after a pause, announced.
import { ToWorker } from '../shared/protocol.js';
import { DrawingPad } from './draw.js';
import { preprocessDigit } from './preprocess.js';
import { $, ProbabilityBars, drawDigit, pct } from './viz.js';

/** Quiet time after the last stroke before the prediction is announced. */
const ANNOUNCE_DELAY_MS = 700;

export class DrawPanel {
  #app;
  #pad = null;
  #bars = null;
  #seq = 0; // the latest drawing; older predictions are dropped
  #lastDigit = null;
  #announceTimer = 0;

  constructor(app) {
    this.#app = app;
  }

  setup() {
    this.#bars = new ProbabilityBars($('draw-bars'));
    this.#pad = new DrawingPad($('pad'), { onChange: (ink) => this.#onDraw(ink) });
    $('btn-clear').addEventListener('click', () => this.#pad.clear());
  }

  /** The model changed: classify the drawing again. */
  redraw() {
    if (this.#lastDigit) this.#predict(this.#lastDigit);
  }

  #onDraw(ink) {
    const preview = $('preview');
    const { rows, cols } = this.#app.data.imageSize();
    const image = ink ? preprocessDigit(ink, this.#pad.canvas.width, this.#pad.canvas.height, { rows, cols }) : null;
    this.#lastDigit = image;
    if (image) drawDigit(preview, image, rows, cols, { scale: 1 });
    else preview.getContext('2d').clearRect(0, 0, preview.width, preview.height);
    if (!image) clearTimeout(this.#announceTimer);
    this.#predict(image);
    this.#app.inspector?.drawnDigit(image);
  }

  async #predict(image) {
    const seq = ++this.#seq;
    const result = $('draw-result');
    if (!image) {
      this.#bars.set(null);
      result.textContent = 'Draw a digit in the box.';
      result.dataset.prediction = '';
      return;
    }
    if (!this.#app.controls.trainer) {
      result.textContent = 'Train or load a model first, then draw.';
      result.dataset.prediction = '';
      return;
    }
    try {
      const m = await this.#app.client.request(ToWorker.PREDICT, { image: image.slice() });
      if (seq !== this.#seq) return; // a newer drawing (or a clear) came in meanwhile
      const p = m.probabilities;
      let best = 0;
      for (let k = 1; k < p.length; k++) if (p[k] > p[best]) best = k;
      this.#bars.set(p);
      result.textContent = `Looks like a ${best} (${pct(p[best])}).`;
      result.dataset.prediction = String(best);
      clearTimeout(this.#announceTimer);
      this.#announceTimer = setTimeout(
        () => this.#app.notices.announce(`The network says ${best}, ${pct(p[best], 0)} sure.`),
        ANNOUNCE_DELAY_MS,
      );
    } catch (err) {
      if (seq === this.#seq) result.textContent = `No prediction: ${err.message}`;
    }
  }
}
