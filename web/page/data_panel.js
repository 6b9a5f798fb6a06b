// The data panel: asks the worker for MNIST and shows the download's
// progress, loads the user's own IDX files, and knows the loaded data's
// sizes (which the form's validation and the drawing pad follow).
import { MNIST_FILES } from '../shared/mnist_files.js';
import { State, ToWorker } from '../shared/protocol.js';
import { $ } from './viz.js';

const mb = (x) => (x / 1e6).toFixed(1);
const n = (x) => x.toLocaleString('en');

export class DataPanel {
  /** The worker's data: { train, validation, test, rows, cols }, or null until loaded. */
  info = null;
  source = 'MNIST';
  #app;

  constructor(app) {
    this.#app = app;
  }

  setup() {
    $('idx-form').addEventListener('submit', (e) => this.#loadOwnIdx(e));
    $('idx-mnist').addEventListener('click', () => {
      $('idx-error').textContent = '';
      this.loadMnist();
    });
  }

  /** The sizes the form validates against (MNIST's until data is loaded). */
  dims() {
    const i = this.info ?? { rows: 28, cols: 28, train: Infinity };
    return { inputSize: i.rows * i.cols, classes: 10, trainSize: i.train };
  }

  imageSize() {
    return this.info ? { rows: this.info.rows, cols: this.info.cols } : { rows: 28, cols: 28 };
  }

  loadMnist() {
    document.body.dataset.dataState = 'loading';
    $('data-status').textContent = 'Downloading MNIST…';
    this.#app.client.send(ToWorker.LOAD_MNIST);
  }

  /** The worker restarts: its data is gone. */
  forget() {
    this.info = null;
    document.body.dataset.dataState = 'loading';
  }

  /** dataProgress from the worker. */
  showProgress(m) {
    const bar = $('data-progress');
    bar.max = m.total;
    bar.value = m.loaded;
    $('data-status').textContent = m.cached
      ? `Reading MNIST from this browser’s cache… ${mb(m.loaded)} / ${mb(m.total)} MB`
      : `Downloading MNIST… ${mb(m.loaded)} / ${mb(m.total)} MB`;
  }

  showError(message) {
    document.body.dataset.dataState = 'error';
    $('data-status').textContent = `Could not load the data: ${message}`;
  }

  /** dataReady from the worker (MNIST, or the answer to loadIdx). */
  async ready(m) {
    const app = this.#app;
    this.info = m.info;
    this.source = m.source;
    const i = m.info;
    const bar = $('data-progress');
    bar.max = 1;
    bar.value = 1;
    $('data-status').textContent =
      `${m.source}: ${n(i.train)} training, ${n(i.validation)} validation, ${n(i.test)} test images of ${i.rows}×${i.cols}` +
      (m.cached ? ' (from this browser’s cache).' : '.');
    document.body.dataset.dataState = 'ready';
    // Other image sizes: the network's input follows the data.
    app.form.fitInputSize(i.rows * i.cols);
    app.form.refresh();
    await app.persistence.restoreOnce();
    app.controls.update();
  }

  async #loadOwnIdx(event) {
    event.preventDefault();
    const app = this.#app;
    const form = $('idx-form');
    const error = $('idx-error');
    error.textContent = '';
    const payload = {};
    for (const { role, label } of MNIST_FILES) {
      const file = form.elements[role].files[0];
      if (!file) {
        error.textContent = `Choose a file for “${label}”.`;
        form.elements[role].focus();
        return;
      }
      payload[role] = await file.arrayBuffer();
    }
    const validation = Number(form.elements.validation.value);
    if (!Number.isInteger(validation) || validation < 0) {
      error.textContent = 'The validation count must be a whole number ≥ 0.';
      return;
    }
    payload.validation = validation;
    try {
      if (app.controls.state === State.RUNNING) app.controls.pause();
      const m = await app.client.request(ToWorker.LOAD_IDX, payload);
      this.ready(m);
      app.notices.announce(`Loaded your files: ${m.info.train} training and ${m.info.test} test images.`);
    } catch (err) {
      error.textContent = err.message;
    }
  }
}
