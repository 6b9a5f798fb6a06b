// The WebAssembly build and the native build of the same core give the same
// run for the same seed: the native figures come from running
// build/native-release/core/mlp_train (JSON lines on stdout) from this test,
// on the same IDX files: synthetic MNIST-shaped ones written to a temporary
// folder under MNIST's file names, and the real MNIST files (those tests
// fail, never skip, when MNIST is missing; all fail when mlp_train is not built).
//
// Not bitwise: Eigen's kernels differ (AVX/FMA natively, SSE mapped to wasm
// SIMD in the browser), so float sums round differently. Stated tolerance
// (observed: ~1e-6 relative, identical accuracies): losses within 1e-4
// relative, accuracies within 0.001 (10 of 10,000 images).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { MNIST_FILES } from '../../web/shared/mnist_files.js';
import { syntheticMnist } from '../support/synthetic_mnist.mjs';
import { MNIST_DIR, NATIVE_DIR, createTestEngine, requireMnist } from './support.mjs';

const LOSS_RTOL = 1e-4;
const ACCURACY_ATOL = 0.001;

const mlpTrain = fileURLToPath(new URL('core/mlp_train', NATIVE_DIR));

function requireNative() {
  if (!existsSync(mlpTrain))
    throw new Error(
      `${mlpTrain} is not built (cmake --preset native-release && cmake --build --preset native-release)`,
    );
}

// Native and wasm runs of the same configuration, evaluated on all three
// splits: on MNIST 10,000 training images (validation = the last 50,000).
const CASES = [
  {
    name: "the report's 784-20-10, sigmoid + BCE, SGD lr 0.001",
    epochs: 1,
    config: {
      layers: [784, 20, 10],
      activation: 'sigmoid',
      loss: 'sigmoid-bce',
      optimizer: 'sgd',
      learningRate: 0.001,
      batchSize: 128,
      seed: 1,
    },
  },
  {
    name: '784-20-10 sigmoid + BCE, SGD lr 0.5, 2 epochs',
    epochs: 2,
    config: {
      layers: [784, 20, 10],
      activation: 'sigmoid',
      loss: 'sigmoid-bce',
      optimizer: 'sgd',
      learningRate: 0.5,
      batchSize: 128,
      seed: 7,
    },
  },
  {
    name: '784-64-32-10 relu + softmax, Adam, batch 100, L2',
    epochs: 2,
    config: {
      layers: [784, 64, 32, 10],
      activation: 'relu',
      loss: 'softmax-ce',
      optimizer: 'adam',
      learningRate: 0.001,
      batchSize: 100,
      l2: 1e-4,
      seed: 3,
    },
  },
  {
    name: '784-40-10 tanh + BCE, Nesterov, summed gradients',
    epochs: 1,
    config: {
      layers: [784, 40, 10],
      activation: 'tanh',
      loss: 'sigmoid-bce',
      optimizer: 'nesterov',
      learningRate: 0.001,
      momentum: 0.9,
      batchSize: 64,
      gradient: 'sum',
      seed: 11,
    },
  },
];

function runNative(dataDir, validation, { config, epochs }) {
  const args = [
    '--data',
    dataDir,
    '--validation',
    String(validation),
    '--epochs',
    String(epochs),
    '--no-progress',
    '--layers',
    config.layers.join('-'),
    '--activation',
    config.activation,
    '--loss',
    config.loss,
    '--optimizer',
    config.optimizer,
    '--lr',
    String(config.learningRate),
    '--batch',
    String(config.batchSize),
    '--seed',
    String(config.seed),
    '--l2',
    String(config.l2 ?? 0),
  ];
  if (config.momentum !== undefined) args.push('--momentum', String(config.momentum));
  if (config.gradient) args.push('--gradient', config.gradient);
  const out = execFileSync(mlpTrain, args, { encoding: 'utf8', timeout: 120000, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = out
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  return { epochs: lines.filter((l) => !l.final), final: lines.find((l) => l.final) };
}

function runWasm(engine, { config, epochs }) {
  const trainer = engine.createTrainer(config);
  const epochLines = [];
  while (trainer.progress().epoch < epochs) {
    let loss = 0,
      accuracy = 0,
      samples = 0;
    for (let done = false; !done;) {
      const r = trainer.trainBatches(25);
      loss += r.loss * r.samples;
      accuracy += r.accuracy * r.samples;
      samples += r.samples;
      done = r.epochFinished;
    }
    const v = trainer.evaluate('validation');
    epochLines.push({
      epoch: trainer.progress().epoch,
      train_loss: loss / samples,
      train_accuracy: accuracy / samples,
      validation_loss: v.loss,
      validation_accuracy: v.accuracy,
    });
  }
  const final = {};
  for (const split of ['train', 'validation', 'test']) {
    const e = trainer.evaluate(split);
    final[`${split}_loss`] = e.loss;
    final[`${split}_accuracy`] = e.accuracy;
  }
  trainer.delete();
  return { epochs: epochLines, final };
}

function assertClose(wasm, native, where) {
  for (const key of Object.keys(wasm)) {
    if (key === 'epoch') continue;
    const w = wasm[key],
      n = native[key];
    assert.ok(typeof n === 'number', `${where}: native output lacks ${key}`);
    if (key.endsWith('_loss'))
      assert.ok(Math.abs(w - n) <= LOSS_RTOL * Math.abs(n), `${where} ${key}: wasm ${w} vs native ${n}`);
    else assert.ok(Math.abs(w - n) <= ACCURACY_ATOL, `${where} ${key}: wasm ${w} vs native ${n}`);
  }
}

function assertSameRun(t, native, wasm, epochs) {
  assert.equal(native.epochs.length, epochs);
  assert.equal(wasm.epochs.length, epochs);
  wasm.epochs.forEach((line, i) => assertClose(line, native.epochs[i], `epoch ${i + 1}`));
  assertClose(wasm.final, native.final, 'final');
  const worst = Math.max(
    ...Object.keys(wasm.final)
      .filter((k) => k.endsWith('_loss'))
      .map((k) => Math.abs(wasm.final[k] - native.final[k]) / Math.abs(native.final[k])),
  );
  t.diagnostic(
    `largest relative loss difference ${worst.toExponential(2)}; test accuracy wasm ${wasm.final.test_accuracy}, native ${native.final.test_accuracy}`,
  );
}

describe('wasm and native runs agree on synthetic MNIST-shaped files', () => {
  const VALIDATION = 1000;
  let engine, dir;

  before(async () => {
    const data = syntheticMnist({ train: 4000, validation: VALIDATION, test: 1000 });
    dir = mkdtempSync(join(tmpdir(), 'mlp-parity-'));
    for (const { role, name } of MNIST_FILES) writeFileSync(join(dir, name), data[role]);
    engine = await createTestEngine();
    engine.loadData(data);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const c of CASES) {
    test(c.name, (t) => {
      requireNative();
      assertSameRun(t, runNative(dir, VALIDATION, c), runWasm(engine, c), c.epochs);
    });
  }
});

describe('wasm and native runs agree on real MNIST', () => {
  let engine = null;

  for (const c of CASES) {
    test(c.name, async (t) => {
      requireNative();
      const mnist = await requireMnist();
      if (!engine) {
        engine = await createTestEngine();
        engine.loadData({ ...mnist, validation: 50000 });
      }
      assertSameRun(t, runNative(fileURLToPath(MNIST_DIR), 50000, c), runWasm(engine, c), c.epochs);
    });
  }
});
