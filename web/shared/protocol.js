// The contract between the page (web/page/) and the training worker
// (web/worker/): every request the page may make, what it answers, and every
// event the worker sends of its own. Both sides import this module; the two
// tables below are the only description of the messages: the runtime checks
// (a message that does not fit is refused on sending and on receipt), the
// JSDoc types the type checker holds both sides to (RequestPayload,
// AnswerOf, EventOf) and the documentation.
//
// Envelopes:
//   page → worker   { type: request, id, ...payload }             every request has an id
//   worker → page   { type: 'answer', id, value }                  the request's answer
//                   { type: 'failure', id, scope, kind?, message } it failed (kind: the engine's error kind)
//                   { type: event, ...payload }                    an event (state the page keeps)
// State changes always come as events, so the page's store hears of them
// whoever asked; an answer only carries what the caller asked for. Typed
// arrays and ArrayBuffers are transferred, not copied (transferList).
import {
  arrayBuffer,
  arrayOf,
  boolean,
  checkFields,
  describe,
  float32Array,
  float64Array,
  int32Array,
  integer,
  isPlainObject,
  literal,
  nothing,
  number,
  object,
  oneOf,
  optional,
  shape,
  string,
  uint8Array,
} from './schema.js';

/**
 * @import { Infer, ShapeOf, Type } from './schema.js'
 */

/** The worker's training state, as `status` reports it. */
export const State = Object.freeze({
  IDLE: 'idle',
  RUNNING: 'running',
  PAUSED: 'paused',
  DIVERGED: 'diverged',
});
const trainState = literal('idle', 'running', 'paused', 'diverged');
const splitName = literal('test', 'validation');

// ---- Shapes the engine makes (further fields allowed) ------------------------------

/** trainer.progress(): where the trainer is (step counts batches since the start of the run). */
export const Progress = shape(
  { epoch: integer, batchInEpoch: integer, batchesPerEpoch: integer, step: integer },
  { name: 'Progress' },
);
/** engine.loadData(): the sizes of the splits and of an image. */
export const DataInfo = shape(
  { train: integer, validation: integer, test: integer, rows: integer, cols: integer },
  { name: 'DataInfo' },
);
/**
 * What a conversion of the user's data (a CSV, a zip of images) kept: the images of each split, the
 * rows or files skipped and the first few problems (by line or path), the data's class names (null:
 * the digits 0–9).
 */
export const DataReport = shape(
  {
    train: integer,
    validation: integer,
    test: integer,
    skipped: integer,
    problems: arrayOf(string),
    classNames: oneOf(arrayOf(string), nothing),
  },
  { name: 'DataReport' },
);
/** trainer.setOptimizer()'s argument: fields left out keep their values. */
export const OptimizerSettings = shape(
  { optimizer: string, learningRate: optional(number), momentum: optional(number) },
  { name: 'OptimizerSettings' },
);
/** One split's result after an epoch: mean loss, accuracy in [0, 1], number of images. */
export const Metrics = shape({ loss: number, accuracy: number, count: integer }, { name: 'Metrics' });
/** The engine's threads: the threaded build or not (reason: why not), how many it has and trains on. */
export const Threads = shape(
  { threaded: boolean, available: integer, active: integer, reason: oneOf(string, nothing) },
  { name: 'Threads' },
);
/** The worker's trainer: its config (the engine's plain object), progress, size and running time. */
export const TrainerInfo = shape(
  { config: object, progress: Progress, parameters: integer, runMs: number },
  { name: 'TrainerInfo' },
);
/**
 * engine.inspectModelFile(): what a .safetensors model file is before it is loaded: ours or a PyTorch
 * state_dict, its layer sizes, dtype and tensor names, and what loading it must be told (missing:
 * ['activation', 'loss'] for PyTorch); config: ours, the file's; PyTorch, what loading uses by default.
 */
export const ModelFileInfo = shape(
  {
    kind: literal('ours', 'pytorch'),
    layers: arrayOf(integer),
    dtype: string,
    layerNames: arrayOf(string),
    missing: arrayOf(string),
    parameters: integer,
    activation: oneOf(string, nothing),
    loss: oneOf(string, nothing),
    config: object,
  },
  { name: 'ModelFileInfo' },
);
/**
 * How fast training goes: 'full' as fast as it can, or at least `ms` per epoch ('epoch') or per
 * batch ('batch'), so that a person can watch it.
 */
export const Pace = shape({ kind: literal('full', 'epoch', 'batch'), ms: number }, { name: 'Pace' });
/** Each weight layer's health over a fixed sample (engine.inspectHealth), after an epoch or on request. */
export const Health = shape(
  {
    epoch: integer,
    step: integer,
    split: splitName,
    samples: integer,
    loss: number,
    activation: string,
    layers: arrayOf(object), // [{ units, histogram: Int32Array, low, high, mean, saturated, stuck, weightGradientNorm, biasGradientNorm, weightNorm }]
    requested: optional(boolean), // computed on request, not after an epoch
  },
  { name: 'Health' },
);
/** One image's path through the network (trainer.traceDigit) and the trainer's step when traced. */
export const Trace = shape(
  {
    hidden: arrayOf(float32Array), // one per hidden layer
    logits: float32Array,
    probabilities: float32Array,
    predicted: integer,
    contributions: float32Array, // what each unit feeding the output layer added to the winning logit
    bias: number, // Σ contributions + bias = logits[predicted]
    step: integer,
  },
  { name: 'Trace' },
);
/** The model's predictions for a whole split and, when asked for, its images (n·rows·cols bytes). */
export const Predictions = shape(
  {
    labels: uint8Array,
    predicted: uint8Array,
    probabilities: float32Array, // n × classes
    images: oneOf(uint8Array, nothing),
    rows: integer,
    cols: integer,
    split: splitName,
  },
  { name: 'Predictions' },
);
/** One layer's weight matrix: rows (units) × cols (inputs), row-major. */
export const Weights = shape({ layer: integer, rows: integer, cols: integer, data: float32Array }, { name: 'Weights' });

/**
 * One image's backpropagation through the live network (trainer.traceBackprop, engine.mjs's
 * BackpropTrace): forward a, h per layer; backward in Fig. 1's order; the gradient check; the report's
 * derivation; one step's effect on a copy. Its vectors are Float64Arrays (checked by the engine's
 * types, tests/wasm/types.test.mjs), so only its outline is checked here.
 */
export const BackpropTrace = shape(
  {
    label: integer,
    loss: number,
    gradientFactor: number,
    l2: number,
    forward: arrayOf(shape({ layer: integer, a: float64Array, h: float64Array }, { name: 'TraceForward' })),
    backward: arrayOf(
      shape(
        {
          layer: integer,
          gA: float64Array,
          gradB: float64Array,
          gradW: float64Array,
          rows: integer,
          cols: integer,
          gHPrev: float64Array,
        },
        { name: 'TraceBackward' },
      ),
    ),
    gradientCheck: arrayOf(object),
    outputCheck: object,
    derivation: object,
    step: object,
    trainerStep: integer, // the trainer's step when traced
  },
  { name: 'BackpropTrace' },
);

// ---- The engine's analysis (engine.detectSpikes, trainingCost, paretoFront, paretoKnee, trainer.lrRangeTest) ----

/** A list of numbers, as the engine gives it (a plain array or a typed one). */
const numbers = oneOf(arrayOf(number), float32Array, float64Array);
/** The spike rule the engine applies (engine.spikeRule()): a change of more than `threshold` between epochs, after `after` of them. */
export const SpikeRule = shape({ threshold: number, after: number }, { name: 'SpikeRule' });
/** One spike of an accuracy curve: the epoch it happened at and the change from the epoch before. */
export const Spike = shape({ epoch: integer, change: number }, { name: 'Spike' });
/** What training a network of some layer sizes costs (engine.trainingCost): its parameters, flops per sample. */
export const TrainingCost = shape({ parameters: integer, flopsPerSample: number }, { name: 'TrainingCost' });
/** A point of a cost–value trade-off (engine.paretoFront, paretoKnee). */
export const ParetoPoint = shape({ cost: number, value: number }, { name: 'ParetoPoint' });
/** The knee of a Pareto front: the index of the point beyond which a doubling of cost gains less than asked. */
export const ParetoKnee = shape(
  { index: integer, gainPerDoublingNext: oneOf(number, nothing) },
  { name: 'ParetoKnee' },
);
/** A learning-rate range test's settings (engine defaults for those left out). */
export const RangeTestOptions = shape({ start: optional(number), end: optional(number), batches: optional(integer) });
/**
 * A learning-rate range test (trainer.lrRangeTest, on a copy): η tried per batch (rising geometrically), the
 * batch's loss and its smoothed value, and the engine's pick (engine.pickLearningRate) with why.
 */
export const RangeTest = shape(
  { rates: numbers, losses: numbers, smoothed: numbers, pick: number, pickIndex: integer, reason: string },
  { name: 'RangeTest' },
);

const none = nothing; // the answer of a request that only acknowledges

/**
 * A request: its payload's fields, its answer, and the scope its errors are shown in.
 * @template {Record<string, Type<any>>} F
 * @template {Type<any>} A
 * @param {F} payload
 * @param {A} answer
 * @param {'engine' | 'data' | 'config' | 'model' | 'train' | 'predict'} scope
 * @param {{ testHook?: boolean }} [options] testHook: only a worker started with test hooks answers it
 */
function request(payload, answer, scope, { testHook = false } = {}) {
  return Object.freeze({ payload, answer, scope, testHook });
}

// ---- Requests: page → worker -------------------------------------------------------

export const REQUESTS = Object.freeze({
  // Download the site's MNIST (or read it from Cache Storage) → events dataProgress*, dataReady.
  loadMnist: request({}, none, 'data'),
  // The user's own IDX files, raw or gzip; `validation` training images are held out → event dataReady.
  loadIdx: request(
    {
      trainImages: arrayBuffer,
      trainLabels: arrayBuffer,
      testImages: arrayBuffer,
      testLabels: arrayBuffer,
      validation: integer,
    },
    none,
    'data',
  ),
  // CSV files in Kaggle's MNIST layout (a label 0–9, then 784 pixels 0–255 per row; a header row optional):
  // one to train on and one to test on, or testShare of its rows held out for testing; validationShare of
  // the training rows held out for validation (web/worker/csv_data.js) → event dataReady.
  loadCsv: request(
    {
      train: arrayBuffer,
      trainName: string,
      test: optional(arrayBuffer),
      testName: optional(string),
      testShare: number,
      validationShare: number,
    },
    DataReport,
    'data',
  ),
  // A zip of PNG or JPEG images in one folder per class (or train/ and test/ of them), converted as the
  // drawing pad converts a drawing (web/worker/image_folders.js); shares as loadCsv's → event dataReady
  // with the class names.
  loadImageZip: request(
    { zip: arrayBuffer, name: string, testShare: number, validationShare: number },
    DataReport,
    'data',
  ),
  // A new trainer (fresh weights) from the engine's plain config (its fields are the schema's, engine.schema(),
  // and the engine checks them); runMs: running time to count on from → event trainer.
  create: request({ config: object, runMs: optional(number) }, TrainerInfo, 'config'),
  // Resume a model saved by save (or a checkpoint); reason 'restored' after a reload → event trainer.
  loadModel: request(
    { bytes: arrayBuffer, name: optional(string), reason: optional(literal('restored')), runMs: optional(number) },
    TrainerInfo,
    'model',
  ),
  // What a model file is (ModelFileInfo), checked as loading would check it; nothing changes.
  inspectModelFile: request({ bytes: arrayBuffer }, ModelFileInfo, 'model'),
  // A PyTorch MLP's weights (a state_dict of linear layers) as a new trainer: its layer sizes, a fresh
  // optimiser, epoch 0; options: createTrainer's fields but layers (activation and loss: what the file
  // does not say) → event trainer ('loaded').
  loadForeignModel: request({ bytes: arrayBuffer, name: optional(string), options: object }, TrainerInfo, 'model'),
  // Train until `epochs` more epochs are done (a resume keeps the target of the interrupted run); after each
  // epoch η ← lrDecay·η → events status, chunk*, epoch* (+ trainer 'schedule', checkpoint), status.
  train: request({ epochs: integer, lrDecay: optional(number), resume: optional(boolean) }, none, 'train'),
  // The decay applied after each epoch from now on, live.
  setSchedule: request({ lrDecay: number }, none, 'config'),
  // How fast training goes from the next chunk on (Pace).
  setPace: request({ pace: Pace }, none, 'config'),
  // Train on this many threads (1..available) from the next batch on; results do not change → event threads.
  setThreads: request({ threads: integer }, Threads, 'engine'),
  // Stop at the next chunk boundary (≤ one chunk) → status 'paused', checkpoint.
  pause: request({}, none, 'train'),
  // Train exactly one batch, then pause → status 'running', chunk, status 'paused'.
  step: request({}, none, 'train'),
  // Like pause, but forgets the epoch target → status 'idle', checkpoint.
  stop: request({}, none, 'train'),
  // Live, between chunks → event trainer.
  setLearningRate: request({ learningRate: number }, TrainerInfo, 'config'),
  // Live; keeps the weights, restarts the optimiser's state → event trainer.
  setOptimizer: request({ optimizer: OptimizerSettings }, TrainerInfo, 'config'),
  // Class probabilities of one image of rows×cols pixels in [0, 1].
  predict: request({ image: float32Array }, shape({ probabilities: float32Array }), 'predict'),
  // The model's predictions for the whole test (or validation) set and, when asked, its images.
  predictSplit: request({ withImages: boolean, split: optional(splitName) }, Predictions, 'predict'),
  // One layer's weight matrix.
  getWeights: request({ layer: integer }, Weights, 'predict'),
  // The model as .safetensors bytes.
  save: request({}, shape({ bytes: arrayBuffer }), 'model'),
  // The model as an ONNX file's bytes (trainer.exportOnnx: input 'input' float32 [N, pixels] of the pixels / 255,
  // output 'probabilities' float32 [N, classes]).
  exportOnnx: request({}, shape({ bytes: arrayBuffer }), 'model'),
  // Trains runs one after another (web/worker/experiment_queue.js), in place of any queue. items:
  // [{ config, epochs, evaluate: { each, last } }]: the engine's config of a new trainer, the epoch it trains
  // to, the splits its epochs evaluate (training_session.js). From item `start`, resumed from `checkpoint`
  // (a checkpoint's bytes, runMs its running time) when given; paused: wait for queueResume → events
  // trainer, queue 'item-started', queue 'started'; then the session's events, queue 'item-finished', the
  // next item…, queue 'finished'.
  queueStart: request(
    {
      queueId: string,
      items: arrayOf(object),
      start: optional(integer),
      checkpoint: optional(arrayBuffer),
      runMs: optional(number),
      paused: optional(boolean),
    },
    none,
    'config',
  ),
  // Pause the queue's run at the next chunk boundary (→ status 'paused', checkpoint, queue 'paused'),
  // resume it (→ queue 'resumed'), or cancel the queue (its run stops: status 'idle', checkpoint, queue 'cancelled').
  queuePause: request({}, none, 'train'),
  queueResume: request({}, none, 'train'),
  queueCancel: request({}, none, 'train'),
  // One image's path through the network (web/worker/inspection.js).
  traceDigit: request({ image: float32Array }, Trace, 'predict'),
  // One image's backpropagation with its target class, on a copy of the live network.
  traceBackprop: request({ image: float32Array, label: integer }, BackpropTrace, 'predict'),
  // The same for image `index` of a split, with its label (mlp_train --trace N --trace-split): the trace and
  // the image's bytes (rows×cols, 0–255).
  traceBackpropSplit: request(
    { split: splitName, index: integer },
    shape({ trace: BackpropTrace, image: uint8Array }, { name: 'SplitTrace' }),
    'predict',
  ),
  // Pure analysis by the engine, of what the page sends: spikes per accuracy curve (one accuracy per epoch,
  // engine.detectSpikes with its spikeRule), the training cost of each list of layer sizes
  // (engine.trainingCost), the Pareto front of cost–value points and its knee (engine.paretoFront, paretoKnee).
  // Each part is answered when asked for.
  analyse: request(
    {
      spikes: optional(arrayOf(arrayOf(number))),
      costs: optional(arrayOf(arrayOf(integer))),
      pareto: optional(shape({ points: arrayOf(ParetoPoint), minGainPerDoubling: number })),
    },
    shape({
      spikes: optional(arrayOf(arrayOf(Spike))),
      costs: optional(arrayOf(TrainingCost)),
      pareto: optional(shape({ front: arrayOf(integer), knee: ParetoKnee })),
    }),
    'engine',
  ),
  // A learning-rate range test (RangeTest) on a fresh trainer of `config` (the live trainer untouched), or
  // without one on a copy of the live trainer; options: start, end, batches (the engine's defaults otherwise).
  lrRangeTest: request({ config: optional(object), options: optional(RangeTestOptions) }, RangeTest, 'config'),
  // The mean loss per image a network of this config starts near (engine.expectedInitialLoss).
  expectedInitialLoss: request({ config: object }, number, 'config'),
  // Each layer's health on the fixed sample, now → event health (requested).
  inspectHealth: request({}, none, 'predict'),
  // Which views the worker computes by itself: health after every epoch (→ events health).
  setInspection: request({ health: boolean }, none, 'predict'),
  // The engine's verdict on a config (validateConfig: every field and the memory it needs): its complete
  // config and engine.memoryEstimate() of it.
  checkConfig: request({ config: object }, shape({ config: object, memory: object }), 'config'),

  // Test hooks (a worker started with them only; the production page never asks for them):
  // an uncaught error, as a real crash would be; the worker closes itself (no error event);
  // a busy loop that never ends; the engine's heap (leak checks).
  crash: request({}, none, 'engine', { testHook: true }),
  close: request({}, none, 'engine', { testHook: true }),
  hang: request({}, none, 'engine', { testHook: true }),
  memory: request({}, shape({ allocatedBytes: number, memoryBytes: number, peakHeapBytes: number }), 'engine', {
    testHook: true,
  }),
});

// ---- Events: worker → page -----------------------------------------------------------

export const EVENTS = Object.freeze({
  // The engine module is loaded: whether it runs WebAssembly SIMD, Eigen's vector kernels, its threads; the
  // configuration's fields (engine.schema()), the core's readings of the report (engine.presets()) and
  // its constants (engine.constants(): the defaults it uses, such as the validation hold-out, and the
  // limits uploads are checked against, such as maxModelFileBytes), and the rule a spike is (engine.spikeRule()).
  ready: {
    simd: boolean,
    eigenVectorized: boolean,
    threads: Threads,
    schema: arrayOf(object),
    presets: arrayOf(object),
    constants: object,
    spikeRule: SpikeRule,
  },
  // Bytes of the compressed download so far (at most every 50 ms); cached: files read from Cache Storage.
  dataProgress: { loaded: integer, total: integer, file: string, cached: integer },
  // Data loaded (MNIST or the user's files); cached: every file came from Cache Storage; classNames: the
  // data's names of its classes, label by label (left out: the digits 0–9).
  dataReady: { info: DataInfo, source: string, cached: boolean, classNames: optional(arrayOf(string)) },
  // The trainer now (config null: there is none, e.g. the new data has another image size).
  trainer: {
    config: oneOf(object, nothing),
    progress: oneOf(Progress, nothing),
    parameters: integer,
    reason: literal('created', 'loaded', 'restored', 'learning-rate', 'optimizer', 'schedule', 'data-changed'),
    runMs: number,
  },
  // The training state changed; message: why ('finished', 'step', 'stopped', the divergence).
  status: { state: trainState, message: optional(string) },
  // One chunk of training, all in one epoch: batch b of it sits at x = epochIndex + (firstBatch + b) / batchesPerEpoch.
  chunk: {
    firstStep: integer, // step of the chunk's first batch
    epochIndex: integer, // the (0-based) epoch the chunk's batches belong to
    firstBatch: integer, // 1-based number of the chunk's first batch in its epoch
    batchLoss: float32Array, // per batch
    batchAccuracy: float32Array, // per batch
    samples: integer, // in the chunk
    epoch: integer, // progress after the chunk: completed epochs,
    batchInEpoch: integer, // batches of the current epoch,
    batchesPerEpoch: integer,
    step: integer, // and batches since the start
    trainMs: number, // time the chunk took
    runMs: number, // running time of the run so far (training and evaluation)
    samplesPerSecond: number, // over the last 40 chunks
    batchesPerChunk: integer, // batches asked for (the chunk stops early at an epoch's end)
  },
  // An epoch ended: the mean training loss/accuracy over its batches (null when it was not trained in this
  // session), and the splits evaluated after it (null: not evaluated, e.g. validation without a validation
  // split; a queue's run evaluates what its figures need): trainSet the images it trains on, validation, test.
  epoch: {
    epoch: integer,
    step: integer,
    train: oneOf(Metrics, nothing),
    trainSet: optional(oneOf(Metrics, nothing)),
    validation: oneOf(Metrics, nothing),
    test: oneOf(Metrics, nothing),
    confusion: oneOf(int32Array, nothing), // of the test set: classes × classes, row = true label, column = predicted
    validationConfusion: optional(oneOf(int32Array, nothing)), // the same for the validation set
    classes: integer,
    evalMs: number, // time the evaluation took
    runMs: number,
  },
  // Training stopped on a NaN/Inf; the engine restored the weights from before the failing chunk.
  diverged: { message: string, kind: optional(string), progress: Progress },
  // For autosave, at an epoch's end, on pause, stop, at the target and every 30 s of training ('periodic').
  checkpoint: {
    bytes: arrayBuffer,
    config: object,
    progress: Progress,
    runMs: number,
    reason: literal('epoch', 'pause', 'stop', 'finished', 'periodic'),
  },
  // The queue changed: its state, the item it is at (0-based) of `total`. 'item-started' (resumed: from the
  // checkpoint) follows the item's trainer event; 'item-finished' says how (outcome 'done' at its epoch
  // target, 'diverged' with message); progress: where its trainer is; lrFind: the range test an item with the
  // option lrFind ran before it trained, whose pick is the item's η.
  queue: {
    queueId: string,
    state: literal('running', 'paused', 'finished', 'cancelled'),
    index: integer,
    total: integer,
    reason: literal('started', 'item-started', 'item-finished', 'paused', 'resumed', 'finished', 'cancelled'),
    outcome: optional(literal('done', 'diverged')),
    resumed: optional(boolean),
    message: optional(string),
    progress: optional(Progress),
    lrFind: optional(shape({ rates: numbers, smoothed: numbers, pick: number, reason: string }, { name: 'LrFind' })),
  },
  // The layers' health (Health), after an epoch or on request.
  health: Health.fields,
  // The threads now (after setThreads).
  threads: { threads: Threads },
  // How each layer learned in the chunk just trained, every few batches (trainer.takeDynamics): steps:
  // the batch each record follows; layers: per weight layer { gradNorm, updateRatio, activationMean,
  // activationStd, saturated } (Float32Arrays); every: the interval in batches; per record, the batch's size,
  // its loss, the whole gradient's norm and the step's norm (what the engine records beside the layers).
  dynamics: {
    steps: int32Array,
    every: integer,
    batchSize: optional(oneOf(int32Array, float32Array)),
    loss: optional(float32Array),
    gradNorm: optional(float32Array),
    stepNorm: optional(float32Array),
    layers: arrayOf(
      shape(
        {
          gradNorm: float32Array,
          updateRatio: float32Array,
          activationMean: float32Array,
          activationStd: float32Array,
          saturated: float32Array,
        },
        { name: 'LayerDynamics' },
      ),
    ),
  },
  // Something failed on its own, answering no request. kind: the engine's error kind ('ConfigError', …).
  error: {
    scope: literal('engine', 'data', 'config', 'model', 'train', 'predict'),
    kind: optional(string),
    message: string,
  },
  // The worker is alive (every 250 ms, and between chunks); busyMs: it starts work that may keep it silent
  // that long (a big network's chunk, evaluation, save or load), so the watchdog waits longer.
  heartbeat: { busyMs: optional(number) },
  // Something failed that the engine did not report (a wasm trap, a RangeError): the worker's state cannot
  // be trusted and it closes itself; the page starts a new one.
  fatal: { message: string },
});

// ---- Types -----------------------------------------------------------------------------

/** @typedef {Infer<typeof trainState>} TrainStateName */
/** @typedef {typeof REQUESTS} Requests */
/** @typedef {keyof Requests} RequestType */
/**
 * @template {RequestType} K
 * @typedef {ShapeOf<Requests[K]['payload']>} RequestPayload
 */
/**
 * @template {RequestType} K
 * @typedef {Infer<Requests[K]['answer']>} AnswerOf
 */
/** @typedef {typeof EVENTS} Events */
/** @typedef {keyof Events} EventType */
/**
 * @template {EventType} K
 * @typedef {ShapeOf<Events[K]> & { type: K }} EventOf
 */
/** @typedef {{ [K in EventType]: EventOf<K> }[EventType]} AnyEvent */
/** @typedef {{ type: 'answer', id: number, value: any }} AnswerMessage */
/** @typedef {'engine' | 'data' | 'config' | 'model' | 'train' | 'predict'} Scope */
/** @typedef {{ type: 'failure', id: number, scope: Scope, kind?: string, message: string }} FailureMessage */
/** @typedef {AnyEvent | AnswerMessage | FailureMessage} FromWorkerMessage */
/** @typedef {Infer<typeof Progress>} ProgressValue */
/** @typedef {Infer<typeof DataInfo>} DataInfoValue */
/** @typedef {Infer<typeof DataReport>} DataReportValue */
/** @typedef {Infer<typeof Metrics>} MetricsValue */
/** @typedef {Infer<typeof Threads>} ThreadsValue */
/** @typedef {Infer<typeof TrainerInfo>} TrainerInfoValue */
/** @typedef {Infer<typeof ModelFileInfo>} ModelFileInfoValue */
/** @typedef {Infer<typeof Pace>} PaceValue */
/** @typedef {Infer<typeof Health>} HealthValue */
/** @typedef {Infer<typeof Trace>} TraceValue */
/** @typedef {Infer<typeof Predictions>} PredictionsValue */
/** @typedef {Infer<typeof Weights>} WeightsValue */
/** @typedef {Infer<typeof SpikeRule>} SpikeRuleValue */
/** @typedef {Infer<typeof Spike>} SpikeValue */
/** @typedef {Infer<typeof TrainingCost>} TrainingCostValue */
/** @typedef {Infer<typeof ParetoPoint>} ParetoPointValue */
/** @typedef {Infer<typeof ParetoKnee>} ParetoKneeValue */
/** @typedef {Infer<typeof RangeTest>} RangeTestValue */
/** @typedef {Infer<typeof RangeTestOptions>} RangeTestOptionsValue */
/** @typedef {Infer<typeof BackpropTrace> & import('../wasm/engine.mjs').BackpropTrace} BackpropTraceValue */

// ---- Checking ------------------------------------------------------------------------

/** A protocol error: the message does not match its table. */
export class ProtocolError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(`protocol: ${message}`);
    this.name = 'ProtocolError';
  }
}

/** @param {string | null} problem */
function raise(problem) {
  if (problem) throw new ProtocolError(problem);
}

/** The fields of an object, undefined ones left out. */
const defined = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/**
 * A request, checked: { type, id, ...payload } (undefined fields left out).
 * @template {RequestType} K
 * @param {K} type
 * @param {number} id
 * @param {RequestPayload<K>} payload
 */
export function requestMessage(type, id, payload) {
  const spec = REQUESTS[type];
  if (!spec) throw new ProtocolError(`unknown request '${type}'`);
  if (!isPlainObject(payload))
    throw new ProtocolError(`${type}: the payload must be a plain object, not ${describe(payload)}`);
  const fields = defined(payload);
  raise(checkFields(spec.payload, fields, type, false));
  return { ...fields, type, id };
}

/**
 * A request received by the worker, checked; returns it.
 * @param {unknown} msg
 * @param {{ testHooks?: boolean }} [options] testHooks: the worker answers the test hooks
 * @returns {{ type: RequestType, id: number } & Record<string, any>}
 */
export function checkRequest(msg, { testHooks = false } = {}) {
  if (!isPlainObject(msg)) throw new ProtocolError(`a message must be a plain object, not ${describe(msg)}`);
  const { type, id, ...payload } = /** @type {Record<string, any>} */ (msg);
  const spec = Object.hasOwn(REQUESTS, type) ? REQUESTS[type] : null;
  if (!spec || (spec.testHook && !testHooks)) throw new ProtocolError(`unknown request ${describe(type)}`);
  if (!Number.isInteger(id)) throw new ProtocolError(`${type}: the id must be an integer, not ${describe(id)}`);
  raise(checkFields(spec.payload, payload, type, false));
  return /** @type {any} */ (msg);
}

/**
 * An event, checked: { type, ...payload } (undefined fields left out).
 * @template {EventType} K
 * @param {K} type
 * @param {ShapeOf<Events[K]>} payload
 * @returns {EventOf<K>}
 */
export function eventMessage(type, payload) {
  const fields = Object.hasOwn(EVENTS, type) ? EVENTS[type] : null;
  if (!fields) throw new ProtocolError(`unknown event '${type}'`);
  if (!isPlainObject(payload))
    throw new ProtocolError(`${type}: the payload must be a plain object, not ${describe(payload)}`);
  const values = defined(payload);
  raise(checkFields(fields, values, type, false));
  return /** @type {any} */ ({ ...values, type });
}

/**
 * The answer to request `id` of type `type`, checked against the table.
 * @template {RequestType} K
 * @param {K} type
 * @param {number} id
 * @param {AnswerOf<K>} value
 * @returns {AnswerMessage}
 */
export function answerMessage(type, id, value) {
  raise(REQUESTS[type].answer.check(value, `${type} answer`));
  return { type: 'answer', id, value };
}

/**
 * Request `id` failed.
 * @param {number} id
 * @param {Scope} scope
 * @param {{ kind?: string, message: string }} error
 * @returns {FailureMessage}
 */
export function failureMessage(id, scope, { kind, message }) {
  return /** @type {FailureMessage} */ (defined({ type: 'failure', id, scope, kind, message }));
}

/**
 * A message received by the page, checked: an event against its table, an answer against the answer
 * type of the request it answers (`answers(id)`: that request's type, or undefined for an unknown id).
 * @param {unknown} msg
 * @param {(id: number) => RequestType | undefined} answers
 * @returns {FromWorkerMessage}
 */
export function checkFromWorker(msg, answers) {
  if (!isPlainObject(msg)) throw new ProtocolError(`a message must be a plain object, not ${describe(msg)}`);
  const m = /** @type {Record<string, any>} */ (msg);
  if (m.type === 'answer' || m.type === 'failure') {
    const request = Number.isInteger(m.id) ? answers(m.id) : undefined;
    if (!request) throw new ProtocolError(`an ${m.type} to no pending request (id ${describe(m.id)})`);
    if (m.type === 'answer') raise(REQUESTS[request].answer.check(m.value, `${request} answer`));
    else if (typeof m.message !== 'string') throw new ProtocolError(`${request} failure: the message must be a string`);
    return /** @type {any} */ (m);
  }
  const fields = Object.hasOwn(EVENTS, m.type) ? EVENTS[m.type] : null;
  if (!fields) throw new ProtocolError(`unknown event ${describe(m.type)}`);
  const { type, ...payload } = m;
  raise(checkFields(fields, payload, type, false));
  return /** @type {any} */ (m);
}

/**
 * The buffers of every typed array or ArrayBuffer in the message (its fields, an answer's value and
 * its fields, and arrays of them), each once.
 * @param {object} msg
 * @returns {Transferable[]}
 */
export function transferList(msg) {
  const list = new Set();
  const visit = (value, depth) => {
    if (value instanceof ArrayBuffer) list.add(value);
    else if (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer) list.add(value.buffer);
    else if (depth < 2 && Array.isArray(value)) for (const v of value) visit(v, depth + 1);
    else if (depth < 2 && isPlainObject(value)) for (const v of Object.values(value)) visit(v, depth + 1);
  };
  for (const value of Object.values(msg)) visit(value, 0);
  return [...list];
}
