// A queue of training runs, trained one after another on the worker's one
// TrainingSession: the report's experiments in one click. Pure like the
// session (tests/web/experiment_queue.test.mjs drives it with a fake
// trainer): it makes trainers through the functions it is given, tells its
// host what to send through emit(type, payload), and follows its run through
// the session's own messages, which the host passes to observe().
//
// The host calls tick() in place of session.tick() while `wantsTick` is
// true: when an item ends, the next one starts in a tick of its own, never
// inside the session's handling of the previous item's end (whose last
// checkpoint must still be the previous trainer's).
//
// An item: { config, epochs, evaluate: { each, last } } — the engine's config
// of a new trainer, the epoch it trains to, and the splits its epochs
// evaluate (training_session.js, EVALUATION_SPLITS). The queue's state:
// 'running' | 'paused' (between two items too) | 'finished' | 'cancelled'.
import { State } from '../shared/protocol.js';
import { ReportedError } from './errors.js';
import { checkEvaluation } from './training_session.js';

const ACTIVE = new Set(['running', 'paused']);

// A queue that cannot be started as asked (the page shows why).
const requestError = (message, kind = 'RequestError') => new ReportedError(message, kind);

/** The queue's items, checked (the configs by validateConfig when given); throws on the first problem. */
export function checkItems(items, validateConfig = null) {
  if (!Array.isArray(items) || items.length === 0) throw requestError('a queue needs at least one run');
  return items.map((item, i) => {
    const where = `run ${i + 1} of the queue`;
    if (item === null || typeof item !== 'object') throw requestError(`${where} is not an object`);
    const { config, epochs, evaluate } = item;
    if (config === null || typeof config !== 'object' || Array.isArray(config))
      throw requestError(`${where} has no config`);
    if (!Number.isInteger(epochs) || epochs < 1)
      throw requestError(`${where}: epochs must be a whole number ≥ 1, not ${epochs}`);
    let plan;
    try {
      plan = checkEvaluation(evaluate ?? {});
      if (validateConfig) validateConfig(config);
    } catch (err) {
      throw requestError(`${where}: ${err.message}`, err.kind ?? 'RequestError');
    }
    return { config, epochs, evaluate: plan };
  });
}

export class ExperimentQueue {
  #session;
  #emit;
  #createTrainer;
  #loadModel;
  #validateConfig;
  // { id, items, index, state }, or null before the first queue
  #queue = null;
  // The trainer the queue made for its current item (another one in the session: the page replaced it).
  #trainer = null;
  // Set when the current item ended ({ outcome, message }): the next tick moves on.
  #ended = null;

  /**
   * session: the TrainingSession; emit(type, payload): to the page;
   * createTrainer(config), loadModel(bytes: Uint8Array): new trainers (the
   * engine's); validateConfig(config): throws what createTrainer would.
   */
  constructor({ session, emit, createTrainer, loadModel, validateConfig = null }) {
    this.#session = session;
    this.#emit = emit;
    this.#createTrainer = createTrainer;
    this.#loadModel = loadModel;
    this.#validateConfig = validateConfig;
  }

  /** 'running' | 'paused' | 'finished' | 'cancelled', or null before any queue. */
  get state() {
    return this.#queue?.state ?? null;
  }

  get active() {
    return ACTIVE.has(this.state);
  }

  /** { id, index, total, state } of the queue, or null. */
  get position() {
    const q = this.#queue;
    return q ? { id: q.id, index: q.index, total: q.items.length, state: q.state } : null;
  }

  /** True while there is work for tick(): moving on to the next item, or the session's. */
  get wantsTick() {
    return (this.#ended !== null && this.state === 'running') || this.#session.wantsTick;
  }

  tick() {
    if (this.#ended !== null && this.state === 'running') this.#next();
    else this.#session.tick();
  }

  /**
   * Starts a queue in place of any other (which is cancelled): items from
   * `start`, which resumes from `checkpoint` (bytes of one of its
   * checkpoints; runMs: its running time) when given; paused: wait for
   * resume() before training.
   */
  start({ queueId, items, start = 0, checkpoint = null, runMs = 0, paused = false }) {
    const checked = checkItems(items, this.#validateConfig);
    if (!Number.isInteger(start) || start < 0 || start >= checked.length)
      throw requestError(`the queue has no run ${start + 1}`);
    if (!this.#session.dataInfo) throw requestError('the data is not loaded yet');
    if (this.active) this.cancel();
    this.#queue = { id: queueId, items: checked, index: start, state: paused ? 'paused' : 'running' };
    this.#ended = null;
    this.#startItem({ checkpoint, runMs, paused });
    this.#report('started');
  }

  /** Pauses at the next chunk boundary (or before the next item starts). */
  pause() {
    if (this.state !== 'running') return;
    if (this.#ended !== null || this.#session.state !== State.RUNNING) {
      this.#queue.state = 'paused';
      this.#report('paused');
      return;
    }
    this.#session.pause(); // → status 'paused', which observe() reports
  }

  resume() {
    if (this.state !== 'paused') return;
    if (this.#ended !== null) {
      this.#queue.state = 'running';
      this.#report('resumed');
      return;
    }
    if (!this.#ownsTrainer()) return;
    const item = this.#queue.items[this.#queue.index];
    const left = item.epochs - this.#trainer.progress().epoch;
    if (left <= 0) {
      this.#ended = { outcome: 'done' };
      this.#queue.state = 'running';
      this.#report('resumed');
      return;
    }
    this.#session.train({ epochs: left, resume: true, evaluate: item.evaluate }); // → status 'running'
  }

  /** Stops the current run (it keeps what it trained) and drops the rest of the queue. */
  cancel(message) {
    if (!this.active) return;
    const q = this.#queue;
    q.state = 'cancelled';
    this.#ended = null;
    if (this.#ownsTrainer() && (this.#session.state === State.RUNNING || this.#session.state === State.PAUSED))
      this.#session.stop();
    this.#report('cancelled', { message });
  }

  /** After each request: a trainer that is not the queue's (the page loaded or made one) ends the queue. */
  checkTrainer() {
    if (this.active && this.#trainer && this.#session.trainer !== this.#trainer) {
      this.#trainer = null;
      this.cancel('another model replaced the queue’s run');
    }
  }

  /** Every message the session emits: how the current item is going. */
  observe(type, payload) {
    if (!this.active) return;
    if (type === 'trainer' && payload.reason === 'data-changed') {
      this.#trainer = null; // the session dropped it
      this.cancel('the data changed');
      return;
    }
    if (type !== 'status' || !this.#ownsTrainer()) return;
    const q = this.#queue;
    const { state, message } = payload;
    if (state === State.IDLE && message === 'finished') this.#ended = { outcome: 'done' };
    else if (state === State.DIVERGED) this.#ended = { outcome: 'diverged', message };
    else if (state === State.IDLE && message === 'stopped') this.cancel('the run was stopped');
    else if (state === State.PAUSED && q.state === 'running') {
      q.state = 'paused';
      this.#report('paused');
    } else if (state === State.RUNNING && q.state === 'paused') {
      q.state = 'running';
      this.#report('resumed');
    }
  }

  #ownsTrainer() {
    return this.#trainer !== null && this.#session.trainer === this.#trainer;
  }

  #report(reason, extra = {}) {
    const q = this.#queue;
    const progress = this.#ownsTrainer() ? this.#trainer.progress() : undefined;
    this.#emit('queue', {
      queueId: q.id,
      state: q.state,
      index: q.index,
      total: q.items.length,
      reason,
      progress,
      ...extra,
    });
  }

  // The current item ended: say how, then start the next one or finish.
  #next() {
    const q = this.#queue;
    const { outcome, message } = this.#ended;
    this.#ended = null;
    this.#report('item-finished', { outcome, message });
    if (q.index + 1 >= q.items.length) {
      q.state = 'finished';
      this.#report('finished');
      return;
    }
    q.index++;
    try {
      this.#startItem();
    } catch (err) {
      this.#emit('error', {
        scope: 'train',
        kind: err.kind,
        message: `run ${q.index + 1} of the queue could not start: ${err.message}`,
      });
      this.cancel(err.message);
    }
  }

  // A trainer for the current item (resumed from checkpoint when given), in the session, training unless paused.
  #startItem({ checkpoint = null, runMs = 0, paused = false } = {}) {
    const q = this.#queue;
    const item = q.items[q.index];
    let trainer = null;
    if (checkpoint) {
      try {
        trainer = this.#loadModel(new Uint8Array(checkpoint));
      } catch {
        trainer = null; // an unreadable checkpoint: the run starts afresh
      }
    }
    const resumed = trainer !== null;
    trainer ??= this.#createTrainer(item.config);
    this.#trainer = trainer;
    this.#session.useTrainer(trainer, { runMs: resumed ? runMs : 0, reason: resumed ? 'restored' : 'created' });
    this.#report('item-started', { resumed });
    const left = item.epochs - trainer.progress().epoch;
    if (left <= 0) this.#ended = { outcome: 'done' };
    else if (!paused) this.#session.train({ epochs: left, evaluate: item.evaluate });
  }
}
