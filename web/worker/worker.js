// The training worker's entry point: owns the WebAssembly engine, the data
// and the trainer; the page only sends requests and draws what comes back
// (web/shared/protocol.js). This file wires the parts to the worker's global
// scope: requests (requests.js) run one at a time in arrival order, and the
// TrainingSession (training_session.js) gets one task per tick while it has
// work, so incoming requests are handled between chunks. The ExperimentQueue
// (experiment_queue.js) trains runs one after another on that session: it
// takes the ticks (passing them on to the session) and hears everything the
// session says.
//
// Liveness: a heartbeat every HEARTBEAT_MS (a timer, and between chunks),
// and before a call that may block longer, one that says for how long
// (busyMs), for the page's watchdog (web/page/watchdog.js). An error that
// the engine did not report (no `kind`: a wasm trap, a RangeError) leaves
// the engine in an unknown state: the worker says `fatal` and closes, and
// the page starts another.
import { createEngine } from '../wasm/engine.mjs';
import { FromWorker, ToWorker, check, post } from '../shared/protocol.js';
import { ExperimentQueue } from './experiment_queue.js';
import { Inspector } from './inspection.js';
import { SCOPES, requestHandlers, threadsInfo } from './requests.js';
import { TrainingSession, isReported } from './training_session.js';

const SITE_URL = new URL('../', import.meta.url);
export const HEARTBEAT_MS = 250;

const emit = (type, payload) => post(self, type, payload);
let lastBeat = 0;
function beat(busyMs) {
  lastBeat = performance.now();
  emit(FromWorker.HEARTBEAT, busyMs ? { busyMs } : {});
}
const beats = setInterval(() => {
  if (performance.now() - lastBeat >= HEARTBEAT_MS - 20) beat();
}, HEARTBEAT_MS);
beat();

let experiments = null; // the ExperimentQueue, once the engine is loaded
const session = new TrainingSession({
  emit(type, payload) {
    emit(type, payload);
    experiments?.observe(type, payload);
    if (type === FromWorker.EPOCH) inspector.epochEnded(payload); // the inspector hears of each epoch's end
  },
  onBusy: beat,
});
const inspector = new Inspector({ emit, session });
const runner = () => experiments ?? session;

let dead = false;
function fatal(err) {
  if (dead) return;
  dead = true;
  clearInterval(beats);
  try {
    emit(FromWorker.FATAL, { message: err?.message ?? String(err) });
  } finally {
    self.close();
  }
}

// A MessageChannel gives a zero-delay task (setTimeout(0) is clamped to 4 ms
// when nested); messages from the page are queued as tasks too, so they run
// between ticks.
const ticks = new MessageChannel();
let scheduled = false;
ticks.port1.onmessage = () => {
  scheduled = false;
  if (dead) return;
  try {
    if (inspector.wantsTick) inspector.tick();
    else {
      inspector.trainingMoved();
      runner().tick();
    }
  } catch (err) {
    fatal(err);
    return;
  }
  if (performance.now() - lastBeat >= HEARTBEAT_MS) beat();
  schedule();
};
function schedule() {
  if (!scheduled && !dead && (runner().wantsTick || inspector.wantsTick)) {
    scheduled = true;
    ticks.port2.postMessage(0);
  }
}

let handlers = null;
// The threaded build where the page is cross-origin isolated, else the
// single-threaded one (engine.mjs decides, and says why).
const ready = createEngine().then((engine) => {
  experiments = new ExperimentQueue({
    session,
    emit,
    createTrainer: (config) => engine.createTrainer(config),
    loadModel: (bytes) => engine.loadModel(bytes),
    validateConfig: (config) => engine.validateConfig(config),
  });
  handlers = requestHandlers({ engine, session, experiments, inspector, emit, siteUrl: SITE_URL, onBusy: beat });
  emit(FromWorker.READY, {
    simd: Boolean(engine.simd),
    eigenVectorized: Boolean(engine.eigenVectorized),
    threads: threadsInfo(engine),
    schema: engine.schema(),
    presets: engine.presets(),
    limits: engine.limits(),
  });
});
ready.catch((err) => {
  emit(FromWorker.ERROR, {
    scope: 'engine',
    message: `the WebAssembly engine failed to start: ${err?.message ?? err}`,
  });
});

const answerError = (msg, scope, err) =>
  emit(FromWorker.ERROR, {
    id: Number.isInteger(msg?.id) ? msg.id : undefined,
    request: typeof msg?.type === 'string' ? msg.type : undefined,
    scope,
    kind: typeof err?.kind === 'string' ? err.kind : undefined,
    message: err?.message ?? String(err),
  });

// Requests run one at a time in arrival order (data loading is async).
let queue = Promise.resolve();
self.onmessage = (event) => {
  const msg = event.data;
  try {
    check(msg, ToWorker);
  } catch (err) {
    answerError(msg, 'engine', err);
    return;
  }
  queue = queue
    .then(() => ready)
    .then(() => (dead ? undefined : handlers[msg.type](msg)))
    .catch((err) => (isReported(err) ? answerError(msg, SCOPES[msg.type] ?? 'train', err) : fatal(err)))
    .finally(() => {
      experiments?.checkTrainer(); // a request that replaced the queue's trainer ends the queue
      schedule();
    });
};
