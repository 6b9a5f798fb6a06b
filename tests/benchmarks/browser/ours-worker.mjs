// Our side of the browser benchmark: a module worker, like the page's, that
// trains through the public engine API (wasm/engine.mjs) on the real MNIST
// IDX bytes. trainer.trainBatches() gathers each batch from the uint8 images
// (uint8 → float conversion and one-hot labels included in the timing, as in
// real training). A second, raw instance of the same module runs the
// benchmark-only entry points of tests/benchmarks/wasm/gemm_bench.cpp (GEMM
// throughput and the per-phase profile of one training step, for the same
// config as the trainer's).
//
// init({ threaded, threads }): the threaded module (mlp-threads.mjs) training
// on `threads` threads, or the single-threaded one (mlp.mjs).
import { createEngine } from './wasm/engine.mjs';
import createMlpModule from './wasm/mlp.mjs';

let engine = null;
let raw = null;
let trainer = null;
let testFloats = null; // the test images as floats in [0, 1], for predict() from JS

const post = (msg) => self.postMessage(msg);

async function fetchBytes(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function init({ dataUrl, threaded = false, threads = 1 }) {
  engine = await createEngine({ threaded, threads });
  engine.setThreads(Math.min(threads, engine.threads.available));
  raw = await createMlpModule();
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'].map(
      (f) => fetchBytes(`${dataUrl}${f}`),
    ),
  );
  const info = engine.loadData({ trainImages, trainLabels, testImages, testLabels, validation: 10000 });
  const pixels = testImages.subarray(16);
  testFloats = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) testFloats[i] = pixels[i] / 255;
  return {
    threaded: engine.threaded,
    threads: engine.threads,
    simd: engine.simd,
    eigenVectorized: engine.eigenVectorized,
    data: info,
    gemmBench: typeof raw.gemmBench === 'function',
    crossOriginIsolated: self.crossOriginIsolated,
  };
}

// The benchmark's training config: what createModel trains and profile times.
const modelConfig = (sizes, learningRate = 0.001) => ({
  layers: sizes,
  activation: 'sigmoid',
  loss: 'sigmoid-bce',
  optimizer: 'sgd',
  learningRate,
  batchSize: 128,
  seed: 1,
});

function createModel({ sizes, learningRate = 0.001 }) {
  if (trainer) trainer.delete();
  trainer = engine.createTrainer(modelConfig(sizes, learningRate));
  return trainer.config();
}

// parallelMs: the time inside the core's rounds of tasks (the rest ran on this thread alone).
function trainRun({ batches }) {
  const t0 = performance.now();
  let done = 0;
  let samples = 0;
  let loss = NaN;
  let parallelMs = 0;
  while (done < batches) {
    const r = trainer.trainBatches(Math.min(batches - done, 64)); // stops early at an epoch's end; chunks as the page's
    done += r.batches;
    samples += r.samples;
    loss = r.loss;
    parallelMs += trainer.timing().parallelMs;
  }
  return { ms: performance.now() - t0, batches: done, samples, loss, parallelMs };
}

// predict() on 1000 float images at a time from JS, over the test set.
function predictRun({ reps = 1 }) {
  const t0 = performance.now();
  let samples = 0;
  let checksum = 0;
  for (let r = 0; r < reps; r++) {
    for (let start = 0; start < 10000; start += 1000) {
      const p = trainer.predict(testFloats.subarray(start * 784, (start + 1000) * 784));
      samples += 1000;
      checksum += p[0];
    }
  }
  return { ms: performance.now() - t0, samples, checksum };
}

// The page's "fast" preset (784-512-10 ReLU, softmax + CE, Adam 0.003 halved
// after each epoch, batch 128): training time until the test accuracy after
// an epoch reaches 98 % (evaluation not counted), at most `epochs` epochs.
function timeTo98({ epochs = 8, target = 0.98 }) {
  const t = engine.createTrainer({
    layers: [784, 512, 10],
    activation: 'relu',
    loss: 'softmax-ce',
    optimizer: 'adam',
    learningRate: 0.003,
    batchSize: 128,
    seed: 1,
  });
  let trainMs = 0;
  const perEpoch = [];
  try {
    for (let e = 0; e < epochs; e++) {
      for (;;) {
        const t0 = performance.now();
        const r = t.trainBatches(64);
        trainMs += performance.now() - t0;
        if (r.epochFinished) break;
      }
      const acc = t.evaluate('test').accuracy;
      perEpoch.push({ epoch: e + 1, accuracy: acc, trainMs });
      if (acc >= target) return { reached: true, seconds: trainMs / 1000, epochs: e + 1, perEpoch };
      t.setLearningRate(t.config().learningRate * 0.5);
    }
    return { reached: false, seconds: trainMs / 1000, epochs, perEpoch };
  } finally {
    t.delete();
  }
}

// Training and the GEMM ceiling probe in alternating slices (train a slice,
// then time the probe for about as long), so that both see the same machine
// load: the basis of the fraction-of-ceiling figure.
function trainVsGemm({ batches, slices = 10, probe }) {
  const per = Math.max(1, Math.round(batches / slices));
  let trainMs = 0;
  let samples = 0;
  let flops = 0;
  let gemmMs = 0;
  for (let s = 0; s < slices; s++) {
    const t = trainRun({ batches: per });
    trainMs += t.ms;
    samples += t.samples;
    const g = raw.gemmBench(probe.m, probe.k, probe.n, probe.op, Math.max(20, t.ms));
    flops += g.flops * g.calls;
    gemmMs += g.msPerCall * g.calls;
  }
  return { trainMs, samples, samplesPerSec: (samples / trainMs) * 1000, probeGflops: flops / (gemmMs * 1e6) };
}

function inferRun({ reps = 1 }) {
  const t0 = performance.now();
  let samples = 0;
  let checksum = 0;
  for (let r = 0; r < reps; r++) {
    const p = trainer.predictSplit('test'); // uint8 gather + forward in chunks of 1000 + copies out
    samples += p.predicted.length;
    checksum += p.probabilities[0] + p.predicted[p.predicted.length - 1];
  }
  return { ms: performance.now() - t0, samples, checksum };
}

function testAccuracy() {
  return trainer.evaluate('test').accuracy;
}

function gemm({ m, k, n, op = 'NN', minMs = 300 }) {
  const r = raw.gemmBench(m, k, n, op, minMs);
  if (!r) throw new Error(`gemmBench rejected ${m}x${k}x${n} ${op}`);
  return r;
}

function profile({ sizes, batch = 128, minMs = 100 }) {
  const r = raw.profileTrainStep(modelConfig(sizes), batch, minMs);
  if (!r) throw new Error(`profileTrainStep rejected ${sizes.join('-')}`);
  return r;
}

// The 4-lane multiply-then-add roofline (GFLOP/s): what a GEMM could reach
// with WebAssembly SIMD and no fused multiply-add.
function simdPeak({ minMs = 300 }) {
  return raw.simdPeak(minMs);
}

const handlers = {
  init,
  createModel,
  trainRun,
  trainVsGemm,
  inferRun,
  predictRun,
  timeTo98,
  testAccuracy,
  gemm,
  profile,
  simdPeak,
};

self.onmessage = async (event) => {
  const { id, cmd, args } = event.data;
  try {
    const handler = handlers[cmd];
    if (!handler) throw new Error(`unknown command ${cmd}`);
    post({ type: 'reply', id, ok: true, result: await handler(args ?? {}) });
  } catch (err) {
    post({ type: 'reply', id, ok: false, error: `${err?.message ?? err}\n${err?.stack ?? ''}` });
  }
};
