// A run record: one training run as the page keeps it — the settings it
// started with and every live change with where it took effect, the
// per-batch curves (raw and smoothed), the per-epoch results, progress and
// running time — and its stored form in IndexedDB: a header (what is not a
// curve) and segments of points and epochs, so that a checkpoint appends what
// came since the last one instead of writing the whole run again. Pure
// functions on plain objects (no DOM, no storage): unit-tested under Node.

/** @import { EventOf, MetricsValue, ProgressValue } from '../../shared/protocol.js' */

/**
 * One epoch's results: train = the mean over its batches (each before its step), trainSet = the images it
 * trains on evaluated after it, validation, test; null: not evaluated.
 * @typedef {object} EpochEntry
 * @property {number} epoch
 * @property {number} x where it sits on the curves (in epochs)
 * @property {number} step
 * @property {MetricsValue | null} train
 * @property {MetricsValue | null} trainSet
 * @property {MetricsValue | null} validation
 * @property {MetricsValue | null} test
 * @property {number} runMs
 * @property {number} evalMs
 */
/**
 * The layers' health after an epoch (or on request), as kept with the run.
 * @typedef {{ epoch: number, step: number, split: string, samples: number, loss: number, activation: string,
 *   layers: { units: number, histogram: number[], low: number, high: number, mean: number, saturated: number,
 *   stuck: number, weightGradientNorm: number, biasGradientNorm: number, weightNorm: number }[] }} HealthEntry
 */
/**
 * A setting changed while the run trained: from the batch after `step` on (epoch, batchInEpoch: where that
 * was, x: on the curves), `field` went from `from` to `to`.
 * @typedef {{ step: number, epoch: number, batchInEpoch: number, x: number, field: string, from: any, to: any }} SettingsChange
 */
/** The fields of a layer's dynamics record (the engine's LayerDynamics), in order. */
export const DYNAMICS_FIELDS = Object.freeze([
  'gradNorm',
  'updateRatio',
  'activationMean',
  'activationStd',
  'saturated',
]);
/**
 * The fields of a dynamics record beside its layers (the engine's DynamicsSeries), in order: the batch's
 * size, its loss, the whole gradient's norm and the step's norm. NaN where a record has none (one recorded
 * by an engine that did not give them).
 */
export const RECORD_FIELDS = Object.freeze(['batchSize', 'loss', 'gradNorm', 'stepNorm']);
/**
 * How each layer learned: per recorded batch its step (and RECORD_FIELDS: its batch size, loss, gradient
 * and step norms), and per weight layer (input side first) the gradient's norm, the update-to-weight
 * ratio, the activations' mean and spread, the saturated share.
 * @typedef {{ steps: number[], layers: Record<string, number[]>[], batchSize: number[], loss: number[],
 *   gradNorm: number[], stepNorm: number[] }} Dynamics
 */
/**
 * @typedef {object} Run
 * @property {string} id
 * @property {number} number
 * @property {string} label
 * @property {number} createdAt
 * @property {Record<string, any>} config the engine's config the run started with (never rewritten)
 * @property {{ lrDecay: number }} schedule the schedule it started with
 * @property {SettingsChange[]} changes live changes, in order
 * @property {string} source the data it trains on
 * @property {number[]} x one entry per batch (in epochs), and its loss, accuracy, smoothed loss and accuracy
 * @property {number[]} loss
 * @property {number[]} accuracy
 * @property {number[]} emaLoss
 * @property {number[]} emaAccuracy
 * @property {{ loss: number, accuracy: number, t: number }} ema the smoothing state (not stored)
 * @property {EpochEntry[]} epochs
 * @property {number} stepOffset the trainer's step when the run began
 * @property {ProgressValue | null} progress
 * @property {number} runMs
 * @property {Int32Array | null} confusion the test set's latest confusion matrix
 * @property {Int32Array | null} [validationConfusion]
 * @property {number} [classes]
 * @property {HealthEntry[]} [health]
 * @property {Record<string, any>} [experiment] the experiment queue's run this is
 * @property {{ of: string, field: string, to: any }} [comparison] started by "Compare with…": of that run, one field changed
 * @property {boolean} [imported]
 * @property {Dynamics} [dynamics] how each layer learned, every few batches
 * @property {{ points: number, epochs: number, dynamics?: number, segments: number }} [saved] how much of it is
 *   stored (not stored itself)
 */

/** Smoothing of the per-batch curves: an exponential moving average over ~50 batches. */
export const EMA_BETA = 0.98;

/** The fields of a run that are its curves, one entry per batch. */
export const CURVES = Object.freeze(['x', 'loss', 'accuracy', 'emaLoss', 'emaAccuracy']);

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

/**
 * A new, empty run.
 * @param {{ config: Record<string, any>, number: number, label?: string, schedule?: { lrDecay: number },
 *   source?: string, createdAt?: number, id?: string }} spec
 * @returns {Run}
 */
export function createRun({ config, number, label, schedule = { lrDecay: 1 }, source, createdAt = Date.now(), id }) {
  return {
    id: id ?? `run-${createdAt}-${Math.floor(Math.random() * 1e6)}`,
    number,
    label: label ?? `Run ${number}`,
    createdAt,
    config,
    schedule,
    changes: [],
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
 * Adds a `chunk` event's batches: batch i sits at x = epochIndex + (firstBatch + i) / batchesPerEpoch.
 * Updates the run's progress and running time; returns the progress.
 * @param {Run} run
 * @param {Pick<EventOf<'chunk'>, 'batchLoss' | 'batchAccuracy' | 'epochIndex' | 'firstBatch' | 'batchesPerEpoch'
 *   | 'epoch' | 'batchInEpoch' | 'step' | 'runMs'>} m
 * @returns {ProgressValue}
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

/**
 * Adds an `epoch` event's results; returns the run's new epoch entry.
 * @param {Run} run
 * @param {Omit<EventOf<'epoch'>, 'type'>} m
 * @returns {EpochEntry}
 */
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

/**
 * Adds a `dynamics` event's records to the run (the record fields it lacks as NaN).
 * @param {Run} run
 * @param {{ steps: ArrayLike<number>, layers: Record<string, ArrayLike<number>>[] }
 *   & { [field: string]: ArrayLike<number> | any }} m
 */
export function appendDynamics(run, m) {
  run.dynamics ??= /** @type {Dynamics} */ ({
    steps: [],
    layers: m.layers.map(() => Object.fromEntries(DYNAMICS_FIELDS.map((f) => [f, []]))),
    ...Object.fromEntries(RECORD_FIELDS.map((f) => [f, []])),
  });
  const d = run.dynamics;
  if (d.layers.length !== m.layers.length) return; // not this run's network
  for (const f of RECORD_FIELDS) {
    d[f] ??= Array.from(d.steps, () => NaN); // a run kept before the engine gave them
    const from = m[f];
    for (let i = 0; i < m.steps.length; i++) d[f].push(from && i < from.length ? from[i] : NaN);
  }
  for (let i = 0; i < m.steps.length; i++) d.steps.push(m.steps[i]);
  m.layers.forEach((layer, k) => {
    for (const f of DYNAMICS_FIELDS) for (let i = 0; i < layer[f].length; i++) d.layers[k][f].push(layer[f][i]);
  });
}

/**
 * The value a setting had at the run's end (its start, and the live changes after it).
 * @param {Run} run
 * @param {string} field
 */
export function settingNow(run, field) {
  const last = run.changes?.findLast((c) => c.field === field);
  return last ? last.to : field === 'lrDecay' ? run.schedule?.lrDecay : run.config?.[field];
}

/**
 * Settings changed live while the run trained: each field of `next` that differs from its value now is
 * recorded with where it took effect (after the run's `progress`). The run's starting settings stay.
 * Returns the changes recorded.
 * @param {Run} run
 * @param {Record<string, any>} next the fields that may have changed ({ learningRate, optimizer, momentum, lrDecay })
 * @param {ProgressValue} progress where the trainer was when they took effect
 * @returns {SettingsChange[]}
 */
export function recordSettingsChange(run, next, progress) {
  const recorded = [];
  for (const [field, to] of Object.entries(next)) {
    const from = settingNow(run, field);
    if (to === undefined || to === from) continue;
    const x = progress.epoch + progress.batchInEpoch / Math.max(1, progress.batchesPerEpoch);
    recorded.push({
      step: progress.step,
      epoch: progress.epoch,
      batchInEpoch: progress.batchInEpoch,
      x,
      field,
      from,
      to,
    });
  }
  run.changes = [...(run.changes ?? []), ...recorded];
  return recorded;
}

// ---- The stored form ------------------------------------------------------------------

/** How many of the run's points and epochs a checkpoint's model has seen (all, without a checkpoint). */
function seen(run, checkpoint) {
  if (!checkpoint) return { points: run.x.length, epochs: run.epochs.length };
  const step = checkpoint.progress.step;
  return {
    points: Math.max(0, Math.min(run.x.length, step - (run.stepOffset ?? 0))),
    epochs: run.epochs.filter((e) => e.step <= step).length,
  };
}

/**
 * The run's header as stored: everything but its curves and epochs (typed arrays stay typed). With a
 * checkpoint ({ progress, runMs }) the progress and running time are the checkpoint's.
 * @param {Run} run
 * @param {{ progress: ProgressValue, runMs: number } | null} [checkpoint]
 */
export function runHeader(run, checkpoint = null) {
  const { ema, saved, epochs, dynamics, ...rest } = run;
  for (const key of CURVES) delete rest[key];
  return { ...rest, ...(checkpoint ? { progress: checkpoint.progress, runMs: checkpoint.runMs } : {}) };
}

/**
 * The points and epochs from `from` (counts already stored) up to what the checkpoint's model has seen
 * (everything without one), as a stored segment { runId, seq, from, epochsFrom, points: { x: Float64Array,
 * loss, … }, epochs }; with what is then saved, and the health entries up to the checkpoint (which go in
 * the header, replacing the stored ones).
 * @param {Run} run
 * @param {{ progress: ProgressValue, runMs: number } | null} checkpoint
 * @param {{ points: number, epochs: number, dynamics?: number, segments: number }} from
 */
export function runSegment(run, checkpoint, from) {
  const upTo = seen(run, checkpoint);
  const points = Math.max(from.points, upTo.points);
  const step = checkpoint?.progress.step ?? Infinity;
  const dynamicsUpTo = run.dynamics ? run.dynamics.steps.filter((s) => s <= step).length : 0;
  return {
    segment: {
      runId: run.id,
      seq: from.segments,
      from: from.points,
      epochsFrom: from.epochs,
      points: {
        x: Float64Array.from(run.x.slice(from.points, points)),
        loss: Float32Array.from(run.loss.slice(from.points, points)),
        accuracy: Float32Array.from(run.accuracy.slice(from.points, points)),
        emaLoss: Float32Array.from(run.emaLoss.slice(from.points, points)),
        emaAccuracy: Float32Array.from(run.emaAccuracy.slice(from.points, points)),
      },
      epochs: run.epochs.slice(from.epochs, Math.max(from.epochs, upTo.epochs)),
      dynamicsFrom: from.dynamics ?? 0,
      dynamics: dynamicsSlice(run, from.dynamics ?? 0, dynamicsUpTo),
    },
    saved: {
      points,
      epochs: Math.max(from.epochs, upTo.epochs),
      dynamics: Math.max(from.dynamics ?? 0, dynamicsUpTo),
      segments: from.segments + 1,
    },
    health: (run.health ?? []).filter((h) => h.step <= step),
  };
}

/** The records from..upTo of a run's dynamics, as stored (typed arrays), or null when there are none. */
function dynamicsSlice(run, from, upTo) {
  const d = run.dynamics;
  if (!d || upTo <= from) return null;
  return {
    steps: Int32Array.from(d.steps.slice(from, upTo)),
    layers: d.layers.map((l) =>
      Object.fromEntries(DYNAMICS_FIELDS.map((f) => [f, Float32Array.from(l[f].slice(from, upTo))])),
    ),
    ...Object.fromEntries(RECORD_FIELDS.map((f) => [f, Float32Array.from((d[f] ?? []).slice(from, upTo))])),
  };
}

/** Keeps the first n records of dynamics. @param {Dynamics} d @param {number} n */
function truncateDynamics(d, n) {
  d.steps.length = n;
  for (const f of RECORD_FIELDS) if (d[f]) d[f].length = n;
  for (const l of d.layers) for (const f of DYNAMICS_FIELDS) l[f].length = n;
}

/**
 * A stored run back as a live one, from its header and its segments (in order), with the smoothing state
 * to continue its curves where they stopped.
 * @param {Record<string, any>} header
 * @param {Record<string, any>[]} [segments] stored segments: { seq, from, epochsFrom, points: { x, loss, … }, epochs }
 * @returns {Run}
 */
export function assembleRun(header, segments = []) {
  const { segmentCount: _, dynamics: inlineDynamics, ...fields } = header;
  const run = /** @type {Run} */ ({ ...fields, changes: header.changes ?? [], epochs: [] });
  if (inlineDynamics) appendDynamics(run, inlineDynamics);
  for (const key of CURVES) run[key] = Array.from(header[key] ?? []); // records of before the segments kept them inline
  run.epochs = [...(header.epochs ?? [])];
  // In the order they were written; one that starts before the end of what is placed was written again
  // from there (after a failed write) and replaces it, one that starts after it follows a gap.
  for (const s of [...segments].sort((a, b) => a.seq - b.seq)) {
    if (s.from > run.x.length || s.epochsFrom > run.epochs.length) break;
    for (const key of CURVES) {
      run[key].length = s.from;
      for (const v of s.points[key]) run[key].push(v);
    }
    run.epochs.length = s.epochsFrom;
    run.epochs.push(...s.epochs);
    if (s.dynamics) {
      if ((s.dynamicsFrom ?? 0) > (run.dynamics?.steps.length ?? 0)) break;
      if (run.dynamics) truncateDynamics(run.dynamics, s.dynamicsFrom ?? 0);
      appendDynamics(run, s.dynamics);
    }
  }
  run.ema = emptyEma();
  for (let i = 0; i < run.loss.length; i++) smooth(run.ema, run.loss[i], run.accuracy[i]);
  // A record that kept its curves inline (stored whole) is written again as segments from the start.
  const inline = (header.x?.length ?? 0) > 0 || (header.epochs?.length ?? 0) > 0;
  run.saved = inline
    ? { points: 0, epochs: 0, dynamics: 0, segments: 0 }
    : {
        points: run.x.length,
        epochs: run.epochs.length,
        dynamics: run.dynamics?.steps.length ?? 0,
        segments: segments.reduce((n, s) => Math.max(n, s.seq + 1), 0),
      };
  return run;
}

/**
 * The whole run in one stored record (curves as typed arrays, no smoothing state), up to what a
 * checkpoint's model has seen when given: for exports and for a run cut back to a checkpoint.
 * @param {Run} run
 * @param {{ progress: ProgressValue, runMs: number } | null} [checkpoint]
 */
export function serialiseRun(run, checkpoint = null) {
  const { points, epochs } = seen(run, checkpoint);
  const step = checkpoint?.progress.step ?? Infinity;
  const dynamics = run.dynamics ? run.dynamics.steps.filter((s) => s <= step).length : 0;
  return {
    ...runHeader(run, checkpoint),
    dynamics: dynamicsSlice(run, 0, dynamics),
    x: Float64Array.from(run.x.slice(0, points)),
    loss: Float32Array.from(run.loss.slice(0, points)),
    accuracy: Float32Array.from(run.accuracy.slice(0, points)),
    emaLoss: Float32Array.from(run.emaLoss.slice(0, points)),
    emaAccuracy: Float32Array.from(run.emaAccuracy.slice(0, points)),
    epochs: run.epochs.slice(0, epochs),
  };
}

/**
 * A stored record (serialiseRun's) back as a live run.
 * @param {Record<string, any>} stored
 * @returns {Run}
 */
export function deserialiseRun(stored) {
  return assembleRun(stored);
}
