// Our side of the browser benchmark: a module worker, like the page's, that
// trains through the public engine API (wasm/engine.mjs) on the real MNIST
// IDX bytes. trainer.trainBatches() gathers each batch from the uint8 images
// (uint8 → float conversion and one-hot labels included in the timing, as in
// real training). A second, raw instance of the same module runs the
// benchmark-only entry points of tests/benchmarks/wasm/gemm_bench.cpp (GEMM
// throughput and the per-phase profile of one training step, for the same
// config as the trainer's).
import { createEngine } from './wasm/engine.mjs';
import createMlpModule from './wasm/mlp.mjs';

let engine = null;
let raw = null;
let trainer = null;

const post = (msg) => self.postMessage(msg);

async function fetchBytes(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function init({ dataUrl }) {
  engine = await createEngine();
  raw = await createMlpModule();
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'].map(
      (f) => fetchBytes(`${dataUrl}${f}`),
    ),
  );
  const info = engine.loadData({ trainImages, trainLabels, testImages, testLabels, validation: 10000 });
  return {
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

function trainRun({ batches }) {
  const t0 = performance.now();
  let done = 0;
  let samples = 0;
  let loss = NaN;
  while (done < batches) {
    const r = trainer.trainBatches(batches - done);  // stops early at an epoch's end
    done += r.batches;
    samples += r.samples;
    loss = r.loss;
  }
  return { ms: performance.now() - t0, batches: done, samples, loss };
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
    const p = trainer.predictSplit('test');  // uint8 gather + forward in chunks of 1000 + copies out
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

const handlers = { init, createModel, trainRun, trainVsGemm, inferRun, testAccuracy, gemm, profile, simdPeak };

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
