// Types of the Emscripten/Embind module built from wasm/bindings.cpp
// (build/wasm/dist/mlp.mjs; mlp-threads.mjs has the same API, see
// mlp-threads.d.mts). They describe the raw module exactly as the bindings
// define it: every fallible call answers a RawResult instead of throwing, and
// every typed array is a fresh JS-owned copy (a plain ArrayBuffer, never a
// view of wasm memory). wasm/engine.mjs unwraps the results and re-exports
// these shapes as its own JSDoc types; page code imports them from there.
// tests/wasm/types.test.mjs checks every shape against what the module
// really returns.

// ---- Results ----------------------------------------------------------------

/** The core's error types, as the bindings report them (`kind`). */
export type ErrorKind =
  'ConfigError' | 'IdxError' | 'ModelFileError' | 'DivergedError' | 'ArgumentError' | 'OutOfMemory' | 'Error';

/** A failed call: the core's specific message and its error type. */
export interface Failure {
  ok: false;
  kind: ErrorKind;
  error: string;
}

/** What every fallible call of the module returns: its value, or why not. */
export type RawResult<T> = { ok: true; value: T } | Failure;

/** The engine's data splits. */
export type Split = 'train' | 'validation' | 'test';

// ---- Configuration (core/config_field.hpp) -----------------------------------

export type Activation = 'sigmoid' | 'tanh' | 'relu';
export type Loss = 'sigmoid-bce' | 'softmax-ce';
export type OptimizerName = 'sgd' | 'momentum' | 'nesterov' | 'adam';
/** The step's factor on the batch's summed gradient: 1/B, 1 or ½. */
export type GradientScale = 'mean' | 'sum' | 'half';
export type Initialization = 'uniform' | 'gaussian';
export type Batching = 'shuffled' | 'slices';

/** Everything that defines a run, by the fields' JS names (engine.schema() describes each). */
export interface Config {
  /** input, hidden..., output sizes */
  layers: number[];
  activation: Activation;
  loss: Loss;
  optimizer: OptimizerName;
  learningRate: number;
  momentum: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** rescale the step's gradient to this global norm when it is larger (0: off) */
  clipNorm: number;
  batchSize: number;
  l2: number;
  seed: number;
  gradient: GradientScale;
  /** train on the first N training images (0: all) */
  trainLimit: number;
  init: Initialization;
  batching: Batching;
}

/** A config as callers give it: every field optional (defaults are the report's); an unknown field is an error. */
export type ConfigInput = Partial<Config>;

/** The fields that apply live (setOptimizer); those left out keep their values. */
export type OptimizerSettings = Partial<
  Pick<Config, 'optimizer' | 'learningRate' | 'momentum' | 'beta1' | 'beta2' | 'epsilon' | 'clipNorm'>
>;

/** The configuration's fields, described once in the core (configSchema()). */
export type SchemaField = NumberField | BooleanField | ChoiceField | SizesField;

export interface SchemaFieldBase {
  /** model-file key, snake_case ('learning_rate') */
  name: string;
  /** the JS objects' name ('learningRate') */
  jsName: keyof Config;
  /** command-line flag ('--lr') */
  flag: string;
  /** in messages ('learning rate') */
  label: string;
  help: string;
  /** changing it needs a new network; the others apply live */
  structural: boolean;
}

/** An interval of numbers: min..max, each end open or closed. */
export interface Interval {
  min: number;
  max: number;
  minOpen: boolean;
  maxOpen: boolean;
}

export interface NumberField extends SchemaFieldBase, Interval {
  kind: 'number' | 'integer';
  default: number;
}

export interface BooleanField extends SchemaFieldBase {
  kind: 'boolean';
  default: boolean;
}

export interface ChoiceField extends SchemaFieldBase {
  kind: 'choice';
  default: string;
  choices: string[];
}

/** The layer sizes: min..max per size, countMin..countMax sizes, at most maxParameters weights and biases. */
export interface SizesField extends SchemaFieldBase, Interval {
  kind: 'sizes';
  default: number[];
  countMin: number;
  countMax: number;
  maxParameters: number;
}

/** One of the core's named readings of the report (configPresets()). */
export interface Preset {
  name: string;
  label: string;
  description: string;
  /** only the fields the preset sets */
  config: ConfigInput;
}

// ---- Data ---------------------------------------------------------------------

/** loadData's input: raw IDX bytes; the last `validation` training images are held out (default constants().validationImages). */
export interface DataFiles {
  trainImages: Uint8Array;
  trainLabels: Uint8Array;
  testImages: Uint8Array;
  testLabels: Uint8Array;
  validation?: number;
}

/** The sizes of the loaded splits and of their images. */
export interface DataInfo {
  train: number;
  validation: number;
  test: number;
  rows: number;
  cols: number;
}

// ---- Training -----------------------------------------------------------------

/** Where a run is. */
export interface Progress {
  /** epochs complete */
  epoch: number;
  batchInEpoch: number;
  batchesPerEpoch: number;
  /** optimiser steps since the start */
  step: number;
}

/** What trainBatches(n) did: the progress after it, and each batch's loss and accuracy. */
export interface TrainResult extends Progress {
  batches: number;
  samples: number;
  /** means over the samples of the call */
  loss: number;
  accuracy: number;
  epochFinished: boolean;
  batchLoss: Float32Array<ArrayBuffer>;
  batchAccuracy: Float32Array<ArrayBuffer>;
}

/** Of the last trainBatches: its time in the rounds of tasks that run on every thread. */
export interface Timing {
  parallelMs: number;
}

/** Loss, accuracy and confusion matrix on a set of images. */
export interface Metrics {
  loss: number;
  /** in [0, 1] */
  accuracy: number;
  count: number;
  /** classes × classes, row-major: [true label][predicted] */
  confusion: Int32Array<ArrayBuffer>;
}

/** predictSplit(split): every image's label, predicted class and probabilities. */
export interface Predictions {
  labels: Uint8Array<ArrayBuffer>;
  predicted: Uint8Array<ArrayBuffer>;
  /** image after image, one probability per class */
  probabilities: Float32Array<ArrayBuffer>;
}

/** One weight layer: W (rows = outputs, cols = inputs) row-major, and b. */
export interface LayerWeights {
  rows: number;
  cols: number;
  data: Float32Array<ArrayBuffer>;
  bias: Float32Array<ArrayBuffer>;
}

// ---- Looking inside (core/inspection.hpp) -------------------------------------

/** One image's path through the network. */
export interface Trace {
  /** each hidden layer's activations, input side first */
  hidden: Float32Array<ArrayBuffer>[];
  logits: Float32Array<ArrayBuffer>;
  probabilities: Float32Array<ArrayBuffer>;
  predicted: number;
  /** h_j · W_out[predicted, j] of each unit feeding the output (the pixels without a hidden layer) */
  contributions: Float32Array<ArrayBuffer>;
  /** b_out[predicted]: Σ contributions + bias = logits[predicted] */
  bias: number;
}

/** One weight layer's health over a sample of images. */
export interface LayerHealth {
  units: number;
  /** of the layer's activations over units × images; empty for the output layer */
  histogram: Int32Array<ArrayBuffer>;
  /** the histogram's range: sigmoid [0, 1], tanh [−1, 1], ReLU [0, the largest h] */
  low: number;
  high: number;
  mean: number;
  /** share of (unit, image) pairs with g'(a) < 0.01 (ReLU: a ≤ 0) */
  saturated: number;
  /** share of units saturated on every image (ReLU: dead) */
  stuck: number;
  weightGradientNorm: number;
  biasGradientNorm: number;
  weightNorm: number;
}

/** Every weight layer's health, input side first. */
export interface Health {
  samples: number;
  /** mean loss over the sample */
  loss: number;
  layers: LayerHealth[];
}

// ---- Memory and the engine's constants ----------------------------------------

/** What a config needs, in bytes (core/memory_estimate.hpp), and the budget it is checked against. */
export interface MemoryEstimate {
  /** weights and biases (a count, not bytes) */
  parameters: number;
  /** its model file */
  file: number;
  training: number;
  saving: number;
  /** the peak while its model file is read back */
  loading: number;
  peak: number;
  budget: number;
}

/** What uploads are checked against (a subset of Constants). */
export interface Limits {
  memoryBudget: number;
  maxModelFileBytes: number;
}

/** The engine's fixed facts, each from its one home in the core or the build. */
export interface Constants extends Limits {
  /** loadData's default hold-out: the last this many training images (core/data_split.hpp) */
  validationImages: number;
  /** inspectHealth's default sample size (core/health_sample.hpp) */
  healthSample: number;
  /** inspectHealth's default histogram bins */
  healthBins: number;
  /** the most images one inspectHealth call takes */
  maxHealthSample: number;
  /** the most histogram bins */
  maxHealthBins: number;
  /** weights and biases a network may have (the schema's layers field says the same) */
  maxParameters: number;
  /** the longest JSON header a model file may have (core/safetensors.hpp) */
  maxModelHeaderBytes: number;
  /** the most the WebAssembly heap can grow to (-sMAXIMUM_MEMORY) */
  maximumMemory: number;
}

/** traceBackprop's options: gradients compared per layer (default 20), pixels listed as moved most (10). */
export interface TraceOptions {
  checksPerLayer?: number;
  topPixels?: number;
}

/**
 * One image's backpropagation (core/backprop_trace.hpp): the numbers of the report's Fig. 1 in double
 * precision, layers numbered k = 1..K from the input; the CLI's names (mlp_train --trace) in camelCase.
 */
export interface BackpropTrace {
  label: number;
  /** L(ŷ, y) of this image (BCE summed over the outputs, or CE; no λΩ) */
  loss: number;
  /** f, the step's factor on the summed gradient for a batch of one (mean 1, sum 1, half ½) */
  gradientFactor: number;
  /** λ, as training takes it (Ω = ½ Σ‖W‖², biases not decayed) */
  l2: number;
  /** k = 1..K */
  forward: TraceForward[];
  /** k = K..1, Fig. 1's order */
  backward: TraceBackward[];
  /** k = K..1 */
  gradientCheck: TraceCheck[];
  outputCheck: TraceOutputCheck;
  derivation: TraceDerivation;
  step: TraceStep;
}

export interface TraceForward {
  layer: number;
  /** a⁽ᵏ⁾ = W⁽ᵏ⁾ h⁽ᵏ⁻¹⁾ + b⁽ᵏ⁾ (out_k) */
  a: Float64Array<ArrayBuffer>;
  /** h⁽ᵏ⁾ = g(a⁽ᵏ⁾); the last layer's is ŷ (out_k) */
  h: Float64Array<ArrayBuffer>;
}

export interface TraceBackward {
  layer: number;
  /** G_a = ∇_{a⁽ᵏ⁾} L (ŷ − y at the output) (out_k) */
  gA: Float64Array<ArrayBuffer>;
  /** ∇b = f·G_a (out_k) */
  gradB: Float64Array<ArrayBuffer>;
  /** ∇W = f·G_a h⁽ᵏ⁻¹⁾ᵀ + λW, row-major [out][in] */
  gradW: Float64Array<ArrayBuffer>;
  rows: number;
  cols: number;
  /** G_h_prev = W⁽ᵏ⁾ᵀ G_a = ∇_{h⁽ᵏ⁻¹⁾} L (in_k; for k = 1 w.r.t. the pixels) */
  gHPrev: Float64Array<ArrayBuffer>;
}

/**
 * Central differences ĝ = (J(θ + δ) − J(θ − δ)) / 2δ of J = f·L + λΩ for a sample of a layer's
 * parameters (the largest |∇| first, then a fixed pseudo-random sample).
 */
export interface TraceCheck {
  layer: number;
  /** ‖g − ĝ‖ / (‖g‖ + ‖ĝ‖) over the parameters compared */
  relativeError: number;
  /** the largest |g_i − ĝ_i| / max(|g_i| + |ĝ_i|, floor) */
  maxRelativeError: number;
  /** 1e-3 · max(1, L): below it a gradient is compared absolutely */
  floor: number;
  checked: number;
  /** parameters left out: the difference moved a ReLU unit across a = 0 */
  kinks: number;
  /** δ */
  step: number;
  /** column −1: the bias b[row] */
  parameters: { row: number; column: number; backprop: number; numeric: number; kink: boolean }[];
}

export interface TraceOutputCheck {
  /** ŷ − y */
  delta: Float64Array<ArrayBuffer>;
  /** (L(u + δe_j) − L(u − δe_j)) / 2δ, u the logits */
  numeric: Float64Array<ArrayBuffer>;
  relativeError: number;
  maxRelativeError: number;
  floor: number;
}

/** The report's Section II per output unit, without the fusion. */
export interface TraceDerivation {
  loss: Loss;
  y: Float64Array<ArrayBuffer>;
  yHat: Float64Array<ArrayBuffer>;
  /** ∂L/∂ŷ: −y/ŷ + (1−y)/(1−ŷ) (BCE), −y/ŷ (CE) */
  dLDyHat: Float64Array<ArrayBuffer>;
  /** σ′(u) = ŷ(1 − ŷ) (sigmoid-bce only) */
  sigmaPrime?: Float64Array<ArrayBuffer>;
  /** ∂L/∂ŷ · σ′(u) (BCE), Σ_i ∂ŷ_i/∂u_j ∂L/∂ŷ_i (CE): equals ŷ − y */
  product: Float64Array<ArrayBuffer>;
  /** ŷ − y */
  delta: Float64Array<ArrayBuffer>;
}

/** One optimiser step on this image alone, on copies (the trainer is untouched). */
export interface TraceStep {
  optimizer: OptimizerName;
  learningRate: number;
  gradientFactor: number;
  l2: number;
  /** this image's loss, as training computes it (float) */
  lossBefore: number;
  lossAfter: number;
  /** the inputs whose first-layer weights moved most, largest first */
  topPixels: { pixel: number; change: number }[];
  /** Σ over first-layer units of |ΔW| per input */
  pixelChange: Float64Array<ArrayBuffer>;
}

/** How each layer learned, one entry per recorded batch (trainer.setDynamics). */
export interface DynamicsSeries {
  /** the batch each record follows: progress().step after it */
  steps: Int32Array<ArrayBuffer>;
  /** samples in each recorded batch (slices: 0 … thousands; an empty slice is recorded, with no step) */
  batchSize: Int32Array<ArrayBuffer>;
  /** the batch's mean loss per sample (NaN for an empty slice) */
  loss: Float32Array<ArrayBuffer>;
  /** ‖g‖ of the gradient stepped on, all weights and biases (after clipping) */
  gradNorm: Float32Array<ArrayBuffer>;
  /** ‖Δθ‖ of the update, all weights and biases */
  stepNorm: Float32Array<ArrayBuffer>;
  /** records overwritten before they were taken (the buffer was full) */
  dropped: number;
  /** the interval in batches (0: off) */
  every: number;
  /** one per weight layer, input side first */
  layers: LayerDynamics[];
}

export interface LayerDynamics {
  /** ‖∇W‖ of the gradient the optimiser stepped on (f·Σ∇L + λW), weights only */
  gradNorm: Float32Array<ArrayBuffer>;
  /** ‖ΔW‖ / ‖W‖ of the step, W before it */
  updateRatio: Float32Array<ArrayBuffer>;
  /** of h = g(a) over units × samples of the batch (output layer: ŷ) */
  activationMean: Float32Array<ArrayBuffer>;
  activationStd: Float32Array<ArrayBuffer>;
  /** share with g′(a) < 0.01 (ReLU: a ≤ 0; output layer: ŷ(1 − ŷ) < 0.01) */
  saturated: Float32Array<ArrayBuffer>;
}

// ---- Analysis (core/spike_detector, training_cost, pareto, lr_range_test) -------

/** What counts as a spike: |Δ accuracy| between consecutive epochs above threshold, after the first `after` epochs. */
export interface SpikeRule {
  /** a fraction: 0.02 is 2 points of accuracy */
  threshold: number;
  after: number;
}

export interface Spike {
  /** 1-based: the epoch whose value jumped */
  epoch: number;
  /** accuracy(epoch) − accuracy(the previous epoch with a value), signed */
  change: number;
}

/** What one training sample costs, from the layer sizes (a multiply-add is 2 FLOPs; biases, activations, update not counted). */
export interface TrainingCost {
  parameters: number;
  flopsPerSample: number;
}

/** A configuration to compare: lower cost and higher value are better. */
export interface ParetoPoint {
  cost: number;
  value: number;
}

export interface Knee {
  /** into the points; -1 when the front has fewer than 2 points */
  index: number;
  /** value the next front point buys per doubling of cost (NaN: it is the last) */
  gainPerDoublingNext: number;
}

/** trainer.lrRangeTest's options, each optional (engine.lrRangeDefaults() has the defaults). */
export interface LrRangeOptions {
  start?: number;
  end?: number;
  /** 10..100000 */
  batches?: number;
  /** β of the loss's moving average, in [0, 1) */
  smoothing?: number;
  /** stop once the smoothed loss exceeds this × its minimum (> 1) */
  stopFactor?: number;
}

export type LrRangeDefaults = Required<LrRangeOptions>;

/** The suggested learning rate, and how it was found. */
export interface LrPick {
  pick: number;
  /** its batch; for a fallback (minimum's rate / 10) the last batch whose rate ≤ pick */
  pickIndex: number;
  reason: string;
}

/** One range test: per batch trained, its rate, loss and smoothed loss; and the pick. */
export interface LrRangeResult extends LrPick {
  rates: Float64Array<ArrayBuffer>;
  losses: Float64Array<ArrayBuffer>;
  smoothed: Float64Array<ArrayBuffer>;
}

/** What inspectModelFile says of a model file: ours, or a PyTorch MLP (a state_dict of linear layers). */
export interface ModelFileInfo {
  kind: 'ours' | 'pytorch';
  /** input, hidden..., output sizes */
  layers: number[];
  /** of the weights and biases: 'F32', 'F16', 'BF16', 'F64', or e.g. 'F16+F32' when they differ */
  dtype: string;
  /** each layer's tensor names without .weight/.bias */
  layerNames: string[];
  /** what loadForeignModel's options must say: ['activation', 'loss'] for PyTorch, [] for ours */
  missing: string[];
  parameters: number;
  activation: Activation | null;
  loss: Loss | null;
  /** ours: the file's configuration; pytorch: what loadForeignModel uses without options */
  config: Config;
}

/** loadForeignModel's options: createTrainer's fields but layers. */
export type ForeignModelOptions = Omit<ConfigInput, 'layers'>;

/** The module's threads: the pool's size (the calling thread included) and how many train. */
export interface ThreadInfo {
  available: number;
  active: number;
  /** whether this build has threads at all */
  supported: boolean;
}

// ---- Handles ------------------------------------------------------------------

/** What Embind gives every handle: the C++ object lives until delete(). */
export interface Handle {
  delete(): void;
  isDeleted(): boolean;
}

/** A C++ trainer (bindings.cpp TrainerHandle). Optional arguments must still be passed (as undefined). */
export interface TrainerHandle extends Handle {
  trainBatches(n: number): RawResult<TrainResult>;
  timing(): Timing;
  evaluate(split: Split): RawResult<Metrics>;
  evaluateTraining(count: number | undefined): RawResult<Metrics>;
  predict(images: Float32Array): RawResult<Float32Array<ArrayBuffer>>;
  predictSplit(split: Split): RawResult<Predictions>;
  layerWeights(k: number): RawResult<LayerWeights>;
  traceDigit(image: Float32Array): RawResult<Trace>;
  inspectHealth(
    split: Split,
    start: number | undefined,
    count: number | undefined,
    bins: number | undefined,
  ): RawResult<Health>;
  setLearningRate(learningRate: number): RawResult<undefined>;
  setOptimizer(settings: OptimizerSettings): RawResult<undefined>;
  config(): RawResult<Config>;
  progress(): RawResult<Progress>;
  save(): RawResult<Uint8Array<ArrayBuffer>>;
  exportOnnx(): RawResult<Uint8Array<ArrayBuffer>>;
  traceBackprop(image: Float32Array, label: number, options?: TraceOptions): RawResult<BackpropTrace>;
  traceBackpropSplit(split: Split, index: number, options?: TraceOptions): RawResult<BackpropTrace>;
  setDynamics(everyBatches: number, capacity?: number): RawResult<null>;
  takeDynamics(): RawResult<DynamicsSeries>;
  lrRangeTest(options: LrRangeOptions | undefined): RawResult<LrRangeResult>;
}

/** The C++ engine (bindings.cpp Engine): the loaded data, and the trainers made on it. */
export interface EngineHandle extends Handle {
  loadData(data: DataFiles): RawResult<DataInfo>;
  createTrainer(config: ConfigInput | undefined): RawResult<TrainerHandle>;
  loadModel(bytes: Uint8Array): RawResult<TrainerHandle>;
  inspectModelFile(bytes: Uint8Array): RawResult<ModelFileInfo>;
  loadForeignModel(bytes: Uint8Array, options: ForeignModelOptions): RawResult<TrainerHandle>;
  splitImages(split: Split, start: number, count: number): RawResult<Uint8Array<ArrayBuffer>>;
  dataInfo(): DataInfo | null;
}

// ---- The module ---------------------------------------------------------------

/** The pthread workers of the threaded build (Emscripten's PThread), under Node worker_threads. */
export interface PThreads {
  runningWorkers: { unref?(): void }[];
  unusedWorkers: { unref?(): void }[];
}

export interface MlpModule {
  Engine: new () => EngineHandle;
  configSchema(): SchemaField[];
  configPresets(): Preset[];
  validateConfig(config: ConfigInput | undefined): RawResult<Config>;
  memoryEstimate(config: ConfigInput | undefined): RawResult<MemoryEstimate>;
  expectedInitialLoss(config: ConfigInput | undefined): RawResult<number>;
  limits(): Limits;
  constants(): Constants;
  parameterCount(layers: number[]): RawResult<number>;
  spikeRule(): SpikeRule;
  detectSpikes(accuracies: ArrayLike<number>, rule: Partial<SpikeRule> | undefined): RawResult<Spike[]>;
  trainingCost(layers: number[]): RawResult<TrainingCost>;
  paretoFront(points: ParetoPoint[]): RawResult<number[]>;
  paretoKnee(points: ParetoPoint[], minGainPerDoubling: number): RawResult<Knee>;
  lrRangeDefaults(): LrRangeDefaults;
  validateLrRange(options: LrRangeOptions | undefined): RawResult<LrRangeDefaults>;
  pickLearningRate(rates: ArrayLike<number>, smoothed: ArrayLike<number>): RawResult<LrPick>;
  simd(): boolean;
  eigenVectorized(): boolean;
  initThreads(threads: number): RawResult<number>;
  setThreads(threads: number): RawResult<number>;
  threadInfo(): ThreadInfo;
  memoryBytes(): number;
  allocatedBytes(): number;
  peakHeapBytes(): number;
  /** the threaded build only */
  PThread?: PThreads;
}

/** What the factory reads (-sINCOMING_MODULE_JS_API, and the threaded build's pool size). */
export interface ModuleOptions {
  /** the .wasm's bytes (Node cannot fetch file: URLs) */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** where the .wasm (and the threaded build's worker script) is, from its name */
  locateFile?: (path: string, scriptDirectory: string) => string;
  print?: (text: string) => void;
  printErr?: (text: string) => void;
  /** the threaded build: pthread workers created with the module */
  mlpPoolSize?: number;
}

/** Emscripten's MODULARIZE factory: a fresh instance of the module. */
export default function createMlpModule(options?: ModuleOptions): Promise<MlpModule>;
