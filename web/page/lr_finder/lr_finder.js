// The learning-rate finder: a range test (the worker's `lrRangeTest`, on a
// fresh network of the form's settings; the live training is untouched)
// whose smoothed loss over η, pick and reason the Train view shows, and whose
// pick the form can take. The command asks the worker and puts what it
// found in the store (store.lrFinder, topic 'lrFinder'); the last result is
// kept in IndexedDB (runs/storage.js key-value 'lrFinder'), so a reload shows
// it again for the same settings. No DOM; the range test's defaults (start,
// end, batches) and the pick are the engine's.

/**
 * @import { SessionStore } from '../app/session_store.js'
 * @import { WorkerClient } from '../app/worker_client.js'
 * @import { RangeTestValue } from '../../shared/protocol.js'
 */
/**
 * A range test's result as the page keeps it: the settings it ran for (their key), and when.
 * @typedef {{ key: string, config: Record<string, any>, result: RangeTestValue, at: number }} LrFinding
 */
/**
 * What the store holds: the finder's state for the form's settings now.
 * @typedef {object} LrFinderState
 * @property {'idle' | 'running' | 'error'} status
 * @property {string | null} error why the last test failed (its settings' key is `errorKey`)
 * @property {string | null} errorKey
 * @property {LrFinding | null} last the last result, for whichever settings it ran
 */
/** @typedef {{ getKey(key: string): Promise<any>, setKey(key: string, value: any): Promise<void> }} KeyValue */

/** The IndexedDB key-value key of the last result. */
export const STORAGE_KEY = 'lrFinder';

/**
 * The settings a range test depends on, as a key: the config without η (the test sweeps η, so a
 * result still holds after the form takes its pick), its fields in a fixed order.
 * @param {Record<string, any>} config
 */
export function settingsKey(config) {
  const { learningRate: _, ...rest } = config;
  return JSON.stringify(
    Object.fromEntries(
      Object.keys(rest)
        .sort()
        .map((k) => [k, rest[k]]),
    ),
  );
}

/**
 * η as the form and the "Use η = …" button write it: the pick to two significant digits (the test's
 * resolution is far coarser).
 * @param {number} eta
 */
export function roundedEta(eta) {
  return Number(eta.toPrecision(2));
}

/**
 * The result's points for the chart and the table: η, the batch's loss and the smoothed loss (null where
 * not finite), and the index of the pick.
 * @param {RangeTestValue} result
 */
export function findingPoints(result) {
  const finite = (v) => (Number.isFinite(v) ? v : null);
  return {
    rates: Array.from(result.rates),
    losses: Array.from(result.losses, finite),
    smoothed: Array.from(result.smoothed, finite),
    pickIndex: result.pickIndex,
  };
}

/**
 * The loss axis of the chart: the smoothed curve's range with a margin of 5 % (the batch losses beyond it,
 * as the test blows up, are cut), or null without a finite value.
 * @param {(number | null)[]} smoothed
 * @returns {[number, number] | null}
 */
export function lossRange(smoothed) {
  const values = smoothed.filter((v) => v !== null && Number.isFinite(v));
  if (values.length === 0) return null;
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const margin = 0.05 * (hi - lo || Math.abs(hi) || 1);
  return [lo - margin, hi + margin];
}

export class LrFinder {
  #store;
  #client;
  #storage;
  #restored = false;

  /**
   * @param {{ store: SessionStore, client: Pick<WorkerClient, 'request'>, storage: KeyValue }} parts
   *   storage: where the last result is kept (runs/storage.js)
   */
  constructor({ store, client, storage }) {
    this.#store = store;
    this.#client = client;
    this.#storage = storage;
  }

  /** @returns {LrFinderState} */
  get state() {
    return this.#store.lrFinder;
  }

  /** Why the test cannot run now (null: it can): the form has errors, a queue trains, one runs already. */
  get blocked() {
    const store = this.#store;
    if (!store.engine) return 'Waiting for the engine…';
    if (store.data.status !== 'ready') return 'Waiting for the data…';
    if (store.train.lock) return 'Not while the experiments train.';
    if (this.state.status === 'running') return 'The range test is running…';
    if (!store.settings.config) return 'Fix the settings above first.';
    return null;
  }

  /** The last result, when it is for the form's settings now; else null. */
  get current() {
    const { config } = this.#store.settings;
    const last = this.state.last;
    return config && last && last.key === settingsKey(config) ? last : null;
  }

  /** The last result kept in this browser, once (a reload shows it again for the same settings). */
  async restoreOnce() {
    if (this.#restored) return;
    this.#restored = true;
    const saved = await this.#storage.getKey(STORAGE_KEY).catch(() => null);
    if (saved?.result && typeof saved.key === 'string' && !this.state.last) this.#set({ last: saved });
  }

  /**
   * Runs the range test for the form's settings (a fresh network of them); the store hears of its
   * progress and result. Resolves with the finding, or null when it failed or could not start (the
   * state says why).
   * @returns {Promise<LrFinding | null>}
   */
  async find() {
    if (this.state.status === 'running') return null;
    const blocked = this.blocked;
    const config = this.#store.settings.config;
    if (blocked || !config) {
      this.#set({ status: 'error', error: blocked, errorKey: config ? settingsKey(config) : null });
      return null;
    }
    const key = settingsKey(config);
    this.#set({ status: 'running', error: null, errorKey: null });
    try {
      const result = await this.#client.request('lrRangeTest', { config });
      /** @type {LrFinding} */
      const finding = { key, config, result, at: Date.now() };
      this.#set({ status: 'idle', last: finding });
      this.#storage.setKey(STORAGE_KEY, finding).catch(() => {}); // kept if the browser lets us
      return finding;
    } catch (err) {
      this.#set({ status: 'error', error: shortMessage(err), errorKey: key });
      return null;
    }
  }

  /** @param {Partial<LrFinderState>} change */
  #set(change) {
    this.#store.setLrFinder({ ...this.state, ...change });
  }
}

/**
 * A failure as one short sentence: the engine's message with its first letter up and a full stop.
 * @param {unknown} err
 */
export function shortMessage(err) {
  const text = String(/** @type {Error} */ (err)?.message ?? err).trim();
  const sentence = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}
