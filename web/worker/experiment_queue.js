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
// An item: { config, epochs, evaluate: { each, last }, options? } — the
// engine's config of a new trainer, the epoch it trains to, the splits its
// epochs evaluate (training_session.js, EVALUATION_SPLITS), and what else the
// queue does with it (ITEM_OPTIONS: dynamicsEvery, lrFind). The queue's state:
// 'running' | 'paused' (between two items too) | 'finished' | 'cancelled'.
import { State } from '../shared/protocol.js';
import { lrFindSummary, rangeTest, rangeTestBusyMs } from './analysis.js';
import { ReportedError, isReported } from './errors.js';
import { checkEvaluation } from './training_session.js';

/**
 * What an item's `options` may hold:
 *   dynamicsEvery  integer ≥ 1: its trainer records how each layer learns every that many batches
 *                  (instead of the session's default, about 50 times an epoch)
 *   lrFind         { start?, end?, batches? }: before it trains, a learning-rate range test on its fresh
 *                  trainer (the engine's defaults for what is left out); η becomes the engine's pick, and
 *                  the item-started event carries the test (lrFind: { rates, smoothed, pick, reason }).
 *                  A run resumed from its checkpoint keeps the η it has.
 */
export const ITEM_OPTIONS = Object.freeze(['dynamicsEvery', 'lrFind']);
const LR_FIND_FIELDS = Object.freeze(['start', 'end', 'batches']);

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const unknownKeys = (o, known) => Object.keys(o).filter((k) => !known.includes(k) && o[k] !== undefined);
const quoted = (keys) => keys.map((k) => `'${k}'`).join(', ');

/** An item's options, checked: a copy, or throws what is wrong (where: which item). */
export function checkItemOptions(options, where) {
  if (options === undefined) return {};
  if (!isObject(options)) throw requestError(`${where}: options must be an object`);
  const unknown = unknownKeys(options, ITEM_OPTIONS);
  if (unknown.length > 0)
    throw requestError(
      `${where}: unknown option${unknown.length > 1 ? 's' : ''} ${quoted(unknown)} (known: ${quoted([...ITEM_OPTIONS])})`,
    );
  const checked = {};
  const { dynamicsEvery, lrFind } = options;
  if (dynamicsEvery !== undefined) {
    if (!Number.isInteger(dynamicsEvery) || dynamicsEvery < 1)
      throw requestError(`${where}: dynamicsEvery must be a whole number ≥ 1, not ${dynamicsEvery}`);
    checked.dynamicsEvery = dynamicsEvery;
  }
  if (lrFind !== undefined) {
    if (!isObject(lrFind)) throw requestError(`${where}: lrFind must be an object { start?, end?, batches? }`);
    const bad = unknownKeys(lrFind, LR_FIND_FIELDS);
    if (bad.length > 0)
      throw requestError(
        `${where}: lrFind has unknown field${bad.length > 1 ? 's' : ''} ${quoted(bad)} (known: ${quoted([...LR_FIND_FIELDS])})`,
      );
    const { start, end, batches } = lrFind;
    for (const [name, v] of [
      ['start', start],
      ['end', end],
    ])
      if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v > 0))
        throw requestError(`${where}: lrFind.${name} must be a number > 0, not ${v}`);
    if (start !== undefined && end !== undefined && !(start < end))
      throw requestError(`${where}: lrFind.start (${start}) must be below lrFind.end (${end})`);
    if (batches !== undefined && !(Number.isInteger(batches) && batches >= 1))
      throw requestError(`${where}: lrFind.batches must be a whole number ≥ 1, not ${batches}`);
    checked.lrFind = Object.fromEntries(Object.entries({ start, end, batches }).filter(([, v]) => v !== undefined));
  }
  return checked;
}

const ACTIVE = new Set(['running', 'paused']);

// A queue that cannot be started as asked (the page shows why).
const requestError = (message, kind = 'RequestError') => new ReportedError(message, kind);

/**
 * The queue's items, checked (the configs by validateConfig, the range tests by validateRange, when
 * given: so that a queue the engine would refuse at its tenth run is refused before its first); throws
 * on the first problem.
 */
export function checkItems(items, validateConfig = null, validateRange = null) {
  if (!Array.isArray(items) || items.length === 0) throw requestError('a queue needs at least one run');
  return items.map((item, i) => {
    const where = `run ${i + 1} of the queue`;
    if (item === null || typeof item !== 'object') throw requestError(`${where} is not an object`);
    const { config, epochs, evaluate, options } = item;
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
    const checked = checkItemOptions(options, where);
    try {
      if (checked.lrFind && validateRange) validateRange(checked.lrFind);
    } catch (err) {
      throw requestError(`${where}: ${err.message}`, err.kind ?? 'RequestError');
    }
    return { config, epochs, evaluate: plan, options: checked };
  });
}

export class ExperimentQueue {
  #session;
  #emit;
  #createTrainer;
  #loadModel;
  #validateConfig;
  #validateRange;
  #onBusy;
  #parameterCount;
  #rangeBatches;
  // { id, items, index, state }, or null before the first queue
  #queue = null;
  // The trainer the queue made for its current item (another one in the session: the page replaced it).
  #trainer = null;
  // Set when the current item ended ({ outcome, message }): the next tick moves on.
  #ended = null;

  /**
   * session: the TrainingSession; emit(type, payload): to the page;
   * createTrainer(config), loadModel(bytes: Uint8Array): new trainers (the
   * engine's); validateConfig(config): throws what createTrainer would; validateRange(lrFind): throws
   * what the range test would (engine.validateLrRange); onBusy(ms): the next call (a
   * range test) may keep the worker silent that long; parameterCount(layers): the engine's;
   * rangeBatches(): the batches of a range test that does not say (engine.lrRangeDefaults().batches).
   */
  constructor({
    session,
    emit,
    createTrainer,
    loadModel,
    validateConfig = null,
    validateRange = null,
    onBusy = (_ms) => {},
    parameterCount = (_layers) => 0,
    rangeBatches = () => 0,
  }) {
    this.#session = session;
    this.#emit = emit;
    this.#createTrainer = createTrainer;
    this.#loadModel = loadModel;
    this.#validateConfig = validateConfig;
    this.#validateRange = validateRange;
    this.#onBusy = onBusy;
    this.#parameterCount = parameterCount;
    this.#rangeBatches = rangeBatches;
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
    const checked = checkItems(items, this.#validateConfig, this.#validateRange);
    if (!Number.isInteger(start) || start < 0 || start >= checked.length)
      throw requestError(`the queue has no run ${start + 1}`);
    if (!this.#session.dataInfo) throw requestError('the data is not loaded yet');
    if (this.active) this.cancel();
    this.#queue = { id: queueId, items: checked, index: start, state: paused ? 'paused' : 'running' };
    this.#ended = null;
    try {
      this.#startItem({ checkpoint, runMs, paused });
    } catch (err) {
      this.#queue.state = 'cancelled';
      if (!isReported(err)) throw err;
      throw requestError(`run ${start + 1} of the queue could not start: ${err.message}`, err.kind);
    }
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

  // The range test on a fresh trainer (on a copy of it); η set to its pick. Returns what the page keeps.
  #findLearningRate(trainer, options) {
    const { batchSize, layers } = trainer.config();
    this.#onBusy(
      rangeTestBusyMs({
        batches: options.batches ?? this.#rangeBatches(),
        batchSize,
        parameters: this.#parameterCount(layers),
      }),
    );
    const result = rangeTest(trainer, options);
    trainer.setLearningRate(result.pick);
    return lrFindSummary(result);
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
    let lrFind;
    if (!resumed) {
      trainer = this.#createTrainer(item.config);
      // The range test runs before the trainer is the session's, so that its first `trainer` event (and the
      // run record made from it) already has the picked η.
      if (item.options.lrFind) {
        try {
          lrFind = this.#findLearningRate(trainer, item.options.lrFind);
        } catch (err) {
          trainer.delete();
          throw err;
        }
      }
    }
    this.#trainer = trainer;
    this.#session.useTrainer(trainer, {
      runMs: resumed ? runMs : 0,
      reason: resumed ? 'restored' : 'created',
      dynamicsEvery: item.options.dynamicsEvery,
    });
    this.#report('item-started', { resumed, lrFind });
    const left = item.epochs - trainer.progress().epoch;
    if (left <= 0) this.#ended = { outcome: 'done' };
    else if (!paused) this.#session.train({ epochs: left, evaluate: item.evaluate });
  }
}
