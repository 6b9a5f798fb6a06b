// The MLP engine for JavaScript: a thin wrapper over the Embind module
// (mlp.mjs + mlp.wasm, built from wasm/bindings.cpp). It only unwraps the
// adapter's { ok, value } / { ok: false, kind, error } results: a failure
// becomes a thrown Error whose message is the core's own, with `kind` naming
// the core error type. Every returned typed array is a JS-owned copy, safe to
// keep or transfer to another thread. The API is documented in wasm/README.md.
//
// Two builds of the same core sit side by side: mlp.mjs (one thread) and
// mlp-threads.mjs (WebAssembly threads: shared memory, a pool of pthread
// workers). createEngine() picks the threaded one where it can run — a
// cross-origin-isolated page — and says why when it cannot.

function unwrap(result) {
  if (result.ok) return result.value;
  const error = new Error(result.error);
  error.kind = result.kind; // 'ConfigError' | 'IdxError' | 'ModelFileError' | 'DivergedError' | 'ArgumentError' | 'OutOfMemory' | 'Error'
  throw error;
}

function deletedError() {
  const error = new Error('this trainer has been deleted');
  error.kind = 'ArgumentError';
  return error;
}

/**
 * One image's backpropagation, from trainer.traceBackprop (core/backprop_trace.hpp): the numbers
 * of the report's Fig. 1 in double precision, layers numbered k = 1..K from the input; the CLI's
 * names (mlp_train --trace) in camelCase.
 * @typedef {object} BackpropTrace
 * @property {number} label
 * @property {number} loss L(ŷ, y) of this image (BCE summed over the outputs, or CE; no λΩ)
 * @property {number} gradientFactor f, the step's factor on the summed gradient for a batch of one (mean 1, sum 1, half ½)
 * @property {number} l2 λ, as training takes it (Ω = ½ Σ‖W‖², biases not decayed)
 * @property {TraceForward[]} forward k = 1..K
 * @property {TraceBackward[]} backward k = K..1, Fig. 1's order
 * @property {TraceCheck[]} gradientCheck k = K..1
 * @property {TraceOutputCheck} outputCheck
 * @property {TraceDerivation} derivation
 * @property {TraceStep} step
 */
/**
 * @typedef {object} TraceForward
 * @property {number} layer k
 * @property {Float64Array} a a⁽ᵏ⁾ = W⁽ᵏ⁾ h⁽ᵏ⁻¹⁾ + b⁽ᵏ⁾ (out_k)
 * @property {Float64Array} h h⁽ᵏ⁾ = g(a⁽ᵏ⁾); the last layer's is ŷ (out_k)
 */
/**
 * @typedef {object} TraceBackward
 * @property {number} layer k
 * @property {Float64Array} gA G_a = ∇_{a⁽ᵏ⁾} L (ŷ − y at the output) (out_k)
 * @property {Float64Array} gradB ∇b = f·G_a (out_k)
 * @property {Float64Array} gradW ∇W = f·G_a h⁽ᵏ⁻¹⁾ᵀ + λW, row-major [out][in] (rows · cols)
 * @property {number} rows out_k
 * @property {number} cols in_k
 * @property {Float64Array} gHPrev G_h_prev = W⁽ᵏ⁾ᵀ G_a = ∇_{h⁽ᵏ⁻¹⁾} L (in_k; for k = 1 w.r.t. the pixels)
 */
/**
 * Central differences ĝ = (J(θ + δ) − J(θ − δ)) / 2δ of J = f·L + λΩ for a sample of a layer's
 * parameters (the largest |∇| first, then a fixed pseudo-random sample).
 * @typedef {object} TraceCheck
 * @property {number} layer k
 * @property {number} relativeError ‖g − ĝ‖ / (‖g‖ + ‖ĝ‖) over the parameters compared
 * @property {number} maxRelativeError the largest |g_i − ĝ_i| / max(|g_i| + |ĝ_i|, floor)
 * @property {number} floor 1e-3 · max(1, L): below it a gradient is compared absolutely (ĝ's own rounding is ~1e-11 · max(1, L))
 * @property {number} checked parameters compared
 * @property {number} kinks parameters left out: the difference moved a ReLU unit across a = 0
 * @property {number} step δ
 * @property {{ row: number, column: number, backprop: number, numeric: number, kink: boolean }[]} parameters column −1: the bias b[row]
 */
/**
 * @typedef {object} TraceOutputCheck
 * @property {Float64Array} delta ŷ − y
 * @property {Float64Array} numeric (L(u + δe_j) − L(u − δe_j)) / 2δ, u the logits
 * @property {number} relativeError
 * @property {number} maxRelativeError
 * @property {number} floor
 */
/**
 * The report's Section II per output unit, without the fusion.
 * @typedef {object} TraceDerivation
 * @property {'sigmoid-bce' | 'softmax-ce'} loss
 * @property {Float64Array} y
 * @property {Float64Array} yHat
 * @property {Float64Array} dLDyHat ∂L/∂ŷ: −y/ŷ + (1−y)/(1−ŷ) (BCE), −y/ŷ (CE)
 * @property {Float64Array} [sigmaPrime] σ′(u) = ŷ(1 − ŷ) (sigmoid-bce only)
 * @property {Float64Array} product ∂L/∂ŷ · σ′(u) (BCE), Σ_i ∂ŷ_i/∂u_j ∂L/∂ŷ_i (CE): equals ŷ − y
 * @property {Float64Array} delta ŷ − y
 */
/**
 * One optimiser step on this image alone, on copies (the trainer is untouched).
 * @typedef {object} TraceStep
 * @property {'sgd' | 'momentum' | 'nesterov' | 'adam'} optimizer
 * @property {number} learningRate
 * @property {number} gradientFactor
 * @property {number} l2
 * @property {number} lossBefore this image's loss, as training computes it (float)
 * @property {number} lossAfter
 * @property {{ pixel: number, change: number }[]} topPixels the inputs whose first-layer weights moved most, largest first
 * @property {Float64Array} pixelChange Σ over first-layer units of |ΔW| per input
 */
/**
 * How each layer learned, one entry per recorded batch (trainer.setDynamics).
 * @typedef {object} DynamicsSeries
 * @property {Int32Array} steps the batch each record follows: progress().step after it
 * @property {number} dropped records overwritten before they were taken (the buffer was full)
 * @property {number} every the interval in batches (0: off)
 * @property {LayerDynamics[]} layers one per weight layer, input side first
 */
/**
 * @typedef {object} LayerDynamics
 * @property {Float32Array} gradNorm ‖∇W‖ of the gradient the optimiser stepped on (f·Σ∇L + λW), weights only
 * @property {Float32Array} updateRatio ‖ΔW‖ / ‖W‖ of the step, W before it
 * @property {Float32Array} activationMean of h = g(a) over units × samples of the batch (output layer: ŷ)
 * @property {Float32Array} activationStd the same's standard deviation
 * @property {Float32Array} saturated share with g′(a) < 0.01 (ReLU: a ≤ 0; output layer: ŷ(1 − ŷ) < 0.01)
 */

class Trainer {
  #handle;

  constructor(handle) {
    this.#handle = handle;
  }

  #raw() {
    if (!this.#handle) throw deletedError();
    return this.#handle;
  }

  /** Trains up to n batches (stops early at the end of an epoch). */
  trainBatches(n) {
    return unwrap(this.#raw().trainBatches(n));
  }

  /** Of the last trainBatches: { parallelMs }, the time spent in the rounds of tasks that run on every thread. */
  timing() {
    return this.#raw().timing();
  }

  /** split: 'train' | 'validation' | 'test' → { loss, accuracy, count, confusion } */
  evaluate(split) {
    return unwrap(this.#raw().evaluate(split));
  }

  /** The images it trains on (its first trainLimit training images), or the first `count` of them → as evaluate. */
  evaluateTraining(count) {
    return unwrap(this.#raw().evaluateTraining(count));
  }

  /** Float32Array of n·784 pixels in [0, 1] → Float32Array of n·10 probabilities. */
  predict(images) {
    return unwrap(this.#raw().predict(images));
  }

  predictSplit(split) {
    return unwrap(this.#raw().predictSplit(split));
  }

  layerWeights(k) {
    return unwrap(this.#raw().layerWeights(k));
  }

  /**
   * One image (Float32Array of 784 pixels in [0, 1]) through the network →
   * { hidden: [Float32Array(units) per hidden layer], logits, probabilities,
   *   predicted, contributions: Float32Array (what each unit feeding the output
   *   added to the winning logit), bias }.
   */
  traceDigit(image) {
    return unwrap(this.#raw().traceDigit(image));
  }

  /**
   * Each layer's health over images start..start+count-1 of a split (bins:
   * histogram bins, default 20) → { samples, loss, layers: [{ units, histogram:
   * Int32Array, low, high, mean, saturated, stuck, weightGradientNorm,
   * biasGradientNorm, weightNorm }] }.
   */
  inspectHealth(split, start, count, bins) {
    return unwrap(this.#raw().inspectHealth(split, start, count, bins));
  }

  /**
   * One image's backpropagation: forward (a, h per layer), backward in Fig. 1's order (G_a, ∇b, ∇W,
   * G_h_prev), a gradient check by central differences, the report's derivation per output unit and
   * what one step on this image alone would do. Runs on copies: the trainer is left as it was.
   * @param {Float32Array} image the input's size, scaled as training scales pixels (value / 255)
   * @param {number} label its class
   * @param {{ checksPerLayer?: number, topPixels?: number }} [options] defaults 20 and 10
   * @returns {BackpropTrace}
   */
  traceBackprop(image, label, options) {
    return unwrap(this.#raw().traceBackprop(image, label, options));
  }

  /**
   * traceBackprop for image `index` of a loaded split, with its label (what mlp_train --trace N prints).
   * @param {'train' | 'validation' | 'test'} split
   * @param {number} index
   * @param {{ checksPerLayer?: number, topPixels?: number }} [options]
   * @returns {BackpropTrace}
   */
  traceBackpropSplit(split, index, options) {
    return unwrap(this.#raw().traceBackpropSplit(split, index, options));
  }

  /**
   * Records how each layer learns after every `everyBatches`-th batch (0: off, the default),
   * keeping the last `capacity` records (default 1024) until takeDynamics(). Clears the records.
   * Recording changes nothing in training (bit-identical weights).
   * @param {number} everyBatches
   * @param {number} [capacity]
   */
  setDynamics(everyBatches, capacity) {
    unwrap(this.#raw().setDynamics(everyBatches, capacity));
  }

  /**
   * The records since the last call, oldest first (a divergence forgets those of the batches it undid).
   * @returns {DynamicsSeries}
   */
  takeDynamics() {
    return unwrap(this.#raw().takeDynamics());
  }

  setLearningRate(learningRate) {
    unwrap(this.#raw().setLearningRate(learningRate));
  }

  setOptimizer(settings) {
    unwrap(this.#raw().setOptimizer(settings));
  }

  config() {
    return unwrap(this.#raw().config());
  }

  progress() {
    return unwrap(this.#raw().progress());
  }

  /** The whole run as a .safetensors file. */
  save() {
    return unwrap(this.#raw().save());
  }

  get deleted() {
    return !this.#handle;
  }

  /** Frees the C++ trainer; further calls throw. Calling it twice is harmless. */
  delete() {
    if (this.#handle) this.#handle.delete();
    this.#handle = null;
  }
}

class Engine {
  #module;
  #engine;

  constructor(module, { threaded, reason }) {
    this.#module = module;
    this.#engine = new module.Engine();
    /** True when this is the threaded build (mlp-threads.mjs). */
    this.threaded = threaded;
    /** Why the engine trains on one thread, or null when it is threaded. */
    this.singleThreadReason = threaded ? null : reason;
    /** True when the module was built with WebAssembly SIMD. */
    this.simd = module.simd();
    /** True when Eigen's own vector kernels are compiled in (SSE mapped to wasm SIMD). */
    this.eigenVectorized = module.eigenVectorized();
  }

  #raw() {
    if (!this.#engine) throw new Error('this engine has been deleted');
    return this.#engine;
  }

  /**
   * The training configuration's fields, as the core describes them (the one
   * source of names, kinds, ranges and defaults): [{ name, jsName, flag,
   * label, help, kind, structural, default, min, max, minOpen, maxOpen,
   * choices, countMin, countMax, maxParameters }].
   */
  schema() {
    return this.#module.configSchema();
  }

  /**
   * The core's named readings of the report (the report's code, done
   * properly with the mean or the summed gradient): [{ name, label,
   * description, config }], config holding the fields each one sets.
   */
  presets() {
    return this.#module.configPresets();
  }

  /** Checks a plain config as createTrainer would, without building a network; returns it complete. */
  validateConfig(config) {
    return unwrap(this.#module.validateConfig(config));
  }

  /**
   * What a config needs, in bytes (core/memory_estimate.hpp): { parameters, file (its model file),
   * training, saving, loading (reading the file back), peak, budget }. validateConfig and
   * createTrainer refuse a config whose peak is over the budget; this call only checks the fields.
   */
  memoryEstimate(config) {
    return unwrap(this.#module.memoryEstimate(config));
  }

  /** { memoryBudget, maxModelFileBytes }: the heap a trainer may plan on, the largest model file any accepted network has. */
  limits() {
    return this.#module.limits();
  }

  /**
   * The mean loss per sample a network of this config starts near, to show beside the measured one:
   * every logit 0, so out · ln 2 for sigmoid-bce (10 ln 2 ≈ 6.93) and ln out for softmax-ce
   * (ln 10 ≈ 2.30). Throws what createTrainer would for a bad config.
   * @param {object} [config]
   * @returns {number}
   */
  expectedInitialLoss(config) {
    return unwrap(this.#module.expectedInitialLoss(config));
  }

  /** { trainImages, trainLabels, testImages, testLabels, validation = 10000 } (raw IDX bytes) */
  loadData(data) {
    return unwrap(this.#raw().loadData(data));
  }

  /** The sizes of the loaded splits, or null before loadData. */
  dataInfo() {
    return this.#raw().dataInfo();
  }

  createTrainer(config = {}) {
    return new Trainer(unwrap(this.#raw().createTrainer(config)));
  }

  /** A trainer resumed from .safetensors bytes written by trainer.save(). */
  loadModel(bytes) {
    return new Trainer(unwrap(this.#raw().loadModel(bytes)));
  }

  /** Uint8Array(count·784): raw pixels of images start..start+count-1 of a split. */
  splitImages(split, start, count) {
    return unwrap(this.#raw().splitImages(split, start, count));
  }

  /** { available, active }: the threads this engine has (its pool, created once) and trains on. */
  get threads() {
    const info = this.#module.threadInfo();
    return { available: info.available, active: info.active };
  }

  /**
   * Trains on n threads (1..threads.available) from the next batch on, for
   * every trainer of this engine. Results do not depend on it: the same seed
   * gives bit-identical weights on any thread count. Returns the count set.
   */
  setThreads(n) {
    return unwrap(this.#module.setThreads(n));
  }

  /** Size of the WebAssembly memory in bytes (it can grow, never shrink). */
  memoryBytes() {
    return this.#module.memoryBytes();
  }

  /** Bytes currently allocated on the C++ heap. */
  allocatedBytes() {
    return this.#module.allocatedBytes();
  }

  /** The most the C++ heap has ever held, in bytes (its high-water mark, fragmentation included). */
  peakHeapBytes() {
    return this.#module.peakHeapBytes();
  }

  /** Frees the loaded data (trainers keep what they use until deleted). */
  delete() {
    if (this.#engine) this.#engine.delete();
    this.#engine = null;
  }
}

const isNode = typeof process === 'object' && typeof process.versions?.node === 'string';

/** Logical CPUs of this machine, as the browser (or Node) reports them. */
async function hardwareThreads() {
  if (isNode) return (await import('node:os')).availableParallelism();
  return globalThis.navigator?.hardwareConcurrency || 1;
}

/** The most threads an engine starts (its pthread pool is this minus one). */
export const MAX_THREADS = 16;

/**
 * Whether the threaded build can run here, and if not, why: WebAssembly
 * threads need SharedArrayBuffer, which browsers give only to
 * cross-origin-isolated pages (served with COOP: same-origin and COEP:
 * require-corp or credentialless).
 */
export function threadSupport() {
  if (!isNode && globalThis.crossOriginIsolated !== true)
    return {
      ok: false,
      reason:
        'the page is not cross-origin isolated (its host sends no Cross-Origin-Opener-Policy / Cross-Origin-Embedder-Policy headers)',
    };
  if (typeof SharedArrayBuffer !== 'function')
    return { ok: false, reason: 'this JavaScript engine has no SharedArrayBuffer' };
  return { ok: true, reason: null };
}

/**
 * Instantiates a fresh module. Options are passed to the Emscripten module:
 * `wasmBinary` (bytes of the .wasm) or `locateFile`. In Node, the .wasm is
 * read from beside this file when no wasmBinary is given. Besides:
 *   threaded: true | false | undefined — the threaded build (mlp-threads.mjs)
 *     or the single-threaded one (mlp.mjs); by default the threaded one where
 *     threadSupport() allows it (browsers; Node only when asked for).
 *   threads: the most threads to use (default: the machine's logical CPUs,
 *     at most MAX_THREADS); the engine starts with all of them active.
 */
export async function createEngine(options = {}) {
  const { threaded: wanted, threads, ...moduleOptions } = options;
  const support = threadSupport();
  const threaded = wanted ?? (support.ok && !isNode);
  if (threaded && !support.ok) throw new Error(`the threaded engine cannot run here: ${support.reason}`);
  const reason =
    wanted === false
      ? 'the single-threaded engine was asked for'
      : (support.reason ?? 'the single-threaded engine was asked for');
  const count = Math.max(1, Math.min(MAX_THREADS, Math.floor(threads ?? (await hardwareThreads()))));
  const name = threaded ? 'mlp-threads' : 'mlp';
  if (isNode && !moduleOptions.wasmBinary && !moduleOptions.locateFile) {
    const { readFile } = await import('node:fs/promises');
    moduleOptions.wasmBinary = await readFile(new URL(`./${name}.wasm`, import.meta.url));
  }
  // The pthread workers, created with the module (see wasm/CMakeLists.txt).
  if (threaded) moduleOptions.mlpPoolSize = Math.max(1, count - 1);
  const { default: createMlpModule } = threaded ? await import('./mlp-threads.mjs') : await import('./mlp.mjs');
  const module = await createMlpModule(moduleOptions);
  unwrap(module.initThreads(threaded ? count : 1));
  // Under Node the pool's threads (worker_threads, which never return) would
  // keep the process alive after its last line, as a detached native thread
  // does not: unref them. Training blocks the calling thread, so nothing
  // waits on their messages.
  if (threaded && isNode)
    for (const w of [...(module.PThread?.runningWorkers ?? []), ...(module.PThread?.unusedWorkers ?? [])]) w.unref?.();
  return new Engine(module, { threaded, reason });
}
