// The engine's threads, in the header: how many train, a choice of how many
// (1 up to what the engine has; it applies from the next batch and never
// changes the results), and, when the page is not cross-origin isolated, why
// it trains on one core. The choice is remembered in localStorage.
import { $ } from '../ui/dom.js';

/**
 * @import { SessionStore } from '../app/session_store.js'
 * @import { WorkerClient } from '../app/worker_client.js'
 * @import { Notices } from '../ui/notices.js'
 * @import { ThreadsValue } from '../../shared/protocol.js'
 */

const KEY = 'mnist-mlp.threads';

export class ThreadsView {
  #client;
  #notices;
  #appliedTo = null; // the engine (its schema, one per worker) the remembered choice was applied to

  /** @param {{ store: SessionStore, client: WorkerClient, notices: Notices }} parts */
  constructor({ store, client, notices }) {
    this.#client = client;
    this.#notices = notices;
    const select = $('threads-select', HTMLSelectElement);
    select.addEventListener('change', () => this.#choose(Number(select.value)));
    store.on('engine', () => {
      const { engine } = store;
      if (!engine) return;
      this.show(engine.threads);
      if (this.#appliedTo !== engine.schema) {
        this.#appliedTo = engine.schema;
        this.#applyRemembered(engine.threads);
      }
    });
  }

  /** A new worker: the remembered choice, if it differs. @param {ThreadsValue} threads */
  #applyRemembered(threads) {
    const wanted = Number(globalThis.localStorage?.getItem(KEY));
    if (Number.isInteger(wanted) && wanted >= 1 && wanted !== threads.active && threads.available > 1)
      this.#choose(Math.min(wanted, threads.available), { remember: false });
  }

  /** @param {ThreadsValue} threads */
  show({ threaded, available, active, reason }) {
    const select = $('threads-select', HTMLSelectElement);
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
      const threads = await this.#client.request('setThreads', { threads: n });
      if (remember) globalThis.localStorage?.setItem(KEY, String(threads.active));
      this.#notices.announce(`Training on ${threads.active} thread${threads.active > 1 ? 's' : ''}`);
    } catch (err) {
      this.#notices.showAlert(`Could not change the threads: ${err.message}`);
    }
  }
}
