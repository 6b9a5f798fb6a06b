// A run record: one training run as the page keeps it — its config and
// schedule, the per-batch curves (raw and smoothed), the per-epoch results,
// progress and running time — and its stored form in IndexedDB. Pure
// functions on plain objects (no DOM, no storage): unit-tested under Node.
//
// A run: { id, number, label, createdAt, config, schedule, source,
//   x, loss, accuracy, emaLoss, emaAccuracy   one entry per batch (x in epochs),
//   ema: { loss, accuracy, t }                the smoothing state (not stored),
//   epochs: [{ epoch, x, step, train, trainSet?, validation, test, runMs, evalMs }]
//                                            train: the epoch's batches; trainSet: the training
//                                            images evaluated after it; null: not evaluated,
//   stepOffset                                the trainer's step when the run began,
//   progress, runMs, confusion, classes, changes? }

/** Smoothing of the per-batch curves: an exponential moving average over ~50 batches. */
export const EMA_BETA = 0.98;

/** The smoothing state before the first batch. */
export const emptyEma = () => ({ loss: 0, accuracy: 0, t: 0 });

/**
 * One smoothing step, in place: m ← β·m + (1 − β)·value for the loss and the
 * accuracy. Returns the bias-corrected averages m / (1 − βᵗ) (as in Adam),
 * so that the curve starts at the first batch's value instead of near 0.
 */
export function smooth(ema, loss, accuracy) {
  ema.t++;
  ema.loss = EMA_BETA * ema.loss + (1 - EMA_BETA) * loss;
  ema.accuracy = EMA_BETA * ema.accuracy + (1 - EMA_BETA) * accuracy;
  const correction = 1 - EMA_BETA ** ema.t;
  return { loss: ema.loss / correction, accuracy: ema.accuracy / correction };
}

/** The number the next run gets: one more than any in `runs`. */
export function nextRunNumber(runs) {
  return runs.reduce((n, r) => Math.max(n, r.number ?? 0), 0) + 1;
}

/** A new, empty run. */
export function createRun({ config, number, label, schedule = { lrDecay: 1 }, source, createdAt = Date.now(), id }) {
  return {
    id: id ?? `run-${createdAt}-${Math.floor(Math.random() * 1e6)}`,
    number,
    label: label ?? `Run ${number}`,
    createdAt,
    config,
    schedule,
    source,
    x: [],
    loss: [],
    accuracy: [],
    emaLoss: [],
    emaAccuracy: [],
    ema: emptyEma(),
    epochs: [],
    stepOffset: 0,
    progress: null,
    runMs: 0,
    confusion: null,
  };
}

/** Where the run's curves end (in epochs), 0 before the first batch. */
export function lastX(run) {
  return run?.x.at(-1) ?? 0;
}

/**
 * Adds a `chunk` message's batches: batch i sits at x = epochIndex + (firstBatch + i) / batchesPerEpoch.
 * Updates the run's progress and running time; returns the progress.
 */
export function appendChunk(run, m) {
  const bpe = m.batchesPerEpoch;
  for (let i = 0; i < m.batchLoss.length; i++) {
    const loss = m.batchLoss[i];
    const accuracy = m.batchAccuracy[i];
    run.x.push(m.epochIndex + (m.firstBatch + i) / bpe);
    run.loss.push(loss);
    run.accuracy.push(accuracy);
    const s = smooth(run.ema, loss, accuracy);
    run.emaLoss.push(s.loss);
    run.emaAccuracy.push(s.accuracy);
  }
  run.progress = { epoch: m.epoch, batchInEpoch: m.batchInEpoch, batchesPerEpoch: bpe, step: m.step };
  run.runMs = m.runMs;
  return run.progress;
}

/** Adds an `epoch` message's results; returns the run's new epoch entry. */
export function addEpoch(run, m) {
  const entry = {
    epoch: m.epoch,
    x: m.epoch,
    step: m.step,
    train: m.train,
    trainSet: m.trainSet ?? null,
    validation: m.validation,
    test: m.test,
    runMs: m.runMs,
    evalMs: m.evalMs,
  };
  run.epochs.push(entry);
  if (m.confusion) run.confusion = m.confusion; // the test set's, when it was evaluated
  if (m.validationConfusion) run.validationConfusion = m.validationConfusion;
  run.classes = m.classes;
  run.runMs = m.runMs;
  return entry;
}

/** The learning rate or optimiser changed live: the trainer's config now, and where the curves were. */
export function recordSettingsChange(run, trainerConfig, { learningRate, optimizer }) {
  run.config = { ...run.config, ...trainerConfig };
  run.changes = [...(run.changes ?? []), { x: lastX(run), learningRate, optimizer }];
}

/**
 * The run as stored: typed arrays instead of arrays, no smoothing state. For
 * a checkpoint ({ progress, runMs }), only what the saved model has seen:
 * the worker may have trained on before the save ran, so points after the
 * checkpoint's step and later epochs are left out, and the progress and
 * running time are the checkpoint's. The run itself is not changed.
 */
export function serialiseRun(run, checkpoint = null) {
  let n = run.x.length;
  let epochs = run.epochs;
  if (checkpoint) {
    n = Math.max(0, Math.min(n, checkpoint.progress.step - (run.stepOffset ?? 0)));
    epochs = epochs.filter((e) => e.step <= checkpoint.progress.step);
  }
  const { ema, ...rest } = run;
  return {
    ...rest,
    x: Float64Array.from(run.x.slice(0, n)),
    loss: Float32Array.from(run.loss.slice(0, n)),
    accuracy: Float32Array.from(run.accuracy.slice(0, n)),
    emaLoss: Float32Array.from(run.emaLoss.slice(0, n)),
    emaAccuracy: Float32Array.from(run.emaAccuracy.slice(0, n)),
    epochs,
    ...(checkpoint ? { progress: checkpoint.progress, runMs: checkpoint.runMs } : {}),
  };
}

/** A stored run back as a live one, with the smoothing state to continue its curves where they stopped. */
export function deserialiseRun(stored) {
  const run = {
    ...stored,
    x: Array.from(stored.x ?? []),
    loss: Array.from(stored.loss ?? []),
    accuracy: Array.from(stored.accuracy ?? []),
    emaLoss: Array.from(stored.emaLoss ?? []),
    emaAccuracy: Array.from(stored.emaAccuracy ?? []),
    epochs: stored.epochs ?? [],
  };
  run.ema = emptyEma();
  for (let i = 0; i < run.loss.length; i++) smooth(run.ema, run.loss[i], run.accuracy[i]);
  return run;
}
