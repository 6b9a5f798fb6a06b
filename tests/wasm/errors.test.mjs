// Every bad input becomes an Error with the core's specific message, the
// module stays usable afterwards, and failing calls leak nothing.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { syntheticMnist } from '../support/synthetic_mnist.mjs';
import { createTestEngine, sliceIdxLabels, thrown } from './support.mjs';

/** Asserts fn throws an Error of `kind` whose message matches `pattern`. */
function rejects(fn, kind, pattern) {
  const error = thrown(fn);
  assert.ok(error instanceof Error, `not an Error: ${error}`);
  assert.equal(error.kind, kind, error.message);
  assert.match(error.message, pattern);
  return error;
}

describe('errors at the boundary', () => {
  let engine, data;

  before(async () => {
    engine = await createTestEngine();
    data = syntheticMnist({ train: 2000, validation: 500, test: 500 });
  });

  test('calls that need data say so before loadData', () => {
    const trainer = engine.createTrainer(); // allowed: a trainer can wait for data
    rejects(() => trainer.trainBatches(1), 'Error', /no training data/);
    rejects(() => trainer.evaluate('test'), 'ArgumentError', /no data loaded/);
    rejects(() => engine.splitImages('test', 0, 1), 'ArgumentError', /no data loaded/);
    assert.equal(engine.dataInfo(), null);
    engine.loadData(data);
    assert.equal(trainer.trainBatches(2).batches, 2); // picks up the data loaded since
    trainer.delete();
  });

  test('invalid configs are rejected with the reason', () => {
    const cases = [
      [{ layers: [784, 0, 10] }, /layer 1 has size 0/],
      [{ layers: [784, -5, 10] }, /layer 1 has size -5/],
      [{ layers: [784, 20.5, 10] }, /layers\[1\] must be a whole number, got 20\.5/],
      [{ layers: [784, '20', 10] }, /layers\[1\] must be a number, got '20'/],
      [{ layers: [784, NaN, 10] }, /layers\[1\] must be a whole number, got NaN/],
      [{ layers: [784, 1e6, 10] }, /layer 1 has size 1000000, more than the maximum width 65536/],
      [{ layers: [784, 1e12, 10] }, /layers\[1\] must be between/],
      [{ layers: [784] }, /at least an input and an output size/],
      [{ layers: '784-20-10' }, /layers must be an array/],
      [{ layers: [784, 60000, 60000, 10] }, /parameters, more than the maximum/],
      [{ learningRate: 0 }, /learning rate must be a number in \(0, 100\], got 0/],
      [{ learningRate: -1 }, /learning rate .* got -1/],
      [{ learningRate: NaN }, /learning rate .* got NaN/],
      [{ learningRate: Infinity }, /learning rate .* got infinity/i],
      [{ learningRate: '0.1' }, /learningRate must be a number, got '0.1'/],
      [{ batchSize: 0 }, /batch size must be between 1 and 65536, got 0/],
      [{ batchSize: 12.5 }, /batchSize must be a whole number/],
      [{ activation: 'softplus' }, /unknown activation 'softplus'/],
      [{ loss: 'mse' }, /unknown .*'mse'/],
      [{ optimizer: 'rmsprop' }, /unknown optimizer 'rmsprop'/],
      [{ momentum: 1 }, /momentum must be a number in \[0, 1\), got 1/],
      [{ l2: -0.1 }, /L2 weight decay/],
      [{ seed: -1 }, /seed must be between 0 and/],
      [{ seed: 1.5 }, /seed must be a whole number/],
      [{ gradient: 'median' }, /^unknown gradient 'median' \(expected mean, sum or half\)$/],
      [{ gradient: true }, /^gradient must be a string, got a value of type boolean$/],
      [{ learningrate: 0.1 }, /unknown config field 'learningrate'/],
      [[784, 20, 10], /config must be an object/],
      // Valid on its own, but not for the loaded data: a plain Error, not a ConfigError.
      [{ layers: [100, 10] }, /^training images have 784 pixels, the network expects 100$/, 'Error'],
    ];
    for (const [config, pattern, kind = 'ConfigError'] of cases) {
      const error = thrown(() => engine.createTrainer(config));
      assert.ok(error instanceof Error);
      assert.match(error.message, pattern, JSON.stringify(config));
      assert.equal(error.kind, kind, `${JSON.stringify(config)}: ${error.message}`);
    }
  });

  test('bad arguments to trainer calls are rejected', () => {
    const trainer = engine.createTrainer();
    rejects(() => trainer.trainBatches(0), 'ArgumentError', /number of batches must be between 1/);
    rejects(() => trainer.trainBatches(1.5), 'ArgumentError', /whole number/);
    rejects(() => trainer.trainBatches('3'), 'ArgumentError', /must be a number/);
    rejects(() => trainer.evaluate('training'), 'ArgumentError', /unknown split 'training'/);
    rejects(() => trainer.predict(new Float32Array(783)), 'ArgumentError', /783 values, expected a multiple of 784/);
    rejects(() => trainer.predict([0, 1]), 'ArgumentError', /must be a Float32Array/);
    rejects(() => trainer.predict(new Float32Array(784).fill(NaN)), 'ArgumentError', /not a finite number/);
    rejects(() => trainer.layerWeights(2), 'ArgumentError', /layer index 2 is out of range/);
    rejects(() => trainer.layerWeights(-1), 'ArgumentError', /out of range/);
    rejects(() => trainer.setLearningRate(0), 'ConfigError', /learning rate/);
    rejects(() => trainer.setLearningRate(NaN), 'ConfigError', /learning rate .* NaN/);
    rejects(() => trainer.setOptimizer({ optimizer: 'lbfgs' }), 'ConfigError', /unknown optimizer 'lbfgs'/);
    rejects(() => trainer.setOptimizer({ beta2: 1 }), 'ConfigError', /beta2/);
    rejects(() => trainer.setOptimizer({ batchSize: 3 }), 'ConfigError', /unknown optimizer field 'batchSize'/);
    rejects(() => engine.splitImages('test', 400, 200), 'ArgumentError', /count must be between 0 and 100/);
    rejects(() => engine.splitImages('test', -1, 1), 'ArgumentError', /start must be between 0 and 500/);
    // None of that changed the trainer.
    assert.equal(trainer.config().learningRate, 0.001);
    assert.equal(trainer.config().optimizer, 'sgd');
    assert.equal(trainer.trainBatches(1).batches, 1);
    trainer.delete();
  });

  test('malformed IDX bytes are rejected and the loaded data is kept', () => {
    const good = data;
    const wrongMagic = good.trainImages.slice();
    wrongMagic[0] = 0x12;
    const wrongType = good.trainImages.slice();
    wrongType[2] = 0x0d; // float data
    const labelsAsImages = { ...good, trainImages: good.trainLabels };
    const cases = [
      [{ ...good, trainImages: wrongMagic }, /train-images: not an IDX file/],
      [{ ...good, trainImages: wrongType }, /train-images: IDX data type 13/],
      [{ ...good, trainImages: good.trainImages.subarray(0, 3) }, /train-images: file is 3 bytes, too short/],
      [{ ...good, trainImages: good.trainImages.subarray(0, 10) }, /train-images: truncated IDX header/],
      [{ ...good, trainImages: good.trainImages.subarray(0, good.trainImages.length - 1) }, /train-images: truncated/],
      [{ ...good, testLabels: good.testLabels.subarray(0, 100) }, /test-labels: truncated/],
      [labelsAsImages, /train-images: IDX file has 1 dimension/],
      [{ ...good, testLabels: sliceIdxLabels(good.testLabels, 499) }, /test: 500 images but 499 labels/],
      [{ ...good, validation: 2500 }, /validation size 2500 must be in \[0, 2500\)/, 'ConfigError'],
      [{ ...good, trainImages: 'bytes' }, /trainImages must be a Uint8Array/, 'ArgumentError'],
      [{ ...good, extra: 1 }, /unknown loadData field 'extra'/, 'ArgumentError'],
    ];
    for (const [input, pattern, kind = 'IdxError'] of cases) {
      const error = thrown(() => engine.loadData(input));
      assert.ok(error instanceof Error);
      assert.match(error.message, pattern);
      assert.equal(error.kind, kind, error.message);
    }
    const labels = good.trainLabels.slice();
    labels[20] = 10;
    rejects(() => engine.loadData({ ...good, trainLabels: labels }), 'IdxError', /label 10 at index 12/);
    // The previous data is still loaded and usable.
    assert.deepEqual(engine.dataInfo(), { train: 2000, validation: 500, test: 500, rows: 28, cols: 28 });
    const trainer = engine.createTrainer();
    assert.equal(trainer.evaluate('test').count, 500);
    trainer.delete();
  });

  test('a diverging run throws and keeps the weights from before the chunk', () => {
    const trainer = engine.createTrainer({
      layers: [784, 256, 256, 256, 10],
      activation: 'relu',
      loss: 'softmax-ce',
      learningRate: 100,
      gradient: 'sum',
      seed: 1,
    });
    const error = (() => {
      for (let i = 0; i < 50; i++) {
        const before = { progress: trainer.progress(), weights: trainer.layerWeights(1).data };
        try {
          trainer.trainBatches(5);
        } catch (e) {
          assert.deepEqual(trainer.progress(), before.progress);
          assert.deepEqual(trainer.layerWeights(1).data, before.weights);
          return e;
        }
      }
      return null;
    })();
    assert.ok(error, 'expected the run to diverge');
    assert.equal(error.kind, 'DivergedError');
    // The loss check, inside the chunk, is the one that fires.
    assert.match(
      error.message,
      /^training diverged: the loss became NaN at epoch 1, batch \d+ \(learning rate 100\.0+\); the weights from before this chunk were kept$/,
    );
    // Still usable: a smaller learning rate trains on from the kept weights.
    trainer.setLearningRate(1e-4);
    trainer.setOptimizer({ optimizer: 'sgd' });
    assert.ok(Number.isFinite(trainer.evaluate('validation').loss));
    assert.ok(trainer.predict(new Float32Array(784)).every(Number.isFinite));
    trainer.delete();
  });

  test('100,000 failing calls do not grow the wasm memory or the C++ heap', () => {
    const trainer = engine.createTrainer({ layers: [784, 16, 10] });
    const badImage = new Float32Array(10);
    const badConfig = { layers: [784, 0, 10] };
    const badIdx = { ...data, trainImages: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) };
    const badModel = new Uint8Array(64);
    const calls = [
      () => engine.createTrainer(badConfig),
      () => trainer.predict(badImage),
      () => engine.loadData(badIdx),
      () => engine.loadModel(badModel),
      () => trainer.evaluate('nope'),
    ];
    const run = (n) => {
      let failures = 0;
      for (let i = 0; i < n; i++) {
        try {
          calls[i % calls.length]();
        } catch {
          failures++;
        }
      }
      return failures;
    };
    run(1000); // warm up: first-use allocations (strings, exception buffers)
    const memory = engine.memoryBytes(),
      heap = engine.allocatedBytes();
    assert.equal(run(100000), 100000);
    assert.equal(engine.memoryBytes(), memory);
    assert.equal(engine.allocatedBytes(), heap);
    // And everything still works.
    assert.equal(trainer.trainBatches(3).batches, 3);
    trainer.delete();
  });
});
