// jax-js side of the browser benchmark (@jax-js/jax, pinned in
// web/package.json): a module worker that trains and runs the same MLP as
// ours and TF.js's, written with jax-js's numpy, grad and jit on its wasm
// backend, timed the same way.
//
//   threads 1: SharedArrayBuffer hidden before jax-js loads, so its wasm
//              backend runs kernels on this thread (no worker pool);
//   threads N: navigator.hardwareConcurrency reported as N, the size of the
//              pool of kernel workers jax-js starts on a cross-origin-isolated page.
//
// The training step is one jitted function of (params, x, y): the loss
// (sigmoid + BCE from the logits, summed over the outputs, mean over the
// batch, as the core's and TF.js's), its gradient by valueAndGrad, and SGD.
// Warm-up compiles it for the full batch and for the last, partial batch of
// an MNIST epoch (50,000 = 390·128 + 80). Batches come from a pool of
// training images converted to float up front, like TF.js's.
const BATCH = 128;
const PARTIAL = 50000 % BATCH;
const INFER_CHUNK = 1000;
const POOL = BATCH * 80;

let jax = null;
let data = null;
let model = null;
let info = null;

const post = (msg) => self.postMessage(msg);
const log = (text) => post({ type: 'log', text: `[jax-js] ${text}` });

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
  return { x: out, count };
}

function idxOneHot(bytes, limit, classes) {
  const count = Math.min(new DataView(bytes.buffer, bytes.byteOffset).getUint32(4), limit);
  const out = new Float32Array(count * classes);
  for (let i = 0; i < count; i++) out[i * classes + bytes[8 + i]] = 1;
  return out;
}

async function init({ threads = 1, dataUrl }) {
  if (threads <= 1) self.SharedArrayBuffer = undefined;
  else Object.defineProperty(self.navigator, 'hardwareConcurrency', { get: () => threads, configurable: true });
  jax = await import('./jax/index.js');
  const devices = await jax.init('wasm');
  if (!devices.includes('wasm')) throw new Error(`jax-js: no wasm backend (${devices.join(', ')})`);
  jax.defaultDevice('wasm');
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
  info = {
    backend: 'wasm',
    threads: threads <= 1 ? 1 : threads,
    sharedMemory: typeof SharedArrayBuffer === 'function',
    version: '0.1.25',
  };
  log(`ready: ${JSON.stringify(info)}`);
  return info;
}

// Glorot/Xavier uniform, as TF.js's worker draws it.
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
  return jax.numpy.array(v, { shape: [rows, cols] });
}

// Arrays follow jax-js's move rules: an argument is consumed, `.ref` keeps it.
function logits(p, x) {
  const { numpy: np, nn } = jax;
  let h = x;
  const last = p.w.length - 1;
  for (let k = 0; k <= last; k++) {
    const a = np.add(np.matmul(h, p.w[k]), p.b[k]);
    h = k < last ? nn.sigmoid(a) : a;
  }
  return h;
}

// Σ_outputs [max(z,0) − z y + ln(1 + e^−|z|)], mean over the batch.
function loss(p, x, y) {
  const { numpy: np } = jax;
  const z = logits(p, x);
  const n = z.shape[0];
  const l = np.add(np.subtract(np.maximum(z.ref, 0), np.multiply(z.ref, y)), np.log1p(np.exp(np.negative(np.abs(z)))));
  return np.divide(np.sum(l), n);
}

function createModel({ sizes, learningRate = 0.001 }) {
  disposeModel();
  const { numpy: np, jit, valueAndGrad, tree } = jax;
  const p = { w: [], b: [] };
  for (let k = 0; k + 1 < sizes.length; k++) {
    p.w.push(glorot(sizes[k], sizes[k + 1], 1234 + k));
    p.b.push(np.zeros([sizes[k + 1]]));
  }
  const step = jit((params, x, y) => {
    const [l, g] = valueAndGrad(loss)(tree.ref(params), x, y);
    const next = tree.map((w, dw) => np.subtract(w, np.multiply(dw, learningRate)), params, g);
    return [l, next];
  });
  const forward = jit((params, x) => {
    const prob = jax.nn.sigmoid(logits(params, x));
    return [prob.ref, np.argmax(prob, 1)];
  });
  model = { sizes, params: p, step, forward, batch: 0 };
  return { sizes };
}

function disposeModel() {
  if (!model) return;
  jax.tree.dispose(model.params);
  model.step.dispose();
  model.forward.dispose();
  model = null;
}

function batchArrays(start, count) {
  const { numpy: np } = jax;
  return [
    np.array(data.trainX.subarray(start * 784, (start + count) * 784), { shape: [count, 784] }),
    np.array(data.trainY.subarray(start * 10, (start + count) * 10), { shape: [count, 10] }),
  ];
}

async function trainBatch(count = BATCH) {
  const start = (model.batch % Math.floor(data.pool / BATCH)) * BATCH;
  model.batch++;
  const [x, y] = batchArrays(start, count);
  const [l, next] = model.step(model.params, x, y);
  model.params = next;
  return (await l.data())[0];
}

async function trainRun({ batches }) {
  const t0 = performance.now();
  let loss = 0;
  for (let i = 0; i < batches; i++) loss = await trainBatch();
  const ms = performance.now() - t0;
  if (!Number.isFinite(loss)) throw new Error(`jax-js loss became ${loss}`);
  return { ms, batches, samples: batches * BATCH, loss };
}

// Compiles the step for the last partial batch too (untimed), then the usual warm-up.
async function warmPartial() {
  await trainBatch(PARTIAL);
  return { partial: PARTIAL };
}

async function inferRun({ reps = 1 }) {
  const { numpy: np } = jax;
  const t0 = performance.now();
  let checksum = 0;
  for (let r = 0; r < reps; r++) {
    for (let start = 0; start < data.test; start += INFER_CHUNK) {
      const n = Math.min(INFER_CHUNK, data.test - start);
      const x = np.array(data.testX.subarray(start * 784, (start + n) * 784), { shape: [n, 784] });
      const [p, guess] = model.forward(jax.tree.ref(model.params), x);
      const probs = await p.data();
      const best = await guess.data();
      checksum += probs[0] + best[n - 1];
    }
  }
  return { ms: performance.now() - t0, samples: reps * data.test, checksum };
}

async function testAccuracy() {
  const { numpy: np } = jax;
  let right = 0;
  for (let start = 0; start < data.test; start += INFER_CHUNK) {
    const n = Math.min(INFER_CHUNK, data.test - start);
    const x = np.array(data.testX.subarray(start * 784, (start + n) * 784), { shape: [n, 784] });
    const [p, guess] = model.forward(jax.tree.ref(model.params), x);
    p.dispose();
    const best = await guess.data();
    for (let i = 0; i < n; i++) right += data.testY[(start + i) * 10 + best[i]] === 1 ? 1 : 0;
  }
  return right / data.test;
}

// np.matmul throughput at one shape (row-major C(m×n) = A(m×k)·B(k×n)), read back.
async function gemm({ m, k, n, op = 'NN', minMs = 300 }) {
  const { numpy: np } = jax;
  const ta = op === 'TN';
  const tb = op === 'NT';
  const a = ta ? glorot(k, m, 5) : glorot(m, k, 5);
  const b = tb ? glorot(n, k, 6) : glorot(k, n, 6);
  const mm = jax.jit((x, y) => np.matmul(ta ? np.transpose(x) : x, tb ? np.transpose(y) : y));
  const once = async () => {
    const c = mm(a.ref, b.ref);
    await c.data();
  };
  await once();
  let perBlock = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < perBlock; i++) await once();
    const dt = performance.now() - t0;
    if (dt >= 2 || perBlock >= 1 << 14) break;
    perBlock *= dt < 0.2 ? 8 : 2;
  }
  const blocks = [];
  const start = performance.now();
  while (blocks.length < 5 || (performance.now() - start < minMs && blocks.length < 1000)) {
    const t0 = performance.now();
    for (let i = 0; i < perBlock; i++) await once();
    blocks.push((performance.now() - t0) / perBlock);
  }
  a.dispose();
  b.dispose();
  mm.dispose();
  blocks.sort((x, y) => x - y);
  const flops = 2 * m * k * n;
  const ms = blocks[blocks.length >> 1];
  return { m, k, n, op, gflops: flops / (ms * 1e6), bestGflops: flops / (blocks[0] * 1e6), msPerCall: ms, flops };
}

const handlers = { init, createModel, trainRun, warmPartial, inferRun, testAccuracy, gemm, memory: () => ({}) };

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
