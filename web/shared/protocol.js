// The message protocol between the page (web/page/) and the training worker
// (web/worker/). Both sides import this module; nothing else is sent.
//
// Every message is a plain object { type, ...fields }. The field lists in
// MESSAGES below are the documentation and the contract at once: message()
// (which post() calls) refuses an unknown type, an unknown field, a missing
// required field or a field of the wrong type, and check() does the same for
// a message received. Requests that expect exactly one answer carry an
// integer `id`; the answer (or an `error`) repeats it. Typed arrays and
// ArrayBuffers are transferred, not copied (see transferList).
//
// Field types: 'number', 'integer', 'string', 'boolean', 'array', 'object'
// (any plain object), 'ArrayBuffer', a typed array's name ('Float32Array',
// 'Uint8Array', 'Int32Array'), 'null', a quoted literal ("'idle'"), or the
// name of a shape in SHAPES; alternatives are joined by ' | '. A field whose
// name ends in '?' may be left out. Shapes describe objects the engine makes:
// their fields are checked, further fields are allowed.

export const ToWorker = Object.freeze({
  LOAD_MNIST: 'loadMnist',
  LOAD_IDX: 'loadIdx',
  CREATE: 'create',
  TRAIN: 'train',
  PAUSE: 'pause',
  STEP: 'step',
  STOP: 'stop',
  SET_LEARNING_RATE: 'setLearningRate',
  SET_OPTIMIZER: 'setOptimizer',
  SET_SCHEDULE: 'setSchedule',
  SET_THREADS: 'setThreads',
  PREDICT: 'predict',
  PREDICT_TEST_SET: 'predictTestSet',
  GET_WEIGHTS: 'getWeights',
  SAVE: 'save',
  LOAD_MODEL: 'loadModel',
  QUEUE_START: 'queueStart',
  QUEUE_PAUSE: 'queuePause',
  QUEUE_RESUME: 'queueResume',
  QUEUE_CANCEL: 'queueCancel',
  TRACE_DIGIT: 'traceDigit',
  INSPECT_HEALTH: 'inspectHealth',
  SET_INSPECTION: 'setInspection',
  CRASH: 'crash',
  CHECK_CONFIG: 'checkConfig',
  MEMORY: 'memory',
  CLOSE: 'close',
  HANG: 'hang',
});

export const FromWorker = Object.freeze({
  READY: 'ready',
  DATA_PROGRESS: 'dataProgress',
  DATA_READY: 'dataReady',
  TRAINER: 'trainer',
  STATUS: 'status',
  CHUNK: 'chunk',
  EPOCH: 'epoch',
  DIVERGED: 'diverged',
  CHECKPOINT: 'checkpoint',
  PREDICTION: 'prediction',
  PREDICTIONS: 'predictions',
  WEIGHTS: 'weights',
  MODEL: 'model',
  QUEUE: 'queue',
  TRACE: 'trace',
  HEALTH: 'health',
  THREADS: 'threads',
  ERROR: 'error',
  HEARTBEAT: 'heartbeat',
  CONFIG_CHECKED: 'configChecked',
  MEMORY_REPORT: 'memoryReport',
  FATAL: 'fatal',
});

/** The worker's training state, as `status` reports it. */
export const State = Object.freeze({
  IDLE: 'idle',
  RUNNING: 'running',
  PAUSED: 'paused',
  DIVERGED: 'diverged',
});

export const SHAPES = Object.freeze({
  // trainer.progress(): where the trainer is (step counts batches since the start of the run)
  Progress: { epoch: 'integer', batchInEpoch: 'integer', batchesPerEpoch: 'integer', step: 'integer' },
  // engine.loadData(): the sizes of the splits and of an image
  DataInfo: { train: 'integer', validation: 'integer', test: 'integer', rows: 'integer', cols: 'integer' },

  // trainer.setOptimizer()'s argument: fields left out keep their values
  OptimizerSettings: { optimizer: 'string', 'learningRate?': 'number', 'momentum?': 'number' },
  // one split's result after an epoch: mean loss, accuracy in [0, 1], number of images
  Metrics: { loss: 'number', accuracy: 'number', count: 'integer' },
  // the engine's threads: the threaded build or not (reason: why not), how many it has and trains on
  Threads: { threaded: 'boolean', available: 'integer', active: 'integer', reason: 'string | null' },
});

const QUEUE_STATES = "'running' | 'paused' | 'finished' | 'cancelled'";

const STATES = "'idle' | 'running' | 'paused' | 'diverged'";

export const MESSAGES = Object.freeze({
  // ---- page → worker ----
  // Download the site's MNIST (or read it from Cache Storage) → dataProgress*, then dataReady | error (scope 'data').
  [ToWorker.LOAD_MNIST]: {},
  // The user's own IDX files, raw or gzip; `validation` training images are held out → dataReady{id} | error{id}.
  [ToWorker.LOAD_IDX]: {
    id: 'integer',
    trainImages: 'ArrayBuffer',
    trainLabels: 'ArrayBuffer',
    testImages: 'ArrayBuffer',
    testLabels: 'ArrayBuffer',
    validation: 'integer',
  },
  // A new trainer (fresh weights) from the engine's plain config (its fields are the schema's, engine.schema(),
  // and the engine checks them); runMs: running time to count on from → trainer{id} | error{id}.
  [ToWorker.CREATE]: { id: 'integer', config: 'object', 'runMs?': 'number' },
  // Train until `epochs` more epochs are done (a resume keeps the target of the interrupted run);
  // after each epoch η ← lrDecay·η → status, chunk*, epoch* (+ trainer{reason 'schedule'}, checkpoint), status.
  [ToWorker.TRAIN]: { epochs: 'integer', 'lrDecay?': 'number', 'resume?': 'boolean' },
  // The decay applied after each epoch from now on, live.
  [ToWorker.SET_SCHEDULE]: { lrDecay: 'number' },
  // Train on this many threads (1..available) from the next batch on; results do not change → threads{id}.
  [ToWorker.SET_THREADS]: { id: 'integer', threads: 'integer' },
  // Stop at the next chunk boundary (≤ one chunk) → status 'paused', checkpoint.
  [ToWorker.PAUSE]: {},
  // Train exactly one batch, then pause → status 'running', chunk, status 'paused'.
  [ToWorker.STEP]: {},
  // Like pause, but forgets the epoch target → status 'idle', checkpoint.
  [ToWorker.STOP]: {},
  // Live, between chunks → trainer{id}.
  [ToWorker.SET_LEARNING_RATE]: { id: 'integer', learningRate: 'number' },
  // Live; keeps the weights, restarts the optimiser's state → trainer{id}.
  [ToWorker.SET_OPTIMIZER]: { id: 'integer', optimizer: 'OptimizerSettings' },
  // Class probabilities of one image of rows×cols pixels in [0, 1] → prediction{id}.
  [ToWorker.PREDICT]: { id: 'integer', image: 'Float32Array' },
  // The model's predictions for the whole test set (or the validation set: split) and, when asked, its images → predictions{id}.
  [ToWorker.PREDICT_TEST_SET]: { id: 'integer', withImages: 'boolean', 'split?': "'test' | 'validation'" },
  // One layer's weight matrix → weights{id}.
  [ToWorker.GET_WEIGHTS]: { id: 'integer', layer: 'integer' },
  // The model as .safetensors bytes → model{id}.
  [ToWorker.SAVE]: { id: 'integer' },
  // Resume a model saved by save (or a checkpoint); reason 'restored' after a reload → trainer{id} | error{id}.
  [ToWorker.LOAD_MODEL]: {
    id: 'integer',
    bytes: 'ArrayBuffer',
    'name?': 'string',
    'reason?': "'restored'",
    'runMs?': 'number',
  },
  // Trains runs one after another (web/worker/experiment_queue.js), in place of any queue. items:
  // [{ config, epochs, evaluate: { each, last } }]: the engine's config of a new trainer, the epoch
  // it trains to, the splits its epochs evaluate (training_session.js). From item `start`, resumed
  // from `checkpoint` (a checkpoint's bytes, runMs its running time) when given; paused: wait for
  // queueResume → trainer, queue{'item-started'}, queue{'started', id} | error{id}; then the
  // session's messages, queue{'item-finished'}, the next item…, queue{'finished'}.
  [ToWorker.QUEUE_START]: {
    id: 'integer',
    queueId: 'string',
    items: 'array',
    'start?': 'integer',
    'checkpoint?': 'ArrayBuffer',
    'runMs?': 'number',
    'paused?': 'boolean',
  },
  // Pause the queue's run at the next chunk boundary (→ status 'paused', checkpoint, queue{'paused'}),
  // resume it (→ queue{'resumed'}), or cancel the queue (its run stops: status 'idle', checkpoint, queue{'cancelled'}).
  [ToWorker.QUEUE_PAUSE]: {},
  [ToWorker.QUEUE_RESUME]: {},
  [ToWorker.QUEUE_CANCEL]: {},
  // One image's path through the network (web/worker/inspection.js) → trace{id}.
  [ToWorker.TRACE_DIGIT]: { id: 'integer', image: 'Float32Array' },
  // Each layer's health on the fixed sample, now → health{id}.
  [ToWorker.INSPECT_HEALTH]: { id: 'integer' },
  // Which views the worker computes by itself: health after every epoch (→ health, no id).
  [ToWorker.SET_INSPECTION]: { health: 'boolean' },
  // Test hook: an uncaught error in the worker, as a real crash would be.
  [ToWorker.CRASH]: {},
  // The engine's verdict on a config (validateConfig: every field and the memory it needs) → configChecked{id} | error{id}.
  [ToWorker.CHECK_CONFIG]: { id: 'integer', config: 'object' },
  // The engine's heap now → memoryReport{id} (leak checks).
  [ToWorker.MEMORY]: { id: 'integer' },
  // Test hooks: the worker closes itself (no error event), or hangs (a busy loop that never ends).
  [ToWorker.CLOSE]: {},
  [ToWorker.HANG]: {},

  // ---- worker → page ----
  // The engine module is loaded: whether it runs WebAssembly SIMD, Eigen's vector kernels, its threads; the
  // configuration's fields (engine.schema()) and the core's readings of the report (engine.presets()).
  // limits: { memoryBudget, maxModelFileBytes } (engine.limits()): what uploads are checked against.
  [FromWorker.READY]: {
    simd: 'boolean',
    eigenVectorized: 'boolean',
    threads: 'Threads',
    schema: 'array',
    presets: 'array',
    'limits?': 'object',
  },
  // Bytes of the compressed download so far (at most every 50 ms); cached: files read from Cache Storage.
  [FromWorker.DATA_PROGRESS]: { loaded: 'integer', total: 'integer', file: 'string', cached: 'integer' },
  // Data loaded; id answers loadIdx; cached: every file came from Cache Storage.
  [FromWorker.DATA_READY]: { 'id?': 'integer', info: 'DataInfo', source: 'string', cached: 'boolean' },
  // The trainer now (config null: there is none, e.g. the new data has another image size).
  [FromWorker.TRAINER]: {
    'id?': 'integer',
    config: 'object | null',
    progress: 'Progress | null',
    parameters: 'integer',
    reason: "'created' | 'loaded' | 'restored' | 'learning-rate' | 'optimizer' | 'schedule' | 'data-changed'",
    runMs: 'number',
  },
  // The training state changed; message: why ('finished', 'step', 'stopped', the divergence).
  [FromWorker.STATUS]: { state: STATES, 'message?': 'string' },
  // One chunk of training, all in one epoch: batch b of it sits at x = epochIndex + (firstBatch + b) / batchesPerEpoch.
  [FromWorker.CHUNK]: {
    firstStep: 'integer', // step of the chunk's first batch
    epochIndex: 'integer', // the (0-based) epoch the chunk's batches belong to
    firstBatch: 'integer', // 1-based number of the chunk's first batch in its epoch
    batchLoss: 'Float32Array', // per batch
    batchAccuracy: 'Float32Array', // per batch
    samples: 'integer', // in the chunk
    epoch: 'integer', // progress after the chunk: completed epochs,
    batchInEpoch: 'integer', // batches of the current epoch,
    batchesPerEpoch: 'integer',
    step: 'integer', // and batches since the start
    trainMs: 'number', // time the chunk took
    runMs: 'number', // running time of the run so far (training and evaluation)
    samplesPerSecond: 'number', // over the last 40 chunks
    batchesPerChunk: 'integer', // batches asked for (the chunk stops early at an epoch's end)
  },
  // An epoch ended: the mean training loss/accuracy over its batches (null when it was not
  // trained in this session), and the splits evaluated after it (null: not evaluated, e.g.
  // validation without a validation split; a queue's run evaluates what its figures need):
  // trainSet the images it trains on, validation, test.
  [FromWorker.EPOCH]: {
    epoch: 'integer',
    step: 'integer',
    train: 'Metrics | null',
    'trainSet?': 'Metrics | null',
    validation: 'Metrics | null',
    test: 'Metrics | null',
    confusion: 'Int32Array | null', // of the test set: classes × classes, row = true label, column = predicted
    'validationConfusion?': 'Int32Array | null', // the same for the validation set, when it was evaluated
    classes: 'integer',
    evalMs: 'number', // time the evaluation took
    runMs: 'number',
  },
  // Training stopped on a NaN/Inf; the engine restored the weights from before the failing chunk.
  [FromWorker.DIVERGED]: { message: 'string', 'kind?': 'string', progress: 'Progress' },
  // For autosave, at an epoch's end, on pause, stop, at the target and every 30 s of training ('periodic').
  [FromWorker.CHECKPOINT]: {
    bytes: 'ArrayBuffer',
    config: 'object',
    progress: 'Progress',
    runMs: 'number',
    reason: "'epoch' | 'pause' | 'stop' | 'finished' | 'periodic'",
  },
  [FromWorker.PREDICTION]: { id: 'integer', probabilities: 'Float32Array' },
  // images: n·rows·cols bytes, only when asked for.
  [FromWorker.PREDICTIONS]: {
    id: 'integer',
    labels: 'Uint8Array',
    predicted: 'Uint8Array',
    probabilities: 'Float32Array', // n × classes
    images: 'Uint8Array | null',
    rows: 'integer',
    cols: 'integer',
    'split?': "'test' | 'validation'",
  },
  // rows (units) × cols (inputs), row-major.
  [FromWorker.WEIGHTS]: { id: 'integer', layer: 'integer', rows: 'integer', cols: 'integer', data: 'Float32Array' },
  [FromWorker.MODEL]: { id: 'integer', bytes: 'ArrayBuffer' },
  // The queue changed: its state, the item it is at (0-based) of `total`; id answers queueStart.
  // 'item-started' (resumed: from the checkpoint) follows the item's trainer message; 'item-finished'
  // says how (outcome 'done' at its epoch target, 'diverged' with message); progress: where its trainer is.
  [FromWorker.QUEUE]: {
    'id?': 'integer',
    queueId: 'string',
    state: QUEUE_STATES,
    index: 'integer',
    total: 'integer',
    reason: "'started' | 'item-started' | 'item-finished' | 'paused' | 'resumed' | 'finished' | 'cancelled'",
    'outcome?': "'done' | 'diverged'",
    'resumed?': 'boolean',
    'message?': 'string',
    'progress?': 'Progress',
  },
  // traceDigit's answer: hidden = one Float32Array per hidden layer; contributions: what each unit feeding the
  // output layer added to the winning logit (Σ contributions + bias = logits[predicted]).
  [FromWorker.TRACE]: {
    id: 'integer',
    hidden: 'array',
    logits: 'Float32Array',
    probabilities: 'Float32Array',
    predicted: 'integer',
    contributions: 'Float32Array',
    bias: 'number',
    step: 'integer', // the trainer's step when traced
  },
  // Each weight layer's health over the first `samples` images of `split` (engine.inspectHealth): layers =
  // [{ units, histogram: Int32Array, low, high, mean, saturated, stuck, weightGradientNorm, biasGradientNorm,
  // weightNorm }]; after an epoch (no id) or on request (id).
  [FromWorker.HEALTH]: {
    'id?': 'integer',
    epoch: 'integer',
    step: 'integer',
    split: "'validation' | 'test'",
    samples: 'integer',
    loss: 'number',
    activation: 'string',
    layers: 'array',
  },
  // The threads now, answering setThreads.
  [FromWorker.THREADS]: { id: 'integer', threads: 'Threads' },
  // A request failed (id: which one; request: its type) or something failed on its own (no id).
  // kind: the engine's error kind ('ConfigError', 'IdxError', …) when it comes from the engine.
  [FromWorker.ERROR]: {
    'id?': 'integer',
    'request?': 'string',
    scope: "'engine' | 'data' | 'config' | 'model' | 'train' | 'predict'",
    'kind?': 'string',
    message: 'string',
  },
  // The worker is alive (every 250 ms, and between chunks); busyMs: it starts work that may keep it
  // silent that long (a big network's chunk, evaluation, save or load), so the watchdog waits longer.
  [FromWorker.HEARTBEAT]: { 'busyMs?': 'number' },
  // The config is valid and fits: the engine's complete config and engine.memoryEstimate() of it.
  [FromWorker.CONFIG_CHECKED]: { id: 'integer', config: 'object', memory: 'object' },
  [FromWorker.MEMORY_REPORT]: {
    id: 'integer',
    allocatedBytes: 'number',
    memoryBytes: 'number',
    peakHeapBytes: 'number',
  },
  // Something failed that the engine did not report (a wasm trap, a RangeError): the worker's state
  // cannot be trusted and it closes itself; the page starts a new one.
  [FromWorker.FATAL]: { message: 'string' },
});

// ---- Checking ------------------------------------------------------------------

const tag = (v) => Object.prototype.toString.call(v).slice(8, -1);
const isPlainObject = (v) => v !== null && typeof v === 'object' && tag(v) === 'Object';
const BASIC = {
  number: (v) => typeof v === 'number',
  integer: (v) => Number.isInteger(v),
  string: (v) => typeof v === 'string',
  boolean: (v) => typeof v === 'boolean',
  array: (v) => Array.isArray(v),
  object: isPlainObject,
  null: (v) => v === null,
  ArrayBuffer: (v) => tag(v) === 'ArrayBuffer',
  Float32Array: (v) => tag(v) === 'Float32Array',
  Float64Array: (v) => tag(v) === 'Float64Array',
  Int32Array: (v) => tag(v) === 'Int32Array',
  Uint8Array: (v) => tag(v) === 'Uint8Array',
};

function describe(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return tag(v) === 'Object' ? 'object' : tag(v);
  if (typeof v === 'number' && !Number.isInteger(v)) return `number ${v}`;
  if (typeof v === 'string') return `'${v.length > 40 ? `${v.slice(0, 40)}…` : v}'`;
  return typeof v === 'number' ? `integer ${v}` : typeof v;
}

// A field list → [{ name, optional, type, alternatives: [(value, path) → error | null] }].
function compileFields(fields, context) {
  return Object.entries(fields).map(([key, type]) => {
    const optional = key.endsWith('?');
    const name = optional ? key.slice(0, -1) : key;
    return {
      name,
      optional,
      type,
      alternatives: type.split('|').map((t) => compileType(t.trim(), `${context}.${name}`)),
    };
  });
}

function compileType(t, context) {
  if (/^'[^']*'$/.test(t)) {
    const literal = t.slice(1, -1);
    return (v) => v === literal;
  }
  if (BASIC[t]) return BASIC[t];
  if (SHAPES[t]) {
    const fields = compileFields(SHAPES[t], t);
    return (v, path) => (isPlainObject(v) ? (checkFields(fields, v, path, { extra: true }) ?? true) : false);
  }
  throw new Error(`protocol: ${context}: unknown field type '${t}'`);
}

// null when value has the fields, else the first problem.
function checkFields(fields, value, path, { extra = false } = {}) {
  for (const f of fields) {
    const v = value[f.name];
    if (v === undefined) {
      if (f.optional) continue;
      return `${path}: missing field '${f.name}' (${f.type})`;
    }
    let problem = null;
    for (const check of f.alternatives) {
      const r = check(v, `${path}.${f.name}`);
      if (r === true) {
        problem = null;
        break;
      }
      if (typeof r === 'string')
        problem = r; // a shape's own problem says more than "wrong type"
      else problem ??= `${path}.${f.name} must be ${f.type}, not ${describe(v)}`;
    }
    if (problem) return problem;
  }
  if (!extra) {
    const known = new Set(fields.map((f) => f.name));
    const unknown = Object.keys(value).filter((k) => k !== 'type' && !known.has(k) && value[k] !== undefined);
    if (unknown.length > 0)
      return `${path}: unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}`;
  }
  return null;
}

const COMPILED = new Map(Object.entries(MESSAGES).map(([type, fields]) => [type, compileFields(fields, type)]));
{
  const to = Object.values(ToWorker);
  const from = Object.values(FromWorker);
  for (const type of [...to, ...from])
    if (!COMPILED.has(type)) throw new Error(`protocol: no field list for '${type}'`);
  for (const type of COMPILED.keys())
    if (!to.includes(type) && !from.includes(type)) throw new Error(`protocol: '${type}' has no direction`);
  if (new Set([...to, ...from]).size !== to.length + from.length)
    throw new Error('protocol: a type is used in both directions');
}

/** A protocol error: the message does not match its field list. */
export class ProtocolError extends Error {
  constructor(message) {
    super(`protocol: ${message}`);
    this.name = 'ProtocolError';
  }
}

/**
 * Builds a message { type, ...payload } (fields that are undefined are left
 * out). Throws a ProtocolError for an unknown type or a payload that does not
 * match the type's field list, so mistakes fail loudly on the sending side.
 */
export function message(type, payload = {}) {
  const fields = COMPILED.get(type);
  if (!fields) throw new ProtocolError(`unknown message type '${type}'`);
  if (!isPlainObject(payload))
    throw new ProtocolError(`${type}: the payload must be a plain object, not ${describe(payload)}`);
  const problem = checkFields(fields, payload, type);
  if (problem) throw new ProtocolError(problem);
  const msg = { type };
  for (const [k, v] of Object.entries(payload)) if (v !== undefined && k !== 'type') msg[k] = v;
  return msg;
}

/**
 * Checks a received message against its field list; `direction` (ToWorker
 * or FromWorker) restricts the types accepted. Returns msg, or throws a ProtocolError.
 */
export function check(msg, direction = null) {
  if (!isPlainObject(msg)) throw new ProtocolError(`a message must be a plain object, not ${describe(msg)}`);
  const fields = COMPILED.get(msg.type);
  if (!fields || (direction && !Object.values(direction).includes(msg.type))) {
    throw new ProtocolError(`unknown message type ${describe(msg.type)}`);
  }
  const problem = checkFields(fields, msg, msg.type);
  if (problem) throw new ProtocolError(problem);
  return msg;
}

/** The buffers of every typed array / ArrayBuffer directly in the payload (one level deep), deduplicated. */
export function transferList(msg) {
  const list = new Set();
  for (const value of Object.values(msg)) {
    if (value instanceof ArrayBuffer) list.add(value);
    else if (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer) list.add(value.buffer);
  }
  return [...list];
}

/** Posts a checked message on target (a Worker or the worker's global scope), transferring its buffers. */
export function post(target, type, payload) {
  const msg = message(type, payload);
  target.postMessage(msg, transferList(msg));
}
