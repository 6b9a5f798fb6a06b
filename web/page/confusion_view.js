// The confusion matrix as a table you can open: each count is a button (one
// tab stop for the whole matrix, arrow keys move between cells, Enter or a
// click opens it) that shows exactly that cell's digits in the gallery, most
// confident first; per-class recall (a column) and precision (a row) beside
// it; the test or the validation set, updated after every epoch. Shading:
// blue for the diagonal by recall, orange for mistakes by their share of the
// row (a pair colour-vision deficiencies keep apart).
import { State } from '../shared/protocol.js';
import { classMetrics, sameCounts } from './confusion.js';
import { $, el, pct } from './viz.js';

const SET_NAME = { test: 'test', validation: 'validation' };
/** Epochs of a small data set come hundreds a second: the matrix is redrawn at most this often. */
export const RENDER_INTERVAL_MS = 250;

export class ConfusionView {
  #app;
  #split = 'test';
  #latest = { test: null, validation: null }; // { confusion, classes, caption }
  #focus = [0, 0];
  #renderedAt = -Infinity;
  #renderTimer = 0;

  constructor(app) {
    this.#app = app;
  }

  get split() {
    return this.#split;
  }

  setup() {
    for (const r of document.querySelectorAll('input[name="confusion-split"]')) {
      r.addEventListener('change', () => {
        this.#split = r.value;
        this.#render();
      });
    }
    $('confusion').addEventListener('keydown', (e) => this.#onKey(e));
  }

  /** An `epoch` message: both sets' matrices (each when it was evaluated). */
  onEpoch(m) {
    const digits = (e, set) =>
      `After epoch ${m.epoch}: ${pct(e.accuracy, 2)} of ${e.count.toLocaleString('en')} ${set} digits right.`;
    // An epoch that did not evaluate a set (an experiment's plan) keeps that set's last matrix.
    if (m.confusion && m.test)
      this.#latest.test = { confusion: m.confusion, classes: m.classes, caption: digits(m.test, 'test') };
    if (m.validationConfusion && m.validation)
      this.#latest.validation = {
        confusion: m.validationConfusion,
        classes: m.classes,
        caption: digits(m.validation, 'validation'),
      };
    this.#renderSoon();
  }

  /**
   * Renders now, or once RENDER_INTERVAL_MS after the last epoch's render (the latest matrices then);
   * now whenever training is not running (the last epoch, a pause), so the matrix is the model's.
   */
  #renderSoon() {
    const wait = RENDER_INTERVAL_MS - (performance.now() - this.#renderedAt);
    if (wait <= 0 || this.#app.controls.state !== State.RUNNING) {
      this.#renderedAt = performance.now();
      this.#render();
    } else if (!this.#renderTimer) {
      this.#renderTimer = setTimeout(() => {
        this.#renderedAt = performance.now();
        this.#render();
      }, wait);
    }
  }

  /** Training stopped or paused: a matrix waiting for its turn is drawn now. */
  flush() {
    if (!this.#renderTimer) return;
    this.#renderedAt = performance.now();
    this.#render();
  }

  /** The current run's last matrices (after a reload, another run), or none. */
  reset(run) {
    const e = run?.epochs.at(-1);
    const caption = (set, metrics) =>
      e && metrics ? `After epoch ${e.epoch}: ${pct(metrics.accuracy, 2)} of the ${set} digits right.` : `${set} set`;
    this.#latest.test = run?.confusion
      ? { confusion: run.confusion, classes: run.classes ?? 10, caption: caption('test', e?.test) }
      : null;
    this.#latest.validation = run?.validationConfusion
      ? {
          confusion: run.validationConfusion,
          classes: run.classes ?? 10,
          caption: caption('validation', e?.validation),
        }
      : null;
    this.#render();
  }

  #render() {
    clearTimeout(this.#renderTimer);
    this.#renderTimer = 0;
    const box = $('confusion');
    const m = this.#latest[this.#split];
    if (!m) {
      const text =
        this.#split === 'validation' && this.#latest.test
          ? 'There is no validation set, or it was not evaluated.'
          : 'Appears after the first epoch.';
      box.replaceChildren(el('p', { class: 'empty', text }));
      return;
    }
    const hadFocus = box.contains(document.activeElement);
    box.replaceChildren(this.#table(m));
    // A redraw (the next epoch) keeps the keyboard where it was.
    if (hadFocus) box.querySelector('button.cell[tabindex="0"]')?.focus();
  }

  #table({ confusion, classes, caption }) {
    const { rowTotal, recall, precision } = classMetrics(confusion, classes);
    let maxOff = 0;
    for (let i = 0; i < classes; i++)
      for (let j = 0; j < classes; j++)
        if (i !== j && rowTotal[i] > 0) maxOff = Math.max(maxOff, confusion[i * classes + j] / rowTotal[i]);
    const [fr, fc] = this.#focus;
    const head = el(
      'tr',
      {},
      el(
        'th',
        { scope: 'col', class: 'corner' },
        el('span', { class: 'sr-only', text: 'true digit by row, predicted digit by column' }),
      ),
    );
    for (let j = 0; j < classes; j++) head.append(el('th', { scope: 'col', text: String(j) }));
    head.append(el('th', { scope: 'col', class: 'recall', text: 'recall' }));
    const body = el('tbody');
    for (let i = 0; i < classes; i++) {
      const tr = el('tr', {}, el('th', { scope: 'row', text: String(i) }));
      for (let j = 0; j < classes; j++) {
        const n = confusion[i * classes + j];
        const share = rowTotal[i] > 0 ? n / rowTotal[i] : 0;
        const button = el('button', {
          type: 'button',
          class: 'cell',
          tabindex: i === fr && j === fc ? '0' : '-1',
          'data-true': i,
          'data-predicted': j,
          'data-count': n,
          'aria-label': `true ${i}, predicted ${j}: ${n} digit${n === 1 ? '' : 's'}`,
          title: `true ${i}, predicted ${j}: ${n} (${pct(share)} of the ${i}s)`,
          text: String(n),
          onclick: () => this.#open(i, j),
        });
        const td = el('td', {}, button);
        if (i === j) {
          td.className = 'diag';
          td.style.setProperty('--a', share.toFixed(3));
        } else if (n > 0) {
          td.className = 'off';
          td.style.setProperty('--a', (0.12 + 0.88 * (maxOff > 0 ? share / maxOff : 0)).toFixed(3));
        } else {
          td.className = 'zero';
        }
        tr.append(td);
      }
      tr.append(el('td', { class: 'recall', text: recall[i] == null ? '–' : pct(recall[i]) }));
      body.append(tr);
    }
    const foot = el('tr', {}, el('th', { scope: 'row', class: 'precision', text: 'precision' }));
    for (let j = 0; j < classes; j++)
      foot.append(el('td', { class: 'precision', text: precision[j] == null ? '–' : pct(precision[j]) }));
    foot.append(el('td'));
    return el(
      'table',
      { class: 'confusion', 'data-split': this.#split },
      el('caption', { text: caption }),
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          el('td'),
          el('th', { scope: 'colgroup', colspan: classes, class: 'axis', text: 'predicted digit' }),
          el('td'),
        ),
        head,
      ),
      body,
      el('tfoot', {}, foot),
    );
  }

  #onKey(e) {
    const b = e.target.closest?.('button.cell');
    if (!b) return;
    const classes = this.#latest[this.#split]?.classes ?? 10;
    let i = Number(b.dataset.true);
    let j = Number(b.dataset.predicted);
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    if (moves[e.key]) [i, j] = [i + moves[e.key][0], j + moves[e.key][1]];
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = classes - 1;
    else return;
    e.preventDefault();
    i = Math.max(0, Math.min(classes - 1, i));
    j = Math.max(0, Math.min(classes - 1, j));
    this.#moveFocus(i, j);
  }

  #moveFocus(i, j) {
    this.#focus = [i, j];
    for (const c of $('confusion').querySelectorAll('button.cell')) {
      const on = Number(c.dataset.true) === i && Number(c.dataset.predicted) === j;
      c.tabIndex = on ? 0 : -1;
      if (on) c.focus();
    }
  }

  async #open(i, j) {
    this.#focus = [i, j];
    const split = this.#split;
    const counts = await this.#app.views.showCell(split, i, j);
    if (!counts) return;
    const latest = this.#latest[split];
    // The model moved on since the matrix was drawn: show the counts the gallery shows.
    if (latest && !sameCounts(counts, latest.confusion)) {
      const step = this.#app.controls.trainer?.progress.step;
      this.#latest[split] = { ...latest, confusion: counts, caption: `The ${SET_NAME[split]} set now (step ${step}).` };
      if (this.#split === split) this.#render();
    }
    const n = counts[i * latest.classes + j];
    this.#app.notices.announce(
      `True ${i}, predicted ${j}: ${n} digit${n === 1 ? '' : 's'} shown in the gallery, the most confident first.`,
    );
    $('gallery').querySelector('.tile')?.focus({ preventScroll: false });
  }
}
