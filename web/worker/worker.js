// The training worker's entry point: owns the WebAssembly engine, the data
// and the trainer; the page only sends requests and draws what comes back
// (web/shared/protocol.js). This file wires the parts to the worker's global
// scope: requests (requests.js) run one at a time in arrival order, and the
// TrainingSession (training_session.js) gets one task per tick while it has
// work, so incoming requests are handled between chunks.
import { createEngine } from '../wasm/engine.mjs';
import { FromWorker, ToWorker, check, post } from '../shared/protocol.js';
import { SCOPES, requestHandlers, threadsInfo } from './requests.js';
import { TrainingSession } from './training_session.js';

const SITE_URL = new URL('../', import.meta.url);

const emit = (type, payload) => post(self, type, payload);
const session = new TrainingSession({ emit });

// A MessageChannel gives a zero-delay task (setTimeout(0) is clamped to 4 ms
// when nested); messages from the page are queued as tasks too, so they run
// between ticks.
const ticks = new MessageChannel();
let scheduled = false;
ticks.port1.onmessage = () => {
  scheduled = false;
  session.tick();
  schedule();
};
function schedule() {
  if (!scheduled && session.wantsTick) {
    scheduled = true;
    ticks.port2.postMessage(0);
  }
}

let handlers = null;
// The threaded build where the page is cross-origin isolated, else the
// single-threaded one (engine.mjs decides, and says why).
const ready = createEngine().then((engine) => {
  handlers = requestHandlers({ engine, session, emit, siteUrl: SITE_URL });
  emit(FromWorker.READY, {
    simd: Boolean(engine.simd),
    eigenVectorized: Boolean(engine.eigenVectorized),
    threads: threadsInfo(engine),
    schema: engine.schema(),
    presets: engine.presets(),
  });
});
ready.catch((err) => {
  emit(FromWorker.ERROR, { scope: 'engine', message: `the WebAssembly engine failed to start: ${err?.message ?? err}` });
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
    .then(() => handlers[msg.type](msg))
    .catch((err) => answerError(msg, SCOPES[msg.type] ?? 'train', err))
    .finally(schedule);
};
