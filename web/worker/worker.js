// The training worker: owns the WebAssembly engine, the data and the trainer.
// The page only sends requests and draws what comes back (see protocol.js).
//
// Training runs in chunks of a few batches, each ~CHUNK_MS of work, scheduled
// as separate tasks; incoming messages (pause, step, stop, learning rate,
// predictions) are handled between chunks, so they take effect within one chunk.
// The number of batches per chunk adapts to the measured time per batch.
import { createEngine } from '../wasm/engine.mjs';
import { parameterCount } from '../shared/layers.js';
import { FromWorker, State, ToWorker, check, post } from '../shared/protocol.js';

const CHUNK_MS = 25;
const MAX_BATCHES_PER_CHUNK = 4096;
const CACHE_NAME = 'mnist-data-v1';
const VALIDATION_SIZE = 10000;

const send = (type, payload) => post(self, type, payload);

let engine = null;
let dataInfo = null;
let trainer = null;
let state = State.IDLE;
let stopAtEpoch = Infinity; // absolute epoch count at which training stops
let stepsLeft = Infinity; // batches left to train before pausing (1 for a single step)
let lrDecay = 1; // η ← lrDecay·η after each epoch
let batchesPerChunk = 1;
let scheduled = false;
// The end-of-epoch evaluation, one split per task so that requests (pause,
// stop, predictions) still get answered between them: { r, t0, train, splits, results }.
let pendingEval = null;
// Epoch accumulators for the training loss/accuracy reported at each epoch end.
let epochSum = { loss: 0, correct: 0, samples: 0 };
// Wall time spent running (training + evaluation), and a sliding window for samples/s.
let runMs = 0;
let rate = [];

// ---- Scheduling --------------------------------------------------------------
// A MessageChannel gives a zero-delay task (setTimeout(0) is clamped to 4 ms
// when nested); messages from the page are queued as tasks too, so they run
// between chunks.
const tickChannel = new MessageChannel();
tickChannel.port1.onmessage = () => {
  scheduled = false;
  if (pendingEval) evaluateStep();
  else tick();
};
function schedule() {
  if (!scheduled && (state === State.RUNNING || pendingEval)) {
    scheduled = true;
    tickChannel.port2.postMessage(0);
  }
}

function setState(next, message) {
  state = next;
  send(FromWorker.STATUS, { state, message });
}

function resetEpochSum() {
  epochSum = { loss: 0, correct: 0, samples: 0 };
}

function trainerInfo(reason, id) {
  const config = trainer.config();
  return { id, config, progress: trainer.progress(), parameters: parameterCount(config.layers), reason, runMs };
}

function checkpoint(reason) {
  if (!trainer) return;
  const bytes = trainer.save();
  send(FromWorker.CHECKPOINT, {
    bytes: bytes.buffer,
    config: trainer.config(),
    progress: trainer.progress(),
    runMs,
    reason,
  });
}

function tick() {
  if (state !== State.RUNNING || !trainer) return;
  const t0 = performance.now();
  const n = Math.max(1, Math.min(batchesPerChunk, stepsLeft));
  let r;
  try {
    r = trainer.trainBatches(n);
  } catch (err) {
    runMs += performance.now() - t0;
    diverged(err);
    return;
  }
  const trainMs = performance.now() - t0;
  runMs += trainMs;

  // Aim the next chunk at CHUNK_MS, moving halfway there to damp noise.
  if (r.batches > 0) {
    const target = (CHUNK_MS * r.batches) / Math.max(trainMs, 0.05);
    batchesPerChunk = Math.max(1, Math.min(MAX_BATCHES_PER_CHUNK, Math.round((batchesPerChunk + target) / 2)));
  }
  rate.push({ samples: r.samples, ms: trainMs });
  if (rate.length > 40) rate.shift();
  const rs = rate.reduce((a, b) => ({ samples: a.samples + b.samples, ms: a.ms + b.ms }), { samples: 0, ms: 0 });

  epochSum.loss += r.loss * r.samples;
  epochSum.correct += r.accuracy * r.samples;
  epochSum.samples += r.samples;
  if (Number.isFinite(stepsLeft)) stepsLeft -= r.batches;

  // The batches of this chunk all belong to one epoch (a chunk stops at an
  // epoch's end); position p of batch i is epochIndex + (batch number)/batchesPerEpoch.
  const bpe = r.batchesPerEpoch;
  const epochIndex = r.epochFinished ? r.epoch - 1 : r.epoch;
  const lastBatch = r.epochFinished ? bpe : r.batchInEpoch;
  send(FromWorker.CHUNK, {
    firstStep: r.step - r.batches + 1,
    epochIndex,
    firstBatch: lastBatch - r.batches + 1,
    batchLoss: r.batchLoss,
    batchAccuracy: r.batchAccuracy,
    samples: r.samples,
    epoch: r.epoch,
    batchInEpoch: r.batchInEpoch,
    batchesPerEpoch: bpe,
    step: r.step,
    trainMs,
    runMs,
    samplesPerSecond: rs.ms > 0 ? (1000 * rs.samples) / rs.ms : 0,
    batchesPerChunk: n,
  });

  if (r.epochFinished) {
    startEvaluation(r);
    return;
  }
  afterChunk(r);
}

// What follows a chunk (or an epoch's evaluation): stop at the target, pause after a step, or go on.
function afterChunk(r) {
  if (r.epoch >= stopAtEpoch) {
    stopAtEpoch = Infinity;
    stepsLeft = Infinity;
    setState(State.IDLE, 'finished');
    checkpoint('finished');
    return;
  }
  if (stepsLeft <= 0) {
    stepsLeft = Infinity;
    if (state === State.RUNNING) setState(State.PAUSED, 'step');
    return;
  }
  schedule();
}

function startEvaluation(r) {
  const train = epochSum.samples > 0
    ? { loss: epochSum.loss / epochSum.samples, accuracy: epochSum.correct / epochSum.samples, count: epochSum.samples }
    : null;
  resetEpochSum();
  const splits = dataInfo.validation > 0 ? ['validation', 'test'] : ['test'];
  pendingEval = { r, train, splits, results: {}, evalMs: 0, trainer };
  schedule();
}

function evaluateStep() {
  const job = pendingEval;
  if (job.trainer !== trainer) {
    pendingEval = null; // the model was replaced meanwhile
    return;
  }
  const t0 = performance.now();
  const split = job.splits.shift();
  try {
    job.results[split] = trainer.evaluate(split);
  } catch (err) {
    pendingEval = null;
    stopTraining();
    send(FromWorker.ERROR, { scope: 'train', kind: err.kind, message: `evaluating the ${split} set failed: ${err.message}` });
    return;
  }
  const ms = performance.now() - t0;
  job.evalMs += ms;
  runMs += ms;
  if (job.splits.length > 0) {
    schedule();
    return;
  }
  pendingEval = null;
  const { r, train, results } = job;
  const brief = (e) => (e ? { loss: e.loss, accuracy: e.accuracy, count: e.count } : null);
  send(FromWorker.EPOCH, {
    epoch: r.epoch,
    step: r.step,
    train,
    validation: brief(results.validation),
    test: brief(results.test),
    confusion: results.test.confusion,
    classes: Math.round(Math.sqrt(results.test.confusion.length)),
    evalMs: job.evalMs,
    runMs,
  });
  if (lrDecay < 1) {
    trainer.setLearningRate(trainer.config().learningRate * lrDecay);
    send(FromWorker.TRAINER, trainerInfo('schedule'));
  }
  checkpoint('epoch');
  // Paused or stopped meanwhile: the evaluation was still finished, training is not resumed.
  if (state === State.RUNNING) afterChunk(r);
}

function diverged(err) {
  stopAtEpoch = Infinity;
  stepsLeft = Infinity;
  resetEpochSum();
  const progress = trainer.progress();
  state = State.DIVERGED;
  send(FromWorker.DIVERGED, { message: err.message, kind: err.kind, progress });
  send(FromWorker.STATUS, { state, message: err.message });
}

// ---- Data --------------------------------------------------------------------

const isGzip = (bytes) => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

async function gunzip(blobOrBytes) {
  const stream = new Blob([blobOrBytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function openCache() {
  try {
    return self.caches ? await caches.open(CACHE_NAME) : null;
  } catch {
    return null; // e.g. storage disabled: download every time
  }
}

// Reads a response body, reporting each chunk's size.
async function readWithProgress(response, onBytes) {
  const reader = response.body.getReader();
  const chunks = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    onBytes(value.length);
  }
  return new Blob(chunks);
}

async function loadMnist() {
  const manifestUrl = new URL('../data/manifest.json', import.meta.url);
  const res = await fetch(manifestUrl, { cache: 'no-cache' });
  if (!res.ok) throw new Error(`cannot load the data manifest (${res.status} ${res.statusText})`);
  const manifest = await res.json();
  const cache = await openCache();
  const total = manifest.totalGzBytes;
  let loaded = 0;
  let cachedFiles = 0;
  let lastReport = 0;
  const report = (file, force = false) => {
    const now = performance.now();
    if (force || now - lastReport > 50) {
      lastReport = now;
      send(FromWorker.DATA_PROGRESS, { loaded, total, file, cached: cachedFiles });
    }
  };
  report(manifest.files[0].name, true);

  const raw = {};
  const keep = new Set();
  for (const f of manifest.files) {
    const url = new URL(`../data/${f.url}`, import.meta.url);
    // The hash in the key invalidates the cached copy when the data changes.
    const key = `${url.href}?sha256=${f.sha256}`;
    keep.add(key);
    let gz = null;
    const hit = cache && (await cache.match(key));
    if (hit) {
      gz = await hit.blob();
      loaded += gz.size;
      cachedFiles++;
      report(f.name, true);
    } else {
      const r = await fetch(url);
      if (!r.ok) throw new Error(`cannot download ${f.url} (${r.status} ${r.statusText})`);
      gz = await readWithProgress(r, (n) => {
        loaded += n;
        report(f.name);
      });
    }
    const bytes = await gunzip(gz);
    const hash = await sha256Hex(bytes);
    if (bytes.length !== f.size || hash !== f.sha256) {
      if (hit) await cache.delete(key);
      throw new Error(
        `${f.name}: integrity check failed (got ${bytes.length} bytes, SHA-256 ${hash.slice(0, 12)}…; ` +
          `expected ${f.size} bytes, ${f.sha256.slice(0, 12)}…). Reload to download it again.`,
      );
    }
    if (!hit && cache) {
      try {
        await cache.put(key, new Response(gz, { headers: { 'Content-Type': 'application/gzip' } }));
      } catch {
        // Quota exceeded or storage disabled: keep going without a cache.
      }
    }
    raw[f.role] = bytes;
  }
  report('', true);
  if (cache) {
    for (const req of await cache.keys()) if (!keep.has(req.url)) await cache.delete(req);
  }
  const info = engine.loadData({ ...raw, validation: VALIDATION_SIZE });
  dataLoaded(info);
  send(FromWorker.DATA_READY, { info, source: manifest.dataset, cached: cachedFiles === manifest.files.length });
}

async function loadIdx(msg) {
  const roles = ['trainImages', 'trainLabels', 'testImages', 'testLabels'];
  const raw = {};
  for (const role of roles) {
    if (!(msg[role] instanceof ArrayBuffer)) throw new Error(`${role}: no file given`);
    let bytes = new Uint8Array(msg[role]);
    if (isGzip(bytes)) {
      try {
        bytes = await gunzip(bytes);
      } catch {
        throw new Error(`${role}: the file looks gzip-compressed but does not decompress`);
      }
    }
    raw[role] = bytes;
  }
  const info = engine.loadData({ ...raw, validation: msg.validation });
  dataLoaded(info);
  send(FromWorker.DATA_READY, { id: msg.id, info, source: 'your IDX files', cached: false });
}

function dataLoaded(info) {
  dataInfo = info;
  // The engine shares its data with existing trainers; one whose input size
  // no longer matches the images cannot go on.
  if (trainer && trainer.config().layers[0] !== info.rows * info.cols) {
    stopTraining();
    trainer.delete();
    trainer = null;
    send(FromWorker.TRAINER, { config: null, progress: null, parameters: 0, reason: 'data-changed', runMs });
  }
}

// ---- Requests ----------------------------------------------------------------

function requireTrainer() {
  if (!trainer) throw new Error('there is no model yet: train one or load a saved one');
  return trainer;
}

function stopTraining() {
  stopAtEpoch = Infinity;
  stepsLeft = Infinity;
  if (state === State.RUNNING) setState(State.PAUSED);
}

function replaceTrainer(next) {
  stopTraining();
  pendingEval = null;
  if (trainer) trainer.delete();
  trainer = next;
  batchesPerChunk = 1;
  rate = [];
  resetEpochSum();
  if (state !== State.IDLE) setState(State.IDLE);
}

const handlers = {
  async [ToWorker.LOAD_MNIST]() {
    await loadMnist();
  },
  async [ToWorker.LOAD_IDX](msg) {
    await loadIdx(msg);
  },
  [ToWorker.CREATE](msg) {
    const next = engine.createTrainer(msg.config);
    runMs = msg.runMs ?? 0;
    replaceTrainer(next);
    send(FromWorker.TRAINER, trainerInfo('created', msg.id));
  },
  [ToWorker.LOAD_MODEL](msg) {
    const next = engine.loadModel(new Uint8Array(msg.bytes));
    if (dataInfo && next.config().layers[0] !== dataInfo.rows * dataInfo.cols) {
      const inputs = next.config().layers[0];
      next.delete();
      throw new Error(
        `this model takes ${inputs} inputs but the loaded images have ${dataInfo.rows}×${dataInfo.cols} = ${dataInfo.rows * dataInfo.cols} pixels`,
      );
    }
    runMs = msg.runMs ?? 0;
    replaceTrainer(next);
    send(FromWorker.TRAINER, trainerInfo(msg.reason ?? 'loaded', msg.id));
  },
  [ToWorker.TRAIN](msg) {
    const t = requireTrainer();
    if (!dataInfo) throw new Error('the data is not loaded yet');
    if (msg.lrDecay !== undefined) lrDecay = msg.lrDecay;
    // A resume keeps the target of the interrupted run, if it had one.
    if (!(msg.resume && Number.isFinite(stopAtEpoch))) stopAtEpoch = t.progress().epoch + Math.max(1, msg.epochs | 0);
    stepsLeft = Infinity;
    setState(State.RUNNING);
    schedule();
  },
  [ToWorker.PAUSE]() {
    if (state !== State.RUNNING) return;
    setState(State.PAUSED);
    checkpoint('pause');
  },
  [ToWorker.STEP]() {
    requireTrainer();
    if (state === State.RUNNING) return;
    stepsLeft = 1;
    setState(State.RUNNING);
    schedule();
  },
  [ToWorker.STOP]() {
    const wasActive = state === State.RUNNING || state === State.PAUSED;
    stopAtEpoch = Infinity;
    stepsLeft = Infinity;
    if (state !== State.IDLE) setState(State.IDLE, 'stopped');
    if (wasActive) checkpoint('stop');
  },
  [ToWorker.SET_LEARNING_RATE](msg) {
    requireTrainer().setLearningRate(msg.learningRate);
    send(FromWorker.TRAINER, trainerInfo('learning-rate', msg.id));
  },
  [ToWorker.SET_OPTIMIZER](msg) {
    requireTrainer().setOptimizer(msg.optimizer);
    send(FromWorker.TRAINER, trainerInfo('optimizer', msg.id));
  },
  [ToWorker.SET_SCHEDULE](msg) {
    lrDecay = msg.lrDecay;
  },
  [ToWorker.PREDICT](msg) {
    const probabilities = requireTrainer().predict(msg.image);
    send(FromWorker.PREDICTION, { id: msg.id, probabilities });
  },
  [ToWorker.PREDICT_TEST_SET](msg) {
    const p = requireTrainer().predictSplit('test');
    const images = msg.withImages ? engine.splitImages('test', 0, dataInfo.test) : null;
    send(FromWorker.PREDICTIONS, {
      id: msg.id,
      labels: p.labels,
      predicted: p.predicted,
      probabilities: p.probabilities,
      images,
      rows: dataInfo.rows,
      cols: dataInfo.cols,
    });
  },
  [ToWorker.GET_WEIGHTS](msg) {
    const w = requireTrainer().layerWeights(msg.layer ?? 0);
    send(FromWorker.WEIGHTS, { id: msg.id, layer: msg.layer ?? 0, rows: w.rows, cols: w.cols, data: w.data });
  },
  [ToWorker.SAVE](msg) {
    const bytes = requireTrainer().save();
    send(FromWorker.MODEL, { id: msg.id, bytes: bytes.buffer });
  },
  [ToWorker.CRASH]() {
    // Test hook: an uncaught error, as a real crash would be.
    setTimeout(() => {
      throw new Error('simulated worker crash');
    });
  },
};

const SCOPES = {
  [ToWorker.LOAD_MNIST]: 'data',
  [ToWorker.LOAD_IDX]: 'data',
  [ToWorker.CREATE]: 'config',
  [ToWorker.LOAD_MODEL]: 'model',
  [ToWorker.SET_LEARNING_RATE]: 'config',
  [ToWorker.SET_OPTIMIZER]: 'config',
  [ToWorker.PREDICT]: 'predict',
  [ToWorker.PREDICT_TEST_SET]: 'predict',
  [ToWorker.GET_WEIGHTS]: 'predict',
};

// Requests run one at a time in arrival order (data loading is async).
let queue = Promise.resolve();
const ready = createEngine().then((e) => {
  engine = e;
  send(FromWorker.READY, { simd: Boolean(e.simd), eigenVectorized: Boolean(e.eigenVectorized), threads: false });
});
ready.catch((err) => {
  send(FromWorker.ERROR, { scope: 'engine', message: `the WebAssembly engine failed to start: ${err?.message ?? err}` });
});

self.onmessage = (event) => {
  const msg = event.data;
  try {
    check(msg, ToWorker);
  } catch (err) {
    send(FromWorker.ERROR, { id: Number.isInteger(msg?.id) ? msg.id : undefined, scope: 'engine', message: err.message });
    return;
  }
  const handler = handlers[msg.type];
  queue = queue
    .then(() => ready)
    .then(() => handler(msg))
    .catch((err) => {
      send(FromWorker.ERROR, {
        id: msg.id,
        request: msg.type,
        scope: SCOPES[msg.type] ?? 'train',
        kind: typeof err?.kind === 'string' ? err.kind : undefined,
        message: err?.message ?? String(err),
      });
    });
};
