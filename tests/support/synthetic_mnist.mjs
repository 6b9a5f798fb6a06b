// Synthetic MNIST-shaped data as IDX bytes: the one JS generator for the
// wasm tests, the browser tests and the benchmarks (the C++ one is
// tests/support/synthetic_data.hpp). Deterministic: the same seed gives the same
// bytes in Node and in a browser.
//
// learnable (default): sample i has label i % classes and lights the band of
// rows that belongs to its class (pixels 200..255) over noise (0..59), so a
// small network separates the classes within an epoch.
// learnable: false: uniform pixels and uniformly random labels, for
// benchmarks and bookkeeping tests that must not depend on what is learnt.

/** xorshift32 from `seed` (0 is taken as 1): a function returning uint32s. */
export function xorshift32(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/** The bytes of an IDX file: big-endian magic 0x08 0x(dims), then the dims, then data. */
export function idxFile(dims, data) {
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x800 + dims.length);
  dims.forEach((d, k) => view.setUint32(4 + 4 * k, d));
  out.set(data, header);
  return out;
}

/** { images, labels }: IDX bytes of n images of rows×cols and their labels. */
export function syntheticIdx(n, { rows = 28, cols = 28, classes = 10, seed = 1, learnable = true } = {}) {
  const next = xorshift32(seed);
  const pixels = new Uint8Array(n * rows * cols);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const label = learnable ? i % classes : next() % classes;
    labels[i] = label;
    const bandStart = Math.floor((label * rows) / classes);
    const bandEnd = Math.max(bandStart + 1, Math.floor(((label + 1) * rows) / classes));
    for (let r = 0; r < rows; r++) {
      const lit = learnable && r >= bandStart && r < bandEnd;
      for (let c = 0; c < cols; c++) {
        const x = next();
        pixels[(i * rows + r) * cols + c] = learnable ? (lit ? 200 + (x % 56) : x % 60) : x & 255;
      }
    }
  }
  return { images: idxFile([n, rows, cols], pixels), labels: idxFile([n], labels) };
}

/**
 * The argument of engine.loadData: `train` + `validation` training images
 * (the engine holds the last `validation` out) and `test` test images.
 */
export function syntheticMnist({ train = 2000, validation = 500, test = 500, seed = 1, ...options } = {}) {
  const training = syntheticIdx(train + validation, { ...options, seed });
  const testing = syntheticIdx(test, { ...options, seed: seed + 1000 });
  return {
    trainImages: training.images,
    trainLabels: training.labels,
    testImages: testing.images,
    testLabels: testing.labels,
    validation,
  };
}
