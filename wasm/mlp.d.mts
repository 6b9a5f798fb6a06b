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
  Pick<Config, 'optimizer' | 'learningRate' | 'momentum' | 'beta1' | 'beta2' | 'epsilon'>
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
  limits(): Limits;
  constants(): Constants;
  parameterCount(layers: number[]): RawResult<number>;
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
