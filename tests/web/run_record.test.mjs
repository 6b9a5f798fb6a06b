// Unit tests for web/page/runs/run_record.js: the run record's curves, epochs,
// smoothing and stored form.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  EMA_BETA,
  addEpoch,
  appendChunk,
  appendDynamics,
  assembleRun,
  createRun,
  deserialiseRun,
  emptyEma,
  lastX,
  nextRunNumber,
  recordSettingsChange,
  runHeader,
  runSegment,
  serialiseRun,
  settingNow,
  smooth,
} from '../../web/page/runs/run_record.js';

const near = (a, b, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

// A `chunk` message of k batches starting at (1-based) step `first`, in epochs of `bpe` batches.
function chunk(first, k, { bpe = 10, loss = (s) => 1 / s, accuracy = (s) => s / 100, runMs = first * 10 } = {}) {
  const steps = Array.from({ length: k }, (_, i) => first + i);
  const last = first + k - 1;
  const epochIndex = Math.floor((first - 1) / bpe);
  const inEpoch = last - epochIndex * bpe;
  return {
    firstStep: first,
    epochIndex,
    firstBatch: first - epochIndex * bpe,
    batchLoss: Float32Array.from(steps, loss),
    batchAccuracy: Float32Array.from(steps, accuracy),
    epoch: inEpoch === bpe ? epochIndex + 1 : epochIndex,
    batchInEpoch: inEpoch === bpe ? 0 : inEpoch,
    batchesPerEpoch: bpe,
    step: last,
    runMs,
  };
}

const epochMessage = (epoch, step, accuracy = 0.9) => ({
  epoch,
  step,
  train: { loss: 0.4, accuracy: accuracy - 0.01, count: 40 },
  validation: null,
  test: { loss: 0.3, accuracy, count: 10 },
  confusion: new Int32Array(4),
  classes: 2,
  evalMs: 4,
  runMs: step * 10 + 5,
});

test('smoothing: an EMA with bias correction, as computed by hand', () => {
  const ema = emptyEma();
  // One batch: the corrected average is the value itself.
  const s1 = smooth(ema, 1, 0.5);
  near(s1.loss, 1);
  near(s1.accuracy, 0.5);
  near(ema.loss, 1 - EMA_BETA);
  // Two batches, 1 then 0: β(1−β)·1 / (1 − β²) = β / (1 + β) = 0.98 / 1.98.
  const s2 = smooth(ema, 0, 0.5);
  near(s2.loss, 0.98 / 1.98, 1e-12);
  near(s2.accuracy, 0.5, 1e-12);
  assert.equal(ema.t, 2);
  // A constant input gives that constant from the first batch on (uncorrected it would start near 0).
  const c = emptyEma();
  for (let i = 0; i < 5; i++) near(smooth(c, 2.5, 1).loss, 2.5, 1e-12);
  near(c.loss, 2.5 * (1 - EMA_BETA ** 5), 1e-12);
});

test('a new run, numbered after the others', () => {
  assert.equal(nextRunNumber([]), 1);
  assert.equal(nextRunNumber([{ number: 2 }, { number: 7 }, {}]), 8);
  const run = createRun({ config: { layers: [4, 2] }, number: 3, source: 'MNIST', createdAt: 1234 });
  assert.equal(run.label, 'Run 3');
  assert.match(run.id, /^run-1234-\d+$/);
  assert.deepEqual(run.schedule, { lrDecay: 1 });
  assert.deepEqual([run.x, run.epochs, run.stepOffset, run.runMs], [[], [], 0, 0]);
  assert.equal(createRun({ config: {}, number: 1, label: 'Restored model' }).label, 'Restored model');
  assert.equal(lastX(run), 0);
  assert.equal(lastX(null), 0);
});

test('chunks add points at their place in the epoch, raw and smoothed', () => {
  const run = createRun({ config: {}, number: 1 });
  const p1 = appendChunk(run, chunk(1, 4));
  assert.deepEqual(p1, { epoch: 0, batchInEpoch: 4, batchesPerEpoch: 10, step: 4 });
  appendChunk(run, chunk(5, 6)); // to the epoch's end
  appendChunk(run, chunk(11, 2));
  assert.equal(run.x.length, 12);
  near(run.x[0], 0.1);
  near(run.x[9], 1);
  near(run.x[11], 1.2);
  assert.equal(lastX(run), run.x[11]);
  near(run.loss[2], 1 / 3);
  assert.deepEqual(run.progress, { epoch: 1, batchInEpoch: 2, batchesPerEpoch: 10, step: 12 });
  assert.equal(run.runMs, 110);
  // The smoothed curve is smooth() applied batch after batch.
  const ema = emptyEma();
  for (let i = 0; i < 12; i++) {
    const s = smooth(ema, run.loss[i], run.accuracy[i]);
    near(run.emaLoss[i], s.loss, 1e-12);
    near(run.emaAccuracy[i], s.accuracy, 1e-12);
  }
});

test('epochs are recorded with their results; settings changes with where they happened', () => {
  const run = createRun({ config: { learningRate: 0.1, optimizer: 'sgd', layers: [4, 2] }, number: 1 });
  appendChunk(run, chunk(1, 10));
  const entry = addEpoch(run, epochMessage(1, 10));
  assert.deepEqual(entry, {
    epoch: 1,
    x: 1,
    step: 10,
    train: { loss: 0.4, accuracy: 0.89, count: 40 },
    trainSet: null,
    validation: null,
    test: { loss: 0.3, accuracy: 0.9, count: 10 },
    runMs: 105,
    evalMs: 4,
  });
  assert.equal(run.epochs.length, 1);
  assert.equal(run.classes, 2);
  assert.equal(run.runMs, 105);
  // A live change is recorded with where it took effect; the settings the run started with stay.
  const progress = { epoch: 1, batchInEpoch: 0, batchesPerEpoch: 10, step: 10 };
  const recorded = recordSettingsChange(run, { learningRate: 0.05, optimizer: 'adam', momentum: undefined }, progress);
  assert.equal(run.config.learningRate, 0.1, 'the run keeps the learning rate it started with');
  assert.equal(run.config.optimizer, 'sgd');
  assert.deepEqual(recorded, run.changes);
  assert.deepEqual(run.changes, [
    { step: 10, epoch: 1, batchInEpoch: 0, x: 1, field: 'learningRate', from: 0.1, to: 0.05 },
    { step: 10, epoch: 1, batchInEpoch: 0, x: 1, field: 'optimizer', from: 'sgd', to: 'adam' },
  ]);
  assert.equal(settingNow(run, 'learningRate'), 0.05);
  // A value it already has is no change; a second change is recorded from the first one's value.
  recordSettingsChange(run, { learningRate: 0.05 }, progress);
  assert.equal(run.changes.length, 2);
  recordSettingsChange(run, { learningRate: 0.01 }, { ...progress, batchInEpoch: 5, step: 15 });
  assert.deepEqual(run.changes.at(-1), {
    step: 15,
    epoch: 1,
    batchInEpoch: 5,
    x: 1.5,
    field: 'learningRate',
    from: 0.05,
    to: 0.01,
  });
  assert.equal(settingNow(run, 'lrDecay'), 1, 'the decay: the schedule it started with');
  // An epoch that evaluated the training images but not the test set keeps the last confusion matrix.
  const confusion = run.confusion;
  const lean = addEpoch(run, {
    ...epochMessage(2, 20),
    trainSet: { loss: 0.2, accuracy: 0.95, count: 30 },
    test: null,
    confusion: null,
  });
  assert.deepEqual(lean.trainSet, { loss: 0.2, accuracy: 0.95, count: 30 });
  assert.equal(lean.test, null);
  assert.equal(run.confusion, confusion);
});

test('the stored form has typed arrays and no smoothing state; it reads back as it was', () => {
  const run = createRun({ config: { layers: [4, 2] }, number: 1, createdAt: 5 });
  appendChunk(run, chunk(1, 10));
  addEpoch(run, epochMessage(1, 10));
  appendChunk(run, chunk(11, 3));
  const stored = serialiseRun(run);
  assert.ok(stored.x instanceof Float64Array);
  assert.ok(stored.loss instanceof Float32Array && stored.emaAccuracy instanceof Float32Array);
  assert.equal(stored.ema, undefined);
  assert.equal(stored.x.length, 13);
  assert.equal(structuredClone(stored).id, run.id, 'IndexedDB can store it');
  const back = deserialiseRun(structuredClone(stored));
  assert.deepEqual(back.x, run.x);
  assert.deepEqual(back.epochs, run.epochs);
  assert.ok(Array.isArray(back.loss));
  assert.ok(run.ema, 'the live run keeps its smoothing state');
});

test('a restored run continues its smoothed curve exactly where it stopped', () => {
  const whole = createRun({ config: {}, number: 1 });
  appendChunk(whole, chunk(1, 7));
  appendChunk(whole, chunk(8, 9));
  const first = createRun({ config: {}, number: 1 });
  appendChunk(first, chunk(1, 7));
  const restored = deserialiseRun(serialiseRun(first));
  assert.deepEqual(restored.ema, first.ema);
  appendChunk(restored, chunk(8, 9));
  for (let i = 0; i < 16; i++) near(restored.emaLoss[i], whole.emaLoss[i], 1e-6);
  near(restored.emaLoss[15], whole.emaLoss[15], 1e-12);
});

test('a checkpoint keeps only what the saved model has seen', () => {
  // A run that began at step 100 (a loaded model); the worker trained on to
  // step 125 while the checkpoint of step 120 was on its way.
  const run = createRun({ config: {}, number: 1 });
  run.stepOffset = 100;
  appendChunk(run, chunk(101, 10)); // steps 101..110 = epoch 11
  addEpoch(run, epochMessage(11, 110));
  appendChunk(run, chunk(111, 10));
  addEpoch(run, epochMessage(12, 120));
  appendChunk(run, chunk(121, 5));
  assert.equal(run.x.length, 25);
  const checkpoint = { progress: { epoch: 11, batchInEpoch: 7, batchesPerEpoch: 10, step: 117 }, runMs: 1170 };
  const stored = serialiseRun(run, checkpoint);
  assert.equal(stored.x.length, 17, 'points up to step 117');
  assert.equal(stored.emaLoss.length, 17);
  near(stored.x.at(-1), run.x[16]);
  assert.deepEqual(
    stored.epochs.map((e) => e.epoch),
    [11],
    'the epoch of step 120 is not in the model yet',
  );
  assert.deepEqual(stored.progress, checkpoint.progress);
  assert.equal(stored.runMs, 1170);
  // The live run is untouched.
  assert.equal(run.x.length, 25);
  assert.equal(run.epochs.length, 2);
  assert.equal(run.progress.step, 125);
  // A checkpoint from before the run began keeps nothing; one after its end keeps everything.
  assert.equal(serialiseRun(run, { progress: { ...checkpoint.progress, step: 90 }, runMs: 0 }).x.length, 0);
  assert.equal(serialiseRun(run, { progress: { ...checkpoint.progress, step: 999 }, runMs: 0 }).x.length, 25);
});

test('a save appends what the run added since the last one, and the segments read back as the run', () => {
  const run = createRun({ config: { learningRate: 0.1 }, number: 1, createdAt: 5 });
  const saved = { points: 0, epochs: 0, segments: 0 };
  const parts = [];
  const save = (checkpoint) => {
    const part = runSegment(run, checkpoint, run.saved ?? saved);
    run.saved = part.saved;
    parts.push(part.segment);
    return part;
  };
  appendChunk(run, chunk(1, 10));
  addEpoch(run, epochMessage(1, 10));
  appendChunk(run, chunk(11, 3));
  // A checkpoint at step 10: the first epoch's points and its entry, not the 3 batches trained on since.
  const first = save({ progress: { epoch: 1, batchInEpoch: 0, batchesPerEpoch: 10, step: 10 }, runMs: 100 });
  assert.equal(first.segment.points.x.length, 10);
  assert.deepEqual(first.saved, { points: 10, epochs: 1, dynamics: 0, segments: 1 });
  appendChunk(run, chunk(14, 7));
  addEpoch(run, epochMessage(2, 20));
  const second = save(null);
  assert.deepEqual([second.segment.from, second.segment.points.x.length], [10, 10], 'only the new points');
  assert.deepEqual(
    second.segment.epochs.map((e) => e.epoch),
    [2],
    'only the new epochs',
  );
  assert.equal(second.segment.seq, 1);
  // A save with nothing new still writes a (empty) segment: the header's progress moves on alone.
  assert.equal(save(null).segment.points.x.length, 0);
  const header = structuredClone(runHeader(run));
  assert.equal(header.x, undefined, 'the header has no curves');
  assert.equal(header.epochs, undefined);
  const back = assembleRun(header, structuredClone(parts).reverse());
  assert.deepEqual(back.x, run.x);
  assert.deepEqual(back.emaLoss, Array.from(Float32Array.from(run.emaLoss)), 'stored as float32');
  assert.deepEqual(back.epochs, run.epochs);
  assert.deepEqual(back.ema, run.ema, 'its curve goes on where it stopped');
  assert.deepEqual(back.saved, { points: 20, epochs: 2, dynamics: 0, segments: 3 });
});

test('segments: a gap stops the run where it is; a run written again from its start replaces the older copy', () => {
  const run = createRun({ config: {}, number: 1 });
  appendChunk(run, chunk(1, 10));
  addEpoch(run, epochMessage(1, 10));
  appendChunk(run, chunk(11, 10));
  const a = runSegment(
    run,
    { progress: { epoch: 1, batchInEpoch: 0, batchesPerEpoch: 10, step: 10 }, runMs: 1 },
    {
      points: 0,
      epochs: 0,
      segments: 0,
    },
  );
  const b = runSegment(run, null, a.saved);
  // Without its first segment, the second one cannot be placed.
  assert.equal(assembleRun(runHeader(run), [b.segment]).x.length, 0);
  // A failed write: the run is written again from its start, with the next number (unsavedAgain).
  const again = runSegment(run, null, { points: 0, epochs: 0, segments: 2 });
  const back = assembleRun(runHeader(run), [a.segment, again.segment]);
  assert.deepEqual(back.x, run.x);
  assert.deepEqual(
    back.epochs.map((e) => e.epoch),
    [1],
  );
  // A record of before segments (its curves inline) reads back whole, and is written as segments from the start.
  const old = deserialiseRun(serialiseRun(run));
  assert.deepEqual(old.x, run.x);
  assert.deepEqual(old.saved, { points: 0, epochs: 0, dynamics: 0, segments: 0 });
});

test('the layers’ dynamics go with the run: appended as they come, saved in segments up to the checkpoint', () => {
  const run = createRun({ config: {}, number: 1 });
  const records = (steps) => ({
    steps: Int32Array.from(steps),
    layers: [0, 1].map((k) => ({
      gradNorm: Float32Array.from(steps, (s) => s + k),
      updateRatio: Float32Array.from(steps, () => 0.001),
      activationMean: Float32Array.from(steps, () => 0.5),
      activationStd: Float32Array.from(steps, () => 0.1),
      saturated: Float32Array.from(steps, () => 0.25),
    })),
  });
  appendChunk(run, chunk(1, 10));
  appendDynamics(run, records([2, 4, 6, 8, 10]));
  appendChunk(run, chunk(11, 4));
  appendDynamics(run, records([12, 14]));
  assert.deepEqual(run.dynamics.steps, [2, 4, 6, 8, 10, 12, 14]);
  assert.deepEqual(run.dynamics.layers[1].gradNorm, [3, 5, 7, 9, 11, 13, 15]);
  // A checkpoint at step 10 saves the records up to it; the next save the rest.
  const first = runSegment(
    run,
    { progress: { epoch: 1, batchInEpoch: 0, batchesPerEpoch: 10, step: 10 }, runMs: 1 },
    {
      points: 0,
      epochs: 0,
      segments: 0,
    },
  );
  assert.deepEqual(Array.from(first.segment.dynamics.steps), [2, 4, 6, 8, 10]);
  const second = runSegment(run, null, first.saved);
  assert.deepEqual(Array.from(second.segment.dynamics.steps), [12, 14]);
  const back = assembleRun(structuredClone(runHeader(run)), structuredClone([first.segment, second.segment]));
  assert.deepEqual(back.dynamics, run.dynamics);
  // The whole record (an export, a run cut back to a checkpoint) has them up to its checkpoint.
  const cut = deserialiseRun(
    serialiseRun(run, { progress: { epoch: 1, batchInEpoch: 2, batchesPerEpoch: 10, step: 12 }, runMs: 1 }),
  );
  assert.deepEqual(cut.dynamics.steps, [2, 4, 6, 8, 10, 12]);
});

test('each record’s batch size, loss, gradient and step norms go with the run, through segments and whole records', () => {
  const run = createRun({ config: {}, number: 1 });
  const records = (steps, extras = true) => ({
    steps: Int32Array.from(steps),
    layers: [
      {
        gradNorm: Float32Array.from(steps, (s) => s),
        updateRatio: Float32Array.from(steps, () => 0.001),
        activationMean: Float32Array.from(steps, () => 0.5),
        activationStd: Float32Array.from(steps, () => 0.1),
        saturated: Float32Array.from(steps, () => 0.25),
      },
    ],
    ...(extras
      ? {
          batchSize: Int32Array.from(steps, (s) => (s === 10 ? 16 : 128)),
          loss: Float32Array.from(steps, (s) => 1 / s),
          gradNorm: Float32Array.from(steps, (s) => 2 * s),
          stepNorm: Float32Array.from(steps, (s) => s / 4),
        }
      : {}),
  });
  appendChunk(run, chunk(1, 10));
  appendDynamics(run, records([2, 4, 6, 8, 10]));
  assert.deepEqual(run.dynamics.batchSize, [128, 128, 128, 128, 16]);
  assert.deepEqual(run.dynamics.loss, [1 / 2, 1 / 4, 1 / 6, 1 / 8, 1 / 10].map(Math.fround));
  assert.deepEqual(run.dynamics.gradNorm, [4, 8, 12, 16, 20]);
  assert.deepEqual(run.dynamics.stepNorm, [0.5, 1, 1.5, 2, 2.5]);
  // Records without them (an older engine's) keep the arrays aligned with the steps.
  appendChunk(run, chunk(11, 2));
  appendDynamics(run, records([12], false));
  assert.deepEqual(run.dynamics.gradNorm, [4, 8, 12, 16, 20, NaN]);
  assert.equal(run.dynamics.stepNorm.length, run.dynamics.steps.length);
  const first = runSegment(
    run,
    { progress: { epoch: 1, batchInEpoch: 0, batchesPerEpoch: 10, step: 10 }, runMs: 1 },
    { points: 0, epochs: 0, segments: 0 },
  );
  assert.deepEqual(Array.from(first.segment.dynamics.stepNorm), [0.5, 1, 1.5, 2, 2.5]);
  const second = runSegment(run, null, first.saved);
  const back = assembleRun(structuredClone(runHeader(run)), structuredClone([first.segment, second.segment]));
  assert.deepEqual(back.dynamics, run.dynamics);
  const whole = deserialiseRun(structuredClone(serialiseRun(run)));
  assert.deepEqual(whole.dynamics.batchSize, [128, 128, 128, 128, 16, NaN]);
  // A run stored before the engine gave them reads back with NaN in their place.
  const old = structuredClone(serialiseRun(run));
  for (const f of ['batchSize', 'loss', 'gradNorm', 'stepNorm']) delete old.dynamics[f];
  const restored = deserialiseRun(old);
  assert.equal(restored.dynamics.loss.length, 6);
  assert.ok(restored.dynamics.loss.every(Number.isNaN));
});
