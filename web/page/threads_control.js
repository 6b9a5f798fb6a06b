// The engine's threads, in the header: how many train, a choice of how many
// (1 up to what the engine has; it applies from the next batch and never
// changes the results), and, when the page is not cross-origin isolated, why
// it trains on one core. The choice is remembered in localStorage.
import { ToWorker } from '../shared/protocol.js';
import { $ } from './viz.js';

const KEY = 'mnist-mlp.threads';

export class ThreadsControl {
  #app;

  constructor(app) {
    this.#app = app;
    $('threads-select').addEventListener('change', () => this.#choose(Number($('threads-select').value)));
  }

  /** The worker's `ready`: applies the remembered choice if it differs. */
  engineReady({ threads }) {
    this.show(threads);
    const wanted = Number(globalThis.localStorage?.getItem(KEY));
    if (Number.isInteger(wanted) && wanted >= 1 && wanted !== threads.active && threads.available > 1)
      this.#choose(Math.min(wanted, threads.available), { remember: false });
  }

  /** threads: the protocol's Threads shape. */
  show({ threaded, available, active, reason }) {
    const select = $('threads-select');
    select.replaceChildren(
      ...Array.from({ length: available }, (_, i) => new Option(String(i + 1), String(i + 1), false, i + 1 === active)),
    );
    select.disabled = available <= 1;
    const badge = $('badge-threads');
    badge.dataset.kind = active > 1 ? 'ok' : '';
    badge.title = threaded
      ? `Training runs on ${active} of the ${available} threads this engine has (WebAssembly threads); the same seed gives the same weights on any count`
      : `Training runs on one thread: ${reason}`;
    $('threads-label').textContent = threaded ? 'Threads' : 'Threads (one core)';
    const note = $('threads-note');
    note.hidden = threaded;
    note.textContent = threaded ? '' : `One core: ${reason}. See the README on hosting the page cross-origin isolated.`;
  }

  async #choose(n, { remember = true } = {}) {
    try {
      const answer = await this.#app.client.request(ToWorker.SET_THREADS, { threads: n });
      this.show(answer.threads);
      if (remember) globalThis.localStorage?.setItem(KEY, String(answer.threads.active));
      this.#app.notices.announce(`Training on ${answer.threads.active} thread${answer.threads.active > 1 ? 's' : ''}`);
    } catch (err) {
      this.#app.notices.showAlert(`Could not change the threads: ${err.message}`);
    }
  }
}
