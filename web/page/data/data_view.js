// The data panel: MNIST's download progress and the loaded data's sizes,
// and the form for the user's own IDX files (data_source.js loads them).
import { MNIST_FILES } from '../../shared/mnist_files.js';
import { applyRange } from '../settings/field_input.js';
import { $ } from '../ui/dom.js';
import { count } from '../ui/format.js';

/**
 * @import { SessionStore } from '../app/session_store.js'
 * @import { DataSource } from './data_source.js'
 * @import { Notices } from '../ui/notices.js'
 */

const mb = (x) => (x / 1e6).toFixed(1);

export class DataView {
  #store;
  #source;
  #notices;
  #form = $('idx-form', HTMLFormElement);

  /** @param {{ store: SessionStore, source: DataSource, notices: Notices }} parts */
  constructor({ store, source, notices }) {
    this.#store = store;
    this.#source = source;
    this.#notices = notices;
    this.#form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.#loadOwn();
    });
    $('idx-mnist').addEventListener('click', () => {
      $('idx-error').textContent = '';
      source.loadMnist();
    });
    store.on('data', () => this.draw());
    store.on('engine', () => this.#useEngine());
    this.draw();
  }

  /** The number of validation images held out of the user's files: the engine's default and range. */
  #useEngine() {
    const input = /** @type {HTMLInputElement} */ (this.#form.elements.namedItem('validation'));
    const held = this.#store.engine?.constants.validationImages;
    if (held === undefined) return;
    applyRange(input, { kind: 'integer', min: 0 });
    if (!input.value) input.value = String(held);
  }

  /** A problem with the data a saved model was trained on (data_source.js loadInitial). */
  showRestoreProblem(text) {
    $('idx-error').textContent = text;
    $('own-data', HTMLDetailsElement).open = true;
  }

  draw() {
    const { data } = this.#store;
    document.body.dataset.dataState = data.status;
    const bar = $('data-progress', HTMLProgressElement);
    const status = $('data-status');
    if (data.status === 'error') {
      status.textContent = `Could not load the data: ${data.error}`;
    } else if (data.status === 'loading') {
      const p = data.progress;
      if (p) {
        bar.max = p.total;
        bar.value = p.loaded;
        status.textContent = p.cached
          ? `Reading MNIST from this browser’s cache… ${mb(p.loaded)} / ${mb(p.total)} MB`
          : `Downloading MNIST… ${mb(p.loaded)} / ${mb(p.total)} MB`;
      } else {
        status.textContent = this.#store.engine ? 'Loading the data…' : 'Waiting for the engine…';
      }
    } else {
      const i = data.info;
      bar.max = 1;
      bar.value = 1;
      status.textContent =
        `${data.source}: ${count(i.train)} training, ${count(i.validation)} validation, ${count(i.test)} test images of ${i.rows}×${i.cols}` +
        (data.cached ? ' (from this browser’s cache).' : '.');
    }
  }

  async #loadOwn() {
    const error = $('idx-error');
    error.textContent = '';
    const files = {};
    for (const { role, label } of MNIST_FILES) {
      const input = /** @type {HTMLInputElement} */ (this.#form.elements.namedItem(role));
      const file = input.files[0];
      if (!file) {
        error.textContent = `Choose a file for “${label}”.`;
        input.focus();
        return;
      }
      files[role] = file;
    }
    const validation = Number(/** @type {HTMLInputElement} */ (this.#form.elements.namedItem('validation')).value);
    if (!Number.isInteger(validation) || validation < 0) {
      error.textContent = 'The validation count must be a whole number ≥ 0.';
      return;
    }
    try {
      const note = await this.#source.loadFiles(files, validation);
      const i = this.#store.data.info;
      this.#notices.announce(`Loaded your files: ${i.train} training and ${i.test} test images.`);
      if (note) error.textContent = note;
    } catch (err) {
      error.textContent = err.message;
      this.#notices.announce(`Your files were not loaded: ${err.message}`);
    }
  }
}
