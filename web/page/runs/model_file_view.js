// The model as a file: Download (.safetensors), Download .onnx and Load a
// model…, and the line that says what the last save, restore or load of the
// model did.
import { $, el } from '../ui/dom.js';

/**
 * @import { SessionStore } from '../app/session_store.js'
 * @import { Persistence } from './persistence.js'
 * @import { Notices } from '../ui/notices.js'
 */

/** Offers `blob` as a download called `name`. */
export function download(name, blob) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export class ModelFileView {
  #store;
  #persistence;
  #notices;

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
    if (!file) return;
    try {
      await this.#persistence.loadModelFile(file);
    } catch (err) {
      $('model-error').textContent = `Could not load ${file.name}: ${err.message}`;
      this.#notices.announce(`Could not load the model: ${err.message}`);
    } finally {
      input.value = '';
    }
  }
}
