// The gallery's digits (gallery_view.js fills them): each tile is a button
// with the digit, its predicted label and confidence; "mistakes" shows the
// misclassified ones, most
// confident first; a confusion-matrix cell shows exactly the digits of that
// true and predicted class, most confident first. Selecting a tile shows its
// probability bars (and tells onSelect). It shows the test set, or the
// validation set when a cell of the validation matrix was opened. Classes are
// named by the data (ui/class_names.js): digits for MNIST, a zip's folder names.
import { className, itemWord, itemWordAs } from '../ui/class_names.js';
import { digitImage, drawDigit } from '../ui/pixels.js';
import { el } from '../ui/dom.js';
import { pct } from '../ui/format.js';
import { ProbabilityBars } from '../ui/probability_bars.js';
import { cellIndices } from './confusion.js';

const PAGE = 48;

export class DigitGrid {
  /**
   * @param {Record<string, any>} parts the grid's elements (grid, more, count, detail), onAnnounce(text),
   *   onSelect(digit), classNames(): the data's class names (null: digits)
   */
  constructor({ grid, more, count, detail, onAnnounce, onSelect, classNames = () => null }) {
    this.onSelect = onSelect;
    this.classNames = classNames;
    this.split = 'test';
    this.cell = null; // { truth, guess } while a confusion cell is shown
    this.imagesBySplit = {};
    this.grid = grid;
    this.more = more;
    this.count = count;
    this.detail = detail;
    this.onAnnounce = onAnnounce;
    this.data = null;
    this.images = null;
    this.filter = 'all';
    this.shown = PAGE;
    this.selected = null;
    this.detailCanvas = el('canvas', { class: 'digit-large', role: 'img' });
    this.detailText = el('p', { class: 'detail-text' });
    this.#unselected();
    const barsBox = el('div');
    detail.replaceChildren(el('div', { class: 'detail-head' }, this.detailCanvas, this.detailText), barsBox);
    this.bars = new ProbabilityBars(barsBox);
    more.addEventListener('click', () => {
      this.shown += PAGE;
      this.render();
    });
  }

  /** data: { labels, predicted, probabilities, images?, rows, cols } from the worker. */
  setData(data) {
    const split = data.split ?? 'test';
    if (split !== this.split) this.selected = null;
    if (data.images) this.imagesBySplit[split] = data.images;
    this.split = split;
    this.images = this.imagesBySplit[split] ?? null;
    this.data = data;
    this.classes = Math.round(data.probabilities.length / data.labels.length);
    this.bars.setClasses(this.classNames(), this.classes);
    this.order = null;
    this.render();
    if (this.selected !== null) this.select(this.selected, false);
    else this.#unselected();
  }

  /** True when the images of `split` are here (they are sent once). */
  hasImages(split) {
    return Boolean(this.imagesBySplit[split]);
  }

  /** Shows exactly the digits of a confusion cell (null: back to the filter). */
  setCell(cell) {
    this.cell = cell;
    this.shown = cell ? Math.max(PAGE, 200) : PAGE;
    this.order = null;
    this.render();
  }

  clear() {
    this.data = null;
    this.cell = null;
    this.order = null;
    this.grid.replaceChildren();
    this.count.textContent = 'No model yet.';
    this.more.hidden = true;
    this.selected = null;
    this.bars.set(null);
    this.#unselected();
    this.detailCanvas.getContext('2d').clearRect(0, 0, this.detailCanvas.width, this.detailCanvas.height);
  }

  /** The detail's words while no tile is selected, in the data's word for an image. */
  #unselected() {
    const names = this.classNames();
    this.detailCanvas.setAttribute('aria-label', `selected test ${itemWordAs(names, 'digit')}`);
    this.detailText.textContent = `Select ${itemWordAs(names, 'a digit')} to see its probabilities.`;
  }

  setFilter(filter) {
    this.filter = filter;
    this.shown = PAGE;
    this.order = null;
    this.render();
  }

  confidence(i) {
    return this.data.probabilities[i * this.classes + this.data.predicted[i]];
  }

  indices() {
    if (this.order) return this.order;
    const { labels, predicted } = this.data;
    if (this.cell) {
      this.order = cellIndices(this.data, this.classes, this.cell.truth, this.cell.guess);
      return this.order;
    }
    let idx = Array.from({ length: labels.length }, (_, i) => i);
    if (this.filter === 'wrong') {
      idx = idx.filter((i) => labels[i] !== predicted[i]);
      idx.sort((a, b) => this.confidence(b) - this.confidence(a));
    }
    this.order = idx;
    return idx;
  }

  render() {
    if (!this.data || !this.images) return;
    const { labels, predicted, rows, cols } = this.data;
    const idx = this.indices();
    const wrong = this.filter === 'wrong' ? idx.length : labels.reduce((n, l, i) => n + (l !== predicted[i]), 0);
    const setName = this.split === 'validation' ? 'validation' : 'test';
    const names = this.classNames();
    const name = (k) => className(names, k);
    const word = itemWord(names);
    this.count.textContent = this.cell
      ? `True ${name(this.cell.truth)}, predicted ${name(this.cell.guess)}: ${idx.length} ${setName} ${word}${idx.length === 1 ? '' : 's'}, the most confident first.`
      : this.filter === 'wrong'
        ? `${idx.length} of ${labels.length} test ${word}s are misclassified; the most confident mistakes come first.`
        : `${labels.length} test ${word}s, ${wrong} misclassified (${pct(wrong / labels.length, 2)} error).`;
    const tiles = [];
    const n = Math.min(this.shown, idx.length);
    for (let t = 0; t < n; t++) {
      const i = idx[t];
      const ok = labels[i] === predicted[i];
      const canvas = digitImage(this.images.subarray(i * rows * cols, (i + 1) * rows * cols), rows, cols);
      // The name comes from the content (visible and screen-reader-only parts), so that it holds the visible text.
      const what = this.split === 'validation' ? 'Validation' : 'Test';
      const caption = el(
        'span',
        { class: 'tile-caption' },
        el('span', { class: 'sr-only', text: `${what} ${word} ${i}: true ${name(labels[i])}, predicted ` }),
        el('strong', { class: names ? 'named' : null, text: name(predicted[i]) }),
        el('span', { class: 'sr-only', text: ' with ' }),
        ` ${pct(this.confidence(i), 0)}`,
        el('span', { class: 'sr-only', text: ` confidence${ok ? '' : ', wrong: it'}` }),
      );
      const truth = ok ? null : el('span', { class: 'tile-true', text: ` is ${name(labels[i])}` });
      const button = el(
        'button',
        {
          type: 'button',
          class: `tile${ok ? '' : ' is-wrong'}${i === this.selected ? ' is-selected' : ''}`,
          'aria-pressed': i === this.selected ? 'true' : 'false',
          'data-index': i,
          'data-true': labels[i],
          'data-predicted': predicted[i],
          'data-confidence': this.confidence(i),
          onclick: () => this.select(i),
        },
        canvas,
        caption,
        truth,
      );
      tiles.push(button);
    }
    this.grid.replaceChildren(...tiles);
    this.more.hidden = n >= idx.length;
  }

  select(i, announce = true) {
    this.selected = i;
    for (const b of this.grid.querySelectorAll('.tile')) {
      const on = Number(b.dataset.index) === i;
      b.classList.toggle('is-selected', on);
      b.setAttribute('aria-pressed', on ? 'true' : 'false');
    }
    const { labels, predicted, probabilities, rows, cols } = this.data;
    drawDigit(this.detailCanvas, this.images.subarray(i * rows * cols, (i + 1) * rows * cols), rows, cols);
    const probs = probabilities.subarray(i * this.classes, (i + 1) * this.classes);
    this.bars.set(probs, { trueLabel: labels[i] });
    const ok = labels[i] === predicted[i];
    const names = this.classNames();
    const name = (k) => className(names, k);
    const word = itemWord(names);
    const text = `${this.split === 'validation' ? 'Validation' : 'Test'} ${word} #${i}: true label ${name(labels[i])}, predicted ${name(predicted[i])} (${pct(this.confidence(i))})${ok ? '.' : ' — wrong.'}`;
    this.detailText.textContent = text;
    this.detailCanvas.setAttribute('aria-label', `test ${word} ${i}, a ${name(labels[i])}`);
    if (announce) this.onAnnounce?.(text);
    this.onSelect?.({
      index: i,
      split: this.split,
      label: labels[i],
      pixels: this.images.subarray(i * rows * cols, (i + 1) * rows * cols),
      rows,
      cols,
    });
  }
}
