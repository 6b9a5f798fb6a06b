// The report's experiments as a queue of runs the worker trains one after
// another (web/worker/experiment_queue.js): start, pause, resume, cancel,
// and the queue's record in the store (store.queue) and in IndexedDB
// (experiment_store.js), so that a reload resumes it from the current run's
// last saved checkpoint (the model the page saved: runs/persistence.js).
// Each run of the queue is a run record of the history marked
// run.experiment, which the figures and the numbers table read. While the
// queue is active it owns the trainer: the training controls are locked.
import * as queueStore from './experiment_store.js';
import { planQueue } from './experiment_plan.js';
import * as storage from '../runs/storage.js';

/**
 * @import { SessionStore } from '../app/session_store.js'
 * @import { WorkerClient } from '../app/worker_client.js'
 * @import { Notices } from '../ui/notices.js'
 * @import { EventOf } from '../../shared/protocol.js'
 */
/** @typedef {{ show(config: Record<string, any>, options?: { epochs?: number | string }): void }} SettingsPort */

/** What the worker trains of a queue's item: its config, epochs, evaluation and options (dynamicsEvery, lrFind). */
const workerItem = ({ config, epochs, evaluate, options }) =>
  options ? { config, epochs, evaluate, options } : { config, epochs, evaluate };

export const LOCK = 'The report’s experiments are training: pause, resume or cancel them in the Experiments view.';

export class Experiments {
  /** @type {{ queueId: string, index: number, progress: any } | null} the last checkpoint of the queue stored */
  lastSaved = null;
  #store;
  #client;
  #notices;
  #settings;
  #restored = false;
  /** A note for the view: what happened to the queue that the plan does not say (resumed, cancelled because). */
  note = '';

  /**
   * @param {{ store: SessionStore, client: WorkerClient, notices: Notices, settings: SettingsPort }} parts
   *   settings: the form, which shows the settings of the queue's current run
   */
  constructor({ store, client, notices, settings }) {
    this.#store = store;
    this.#client = client;
    this.#notices = notices;
    this.#settings = settings;
    store.on('queue', (m) => m && this.#onQueue(m));
    store.on('saving', () => this.#checkpointSaved());
  }

  /** True while the queue trains or is paused. */
  get active() {
    const state = this.#store.queue?.state;
    return state === 'running' || state === 'paused';
  }

  /** The worker restarts: restore the queue again once its data is loaded. */
  forget() {
    this.#restored = false;
  }

  /**
   * The queue a choice of the form describes: { items } or { error }.
   * @param {{ experiment: string, readings: string[], epochs: number, evaluation: string, seeds?: number }} choices
   */
  plan(choices) {
    const { engine } = this.#store;
    if (!engine || engine.presets.length === 0) return { error: 'Waiting for the engine…' };
    try {
      const items = planQueue({ ...choices, schema: engine.schema, presets: engine.presets, dims: this.#store.dims });
      return { ...choices, items };
    } catch (err) {
      return { error: /** @type {Error} */ (err).message };
    }
  }

  /**
   * Queues an experiment in the worker (in place of the current training). Throws why it cannot start.
   * @param {{ experiment: string, readings: string[], epochs: number, evaluation: string, seeds?: number }} choices
   */
  async run(choices) {
    const store = this.#store;
    if (store.data.status !== 'ready' || this.active) return;
    const plan = this.plan(choices);
    if ('error' in plan) throw new Error(plan.error);
    if (store.active) this.#client.send('stop');
    const queue = {
      id: `queue-${Date.now()}-${Math.floor(Math.random() * 1e6)}`,
      experiment: plan.experiment,
      readings: plan.readings,
      epochs: plan.epochs,
      evaluation: plan.evaluation,
      seeds: plan.seeds ?? 1,
      createdAt: Date.now(),
      state: 'running',
      index: 0,
      items: plan.items.map((i) => ({ ...i, runId: null, status: 'queued' })),
    };
    this.note = '';
    this.#changed(queue);
    try {
      await this.#client.request('queueStart', {
        queueId: queue.id,
        items: queue.items.map(workerItem),
      });
      this.#notices.announce(`Training ${queue.items.length} runs of the report, one after another.`);
    } catch (err) {
      if (store.queue === queue) this.#changed({ ...queue, state: 'cancelled' });
      throw new Error(`Could not start: ${err.message}`, { cause: err });
    }
  }

  pause() {
    if (this.#store.queue?.state === 'running') this.#client.send('queuePause');
  }

  resume() {
    if (this.#store.queue?.state === 'paused') this.#client.send('queueResume');
  }

  cancel() {
    if (this.active) this.#client.send('queueCancel');
  }

  /** After the saved model is restored: the saved queue, resumed from its run's last checkpoint when it was not over. */
  async restoreOnce() {
    if (this.#restored) return;
    this.#restored = true;
    const saved = await queueStore.loadQueue();
    if (saved) this.#store.setQueue(saved);
    const q = this.#store.queue;
    this.#lockIfActive();
    if (!q || !this.active) return;
    // The model the page saved last is the queue's run's when that run is the one it is at.
    const model = await storage.getKey('model').catch(() => null);
    const item = q.items[q.index];
    const cp = model?.bytes && item.runId && model.runId === item.runId ? model : null;
    try {
      await this.#client.request('queueStart', {
        queueId: q.id,
        items: q.items.map(workerItem),
        start: q.index,
        checkpoint: cp ? cp.bytes.slice(0) : undefined,
        runMs: cp?.runMs,
        paused: q.state === 'paused',
      });
      const where = cp ? `from epoch ${cp.progress.epoch}, batch ${cp.progress.batchInEpoch}` : 'from its start';
      this.note = `Resumed after the reload: run ${q.index + 1} of ${q.items.length} ${where}.`;
      this.#notices.announce(`The report’s experiments resume: run ${q.index + 1} of ${q.items.length} ${where}.`);
      this.#store.setQueue({ ...q });
    } catch (err) {
      this.note = `Could not resume the experiments: ${err.message}`;
      this.#changed({ ...q, state: 'cancelled' });
    }
  }

  // ---- The worker's events ----------------------------------------------------------------

  /** @param {EventOf<'queue'>} m */
  #onQueue(m) {
    const old = this.#store.queue;
    if (!old || m.queueId !== old.id) return;
    const q = { ...old, state: m.state, index: m.index, items: old.items.map((i) => ({ ...i })) };
    const item = q.items[m.index];
    if (m.reason === 'item-started') this.#itemStarted(m, q, item);
    else if (m.reason === 'item-finished') {
      item.status = m.outcome;
      if (m.message) item.message = m.message;
      this.#notices.announce(
        `Run ${m.index + 1} of ${m.total} ${m.outcome === 'done' ? 'finished' : `diverged: ${m.message}`}.`,
      );
    } else if (m.reason === 'finished') {
      this.#notices.announce(`The report’s experiments finished: ${q.items.length} runs.`);
    } else if (m.reason === 'cancelled') {
      for (const i of q.items)
        if (i.status === 'running' || i.status === 'queued')
          i.status = i.status === 'running' ? 'stopped' : 'cancelled';
      this.#notices.announce(`The experiments were cancelled${m.message ? `: ${m.message}` : ''}.`);
      if (m.message) this.note = `Cancelled: ${m.message}.`;
    }
    this.#changed(q);
  }

  // A run of the queue starts (or resumes): it becomes the current run record.
  #itemStarted(m, q, item) {
    const { runs, trainer, data } = this.#store;
    let run = item.runId ? runs.find(item.runId) : null;
    // Resumed from the model the page saved last: its run, as restored from IndexedDB, ends at that checkpoint.
    if (!(m.resumed && run)) {
      if (run) runs.remove(run); // started afresh: its old curves go
      run = runs.start({ config: trainer?.config ?? item.config, label: item.label, source: data.source });
      run.experiment = {
        queueId: q.id,
        experiment: q.experiment,
        key: item.key,
        reading: item.reading,
        seed: item.seed ?? 1,
        index: m.index,
        epochs: item.epochs,
        evaluation: q.evaluation,
      };
      // The range test its option lrFind ran before it trained (its pick is the run's η).
      if (m.lrFind) run.experiment.lrFind = m.lrFind;
      run.stepOffset = m.progress.step;
      run.progress = m.progress;
      item.runId = run.id;
    }
    // The run must be current before its first chunk and epoch arrive.
    runs.current = run;
    item.status = 'running';
    this.#store.runsChanged();
    this.#settings.show(run.config, { epochs: item.epochs });
    runs.persist(run);
    runs.rememberCurrent(run).catch(() => {});
  }

  /** A checkpoint of the queue's run reached IndexedDB (runs/persistence.js). */
  #checkpointSaved() {
    const q = this.#store.queue;
    const saved = this.#store.saving?.lastSaved;
    if (!q || !this.active || !saved) return;
    const item = q.items[q.index];
    if (saved.runId === item.runId) this.lastSaved = { queueId: q.id, index: q.index, progress: saved.progress };
  }

  #changed(queue) {
    this.#store.setQueue(queue);
    queueStore.saveQueue(queue);
    this.#lockIfActive();
  }

  #lockIfActive() {
    this.#store.setLock(this.active ? LOCK : null);
  }
}
