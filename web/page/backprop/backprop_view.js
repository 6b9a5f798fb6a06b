// The Backprop view's step-through: one image (the gallery's selected digit
// or the drawn one, store.digit) traced through the live network by the
// worker (traceBackprop: a copy, training untouched), then shown as the
// report's Fig. 1 one line at a time: the current line marked, Previous and
// Next to step, the step's vectors and matrices as cell grids. The same trace
// fills the derivation table, one step's effect and the gradient check
// (trace_panels.js). It traces when the digit or its target changes, or a new
// network arrives, and only while the view is on screen; while training it
// says how far the network has moved on instead of tracing again under the
// reader's eyes.
import { className, itemWord, itemWordAs } from '../ui/class_names.js';
import { $, el } from '../ui/dom.js';
import { Redraw } from '../ui/redraw.js';
import { backpropSteps, FIG1 } from './backprop.js';
import { layerName, stepFigures, sup } from './step_figures.js';
import { renderCheck, renderDerivation, renderOneStep } from './trace_panels.js';

/**
 * @import { SessionStore, Digit } from '../app/session_store.js'
 * @import { WorkerClient } from '../app/worker_client.js'
 * @import { Visibility } from '../ui/redraw.js'
 * @import { BackpropTraceValue } from '../../shared/protocol.js'
 * @import { Step } from './backprop.js'
 * @import { TraceContext } from './step_figures.js'
 */

/** The forward pass as two lines of the listing, before Fig. 1's. */
const FORWARD_LINES = Object.freeze(['forward, for k = 1, …, K:', '    a⁽ᵏ⁾ = W⁽ᵏ⁾ h⁽ᵏ⁻¹⁾ + b⁽ᵏ⁾,  h⁽ᵏ⁾ = g(a⁽ᵏ⁾)']);

export class BackpropView {
  #store;
  #client;
  #redraw;
  /** @type {TraceContext | null} */
  #ctx = null;
  /** @type {Step[]} */
  #steps = [];
  #index = 0;
  /** the digit and target traced, or wanted traced */
  #traced = { digit: /** @type {Digit | null} */ (null), target: -1 };
  #wanted = false; // a trace is due (when on screen)
  #targetKey = ''; // the classes the target's options name
  #busy = false;

  /** @param {{ store: SessionStore, client: WorkerClient, visibility: Visibility }} parts */
  constructor({ store, client, visibility }) {
    this.#store = store;
    this.#client = client;
    this.#redraw = new Redraw(() => this.#refresh(), { visibility });
    this.#listing();
    for (const r of document.querySelectorAll('input[name="bp-source"]'))
      r.addEventListener('change', (e) =>
        store.chooseDigitSource(/** @type {'gallery' | 'drawn'} */ (/** @type {HTMLInputElement} */ (e.target).value)),
      );
    $('bp-target').addEventListener('change', () => this.#want());
    this.#indexInput.addEventListener('change', () => this.#traceIndex());
    store.on('data', () => {
      const n = store.data.info?.test;
      if (n) this.#indexInput.max = String(n - 1);
      this.#redraw.request(); // the status's word for an image
    });
    $('bp-trace').addEventListener('click', () => this.#want());
    $('bp-prev').addEventListener('click', () => this.#go(this.#index - 1));
    $('bp-next').addEventListener('click', () => this.#go(this.#index + 1));
    $('bp-stepper').addEventListener('keydown', (e) => {
      const to = { Home: 0, End: this.#steps.length - 1 }[e.key];
      if (to === undefined) return;
      e.preventDefault();
      this.#go(to);
    });
    store.on('digit', () => this.#digitChanged());
    store.on('trainer', (m) => {
      this.#fillTargets();
      if (!m?.config || m.reason === 'created' || m.reason === 'loaded' || m.reason === 'restored') this.#want();
      else this.#redraw.request();
    });
    store.onAny(['chunk', 'train'], () => this.#redraw.request());
    this.#digitChanged();
  }

  /** The digit shown, its default target (its label; a drawing: what the network says), and a trace. */
  async #digitChanged() {
    const { digit: d } = this.#store;
    for (const r of document.querySelectorAll('input[name="bp-source"]'))
      /** @type {HTMLInputElement} */ (r).checked = /** @type {HTMLInputElement} */ (r).value === d.source;
    const digit = d[d.source];
    if (digit?.split === 'test') this.#indexInput.value = String(digit.index);
    if (digit && digit === this.#traced.digit) return; // traced by number just now
    this.#fillTargets();
    if (digit) this.#target.value = String(digit.label ?? (await this.#predicted(digit)) ?? 0);
    this.#want();
  }

  get #indexInput() {
    return /** @type {HTMLInputElement} */ ($('bp-index'));
  }

  /** A test digit by its number (as mlp_train --trace N): traced, then the digit every view inspects. */
  async #traceIndex() {
    const input = this.#indexInput;
    const index = Number(input.value);
    const count = this.#store.data.info?.test ?? 0;
    const names = this.#store.data.classNames;
    if (!this.#store.trainer || input.value === '') return;
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      $('bp-status').textContent =
        `Test ${itemWordAs(names, 'digits')} are numbered 0 to ${(count - 1).toLocaleString('en')}.`;
      return;
    }
    this.#busy = true;
    $('bp-status').textContent = `Tracing test ${itemWord(names)} #${index}…`;
    try {
      const { trace, image } = await this.#client.request('traceBackpropSplit', { split: 'test', index });
      const digit = {
        image: Float32Array.from(image, (v) => v / 255),
        label: trace.label,
        text: `test ${itemWord(names)} #${index} (a ${className(names, trace.label)})`,
        split: 'test',
        index,
      };
      this.#fillTargets();
      this.#target.value = String(trace.label);
      this.#show(trace, digit, trace.label);
      this.#store.setDigit('gallery', digit);
    } catch (err) {
      $('bp-status').textContent = `No trace: ${err.message}`;
    } finally {
      this.#busy = false;
      this.#redraw.request();
    }
  }

  get #target() {
    return /** @type {HTMLSelectElement} */ ($('bp-target'));
  }

  #fillTargets() {
    const classes = this.#store.trainer?.config.layers.at(-1) ?? 10;
    const names = this.#store.data.classNames;
    const key = `${classes}:${names}`;
    if (this.#targetKey === key) return;
    this.#targetKey = key;
    const chosen = this.#target.value;
    this.#target.replaceChildren(
      ...Array.from({ length: classes }, (_, i) => el('option', { value: String(i), text: className(names, i) })),
    );
    if (Number(chosen) < classes) this.#target.value = chosen;
  }

  async #predicted(digit) {
    if (!this.#store.trainer) return null;
    try {
      const { probabilities } = await this.#client.request('predict', { image: digit.image.slice() });
      return probabilities.indexOf(Math.max(...probabilities));
    } catch {
      return null;
    }
  }

  #want() {
    this.#wanted = true;
    this.#redraw.request();
  }

  async #refresh() {
    if (this.#wanted && !this.#busy) await this.#trace();
    this.#status();
  }

  /** Traces the digit shown against the target chosen, keeping the reader's place. */
  async #trace() {
    const { digit: d, trainer } = this.#store;
    const digit = d[d.source];
    if (!digit || !trainer) return;
    this.#wanted = false;
    this.#busy = true;
    const target = Number(this.#target.value);
    $('bp-status').textContent = `Tracing ${digit.text}…`;
    try {
      const trace = await this.#client.request('traceBackprop', { image: digit.image.slice(), label: target });
      this.#show(trace, digit, target);
    } catch (err) {
      this.#ctx = null;
      $('bp-body').hidden = true;
      $('bp-status').textContent = `No trace: ${err.message}`;
    } finally {
      this.#busy = false;
      if (this.#wanted) this.#redraw.request();
    }
  }

  /** @param {BackpropTraceValue} trace @param {Digit} digit @param {number} target */
  #show(trace, digit, target) {
    const config = this.#store.trainer?.config ?? { activation: 'sigmoid', loss: 'sigmoid-bce' };
    const image = this.#store.imageSize;
    const sameShape = this.#ctx?.trace.forward.length === trace.forward.length;
    this.#ctx = {
      trace,
      pixels: digit.image,
      image,
      activation: config.activation,
      loss: config.loss,
      className: (i) => className(this.#store.data.classNames, i),
      item: itemWord(this.#store.data.classNames),
    };
    this.#traced = { digit, target };
    this.#steps = backpropSteps(trace);
    $('bp-body').hidden = false;
    renderDerivation($('bp-derivation'), this.#ctx);
    renderOneStep($('bp-onestep'), this.#ctx);
    renderCheck($('bp-check'), this.#ctx);
    this.#go(sameShape ? this.#index : 0, { focus: false });
  }

  /** What was traced, and whether the network has moved on since. */
  #status() {
    const { digit: d, trainer, train } = this.#store;
    const digit = d[d.source];
    const status = $('bp-status');
    const again = /** @type {HTMLButtonElement} */ ($('bp-trace'));
    again.disabled = !digit || !trainer || this.#busy;
    if (!trainer) return void (status.textContent = 'Train or load a model first: the trace follows the live network.');
    const names = this.#store.data.classNames;
    if (!digit)
      return void (status.textContent =
        d.source === 'drawn'
          ? `Draw ${itemWordAs(names, 'a digit')} in the Classify view, then come back.`
          : `Enter a test ${itemWord(names)}’s number, or select one in the Classify view’s gallery or confusion matrix.`);
    if (!this.#ctx || this.#busy) return;
    const { trace } = this.#ctx;
    const now = trainer.progress?.step ?? trace.trainerStep;
    const moved = now - trace.trainerStep;
    const what = `${this.#traced.digit?.text}, target ${this.#traced.target}, through the network at step ${trace.trainerStep.toLocaleString('en')}`;
    again.textContent = moved !== 0 || this.#traced.digit !== digit ? 'Trace again' : 'Trace';
    status.textContent =
      this.#traced.digit !== digit
        ? `Traced: ${what}. Another ${itemWord(names)} is selected now: Trace follows it.`
        : moved > 0
          ? `Traced: ${what}; the network has trained ${moved.toLocaleString('en')} more step${moved === 1 ? '' : 's'} since${train.state === 'running' ? ' (it is training)' : ''}. Trace again for its numbers now.`
          : `Traced: ${what}.`;
  }

  /** The listing: the forward line, then Fig. 1's lines. */
  #listing() {
    $('bp-lines').replaceChildren(
      el('li', { 'data-n': '' }, el('code', { text: FORWARD_LINES[0] })),
      el('li', { 'data-line': 'forward', 'data-n': '' }, el('code', { text: FORWARD_LINES[1] })),
      ...FIG1.map((text, i) => el('li', { 'data-line': String(i), 'data-n': String(i + 1) }, el('code', { text }))),
    );
  }

  /** Shows step i: its line marked, its sentence and figures. */
  #go(i, { focus = true } = {}) {
    if (!this.#ctx || this.#steps.length === 0) return;
    this.#index = Math.max(0, Math.min(this.#steps.length - 1, i));
    const step = this.#steps[this.#index];
    const line = step.line === null ? 'forward' : String(step.line);
    for (const li of $('bp-lines').children) {
      const current = /** @type {HTMLElement} */ (li).dataset.line === line;
      if (current) li.setAttribute('aria-current', 'step');
      else li.removeAttribute('aria-current');
    }
    // The loops say which k the step is at.
    const [forwardLoop, , , loop] = [...$('bp-lines').querySelectorAll('code')];
    forwardLoop.textContent = step.kind === 'forward' ? `${FORWARD_LINES[0]}   k = ${step.layer}` : FORWARD_LINES[0];
    const backward = step.kind !== 'forward' && step.kind !== 'output';
    loop.textContent = backward ? `${FIG1[1]}   k = ${step.layer}` : FIG1[1];
    const where = `Step ${this.#index + 1} of ${this.#steps.length}: ${this.#where(step)}`;
    $('bp-where').textContent = where;
    const { text, figures } = stepFigures(this.#ctx, step);
    $('bp-step').replaceChildren(el('p', { class: 'bp-say', text }), el('div', { class: 'bp-figures' }, ...figures));
    /** @type {HTMLButtonElement} */ ($('bp-prev')).disabled = this.#index === 0;
    /** @type {HTMLButtonElement} */ ($('bp-next')).disabled = this.#index === this.#steps.length - 1;
    // A disabled button loses focus to the page: keep it on the stepper.
    if (focus && document.activeElement instanceof HTMLButtonElement && document.activeElement.disabled)
      /** @type {HTMLElement} */ ($(this.#index === 0 ? 'bp-next' : 'bp-prev')).focus();
  }

  /** @param {Step} step */
  #where(step) {
    const ctx = /** @type {TraceContext} */ (this.#ctx);
    const k = step.layer;
    if (step.kind === 'forward') return `forward through layer ${k} (${layerName(ctx, k)})`;
    if (step.kind === 'output') return 'Fig. 1, line 1: G ← ∇ŷ L';
    const line = /** @type {number} */ (step.line);
    return `Fig. 1, line ${line + 1} at k = ${k} (${layerName(ctx, k)}): ${FIG1[line]
      .trim()
      .replace(/⁽ᵏ⁾/g, sup(k))
      .replace(/⁽ᵏ⁻¹⁾/g, sup(k - 1))}`;
  }
}
