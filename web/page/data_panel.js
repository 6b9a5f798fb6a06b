// The data panel: asks the worker for MNIST and shows the download's
// progress, loads the user's own IDX files, and knows the loaded data's
// sizes (which the form's validation and the drawing pad follow) and which
// data it is (`ref`, stored with every checkpoint). The user's files are
// checked before they are read (upload_checks.js) and kept in memory and in
// IndexedDB, so that a new worker or a reload trains on them again.
//
// A DataRef: { kind: 'mnist', id: the manifest's dataset name } or
//            { kind: 'idx', id, names: { [role]: file name }, validation }.
import { MNIST_FILES } from '../shared/mnist_files.js';
import { State, ToWorker } from '../shared/protocol.js';
import * as storage from './storage.js';
import { readIdxSet } from './upload_checks.js';
import { $ } from './viz.js';

/** The same data? (a model saved on one is only restored on it) */
export const sameData = (a, b) => Boolean(a && b && a.kind === b.kind && a.id === b.id);
const describeRef = (ref) =>
  ref?.kind === 'idx' ? `your IDX files (${Object.values(ref.names ?? {}).join(', ')})` : (ref?.id ?? 'MNIST');

const mb = (x) => (x / 1e6).toFixed(1);
const n = (x) => x.toLocaleString('en');

export class DataPanel {
  /** The worker's data: { train, validation, test, rows, cols }, or null until loaded. */
  info = null;
  source = 'MNIST';
  /** The DataRef of the loaded data, or null. */
  ref = null;
  #app;
  // The user's files now in use, for a new worker: { ref, files: { [role]: Blob }, validation }.
  #userData = null;

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

  /**
   * The worker is ready: load the data the saved model belongs to (wanted: its DataRef) — the user's
   * files from memory (after a crash) or IndexedDB (after a reload) — or MNIST.
   */
  async loadInitial(wanted) {
    if (wanted?.kind === 'idx') {
      let user = sameData(this.#userData?.ref, wanted) ? this.#userData : null;
      if (!user) user = await storage.getKey('userData').catch(() => null);
      if (sameData(user?.ref, wanted)) {
        try {
          await this.#loadUserData(user, { restoring: true });
          return;
        } catch (err) {
          $('idx-error').textContent = `Your files could not be loaded again: ${err.message}`;
        }
      } else {
        $('idx-error').textContent =
          `Your saved model was trained on ${describeRef(wanted)}, which this browser did not keep: load them again here to go on with it.`;
        $('own-data').open = true;
      }
    }
    this.loadMnist();
  }

  loadMnist() {
    this.#userData = null;
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
    this.ref = this.#userData ? this.#userData.ref : { kind: 'mnist', id: m.source };
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
    app.recovery.afterRestore(await app.persistence.restoreOnce());
    app.controls.update();
  }

  async #loadOwnIdx(event) {
    event.preventDefault();
    const form = $('idx-form');
    const error = $('idx-error');
    error.textContent = '';
    const files = {};
    for (const { role, label } of MNIST_FILES) {
      const file = form.elements[role].files[0];
      if (!file) {
        error.textContent = `Choose a file for “${label}”.`;
        form.elements[role].focus();
        return;
      }
      files[role] = file;
    }
    const validation = Number(form.elements.validation.value);
    if (!Number.isInteger(validation) || validation < 0) {
      error.textContent = 'The validation count must be a whole number ≥ 0.';
      return;
    }
    const names = Object.fromEntries(Object.entries(files).map(([role, f]) => [role, f.name]));
    const ref = { kind: 'idx', id: `idx-${Date.now()}-${Math.floor(Math.random() * 1e6)}`, names, validation };
    try {
      const m = await this.#loadUserData({ ref, files, validation });
      this.#app.notices.announce(`Loaded your files: ${m.info.train} training and ${m.info.test} test images.`);
      // Kept for a reload; without room the page still trains on them, it says so.
      storage.setKey('userData', { ref, files, validation }).catch((err) => {
        error.textContent = `Loaded, but this browser could not keep the files for a reload: ${err.message}.`;
      });
    } catch (err) {
      error.textContent = err.message;
      this.#app.notices.announce(`Your files were not loaded: ${err.message}`);
    }
  }

  // Checks and reads the files (upload_checks.js), then has the worker load them. Throws what is wrong.
  async #loadUserData(user, { restoring = false } = {}) {
    const app = this.#app;
    const label = (role) =>
      `${MNIST_FILES.find((f) => f.role === role).label} (${user.files[role].name ?? user.ref.names?.[role] ?? role})`;
    const raw = await readIdxSet(
      Object.fromEntries(Object.entries(user.files).map(([role, file]) => [role, { file, label: label(role) }])),
    );
    if (!restoring && app.controls.state === State.RUNNING) app.controls.pause();
    if (restoring) {
      document.body.dataset.dataState = 'loading';
      $('data-status').textContent = `Loading ${describeRef(user.ref)} again…`;
    }
    const payload = { validation: user.validation };
    for (const [role, bytes] of Object.entries(raw)) payload[role] = bytes.buffer;
    const previous = this.#userData;
    this.#userData = user;
    try {
      const m = await app.client.request(ToWorker.LOAD_IDX, payload);
      await this.ready(m);
      return m;
    } catch (err) {
      this.#userData = previous;
      throw err;
    }
  }
}
