// What the current model has learnt, fetched from the worker when stale:
// the first layer's weights as images, and the test-set gallery (only while
// it is on screen). While training, the weights follow at epoch ends only,
// at most once every WEIGHTS_INTERVAL_MS (short epochs come many a second).
import { State, ToWorker } from '../shared/protocol.js';
import { Gallery } from './gallery.js';
import { $, renderWeights } from './viz.js';

/** Weight images shown at most. */
const MAX_UNITS = 64;
/** While training, the weight images are redrawn at most this often. */
export const WEIGHTS_INTERVAL_MS = 1000;

export class ModelViews {
  #weightsStale = true;
  #galleryStale = true;
  #galleryVisible = false; // the gallery is on screen (or nearly)
  #app;
  #gallery = null;
  #weightsBusy = false;
  #galleryBusy = false;
  #weightsAt = -Infinity; // when the weights were last fetched
  #weightsTimer = 0;

  constructor(app) {
    this.#app = app;
  }

  setup() {
    this.#gallery = new Gallery({
      grid: $('gallery'),
      more: $('gallery-more'),
      count: $('gallery-count'),
      detail: $('gallery-detail'),
      onAnnounce: (text) => this.#app.notices.announce(text),
    });
    for (const r of document.querySelectorAll('input[name="gallery-filter"]')) {
      r.addEventListener('change', () => this.#gallery.setFilter(r.value));
    }
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
      const w = await client.request(ToWorker.GET_WEIGHTS, { layer: 0 });
      const { rows, cols } = data.info;
      const shown = renderWeights($('weights'), w, rows, cols, MAX_UNITS);
      $('weights').setAttribute('aria-label', `${shown} hidden units’ weight images`);
      $('weights-note').textContent = shown < w.rows ? `Showing ${shown} of ${w.rows} units.` : `${w.rows} units.`;
    } catch {
      this.#weightsStale = true;
    } finally {
      this.#weightsBusy = false;
    }
  }

  async refreshGallery() {
    const { controls, client } = this.#app;
    const gallery = this.#gallery;
    if (controls.trainer && !gallery.data) {
      $('gallery-count').textContent = this.#galleryVisible ? 'Classifying the test set…' : 'The test digits load when this section is on screen.';
    }
    if (!controls.trainer || this.#galleryBusy || !this.#galleryStale || !this.#galleryVisible) return;
    this.#galleryBusy = true;
    this.#galleryStale = false;
    try {
      const m = await client.request(ToWorker.PREDICT_TEST_SET, { withImages: !gallery.images });
      gallery.setData(m);
    } catch {
      this.#galleryStale = true;
    } finally {
      this.#galleryBusy = false;
    }
  }
}
