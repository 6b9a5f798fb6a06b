// The page's session store (web/page/app/session_store.js) under Node: the
// worker's events are the only way its state changes, each topic is
// announced after the state changed, and a run record follows the current
// run's chunks, epochs and health.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { SessionStore } from '../../web/page/app/session_store.js';
import { eventMessage } from '../../web/shared/protocol.js';

const progress = (step, bpe = 10) => ({
  epoch: Math.floor(step / bpe),
  batchInEpoch: step % bpe,
  batchesPerEpoch: bpe,
  step,
});
const config = { layers: [16, 8, 4], learningRate: 0.1, optimizer: 'sgd', activation: 'sigmoid' };
const chunk = (first, n) =>
  eventMessage('chunk', {
    firstStep: first,
    epochIndex: 0,
    firstBatch: first,
    batchLoss: new Float32Array(n).fill(0.5),
    batchAccuracy: new Float32Array(n).fill(0.25),
    samples: 4 * n,
    epoch: 0,
    batchInEpoch: first + n - 1,
    batchesPerEpoch: 10,
    step: first + n - 1,
    trainMs: 5,
    runMs: 10 * (first + n - 1),
    samplesPerSecond: 800,
    batchesPerChunk: n,
  });

function recorded(store, topics) {
  const log = [];
  for (const t of topics) store.on(t, (detail) => log.push([t, detail]));
  return log;
}

test('the engine, the data and the trainer come from their events; topics follow the state', () => {
  const store = new SessionStore();
  const log = recorded(store, ['ready', 'engine', 'data', 'trainer', 'train']);
  assert.equal(store.worker, 'starting');
  assert.deepEqual(store.dims, { inputSize: 784, classes: 10, trainSize: Infinity }, 'MNIST’s until data is loaded');
  store.apply(
    eventMessage('ready', {
      simd: true,
      eigenVectorized: true,
      threads: { threaded: false, available: 1, active: 1, reason: 'x' },
      schema: [],
      presets: [],
      constants: { maxModelFileBytes: 1000, validationImages: 10 },
      spikeRule: { threshold: 0.02, after: 0.7 },
    }),
  );
  assert.equal(store.worker, 'ready');
  assert.equal(store.engine.simd, true);
  assert.deepEqual(store.engine.spikeRule, { threshold: 0.02, after: 0.7 }, 'the engine’s spike rule, for the studies');
  store.apply(eventMessage('dataProgress', { loaded: 5, total: 10, file: 'a', cached: 0 }));
  assert.equal(store.data.status, 'loading');
  const info = { train: 50, validation: 10, test: 20, rows: 4, cols: 4 };
  store.apply(eventMessage('dataReady', { info, source: 'MNIST', cached: true }));
  assert.deepEqual(store.data.ref, { kind: 'mnist', id: 'MNIST' });
  assert.deepEqual(store.dims, { inputSize: 16, classes: 10, trainSize: 50 });
  assert.equal(store.train.state, 'none');
  store.apply(eventMessage('trainer', { config, progress: progress(0), parameters: 172, reason: 'created', runMs: 0 }));
  assert.equal(store.train.state, 'idle', 'a trainer makes the state idle');
  store.apply(eventMessage('status', { state: 'running' }));
  assert.ok(store.active);
  assert.deepEqual(
    log.map(([t]) => t),
    ['engine', 'ready', 'data', 'data', 'trainer', 'train'],
  );
  // The trainer goes (the data changed): no model, no state.
  store.apply(
    eventMessage('trainer', { config: null, progress: null, parameters: 0, reason: 'data-changed', runMs: 0 }),
  );
  assert.equal(store.trainer, null);
  assert.equal(store.train.state, 'none');
});

test('the user’s own data is the ref the command expected; a data error says so', () => {
  const store = new SessionStore();
  const ref = { kind: 'idx', id: 'idx-1', names: { trainImages: 'a' }, validation: 5 };
  store.expectData(/** @type {any} */ (ref));
  store.apply(
    eventMessage('dataReady', {
      info: { train: 5, validation: 5, test: 5, rows: 2, cols: 2 },
      source: 'your IDX files',
      cached: false,
    }),
  );
  assert.deepEqual(store.data.ref, ref);
  store.apply(eventMessage('error', { scope: 'data', message: 'the manifest is gone' }));
  assert.equal(store.data.status, 'error');
  assert.equal(store.data.error, 'the manifest is gone');
});

test('chunks and epochs go into the current run; the trainer’s progress follows', () => {
  const store = new SessionStore();
  store.apply(eventMessage('trainer', { config, progress: progress(0), parameters: 172, reason: 'created', runMs: 0 }));
  const run = store.runs.start({ config, source: 'MNIST' });
  const log = recorded(store, ['chunk', 'epoch']);
  store.apply(chunk(1, 4));
  assert.equal(run.x.length, 4);
  assert.deepEqual(store.trainer.progress, progress(4));
  assert.equal(store.train.samplesPerSecond, 800);
  store.apply(
    eventMessage('epoch', {
      epoch: 1,
      step: 10,
      train: { loss: 0.5, accuracy: 0.25, count: 40 },
      validation: null,
      test: { loss: 0.4, accuracy: 0.5, count: 20 },
      confusion: new Int32Array(100),
      classes: 10,
      evalMs: 3,
      runMs: 120,
    }),
  );
  assert.equal(run.epochs.length, 1);
  assert.deepEqual(
    log.map(([t, d]) => [t, d.run === run]),
    [
      ['chunk', true],
      ['epoch', true],
    ],
  );
  assert.equal(log[1][1].entry.test.accuracy, 0.5);
});

test('health: an epoch’s own replaces one asked for during it; one asked for never replaces an epoch’s', () => {
  const store = new SessionStore();
  const run = store.runs.start({ config, source: 'MNIST' });
  const health = (epoch, step, requested, loss) =>
    eventMessage('health', {
      epoch,
      step,
      split: 'validation',
      samples: 8,
      loss,
      activation: 'sigmoid',
      layers: [],
      requested,
    });
  store.apply(health(1, 12, true, 0.9));
  store.apply(health(1, 10, false, 0.7));
  assert.deepEqual(
    run.health.map((h) => [h.epoch, h.loss]),
    [[1, 0.7]],
  );
  store.apply(health(1, 14, true, 0.3));
  assert.deepEqual(
    run.health.map((h) => [h.epoch, h.loss]),
    [[1, 0.7]],
    'the epoch’s own stays',
  );
  assert.equal(store.health.loss, 0.3, 'the latest measured is what the view shows');
});

test('a checkpoint belongs to the run that was current when it came; a lost worker takes its state with it', () => {
  const store = new SessionStore();
  const first = store.runs.start({ config, source: 'MNIST' });
  const seen = [];
  store.on('checkpoint', ({ run }) => seen.push(run));
  store.apply(
    eventMessage('checkpoint', {
      bytes: new ArrayBuffer(4),
      config,
      progress: progress(3),
      runMs: 30,
      reason: 'pause',
    }),
  );
  store.runs.start({ config, source: 'MNIST' });
  assert.deepEqual(seen, [first]);
  store.apply(eventMessage('trainer', { config, progress: progress(3), parameters: 1, reason: 'created', runMs: 0 }));
  store.apply(eventMessage('status', { state: 'running' }));
  store.workerLost();
  assert.equal(store.trainer, null);
  assert.equal(store.train.state, 'none');
  assert.equal(store.data.status, 'loading');
});

test('the commands’ setters: target, lock, settings, digit', () => {
  const store = new SessionStore();
  const log = recorded(store, ['train', 'settings', 'digit']);
  store.setTarget(5);
  store.setLock('the queue trains');
  store.setLock('the queue trains'); // no change, no announcement
  assert.deepEqual(store.train.lock, 'the queue trains');
  store.setSettings({ config: null, epochs: null, schedule: null, errors: { layers: 'no' } });
  const digit = { image: new Float32Array(4), label: 3, text: 'test digit #1' };
  store.setDigit('gallery', digit);
  store.setDigit('drawn', { image: new Float32Array(4), label: null, text: 'your drawing' }, { select: false });
  assert.equal(store.digit.source, 'gallery', 'a digit that is not selected does not change the one inspected');
  assert.equal(store.digit.gallery, digit);
  store.chooseDigitSource('drawn');
  assert.equal(store.digit.source, 'drawn');
  assert.deepEqual(
    log.map(([t]) => t),
    ['train', 'train', 'settings', 'digit', 'digit', 'digit'],
  );
});
