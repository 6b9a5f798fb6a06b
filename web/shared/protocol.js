// The message protocol between the page (main.js) and the training worker
// (worker.js). Both sides import this module; nothing else is sent.
//
// Every message is a plain object { type, ...payload }. Requests that expect
// exactly one answer carry a numeric `id`; the answer (or an `error`) repeats it.
// Typed arrays in payloads are transferred, not copied (see transferList).
//
// Main → worker (ToWorker)
//   loadMnist   {}                              download/caches the site's MNIST files → dataProgress*, dataReady | error
//   loadIdx     {id, trainImages, trainLabels, testImages, testLabels: ArrayBuffer, validation}
//                                                the user's own IDX files (raw or gzip) → dataReady | error{id}
//   create      {id, config}                     a new trainer from a plain config (wasm/README.md) → trainer | error{id}
//   train       {epochs, lrDecay, resume?}       train until `epochs` more epochs are done; after each epoch
//                                                η ← lrDecay·η → status, chunk*, epoch*, trainer (new η)
//   setSchedule {lrDecay}                        live
//   pause       {}                               stop at the next chunk boundary (≤ one chunk) → status 'paused'
//   step        {}                               train exactly one batch, then pause → chunk, status
//   stop        {}                               like pause, but forgets the epoch target → status 'idle'
//   setLearningRate {lr}                         live, between batches → trainer
//   setOptimizer {optimizer}                     live, keeps weights, resets optimiser state → trainer
//   predict     {id, image: Float32Array(rows*cols)}       → prediction{id}
//   predictions {id}                             test-set predictions and images for the gallery → predictions{id}
//   weights     {id, layer}                      a layer's weight matrix → weights{id}
//   save        {id}                             the model as .safetensors bytes → model{id}
//   loadModel   {id, bytes: ArrayBuffer, name}   resume a saved model → trainer{id} | error{id}
//   crash       {}                               test hook: throws an uncaught error in the worker
//
// Worker → main (FromWorker)
//   ready       {simd, threads}                  the engine module is loaded
//   dataProgress {loaded, total, file, cached}   bytes of the compressed download so far
//   dataReady   {id?, info: {train, validation, test, rows, cols}, source, cached}
//   trainer     {id?, config, progress, parameters, reason}   a trainer exists now (created, loaded, lr changed)
//   status      {state, message?}                state ∈ 'idle' | 'running' | 'paused' | 'diverged'
//   chunk       {firstStep, batchLoss: Float32Array, batchAccuracy: Float32Array, samples,
//                epoch, batchInEpoch, batchesPerEpoch, step, trainMs, samplesPerSecond, batchesPerChunk}
//   epoch       {epoch, step, train: {loss, accuracy}, validation: {loss, accuracy},
//                test: {loss, accuracy}, confusion: Int32Array(k*k), classes, trainMs}
//   diverged    {message, progress}              training stopped; the engine restored the last good weights
//   checkpoint  {bytes: ArrayBuffer, config, progress, reason}   for autosave (epoch end, pause, stop)
//   prediction  {id, probabilities: Float32Array}
//   predictions {id, labels: Uint8Array, predicted: Uint8Array, probabilities: Float32Array,
//                images: Uint8Array(n*rows*cols) | null, rows, cols}
//   weights     {id, layer, rows, cols, data: Float32Array}
//   model       {id, bytes: ArrayBuffer}
//   error       {id?, scope, message}            scope ∈ 'engine' | 'data' | 'config' | 'model' | 'train' | 'predict'

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
  PREDICT: 'predict',
  PREDICTIONS: 'predictions',
  WEIGHTS: 'weights',
  SAVE: 'save',
  LOAD_MODEL: 'loadModel',
  CRASH: 'crash',
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
  ERROR: 'error',
});

export const State = Object.freeze({
  IDLE: 'idle',
  RUNNING: 'running',
  PAUSED: 'paused',
  DIVERGED: 'diverged',
});

const KNOWN = new Set([...Object.values(ToWorker), ...Object.values(FromWorker)]);

/** Builds a message; throws on an unknown type so typos fail loudly on the sending side. */
export function message(type, payload = {}) {
  if (!KNOWN.has(type)) throw new Error(`protocol: unknown message type '${type}'`);
  return { type, ...payload };
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

/** Posts msg on target (a Worker or the worker's global scope), transferring its buffers. */
export function post(target, type, payload) {
  const msg = message(type, payload);
  target.postMessage(msg, transferList(msg));
}
