// When the training worker is lost (it failed, said `fatal`, or the watchdog
// found it silent): a new worker is started at once, the data it was
// training on loaded again (the user's own files included) and the last
// checkpoint restored (runs/persistence.js); then the page says what
// happened and how much was lost (the batches since that checkpoint). More
// than MAX_RESTARTS losses within RESTART_WINDOW_MS stop the automatic
// restarts: the alert then offers a button.
import { State } from '../../shared/protocol.js';
import { $ } from '../ui/dom.js';

/**
 * @import { SessionStore } from './session_store.js'
 * @import { WorkerClient } from './worker_client.js'
 * @import { Notices } from '../ui/notices.js'
 */

export const MAX_RESTARTS = 3;
export const RESTART_WINDOW_MS = 60_000;

export class Recovery {
  /** The last recovery: { reason, restoredStep, lostBatches, at }, or null (for the tests and the console). */
  lastReport = null;
  #store;
  #client;
  #notices;
  #forget;
  #restarts = [];
  #pending = null;

  /**
   * @param {{ store: SessionStore, client: WorkerClient, notices: Notices, forget: () => void }} parts
   *   forget: what the page restores once a new worker has its data (the saved model, the queue) is due again
   */
  constructor({ store, client, notices, forget }) {
    this.#store = store;
    this.#client = client;
    this.#notices = notices;
    this.#forget = forget;
    $('alert-restart').addEventListener('click', () => this.restartNow());
  }

  /** The worker is lost; reason says how. */
  crashed(reason) {
    const store = this.#store;
    const notices = this.#notices;
    const progress = store.trainer?.progress ?? null;
    const wasTraining = store.train.state === State.RUNNING;
    store.workerLost();
    const now = performance.now();
    this.#restarts = this.#restarts.filter((t) => now - t < RESTART_WINDOW_MS);
    if (this.#restarts.length >= MAX_RESTARTS) {
      notices.showCrash(
        `${reason}; it stopped ${this.#restarts.length + 1} times within a minute, so it is not restarted by itself`,
      );
      store.setWorkerState('crashed');
      return;
    }
    this.#restarts.push(now);
    this.#pending = { reason, progress, wasTraining };
    notices.showAlert(
      `The training worker stopped (${reason}). A new one is starting, with your data and your last checkpoint…`,
    );
    store.setWorkerState('restarting');
    this.#restart();
  }

  /** The alert's button: a new worker now. */
  restartNow() {
    this.#notices.hideAlert();
    this.#pending ??= { reason: 'restarted by hand', progress: null, wasTraining: false };
    this.#restart();
  }

  #restart() {
    this.#forget();
    this.#client.restart();
  }

  /** The new worker has its data and the restore is done: restored is { progress } of the model, or null. */
  afterRestore(restored) {
    const pending = this.#pending;
    if (!pending) return;
    this.#pending = null;
    const notices = this.#notices;
    const before = pending.progress;
    let text = `The training worker stopped (${pending.reason}) and was replaced.`;
    let lostBatches = 0;
    if (restored) {
      const p = restored.progress;
      lostBatches = before ? Math.max(0, before.step - p.step) : 0;
      text +=
        ` Your model is back from its last checkpoint (epoch ${p.epoch}, batch ${p.batchInEpoch})` +
        (lostBatches > 0
          ? `; the ${lostBatches} batch${lostBatches === 1 ? '' : 'es'} trained after it were lost.`
          : '; nothing was lost.') +
        (pending.wasTraining ? ' Press Train to go on.' : '');
    } else if (before) {
      lostBatches = before.step;
      text += ` No checkpoint of your model had been saved, so its ${before.step} batch${before.step === 1 ? '' : 'es'} of training were lost.`;
    } else {
      text += ' Nothing was lost.';
    }
    this.lastReport = {
      reason: pending.reason,
      restoredStep: restored?.progress.step ?? null,
      lostBatches,
      at: Date.now(),
    };
    notices.showAlert(text);
    notices.announce(text);
  }
}
