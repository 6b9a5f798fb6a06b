// The engine badges in the header: whether the WebAssembly engine runs (or
// is starting, restarting, crashed) and whether it uses SIMD. (The threads
// badge is threads_view.js's.)
import { $ } from '../ui/dom.js';

/** @import { SessionStore } from '../app/session_store.js' */

const ENGINE_TEXT = {
  starting: ['Engine: starting…', ''],
  ready: ['Engine: WebAssembly', 'ok'],
  restarting: ['Engine: restarting…', 'bad'],
  crashed: ['Engine: crashed', 'bad'],
};

export class EngineStatusView {
  #store;

  /** @param {{ store: SessionStore }} parts */
  constructor({ store }) {
    this.#store = store;
    store.on('engine', () => this.draw());
    this.draw();
  }

  draw() {
    const { worker, engine } = this.#store;
    const [text, kind] = ENGINE_TEXT[worker];
    badge('badge-engine', text, kind);
    const simd = engine?.simd;
    badge('badge-simd', `SIMD: ${engine ? (simd ? 'yes' : 'no') : '–'}`, simd ? 'ok' : '');
    $('badge-simd').title = simd
      ? 'The engine uses WebAssembly SIMD (128-bit vectors)'
      : 'Built without WebAssembly SIMD';
  }
}

function badge(id, text, kind) {
  const b = $(id);
  b.textContent = text;
  b.dataset.kind = kind;
}
