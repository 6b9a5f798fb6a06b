// What the current model has learnt, fetched from the worker when stale:
// every layer's weights (layer_views.js: the first as images, deeper ones
// as heat maps), and the gallery of test digits (only while it is on screen,
// or when a confusion-matrix cell asks for its digits). While training, the
// weights follow at epoch ends only, at most once every WEIGHTS_INTERVAL_MS
// (short epochs come many a second).
import { State, ToWorker } from '../shared/protocol.js';
import { confusionFrom } from './confusion.js';
import { Gallery } from './gallery.js';
import { LayerViews } from './layer_views.js';
import { $ } from './viz.js';

/** While training, the weight images are redrawn at most this often. */
export const WEIGHTS_INTERVAL_MS = 1000;

export class ModelViews {
  #weightsStale = true;
  #galleryStale = true;
  #galleryVisible = false; // the gallery is on screen (or nearly)
  #app;
  #gallery = null;
  #layers = null;
  #weightsBusy = false;
  #galleryBusy = null; // the pending predictions request
  #split = 'test'; // which set the gallery shows
  #weightsAt = -Infinity; // when the weights were last fetched
  #weightsTimer = 0;

  constructor(app) {
    this.#app = app;
  }

  get gallery() {
    return this.#gallery;
  }

  setup() {
    this.#layers = new LayerViews();
    this.#layers.setup();
    this.#gallery = new Gallery({
      grid: $('gallery'),
      more: $('gallery-more'),
      count: $('gallery-count'),
      detail: $('gallery-detail'),
      onAnnounce: (text) => this.#app.notices.announce(text),
      onSelect: (digit) => this.#app.inspector?.galleryDigit(digit),
    });
    for (const r of document.querySelectorAll('input[name="gallery-filter"]')) {
      r.addEventListener('change', () => {
        this.#showCellBanner(null);
        this.#gallery.setCell(null);
        this.#gallery.setFilter(r.value);
      });
    }
    $('gallery-cell-clear').addEventListener('click', () => {
      const filter = document.querySelector('input[name="gallery-filter"]:checked')?.value ?? 'all';
      this.#showCellBanner(null);
      this.#gallery.setCell(null);
      this.#gallery.setFilter(filter);
      $('gallery').querySelector('.tile')?.focus();
    });
    new IntersectionObserver(
      (entries) => {
        this.#galleryVisible = entries.some((e) => e.isIntersecting);
        this.refreshGallery();
      },
      { rootMargin: '200px' },
    ).observe($('gallery'));
  }

  /** The model changed: both views are out of date. */
  markStale() {
    this.#weightsStale = true;
    this.#galleryStale = true;
  }

  /** The weights changed (training stopped) or must be drawn again (colour scheme). */
  markWeightsStale() {
    this.#weightsStale = true;
  }

  /** Another model: the gallery's predictions are out of date until it is on screen again. */
  clearGallery() {
    this.#gallery.clear();
    this.#showCellBanner(null);
  }

  refresh() {
    if (this.#app.controls.state !== State.RUNNING || this.#weightsStale) this.refreshWeights();
    this.refreshGallery();
  }

  async refreshWeights() {
    const { controls, client, data } = this.#app;
    if (!controls.trainer || this.#weightsBusy || !this.#weightsStale) return;
    const wait = WEIGHTS_INTERVAL_MS - (performance.now() - this.#weightsAt);
    if (controls.state === State.RUNNING && wait > 0) {
      clearTimeout(this.#weightsTimer);
      this.#weightsTimer = setTimeout(() => this.refreshWeights(), wait);
      return;
    }
    this.#weightsAt = performance.now();
    this.#weightsBusy = true;
    this.#weightsStale = false;
    try {
      const count = controls.trainer.config.layers.length - 1;
      const layers = [];
      for (let k = 0; k < count; k++) layers.push(await client.request(ToWorker.GET_WEIGHTS, { layer: k }));
      this.#layers.render(layers, data.info);
    } catch {
      this.#weightsStale = true;
    } finally {
      this.#weightsBusy = false;
    }
  }

  /** Fetches the gallery's predictions (of the set it shows) when they are stale and it is on screen. */
  async refreshGallery({ force = false } = {}) {
    const { controls } = this.#app;
    const gallery = this.#gallery;
    if (controls.trainer && !gallery.data) {
      $('gallery-count').textContent = this.#galleryVisible
        ? 'Classifying the test set…'
        : 'The test digits load when this section is on screen.';
    }
    if (!controls.trainer || !(this.#galleryStale || force) || !(this.#galleryVisible || force)) return;
    if (this.#galleryBusy) return this.#galleryBusy;
    this.#galleryStale = false;
    this.#galleryBusy = this.#fetchPredictions(this.#split).finally(() => {
      this.#galleryBusy = null;
    });
    return this.#galleryBusy;
  }

  async #fetchPredictions(split) {
    try {
      const m = await this.#app.client.request(ToWorker.PREDICT_TEST_SET, {
        withImages: !this.#gallery.hasImages(split),
        split,
      });
      this.#gallery.setData({ ...m, split });
      $('gallery-title').textContent = split === 'validation' ? 'Validation digits' : 'Test digits';
      return m;
    } catch {
      this.#galleryStale = true;
      return null;
    }
  }

  /**
   * A confusion cell was opened: the gallery shows exactly its digits, from
   * predictions of the model as it is now; returns that set's confusion
   * matrix (so that the table can show the same counts) or null.
   */
  async showCell(split, truth, guess) {
    if (!this.#app.controls.trainer) return null;
    const running = this.#app.controls.state === State.RUNNING;
    if (split !== this.#split || running || !this.#gallery.data) this.#galleryStale = true;
    this.#split = split;
    if (this.#galleryBusy) await this.#galleryBusy;
    if (this.#galleryStale || this.#gallery.split !== split) {
      this.#galleryStale = true;
      await this.refreshGallery({ force: true });
    }
    const data = this.#gallery.data;
    if (!data || this.#gallery.split !== split) return null;
    for (const r of document.querySelectorAll('input[name="gallery-filter"]')) r.checked = false;
    this.#gallery.setCell({ truth, guess });
    this.#showCellBanner(`From the ${split} confusion matrix: only the digits of one cell.`);
    $('gallery').scrollIntoView({ block: 'nearest' });
    return confusionFrom(data.labels, data.predicted, this.#gallery.classes);
  }

  #showCellBanner(text) {
    $('gallery-cell').hidden = !text;
    $('gallery-cell-text').textContent = text ?? '';
    if (!text && this.#split !== 'test') {
      // Back to the test set.
      this.#split = 'test';
      this.#galleryStale = true;
      this.refreshGallery();
    }
  }
}
