// The worker's training state machine, without the worker: it drives a
// trainer (the engine's, or a fake one in tests/web/) in chunks, and tells
// its host what to send through `emit(type, payload)` (a protocol message);
// it never posts anything itself, reads no clock but `now()` and schedules
// nothing: the host calls tick() while `wantsTick` is true, one task per tick,
// so that requests (pause, step, stop, predictions) are handled between chunks.
//
// One tick is either a chunk of training, ~CHUNK_MS of work, or, after an
// epoch's last chunk, the evaluation of one split (by default validation,
// then test; train() can ask for others, see EVALUATION_SPLITS). The number
// of batches per chunk adapts to the measured time per batch.
//
// Errors: a diverging chunk (the engine's DivergedError) stops the run with
// `diverged`; any other error the engine reports (it has a `kind`, e.g.
// OutOfMemory) stops it with an `error` that says what to do; an error
// without a `kind` (a wasm trap, a RangeError) is thrown on to the host,
// which treats the worker as lost.
import { State } from '../shared/protocol.js';
import { ReportedError, isReported } from './errors.js';

/**
 * @import { PaceValue, ProgressValue, TrainerInfoValue, TrainStateName, EventType, Events } from '../shared/protocol.js'
 * @import { ShapeOf } from '../shared/schema.js'
 * @import { Trainer } from '../wasm/engine.mjs'
 */
/**
 * What trainer.takeDynamics() gives: the layers' records and, per record, the batch's size, its loss, the
 * whole gradient's norm and the step's norm.
 * @typedef {import('../wasm/engine.mjs').DynamicsSeries & { batchSize?: Int32Array, loss?: Float32Array,
 *   gradNorm?: Float32Array, stepNorm?: Float32Array }} DynamicsRecords
 */
/**
 * Sends an event to the page.
 * @typedef {<K extends EventType>(type: K, payload: ShapeOf<Events[K]>) => void} Emit
 */

export const CHUNK_MS = 25;
/** How often an epoch records how each layer learns (trainer.setDynamics): about this many times. */
export const DYNAMICS_PER_EPOCH = 50;
/** Training time between two checkpoints at most (besides those at pause, stop and each epoch's end). */
export const CHECKPOINT_MS = 30_000;
/**
 * Epochs of a small data set (or the report's 3,000 images) end many times a second: an epoch's end
 * checkpoints when this long has passed since the last checkpoint (and always at the target's last epoch,
 * or when training was paused meanwhile).
 */
export const EPOCH_CHECKPOINT_MS = 1000;
/** Work expected to take longer than this is announced (onBusy), so the page's watchdog waits for it. */
export const BUSY_NOTICE_MS = 200;
/** Before anything is measured: 1 GFLOP/s, about 6 flops per parameter and sample to train (2 to evaluate). */
const GUESS_MS_PER_PARAMETER_SAMPLE = 6e-6;

export { isReported };

/**
 * The splits an epoch's end can evaluate, in the order they are evaluated:
 * 'trainSet' the images the trainer trains on (trainer.evaluateTraining(),
 * what the report's "training accuracy" curves show), 'validation', 'test'.
 */
export const EVALUATION_SPLITS = Object.freeze(['trainSet', 'validation', 'test']);
/** What train() evaluates unless told otherwise: validation and test after every epoch. */
export const DEFAULT_EVALUATION = Object.freeze({
  each: Object.freeze(['validation', 'test']),
  last: Object.freeze([]),
});

/** An evaluation plan { each, last } (splits after every epoch, and also after the target's last), checked. */
export function checkEvaluation({ each = [], last = [] } = {}) {
  for (const s of [...each, ...last]) {
    if (!EVALUATION_SPLITS.includes(s))
      throw new Error(`unknown evaluation split '${s}' (expected ${EVALUATION_SPLITS.join(', ')})`);
  }
  return { each: [...each], last: [...last] };
}
export const MAX_BATCHES_PER_CHUNK = 4096;
/** A paced run trains chunks of about this long (in the paced time), so its curves move smoothly. */
export const PACED_CHUNK_MS = 100;
/** The slowest pace: a minute per batch or per epoch. */
export const MAX_PACE_MS = 60_000;
/** Full speed. */
export const FULL_SPEED = Object.freeze({ kind: 'full', ms: 0 });

/**
 * A pace, checked (protocol Pace: 'full', or at least `ms` per 'epoch' or per 'batch').
 * @param {PaceValue} pace
 * @returns {PaceValue}
 */
export function checkPace(pace) {
  if (pace.kind === 'full') return FULL_SPEED;
  if (!(pace.ms > 0 && pace.ms <= MAX_PACE_MS))
    throw new ReportedError(
      `a pace must be more than 0 and at most ${MAX_PACE_MS} ms per ${pace.kind}, not ${pace.ms}`,
    );
  return { kind: pace.kind, ms: pace.ms };
}
/** Chunks in the samples/s window. */
export const RATE_WINDOW = 40;

export class TrainingSession {
  #emit;
  #now;
  /** @type {TrainStateName} */
  #state = State.IDLE;
  #trainer = null;
  #dataInfo = null;
  #stopAtEpoch = Infinity; // absolute epoch count at which training stops
  #stepsLeft = Infinity; // batches left to train before pausing (1 for a single step)
  #lrDecay = 1; // η ← lrDecay·η after each epoch
  #evaluation = DEFAULT_EVALUATION; // which splits each epoch's end evaluates
  #batchesPerChunk = 1;
  /** @type {PaceValue} */
  #pace = FULL_SPEED;
  #notBefore = 0; // now() before which a paced run trains no further chunk
  #batchesPerEpoch = 1; // of the last chunk (for the pace per epoch)
  // The end-of-epoch evaluation, one split per tick: { r, train, splits, results, evalMs, trainer }.
  #pendingEval = null;
  // Training loss/accuracy of the current epoch, weighted by samples.
  #epochSum = { loss: 0, correct: 0, samples: 0 };
  // Time spent running (training + evaluation), and the samples/s window.
  #runMs = 0;
  #rate = [];
  #lastCheckpointAt = 0; // now() of the last checkpoint (or of the start of training)
  #msPerSample = 0; // training time per sample, measured (0: not yet)
  #onBusy;
  #parameterCount;

  /**
   * emit(type, payload): sends an event to the page; parameterCount(layers): weights and biases of a
   * network (the engine's); now(): milliseconds (performance.now); onBusy(ms): the next call may keep
   * the worker busy for up to ms (the host tells the page's watchdog).
   * @param {{ emit: Emit, parameterCount: (layers: number[]) => number, now?: () => number,
   *   onBusy?: (ms: number) => void }} options
   */
  constructor({ emit, parameterCount, now = () => performance.now(), onBusy = () => {} }) {
    this.#emit = emit;
    this.#parameterCount = parameterCount;
    this.#now = now;
    this.#onBusy = onBusy;
  }

  get state() {
    return this.#state;
  }

  get trainer() {
    return this.#trainer;
  }

  get dataInfo() {
    return this.#dataInfo;
  }

  get runMs() {
    return this.#runMs;
  }

  /** How many batches the next chunk asks for (before the step limit). */
  get batchesPerChunk() {
    return this.#batchesPerChunk;
  }

  /** True while there is work for tick(): training, or an epoch's evaluation still to finish. */
  /** Milliseconds to wait before the next tick: a paced run rests between chunks; 0: go on at once. */
  get delayMs() {
    if (this.#pendingEval || this.#state !== State.RUNNING) return 0;
    return Math.max(0, this.#notBefore - this.#now());
  }

  /** How fast training goes from the next chunk on. */
  setPace(pace) {
    this.#pace = checkPace(pace);
    this.#notBefore = 0;
  }

  get pace() {
    return this.#pace;
  }

  // The least time a batch may take at the pace (0: full speed).
  #msPerBatch() {
    const { kind, ms } = this.#pace;
    return kind === 'batch' ? ms : kind === 'epoch' ? ms / this.#batchesPerEpoch : 0;
  }

  get wantsTick() {
    return this.#state === State.RUNNING || this.#pendingEval !== null;
  }

  /** One task's work: a chunk of training or one split of an epoch's evaluation. */
  tick() {
    if (this.#pendingEval) this.#evaluateStep();
    else this.#trainChunk();
  }

  requireTrainer() {
    if (!this.#trainer) throw new ReportedError('there is no model yet: train one or load a saved one');
    return this.#trainer;
  }

  /**
   * The trainer now, as a `trainer` event says it.
   * @param {'created' | 'loaded' | 'restored' | 'learning-rate' | 'optimizer' | 'schedule'} reason
   */
  trainerInfo(reason) {
    const config = this.#trainer.config();
    return {
      config,
      progress: this.#trainer.progress(),
      parameters: this.#parameterCount(config.layers),
      reason,
      runMs: this.#runMs,
    };
  }

  /** New data is loaded. A trainer whose input size no longer matches the images cannot go on. */
  setData(info) {
    this.#dataInfo = info;
    if (this.#trainer && this.#trainer.config().layers[0] !== info.rows * info.cols) {
      this.#stopTraining();
      this.#trainer.delete();
      this.#trainer = null;
      this.#emit('trainer', {
        config: null,
        progress: null,
        parameters: 0,
        reason: 'data-changed',
        runMs: this.#runMs,
      });
    }
  }

  /**
   * Puts `next` in place of the current trainer (which is deleted); runMs: the run's time so far;
   * dynamicsEvery: record how each layer learns every that many batches (else about DYNAMICS_PER_EPOCH
   * times an epoch).
   * @param {Trainer} next
   * @param {{ runMs?: number, dynamicsEvery?: number }} [options]
   */
  replaceTrainer(next, { runMs = 0, dynamicsEvery } = {}) {
    this.#runMs = runMs;
    this.#stopTraining();
    this.#pendingEval = null;
    if (this.#trainer) this.#trainer.delete();
    this.#trainer = next;
    // How each layer learns is recorded about DYNAMICS_PER_EPOCH times an epoch, for the Backprop view.
    next.setDynamics(dynamicsEvery ?? Math.max(1, Math.floor(next.progress().batchesPerEpoch / DYNAMICS_PER_EPOCH)));
    this.#batchesPerChunk = 1;
    this.#rate = [];
    this.#msPerSample = 0;
    this.#resetEpochSum();
    if (this.#state !== State.IDLE) this.#setState(State.IDLE);
  }

  /**
   * Trains until `epochs` more epochs are done; a resume keeps the target of
   * the interrupted run. evaluate: { each, last }, the splits (EVALUATION_SPLITS)
   * to evaluate after every epoch and, in addition, after the target's last
   * one; a resume without it keeps the plan, a new target without it
   * evaluates DEFAULT_EVALUATION.
   *
   * @param {{ epochs: number, lrDecay?: number, resume?: boolean, evaluate?: { each?: string[], last?: string[] } }} request
   */
  train({ epochs, lrDecay, resume = false, evaluate }) {
    const t = this.requireTrainer();
    if (!this.#dataInfo) throw new ReportedError('the data is not loaded yet');
    this.#batchesPerEpoch = Math.max(1, t.progress().batchesPerEpoch);
    if (evaluate) this.#evaluation = checkEvaluation(evaluate);
    else if (!resume) this.#evaluation = DEFAULT_EVALUATION;
    if (lrDecay !== undefined) this.#lrDecay = lrDecay;
    if (!(resume && Number.isFinite(this.#stopAtEpoch)))
      this.#stopAtEpoch = t.progress().epoch + Math.max(1, epochs | 0);
    this.#stepsLeft = Infinity;
    this.#lastCheckpointAt = this.#now();
    if (!this.#pendingEval && t.progress().epoch >= this.#stopAtEpoch) {
      // Paused after the target's last epoch (during its evaluation): nothing is left to train.
      this.#stopAtEpoch = Infinity;
      this.#setState(State.IDLE, 'finished');
      this.#checkpoint('finished');
      return;
    }
    this.#setState(State.RUNNING);
  }

  /** Deletes the trainer (to make room for another one); the page hears `trainer` with config null. */
  releaseTrainer() {
    if (!this.#trainer) return;
    this.#stopTraining();
    this.#pendingEval = null;
    this.#trainer.delete();
    this.#trainer = null;
    if (this.#state !== State.IDLE) this.#setState(State.IDLE);
    this.#emit('trainer', {
      config: null,
      progress: null,
      parameters: 0,
      reason: 'data-changed',
      runMs: this.#runMs,
    });
  }

  /** How long `samples` samples of training (evaluation: a third) may take, at worst, in ms. */
  expectedMs(samples, { evaluation = false } = {}) {
    const t = this.#trainer;
    if (!t) return 0;
    const perSample = this.#msPerSample || GUESS_MS_PER_PARAMETER_SAMPLE * this.#parameterCount(t.config().layers);
    return samples * perSample * (evaluation ? 0.5 : 1);
  }

  // Tells the host that the next call may take a while (3× the expectation, + 1 s).
  #busy(expectedMs) {
    if (expectedMs > BUSY_NOTICE_MS) this.#onBusy(Math.ceil(3 * expectedMs + 1000));
  }

  pause() {
    if (this.#state !== State.RUNNING) return;
    this.#setState(State.PAUSED);
    this.#checkpoint('pause');
  }

  /** Trains one batch, then pauses. */
  step() {
    this.requireTrainer();
    if (this.#state === State.RUNNING) return;
    this.#stepsLeft = 1;
    this.#setState(State.RUNNING);
  }

  /** Like pause, but forgets the epoch target. */
  stop() {
    const wasActive = this.#state === State.RUNNING || this.#state === State.PAUSED;
    this.#stopAtEpoch = Infinity;
    this.#stepsLeft = Infinity;
    if (this.#state !== State.IDLE) this.#setState(State.IDLE, 'stopped');
    if (wasActive) this.#checkpoint('stop');
  }

  /** Sets η live; returns the trainer's info (also sent as a `trainer` event). */
  setLearningRate(learningRate) {
    this.requireTrainer().setLearningRate(learningRate);
    return this.#announceTrainer('learning-rate');
  }

  /** Sets the optimiser live (its state restarts, the weights stay); returns the trainer's info. */
  setOptimizer(settings) {
    this.requireTrainer().setOptimizer(settings);
    return this.#announceTrainer('optimizer');
  }

  /**
   * Sends a `trainer` event; returns its info.
   * @param {'created' | 'loaded' | 'restored' | 'learning-rate' | 'optimizer' | 'schedule'} reason
   * @returns {TrainerInfoValue}
   */
  #announceTrainer(reason) {
    const info = this.trainerInfo(reason);
    this.#emit('trainer', info);
    const { reason: _, ...value } = info;
    return value;
  }

  /**
   * Puts `next` in place of the current trainer and tells the page; returns the trainer's info.
   * @param {Trainer} next
   * @param {{ runMs?: number, reason?: 'created' | 'loaded' | 'restored', dynamicsEvery?: number }} [options]
   *   dynamicsEvery: as replaceTrainer's
   */
  useTrainer(next, { runMs = 0, reason = 'created', dynamicsEvery } = {}) {
    this.replaceTrainer(next, { runMs, dynamicsEvery });
    return this.#announceTrainer(reason);
  }

  setSchedule(lrDecay) {
    this.#lrDecay = lrDecay;
  }

  // ---- Training ------------------------------------------------------------------

  /** @param {TrainStateName} next @param {string} [message] */
  #setState(next, message) {
    this.#state = next;
    this.#emit('status', { state: next, message });
  }

  #stopTraining() {
    this.#stopAtEpoch = Infinity;
    this.#stepsLeft = Infinity;
    if (this.#state === State.RUNNING) this.#setState(State.PAUSED);
  }

  #resetEpochSum() {
    this.#epochSum = { loss: 0, correct: 0, samples: 0 };
  }

  #checkpoint(reason) {
    const t = this.#trainer;
    if (!t) return;
    this.#lastCheckpointAt = this.#now();
    // About 1 ms per 50 KB of model file (4 bytes per parameter and optimiser value).
    this.#busy((this.#parameterCount(t.config().layers) * 12) / 50_000);
    let bytes;
    try {
      bytes = t.save();
    } catch (err) {
      if (!isReported(err)) throw err;
      this.#emit('error', {
        scope: 'train',
        kind: err.kind,
        message: `could not save a checkpoint: ${err.message}. Training goes on, but a crash or a reload would lose it: download the model, or train a smaller network`,
      });
      return;
    }
    this.#emit('checkpoint', {
      bytes: bytes.buffer,
      config: t.config(),
      progress: t.progress(),
      runMs: this.#runMs,
      reason,
    });
  }

  #trainChunk() {
    const trainer = this.#trainer;
    if (this.#state !== State.RUNNING || !trainer) return;
    const t0 = this.#now();
    if (this.delayMs > 0) return;
    const perBatch = this.#msPerBatch();
    const paced = perBatch > 0 ? Math.max(1, Math.floor(PACED_CHUNK_MS / perBatch)) : Infinity;
    const n = Math.max(1, Math.min(this.#batchesPerChunk, this.#stepsLeft, paced));
    this.#busy(this.expectedMs(n * trainer.config().batchSize));
    let r;
    try {
      r = trainer.trainBatches(n);
    } catch (err) {
      this.#runMs += this.#now() - t0;
      if (err?.kind === 'DivergedError') this.#diverged(err);
      else if (isReported(err)) this.#failed(err, 'training stopped');
      else throw err; // not the engine's: the host ends this worker
      return;
    }
    const trainMs = this.#now() - t0;
    this.#runMs += trainMs;
    if (r.samples > 0) this.#msPerSample = trainMs / r.samples;

    // Aim the next chunk at CHUNK_MS, moving halfway there to damp noise.
    if (r.batches > 0) {
      const target = (CHUNK_MS * r.batches) / Math.max(trainMs, 0.05);
      this.#batchesPerChunk = Math.max(
        1,
        Math.min(MAX_BATCHES_PER_CHUNK, Math.round((this.#batchesPerChunk + target) / 2)),
      );
    }
    this.#rate.push({ samples: r.samples, ms: trainMs });
    if (this.#rate.length > RATE_WINDOW) this.#rate.shift();
    const window = this.#rate.reduce((a, b) => ({ samples: a.samples + b.samples, ms: a.ms + b.ms }), {
      samples: 0,
      ms: 0,
    });

    this.#epochSum.loss += r.loss * r.samples;
    this.#epochSum.correct += r.accuracy * r.samples;
    this.#epochSum.samples += r.samples;
    if (Number.isFinite(this.#stepsLeft)) this.#stepsLeft -= r.batches;

    // The batches of a chunk all belong to one epoch (a chunk stops at an epoch's end).
    const bpe = r.batchesPerEpoch;
    this.#batchesPerEpoch = bpe;
    if (perBatch > 0) this.#notBefore = t0 + r.batches * perBatch;
    const epochIndex = r.epochFinished ? r.epoch - 1 : r.epoch;
    const lastBatch = r.epochFinished ? bpe : r.batchInEpoch;
    this.#emit('chunk', {
      firstStep: r.step - r.batches + 1,
      epochIndex,
      firstBatch: lastBatch - r.batches + 1,
      batchLoss: r.batchLoss,
      batchAccuracy: r.batchAccuracy,
      samples: r.samples,
      epoch: r.epoch,
      batchInEpoch: r.batchInEpoch,
      batchesPerEpoch: bpe,
      step: r.step,
      trainMs,
      runMs: this.#runMs,
      samplesPerSecond: window.ms > 0 ? (1000 * window.samples) / window.ms : 0,
      batchesPerChunk: n,
    });
    this.#sendDynamics();

    if (r.epochFinished) this.#startEvaluation(r);
    else {
      if (this.#now() - this.#lastCheckpointAt >= CHECKPOINT_MS) this.#checkpoint('periodic');
      this.#afterChunk(r);
    }
  }

  // The layers' dynamics the chunk recorded, if any.
  #sendDynamics() {
    const d = this.#trainer.takeDynamics();
    if (d.steps.length === 0) return;
    const { steps, every, layers, batchSize, loss, gradNorm, stepNorm } = /** @type {DynamicsRecords} */ (d);
    this.#emit('dynamics', { steps, every, layers, batchSize, loss, gradNorm, stepNorm });
  }

  // An error the engine reported stopped training: paused, with the engine's message and what to do.
  #failed(err, what) {
    this.#stopTraining();
    // The engine's out-of-memory message already says what to try; the others get where to go on from.
    const advice = err.kind === 'OutOfMemory' ? '' : '. The model is kept: change the settings and train again';
    this.#emit('error', { scope: 'train', kind: err.kind, message: `${what}: ${err.message}${advice}` });
  }

  // What follows a chunk (or an epoch's evaluation): stop at the target, pause after a step, or go on.
  #afterChunk(r) {
    if (r.epoch >= this.#stopAtEpoch) {
      this.#stopAtEpoch = Infinity;
      this.#stepsLeft = Infinity;
      this.#setState(State.IDLE, 'finished');
      this.#checkpoint('finished');
      return;
    }
    if (this.#stepsLeft <= 0) {
      this.#stepsLeft = Infinity;
      if (this.#state === State.RUNNING) this.#setState(State.PAUSED, 'step');
    }
  }

  #startEvaluation(r) {
    const s = this.#epochSum;
    const train =
      s.samples > 0 ? { loss: s.loss / s.samples, accuracy: s.correct / s.samples, count: s.samples } : null;
    this.#resetEpochSum();
    const { each, last } = this.#evaluation;
    const wanted = new Set([...each, ...(r.epoch >= this.#stopAtEpoch ? last : [])]);
    const splits = EVALUATION_SPLITS.filter(
      (s) => wanted.has(s) && (s !== 'validation' || this.#dataInfo.validation > 0),
    );
    this.#pendingEval = { r, train, splits, results: {}, evalMs: 0, trainer: this.#trainer };
  }

  #evaluateStep() {
    const job = this.#pendingEval;
    if (job.trainer !== this.#trainer) {
      this.#pendingEval = null; // the model was replaced meanwhile
      return;
    }
    if (job.splits.length > 0) {
      const t0 = this.#now();
      const split = job.splits.shift();
      const images =
        split === 'trainSet'
          ? Math.min(this.#dataInfo?.train ?? 0, this.#trainer.config().trainLimit || Infinity)
          : (this.#dataInfo?.[split] ?? 0);
      this.#busy(this.expectedMs(images, { evaluation: true }));
      try {
        job.results[split] = split === 'trainSet' ? this.#trainer.evaluateTraining() : this.#trainer.evaluate(split);
      } catch (err) {
        this.#pendingEval = null;
        if (!isReported(err)) throw err;
        this.#failed(err, `evaluating the ${split === 'trainSet' ? 'training' : split} set failed`);
        return;
      }
      const ms = this.#now() - t0;
      job.evalMs += ms;
      this.#runMs += ms;
      if (job.splits.length > 0) return;
    }

    this.#pendingEval = null;
    const { r, train, results } = job;
    const brief = (e) => (e ? { loss: e.loss, accuracy: e.accuracy, count: e.count } : null);
    this.#emit('epoch', {
      epoch: r.epoch,
      step: r.step,
      train,
      trainSet: brief(results.trainSet),
      validation: brief(results.validation),
      test: brief(results.test),
      confusion: results.test?.confusion ?? null,
      validationConfusion: results.validation?.confusion ?? null,
      classes: this.#trainer.config().layers.at(-1),
      evalMs: job.evalMs,
      runMs: this.#runMs,
    });
    if (this.#lrDecay < 1) {
      this.#trainer.setLearningRate(this.#trainer.config().learningRate * this.#lrDecay);
      this.#announceTrainer('schedule');
    }
    // Nothing else checkpoints soon after the target's last epoch, or when training was paused or stopped
    // during the evaluation (the epoch's results must reach the saved run).
    const last = r.epoch >= this.#stopAtEpoch || this.#state !== State.RUNNING;
    if (last || this.#now() - this.#lastCheckpointAt >= EPOCH_CHECKPOINT_MS) this.#checkpoint('epoch');
    // Paused or stopped meanwhile: the evaluation was still finished, training is not resumed.
    if (this.#state === State.RUNNING) this.#afterChunk(r);
  }

  #diverged(err) {
    this.#stopAtEpoch = Infinity;
    this.#stepsLeft = Infinity;
    this.#resetEpochSum();
    const progress = this.#trainer.progress();
    this.#state = State.DIVERGED;
    this.#emit('diverged', { message: err.message, kind: err.kind, progress });
    this.#emit('status', { state: this.#state, message: err.message });
  }
}
