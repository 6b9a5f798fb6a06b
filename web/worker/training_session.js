// The worker's training state machine, without the worker: it drives a
// trainer (the engine's, or a fake one in tests/web/) in chunks, and tells
// its host what to send through `emit(type, payload)` (a protocol message);
// it never posts anything itself, reads no clock but `now()` and schedules
// nothing: the host calls tick() while `wantsTick` is true, one task per tick,
// so that requests (pause, step, stop, predictions) are handled between chunks.
//
// One tick is either a chunk of training, ~CHUNK_MS of work, or, after an
// epoch's last chunk, the evaluation of one split (validation, then test).
// The number of batches per chunk adapts to the measured time per batch.
import { parameterCount } from '../shared/layers.js';
import { FromWorker, State } from '../shared/protocol.js';

export const CHUNK_MS = 25;
export const MAX_BATCHES_PER_CHUNK = 4096;
/** Chunks in the samples/s window. */
export const RATE_WINDOW = 40;

export class TrainingSession {
  #emit;
  #now;
  #state = State.IDLE;
  #trainer = null;
  #dataInfo = null;
  #stopAtEpoch = Infinity; // absolute epoch count at which training stops
  #stepsLeft = Infinity; // batches left to train before pausing (1 for a single step)
  #lrDecay = 1; // η ← lrDecay·η after each epoch
  #batchesPerChunk = 1;
  // The end-of-epoch evaluation, one split per tick: { r, train, splits, results, evalMs, trainer }.
  #pendingEval = null;
  // Training loss/accuracy of the current epoch, weighted by samples.
  #epochSum = { loss: 0, correct: 0, samples: 0 };
  // Time spent running (training + evaluation), and the samples/s window.
  #runMs = 0;
  #rate = [];

  /** emit(type, payload): sends a message to the page. now(): milliseconds (performance.now). */
  constructor({ emit, now = () => performance.now() }) {
    this.#emit = emit;
    this.#now = now;
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
  get wantsTick() {
    return this.#state === State.RUNNING || this.#pendingEval !== null;
  }

  /** One task's work: a chunk of training or one split of an epoch's evaluation. */
  tick() {
    if (this.#pendingEval) this.#evaluateStep();
    else this.#trainChunk();
  }

  requireTrainer() {
    if (!this.#trainer) throw new Error('there is no model yet: train one or load a saved one');
    return this.#trainer;
  }

  /** The payload of a `trainer` message. */
  trainerInfo(reason, id) {
    const config = this.#trainer.config();
    return { id, config, progress: this.#trainer.progress(), parameters: parameterCount(config.layers), reason, runMs: this.#runMs };
  }

  /** New data is loaded. A trainer whose input size no longer matches the images cannot go on. */
  setData(info) {
    this.#dataInfo = info;
    if (this.#trainer && this.#trainer.config().layers[0] !== info.rows * info.cols) {
      this.#stopTraining();
      this.#trainer.delete();
      this.#trainer = null;
      this.#emit(FromWorker.TRAINER, { config: null, progress: null, parameters: 0, reason: 'data-changed', runMs: this.#runMs });
    }
  }

  /** Puts `next` in place of the current trainer (which is deleted); runMs: the run's time so far. */
  replaceTrainer(next, { runMs = 0 } = {}) {
    this.#runMs = runMs;
    this.#stopTraining();
    this.#pendingEval = null;
    if (this.#trainer) this.#trainer.delete();
    this.#trainer = next;
    this.#batchesPerChunk = 1;
    this.#rate = [];
    this.#resetEpochSum();
    if (this.#state !== State.IDLE) this.#setState(State.IDLE);
  }

  /** Trains until `epochs` more epochs are done; a resume keeps the target of the interrupted run. */
  train({ epochs, lrDecay, resume = false }) {
    const t = this.requireTrainer();
    if (!this.#dataInfo) throw new Error('the data is not loaded yet');
    if (lrDecay !== undefined) this.#lrDecay = lrDecay;
    if (!(resume && Number.isFinite(this.#stopAtEpoch))) this.#stopAtEpoch = t.progress().epoch + Math.max(1, epochs | 0);
    this.#stepsLeft = Infinity;
    this.#setState(State.RUNNING);
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

  setLearningRate(learningRate, id) {
    this.requireTrainer().setLearningRate(learningRate);
    this.#emit(FromWorker.TRAINER, this.trainerInfo('learning-rate', id));
  }

  setOptimizer(settings, id) {
    this.requireTrainer().setOptimizer(settings);
    this.#emit(FromWorker.TRAINER, this.trainerInfo('optimizer', id));
  }

  setSchedule(lrDecay) {
    this.#lrDecay = lrDecay;
  }

  // ---- Training ------------------------------------------------------------------

  #setState(next, message) {
    this.#state = next;
    this.#emit(FromWorker.STATUS, { state: next, message });
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
    const bytes = t.save();
    this.#emit(FromWorker.CHECKPOINT, { bytes: bytes.buffer, config: t.config(), progress: t.progress(), runMs: this.#runMs, reason });
  }

  #trainChunk() {
    const trainer = this.#trainer;
    if (this.#state !== State.RUNNING || !trainer) return;
    const t0 = this.#now();
    const n = Math.max(1, Math.min(this.#batchesPerChunk, this.#stepsLeft));
    let r;
    try {
      r = trainer.trainBatches(n);
    } catch (err) {
      this.#runMs += this.#now() - t0;
      this.#diverged(err);
      return;
    }
    const trainMs = this.#now() - t0;
    this.#runMs += trainMs;

    // Aim the next chunk at CHUNK_MS, moving halfway there to damp noise.
    if (r.batches > 0) {
      const target = (CHUNK_MS * r.batches) / Math.max(trainMs, 0.05);
      this.#batchesPerChunk = Math.max(1, Math.min(MAX_BATCHES_PER_CHUNK, Math.round((this.#batchesPerChunk + target) / 2)));
    }
    this.#rate.push({ samples: r.samples, ms: trainMs });
    if (this.#rate.length > RATE_WINDOW) this.#rate.shift();
    const window = this.#rate.reduce((a, b) => ({ samples: a.samples + b.samples, ms: a.ms + b.ms }), { samples: 0, ms: 0 });

    this.#epochSum.loss += r.loss * r.samples;
    this.#epochSum.correct += r.accuracy * r.samples;
    this.#epochSum.samples += r.samples;
    if (Number.isFinite(this.#stepsLeft)) this.#stepsLeft -= r.batches;

    // The batches of a chunk all belong to one epoch (a chunk stops at an epoch's end).
    const bpe = r.batchesPerEpoch;
    const epochIndex = r.epochFinished ? r.epoch - 1 : r.epoch;
    const lastBatch = r.epochFinished ? bpe : r.batchInEpoch;
    this.#emit(FromWorker.CHUNK, {
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

    if (r.epochFinished) this.#startEvaluation(r);
    else this.#afterChunk(r);
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
    const train = s.samples > 0 ? { loss: s.loss / s.samples, accuracy: s.correct / s.samples, count: s.samples } : null;
    this.#resetEpochSum();
    const splits = this.#dataInfo.validation > 0 ? ['validation', 'test'] : ['test'];
    this.#pendingEval = { r, train, splits, results: {}, evalMs: 0, trainer: this.#trainer };
  }

  #evaluateStep() {
    const job = this.#pendingEval;
    if (job.trainer !== this.#trainer) {
      this.#pendingEval = null; // the model was replaced meanwhile
      return;
    }
    const t0 = this.#now();
    const split = job.splits.shift();
    try {
      job.results[split] = this.#trainer.evaluate(split);
    } catch (err) {
      this.#pendingEval = null;
      this.#stopTraining();
      this.#emit(FromWorker.ERROR, { scope: 'train', kind: err.kind, message: `evaluating the ${split} set failed: ${err.message}` });
      return;
    }
    const ms = this.#now() - t0;
    job.evalMs += ms;
    this.#runMs += ms;
    if (job.splits.length > 0) return;

    this.#pendingEval = null;
    const { r, train, results } = job;
    const brief = (e) => (e ? { loss: e.loss, accuracy: e.accuracy, count: e.count } : null);
    this.#emit(FromWorker.EPOCH, {
      epoch: r.epoch,
      step: r.step,
      train,
      validation: brief(results.validation),
      test: brief(results.test),
      confusion: results.test.confusion,
      validationConfusion: results.validation?.confusion ?? null,
      classes: Math.round(Math.sqrt(results.test.confusion.length)),
      evalMs: job.evalMs,
      runMs: this.#runMs,
    });
    if (this.#lrDecay < 1) {
      this.#trainer.setLearningRate(this.#trainer.config().learningRate * this.#lrDecay);
      this.#emit(FromWorker.TRAINER, this.trainerInfo('schedule'));
    }
    this.#checkpoint('epoch');
    // Paused or stopped meanwhile: the evaluation was still finished, training is not resumed.
    if (this.#state === State.RUNNING) this.#afterChunk(r);
  }

  #diverged(err) {
    this.#stopAtEpoch = Infinity;
    this.#stepsLeft = Infinity;
    this.#resetEpochSum();
    const progress = this.#trainer.progress();
    this.#state = State.DIVERGED;
    this.#emit(FromWorker.DIVERGED, { message: err.message, kind: err.kind, progress });
    this.#emit(FromWorker.STATUS, { state: this.#state, message: err.message });
  }
}
