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

/**
 * What engine.inspectModelFile() says of a model file.
 * @typedef {object} ModelFileInfo
 * @property {'ours' | 'pytorch'} kind ours: a model file of this trainer; pytorch: a state_dict of linear layers
 * @property {number[]} layers input, hidden..., output sizes
 * @property {string} dtype of the weights and biases: 'F32', 'F16', 'BF16', 'F64', or e.g. 'F16+F32' when they differ
 * @property {string[]} layerNames each layer's tensor names without .weight/.bias (e.g. 'layers.0', 'fc1', '0')
 * @property {string[]} missing what loadForeignModel's options must say: ['activation', 'loss'] for PyTorch, [] for ours
 * @property {number} parameters weights and biases
 * @property {string | null} activation the hidden activation the file records (null for PyTorch)
 * @property {string | null} loss the output and loss the file records (null for PyTorch)
 * @property {object} config ours: the file's configuration; pytorch: what loadForeignModel uses without options
 */

/**
 * engine.loadForeignModel()'s options: createTrainer's fields but layers (activation default 'relu',
 * loss default 'softmax-ce', the others createTrainer's defaults).
 * @typedef {{ activation?: 'sigmoid' | 'tanh' | 'relu', loss?: 'sigmoid-bce' | 'softmax-ce', [field: string]: unknown }} ForeignModelOptions
 */

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

  /**
   * The network as an ONNX model (opset 17): input 'input' float32 [N, 784] of pixels / 255,
   * output 'probabilities' float32 [N, 10], what predict() gives.
   * @returns {Uint8Array}
   */
  exportOnnx() {
    return unwrap(this.#raw().exportOnnx());
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

  /**
   * What a model file is, before loading it: one of ours (loadModel resumes it) or a PyTorch MLP
   * (loadForeignModel imports it, with the activation and loss it does not say). Throws the error
   * loading would give for a malformed file; a PyTorch file's shapes are checked against the
   * loaded data (MNIST's 784 → 10 before loadData).
   * @param {Uint8Array} bytes
   * @returns {ModelFileInfo}
   */
  inspectModelFile(bytes) {
    return unwrap(this.#raw().inspectModelFile(bytes));
  }

  /**
   * A new run from a PyTorch MLP's weights (a state_dict of linear layers in .safetensors): its
   * layer sizes, a fresh optimiser, epoch 0. `options` holds createTrainer's fields but `layers`;
   * activation and loss default to 'relu' and 'softmax-ce', the rest to createTrainer's defaults.
   * @param {Uint8Array} bytes
   * @param {ForeignModelOptions} [options]
   */
  loadForeignModel(bytes, options = {}) {
    return new Trainer(unwrap(this.#raw().loadForeignModel(bytes, options)));
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
