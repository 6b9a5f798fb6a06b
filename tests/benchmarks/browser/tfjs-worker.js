// TensorFlow.js side of the browser benchmark: a classic worker (TF.js ships
// UMD bundles) that trains and runs the same MLP as ours, timed the same way.
//
//   backend 'wasm': @tensorflow/tfjs-backend-wasm, its SIMD build
//                   (tfjs-backend-wasm-simd.wasm, single-threaded like ours),
//                   loaded from this origin with tf.wasm.setWasmPaths.
//   backend 'cpu':  TF.js's plain-JS backend.
//
// The training step is the same maths as the core's sigmoid-bce + SGD:
//   h = σ(X W1 + b1), z = h W2 + b2,
//   J = (1/B) Σ_batch Σ_outputs [max(z,0) - z y + ln(1 + e^-|z|)]   (BCE on σ(z), summed over outputs)
//   SGD, learning rate 0.001, via optimizer.minimize (tf.variableGrads inside).
// Batches are tensors created per batch from Float32Arrays converted once up
// front (pixels / 255, one-hot labels), so no JS data conversion is counted
// against TF.js. Inference uses TF.js's fastest path, tf.fused.matMul with the
// bias and sigmoid fused, on chunks of 1000 test images, reading back the
// probabilities and the argmax (ours returns both too).
/* global tf */
'use strict';

// tf.min.js bundles an old regenerator-runtime that, in strict mode, falls
// back to Function('r', 'regeneratorRuntime = r') to set its global, which
// the page's CSP (no 'unsafe-eval') forbids. With the global already declared
// the plain assignment succeeds and no string is ever evaluated.
self.regeneratorRuntime = undefined;
/* global importScripts -- a classic worker */
importScripts('./tfjs/tf.min.js', './tfjs/tf-backend-wasm.min.js');

const BATCH = 128;
const INFER_CHUNK = 1000;
// Training images converted to float up front (a fixed pool cycled in order;
// the run never needs more than a few hundred batches).
const POOL = BATCH * 80;

let data = null; // { trainX, trainY, testX, pool, test }
let model = null; // { sizes, w: [...], b: [...], optimizer }
let backendInfo = null;

const post = (msg) => self.postMessage(msg);
const log = (text) => post({ type: 'log', text: `[tfjs-${backendInfo?.backend ?? '?'}] ${text}` });

async function fetchBytes(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

function idxImages(bytes, limit) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0) !== 0x803) throw new Error('not an IDX image file');
  const count = Math.min(view.getUint32(4), limit);
  const pixels = view.getUint32(8) * view.getUint32(12);
  const out = new Float32Array(count * pixels);
  const src = bytes.subarray(16, 16 + count * pixels);
  for (let i = 0; i < src.length; i++) out[i] = src[i] / 255;
  return { x: out, count, pixels };
}

function idxOneHot(bytes, limit, classes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0) !== 0x801) throw new Error('not an IDX label file');
  const count = Math.min(view.getUint32(4), limit);
  const out = new Float32Array(count * classes);
  for (let i = 0; i < count; i++) out[i * classes + bytes[8 + i]] = 1;
  return out;
}

// backend 'wasm' with threads 1: the SIMD binary, one thread; threads N > 1:
// the threaded SIMD binary (needs a cross-origin-isolated page, and the bench
// page's CSP allows the blob: worker its pool starts from) with
// tf.wasm.setThreadsCount(N). TF.js caps its pool at
// navigator.hardwareConcurrency / 2, so the driver overrides that count
// (CDP Emulation.setHardwareConcurrencyOverride); `threads` in the answer is
// what TF.js reports it really uses.
async function init({ backend, dataUrl, threads = 1 }) {
  if (backend === 'wasm') {
    if (threads > 1) tf.wasm.setThreadsCount(threads);
    else tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    tf.wasm.setWasmPaths(new URL('./tfjs/', self.location.href).href);
  }
  const ok = await tf.setBackend(backend);
  if (!ok) throw new Error(`tf.setBackend('${backend}') failed`);
  await tf.ready();
  const wasmFiles = performance
    .getEntriesByType('resource')
    .map((e) => e.name.split('/').pop())
    .filter((n) => n.endsWith('.wasm'));
  backendInfo = {
    backend: tf.getBackend(),
    version: tf.version.tfjs,
    simd: backend === 'wasm' ? await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT') : false,
    multithreadBinary: backend === 'wasm' ? await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT') : false,
    threads: backend === 'wasm' && typeof tf.wasm.getThreadsCount === 'function' ? tf.wasm.getThreadsCount() : 1,
    hardwareConcurrency: navigator.hardwareConcurrency,
    wasmFiles,
  };
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'].map(
      (f) => fetchBytes(`${dataUrl}${f}`),
    ),
  );
  const train = idxImages(trainImages, POOL);
  const test = idxImages(testImages, 10000);
  data = {
    trainX: train.x,
    trainY: idxOneHot(trainLabels, POOL, 10),
    pool: train.count,
    testX: test.x,
    testY: idxOneHot(testLabels, 10000, 10),
    test: test.count,
  };
  log(`ready: ${JSON.stringify(backendInfo)}`);
  return backendInfo;
}

// Glorot/Xavier uniform, like the core's initialisation for sigmoid.
function glorot(rows, cols, seed) {
  let s = seed >>> 0 || 1;
  const limit = Math.sqrt(6 / (rows + cols));
  const v = new Float32Array(rows * cols);
  for (let i = 0; i < v.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    v[i] = (((s >>> 0) / 4294967296) * 2 - 1) * limit;
  }
  return tf.tensor2d(v, [rows, cols]);
}

function createModel({ sizes, learningRate = 0.001 }) {
  disposeModel();
  const w = [];
  const b = [];
  for (let k = 0; k + 1 < sizes.length; k++) {
    w.push(tf.variable(glorot(sizes[k], sizes[k + 1], 1234 + k), true, `w${k}`));
    b.push(tf.variable(tf.zeros([sizes[k + 1]]), true, `b${k}`));
  }
  model = { sizes, w, b, optimizer: tf.train.sgd(learningRate), batch: 0 };
  return { tensors: tf.memory().numTensors };
}

function disposeModel() {
  if (!model) return;
  for (const v of [...model.w, ...model.b]) v.dispose();
  model.optimizer.dispose();
  model = null;
}

function logits(x) {
  let h = x;
  const last = model.w.length - 1;
  for (let k = 0; k <= last; k++) {
    const a = tf.add(tf.matMul(h, model.w[k]), model.b[k]);
    h = k < last ? tf.sigmoid(a) : a;
  }
  return h;
}

// One SGD step on the next batch of the pool; returns the batch's mean loss.
function trainBatch() {
  const start = (model.batch % Math.floor(data.pool / BATCH)) * BATCH;
  model.batch++;
  const xs = tf.tensor2d(data.trainX.subarray(start * 784, (start + BATCH) * 784), [BATCH, 784]);
  const ys = tf.tensor2d(data.trainY.subarray(start * 10, (start + BATCH) * 10), [BATCH, 10]);
  const cost = model.optimizer.minimize(
    () => tf.div(tf.losses.sigmoidCrossEntropy(ys, logits(xs), undefined, 0, tf.Reduction.SUM), BATCH),
    true,
    [...model.w, ...model.b],
  );
  const loss = cost.dataSync()[0];
  tf.dispose([xs, ys, cost]);
  return loss;
}

function trainRun({ batches }) {
  const before = tf.memory().numTensors;
  const t0 = performance.now();
  let loss = 0;
  for (let i = 0; i < batches; i++) loss = trainBatch();
  const ms = performance.now() - t0;
  if (!Number.isFinite(loss)) throw new Error(`TF.js loss became ${loss}`);
  const leaked = tf.memory().numTensors - before;
  return { ms, batches, samples: batches * BATCH, loss, leaked };
}

// Probabilities (and argmax) for the 10,000 test images, chunk by chunk,
// `reps` times over.
function inferRun({ reps = 1 }) {
  const t0 = performance.now();
  let checksum = 0;
  for (let r = 0; r < reps; r++) {
    for (let start = 0; start < data.test; start += INFER_CHUNK) {
      const n = Math.min(INFER_CHUNK, data.test - start);
      const x = tf.tensor2d(data.testX.subarray(start * 784, (start + n) * 784), [n, 784]);
      const [p, guess] = tf.tidy(() => {
        let h = x;
        for (let k = 0; k < model.w.length; k++)
          h = tf.fused.matMul({ a: h, b: model.w[k], bias: model.b[k], activation: 'sigmoid' });
        return [h, tf.argMax(h, 1)];
      });
      const probs = p.dataSync();
      const best = guess.dataSync();
      checksum += probs[0] + best[n - 1];
      tf.dispose([x, p, guess]);
    }
  }
  return { ms: performance.now() - t0, samples: reps * data.test, checksum };
}

// Accuracy on the test set after training (a sanity check that TF.js trained
// the same network, not a figure).
function testAccuracy() {
  return tf.tidy(() => {
    const x = tf.tensor2d(data.testX, [data.test, 784]);
    const y = tf.tensor2d(data.testY, [data.test, 10]);
    return tf.mean(tf.cast(tf.equal(tf.argMax(logits(x), 1), tf.argMax(y, 1)), 'float32')).dataSync()[0];
  });
}

// tf.matMul throughput at one shape (row-major: C(m×n) = A(m×k)·B(k×n)),
// the same shapes as ours' GEMM ceiling: how fast TF.js's own GEMM is.
// op as ours': 'NT' multiplies by a stored transpose of B, 'TN' of A (tf.matMul's flags).
function gemm({ m, k, n, op = 'NN', minMs = 300 }) {
  const ta = op === 'TN';
  const tb = op === 'NT';
  const a = tf.randomUniform(ta ? [k, m] : [m, k]);
  const b = tf.randomUniform(tb ? [n, k] : [k, n]);
  const once = () => {
    const c = tf.matMul(a, b, ta, tb);
    c.dataSync();
    c.dispose();
  };
  once();
  let perBlock = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < perBlock; i++) once();
    const dt = performance.now() - t0;
    if (dt >= 2 || perBlock >= 1 << 16) break;
    perBlock *= dt < 0.2 ? 8 : 2;
  }
  const blocks = [];
  const start = performance.now();
  while (blocks.length < 5 || (performance.now() - start < minMs && blocks.length < 1000)) {
    const t0 = performance.now();
    for (let i = 0; i < perBlock; i++) once();
    blocks.push((performance.now() - t0) / perBlock);
  }
  tf.dispose([a, b]);
  blocks.sort((x, y) => x - y);
  const flops = 2 * m * k * n;
  const ms = blocks[blocks.length >> 1];
  return { m, k, n, op, gflops: flops / (ms * 1e6), bestGflops: flops / (blocks[0] * 1e6), msPerCall: ms, flops };
}

// Where TF.js's training step goes: tf.profile of one step, time per kernel
// (summed over calls), largest first. A diagnostic, not used for the figures.
async function profileStep() {
  const info = await tf.profile(() => {
    trainBatch();
  });
  const byKernel = new Map();
  for (const k of info.kernels) {
    const key = `${k.name}${k.inputShapes ? ' ' + JSON.stringify(k.inputShapes) : ''}`;
    const e = byKernel.get(key) ?? { name: key, ms: 0, calls: 0 };
    e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    e.calls++;
    byKernel.set(key, e);
  }
  const kernels = [...byKernel.values()].sort((a, b) => b.ms - a.ms);
  return { kernels, totalKernelMs: kernels.reduce((s, k) => s + k.ms, 0) };
}

const handlers = {
  profileStep,
  gemm,
  init,
  createModel,
  trainRun,
  inferRun,
  testAccuracy,
  memory: () => tf.memory(),
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
