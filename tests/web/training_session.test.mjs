// Unit tests for web/worker/training_session.js with a fake trainer and a
// fake clock: chunk scheduling, the epoch target, steps, the per-epoch
// bookkeeping, evaluation, divergence. Every message the session emits goes
// through protocol.eventMessage(), so each one is checked against its field list.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { State, eventMessage } from '../../web/shared/protocol.js';
import {
  CHUNK_MS,
  DYNAMICS_PER_EPOCH,
  EPOCH_CHECKPOINT_MS,
  MAX_BATCHES_PER_CHUNK,
  PACED_CHUNK_MS,
  RATE_WINDOW,
  TrainingSession,
} from '../../web/worker/training_session.js';
import { FakeTrainer, fakeClock, parameterCount } from './fake_trainer.mjs';

const DATA = { train: 40, validation: 10, test: 10, rows: 4, cols: 4 };

function setup(trainerOptions = {}, data = DATA) {
  const clock = fakeClock();
  const sent = [];
  const session = new TrainingSession({
    parameterCount,
    emit: (type, payload) => sent.push(eventMessage(type, payload)),
    now: clock.now,
  });
  const trainer = new FakeTrainer(clock, trainerOptions);
  session.setData(data);
  session.replaceTrainer(trainer);
  sent.length = 0;
  const of = (type) => sent.filter((m) => m.type === type);
  // Runs ticks as the worker's scheduler would, while the session wants them (at most `limit`).
  const run = (limit = 10_000) => {
    let n = 0;
    while (session.wantsTick && n < limit) {
      session.tick();
      n++;
    }
    return n;
  };
  return { clock, sent, session, trainer, of, run };
}

test(`the batches per chunk adapt towards ${CHUNK_MS} ms of work`, () => {
  const { session, trainer, of, run } = setup({ batchesPerEpoch: 100_000, msPerBatch: 0.5 });
  session.train({ epochs: 1 });
  run(12);
  const sizes = of('chunk').map((c) => c.batchesPerChunk);
  // From one batch, halfway to the 25 ms target (50 batches of 0.5 ms) each chunk.
  assert.deepEqual(sizes, [1, 26, 38, 44, 47, 49, 50, 50, 50, 50, 50, 50]);
  assert.deepEqual(trainer.chunks, sizes);
  assert.equal(of('chunk').at(-1).trainMs, CHUNK_MS);

  // Slower batches: back down to ~25 ms (25 / 10 ms = 2.5 batches, rounded).
  trainer.msPerBatch = 10;
  run(10);
  assert.equal(session.batchesPerChunk, 3);
  assert.ok(of('chunk').at(-1).trainMs <= 30);

  // Batches that take no measurable time: capped.
  trainer.msPerBatch = 0;
  run(30);
  assert.equal(session.batchesPerChunk, MAX_BATCHES_PER_CHUNK);
});

test('training stops at the epoch target, with a checkpoint', () => {
  const { session, trainer, of, sent, run } = setup({ batchesPerEpoch: 10 });
  session.train({ epochs: 2 });
  assert.equal(session.state, State.RUNNING);
  assert.deepEqual(sent.at(-1), { type: 'status', state: 'running' });
  run();
  assert.equal(trainer.epoch, 2);
  assert.equal(trainer.batchInEpoch, 0);
  assert.deepEqual(
    of('epoch').map((e) => e.epoch),
    [1, 2],
  );
  assert.deepEqual(sent.at(-2), { type: 'status', state: 'idle', message: 'finished' });
  assert.equal(sent.at(-1).type, 'checkpoint');
  assert.equal(sent.at(-1).reason, 'finished');
  assert.equal(session.wantsTick, false);
  // "Train more" counts from where the trainer is.
  session.train({ epochs: 1 });
  run();
  assert.equal(trainer.epoch, 3);
});

test('a resume keeps the target of the interrupted run; stop forgets it', () => {
  const { session, trainer, of, run } = setup({ batchesPerEpoch: 10, msPerBatch: 5 });
  session.train({ epochs: 3 });
  run(3); // 1 + 3 + 4 batches: mid-epoch 1
  session.pause();
  assert.equal(session.state, State.PAUSED);
  assert.equal(of('checkpoint').at(-1).reason, 'pause');
  assert.equal(session.wantsTick, false);
  session.train({ epochs: 1, resume: true });
  run();
  assert.equal(trainer.epoch, 3, 'the resumed run still ends at epoch 3');

  session.train({ epochs: 5 });
  run(2);
  session.stop();
  assert.deepEqual(of('status').at(-1), { type: 'status', state: 'idle', message: 'stopped' });
  assert.equal(of('checkpoint').at(-1).reason, 'stop');
  const stoppedAt = trainer.epoch;
  assert.ok(stoppedAt + 1 < 3 + 5);
  session.train({ epochs: 1, resume: true });
  run();
  assert.equal(trainer.epoch, stoppedAt + 1, 'after a stop, a resume trains the epochs it is given');
});

test('a step trains exactly one batch, then pauses', () => {
  const { session, trainer, of, sent, run } = setup({ batchesPerEpoch: 1000, msPerBatch: 0.5 });
  session.train({ epochs: 1 });
  run(5); // the chunks have grown meanwhile
  session.pause();
  assert.ok(session.batchesPerChunk > 1);
  const stepBefore = trainer.step;
  sent.length = 0;
  session.step();
  assert.equal(session.state, State.RUNNING);
  assert.equal(run(), 1);
  assert.equal(trainer.step, stepBefore + 1);
  const [chunk] = of('chunk');
  assert.equal(chunk.batchLoss.length, 1);
  assert.equal(chunk.batchesPerChunk, 1);
  assert.equal(chunk.firstStep, stepBefore + 1);
  assert.deepEqual(sent.at(-1), { type: 'status', state: 'paused', message: 'step' });
  assert.equal(session.state, State.PAUSED);
  // While running, a step request is ignored.
  session.train({ epochs: 1, resume: true });
  session.step();
  assert.equal(run(1), 1);
  assert.ok(of('chunk').at(-1).batchesPerChunk > 1);
});

test('the epoch’s training loss and accuracy are the sample-weighted means of its chunks', () => {
  // 7 batches of 4 samples and a last batch of 1: chunks of 1, 3 and 4 batches.
  const { session, trainer, of, run } = setup({
    batchesPerEpoch: 8,
    batchSize: 4,
    lastBatchSize: 1,
    loss: (s) => s * s,
    accuracy: (s) => s / 10,
    msPerBatch: 5,
  });
  session.train({ epochs: 1 });
  run();
  const chunks = of('chunk');
  assert.deepEqual(
    chunks.map((c) => c.batchLoss.length),
    [1, 3, 4],
  );
  const sizes = [4, 4, 4, 4, 4, 4, 4, 1];
  const steps = sizes.map((_, i) => i + 1);
  const samples = 29;
  const loss = steps.reduce((a, s, i) => a + s * s * sizes[i], 0) / samples;
  const accuracy = steps.reduce((a, s, i) => a + (s / 10) * sizes[i], 0) / samples;
  const [epoch] = of('epoch');
  assert.equal(epoch.train.count, samples);
  assert.ok(Math.abs(epoch.train.loss - loss) < 1e-9, `${epoch.train.loss} vs ${loss}`);
  assert.ok(Math.abs(epoch.train.accuracy - accuracy) < 1e-6, `${epoch.train.accuracy} vs ${accuracy}`);
  // Not the plain mean of the chunks' means.
  const naive =
    chunks.reduce((a, c) => a + c.batchLoss.reduce((x, y) => x + y, 0) / c.batchLoss.length, 0) / chunks.length;
  assert.ok(Math.abs(naive - loss) > 1);
  // The chunks' batches are placed in their epoch.
  assert.deepEqual(
    chunks.map((c) => [c.epochIndex, c.firstBatch, c.firstStep]),
    [
      [0, 1, 1],
      [0, 2, 2],
      [0, 5, 5],
    ],
  );
  // The next epoch starts from zero.
  session.train({ epochs: 1 });
  run();
  const second = of('epoch')[1];
  assert.equal(second.train.count, samples);
  assert.equal(trainer.epoch, 2);
});

test('the evaluation runs one split per tick; a pause between them finishes it without resuming', () => {
  const { session, trainer, of, run } = setup({ batchesPerEpoch: 3, msPerBatch: 100 });
  session.train({ epochs: 5 });
  run(3); // three chunks of one batch: the epoch's last chunk
  assert.equal(of('epoch').length, 0);
  assert.equal(session.wantsTick, true);
  session.tick();
  assert.deepEqual(trainer.evaluated, ['validation']);
  assert.equal(of('epoch').length, 0, 'no epoch message before the last split');
  session.pause();
  assert.equal(session.state, State.PAUSED);
  assert.equal(session.wantsTick, true, 'the evaluation still wants its tick');
  session.tick();
  assert.deepEqual(trainer.evaluated, ['validation', 'test']);
  const [epoch] = of('epoch');
  assert.deepEqual(epoch.validation, { loss: 0.5, accuracy: 0.8, count: 100 });
  assert.deepEqual(epoch.test, { loss: 0.5, accuracy: 0.75, count: 100 });
  assert.equal(epoch.classes, 4);
  assert.equal(of('checkpoint').at(-1).reason, 'epoch');
  assert.equal(session.wantsTick, false);
  assert.equal(trainer.step, 3, 'training did not resume');
});

test('without a validation split only the test set is evaluated', () => {
  const { session, trainer, of, run } = setup({ batchesPerEpoch: 2 }, { ...DATA, validation: 0 });
  session.train({ epochs: 1 });
  run();
  assert.deepEqual(trainer.evaluated, ['test']);
  assert.equal(of('epoch')[0].validation, null);
});

test('runMs counts training and evaluation; evalMs the evaluation alone', () => {
  const { session, of, run } = setup({ batchesPerEpoch: 4, msPerBatch: 2, evalMs: 7 });
  session.train({ epochs: 1 });
  run();
  const chunks = of('chunk');
  assert.deepEqual(
    chunks.map((c) => c.trainMs),
    chunks.map((c) => 2 * c.batchLoss.length),
  );
  assert.equal(chunks.at(-1).runMs, 8);
  const [epoch] = of('epoch');
  assert.equal(epoch.evalMs, 14);
  assert.equal(epoch.runMs, 8 + 14);
  assert.equal(session.runMs, 22);
  assert.equal(of('checkpoint').at(-1).runMs, 22);
  // A new trainer starts its own count (or continues a given one).
  session.replaceTrainer(new FakeTrainer(fakeClock()), { runMs: 5000 });
  assert.equal(session.runMs, 5000);
});

test(`samples/s is measured over the last ${RATE_WINDOW} chunks`, () => {
  const { session, trainer, of, run } = setup({ batchesPerEpoch: 1e9, batchSize: 4, msPerBatch: 1 });
  session.train({ epochs: 1 });
  run(RATE_WINDOW + 5);
  assert.equal(of('chunk').at(-1).samplesPerSecond, 4000);
  trainer.msPerBatch = 2;
  run(1);
  const mixed = of('chunk').at(-1).samplesPerSecond;
  assert.ok(mixed > 2000 && mixed < 4000, `${mixed}`);
  run(RATE_WINDOW - 2);
  assert.ok(of('chunk').at(-1).samplesPerSecond > 2000, 'one fast chunk is still in the window');
  run(1);
  assert.equal(of('chunk').at(-1).samplesPerSecond, 2000);
});

test('the learning-rate decay applies after each epoch and is reported', () => {
  const { session, trainer, of, run } = setup({ batchesPerEpoch: 2, learningRate: 0.1 });
  session.train({ epochs: 2, lrDecay: 0.5 });
  run();
  assert.deepEqual(trainer.learningRates, [0.05, 0.025]);
  const reports = of('trainer').filter((m) => m.reason === 'schedule');
  assert.deepEqual(
    reports.map((m) => m.config.learningRate),
    [0.05, 0.025],
  );
  assert.equal(reports[0].parameters, 8 * 17 + 4 * 9);
  session.setSchedule(1);
  session.train({ epochs: 1 });
  run();
  assert.deepEqual(trainer.learningRates, [0.05, 0.025], 'γ = 1: no change');
});

test('a diverging batch stops training and says so', () => {
  const { session, trainer, of, sent, run } = setup({ batchesPerEpoch: 100, msPerBatch: 1, divergeAtStep: 30 });
  session.train({ epochs: 1 });
  run();
  assert.equal(session.state, State.DIVERGED);
  assert.equal(session.wantsTick, false);
  const [d] = of('diverged');
  assert.equal(d.kind, 'DivergedError');
  assert.match(d.message, /diverged/);
  assert.deepEqual(d.progress, trainer.progress());
  assert.ok(trainer.step < 30);
  assert.deepEqual(sent.at(-1), { type: 'status', state: 'diverged', message: d.message });
});

test('replacing the trainer deletes the old one and drops its pending evaluation', () => {
  const { session, trainer, of, run } = setup({ batchesPerEpoch: 1 });
  session.train({ epochs: 3 });
  run(1); // the epoch's only chunk: its evaluation is pending
  assert.equal(session.wantsTick, true);
  const next = new FakeTrainer(fakeClock());
  session.replaceTrainer(next);
  assert.equal(trainer.deleted, true);
  assert.equal(session.trainer, next);
  assert.equal(session.state, State.IDLE);
  assert.deepEqual(
    of('status')
      .map((m) => m.state)
      .slice(-2),
    ['paused', 'idle'],
  );
  run();
  assert.deepEqual(trainer.evaluated, []);
  assert.equal(of('epoch').length, 0);
});

test('data of another image size drops the trainer; training needs a trainer and data', () => {
  const { session, trainer, of } = setup();
  session.setData({ ...DATA, rows: 3, cols: 3 });
  assert.equal(trainer.deleted, true);
  assert.equal(session.trainer, null);
  assert.deepEqual(of('trainer').at(-1), {
    type: 'trainer',
    config: null,
    progress: null,
    parameters: 0,
    reason: 'data-changed',
    runMs: 0,
  });
  assert.throws(() => session.train({ epochs: 1 }), /no model yet/);
  assert.throws(() => session.step(), /no model yet/);

  const clock = fakeClock();
  const fresh = new TrainingSession({ parameterCount, emit: () => {}, now: clock.now });
  fresh.replaceTrainer(new FakeTrainer(clock));
  assert.throws(() => fresh.train({ epochs: 1 }), /data is not loaded/);
});

test('an evaluation plan evaluates its splits after every epoch, and more after the last', () => {
  const { session, trainer, of, run } = setup({ batchesPerEpoch: 4 });
  session.train({ epochs: 3, evaluate: { each: ['trainSet'], last: ['validation', 'test'] } });
  run();
  // Each split once per epoch, in the order trainSet, validation, test.
  assert.deepEqual(trainer.evaluated, ['trainSet', 'trainSet', 'trainSet', 'validation', 'test']);
  const epochs = of('epoch');
  assert.deepEqual(
    epochs.map((e) => [Boolean(e.trainSet), Boolean(e.validation), Boolean(e.test), Boolean(e.confusion)]),
    [
      [true, false, false, false],
      [true, false, false, false],
      [true, true, true, true],
    ],
  );
  assert.deepEqual(epochs[0].trainSet, { loss: 0.4, accuracy: 0.85, count: 16 });
  assert.equal(epochs[0].classes, 4);
  assert.equal(session.state, State.IDLE);

  // A new target without a plan evaluates the default again: validation and test, no training set.
  trainer.evaluated.length = 0;
  session.train({ epochs: 1 });
  run();
  assert.deepEqual(trainer.evaluated, ['validation', 'test']);
  assert.equal(of('epoch').at(-1).trainSet, null);
});

test('an empty plan still reports each epoch; a resume keeps the plan; unknown splits are refused', () => {
  const { session, trainer, of, run } = setup({ batchesPerEpoch: 4 });
  session.train({ epochs: 3, evaluate: { each: [], last: ['trainSet'] } });
  run(2);
  session.pause();
  session.train({ epochs: 1, resume: true });
  run();
  assert.deepEqual(trainer.evaluated, ['trainSet']);
  assert.deepEqual(
    of('epoch').map((e) => e.epoch),
    [1, 2, 3],
  );
  assert.throws(() => session.train({ epochs: 1, evaluate: { each: ['train'] } }), /unknown evaluation split 'train'/);
});

test('a resume after a pause during the last epoch’s evaluation finishes without training more', () => {
  const { session, trainer, of, run } = setup({ batchesPerEpoch: 4, msPerBatch: 0 });
  session.train({ epochs: 1 });
  // The epoch's chunks, then its evaluation: pause in between.
  while (trainer.epoch < 1) session.tick();
  assert.equal(of('epoch').length, 0);
  session.pause();
  run();
  assert.equal(of('epoch').length, 1);
  session.train({ epochs: 5, resume: true });
  assert.equal(session.state, State.IDLE);
  assert.equal(trainer.step, 4, 'no batch beyond the target');
  assert.equal(of('status').at(-1).message, 'finished');
  assert.equal(of('checkpoint').at(-1).reason, 'finished');
});

test('a pace: chunks of about PACED_CHUNK_MS of paced time, and a rest after each until the pace allows the next', () => {
  const { session, trainer, clock, of } = setup({ batchesPerEpoch: 1000, msPerBatch: 0.5 });
  // One batch every 20 ms: chunks of 100 / 20 = 5 batches, each followed by a rest of 5 × 20 − 2.5 = 97.5 ms.
  session.setPace({ kind: 'batch', ms: 20 });
  session.train({ epochs: 1 });
  assert.equal(session.delayMs, 0, 'the first chunk goes at once');
  session.tick();
  assert.equal(of('chunk').at(-1).batchesPerChunk, 1, 'the adaptive size starts at one batch');
  assert.equal(session.delayMs, 20 - 0.5);
  clock.advance(19);
  session.tick(); // too soon: nothing trains
  assert.equal(trainer.chunks.length, 1);
  clock.advance(1);
  for (let i = 0; i < 6; i++) {
    session.tick();
    clock.advance(session.delayMs);
  }
  assert.equal(Math.max(...trainer.chunks), PACED_CHUNK_MS / 20);
  const steps = of('chunk').at(-1).step;
  const elapsed = clock.now() - 1000;
  assert.ok(elapsed >= (steps - 1) * 20, `${steps} batches in ${elapsed} ms: at most one per 20 ms`);
  // One epoch a second, 1000 batches per epoch: 1 ms a batch; the chunks are the smaller of 100 batches
  // (PACED_CHUNK_MS) and what takes CHUNK_MS to train (50 batches of 0.5 ms), each followed by a rest
  // that makes it last 1 ms a batch.
  session.setPace({ kind: 'epoch', ms: 1000 });
  for (let i = 0; i < 8; i++) {
    session.tick();
    clock.advance(session.delayMs);
  }
  assert.equal(trainer.chunks.at(-1), Math.min(PACED_CHUNK_MS, CHUNK_MS / 0.5));
  session.tick();
  assert.equal(session.delayMs, trainer.chunks.at(-1) * 1 - trainer.chunks.at(-1) * 0.5);
  // Full speed: no rest.
  session.setPace({ kind: 'full', ms: 0 });
  session.tick();
  assert.equal(session.delayMs, 0);
});

test('a pace outside (0, 60 s] is refused, and the current one stays', () => {
  const { session } = setup();
  for (const pace of [
    { kind: 'batch', ms: 0 },
    { kind: 'epoch', ms: -5 },
    { kind: 'batch', ms: 60_001 },
  ])
    assert.throws(
      () => session.setPace(/** @type {any} */ (pace)),
      (err) => err.kind === 'RequestError' && /a pace must be more than 0 and at most 60000 ms/.test(err.message),
    );
  assert.deepEqual(session.pace, { kind: 'full', ms: 0 });
});

test(`fast epochs checkpoint at most once per ${EPOCH_CHECKPOINT_MS} ms, and always at the target's last one`, () => {
  // 40 epochs of 5 batches of 20 ms: an epoch ends every ~100 ms (and its evaluation takes 6 ms).
  const { session, of, run, clock } = setup({ batchesPerEpoch: 5, msPerBatch: 20 });
  const start = clock.now();
  session.train({ epochs: 40 });
  run();
  const checkpoints = of('checkpoint');
  const epochs = checkpoints.filter((c) => c.reason === 'epoch');
  assert.equal(of('epoch').length, 40);
  const elapsed = clock.now() - start;
  assert.ok(epochs.length <= Math.ceil(elapsed / EPOCH_CHECKPOINT_MS) + 1, `${epochs.length} in ${elapsed} ms`);
  assert.ok(epochs.length >= 3, 'but some');
  assert.equal(epochs.at(-1).progress.epoch, 40, 'the last epoch is saved');
  assert.equal(checkpoints.at(-1).reason, 'finished');
});

test(`each chunk sends the layers' dynamics it recorded, about ${DYNAMICS_PER_EPOCH} times an epoch`, () => {
  const { session, trainer, of, run } = setup({ batchesPerEpoch: 400, layers: [16, 8, 6, 4] });
  assert.equal(trainer.dynamicsEvery, 400 / DYNAMICS_PER_EPOCH);
  session.train({ epochs: 1 });
  run();
  const sent = of('dynamics');
  assert.ok(sent.length >= 1);
  const steps = sent.flatMap((m) => Array.from(m.steps));
  assert.deepEqual(
    steps,
    Array.from({ length: 400 / 8 }, (_, i) => 8 * (i + 1)),
    'every 8th batch, once each',
  );
  assert.equal(sent[0].layers.length, 3, 'one entry per weight layer');
  assert.ok(sent.every((m) => m.every === 8));
  // A small epoch records every batch.
  const small = setup({ batchesPerEpoch: 10 });
  assert.equal(small.trainer.dynamicsEvery, 1);
});
