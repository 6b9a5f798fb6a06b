// The data panel: MNIST's download progress and the loaded data's sizes,
// and the forms for the user's own data (data_source.js loads them): four IDX
// files, a CSV in Kaggle's MNIST layout, or a zip of image folders, one form
// shown at a time (the Format choice). What a CSV or zip load kept and
// skipped, with its first problems by line or path, is said beside its form.
import { MNIST_FILES } from '../../shared/mnist_files.js';
import { applyRange } from '../settings/field_input.js';
import { $, el } from '../ui/dom.js';
import { count } from '../ui/format.js';

/**
 * @import { SessionStore } from '../app/session_store.js'
 * @import { DataSource } from './data_source.js'
 * @import { Notices } from '../ui/notices.js'
 * @import { DataReportValue } from '../../shared/protocol.js'
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
      for (const id of ['idx-error', 'csv-error', 'zip-error', 'csv-status', 'zip-status']) $(id).textContent = '';
      source.loadMnist();
    });
    for (const r of document.querySelectorAll('input[name="own-format"]'))
      r.addEventListener('change', () => this.#showFormat(/** @type {HTMLInputElement} */ (r).value));
    for (const kind of /** @type {const} */ (['csv', 'zip']))
      $(`${kind}-form`, HTMLFormElement).addEventListener('submit', (e) => {
        e.preventDefault();
        this.#loadConverted(kind);
      });
    store.on('data', () => this.draw());
    store.on('engine', () => this.#useEngine());
    this.draw();
  }

  /** Shows the form of one format ('idx', 'csv', 'zip'). */
  #showFormat(kind) {
    for (const k of ['idx', 'csv', 'zip']) $(`${k}-form`).hidden = k !== kind;
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
      const classes = data.classNames ? ` in ${data.classNames.length} classes (${data.classNames.join(', ')})` : '';
      status.textContent =
        `${data.source}: ${count(i.train)} training, ${count(i.validation)} validation, ${count(i.test)} test images of ${i.rows}×${i.cols}${classes}` +
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

  /**
   * The CSV or zip form: its files and shares checked here, then loaded (the worker converts them); what
   * was kept and skipped is said under the form, bad files next to it.
   * @param {'csv' | 'zip'} kind
   */
  async #loadConverted(kind) {
    const form = $(`${kind}-form`, HTMLFormElement);
    const error = $(`${kind}-error`);
    const status = $(`${kind}-status`);
    error.textContent = '';
    status.textContent = '';
    const input = (name) => /** @type {HTMLInputElement} */ (form.elements.namedItem(name));
    const first = kind === 'csv' ? 'train' : 'zip';
    const file = input(first).files[0];
    if (!file) {
      error.textContent = kind === 'csv' ? 'Choose a training CSV file.' : 'Choose a zip file.';
      input(first).focus();
      return;
    }
    const shares = {};
    /** @type {[string, number, string][]} */
    const fields = [
      ['testShare', 1, 'testing'],
      ['validationShare', 0, 'validation'],
    ];
    for (const [name, min, what] of fields) {
      const value = Number(input(name).value);
      if (!(value >= min && value <= 90)) {
        error.textContent = `The share held out for ${what} must be a number from ${min} to 90 (%).`;
        input(name).focus();
        return;
      }
      shares[name] = value / 100;
    }
    const button = /** @type {HTMLButtonElement} */ (form.querySelector('button[type="submit"]'));
    button.disabled = true;
    status.textContent = kind === 'zip' ? `Converting the images of ${file.name}…` : `Reading ${file.name}…`;
    try {
      const { report, note } =
        kind === 'csv'
          ? await this.#source.loadCsv(
              { train: file, ...(input('test').files[0] ? { test: input('test').files[0] } : {}) },
              /** @type {any} */ (shares),
            )
          : await this.#source.loadZip(file, /** @type {any} */ (shares));
      this.#showReport(status, report);
      this.#notices.announce(status.textContent);
      if (note) error.textContent = note;
    } catch (err) {
      status.textContent = '';
      error.textContent = err.message;
      this.#notices.announce(`Your data was not loaded: ${err.message}`);
    } finally {
      button.disabled = false;
    }
  }

  /**
   * What a load kept and skipped, and its first problems as a list.
   * @param {HTMLElement} box
   * @param {DataReportValue} r
   */
  #showReport(box, r) {
    const classes = r.classNames ? ` in ${r.classNames.length} classes (${r.classNames.join(', ')})` : '';
    const kept = `Loaded ${count(r.train)} training, ${count(r.validation)} validation and ${count(r.test)} test images${classes}.`;
    if (!r.skipped) {
      box.replaceChildren(kept);
      return;
    }
    const listed = r.problems.length < r.skipped ? ` The first ${r.problems.length}:` : '';
    box.replaceChildren(
      `${kept} ${count(r.skipped)} skipped.${listed}`,
      el('ul', { class: 'own-problems' }, ...r.problems.map((p) => el('li', { text: p }))),
    );
  }
}
