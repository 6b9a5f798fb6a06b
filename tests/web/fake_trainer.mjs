// A stand-in for the engine's trainer (wasm/README.md) for the training
// session's tests: batches "take" msPerBatch on a fake clock, losses and
// accuracies are chosen per step, and every call is recorded.

/** A clock the tests move by hand: now() for the session, advance(ms) for the fake trainer. */
export function fakeClock() {
  let t = 1000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

/** Weights and biases of a dense network of these layer sizes (what the engine's parameterCount answers). */
export const parameterCount = (layers) => layers.slice(1).reduce((n, out, k) => n + out * (layers[k] + 1), 0);

export class FakeTrainer {
  /**
   * batchesPerEpoch, batchSize, lastBatchSize: the epoch's shape (the last batch may be smaller);
   * msPerBatch: fake time per batch (may be changed between ticks); evalMs: fake time per evaluate();
   * loss(step), accuracy(step): of the batch with that (1-based) step; divergeAtStep: a batch that throws.
   */
  constructor(clock, options = {}) {
    Object.assign(this, {
      batchesPerEpoch: 10,
      batchSize: 4,
      lastBatchSize: 4,
      msPerBatch: 0.5,
      evalMs: 3,
      loss: (step) => 1 / step,
      accuracy: (step) => (step % 4) / 4,
      divergeAtStep: Infinity,
      layers: [16, 8, 4],
      learningRate: 0.1,
      ...options,
    });
    this.clock = clock;
    this.epoch = 0;
    this.batchInEpoch = 0;
    this.step = 0;
    this.chunks = []; // n asked for, per trainBatches call
    this.evaluated = [];
    this.learningRates = [];
    this.deleted = false;
    this.dynamicsEvery = 0;
    this.dynamicsSteps = []; // the steps recorded since the last takeDynamics
  }

  /** Records every n-th batch's step (0: off), as the engine's trainer records its layers' dynamics. */
  setDynamics(n) {
    this.dynamicsEvery = n;
    this.dynamicsSteps = [];
  }

  /** The steps recorded since the last call, with one layer's figures per step (its gradient norm: 1/step). */
  takeDynamics() {
    const steps = Int32Array.from(this.dynamicsSteps);
    this.dynamicsSteps = [];
    const of = (f) => Float32Array.from(steps, f);
    const layer = () => ({
      gradNorm: of((s) => 1 / s),
      updateRatio: of(() => 1e-3),
      activationMean: of(() => 0.5),
      activationStd: of(() => 0.1),
      saturated: of(() => 0.05),
    });
    return {
      steps,
      every: this.dynamicsEvery,
      dropped: 0,
      layers: this.layers.slice(1).map(layer),
      // Per record, beside the layers: the batch's size, its loss, the whole gradient's and the step's norms.
      batchSize: Int32Array.from(steps, () => this.batchSize),
      loss: of((s) => this.loss(s)),
      gradNorm: of((s) => 2 / s),
      stepNorm: of((s) => this.learningRate / s),
    };
  }

  /**
   * A learning-rate range test on a copy (this trainer is left as it was): η from start to end (geometric),
   * a loss per η lowest at the middle one, the pick a tenth of the way before it. Every call is recorded.
   * rangeTestError: thrown instead (an Error with a kind, as the engine's).
   */
  lrRangeTest({ start = 1e-5, end = 1, batches = 9 } = {}) {
    this.rangeTests ??= [];
    this.rangeTests.push({ start, end, batches });
    if (this.rangeTestError) throw this.rangeTestError;
    const rates = Array.from({ length: batches }, (_, i) => start * (end / start) ** (i / Math.max(1, batches - 1)));
    const mid = Math.floor(batches / 2);
    const losses = rates.map((_, i) => 1 + (i - mid) ** 2);
    const pickIndex = Math.max(0, mid - 1);
    return {
      rates,
      losses,
      smoothed: losses.map((l) => l + 0.5),
      pick: rates[pickIndex],
      pickIndex,
      reason: `the smoothed loss falls fastest near η = ${rates[pickIndex]}`,
    };
  }

  #sizeOf(batchInEpoch) {
    return batchInEpoch === this.batchesPerEpoch ? this.lastBatchSize : this.batchSize;
  }

  trainBatches(n) {
    if (this.deleted) throw new Error('this trainer has been deleted');
    this.chunks.push(n);
    const k = Math.min(n, this.batchesPerEpoch - this.batchInEpoch);
    if (this.step + k >= this.divergeAtStep) {
      this.clock.advance(this.msPerBatch);
      throw Object.assign(new Error('training diverged: the loss became NaN'), { kind: 'DivergedError' });
    }
    const batchLoss = new Float32Array(k);
    const batchAccuracy = new Float32Array(k);
    let samples = 0;
    let loss = 0;
    let correct = 0;
    for (let i = 0; i < k; i++) {
      this.step++;
      this.batchInEpoch++;
      if (this.dynamicsEvery > 0 && this.step % this.dynamicsEvery === 0) this.dynamicsSteps.push(this.step);
      const size = this.#sizeOf(this.batchInEpoch);
      batchLoss[i] = this.loss(this.step);
      batchAccuracy[i] = this.accuracy(this.step);
      samples += size;
      loss += batchLoss[i] * size;
      correct += batchAccuracy[i] * size;
    }
    this.clock.advance(k * this.msPerBatch);
    const epochFinished = this.batchInEpoch === this.batchesPerEpoch;
    if (epochFinished) {
      this.epoch++;
      this.batchInEpoch = 0;
    }
    return {
      batches: k,
      samples,
      loss: loss / samples,
      accuracy: correct / samples,
      epochFinished,
      ...this.progress(),
      batchLoss,
      batchAccuracy,
    };
  }

  evaluate(split) {
    this.evaluated.push(split);
    this.clock.advance(this.evalMs);
    const classes = this.layers.at(-1);
    return {
      loss: 0.5,
      accuracy: split === 'test' ? 0.75 : 0.8,
      count: 100,
      confusion: new Int32Array(classes * classes),
    };
  }

  // The images it trains on, recorded as the split 'trainSet'.
  evaluateTraining() {
    this.evaluated.push('trainSet');
    this.clock.advance(this.evalMs);
    const classes = this.layers.at(-1);
    return {
      loss: 0.4,
      accuracy: 0.85,
      count: this.batchesPerEpoch * this.batchSize,
      confusion: new Int32Array(classes * classes),
    };
  }

  progress() {
    return {
      epoch: this.epoch,
      batchInEpoch: this.batchInEpoch,
      batchesPerEpoch: this.batchesPerEpoch,
      step: this.step,
    };
  }

  config() {
    return {
      layers: this.layers,
      activation: 'sigmoid',
      loss: 'sigmoid-bce',
      optimizer: 'sgd',
      learningRate: this.learningRate,
      momentum: 0.9,
      batchSize: this.batchSize,
      l2: 0,
      seed: 1,
      gradient: 'mean',
    };
  }

  setLearningRate(lr) {
    this.learningRate = lr;
    this.learningRates.push(lr);
  }

  setOptimizer(settings) {
    this.optimizer = settings;
  }

  save() {
    return new Uint8Array([this.step & 255, 1, 2, 3]);
  }

  delete() {
    this.deleted = true;
  }
}
