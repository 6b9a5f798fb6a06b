// What the worker computes for looking inside the network: one digit's path
// (on request) and every layer's health on a fixed sample (on request, and
// after each epoch while the page's health view is open). Each is one short
// call of the engine (trainer.traceDigit, trainer.inspectHealth) in a task
// of its own, so a pause still answers within a chunk; the health after an
// epoch runs in the tick right after the epoch's evaluation, before the next
// chunk trains, so it describes exactly the model that ended the epoch (at
// most every HEALTH_INTERVAL_MS, and always the epoch training stops at).
//
// Like TrainingSession it posts nothing itself (emit) and schedules nothing:
// the worker calls tick() while wantsTick is true, before the session's tick.
import { HEALTH_INTERVAL_MS } from '../shared/health_sampling.js';
import { ReportedError } from './errors.js';

export { HEALTH_INTERVAL_MS };

export class Inspector {
  #emit;
  #session;
  #healthEachEpoch = false;
  #pending = null; // the epoch whose health is due: { epoch, step }
  #skipped = null; // an epoch passed over (too soon after the last), due if training stops right after it
  #lastAt = -Infinity; // when health was last computed after an epoch

  /** emit(type, payload): sends to the page; session: the TrainingSession (its trainer and data). */
  constructor({ emit, session }) {
    this.#emit = emit;
    this.#session = session;
  }

  get wantsTick() {
    return this.#pending !== null || (this.#skipped !== null && !this.#session.wantsTick);
  }

  /** The session is about to train on: an epoch passed over is no longer the model's state. */
  trainingMoved() {
    this.#skipped = null;
  }

  /** The page's wishes: health after every epoch or not. */
  setWanted({ health }) {
    this.#healthEachEpoch = health;
    if (!health) this.#pending = this.#skipped = null;
  }

  /** The session emitted an `epoch` message. */
  epochEnded(m) {
    if (!this.#healthEachEpoch) return;
    const job = { epoch: m.epoch, step: m.step };
    if (performance.now() - this.#lastAt >= HEALTH_INTERVAL_MS) this.#pending = job;
    else this.#skipped = job;
  }

  tick() {
    const job = this.#pending ?? this.#skipped;
    this.#pending = this.#skipped = null;
    this.#lastAt = performance.now();
    if (!job || !this.#session.trainer || !this.#session.dataInfo) return;
    try {
      this.#emit('health', this.#health());
    } catch (err) {
      this.#emit('error', {
        scope: 'predict',
        kind: err.kind,
        message: `the layers' health could not be computed: ${err.message}`,
      });
    }
  }

  /** The health now, on request (a `health` event marked requested). */
  health() {
    this.#session.requireTrainer();
    if (!this.#session.dataInfo) throw new ReportedError('the data is not loaded yet');
    this.#emit('health', { ...this.#health(), requested: true });
  }

  /** One image's path through the network, and the trainer's step. */
  trace(image) {
    const trainer = this.#session.requireTrainer();
    return { ...trainer.traceDigit(image), step: trainer.progress().step };
  }

  #health() {
    const trainer = this.#session.trainer;
    const info = this.#session.dataInfo;
    const split = info.validation > 0 ? 'validation' : 'test';
    // The fixed sample: the engine's (constants().healthSample first images of the split, healthBins bins).
    const h = trainer.inspectHealth(split, 0);
    const p = trainer.progress();
    return {
      epoch: p.epoch,
      step: p.step,
      split,
      samples: h.samples,
      loss: h.loss,
      activation: trainer.config().activation,
      layers: h.layers,
    };
  }
}
