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
//
// Types: the raw module's are declared in mlp.d.mts; the shapes below are
// exported as JSDoc types, so page code can write
//   /** @import { Trainer, TrainResult } from '../wasm/engine.mjs' */

/**
 * @typedef {import('./mlp.mjs').ErrorKind} ErrorKind
 * @typedef {import('./mlp.mjs').Split} Split
 * @typedef {import('./mlp.mjs').Config} Config
 * @typedef {import('./mlp.mjs').ConfigInput} ConfigInput
 * @typedef {import('./mlp.mjs').OptimizerSettings} OptimizerSettings
 * @typedef {import('./mlp.mjs').Activation} Activation
 * @typedef {import('./mlp.mjs').Loss} Loss
 * @typedef {import('./mlp.mjs').OptimizerName} OptimizerName
 * @typedef {import('./mlp.mjs').GradientScale} GradientScale
 * @typedef {import('./mlp.mjs').Initialization} Initialization
 * @typedef {import('./mlp.mjs').Batching} Batching
 * @typedef {import('./mlp.mjs').SchemaField} SchemaField
 * @typedef {import('./mlp.mjs').NumberField} NumberField
 * @typedef {import('./mlp.mjs').BooleanField} BooleanField
 * @typedef {import('./mlp.mjs').ChoiceField} ChoiceField
 * @typedef {import('./mlp.mjs').SizesField} SizesField
 * @typedef {import('./mlp.mjs').Preset} Preset
 * @typedef {import('./mlp.mjs').DataFiles} DataFiles
 * @typedef {import('./mlp.mjs').DataInfo} DataInfo
 * @typedef {import('./mlp.mjs').Progress} Progress
 * @typedef {import('./mlp.mjs').TrainResult} TrainResult
 * @typedef {import('./mlp.mjs').Timing} Timing
 * @typedef {import('./mlp.mjs').Metrics} Metrics
 * @typedef {import('./mlp.mjs').Metrics} EvaluateResult
 * @typedef {import('./mlp.mjs').Predictions} Predictions
 * @typedef {import('./mlp.mjs').LayerWeights} LayerWeights
 * @typedef {import('./mlp.mjs').Trace} Trace
 * @typedef {import('./mlp.mjs').LayerHealth} LayerHealth
 * @typedef {import('./mlp.mjs').Health} Health
 * @typedef {import('./mlp.mjs').MemoryEstimate} MemoryEstimate
 * @typedef {import('./mlp.mjs').Limits} Limits
 * @typedef {import('./mlp.mjs').Constants} Constants
 * @typedef {import('./mlp.mjs').ModelFileInfo} ModelFileInfo
 * @typedef {import('./mlp.mjs').TraceOptions} TraceOptions
 * @typedef {import('./mlp.mjs').BackpropTrace} BackpropTrace
 * @typedef {import('./mlp.mjs').TraceForward} TraceForward
 * @typedef {import('./mlp.mjs').TraceBackward} TraceBackward
 * @typedef {import('./mlp.mjs').TraceCheck} TraceCheck
 * @typedef {import('./mlp.mjs').TraceOutputCheck} TraceOutputCheck
 * @typedef {import('./mlp.mjs').TraceDerivation} TraceDerivation
 * @typedef {import('./mlp.mjs').TraceStep} TraceStep
 * @typedef {import('./mlp.mjs').DynamicsSeries} DynamicsSeries
 * @typedef {import('./mlp.mjs').LayerDynamics} LayerDynamics
 * @typedef {import('./mlp.mjs').ForeignModelOptions} ForeignModelOptions
 * @typedef {import('./mlp.mjs').SpikeRule} SpikeRule
 * @typedef {import('./mlp.mjs').Spike} Spike
 * @typedef {import('./mlp.mjs').TrainingCost} TrainingCost
 * @typedef {import('./mlp.mjs').ParetoPoint} ParetoPoint
 * @typedef {import('./mlp.mjs').Knee} Knee
 * @typedef {import('./mlp.mjs').LrRangeOptions} LrRangeOptions
 * @typedef {import('./mlp.mjs').LrRangeDefaults} LrRangeDefaults
 * @typedef {import('./mlp.mjs').LrPick} LrPick
 * @typedef {import('./mlp.mjs').LrRangeResult} LrRangeResult
 */

/** @typedef {{ available: number, active: number }} Threads The threads an engine has and trains on. */
/** @typedef {{ ok: true, reason: null } | { ok: false, reason: string }} ThreadSupport */
/**
 * @typedef {Error & { kind: ErrorKind }} EngineError
 *   What every failing call throws: the core's message, and `kind` its error type.
 */
/**
 * @typedef {import('./mlp.mjs').ModuleOptions & { threaded?: boolean, threads?: number }} EngineOptions
 *   createEngine's options: the Emscripten module's (wasmBinary, locateFile...), and which build on how many threads.
 */

/**
 * The value of a raw result, or its failure thrown as an EngineError.
 * @template T
 * @param {import('./mlp.mjs').RawResult<T>} result
 * @returns {T}
 */
function unwrap(result) {
  if (result.ok) return result.value;
  const failure = /** @type {import('./mlp.mjs').Failure} */ (result);
  /** @type {EngineError} */
  const error = Object.assign(new Error(failure.error), { kind: failure.kind });
  throw error;
}

/** @returns {EngineError} */
function deletedError() {
  return Object.assign(new Error('this trainer has been deleted'), { kind: /** @type {const} */ ('ArgumentError') });
}

/** One training run: a C++ trainer, freed by delete(). Made by engine.createTrainer() or engine.loadModel(). */
export class Trainer {
  /** @type {import('./mlp.mjs').TrainerHandle | null} */
  #handle;

  /** @param {import('./mlp.mjs').TrainerHandle} handle */
  constructor(handle) {
    this.#handle = handle;
  }

  /** @returns {import('./mlp.mjs').TrainerHandle} */
  #raw() {
    if (!this.#handle) throw deletedError();
    return this.#handle;
  }

  /**
   * Trains up to n batches (stops early at the end of an epoch). On a NaN/Inf loss it throws
   * (kind 'DivergedError') and keeps the weights and progress from before the call.
   * @param {number} n
   * @returns {TrainResult}
   */
  trainBatches(n) {
    return unwrap(this.#raw().trainBatches(n));
  }

  /**
   * Of the last trainBatches: { parallelMs }, the time spent in the rounds of tasks that run on every thread.
   * @returns {Timing}
   */
  timing() {
    return this.#raw().timing();
  }

  /**
   * Loss, accuracy and confusion matrix (row = true label, column = predicted) on a split.
   * @param {Split} split
   * @returns {Metrics}
   */
  evaluate(split) {
    return unwrap(this.#raw().evaluate(split));
  }

  /**
   * As evaluate, on the images it trains on (its first trainLimit training images), or the first `count` of them.
   * @param {number} [count]
   * @returns {Metrics}
   */
  evaluateTraining(count) {
    return unwrap(this.#raw().evaluateTraining(count));
  }

  /**
   * Float32Array of n·784 pixels in [0, 1], image after image → Float32Array of n·10 probabilities.
   * @param {Float32Array} images
   * @returns {Float32Array<ArrayBuffer>}
   */
  predict(images) {
    return unwrap(this.#raw().predict(images));
  }

  /**
   * Every image of a split: its label, the predicted class and the probabilities.
   * @param {Split} split
   * @returns {Predictions}
   */
  predictSplit(split) {
    return unwrap(this.#raw().predictSplit(split));
  }

  /**
   * Weight layer k (0 = the input side): W row-major (rows = outputs) and b.
   * @param {number} k
   * @returns {LayerWeights}
   */
  layerWeights(k) {
    return unwrap(this.#raw().layerWeights(k));
  }

  /**
   * One image (Float32Array of 784 pixels in [0, 1]) through the network →
   * { hidden: [Float32Array(units) per hidden layer], logits, probabilities,
   *   predicted, contributions: Float32Array (what each unit feeding the output
   *   added to the winning logit), bias }.
   * @param {Float32Array} image
   * @returns {Trace}
   */
  traceDigit(image) {
    return unwrap(this.#raw().traceDigit(image));
  }

  /**
   * Each layer's health over images start..start+count-1 of a split → { samples, loss, layers: [{
   * units, histogram: Int32Array, low, high, mean, saturated, stuck, weightGradientNorm,
   * biasGradientNorm, weightNorm }] }. Left out, start is 0, count the engine's sample
   * (constants().healthSample, or fewer when the split has fewer images from start) and bins
   * constants().healthBins.
   * @param {Split} split
   * @param {number} [start]
   * @param {number} [count] 1..constants().maxHealthSample
   * @param {number} [bins] 1..constants().maxHealthBins
   * @returns {Health}
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
   * @param {TraceOptions} [options] defaults 20 and 10
   * @returns {BackpropTrace}
   */
  traceBackprop(image, label, options) {
    return unwrap(this.#raw().traceBackprop(image, label, options));
  }

  /**
   * traceBackprop for image `index` of a loaded split, with its label (what mlp_train --trace N prints).
   * @param {Split} split
   * @param {number} index
   * @param {TraceOptions} [options]
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

  /**
   * The learning-rate range test (fastai's lr_find) on a copy of this run: one batch per rate, the
   * rates geometric from start to end, stopping when the smoothed loss blows up; the pick is where
   * the smoothed loss falls fastest before its minimum. This trainer is left exactly as it was.
   * Options left out take engine.lrRangeDefaults().
   * @param {LrRangeOptions} [options]
   * @returns {LrRangeResult}
   */
  lrRangeTest(options) {
    return unwrap(this.#raw().lrRangeTest(options));
  }

  /** @param {number} learningRate */
  setLearningRate(learningRate) {
    unwrap(this.#raw().setLearningRate(learningRate));
  }

  /**
   * The optimiser's settings (the schema's non-structural fields); those left out keep their
   * values; the optimiser's state restarts.
   * @param {OptimizerSettings} settings
   */
  setOptimizer(settings) {
    unwrap(this.#raw().setOptimizer(settings));
  }

  /** @returns {Config} every field */
  config() {
    return unwrap(this.#raw().config());
  }

  /** @returns {Progress} */
  progress() {
    return unwrap(this.#raw().progress());
  }

  /**
   * The whole run as a .safetensors file.
   * @returns {Uint8Array<ArrayBuffer>}
   */
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

  /** @returns {boolean} */
  get deleted() {
    return !this.#handle;
  }

  /** Frees the C++ trainer; further calls throw. Calling it twice is harmless. */
  delete() {
    if (this.#handle) this.#handle.delete();
    this.#handle = null;
  }
}

/** A loaded module: its data, its threads, and the trainers made from it. Made by createEngine(). */
export class Engine {
  /** @type {import('./mlp.mjs').MlpModule} */
  #module;
  /** @type {import('./mlp.mjs').EngineHandle | null} */
  #engine;

  /**
   * @param {import('./mlp.mjs').MlpModule} module
   * @param {{ threaded: boolean, reason: string | null }} build
   */
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

  /** @returns {import('./mlp.mjs').EngineHandle} */
  #raw() {
    if (!this.#engine) throw new Error('this engine has been deleted');
    return this.#engine;
  }

  /**
   * The training configuration's fields, as the core describes them (the one
   * source of names, kinds, ranges and defaults): [{ name, jsName, flag,
   * label, help, kind, structural, default, min, max, minOpen, maxOpen,
   * choices, countMin, countMax, maxParameters }].
   * @returns {SchemaField[]}
   */
  schema() {
    return this.#module.configSchema();
  }

  /**
   * The core's named readings of the report (the report's code, done
   * properly with the mean or the summed gradient): [{ name, label,
   * description, config }], config holding the fields each one sets.
   * @returns {Preset[]}
   */
  presets() {
    return this.#module.configPresets();
  }

  /**
   * Checks a plain config as createTrainer would (every field, and the memory it needs), without
   * building a network; returns it complete, ready for createTrainer. Its parameter count is
   * memoryEstimate(config).parameters, or parameterCount(config.layers).
   * @param {ConfigInput} [config]
   * @returns {Config}
   */
  validateConfig(config) {
    return unwrap(this.#module.validateConfig(config));
  }

  /**
   * What a config needs, in bytes (core/memory_estimate.hpp): { parameters, file (its model file),
   * training, saving, loading (reading the file back), peak, budget }. validateConfig and
   * createTrainer refuse a config whose peak is over the budget; this call only checks the fields.
   * @param {ConfigInput} [config]
   * @returns {MemoryEstimate}
   */
  memoryEstimate(config) {
    return unwrap(this.#module.memoryEstimate(config));
  }

  /**
   * { memoryBudget, maxModelFileBytes }: the heap a trainer may plan on, the largest model file any
   * accepted network has. The same values as constants(), which has them all.
   * @returns {Limits}
   */
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

  /**
   * The engine's fixed facts, each from its one home in the core or the build: the defaults of
   * loadData (validationImages) and inspectHealth (healthSample, healthBins), and the limits inputs
   * are checked against (maxHealthSample, maxHealthBins, maxParameters, memoryBudget,
   * maxModelFileBytes, maxModelHeaderBytes, maximumMemory).
   * @returns {Constants}
   */
  constants() {
    return this.#module.constants();
  }

  /**
   * Weights and biases of a network with these layer sizes, Σₖ nₖ·(nₖ₋₁ + 1). Only the sizes' types
   * are checked (whole numbers ≥ 1), not the limits, so that too large a network can be told how large.
   * @param {number[]} layers
   * @returns {number}
   */
  parameterCount(layers) {
    return unwrap(this.#module.parameterCount(layers));
  }

  /**
   * The core's default spike rule: a jump of more than `threshold` (a fraction of accuracy) between
   * consecutive epochs, after the first `after` epochs.
   * @returns {SpikeRule}
   */
  spikeRule() {
    return this.#module.spikeRule();
  }

  /**
   * Spikes in a per-epoch accuracy curve (index 0 = epoch 1; NaN for an epoch without a value, skipped):
   * [{ epoch (1-based), change (signed, from the previous epoch with a value) }]. A drop and its
   * recovery are two spikes. The rule's fields left out take spikeRule()'s.
   * @param {ArrayLike<number>} accuracies
   * @param {Partial<SpikeRule>} [rule]
   * @returns {Spike[]}
   */
  detectSpikes(accuracies, rule) {
    return unwrap(this.#module.detectSpikes(accuracies, rule));
  }

  /**
   * What a network of these layer sizes costs to train: { parameters, flopsPerSample } (forward, ∇W
   * and the back-propagated gradient, a multiply-add as 2 FLOPs; core/training_cost.hpp says what
   * is not counted).
   * @param {number[]} layers
   * @returns {TrainingCost}
   */
  trainingCost(layers) {
    return unwrap(this.#module.trainingCost(layers));
  }

  /**
   * Indices of the non-dominated points (lower cost, higher value better), cheapest first; of equal
   * points the first.
   * @param {ParetoPoint[]} points
   * @returns {number[]}
   */
  paretoFront(points) {
    return unwrap(this.#module.paretoFront(points));
  }

  /**
   * The front's knee: the point (an index into `points`) after which the next front point buys less
   * than minGainPerDoubling value per doubling of cost, with what that step pays (NaN when every
   * step pays and it is the last point); index -1 for a front of fewer than 2 points.
   * @param {ParetoPoint[]} points
   * @param {number} minGainPerDoubling
   * @returns {Knee}
   */
  paretoKnee(points, minGainPerDoubling) {
    return unwrap(this.#module.paretoKnee(points, minGainPerDoubling));
  }

  /**
   * trainer.lrRangeTest's defaults: { start, end, batches, smoothing, stopFactor }.
   * @returns {LrRangeDefaults}
   */
  lrRangeDefaults() {
    return this.#module.lrRangeDefaults();
  }

  /**
   * A range test's options checked as trainer.lrRangeTest checks them, without a trainer: throws a
   * ConfigError for what it would refuse; else every setting, the defaults filled in.
   * @param {LrRangeOptions} [options]
   * @returns {LrRangeDefaults}
   */
  validateLrRange(options) {
    return unwrap(this.#module.validateLrRange(options));
  }

  /**
   * The range test's pick from its curve: the rate where the smoothed loss falls fastest against
   * ln η, before its minimum (or the minimum's rate / 10), with the reason.
   * @param {ArrayLike<number>} rates increasing
   * @param {ArrayLike<number>} smoothed
   * @returns {LrPick}
   */
  pickLearningRate(rates, smoothed) {
    return unwrap(this.#module.pickLearningRate(rates, smoothed));
  }

  /**
   * Raw IDX bytes; the last `validation` training images (default constants().validationImages)
   * become the validation split. On any error the data loaded before stays loaded.
   * @param {DataFiles} data
   * @returns {DataInfo}
   */
  loadData(data) {
    return unwrap(this.#raw().loadData(data));
  }

  /**
   * The sizes of the loaded splits, or null before loadData.
   * @returns {DataInfo | null}
   */
  dataInfo() {
    return this.#raw().dataInfo();
  }

  /**
   * A trainer from a plain config (fields left out take their defaults; an unknown field is an error).
   * @param {ConfigInput} [config]
   * @returns {Trainer}
   */
  createTrainer(config = {}) {
    return new Trainer(unwrap(this.#raw().createTrainer(config)));
  }

  /**
   * A trainer resumed from .safetensors bytes written by trainer.save().
   * @param {Uint8Array} bytes
   * @returns {Trainer}
   */
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

  /**
   * Uint8Array(count·784): raw pixels of images start..start+count-1 of a split.
   * @param {Split} split
   * @param {number} start
   * @param {number} count
   * @returns {Uint8Array<ArrayBuffer>}
   */
  splitImages(split, start, count) {
    return unwrap(this.#raw().splitImages(split, start, count));
  }

  /**
   * { available, active }: the threads this engine has (its pool, created once) and trains on.
   * @returns {Threads}
   */
  get threads() {
    const info = this.#module.threadInfo();
    return { available: info.available, active: info.active };
  }

  /**
   * Trains on n threads (1..threads.available) from the next batch on, for
   * every trainer of this engine. Results do not depend on it: the same seed
   * gives bit-identical weights on any thread count. Returns the count set.
   * @param {number} n
   * @returns {number}
   */
  setThreads(n) {
    return unwrap(this.#module.setThreads(n));
  }

  /**
   * Size of the WebAssembly memory in bytes (it can grow, never shrink).
   * @returns {number}
   */
  memoryBytes() {
    return this.#module.memoryBytes();
  }

  /**
   * Bytes currently allocated on the C++ heap.
   * @returns {number}
   */
  allocatedBytes() {
    return this.#module.allocatedBytes();
  }

  /**
   * The most the C++ heap has ever held, in bytes (its high-water mark, fragmentation included).
   * @returns {number}
   */
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

/**
 * Logical CPUs of this machine, as the browser (or Node) reports them.
 * @returns {Promise<number>}
 */
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
 * @returns {ThreadSupport}
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
 * @param {EngineOptions} [options]
 * @returns {Promise<Engine>}
 */
export async function createEngine(options = {}) {
  const { threaded: wanted, threads, ...rest } = options;
  /** @type {import('./mlp.mjs').ModuleOptions} */
  const moduleOptions = rest;
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
