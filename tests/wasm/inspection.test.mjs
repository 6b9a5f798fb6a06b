// Looking inside through the engine: traceDigit and inspectHealth have the
// documented shapes, agree with a forward pass computed here in JS from
// layerWeights, leave training untouched, and refuse bad arguments.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { syntheticMnist } from '../support/synthetic_mnist.mjs';
import { createTestEngine, thrown } from './support.mjs';

const sigmoid = (a) => 1 / (1 + Math.exp(-a));

/** The hidden activations of one image, from the trainer's weights, in float64. */
function forwardJs(trainer, image) {
  const config = trainer.config();
  const layers = config.layers.length - 1;
  const g = { sigmoid, tanh: Math.tanh, relu: (a) => Math.max(0, a) }[config.activation];
  let h = Float64Array.from(image);
  const hidden = [];
  let logits = null;
  for (let k = 0; k < layers; k++) {
    const w = trainer.layerWeights(k);
    const a = new Float64Array(w.rows);
    for (let i = 0; i < w.rows; i++) {
      let s = w.bias[i];
      for (let j = 0; j < w.cols; j++) s += w.data[i * w.cols + j] * h[j];
      a[i] = s;
    }
    if (k < layers - 1) {
      h = a.map(g);
      hidden.push(h);
    } else logits = a;
  }
  return { hidden, logits };
}

describe('inspection through the engine', () => {
  let engine, data;

  before(async () => {
    engine = await createTestEngine();
    data = syntheticMnist({ train: 1000, validation: 300, test: 200 });
    engine.loadData(data);
  });

  test('traceDigit: every hidden layer of 784-80-40-20-10, the probabilities, and the winner’s contributions', () => {
    const trainer = engine.createTrainer({
      layers: [784, 80, 40, 20, 10],
      learningRate: 0.1,
      gradient: 'sum',
      seed: 3,
    });
    trainer.trainBatches(5);
    const image = Float32Array.from(engine.splitImages('test', 7, 1), (v) => v / 255);
    const path = trainer.traceDigit(image);
    assert.deepEqual(
      path.hidden.map((h) => h.length),
      [80, 40, 20],
    );
    for (const h of path.hidden) assert.ok(h instanceof Float32Array);
    assert.equal(path.probabilities.length, 10);
    const predicted = trainer.predict(image);
    path.probabilities.forEach((p, i) => assert.ok(Math.abs(p - predicted[i]) < 1e-6));
    const best = path.probabilities.indexOf(Math.max(...path.probabilities));
    assert.equal(path.predicted, best);
    const js = forwardJs(trainer, image);
    js.hidden.forEach((h, k) =>
      h.forEach((v, i) => assert.ok(Math.abs(v - path.hidden[k][i]) < 1e-5, `layer ${k} unit ${i}`)),
    );
    js.logits.forEach((z, i) => assert.ok(Math.abs(z - path.logits[i]) < 1e-4));
    assert.equal(path.contributions.length, 20);
    const sum = path.contributions.reduce((a, b) => a + b, 0) + path.bias;
    assert.ok(Math.abs(sum - path.logits[best]) < 1e-4, `Σ contributions + bias = ${sum}, z = ${path.logits[best]}`);
    trainer.delete();
  });

  test('inspectHealth: shapes, the saturated share counted here in JS, and training unchanged', () => {
    const config = { layers: [784, 30, 20, 10], learningRate: 0.05, gradient: 'sum', seed: 5 };
    const trainer = engine.createTrainer(config);
    const twin = engine.createTrainer(config);
    trainer.trainBatches(8);
    twin.trainBatches(8);
    const health = trainer.inspectHealth('validation', 0, 64, 10);
    assert.equal(health.samples, 64);
    assert.ok(Number.isFinite(health.loss) && health.loss > 0);
    assert.equal(health.layers.length, 3);
    assert.deepEqual(
      health.layers.map((l) => l.units),
      [30, 20, 10],
    );
    const [first, second, output] = health.layers;
    for (const l of [first, second]) {
      assert.ok(l.histogram instanceof Int32Array);
      assert.equal(l.histogram.length, 10);
      assert.equal(
        l.histogram.reduce((a, b) => a + b, 0),
        l.units * 64,
      );
      assert.deepEqual([l.low, l.high], [0, 1]);
    }
    assert.equal(output.histogram.length, 0);
    for (const l of health.layers) assert.ok(l.weightGradientNorm > 0 && l.weightNorm > 0 && l.biasGradientNorm >= 0);

    // The saturated share of the first hidden layer, counted from a forward pass in JS.
    const pixels = engine.splitImages('validation', 0, 64);
    let saturated = 0;
    for (let j = 0; j < 64; j++) {
      const image = Float32Array.from(pixels.subarray(j * 784, (j + 1) * 784), (v) => v / 255);
      for (const h of forwardJs(trainer, image).hidden[0]) saturated += h * (1 - h) < 0.01;
    }
    assert.ok(
      Math.abs(first.saturated - saturated / (30 * 64)) < 2 / (30 * 64),
      `${first.saturated} vs ${saturated / (30 * 64)}`,
    );

    // Inspection does not change what the trainer does next.
    const a = trainer.trainBatches(3);
    const b = twin.trainBatches(3);
    assert.deepEqual(Array.from(a.batchLoss), Array.from(b.batchLoss));
    trainer.delete();
    twin.delete();
  });

  test('ReLU networks report dead units; sizes and ranges follow the data', () => {
    const trainer = engine.createTrainer({ layers: [784, 16, 10], activation: 'relu', loss: 'softmax-ce', seed: 2 });
    const h = trainer.inspectHealth('test', 10, 50);
    assert.equal(h.layers[0].histogram.length, 20);
    assert.equal(h.layers[0].low, 0);
    assert.ok(h.layers[0].high > 0);
    assert.ok(h.layers[0].stuck >= 0 && h.layers[0].stuck <= 1);
    trainer.delete();
  });

  test('bad arguments are ArgumentErrors with specific messages', () => {
    const trainer = engine.createTrainer({});
    let e = thrown(() => trainer.traceDigit(new Float32Array(10)));
    assert.equal(e.kind, 'ArgumentError');
    assert.equal(e.message, 'image has 10 values, expected 784');
    e = thrown(() => trainer.traceDigit(new Float32Array(784).fill(NaN)));
    assert.equal(e.message, 'image[0] is not a finite number');
    e = thrown(() => trainer.inspectHealth('validation', 0, 0));
    assert.equal(e.message, 'count must be between 1 and 300, got 0');
    e = thrown(() => trainer.inspectHealth('nope', 0, 5));
    assert.match(e.message, /^unknown split 'nope'/);
    e = thrown(() => trainer.inspectHealth('test', 0, 5, 0));
    assert.equal(e.message, 'bins must be between 1 and 256, got 0');
    trainer.delete();
  });
});
