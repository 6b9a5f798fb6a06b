#!/usr/bin/env node
// Training and inference throughput of the WebAssembly build under Node,
// next to the native figures of the same machine and moment. Figures only,
// no assertions.
//
//   node tests/benchmarks/wasm_bench.mjs [--runs 5] [--seconds 0.5] [--dist build/wasm/dist] [--no-native]
//
// The workload mirrors tests/benchmarks/mlp_bench.cpp (BM_Train, BM_Predict):
// 784-H-10 for H = 20, 80, 800, sigmoid hidden layer, sigmoid + BCE output,
// SGD, batch 128, synthetic MNIST-shaped data (random bytes and labels from
// tests/support/synthetic_mnist.mjs, 64 batches per epoch), one
// trainBatches(1) call per batch; inference is one
// predict() call on 1024 images. Then the cost of recording how each layer
// learns at the page's rate (web/worker/training_session.js: about
// DYNAMICS_PER_EPOCH records an epoch of MNIST, so every 8th batch; chunks of
// 16 batches, each followed by takeDynamics() as the worker does), off and on
// in alternate runs of the same trainers. Each figure is the median of --runs timed
// runs of at least --seconds each, after a warm-up (V8 flag --no-liftoff, so
// the optimised code runs from the start). The native figures come
// from build/native-release/tests/benchmarks/mlp_bench (Google Benchmark,
// items_per_second), run by this script when it exists.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';

import { DYNAMICS_PER_EPOCH } from '../../web/worker/training_session.js';
import { syntheticMnist } from '../support/synthetic_mnist.mjs';

// Steady-state figures: compile the module with V8's optimising tier straight
// away. Otherwise the first seconds run Liftoff (baseline) code while the
// optimised code compiles in the background, which on a busy machine can
// take most of a short run and halve the figures.
v8.setFlagsFromString('--no-liftoff');

const root = new URL('../../', import.meta.url);
const nativeBench = new URL('build/native-release/tests/benchmarks/mlp_bench', root);

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '0.5' },
    dist: { type: 'string', default: 'build/wasm/dist' }, // e.g. another build variant
    'no-native': { type: 'boolean', default: false },
  },
});
const dist = pathToFileURL(path.resolve(fileURLToPath(root), args.dist) + '/');
const RUNS = Number(args.runs),
  SECONDS = Number(args.seconds);
const HIDDEN = [20, 80, 800];
const BATCH = 128,
  BATCHES_PER_EPOCH = 64,
  PREDICT_IMAGES = 1024;

// ---- timing ----------------------------------------------------------------

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Items/s of `step` (which processes `items` items) over one run of at least SECONDS. */
function rate(step, items) {
  let n = 0;
  const start = performance.now();
  let elapsed;
  do {
    step();
    n++;
    elapsed = (performance.now() - start) / 1000;
  } while (elapsed < SECONDS);
  return (n * items) / elapsed;
}

function warmUp(step) {
  const start = performance.now();
  do step();
  while (performance.now() - start < 200);
}

/** Median items/s of `step` (which processes `items` items) over RUNS runs. */
function measure(step, items) {
  warmUp(step);
  return median(Array.from({ length: RUNS }, () => rate(step, items)));
}

/** Median items/s of each step over RUNS runs taken in turn (a, b, a, b, …), so both see the same load. */
function measurePair(a, b, items) {
  warmUp(a);
  warmUp(b);
  const rates = { a: [], b: [] };
  for (let r = 0; r < RUNS; r++) {
    rates.a.push(rate(a, items));
    rates.b.push(rate(b, items));
  }
  return { a: median(rates.a), b: median(rates.b) };
}

// ---- native ----------------------------------------------------------------

function nativeFigures() {
  if (args['no-native']) return { note: 'native: skipped (--no-native)' };
  if (!existsSync(nativeBench))
    return { note: `native: ${nativeBench.pathname} not built (cmake --build --preset native-release)` };
  const out = execFileSync(
    nativeBench.pathname,
    [
      '--benchmark_format=json',
      `--benchmark_repetitions=${RUNS}`,
      '--benchmark_report_aggregates_only=true',
      `--benchmark_min_time=${SECONDS}`,
    ],
    { encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const figures = {};
  for (const b of JSON.parse(out).benchmarks) {
    const m = /^BM_(Train|Predict)\/hidden:(\d+).*_median$/.exec(b.name);
    if (m) figures[`${m[1]}/${m[2]}`] = b.items_per_second;
  }
  return { figures };
}

// ---- main ------------------------------------------------------------------

const { createEngine } = await import(new URL('engine.mjs', dist));
const engine = await createEngine({ wasmBinary: await readFile(new URL('mlp.wasm', dist)) });
engine.loadData(
  syntheticMnist({
    train: BATCH * BATCHES_PER_EPOCH,
    validation: 0,
    test: PREDICT_IMAGES,
    seed: 2024,
    learnable: false,
  }),
);
const images = Float32Array.from(engine.splitImages('test', 0, PREDICT_IMAGES), (v) => v / 255);

const wasm = {};
for (const hidden of HIDDEN) {
  const trainer = engine.createTrainer({
    layers: [784, hidden, 10],
    activation: 'sigmoid',
    loss: 'sigmoid-bce',
    optimizer: 'sgd',
    learningRate: 0.1,
    batchSize: BATCH,
  });
  wasm[`Train/${hidden}`] = measure(() => trainer.trainBatches(1), BATCH);
  wasm[`Predict/${hidden}`] = measure(() => trainer.predict(images), PREDICT_IMAGES);
  trainer.delete();
}

// The page's dynamics rate on MNIST: 54,000 training images in batches of 128.
const MNIST_BATCHES_PER_EPOCH = Math.ceil(54000 / BATCH);
const DYNAMICS_EVERY = Math.max(1, Math.floor(MNIST_BATCHES_PER_EPOCH / DYNAMICS_PER_EPOCH));
const CHUNK = 16;
const dynamics = [];
for (const layers of [
  [784, 20, 10],
  [784, 80, 40, 20, 10],
  [784, 800, 10],
]) {
  const config = {
    layers,
    activation: 'sigmoid',
    loss: 'sigmoid-bce',
    optimizer: 'sgd',
    learningRate: 0.001,
    batchSize: BATCH,
  };
  const off = engine.createTrainer(config),
    on = engine.createTrainer(config);
  on.setDynamics(DYNAMICS_EVERY);
  const r = measurePair(
    () => off.trainBatches(CHUNK),
    () => {
      on.trainBatches(CHUNK);
      on.takeDynamics();
    },
    CHUNK * BATCH,
  );
  dynamics.push({ layers: layers.join('-'), off: r.a, on: r.b });
  off.delete();
  on.delete();
}

let native;
try {
  native = nativeFigures();
} catch (error) {
  native = { note: `native: mlp_bench failed: ${error.message.split('\n')[0]}` };
}

const fmt = (x) => (x === undefined ? 'n/a' : Math.round(x).toLocaleString('en-US'));
const rows = [['workload', 'wasm items/s', 'native items/s', 'wasm/native']];
for (const kind of ['Train', 'Predict']) {
  for (const hidden of HIDDEN) {
    const key = `${kind}/${hidden}`,
      w = wasm[key],
      nat = native.figures?.[key];
    const label = kind === 'Train' ? `train 784-${hidden}-10 (samples/s)` : `predict 784-${hidden}-10 (images/s)`;
    rows.push([label, fmt(w), fmt(nat), nat ? (w / nat).toFixed(2) : 'n/a']);
  }
}
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
console.log(
  `wasm: ${fileURLToPath(dist)}; SIMD ${engine.simd ? 'on' : 'off'}, Eigen vectorised ${engine.eigenVectorized ? 'yes' : 'no'}; ` +
    `Node ${process.versions.node}; median of ${RUNS} runs of >= ${SECONDS} s; batch ${BATCH}, sigmoid/BCE, SGD; ` +
    `load average ${os.loadavg()[0].toFixed(1)} on ${os.availableParallelism()} CPUs (figures are only comparable on an idle machine)`,
);
for (const r of rows)
  console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
if (native.note) console.log(native.note);
console.log(
  `\ndynamics recorded every ${DYNAMICS_EVERY} batches (the page's rate on MNIST), chunks of ${CHUNK} batches, runs alternated:`,
);
const dRows = [['network', 'off samples/s', 'on samples/s', 'cost']];
for (const d of dynamics)
  dRows.push([d.layers, fmt(d.off), fmt(d.on), `${((100 * (d.off - d.on)) / d.off).toFixed(1)} %`]);
const dWidths = dRows[0].map((_, c) => Math.max(...dRows.map((r) => r[c].length)));
for (const r of dRows)
  console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(dWidths[c]) : cell.padStart(dWidths[c]))).join('  '));
