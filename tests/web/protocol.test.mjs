// Unit tests for web/shared/protocol.js: every message type has a field
// list, and message()/check() hold every message to it.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  FromWorker,
  MESSAGES,
  ProtocolError,
  SHAPES,
  State,
  ToWorker,
  check,
  message,
  transferList,
} from '../../web/shared/protocol.js';

const progress = { epoch: 1, batchInEpoch: 2, batchesPerEpoch: 391, step: 393 };
const config = {
  layers: [784, 20, 10],
  activation: 'sigmoid',
  loss: 'sigmoid-bce',
  optimizer: 'sgd',
  learningRate: 0.001,
  momentum: 0.9,
  batchSize: 128,
  l2: 0,
  seed: 1,
  gradient: 'sum',
};
const chunk = () => ({
  firstStep: 1,
  epochIndex: 0,
  firstBatch: 1,
  batchLoss: new Float32Array(4),
  batchAccuracy: new Float32Array(4),
  samples: 512,
  epoch: 0,
  batchInEpoch: 4,
  batchesPerEpoch: 391,
  step: 4,
  trainMs: 12.5,
  runMs: 40.25,
  samplesPerSecond: 40960,
  batchesPerChunk: 4,
});

test('every message type of both directions has a field list, and no type is used in both', () => {
  const to = Object.values(ToWorker);
  const from = Object.values(FromWorker);
  assert.deepEqual(new Set(Object.keys(MESSAGES)), new Set([...to, ...from]));
  assert.equal(new Set([...to, ...from]).size, to.length + from.length);
  for (const [type, fields] of Object.entries(MESSAGES)) {
    for (const [name, t] of Object.entries(fields)) assert.equal(typeof t, 'string', `${type}.${name}`);
  }
  for (const shape of Object.values(SHAPES)) assert.ok(Object.keys(shape).length > 0);
});

test('a valid message is built with its type; undefined optional fields are left out', () => {
  const m = message(FromWorker.CHUNK, chunk());
  assert.equal(m.type, 'chunk');
  assert.equal(m.runMs, 40.25);
  const e = message(FromWorker.ERROR, { id: undefined, scope: 'data', message: 'no manifest', kind: undefined });
  assert.deepEqual(e, { type: 'error', scope: 'data', message: 'no manifest' });
  assert.deepEqual(message(ToWorker.PAUSE), { type: 'pause' });
});

test('an unknown type is refused', () => {
  assert.throws(() => message('trian'), /protocol: unknown message type 'trian'/);
  assert.throws(() => check({ type: 'trian' }), /unknown message type 'trian'/);
  assert.throws(() => check({ nope: 1 }), /unknown message type undefined/);
  assert.throws(() => check('pause'), /must be a plain object/);
});

test('an unknown field is refused, naming it', () => {
  // The drift this replaces: setLearningRate was documented as {lr}.
  assert.throws(
    () => message(ToWorker.SET_LEARNING_RATE, { id: 1, lr: 0.1 }),
    /setLearningRate: missing field 'learningRate'/,
  );
  assert.throws(
    () => message(ToWorker.SET_LEARNING_RATE, { id: 1, learningRate: 0.1, lr: 0.1 }),
    (err) => err instanceof ProtocolError && /setLearningRate: unknown field 'lr'/.test(err.message),
  );
  assert.throws(() => message(ToWorker.PAUSE, { now: true, later: 1 }), /pause: unknown fields 'now', 'later'/);
});

test('a missing required field is refused; an optional one may be left out', () => {
  const { runMs, ...noRunMs } = chunk();
  assert.throws(() => message(FromWorker.CHUNK, noRunMs), /chunk: missing field 'runMs' \(number\)/);
  assert.doesNotThrow(() => message(ToWorker.TRAIN, { epochs: 3 }));
  assert.doesNotThrow(() => message(ToWorker.TRAIN, { epochs: 3, lrDecay: 0.5, resume: true }));
  assert.throws(() => message(ToWorker.TRAIN, {}), /train: missing field 'epochs'/);
});

test('a field of the wrong type is refused, saying what it is', () => {
  assert.throws(
    () => message(FromWorker.CHUNK, { ...chunk(), batchLoss: [0.5] }),
    /chunk\.batchLoss must be Float32Array, not array/,
  );
  assert.throws(
    () => message(FromWorker.CHUNK, { ...chunk(), step: 4.5 }),
    /chunk\.step must be integer, not number 4\.5/,
  );
  assert.throws(() => message(ToWorker.TRAIN, { epochs: '3' }), /train\.epochs must be integer, not '3'/);
  assert.throws(
    () => message(ToWorker.LOAD_MODEL, { id: 1, bytes: new Uint8Array(4) }),
    /loadModel\.bytes must be ArrayBuffer, not Uint8Array/,
  );
  assert.throws(() => message(ToWorker.PREDICT_TEST_SET, { id: 1, withImages: 1 }), /withImages must be boolean/);
});

test('literal unions: the training state and the error scope', () => {
  for (const state of Object.values(State)) assert.doesNotThrow(() => message(FromWorker.STATUS, { state }));
  assert.throws(
    () => message(FromWorker.STATUS, { state: 'finished' }),
    /status\.state must be 'idle' \| 'running' \| 'paused' \| 'diverged', not 'finished'/,
  );
  assert.throws(() => message(FromWorker.ERROR, { scope: 'network', message: 'x' }), /error\.scope must be/);
  assert.doesNotThrow(() => message(ToWorker.LOAD_MODEL, { id: 1, bytes: new ArrayBuffer(8), reason: 'restored' }));
  assert.throws(
    () => message(ToWorker.LOAD_MODEL, { id: 1, bytes: new ArrayBuffer(8), reason: 'loaded' }),
    /loadModel\.reason/,
  );
});

test('shapes check their fields (extra fields allowed) and can be null where the list says so', () => {
  const trainer = { id: 2, config, progress, parameters: 15910, reason: 'created', runMs: 0 };
  assert.doesNotThrow(() => message(FromWorker.TRAINER, trainer));
  assert.doesNotThrow(() =>
    message(FromWorker.TRAINER, { ...trainer, progress: { ...progress, extra: 'from a newer engine' } }),
  );
  assert.doesNotThrow(() =>
    message(FromWorker.TRAINER, {
      ...trainer,
      id: undefined,
      config: null,
      progress: null,
      parameters: 0,
      reason: 'data-changed',
    }),
  );
  const { step, ...noStep } = progress;
  assert.throws(
    () => message(FromWorker.TRAINER, { ...trainer, progress: noStep }),
    /trainer\.progress: missing field 'step'/,
  );
  // A config is the engine's: its fields are the schema's, checked by the engine (tests/wasm/config_schema.test.mjs).
  assert.throws(
    () => message(FromWorker.TRAINER, { ...trainer, config: [784, 20, 10] }),
    /trainer\.config must be object \| null, not array/,
  );
  assert.throws(
    () => message(FromWorker.TRAINER, { ...trainer, progress: { ...progress, step: '4' } }),
    /trainer\.progress\.step must be integer, not '4'/,
  );
  assert.throws(
    () =>
      message(FromWorker.CHECKPOINT, { bytes: new ArrayBuffer(1), config, progress: null, runMs: 1, reason: 'epoch' }),
    /checkpoint\.progress must be Progress/,
  );
  const metrics = { loss: 0.3, accuracy: 0.9, count: 10000 };
  const epoch = {
    epoch: 1,
    step: 391,
    train: null,
    validation: null,
    test: metrics,
    confusion: new Int32Array(100),
    classes: 10,
    evalMs: 80,
    runMs: 900,
  };
  assert.doesNotThrow(() => message(FromWorker.EPOCH, epoch));
  // A queue's run evaluates only what its figures need: the test set may be left out, with its confusion matrix.
  assert.doesNotThrow(() => message(FromWorker.EPOCH, { ...epoch, trainSet: metrics, test: null, confusion: null }));
  assert.throws(() => message(FromWorker.EPOCH, { ...epoch, test: undefined }), /epoch: missing field 'test'/);
  assert.throws(
    () => message(FromWorker.EPOCH, { ...epoch, trainSet: { loss: 1 } }),
    /epoch\.trainSet: missing field 'accuracy'/,
  );
  assert.throws(
    () => message(FromWorker.EPOCH, { ...epoch, test: { loss: 0.3, accuracy: 0.9 } }),
    /epoch\.test: missing field 'count'/,
  );
});

test('check() also restricts the direction', () => {
  const pause = { type: 'pause' };
  assert.equal(check(pause, ToWorker), pause);
  assert.throws(() => check(pause, FromWorker), /unknown message type 'pause'/);
  assert.throws(() => check({ type: 'status', state: 'idle', extra: 1 }, FromWorker), /status: unknown field 'extra'/);
});

test('typed arrays and ArrayBuffers are transferred, once each', () => {
  const loss = new Float32Array(4);
  const msg = message(FromWorker.CHUNK, { ...chunk(), batchLoss: loss, batchAccuracy: new Float32Array(loss.buffer) });
  assert.deepEqual(transferList(msg), [loss.buffer]);
  const model = message(FromWorker.MODEL, { id: 3, bytes: new ArrayBuffer(8) });
  assert.equal(transferList(model).length, 1);
  assert.equal(transferList(message(ToWorker.STOP)).length, 0);
});

test('the experiment queue’s messages', () => {
  const items = [{ config, epochs: 100, evaluate: { each: ['trainSet'], last: ['validation', 'test'] } }];
  assert.doesNotThrow(() => message(ToWorker.QUEUE_START, { id: 1, queueId: 'q', items }));
  assert.doesNotThrow(() =>
    message(ToWorker.QUEUE_START, {
      id: 1,
      queueId: 'q',
      items,
      start: 2,
      checkpoint: new ArrayBuffer(8),
      runMs: 5,
      paused: true,
    }),
  );
  assert.throws(
    () => message(ToWorker.QUEUE_START, { id: 1, queueId: 'q', items: {} }),
    /queueStart\.items must be array/,
  );
  assert.throws(() => message(ToWorker.QUEUE_START, { id: 1, items }), /queueStart: missing field 'queueId'/);
  assert.equal(
    transferList(message(ToWorker.QUEUE_START, { id: 1, queueId: 'q', items, checkpoint: new ArrayBuffer(8) })).length,
    1,
    'the checkpoint is transferred',
  );
  for (const type of [ToWorker.QUEUE_PAUSE, ToWorker.QUEUE_RESUME, ToWorker.QUEUE_CANCEL])
    assert.doesNotThrow(() => message(type));
  const q = { queueId: 'q', state: 'running', index: 0, total: 7, reason: 'item-started', resumed: true, progress };
  assert.doesNotThrow(() => message(FromWorker.QUEUE, q));
  assert.doesNotThrow(() =>
    message(FromWorker.QUEUE, { ...q, reason: 'item-finished', outcome: 'diverged', message: 'the loss became NaN' }),
  );
  assert.throws(
    () => message(FromWorker.QUEUE, { ...q, state: 'idle' }),
    /queue\.state must be 'running' \| 'paused' \| 'finished' \| 'cancelled'/,
  );
  assert.throws(() => message(FromWorker.QUEUE, { ...q, reason: 'done' }), /queue\.reason must be/);
  assert.throws(
    () => message(FromWorker.QUEUE, { ...q, outcome: 'ok' }),
    /queue\.outcome must be 'done' \| 'diverged'/,
  );
});
