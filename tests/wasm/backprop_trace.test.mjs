// Backpropagation as data and how each layer learns, through the engine:
// trainer.traceBackprop / traceBackpropSplit return the numbers the native
// `mlp_train --load FILE --trace N` prints for the same model file and IDX
// files (synthetic, in a temporary folder); trainer.setDynamics /
// takeDynamics record every n-th batch without changing the weights;
// engine.expectedInitialLoss; bad arguments are refused.
//
// Not bitwise across builds: the trace's products go through Eigen's kernels
// (FMA natively) and libm's exp/tanh differ, and the step's effect is a
// float training step (AVX natively, wasm SIMD here). Stated tolerances:
// the double-precision trace within 1e-10 relative of the larger of the value
// and the array's largest entry, central differences within 1e-9 absolute,
// the float step within 1e-5 relative.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { MNIST_FILES } from '../../web/shared/mnist_files.js';
import { syntheticMnist } from '../support/synthetic_mnist.mjs';
import { NATIVE_DIR, createTestEngine, thrown } from './support.mjs';

const mlpTrain = fileURLToPath(new URL('core/mlp_train', NATIVE_DIR));
const VALIDATION = 300;

function requireNative() {
  if (!existsSync(mlpTrain))
    throw new Error(
      `${mlpTrain} is not built (cmake --preset native-release && cmake --build --preset native-release)`,
    );
}

/** Every entry of a within `rtol` of b's, relative to the larger of |b_i| and b's largest |entry|. */
function assertArrayClose(a, b, rtol, where) {
  assert.equal(a.length, b.length, `${where}: length`);
  let scale = 0;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < b.length; i++) {
    const tolerance = rtol * Math.max(Math.abs(b[i]), scale, 1e-300);
    assert.ok(Math.abs(a[i] - b[i]) <= tolerance, `${where}[${i}]: wasm ${a[i]} vs native ${b[i]}`);
  }
}

function assertClose(a, b, rtol, where) {
  assert.ok(Math.abs(a - b) <= rtol * Math.abs(b), `${where}: wasm ${a} vs native ${b}`);
}

/** The wasm trace against the CLI's JSON for the same image. */
function assertSameTrace(wasm, native) {
  const TRACE = 1e-10;
  assert.equal(wasm.label, native.label);
  assertClose(wasm.loss, native.loss, TRACE, 'loss');
  assert.equal(wasm.gradientFactor, native.gradient_factor);
  assert.equal(wasm.l2, native.l2);
  assert.equal(wasm.forward.length, native.forward.length);
  wasm.forward.forEach((f, i) => {
    const n = native.forward[i];
    assert.equal(f.layer, n.layer);
    assert.ok(f.a instanceof Float64Array && f.h instanceof Float64Array);
    assertArrayClose(f.a, n.a, TRACE, `forward[${i}].a`);
    assertArrayClose(f.h, n.h, TRACE, `forward[${i}].h`);
  });
  assert.equal(wasm.backward.length, native.backward.length);
  wasm.backward.forEach((b, i) => {
    const n = native.backward[i];
    assert.equal(b.layer, n.layer);
    assertArrayClose(b.gA, n.G_a, TRACE, `backward[${i}].gA`);
    assertArrayClose(b.gradB, n.grad_b, TRACE, `backward[${i}].gradB`);
    assert.equal(b.rows, n.grad_W.length);
    assert.equal(b.cols, n.grad_W[0].length);
    assertArrayClose(b.gradW, n.grad_W.flat(), TRACE, `backward[${i}].gradW`);
    assertArrayClose(b.gHPrev, n.G_h_prev, TRACE, `backward[${i}].gHPrev`);
  });
  assert.equal(wasm.gradientCheck.length, native.gradient_check.length);
  wasm.gradientCheck.forEach((c, i) => {
    const n = native.gradient_check[i];
    assert.equal(c.layer, n.layer);
    assert.equal(c.checked, n.checked);
    assert.equal(c.kinks, n.kinks);
    assert.equal(c.step, n.step);
    assertClose(c.floor, n.floor, TRACE, `gradientCheck[${i}].floor`);
    // The errors are rounding-sized on both sides: each below 1e-6, not equal.
    assert.ok(c.maxRelativeError < 1e-6 && n.max_relative_error < 1e-6, `layer ${c.layer}'s check`);
    assert.ok(c.relativeError < 1e-6 && n.relative_error < 1e-6);
    assert.deepEqual(
      c.parameters.map((p) => [p.row, p.column]),
      n.parameters.map((p) => [p.row, p.column]),
    );
    c.parameters.forEach((p, j) => {
      const q = n.parameters[j];
      assert.ok(Math.abs(p.backprop - q.backprop) <= TRACE * Math.max(Math.abs(q.backprop), 1e-3));
      assert.ok(Math.abs(p.numeric - q.numeric) <= 1e-9, `numeric ${p.numeric} vs ${q.numeric}`);
    });
  });
  assertArrayClose(wasm.outputCheck.delta, native.output_check.delta, TRACE, 'outputCheck.delta');
  assertArrayClose(wasm.outputCheck.numeric, native.output_check.numeric, 1e-9, 'outputCheck.numeric');
  const d = wasm.derivation,
    nd = native.derivation;
  assert.equal(d.loss, nd.loss);
  for (const [key, nativeKey] of [
    ['y', 'y'],
    ['yHat', 'y_hat'],
    ['dLDyHat', 'dL_dy_hat'],
    ['product', 'product'],
    ['delta', 'delta'],
  ])
    assertArrayClose(d[key], nd[nativeKey], TRACE, `derivation.${key}`);
  assert.equal(d.sigmaPrime === undefined, nd.sigma_prime === undefined);
  if (d.sigmaPrime) assertArrayClose(d.sigmaPrime, nd.sigma_prime, TRACE, 'derivation.sigmaPrime');
  const s = wasm.step,
    ns = native.step;
  assert.equal(s.optimizer, ns.optimizer);
  assert.equal(s.learningRate, ns.learning_rate);
  assertClose(s.lossBefore, ns.loss_before, 1e-5, 'step.lossBefore');
  assertClose(s.lossAfter, ns.loss_after, 1e-5, 'step.lossAfter');
  assertArrayClose(s.pixelChange, ns.pixel_change, 1e-4, 'step.pixelChange');
  assert.equal(s.topPixels.length, ns.top_pixels.length);
  s.topPixels.forEach((p, i) => assertClose(p.change, ns.top_pixels[i].change, 1e-4, `step.topPixels[${i}]`));
}

const MODELS = [
  {
    name: '784-20-12-10 tanh + BCE, momentum, L2',
    config: {
      layers: [784, 20, 12, 10],
      activation: 'tanh',
      loss: 'sigmoid-bce',
      optimizer: 'momentum',
      learningRate: 0.05,
      l2: 1e-4,
      batchSize: 64,
      seed: 4,
    },
  },
  {
    name: '784-30-10 relu + softmax, Adam, summed gradient',
    config: {
      layers: [784, 30, 10],
      activation: 'relu',
      loss: 'softmax-ce',
      optimizer: 'adam',
      learningRate: 0.001,
      gradient: 'sum',
      batchSize: 50,
      seed: 8,
    },
  },
];

describe('traceBackprop: the same numbers as mlp_train --trace', () => {
  let engine, data, dir;

  before(async () => {
    data = syntheticMnist({ train: 1200, validation: VALIDATION, test: 200 });
    dir = mkdtempSync(join(tmpdir(), 'mlp-trace-'));
    for (const { role, name } of MNIST_FILES) writeFileSync(join(dir, name), data[role]);
    engine = await createTestEngine();
    engine.loadData({ ...data, validation: VALIDATION });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const m of MODELS) {
    test(m.name, () => {
      requireNative();
      const trained = engine.createTrainer(m.config);
      trained.trainBatches(15);
      const bytes = trained.save();
      trained.delete();
      const file = join(dir, 'model.safetensors');
      writeFileSync(file, bytes);
      const trainer = engine.loadModel(bytes);
      for (const [split, index] of [
        ['test', 0],
        ['test', 137],
        ['validation', 5],
        ['train', 999],
      ]) {
        const args = ['--load', file, '--data', dir, '--validation', String(VALIDATION), '--trace', String(index)];
        if (split !== 'test') args.push('--trace-split', split);
        const out = execFileSync(mlpTrain, args, { encoding: 'utf8', timeout: 60000 });
        const native = JSON.parse(out);
        assert.equal(native.split, split);
        assert.equal(native.index, index);
        assertSameTrace(trainer.traceBackpropSplit(split, index), native);
      }
      trainer.delete();
    });
  }

  test('an image passed in is traced as the same image read from its split', () => {
    const trainer = engine.createTrainer(MODELS[0].config);
    trainer.trainBatches(3);
    const scale = Math.fround(1 / 255); // as gather_batch scales: a float product
    const image = Float32Array.from(engine.splitImages('test', 42, 1), (v) => Math.fround(v * scale));
    const label = trainer.predictSplit('test').labels[42];
    const a = trainer.traceBackprop(image, label),
      b = trainer.traceBackpropSplit('test', 42);
    assert.deepEqual(a, b);
    // Options: checks per layer and top pixels.
    const c = trainer.traceBackprop(image, label, { checksPerLayer: 4, topPixels: 3 });
    assert.deepEqual(
      c.gradientCheck.map((l) => l.checked + l.kinks),
      [4, 4, 4],
    );
    assert.equal(c.step.topPixels.length, 3);
    trainer.delete();
  });

  test('the trace leaves training untouched', () => {
    const a = engine.createTrainer(MODELS[1].config),
      b = engine.createTrainer(MODELS[1].config);
    a.trainBatches(4);
    b.trainBatches(4);
    a.traceBackpropSplit('train', 3);
    a.traceBackpropSplit('test', 9);
    const ra = a.trainBatches(4),
      rb = b.trainBatches(4);
    assert.deepEqual(ra.batchLoss, rb.batchLoss);
    assert.deepEqual(a.layerWeights(0).data, b.layerWeights(0).data);
    a.delete();
    b.delete();
  });

  test('bad arguments are refused with specific errors', () => {
    const trainer = engine.createTrainer(MODELS[0].config);
    const image = new Float32Array(784);
    const cases = [
      [() => trainer.traceBackprop(new Float32Array(783), 0), 'image has 783 values, expected 784'],
      [() => trainer.traceBackprop([0, 1], 0), 'image must be a Float32Array'],
      [() => trainer.traceBackprop(image, 10), 'label must be between 0 and 9, got 10'],
      [() => trainer.traceBackprop(image, 1.5), 'label must be a whole number, got 1.5'],
      [() => trainer.traceBackprop(image, 0, { checks: 3 }), "unknown trace options field 'checks'"],
      [() => trainer.traceBackprop(image, 0, { checksPerLayer: 0 }), 'checksPerLayer must be between 1 and 1000'],
      [() => trainer.traceBackpropSplit('tests', 0), "unknown split 'tests'"],
      [() => trainer.traceBackpropSplit('test', 200), 'index must be between 0 and 199, got 200'],
    ];
    const nan = new Float32Array(784);
    nan[5] = NaN;
    cases.push([() => trainer.traceBackprop(nan, 0), 'image[5] is not a finite number']);
    for (const [call, message] of cases) {
      const error = thrown(call);
      assert.equal(error.kind, 'ArgumentError', error.message);
      assert.ok(error.message.includes(message), `${error.message} lacks ${message}`);
    }
    trainer.delete();
  });
});

describe('dynamics through the engine', () => {
  let engine;
  const config = {
    layers: [784, 70, 10],
    activation: 'sigmoid',
    loss: 'sigmoid-bce',
    optimizer: 'adam',
    learningRate: 0.003,
    batchSize: 40,
    l2: 1e-4,
    seed: 6,
  };

  before(async () => {
    engine = await createTestEngine();
    engine.loadData(syntheticMnist({ train: 1000, validation: 200, test: 100, seed: 3 }));
  });

  test('every n-th batch is recorded and the weights stay bit for bit those of a run without it', () => {
    const plain = engine.createTrainer(config),
      watched = engine.createTrainer(config);
    watched.setDynamics(3);
    for (let i = 0; i < 3; i++) {
      plain.trainBatches(4);
      watched.trainBatches(4);
    }
    for (let k = 0; k < 2; k++) {
      assert.deepEqual(watched.layerWeights(k).data, plain.layerWeights(k).data);
      assert.deepEqual(watched.layerWeights(k).bias, plain.layerWeights(k).bias);
    }
    const d = watched.takeDynamics();
    assert.ok(d.steps instanceof Int32Array);
    assert.deepEqual([...d.steps], [3, 6, 9, 12]);
    assert.equal(d.every, 3);
    assert.equal(d.dropped, 0);
    assert.equal(d.layers.length, 2);
    for (const layer of d.layers)
      for (const key of ['gradNorm', 'updateRatio', 'activationMean', 'activationStd', 'saturated']) {
        assert.ok(layer[key] instanceof Float32Array, key);
        assert.equal(layer[key].length, 4, key);
        for (const v of layer[key]) assert.ok(Number.isFinite(v) && v >= 0, `${key} ${v}`);
      }
    for (const v of d.layers[0].updateRatio) assert.ok(v > 0 && v < 1);
    // The whole step: its batch, mean loss, and ‖g‖, ‖Δθ‖ over every weight and bias.
    assert.ok(d.batchSize instanceof Int32Array);
    assert.deepEqual([...d.batchSize], [config.batchSize, config.batchSize, config.batchSize, config.batchSize]);
    for (const key of ['loss', 'gradNorm', 'stepNorm']) {
      assert.ok(d[key] instanceof Float32Array, key);
      assert.equal(d[key].length, 4, key);
      for (const v of d[key]) assert.ok(Number.isFinite(v) && v > 0, `${key} ${v}`);
    }
    for (let i = 0; i < 4; i++) {
      // The whole gradient is at least each layer's weights' part of it.
      assert.ok(d.gradNorm[i] >= Math.max(d.layers[0].gradNorm[i], d.layers[1].gradNorm[i]) * (1 - 1e-6));
    }
    for (const v of d.layers[1].activationMean) assert.ok(v > 0 && v < 1); // probabilities
    assert.equal(watched.takeDynamics().steps.length, 0);
    watched.setDynamics(0);
    watched.trainBatches(6);
    assert.equal(watched.takeDynamics().steps.length, 0);
    plain.delete();
    watched.delete();
  });

  test('a full buffer keeps the newest records', () => {
    const trainer = engine.createTrainer(config);
    trainer.setDynamics(1, 2);
    trainer.trainBatches(5);
    const d = trainer.takeDynamics();
    assert.deepEqual([...d.steps], [4, 5]);
    assert.equal(d.dropped, 3);
    trainer.delete();
  });

  test('bad settings are refused', () => {
    const trainer = engine.createTrainer(config);
    for (const [call, message] of [
      [() => trainer.setDynamics(-1), 'everyBatches must be between 0 and 1000000, got -1'],
      [() => trainer.setDynamics(2.5), 'everyBatches must be a whole number, got 2.5'],
      [() => trainer.setDynamics('8'), 'everyBatches must be a number'],
      [() => trainer.setDynamics(8, 0), 'capacity must be between 1 and 1000000, got 0'],
    ]) {
      const error = thrown(call);
      assert.equal(error.kind, 'ArgumentError');
      assert.ok(error.message.includes(message), error.message);
    }
    trainer.delete();
  });

  test('the threaded engine records the same run on 2 threads', async () => {
    const threaded = await createTestEngine({ threaded: true, threads: 2 });
    threaded.loadData(syntheticMnist({ train: 1000, validation: 200, test: 100, seed: 3 }));
    const a = threaded.createTrainer(config),
      b = engine.createTrainer(config);
    a.setDynamics(2);
    b.setDynamics(2);
    a.trainBatches(6);
    b.trainBatches(6);
    assert.deepEqual(a.layerWeights(0).data, b.layerWeights(0).data);
    const da = a.takeDynamics(),
      db = b.takeDynamics();
    assert.deepEqual(da, db);
    a.delete();
    b.delete();
    threaded.delete();
  });
});

describe('expectedInitialLoss', () => {
  test('out · ln 2 for sigmoid-bce, ln out for softmax-ce; a bad config is refused', async () => {
    const engine = await createTestEngine();
    assert.ok(Math.abs(engine.expectedInitialLoss({}) - 10 * Math.LN2) < 1e-12);
    assert.ok(Math.abs(engine.expectedInitialLoss({ loss: 'softmax-ce' }) - Math.LN10) < 1e-12);
    assert.ok(Math.abs(engine.expectedInitialLoss({ layers: [784, 30, 4], loss: 'softmax-ce' }) - Math.log(4)) < 1e-12);
    assert.ok(Math.abs(engine.expectedInitialLoss({ layers: [16, 3] }) - 3 * Math.LN2) < 1e-12);
    const error = thrown(() => engine.expectedInitialLoss({ loss: 'mse' }));
    assert.equal(error.kind, 'ConfigError');
    // Near a fresh network's measured loss (softmax + CE: never below it on near-uniform labels).
    engine.loadData(syntheticMnist({ train: 600, validation: 100, test: 100, learnable: false }));
    const trainer = engine.createTrainer({ loss: 'softmax-ce' });
    const measured = trainer.evaluate('test').loss;
    assert.ok(measured >= 0.98 * Math.LN10 && measured < 1.2 * Math.LN10, `measured ${measured}`);
    trainer.delete();
  });
});
