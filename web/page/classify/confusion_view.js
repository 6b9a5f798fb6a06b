// The confusion matrix as a table you can open: each count is a button (one
// tab stop for the whole matrix, arrow keys move between cells, Enter or a
// click opens it) that shows exactly that cell's digits in the gallery, most
// confident first; per-class recall (a column) and precision (a row) beside
// it; the test or the validation set, updated after every epoch. Shading:
// blue for the diagonal by recall, orange for mistakes by their share of the
// row (a pair colour-vision deficiencies keep apart). Classes are named by
// the data (ui/class_names.js): the digits for MNIST, a zip's folder names;
// data of K < 10 classes shows K rows and columns, and a column of the
// predictions that fell on the network's other outputs when there are any.
import { State } from '../../shared/protocol.js';
import { className, itemWord, shownClasses } from '../ui/class_names.js';
import { $, el, query, queryAll } from '../ui/dom.js';
import { count, pct } from '../ui/format.js';
import { Redraw } from '../ui/redraw.js';
import { classMetrics, sameCounts } from './confusion.js';

/**
 * @import { SessionStore } from '../app/session_store.js'
 * @import { Notices } from '../ui/notices.js'
 * @import { Visibility } from '../ui/redraw.js'
 * @import { Run } from '../runs/run_record.js'
 */
/** @typedef {{ confusion: Int32Array, classes: number, caption: string }} Matrix */

const SET_NAME = { test: 'test', validation: 'validation' };
/** Epochs of a small data set come hundreds a second: while training, the matrix is redrawn at most this often. */
export const RENDER_INTERVAL_MS = 250;

export class ConfusionView {
  #store;
  #notices;
  #openCell;
  #split = 'test';
  /** @type {{ test: Matrix | null, validation: Matrix | null }} */
  #latest = { test: null, validation: null };
  #focus = [0, 0];
  /** @type {Run | null} the run whose matrices these are */
  #run = null;
  #redraw;

  /**
   * @param {{ store: SessionStore, notices: Notices, visibility: Visibility,
   *   openCell: (split: 'test' | 'validation', truth: number, guess: number) => Promise<Int32Array | null> }} parts
   *   openCell: shows the cell's digits in the gallery; resolves with that set's counts now
   */
  constructor({ store, notices, visibility, openCell }) {
    this.#store = store;
    this.#notices = notices;
    this.#openCell = openCell;
    for (const r of document.querySelectorAll('input[name="confusion-split"]')) {
      const radio = /** @type {HTMLInputElement} */ (r);
      radio.addEventListener('change', () => {
        this.#split = /** @type {'test' | 'validation'} */ (radio.value);
        this.#redraw.request();
      });
    }
    $('confusion').addEventListener('keydown', (e) => this.#onKey(e));
    this.#redraw = new Redraw(() => this.#render(), {
      visibility,
      minIntervalMs: () => (store.train.state === State.RUNNING ? RENDER_INTERVAL_MS : 0),
    });
    store.on('epoch', ({ run, epoch }) => run === store.runs.current && this.#onEpoch(epoch));
    store.on('runs', () => this.#runChanged());
    store.on('train', () => this.#redraw.request());
    store.on('data', () => this.#redraw.request()); // the data's class names
    this.#runChanged();
  }

  get split() {
    return this.#split;
  }

  /** An `epoch` event: both sets' matrices (each when it was evaluated). */
  #onEpoch(m) {
    const word = itemWord(this.#store.data.classNames);
    const digits = (e, set) =>
      `After epoch ${m.epoch}: ${pct(e.accuracy, 2)} of ${count(e.count)} ${set} ${word}s right.`;
    // An epoch that did not evaluate a set (an experiment's plan) keeps that set's last matrix.
    if (m.confusion && m.test)
      this.#latest.test = { confusion: m.confusion, classes: m.classes, caption: digits(m.test, 'test') };
    if (m.validationConfusion && m.validation)
      this.#latest.validation = {
        confusion: m.validationConfusion,
        classes: m.classes,
        caption: digits(m.validation, 'validation'),
      };
    this.#redraw.request();
  }

  /** Another current run (a reload, a new run): its last matrices, or none. */
  #runChanged() {
    const run = this.#store.runs.current;
    if (run === this.#run) return;
    this.#run = run;
    const e = run?.epochs.at(-1);
    const word = itemWord(this.#store.data.classNames);
    const caption = (set, metrics) =>
      e && metrics ? `After epoch ${e.epoch}: ${pct(metrics.accuracy, 2)} of the ${set} ${word}s right.` : `${set} set`;
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
    this.#redraw.request();
  }

  #render() {
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
    if (hadFocus) query(box, 'button.cell[tabindex="0"]')?.focus();
  }

  #table({ confusion, classes, caption }) {
    const { rowTotal, recall, precision } = classMetrics(confusion, classes);
    const names = this.#store.data.classNames;
    const shown = shownClasses(names, classes);
    const name = (k) => className(names, k);
    const word = itemWord(names);
    // Predictions on outputs past the data's classes (a network of 10 outputs, data of fewer classes).
    const other = rowTotal.slice(0, shown).map((total, i) => {
      let n = total;
      for (let j = 0; j < shown; j++) n -= confusion[i * classes + j];
      return n;
    });
    const hasOther = other.some((n) => n > 0);
    let maxOff = 0;
    for (let i = 0; i < shown; i++)
      for (let j = 0; j < shown; j++)
        if (i !== j && rowTotal[i] > 0) maxOff = Math.max(maxOff, confusion[i * classes + j] / rowTotal[i]);
    const [fr, fc] = this.#focus;
    const head = el(
      'tr',
      {},
      el(
        'th',
        { scope: 'col', class: 'corner' },
        el('span', { class: 'sr-only', text: `true ${names ? 'class' : 'digit'} by row, predicted by column` }),
      ),
    );
    for (let j = 0; j < shown; j++)
      head.append(el('th', { scope: 'col', class: names ? 'named' : null, text: name(j) }));
    if (hasOther) head.append(el('th', { scope: 'col', class: 'other', text: 'other outputs' }));
    head.append(el('th', { scope: 'col', class: 'recall', text: 'recall' }));
    const body = el('tbody');
    for (let i = 0; i < shown; i++) {
      const tr = el('tr', {}, el('th', { scope: 'row', class: names ? 'named' : null, text: name(i) }));
      for (let j = 0; j < shown; j++) {
        const n = confusion[i * classes + j];
        const share = rowTotal[i] > 0 ? n / rowTotal[i] : 0;
        const button = el('button', {
          type: 'button',
          class: 'cell',
          tabindex: i === fr && j === fc ? '0' : '-1',
          'data-true': i,
          'data-predicted': j,
          'data-count': n,
          'aria-label': `true ${name(i)}, predicted ${name(j)}: ${n} ${word}${n === 1 ? '' : 's'}`,
          title: `true ${name(i)}, predicted ${name(j)}: ${n} (${pct(share)} of the ${name(i)}s)`,
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
      if (hasOther) tr.append(el('td', { class: 'other', text: String(other[i]) }));
      tr.append(el('td', { class: 'recall', text: recall[i] == null ? '–' : pct(recall[i]) }));
      body.append(tr);
    }
    const foot = el('tr', {}, el('th', { scope: 'row', class: 'precision', text: 'precision' }));
    for (let j = 0; j < shown; j++)
      foot.append(el('td', { class: 'precision', text: precision[j] == null ? '–' : pct(precision[j]) }));
    if (hasOther) foot.append(el('td'));
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
          el('th', {
            scope: 'colgroup',
            colspan: shown,
            class: 'axis',
            text: names ? 'predicted class' : 'predicted digit',
          }),
          hasOther ? el('td') : null,
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
    const classes = shownClasses(this.#store.data.classNames, this.#latest[this.#split]?.classes ?? 10);
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
    for (const c of queryAll($('confusion'), 'button.cell')) {
      const on = Number(c.dataset.true) === i && Number(c.dataset.predicted) === j;
      c.tabIndex = on ? 0 : -1;
      if (on) c.focus();
    }
  }

  async #open(i, j) {
    this.#focus = [i, j];
    const split = this.#split;
    const counts = await this.#openCell(split, i, j);
    if (!counts) return;
    const latest = this.#latest[split];
    // The model moved on since the matrix was drawn: show the counts the gallery shows.
    if (latest && !sameCounts(counts, latest.confusion)) {
      const step = this.#store.trainer?.progress.step;
      this.#latest[split] = { ...latest, confusion: counts, caption: `The ${SET_NAME[split]} set now (step ${step}).` };
      if (this.#split === split) {
        this.#redraw.request();
        this.#redraw.flush();
      }
    }
    const n = counts[i * latest.classes + j];
    const names = this.#store.data.classNames;
    this.#notices.announce(
      `True ${className(names, i)}, predicted ${className(names, j)}: ${n} ${itemWord(names)}${n === 1 ? '' : 's'} shown in the gallery, the most confident first.`,
    );
    /** @type {HTMLElement} */ ($('gallery').querySelector('.tile'))?.focus({ preventScroll: false });
  }
}
