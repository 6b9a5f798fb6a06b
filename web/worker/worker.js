// The training worker's entry point: owns the WebAssembly engine, the data
// and the trainer; the page only sends requests and draws what comes back
// (web/shared/protocol.js). This file wires the parts to the worker's global
// scope: requests (requests.js) run one at a time in arrival order, each
// answered with its id, and the TrainingSession (training_session.js) gets
// one task per tick while it has work (after its delay, when a pace is set),
// so incoming requests are handled between chunks. The ExperimentQueue
// (experiment_queue.js) trains runs one after another on that session: it
// takes the ticks (passing them on to the session) and hears everything the
// session says.
//
// Liveness: a heartbeat every HEARTBEAT_MS (a timer, and between chunks),
// and before a call that may block longer, one that says for how long
// (busyMs), for the page's watchdog (web/page/app/watchdog.js). An error
// that neither the engine nor the worker reported (no `kind`: a wasm trap, a
// RangeError) leaves the engine in an unknown state: the worker says `fatal`
// and closes, and the page starts another.
//
// Test hooks (crash, close, hang, memory) are answered only by a worker
// started with `?testHooks` in its URL, which only the browser tests ask for.
import { createEngine } from '../wasm/engine.mjs';
import {
  REQUESTS,
  answerMessage,
  checkRequest,
  eventMessage,
  failureMessage,
  transferList,
} from '../shared/protocol.js';
import { isReported } from './errors.js';
import { ExperimentQueue } from './experiment_queue.js';
import { Inspector } from './inspection.js';
import { requestHandlers, threadsInfo } from './requests.js';
import { TrainingSession } from './training_session.js';

/** @import { Emit } from './training_session.js' */

/** The worker's global scope (the page's lib types describe a window, not a worker). */
const scope = /** @type {{ postMessage(message: unknown, transfer: Transferable[]): void, close(): void,
  onmessage: ((event: MessageEvent) => void) | null }} */ (/** @type {unknown} */ (self));
const SITE_URL = new URL('../', import.meta.url);
const TEST_HOOKS = new URL(import.meta.url).searchParams.has('testHooks');
export const HEARTBEAT_MS = 250;

/** @param {object} msg */
const post = (msg) => scope.postMessage(msg, transferList(msg));
/** @type {Emit} */
const emit = (type, payload) => post(eventMessage(type, payload));

let lastBeat = 0;
function beat(busyMs = 0) {
  lastBeat = performance.now();
  emit('heartbeat', busyMs ? { busyMs } : {});
}
const beats = setInterval(() => {
  if (performance.now() - lastBeat >= HEARTBEAT_MS - 20) beat();
}, HEARTBEAT_MS);
beat();

let experiments = null; // the ExperimentQueue, once the engine is loaded
let engine = null; // the loaded engine
const session = new TrainingSession({
  parameterCount: (layers) => engine.parameterCount(layers),
  emit(type, payload) {
    emit(type, payload);
    experiments?.observe(type, payload);
    if (type === 'epoch') inspector.epochEnded(payload); // the inspector hears of each epoch's end
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
    emit('fatal', { message: err?.message ?? String(err) });
  } finally {
    scope.close();
  }
}

// A MessageChannel gives a zero-delay task (setTimeout(0) is clamped to 4 ms
// when nested); messages from the page are queued as tasks too, so they run
// between ticks. A paced run waits with a timer instead.
const ticks = new MessageChannel();
let scheduled = false;
/** @type {ReturnType<typeof setTimeout> | 0} */
let timer = 0;
function tick() {
  scheduled = false;
  timer = 0;
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
}
ticks.port1.onmessage = tick;
function schedule() {
  if (scheduled || dead || !(runner().wantsTick || inspector.wantsTick)) return;
  scheduled = true;
  const delay = inspector.wantsTick ? 0 : session.delayMs;
  if (delay > 0) timer = setTimeout(tick, delay);
  else ticks.port2.postMessage(0);
}
// A request (a new pace, a pause) may change the wait: the next tick is planned again.
function reschedule() {
  if (timer) {
    clearTimeout(timer);
    timer = 0;
    scheduled = false;
  }
  schedule();
}

let handlers = null;
// The threaded build where the page is cross-origin isolated, else the
// single-threaded one (engine.mjs decides, and says why).
const ready = createEngine().then((loaded) => {
  engine = loaded;
  experiments = new ExperimentQueue({
    session,
    emit,
    createTrainer: (config) => engine.createTrainer(config),
    loadModel: (bytes) => engine.loadModel(bytes),
    validateConfig: (config) => engine.validateConfig(config),
    validateRange: (options) => engine.validateLrRange(options),
    onBusy: beat,
    parameterCount: (layers) => engine.parameterCount(layers),
    rangeBatches: () => engine.lrRangeDefaults().batches,
  });
  handlers = requestHandlers({ engine, session, experiments, inspector, emit, siteUrl: SITE_URL, onBusy: beat });
  emit('ready', {
    simd: Boolean(engine.simd),
    eigenVectorized: Boolean(engine.eigenVectorized),
    threads: threadsInfo(engine),
    schema: engine.schema(),
    presets: engine.presets(),
    constants: engine.constants(),
    spikeRule: engine.spikeRule(),
  });
});
ready.catch((err) => {
  emit('error', { scope: 'engine', message: `the WebAssembly engine failed to start: ${err?.message ?? err}` });
});

// Requests run one at a time in arrival order (data loading is async).
let queue = Promise.resolve();
scope.onmessage = (event) => {
  let msg;
  try {
    msg = checkRequest(event.data, { testHooks: TEST_HOOKS });
  } catch (err) {
    const id = event.data?.id;
    if (Number.isInteger(id)) post(failureMessage(id, 'engine', { kind: 'ProtocolError', message: err.message }));
    else emit('error', { scope: 'engine', kind: 'ProtocolError', message: err.message });
    return;
  }
  const { type, id, ...payload } = msg;
  queue = queue
    .then(() => ready)
    .then(async () => {
      if (dead) return;
      const value = await handlers[type](/** @type {any} */ (payload));
      post(answerMessage(type, id, value ?? null));
    })
    .catch((err) => (isReported(err) ? post(failureMessage(id, REQUESTS[type].scope, err)) : fatal(err)))
    .finally(() => {
      experiments?.checkTrainer(); // a request that replaced the queue's trainer ends the queue
      reschedule();
    });
};
