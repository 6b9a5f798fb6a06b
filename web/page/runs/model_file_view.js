// The model as a file: Download (.safetensors), Download .onnx and Load a
// model…, and the line that says what the last save, restore or load of the
// model did. A file is inspected before it is loaded: ours loads at once; a
// PyTorch state_dict opens a small form that asks what the file does not say
// (the hidden activation, the output and loss: ReLU and softmax +
// cross-entropy unless told otherwise), with its layers, dtype and tensor
// names shown; Load imports it as a new run, Cancel leaves everything as it was.
import { choiceLabel } from '../settings/settings.js';
import { $, el } from '../ui/dom.js';
import { download } from '../ui/download.js';
import { count } from '../ui/format.js';

/**
 * @import { SessionStore } from '../app/session_store.js'
 * @import { Persistence } from './persistence.js'
 * @import { Notices } from '../ui/notices.js'
 * @import { ModelFileInfoValue } from '../../shared/protocol.js'
 */

export class ModelFileView {
  #store;
  #persistence;
  #notices;
  /** @type {{ bytes: ArrayBuffer, name: string, info: ModelFileInfoValue } | null} the PyTorch file the form asks about */
  #foreign = null;
  #form = $('foreign-form', HTMLFormElement);

  /** @param {{ store: SessionStore, persistence: Persistence, notices: Notices }} parts */
  constructor({ store, persistence, notices }) {
    this.#store = store;
    this.#persistence = persistence;
    this.#notices = notices;
    $('btn-download').addEventListener('click', () => this.#download());
    $('btn-download-onnx').addEventListener('click', () => this.#downloadOnnx());
    const input = $('model-file', HTMLInputElement);
    input.addEventListener('change', () => this.#load(input));
    store.on('saving', () => this.#showSaving());
    store.on('trainer', () => {
      $('btn-download', HTMLButtonElement).disabled = !store.trainer;
      $('btn-download-onnx', HTMLButtonElement).disabled = !store.trainer;
    });
    $('btn-download', HTMLButtonElement).disabled = true;
    $('btn-download-onnx', HTMLButtonElement).disabled = true;
    this.#form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.#import();
    });
    $('foreign-cancel').addEventListener('click', () => this.#closeForeign('cancelled'));
    this.#form.addEventListener('keydown', (e) => e.key === 'Escape' && this.#closeForeign('cancelled'));
    store.on('engine', () => this.#fillChoices());
    this.#fillChoices();
  }

  /** The form's choices are the engine's (its schema's activation and loss fields). */
  #fillChoices() {
    const schema = this.#store.engine?.schema;
    if (!schema) return;
    for (const name of ['activation', 'loss']) {
      const field = schema.find((f) => f.jsName === name);
      const select = $(`foreign-${name}`, HTMLSelectElement);
      if (field?.kind !== 'choice' || select.options.length) continue;
      select.replaceChildren(...field.choices.map((value) => el('option', { value, text: choiceLabel(value) })));
    }
  }

  #showSaving() {
    const s = this.#store.saving;
    if (!s) return;
    if (s.kind === 'error' && /could not be restored/.test(s.text)) $('model-error').textContent = s.text;
    else $('model-status').textContent = s.text;
  }

  async #download() {
    try {
      const { name, bytes } = await this.#persistence.modelFile();
      download(name, new Blob([bytes], { type: 'application/octet-stream' }));
      $('model-status').textContent = `Downloaded ${name} (${(bytes.byteLength / 1024).toFixed(0)} KB).`;
    } catch (err) {
      $('model-error').textContent = `Could not save the model: ${err.message}`;
    }
  }

  async #downloadOnnx() {
    $('model-error').textContent = '';
    try {
      const { name, bytes } = await this.#persistence.onnxFile();
      download(name, new Blob([bytes], { type: 'application/octet-stream' }));
      $('model-status').textContent = `Downloaded ${name} (${(bytes.byteLength / 1024).toFixed(0)} KB, ONNX).`;
    } catch (err) {
      $('model-error').textContent = `Could not export the model as ONNX: ${err.message}`;
    }
  }

  /** @param {HTMLInputElement} input */
  async #load(input) {
    const file = input.files[0];
    $('model-error').textContent = '';
    this.#closeForeign();
    if (!file) return;
    try {
      const { bytes, info } = await this.#persistence.inspectModelFile(file);
      if (info.kind === 'pytorch') this.#askForeign(bytes, file.name, info);
      else await this.#persistence.loadModelBytes(bytes, file.name);
    } catch (err) {
      $('model-error').textContent = `Could not load ${file.name}: ${err.message}`;
      this.#notices.announce(`Could not load the model: ${err.message}`);
    } finally {
      input.value = '';
    }
  }

  /**
   * Shows the form for a PyTorch file: what it holds, and the choices it does not make (the engine's
   * defaults for an import selected).
   * @param {ArrayBuffer} bytes
   * @param {string} name
   * @param {ModelFileInfoValue} info
   */
  #askForeign(bytes, name, info) {
    this.#foreign = { bytes, name, info };
    const layers = info.layers.length - 1;
    const tensors = info.layerNames.map((n) => `${n}.weight/.bias`).join(', ');
    $('foreign-about').textContent =
      `${name}: a PyTorch state_dict of ${layers} linear layer${layers === 1 ? '' : 's'}, ` +
      `${info.layers.join('-')} (${count(info.parameters)} parameters), ${info.dtype}; tensors ${tensors}.`;
    // A network without a hidden layer has no hidden activation to choose.
    $('foreign-activation-field').hidden = layers < 2;
    $('foreign-activation', HTMLSelectElement).value = info.config.activation;
    $('foreign-loss', HTMLSelectElement).value = info.config.loss;
    this.#form.hidden = false;
    $(layers < 2 ? 'foreign-loss' : 'foreign-activation').focus();
    this.#notices.announce(`${name} is a PyTorch model: choose its activation and output, then Load.`);
  }

  /** Hides the form (reason 'cancelled': said, and the focus back on Load a model…). */
  #closeForeign(reason = null) {
    if (this.#form.hidden) return;
    const name = this.#foreign?.name;
    this.#foreign = null;
    this.#form.hidden = true;
    if (reason === 'cancelled') {
      $('model-status').textContent = `${name} was not imported.`;
      $('model-file').focus();
    }
  }

  async #import() {
    const foreign = this.#foreign;
    if (!foreign) return;
    const { bytes, name, info } = foreign;
    const options = { loss: $('foreign-loss', HTMLSelectElement).value };
    if (info.layers.length > 2) options.activation = $('foreign-activation', HTMLSelectElement).value;
    $('model-error').textContent = '';
    const load = /** @type {HTMLButtonElement} */ (this.#form.querySelector('button[type="submit"]'));
    load.disabled = true; // one import at a time
    try {
      await this.#persistence.importModel(bytes, name, options);
      this.#closeForeign();
      $('model-file').focus();
    } catch (err) {
      $('model-error').textContent = `Could not import ${name}: ${err.message}`;
      this.#notices.announce(`Could not import the model: ${err.message}`);
    } finally {
      load.disabled = false;
    }
  }
}
