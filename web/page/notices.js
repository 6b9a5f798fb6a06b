// What the page tells the user outside the panels: the alert bar, the
// screen-reader announcer, and the engine badges in the header.
import { $ } from './viz.js';

export const cap = (s) => (s ? s[0].toUpperCase() + s.slice(1) : s);

export class Notices {
  #announceClear = 0;

  showAlert(text, { restart = false } = {}) {
    $('alert-text').textContent = text;
    $('alert-restart').hidden = !restart;
    $('alert').hidden = false;
  }

  hideAlert() {
    $('alert').hidden = true;
  }

  /** Says text to screen readers (a polite live region, cleared after 8 s). */
  announce(text) {
    const a = $('announcer');
    a.textContent = text;
    clearTimeout(this.#announceClear);
    this.#announceClear = setTimeout(() => {
      a.textContent = '';
    }, 8000);
  }

  setBadge(id, text, kind = '') {
    const b = $(id);
    b.textContent = text;
    b.dataset.kind = kind;
  }

  /** The worker's `ready`: what the engine runs with. */
  showEngine({ simd }) {
    this.setBadge('badge-engine', 'Engine: WebAssembly', 'ok');
    this.setBadge('badge-simd', `SIMD: ${simd ? 'yes' : 'no'}`, simd ? 'ok' : '');
    $('badge-simd').title = simd
      ? 'The engine uses WebAssembly SIMD (128-bit vectors)'
      : 'Built without WebAssembly SIMD';
    // The threads badge is threads_control.js's.
  }

  showCrash(message) {
    this.showAlert(
      `The training worker crashed: ${message}. Your last checkpoint is kept; restart the worker to go on.`,
      { restart: true },
    );
    this.setBadge('badge-engine', 'Engine: crashed', 'bad');
  }

  /** An `error` that answers no request. */
  showError({ scope, message }) {
    this.showAlert(scope === 'engine' ? message : `${cap(scope)} error: ${message}`);
  }
}
