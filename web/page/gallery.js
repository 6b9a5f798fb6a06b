// The test-set gallery: each tile is a button with the digit, its predicted
// label and confidence; "mistakes" shows the misclassified ones, most
// confident first. Selecting a tile shows its probability bars.
import { ProbabilityBars, digitImage, drawDigit, el, pct } from './viz.js';

const PAGE = 48;

export class Gallery {
  constructor({ grid, more, count, detail, onAnnounce }) {
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
    this.detailCanvas = el('canvas', { class: 'digit-large', role: 'img', 'aria-label': 'selected test digit' });
    this.detailText = el('p', { class: 'detail-text', text: 'Select a digit to see its probabilities.' });
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
    if (data.images) this.images = data.images;
    this.data = data;
    this.classes = Math.round(data.probabilities.length / data.labels.length);
    this.order = null;
    this.render();
    if (this.selected !== null) this.select(this.selected, false);
  }

  clear() {
    this.data = null;
    this.order = null;
    this.grid.replaceChildren();
    this.count.textContent = 'No model yet.';
    this.more.hidden = true;
    this.selected = null;
    this.bars.set(null);
    this.detailText.textContent = 'Select a digit to see its probabilities.';
    this.detailCanvas.getContext('2d').clearRect(0, 0, this.detailCanvas.width, this.detailCanvas.height);
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
    this.count.textContent =
      this.filter === 'wrong'
        ? `${idx.length} of ${labels.length} test digits are misclassified; the most confident mistakes come first.`
        : `${labels.length} test digits, ${wrong} misclassified (${pct(wrong / labels.length, 2)} error).`;
    const tiles = [];
    const n = Math.min(this.shown, idx.length);
    for (let t = 0; t < n; t++) {
      const i = idx[t];
      const ok = labels[i] === predicted[i];
      const canvas = digitImage(this.images.subarray(i * rows * cols, (i + 1) * rows * cols), rows, cols);
      const caption = el(
        'span',
        { class: 'tile-caption' },
        el('strong', { text: String(predicted[i]) }),
        ` ${pct(this.confidence(i), 0)}`,
      );
      const truth = ok ? null : el('span', { class: 'tile-true', text: `is ${labels[i]}` });
      const button = el(
        'button',
        {
          type: 'button',
          class: `tile${ok ? '' : ' is-wrong'}${i === this.selected ? ' is-selected' : ''}`,
          'aria-label': `Test digit ${i}: true ${labels[i]}, predicted ${predicted[i]} with ${pct(this.confidence(i))} confidence${ok ? '' : ', wrong'}`,
          'aria-pressed': i === this.selected ? 'true' : 'false',
          'data-index': i,
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
    const text = `Test digit #${i}: true label ${labels[i]}, predicted ${predicted[i]} (${pct(this.confidence(i))})${ok ? '.' : ' — wrong.'}`;
    this.detailText.textContent = text;
    this.detailCanvas.setAttribute('aria-label', `test digit ${i}, a ${labels[i]}`);
    if (announce) this.onAnnounce?.(text);
  }
}
