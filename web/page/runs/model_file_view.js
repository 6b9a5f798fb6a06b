// The model as a file: Download (.safetensors) and Load a model…, and the
// line that says what the last save, restore or load of the model did.
import { $ } from '../ui/dom.js';
import { download } from '../ui/download.js';

/**
 * @import { SessionStore } from '../app/session_store.js'
 * @import { Persistence } from './persistence.js'
 * @import { Notices } from '../ui/notices.js'
 */

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
    const input = $('model-file', HTMLInputElement);
    input.addEventListener('change', () => this.#load(input));
    store.on('saving', () => this.#showSaving());
    store.on('trainer', () => {
      $('btn-download', HTMLButtonElement).disabled = !store.trainer;
    });
    $('btn-download', HTMLButtonElement).disabled = true;
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
