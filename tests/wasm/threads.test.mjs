// The threaded module (mlp-threads.mjs: WebAssembly threads, a pool of
// pthread workers, here Node's worker_threads) trains bit-identically on 1,
// 2, 3 and 4 threads, also when the count changes between chunks, and
// bit-identically to the single-threaded module (mlp.mjs): the core splits
// each step into tiles that never depend on the thread count.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { syntheticMnist } from '../support/synthetic_mnist.mjs';
import { createTestEngine } from './support.mjs';

// Several sample tiles (batch 100: 32·3 + 4) and weight tiles (784 inputs:
// 64·12 + 16; 70 hidden: 64 + 6), a hidden layer of 64+ rows (the SIMD
// kernel) and one under (Eigen's), L2, Adam.
const CONFIG = {
  layers: [784, 70, 24, 10],
  activation: 'relu',
  loss: 'softmax-ce',
  optimizer: 'adam',
  learningRate: 0.002,
  batchSize: 100,
  l2: 0.0001,
  seed: 9,
  trainLimit: 700,
};

function trainRun(engine, schedule) {
  const trainer = engine.createTrainer(CONFIG);
  const losses = [];
  for (let chunk = 0; chunk < 3; chunk++) {
    if (schedule) engine.setThreads(schedule[chunk % schedule.length]);
    const r = trainer.trainBatches(4);
    losses.push(...r.batchLoss);
  }
  const weights = [];
  for (let k = 0; k < CONFIG.layers.length - 1; k++) {
    const w = trainer.layerWeights(k);
    weights.push(w.data, w.bias);
  }
  const evaluation = trainer.evaluate('test');
  const probabilities = trainer.predict(new Float32Array(784 * 50).map((_, i) => ((i * 7919) % 256) / 255));
  trainer.delete();
  return { losses, weights, evaluation, probabilities };
}

function assertIdentical(a, b, what) {
  assert.deepEqual(b.losses, a.losses, `${what}: batch losses`);
  for (let i = 0; i < a.weights.length; i++) {
    const x = a.weights[i];
    const y = b.weights[i];
    assert.equal(y.length, x.length);
    let differing = 0;
    for (let j = 0; j < x.length; j++) differing += Object.is(x[j], y[j]) ? 0 : 1;
    assert.equal(differing, 0, `${what}: ${differing} of ${x.length} values of tensor ${i} differ`);
  }
  assert.equal(b.evaluation.loss, a.evaluation.loss, `${what}: test loss`);
  assert.deepEqual(b.evaluation.confusion, a.evaluation.confusion, `${what}: confusion`);
  assert.deepEqual(b.probabilities, a.probabilities, `${what}: predictions`);
}

describe('the threaded module', () => {
  let threaded;
  let single;
  before(async () => {
    const data = syntheticMnist({ train: 800, validation: 100, test: 300, seed: 5 });
    threaded = await createTestEngine({ threaded: true, threads: 4 });
    single = await createTestEngine();
    for (const e of [threaded, single]) e.loadData(data);
  });
  after(() => {
    threaded?.delete();
    single?.delete();
  });

  test('has the threads it was asked for, and says it is threaded', () => {
    assert.equal(threaded.threaded, true);
    assert.equal(threaded.singleThreadReason, null);
    assert.deepEqual(threaded.threads, { available: 4, active: 4 });
    assert.equal(single.threaded, false);
    assert.deepEqual(single.threads, { available: 1, active: 1 });
    assert.equal(typeof single.singleThreadReason, 'string');
  });

  test('trains bit-identically on 1, 2, 3 and 4 threads, and like the single-threaded module', () => {
    const reference = trainRun(single);
    for (const n of [1, 2, 3, 4]) {
      assert.equal(threaded.setThreads(n), n);
      assertIdentical(reference, trainRun(threaded), `${n} threads`);
    }
    assertIdentical(reference, trainRun(threaded, [4, 1, 3]), 'threads changing between chunks');
  });

  test('refuses a thread count outside 1..available', () => {
    assert.throws(() => threaded.setThreads(0), { kind: 'ArgumentError' });
    assert.throws(() => threaded.setThreads(5), {
      kind: 'ArgumentError',
      message: /threads must be between 1 and 4, got 5/,
    });
    assert.throws(() => single.setThreads(2), { kind: 'ArgumentError' });
    assert.equal(threaded.setThreads(4), 4);
  });
});
