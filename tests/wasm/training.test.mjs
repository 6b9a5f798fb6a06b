// Training through the JS API on 10,000 synthetic MNIST-shaped images: the
// loss goes down, and every result has the documented shape and is a
// JS-owned copy. Then the same training on a slice of real MNIST, which must
// reach a real-digit accuracy (and fails, never skips, without MNIST).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { syntheticMnist } from '../support/synthetic_mnist.mjs';
import { createTestEngine, requireMnist, smallMnist } from './support.mjs';

/** Two epochs of SGD on the loaded data: the validation figures before and after. */
function trainTwoEpochs(engine) {
  const trainer = engine.createTrainer({ layers: [784, 20, 10], learningRate: 0.5, seed: 7 });
  const before = trainer.evaluate('validation');
  let chunks = 0;
  while (trainer.progress().epoch < 2) {
    const r = trainer.trainBatches(20);
    assert.ok(Number.isFinite(r.loss));
    chunks++;
  }
  const after = trainer.evaluate('validation');
  trainer.delete();
  return { before, after, chunks };
}

describe('training on 10,000 synthetic MNIST-shaped images', () => {
  let engine, data, info;

  before(async () => {
    engine = await createTestEngine();
    data = syntheticMnist({ train: 10000, validation: 2000, test: 2000 });
    info = engine.loadData(data);
  });

  test('loadData reports the split sizes', () => {
    assert.deepEqual(info, { train: 10000, validation: 2000, test: 2000, rows: 28, cols: 28 });
    assert.deepEqual(engine.dataInfo(), info);
  });

  test('the module is built with SIMD and Eigen vectorised', () => {
    assert.equal(engine.simd, true);
    assert.equal(engine.eigenVectorized, true);
  });

  test('two epochs of SGD lower the loss and learn the synthetic classes', () => {
    const { before, after, chunks } = trainTwoEpochs(engine);
    assert.ok(chunks >= 2 * Math.ceil(10000 / 128 / 20));
    assert.ok(after.loss < 0.6 * before.loss, `validation loss ${before.loss} → ${after.loss}`);
    // Each class lights its own band of rows: separable, so nearly perfect.
    assert.ok(after.accuracy > 0.95, `validation accuracy ${after.accuracy}`);
  });

  test('trainBatches returns per-batch records and stops at the end of an epoch', () => {
    const trainer = engine.createTrainer({ batchSize: 128, seed: 1 });
    const perEpoch = Math.ceil(10000 / 128); // 79, the last batch has 16 images
    assert.deepEqual(trainer.progress(), { epoch: 0, batchInEpoch: 0, batchesPerEpoch: perEpoch, step: 0 });

    const r = trainer.trainBatches(5);
    assert.equal(r.batches, 5);
    assert.equal(r.samples, 5 * 128);
    assert.equal(r.epochFinished, false);
    assert.ok(r.batchLoss instanceof Float32Array && r.batchLoss.length === 5);
    assert.ok(r.batchAccuracy instanceof Float32Array && r.batchAccuracy.length === 5);
    const mean = r.batchLoss.reduce((a, b) => a + b, 0) / 5; // equal batch sizes: chunk loss = mean
    assert.ok(Math.abs(mean - r.loss) < 1e-5 * r.loss);
    assert.deepEqual(
      { epoch: r.epoch, batchInEpoch: r.batchInEpoch, batchesPerEpoch: r.batchesPerEpoch, step: r.step },
      { epoch: 0, batchInEpoch: 5, batchesPerEpoch: perEpoch, step: 5 },
    );

    const rest = trainer.trainBatches(1000);
    assert.equal(rest.batches, perEpoch - 5);
    assert.equal(rest.samples, 10000 - 5 * 128);
    assert.equal(rest.epochFinished, true);
    assert.deepEqual(trainer.progress(), { epoch: 1, batchInEpoch: 0, batchesPerEpoch: perEpoch, step: perEpoch });
    trainer.delete();
  });

  test('evaluate returns loss, accuracy and a confusion matrix', () => {
    const trainer = engine.createTrainer({ seed: 3 });
    for (const [split, n] of [
      ['train', 10000],
      ['validation', 2000],
      ['test', 2000],
    ]) {
      const e = trainer.evaluate(split);
      assert.equal(e.count, n);
      assert.ok(e.confusion instanceof Int32Array && e.confusion.length === 100);
      assert.equal(
        e.confusion.reduce((a, b) => a + b, 0),
        n,
      );
      let diagonal = 0;
      for (let k = 0; k < 10; k++) diagonal += e.confusion[k * 10 + k];
      assert.ok(Math.abs(diagonal / n - e.accuracy) < 1e-12);
      assert.ok(e.loss > 0 && Number.isFinite(e.loss));
    }
    trainer.delete();
  });

  test('predict and predictSplit agree with evaluate and with each other', () => {
    const trainer = engine.createTrainer({ learningRate: 0.5, seed: 5 });
    trainer.trainBatches(30);
    const s = trainer.predictSplit('test');
    assert.ok(s.labels instanceof Uint8Array && s.labels.length === 2000);
    assert.ok(s.predicted instanceof Uint8Array && s.predicted.length === 2000);
    assert.ok(s.probabilities instanceof Float32Array && s.probabilities.length === 20000);
    assert.deepEqual(s.labels, data.testLabels.subarray(8));
    let correct = 0;
    for (let i = 0; i < 2000; i++) correct += s.labels[i] === s.predicted[i];
    assert.equal(correct / 2000, trainer.evaluate('test').accuracy);

    // One image, then three at once, from the raw pixels of the gallery call.
    const pixels = engine.splitImages('test', 10, 3);
    assert.ok(pixels instanceof Uint8Array && pixels.length === 3 * 784);
    assert.deepEqual(pixels, data.testImages.subarray(16 + 10 * 784, 16 + 13 * 784));
    const x = Float32Array.from(pixels, (v) => v / 255);
    const one = trainer.predict(x.subarray(0, 784));
    assert.ok(one instanceof Float32Array && one.length === 10);
    const three = trainer.predict(x);
    assert.equal(three.length, 30);
    for (let i = 0; i < 3; i++) {
      const p = three.subarray(i * 10, i * 10 + 10);
      for (let k = 0; k < 10; k++) assert.ok(Math.abs(p[k] - s.probabilities[(10 + i) * 10 + k]) < 1e-6);
      assert.equal(p.indexOf(Math.max(...p)), s.predicted[10 + i]);
    }
    trainer.delete();
  });

  test('layerWeights returns row-major weights and biases', () => {
    const trainer = engine.createTrainer({ layers: [784, 30, 20, 10], seed: 2 });
    const shapes = [
      [30, 784],
      [20, 30],
      [10, 20],
    ];
    shapes.forEach(([rows, cols], k) => {
      const w = trainer.layerWeights(k);
      assert.equal(w.rows, rows);
      assert.equal(w.cols, cols);
      assert.ok(w.data instanceof Float32Array && w.data.length === rows * cols);
      assert.ok(w.bias instanceof Float32Array && w.bias.length === rows);
      // Glorot uniform for sigmoid: |w| ≤ sqrt(6 / (in + out)), biases zero.
      const limit = Math.sqrt(6 / (rows + cols));
      assert.ok(w.data.every((v) => Math.abs(v) <= limit && Number.isFinite(v)));
      assert.ok(w.bias.every((v) => v === 0));
    });
    trainer.delete();
  });

  test('layerWeights is laid out as documented: a JS forward pass reproduces predict', () => {
    const trainer = engine.createTrainer({ layers: [784, 30, 10], learningRate: 0.5, seed: 8 });
    trainer.trainBatches(20); // non-zero biases too
    const x = Float32Array.from(engine.splitImages('test', 0, 1), (v) => v / 255);
    const sigmoid = (z) => 1 / (1 + Math.exp(-z));
    const dense = ({ rows, cols, data, bias }, input) =>
      Array.from({ length: rows }, (_, i) => {
        let z = bias[i];
        for (let j = 0; j < cols; j++) z += data[i * cols + j] * input[j]; // row i = output unit i
        return sigmoid(z);
      });
    const p = dense(trainer.layerWeights(1), dense(trainer.layerWeights(0), x));
    const q = trainer.predict(x);
    assert.equal(p.length, 10);
    assert.equal(q.length, 10);
    p.forEach((v, k) => assert.ok(Math.abs(v - q[k]) < 1e-5, `output ${k}: ${v} vs ${q[k]}`));
    trainer.delete();
  });

  test('config returns the full plain config, with defaults filled in', () => {
    const trainer = engine.createTrainer({
      layers: [784, 64, 10],
      activation: 'relu',
      loss: 'softmax-ce',
      optimizer: 'adam',
      learningRate: 0.002,
      seed: 42,
    });
    assert.deepEqual(trainer.config(), {
      layers: [784, 64, 10],
      activation: 'relu',
      loss: 'softmax-ce',
      optimizer: 'adam',
      learningRate: 0.002,
      momentum: 0.9,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-8,
      clipNorm: 0,
      batchSize: 128,
      l2: 0,
      seed: 42,
      gradient: 'mean',
      trainLimit: 0,
      init: 'uniform',
      batching: 'shuffled',
    });
    const defaults = engine.createTrainer();
    assert.deepEqual(defaults.config(), {
      layers: [784, 20, 10],
      activation: 'sigmoid',
      loss: 'sigmoid-bce',
      optimizer: 'sgd',
      learningRate: 0.001,
      momentum: 0.9,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-8,
      clipNorm: 0,
      batchSize: 128,
      l2: 0,
      seed: 1,
      gradient: 'mean',
      trainLimit: 0,
      init: 'uniform',
      batching: 'shuffled',
    });
    trainer.delete();
    defaults.delete();
  });

  test('setLearningRate and setOptimizer change the run between chunks', () => {
    const trainer = engine.createTrainer({ seed: 9 });
    trainer.trainBatches(3);
    trainer.setLearningRate(0.05);
    assert.equal(trainer.config().learningRate, 0.05);
    trainer.setOptimizer({ optimizer: 'momentum', momentum: 0.5 });
    assert.equal(trainer.config().optimizer, 'momentum');
    assert.equal(trainer.config().momentum, 0.5);
    assert.equal(trainer.config().learningRate, 0.05); // unchanged fields are kept
    trainer.setOptimizer({ optimizer: 'adam', learningRate: 0.001 });
    const r = trainer.trainBatches(3);
    assert.equal(r.step, 6);
    assert.ok(Number.isFinite(r.loss));
    trainer.delete();
  });

  test('the same seed gives the same run', () => {
    const run = () => {
      const t = engine.createTrainer({ learningRate: 0.3, seed: 11 });
      const losses = [...t.trainBatches(40).batchLoss];
      const e = t.evaluate('validation');
      t.delete();
      return { losses, e };
    };
    assert.deepEqual(run(), run());
  });

  test('results are copies: later calls do not change them', () => {
    const trainer = engine.createTrainer({ learningRate: 0.5, seed: 4 });
    const w = trainer.layerWeights(0).data;
    const copy = w.slice();
    trainer.trainBatches(10);
    assert.deepEqual(w, copy);
    assert.notDeepEqual(trainer.layerWeights(0).data, copy);
    assert.ok(w.buffer.byteLength === w.byteLength); // its own buffer, not a view of wasm memory
    trainer.delete();
  });

  test('a deleted trainer throws instead of crashing', () => {
    const trainer = engine.createTrainer();
    trainer.delete();
    trainer.delete(); // harmless
    assert.throws(() => trainer.trainBatches(1), { message: 'this trainer has been deleted' });
  });
});

describe('training on 10,000 real MNIST images', () => {
  test('two epochs of SGD lower the loss and reach 80% validation accuracy on real digits', async () => {
    const engine = await createTestEngine();
    engine.loadData(smallMnist(await requireMnist(), { train: 10000, validation: 2000, test: 2000 }));
    const { before, after, chunks } = trainTwoEpochs(engine);
    assert.ok(chunks >= 2 * Math.ceil(10000 / 128 / 20));
    assert.ok(after.loss < 0.6 * before.loss, `validation loss ${before.loss} → ${after.loss}`);
    assert.ok(after.accuracy > 0.8, `validation accuracy ${after.accuracy}`);
  });
});
