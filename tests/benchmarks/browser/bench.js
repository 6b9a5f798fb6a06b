// The benchmark page's controller. It starts one worker per implementation —
// ours (module workers, wasm/engine.mjs: the threaded module on 1 and N
// threads, the single-threaded module), TF.js's wasm backend (SIMD, one
// thread; threaded SIMD, N) and cpu backend (classic workers), jax-js's wasm
// backend (module workers, 1 and N threads) — and measures them in the same page session,
// one worker at a time, interleaving the implementations run by run so that
// any drift in machine load hits all of them alike.
//
// tests/benchmarks/browser_bench.mjs drives it with Playwright:
//   await page.evaluate((o) => window.runBench(o), options)  → results (JSON)
// Nothing is asserted here: it only measures.

const BATCH = 128;
// GEMM ceiling shapes: C(m×n) = A(m×k)·B(k×n); 800×784×128 is our forward of 784-800-10 (column-major).
const GEMM_SHAPES = [
  [256, 256, 256, 'NN'],
  [800, 784, 128, 'NN'],
];

class WorkerClient {
  constructor(name, url, options) {
    this.name = name;
    this.worker = new Worker(url, options);
    this.nextId = 1;
    this.pending = new Map();
    this.worker.onmessage = (event) => {
      const msg = event.data;
      if (msg.type === 'log') return console.log(msg.text);
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new Error(`${this.name}: ${msg.error}`));
    };
    this.worker.onerror = (event) => {
      const error = new Error(`${this.name}: worker error: ${event.message ?? 'failed to load'}`);
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    };
  }

  call(cmd, args) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, cmd, args });
    });
  }

  terminate() {
    this.worker.terminate();
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const status = (text) => {
  console.log(text);
  const el = document.getElementById('status');
  if (el) el.textContent = text;
};

// Untimed warm-up that also sizes the timed runs: `count` units of work
// (batches or inference passes) per run so that one run lasts about targetMs.
async function calibrate(client, cmd, unitArg, targetMs, minUnits) {
  let units = minUnits;
  let perUnit = Infinity;
  for (let round = 0; round < 3; round++) {
    const r = await client.call(cmd, { [unitArg]: units });
    perUnit = r.ms / units;
    if (r.ms >= 0.3 * targetMs) break;
    units = Math.max(units, Math.ceil((0.3 * targetMs) / Math.max(perUnit, 1e-3)));
  }
  return { units: Math.max(minUnits, Math.round(targetMs / perUnit)), warmupPerUnitMs: perUnit };
}

// The implementations, in the order they run in every round. threads: N is
// options.threads (the machine's cores); TF.js's threaded pool and jax-js's
// kernel workers get the same count.
function implementations(backends, threads, isolated) {
  const list = [
    { key: 'ours-1', url: './ours-worker.mjs', module: true, init: { threaded: isolated, threads: 1 } },
    { key: 'ours-N', url: './ours-worker.mjs', module: true, init: { threaded: isolated, threads } },
    { key: 'ours-st', url: './ours-worker.mjs', module: true, init: { threaded: false, threads: 1 } },
  ];
  for (const b of backends) {
    if (b === 'wasm') {
      list.push({ key: 'tfjs-wasm', url: './tfjs-worker.js', init: { backend: 'wasm', threads: 1 } });
      if (isolated) list.push({ key: 'tfjs-wasm-N', url: './tfjs-worker.js', init: { backend: 'wasm', threads } });
    } else {
      list.push({ key: `tfjs-${b}`, url: './tfjs-worker.js', init: { backend: b } });
    }
  }
  list.push({ key: 'jax-1', url: './jax-worker.mjs', module: true, init: { threads: 1 } });
  if (isolated) list.push({ key: 'jax-N', url: './jax-worker.mjs', module: true, init: { threads } });
  return list;
}

async function runBench(options = {}) {
  const {
    archs = [20, 80, 800],
    runs = 5,
    trainMs = 1500,
    inferMs = 1000,
    backends = ['wasm', 'cpu'],
    gemmMinMs = 1000,
    profile = true,
    threads = 2,
    timeTo98 = true,
    dataUrl = new URL('./data/', location.href).href,
  } = options;
  const started = performance.now();
  const isolated = self.crossOriginIsolated === true;
  const result = {
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
    crossOriginIsolated: isolated,
    options: { archs, runs, trainMs, inferMs, backends, gemmMinMs, profile, batch: BATCH, threads },
  };

  status('starting workers');
  const impls = implementations(backends, threads, isolated).map((d) => ({
    ...d,
    client: new WorkerClient(d.key, d.url, d.module ? { type: 'module' } : undefined),
  }));
  const byKey = Object.fromEntries(impls.map((i) => [i.key, i]));
  try {
    for (const impl of impls) result[impl.key] = await impl.client.call('init', { ...impl.init, dataUrl });
    const ours = byKey['ours-1'].client;

    // --- GEMM ceiling -------------------------------------------------------
    status('GEMM ceiling');
    result.simdPeakGflops = await ours.call('simdPeak', { minMs: gemmMinMs / 2 });
    console.log(`f32x4 mul+add roofline: ${result.simdPeakGflops.toFixed(1)} GFLOP/s`);
    result.gemm = [];
    for (const [m, k, n, op] of GEMM_SHAPES) {
      const g = await ours.call('gemm', { m, k, n, op, minMs: gemmMinMs });
      console.log(`gemm ${m}x${k}x${n} ${op}: ${g.gflops.toFixed(1)} GFLOP/s (best block ${g.bestGflops.toFixed(1)})`);
      result.gemm.push(g);
    }
    // The same shapes with TF.js's matMul (XNNPACK) and jax-js's, in their own single-threaded workers.
    result.otherGemm = {};
    for (const key of ['tfjs-wasm', 'jax-1']) {
      if (!byKey[key]) continue;
      result.otherGemm[key] = [];
      for (const [m, k, n, op] of GEMM_SHAPES) {
        const g = await byKey[key].client.call('gemm', { m, k, n, op, minMs: gemmMinMs / 2 });
        console.log(`${key} matMul ${m}x${k}x${n} ${op}: ${g.gflops.toFixed(1)} GFLOP/s`);
        result.otherGemm[key].push(g);
      }
    }

    // --- Per architecture -----------------------------------------------------
    result.archs = [];
    for (const hidden of archs) {
      const sizes = [784, hidden, 10];
      const name = sizes.join('-');
      const entry = { name, sizes, impls: {}, gemm: [], otherGemm: {} };
      result.archs.push(entry);

      // The products of one training step at exactly this shape (column-major,
      // as the core computes them): forward W·X, weight gradient G·Xᵀ, input
      // gradient Wᵀ·G (not for the first layer); TF.js's and jax-js's matMul
      // at the same shapes and transposes, interleaved product by product.
      status(`${name}: shape-matched GEMMs`);
      for (let l = 0; l + 1 < sizes.length; l++) {
        const [i, o] = [sizes[l], sizes[l + 1]];
        const shapes = [
          { role: `L${l + 1} fwd`, m: o, k: i, n: BATCH, op: 'NN' },
          { role: `L${l + 1} dW`, m: o, k: BATCH, n: i, op: 'NT' },
        ];
        if (l > 0) shapes.push({ role: `L${l + 1} dX`, m: i, k: o, n: BATCH, op: 'TN' });
        for (const sh of shapes) {
          entry.gemm.push({ role: sh.role, ...(await ours.call('gemm', { ...sh, minMs: 200 })) });
          for (const key of ['tfjs-wasm', 'jax-1']) {
            if (!byKey[key]) continue;
            (entry.otherGemm[key] ??= []).push({
              role: sh.role,
              ...(await byKey[key].client.call('gemm', { ...sh, minMs: 100 })),
            });
          }
        }
      }

      for (const impl of impls) {
        status(`${name}: ${impl.key} warm-up`);
        await impl.client.call('createModel', { sizes, learningRate: 0.001 });
        if (impl.key.startsWith('jax')) await impl.client.call('warmPartial');
        impl.train = await calibrate(impl.client, 'trainRun', 'batches', trainMs, 3);
        impl.infer = await calibrate(impl.client, 'inferRun', 'reps', inferMs, 1);
        entry.impls[impl.key] = {
          train: [],
          infer: [],
          predict: [],
          trainBatchesPerRun: impl.train.units,
          inferRepsPerRun: impl.infer.units,
        };
      }
      for (let r = 0; r < runs; r++) {
        for (const impl of impls) {
          status(`${name}: train run ${r + 1}/${runs} ${impl.key}`);
          const t = await impl.client.call('trainRun', { batches: impl.train.units });
          entry.impls[impl.key].train.push({ ...t, samplesPerSec: (t.samples / t.ms) * 1000 });
        }
      }
      for (let r = 0; r < runs; r++) {
        for (const impl of impls) {
          status(`${name}: inference run ${r + 1}/${runs} ${impl.key}`);
          const t = await impl.client.call('inferRun', { reps: impl.infer.units });
          entry.impls[impl.key].infer.push({ ...t, samplesPerSec: (t.samples / t.ms) * 1000 });
          if (impl.key.startsWith('ours')) {
            const pr = await impl.client.call('predictRun', { reps: impl.infer.units });
            entry.impls[impl.key].predict.push({ ...pr, samplesPerSec: (pr.samples / pr.ms) * 1000 });
          }
        }
      }
      for (const impl of impls) {
        const e = entry.impls[impl.key];
        e.trainMedian = median(e.train.map((x) => x.samplesPerSec));
        e.inferMedian = median(e.infer.map((x) => x.samplesPerSec));
        e.predictMedian = e.predict.length ? median(e.predict.map((x) => x.samplesPerSec)) : NaN;
        e.testAccuracy = await impl.client.call('testAccuracy');
        console.log(
          `${name} ${impl.key}: train ${e.trainMedian.toFixed(0)} samples/s, infer ${e.inferMedian.toFixed(0)} samples/s` +
            ` (test acc ${(e.testAccuracy * 100).toFixed(1)}% after warm-up + ${runs} runs)`,
        );
      }

      if (profile) {
        status(`${name}: per-phase profile`);
        entry.profile = await ours.call('profile', { sizes, batch: BATCH, minMs: 100 });
        const t = await ours.call('trainRun', { batches: byKey['ours-1'].train.units });
        entry.profile.trainMsPerBatch = t.ms / t.batches;
      }
    }

    // --- Time to 98 % (the page's fast preset), ours on 1 and N threads, interleaved ---
    if (timeTo98) {
      result.timeTo98 = {};
      for (const key of ['ours-N', 'ours-1']) {
        status(`fast preset to 98 %: ${key}`);
        result.timeTo98[key] = await byKey[key].client.call('timeTo98', {});
        console.log(`fast preset, ${key}: ${JSON.stringify(result.timeTo98[key])}`);
      }
    }
  } finally {
    for (const impl of impls) impl.client.terminate();
  }
  result.elapsedMs = performance.now() - started;
  status('done');
  return result;
}

window.runBench = runBench;
window.benchReady = true;
status('ready');
