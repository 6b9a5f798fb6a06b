// The gallery of test digits in the Classify view: the model's predictions
// for the test set (or the validation set, when a cell of its confusion
// matrix was opened), fetched from the worker when the model changed and the
// gallery is on screen; all digits or the mistakes, or exactly one
// confusion cell's. Selecting a digit makes it the one "inside the network"
// looks at (store.setDigit).
import { className, itemWord, itemWordAs } from '../ui/class_names.js';
import { $, el } from '../ui/dom.js';
import { confusionFrom } from './confusion.js';
import { DigitGrid } from './digit_grid.js';

/**
 * @import { SessionStore } from '../app/session_store.js'
 * @import { WorkerClient } from '../app/worker_client.js'
 * @import { Notices } from '../ui/notices.js'
 * @import { Visibility } from '../ui/redraw.js'
 */

export class GalleryView {
  #store;
  #client;
  #visibility;
  #grid;
  #stale = true;
  #busy = null; // the pending predictions request
  #split = 'test'; // which set it shows

  /** @param {{ store: SessionStore, client: WorkerClient, notices: Notices, visibility: Visibility }} parts */
  constructor({ store, client, notices, visibility }) {
    this.#store = store;
    this.#client = client;
    this.#visibility = visibility;
    this.#grid = new DigitGrid({
      grid: $('gallery'),
      more: $('gallery-more'),
      count: $('gallery-count'),
      detail: $('gallery-detail'),
      onAnnounce: (text) => notices.announce(text),
      classNames: () => store.data.classNames,
      onSelect: ({ index, split, label, pixels }) =>
        store.setDigit('gallery', {
          image: Float32Array.from(pixels, (v) => v / 255),
          label,
          text: `${split} ${itemWord(store.data.classNames)} #${index} (a ${className(store.data.classNames, label)})`,
          split,
          index,
        }),
    });
    for (const r of document.querySelectorAll('input[name="gallery-filter"]')) {
      const radio = /** @type {HTMLInputElement} */ (r);
      radio.addEventListener('change', () => {
        this.#showCellBanner(null);
        this.#grid.setCell(null);
        this.#grid.setFilter(radio.value);
      });
    }
    $('gallery-cell-clear').addEventListener('click', () => {
      const filter = /** @type {HTMLInputElement} */ (document.querySelector('input[name="gallery-filter"]:checked'));
      this.#showCellBanner(null);
      this.#grid.setCell(null);
      this.#grid.setFilter(filter?.value ?? 'all');
      /** @type {HTMLElement} */ ($('gallery').querySelector('.tile'))?.focus();
    });
    store.on('trainer', (m) => {
      // Another model: the predictions are out of date until the gallery is on screen again.
      if (!m || m.reason === 'created' || m.reason === 'loaded' || m.reason === 'restored') {
        this.#grid.clear();
        this.#showCellBanner(null);
      }
      this.#markStale();
    });
    store.on('epoch', () => this.#markStale());
    const follow = $('gallery-backprop');
    follow.addEventListener('click', () => store.chooseDigitSource('gallery'));
    store.on('digit', () => (follow.hidden = !store.digit.gallery));
    visibility.subscribe(() => this.refresh());
  }

  #markStale() {
    this.#stale = true;
    this.refresh();
  }

  /** Fetches the predictions (of the set shown) when they are stale and the gallery is on screen. */
  async refresh({ force = false } = {}) {
    const { trainer } = this.#store;
    if (trainer && !this.#grid.data) {
      $('gallery-count').textContent = this.#visibility.visible
        ? 'Classifying the test set…'
        : `The test ${itemWordAs(this.#store.data.classNames, 'digits')} load when this view is shown.`;
    }
    if (!trainer || !(this.#stale || force) || !(this.#visibility.visible || force)) return null;
    if (this.#busy) return this.#busy;
    this.#stale = false;
    this.#busy = this.#fetch(this.#split).finally(() => {
      this.#busy = null;
    });
    return this.#busy;
  }

  async #fetch(split) {
    try {
      const m = await this.#client.request('predictSplit', { withImages: !this.#grid.hasImages(split), split });
      this.#grid.setData(m);
      // The word marked as in index.html (ui/item_words_view.js writes it again when the data change).
      $('gallery-title').replaceChildren(
        `${split === 'validation' ? 'Validation' : 'Test'} `,
        el('span', { 'data-item-word': 'digits', text: itemWordAs(this.#store.data.classNames, 'digits') }),
      );
      return m;
    } catch {
      this.#stale = true;
      return null;
    }
  }

  /**
   * A confusion cell was opened: the gallery shows exactly its digits, from predictions of the model as
   * it is now; returns that set's confusion matrix (so that the table can show the same counts) or null.
   * @param {'test' | 'validation'} split
   * @param {number} truth
   * @param {number} guess
   */
  async showCell(split, truth, guess) {
    if (!this.#store.trainer) return null;
    const running = this.#store.train.state === 'running';
    if (split !== this.#split || running || !this.#grid.data) this.#stale = true;
    this.#split = split;
    if (this.#busy) await this.#busy;
    if (this.#stale || this.#grid.split !== split) {
      this.#stale = true;
      await this.refresh({ force: true });
    }
    const data = this.#grid.data;
    if (!data || this.#grid.split !== split) return null;
    for (const r of document.querySelectorAll('input[name="gallery-filter"]'))
      /** @type {HTMLInputElement} */ (r).checked = false;
    this.#grid.setCell({ truth, guess });
    this.#showCellBanner(
      `From the ${split} confusion matrix: only the ${itemWordAs(this.#store.data.classNames, 'digits')} of one cell.`,
    );
    $('gallery').scrollIntoView({ block: 'nearest' });
    return confusionFrom(data.labels, data.predicted, this.#grid.classes);
  }

  #showCellBanner(text) {
    $('gallery-cell').hidden = !text;
    $('gallery-cell-text').textContent = text ?? '';
    if (!text && this.#split !== 'test') {
      // Back to the test set.
      this.#split = 'test';
      this.#stale = true;
      this.refresh();
    }
  }
}
