// Unit tests for web/shared/protocol.js (and the runtime types of
// web/shared/schema.js): every request and event has a table, and the
// checks hold every message to it, on sending and on receipt.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  EVENTS,
  ProtocolError,
  REQUESTS,
  State,
  answerMessage,
  checkFromWorker,
  checkRequest,
  eventMessage,
  failureMessage,
  requestMessage,
  transferList,
} from '../../web/shared/protocol.js';

const progress = { epoch: 1, batchInEpoch: 2, batchesPerEpoch: 391, step: 393 };
const config = {
  layers: [784, 20, 10],
  activation: 'sigmoid',
  loss: 'sigmoid-bce',
  optimizer: 'sgd',
  learningRate: 0.001,
  momentum: 0.9,
  batchSize: 128,
  l2: 0,
  seed: 1,
  gradient: 'sum',
};
const chunk = () => ({
  firstStep: 1,
  epochIndex: 0,
  firstBatch: 1,
  batchLoss: new Float32Array(4),
  batchAccuracy: new Float32Array(4),
  samples: 512,
  epoch: 0,
  batchInEpoch: 4,
  batchesPerEpoch: 391,
  step: 4,
  trainMs: 12.5,
  runMs: 40.25,
  samplesPerSecond: 40960,
  batchesPerChunk: 4,
});
// The page's side of a received message: the request each pending id is for.
const receive = (msg, pending = {}) => checkFromWorker(msg, (id) => pending[id]);

test('every request and event has a table; no name is both, none is an envelope', () => {
  const requests = Object.keys(REQUESTS);
  const events = Object.keys(EVENTS);
  assert.ok(requests.length >= 25 && events.length >= 14);
  assert.equal(new Set([...requests, ...events]).size, requests.length + events.length);
  for (const name of ['answer', 'failure']) assert.ok(!requests.includes(name) && !events.includes(name), name);
  for (const [name, r] of Object.entries(REQUESTS)) {
    assert.equal(typeof r.answer.check, 'function', `${name}'s answer`);
    assert.match(r.scope, /^(engine|data|config|model|train|predict)$/, `${name}'s scope`);
    for (const [field, t] of Object.entries(r.payload)) assert.equal(typeof t.check, 'function', `${name}.${field}`);
  }
  for (const [name, fields] of Object.entries(EVENTS))
    for (const [field, t] of Object.entries(fields)) assert.equal(typeof t.check, 'function', `${name}.${field}`);
});

test('a valid message is built with its type and id; undefined optional fields are left out', () => {
  const m = eventMessage('chunk', chunk());
  assert.equal(m.type, 'chunk');
  assert.equal(m.runMs, 40.25);
  const e = eventMessage('error', { scope: 'data', message: 'no manifest', kind: undefined });
  assert.deepEqual(e, { type: 'error', scope: 'data', message: 'no manifest' });
  assert.deepEqual(requestMessage('pause', 7, {}), { type: 'pause', id: 7 });
  assert.deepEqual(requestMessage('train', 8, { epochs: 3, lrDecay: undefined }), { type: 'train', id: 8, epochs: 3 });
});

test('an unknown request or event is refused', () => {
  assert.throws(() => requestMessage(/** @type {any} */ ('trian'), 1, {}), /protocol: unknown request 'trian'/);
  assert.throws(() => checkRequest({ type: 'trian', id: 1 }), /unknown request 'trian'/);
  assert.throws(() => checkRequest({ nope: 1 }), /unknown request undefined/);
  assert.throws(() => checkRequest('pause'), /must be a plain object/);
  assert.throws(() => eventMessage(/** @type {any} */ ('finished'), {}), /unknown event 'finished'/);
  assert.throws(() => receive({ type: 'finished' }), /unknown event 'finished'/);
  assert.throws(() => checkRequest({ type: 'pause' }), /pause: the id must be an integer, not undefined/);
});

test('an unknown field is refused, naming it', () => {
  // The drift this replaces: setLearningRate was documented as {lr}.
  assert.throws(
    () => requestMessage('setLearningRate', 1, /** @type {any} */ ({ lr: 0.1 })),
    /setLearningRate: missing field 'learningRate'/,
  );
  assert.throws(
    () => requestMessage('setLearningRate', 1, /** @type {any} */ ({ learningRate: 0.1, lr: 0.1 })),
    (err) => err instanceof ProtocolError && /setLearningRate: unknown field 'lr'/.test(err.message),
  );
  assert.throws(
    () => checkRequest({ type: 'pause', id: 1, now: true, later: 1 }),
    /pause: unknown fields 'now', 'later'/,
  );
  assert.throws(() => receive({ type: 'status', state: 'idle', extra: 1 }), /status: unknown field 'extra'/);
});

test('a missing required field is refused; an optional one may be left out', () => {
  const { runMs, ...noRunMs } = chunk();
  assert.throws(() => eventMessage('chunk', /** @type {any} */ (noRunMs)), /chunk: missing field 'runMs' \(number\)/);
  assert.doesNotThrow(() => requestMessage('train', 1, { epochs: 3 }));
  assert.doesNotThrow(() => requestMessage('train', 1, { epochs: 3, lrDecay: 0.5, resume: true }));
  assert.throws(() => requestMessage('train', 1, /** @type {any} */ ({})), /train: missing field 'epochs'/);
});

test('a field of the wrong type is refused, saying what it is', () => {
  assert.throws(
    () => eventMessage('chunk', { ...chunk(), batchLoss: /** @type {any} */ ([0.5]) }),
    /chunk\.batchLoss must be Float32Array, not array/,
  );
  assert.throws(() => eventMessage('chunk', { ...chunk(), step: 4.5 }), /chunk\.step must be integer, not number 4\.5/);
  assert.throws(() => checkRequest({ type: 'train', id: 1, epochs: '3' }), /train\.epochs must be integer, not '3'/);
  assert.throws(
    () => requestMessage('loadModel', 1, { bytes: /** @type {any} */ (new Uint8Array(4)) }),
    /loadModel\.bytes must be ArrayBuffer, not Uint8Array/,
  );
  assert.throws(
    () => requestMessage('predictSplit', 1, { withImages: /** @type {any} */ (1) }),
    /withImages must be boolean/,
  );
});

test('literal unions: the training state, the error scope, the pace', () => {
  for (const state of Object.values(State)) assert.doesNotThrow(() => eventMessage('status', { state }));
  assert.throws(
    () => eventMessage('status', { state: /** @type {any} */ ('finished') }),
    /status\.state must be 'idle' \| 'running' \| 'paused' \| 'diverged', not 'finished'/,
  );
  assert.throws(
    () => eventMessage('error', { scope: /** @type {any} */ ('network'), message: 'x' }),
    /error\.scope must be/,
  );
  assert.doesNotThrow(() => requestMessage('loadModel', 1, { bytes: new ArrayBuffer(8), reason: 'restored' }));
  assert.throws(
    () => requestMessage('loadModel', 1, { bytes: new ArrayBuffer(8), reason: /** @type {any} */ ('loaded') }),
    /loadModel\.reason/,
  );
  assert.doesNotThrow(() => requestMessage('setPace', 1, { pace: { kind: 'batch', ms: 100 } }));
  assert.throws(
    () => requestMessage('setPace', 1, { pace: { kind: /** @type {any} */ ('slow'), ms: 100 } }),
    /setPace\.pace\.kind must be 'full' \| 'epoch' \| 'batch', not 'slow'/,
  );
});

test('shapes check their fields (extra fields allowed) and can be null where the table says so', () => {
  const trainer = { config, progress, parameters: 15910, reason: /** @type {const} */ ('created'), runMs: 0 };
  assert.doesNotThrow(() => eventMessage('trainer', trainer));
  assert.doesNotThrow(() =>
    eventMessage('trainer', { ...trainer, progress: { ...progress, extra: 'from a newer engine' } }),
  );
  assert.doesNotThrow(() =>
    eventMessage('trainer', { ...trainer, config: null, progress: null, parameters: 0, reason: 'data-changed' }),
  );
  const { step, ...noStep } = progress;
  assert.throws(
    () => eventMessage('trainer', { ...trainer, progress: /** @type {any} */ (noStep) }),
    /trainer\.progress: missing field 'step'/,
  );
  // A config is the engine's: its fields are the schema's, checked by the engine (tests/wasm/config_schema.test.mjs).
  assert.throws(
    () => eventMessage('trainer', { ...trainer, config: /** @type {any} */ ([784, 20, 10]) }),
    /trainer\.config must be object \| null, not array/,
  );
  assert.throws(
    () => eventMessage('trainer', { ...trainer, progress: { ...progress, step: /** @type {any} */ ('4') } }),
    /trainer\.progress\.step must be integer, not '4'/,
  );
  assert.throws(
    () =>
      eventMessage('checkpoint', {
        bytes: new ArrayBuffer(1),
        config,
        progress: /** @type {any} */ (null),
        runMs: 1,
        reason: 'epoch',
      }),
    /checkpoint\.progress must be Progress/,
  );
  const metrics = { loss: 0.3, accuracy: 0.9, count: 10000 };
  const epoch = {
    epoch: 1,
    step: 391,
    train: null,
    validation: null,
    test: metrics,
    confusion: new Int32Array(100),
    classes: 10,
    evalMs: 80,
    runMs: 900,
  };
  assert.doesNotThrow(() => eventMessage('epoch', epoch));
  // A queue's run evaluates only what its figures need: the test set may be left out, with its confusion matrix.
  assert.doesNotThrow(() => eventMessage('epoch', { ...epoch, trainSet: metrics, test: null, confusion: null }));
  assert.throws(() => eventMessage('epoch', { ...epoch, test: undefined }), /epoch: missing field 'test'/);
  assert.throws(
    () => eventMessage('epoch', { ...epoch, trainSet: /** @type {any} */ ({ loss: 1 }) }),
    /epoch\.trainSet: missing field 'accuracy'/,
  );
  assert.throws(
    () => eventMessage('epoch', { ...epoch, test: /** @type {any} */ ({ loss: 0.3, accuracy: 0.9 }) }),
    /epoch\.test: missing field 'count'/,
  );
});

test('answers are checked against their request’s answer; failures carry the scope; no answer without a request', () => {
  const trainerInfo = { config, progress, parameters: 15910, runMs: 0 };
  const answer = answerMessage('create', 4, trainerInfo);
  assert.deepEqual(answer, { type: 'answer', id: 4, value: trainerInfo });
  assert.equal(receive(answer, { 4: 'create' }), answer);
  assert.throws(
    () => answerMessage('create', 4, /** @type {any} */ ({ ...trainerInfo, progress: null })),
    /create answer\.progress must be Progress, not null/,
  );
  // The page checks an answer against the request it answers.
  assert.throws(
    () => receive({ type: 'answer', id: 5, value: { probabilities: [0.5] } }, { 5: 'predict' }),
    /predict answer\.probabilities must be Float32Array, not array/,
  );
  assert.throws(
    () => receive({ type: 'answer', id: 6, value: null }),
    /an answer to no pending request \(id integer 6\)/,
  );
  const failure = failureMessage(7, 'config', { kind: 'ConfigError', message: 'the batch size must be in [1, 60000]' });
  assert.deepEqual(failure, {
    type: 'failure',
    id: 7,
    scope: 'config',
    kind: 'ConfigError',
    message: 'the batch size must be in [1, 60000]',
  });
  assert.equal(receive(failure, { 7: 'create' }), failure);
  assert.deepEqual(failureMessage(8, 'train', { message: 'x' }), {
    type: 'failure',
    id: 8,
    scope: 'train',
    message: 'x',
  });
});

test('the test hooks are requests only a worker started with them answers', () => {
  for (const hook of ['crash', 'close', 'hang', 'memory']) {
    assert.ok(REQUESTS[hook].testHook, hook);
    assert.throws(() => checkRequest({ type: hook, id: 1 }), new RegExp(`unknown request '${hook}'`));
    assert.doesNotThrow(() => checkRequest({ type: hook, id: 1 }, { testHooks: true }));
  }
  const production = Object.entries(REQUESTS)
    .filter(([, r]) => !r.testHook)
    .map(([name]) => name);
  assert.ok(production.includes('train') && !production.includes('crash'));
});

test('typed arrays and ArrayBuffers are transferred, once each, in events and in answers', () => {
  const loss = new Float32Array(4);
  const msg = eventMessage('chunk', { ...chunk(), batchLoss: loss, batchAccuracy: new Float32Array(loss.buffer) });
  assert.deepEqual(transferList(msg), [loss.buffer]);
  const model = answerMessage('save', 3, { bytes: new ArrayBuffer(8) });
  assert.equal(transferList(model).length, 1);
  assert.equal(transferList(requestMessage('stop', 1, {})).length, 0);
  const trace = answerMessage('traceDigit', 2, {
    hidden: [new Float32Array(20), new Float32Array(10)],
    logits: new Float32Array(10),
    probabilities: new Float32Array(10),
    predicted: 3,
    contributions: new Float32Array(20),
    bias: 0.5,
    step: 9,
  });
  assert.equal(transferList(trace).length, 5, 'the hidden layers inside the answer too');
});

test('the experiment queue’s messages', () => {
  const items = [{ config, epochs: 100, evaluate: { each: ['trainSet'], last: ['validation', 'test'] } }];
  assert.doesNotThrow(() => requestMessage('queueStart', 1, { queueId: 'q', items }));
  assert.doesNotThrow(() =>
    requestMessage('queueStart', 1, {
      queueId: 'q',
      items,
      start: 2,
      checkpoint: new ArrayBuffer(8),
      runMs: 5,
      paused: true,
    }),
  );
  assert.throws(
    () => requestMessage('queueStart', 1, { queueId: 'q', items: /** @type {any} */ ({}) }),
    /queueStart\.items must be array/,
  );
  assert.throws(
    () => requestMessage('queueStart', 1, /** @type {any} */ ({ items })),
    /queueStart: missing field 'queueId'/,
  );
  assert.equal(
    transferList(requestMessage('queueStart', 1, { queueId: 'q', items, checkpoint: new ArrayBuffer(8) })).length,
    1,
    'the checkpoint is transferred',
  );
  for (const type of /** @type {const} */ (['queuePause', 'queueResume', 'queueCancel']))
    assert.doesNotThrow(() => requestMessage(type, 1, {}));
  const q = {
    queueId: 'q',
    state: /** @type {const} */ ('running'),
    index: 0,
    total: 7,
    reason: /** @type {const} */ ('item-started'),
    resumed: true,
    progress,
  };
  assert.doesNotThrow(() => eventMessage('queue', q));
  assert.doesNotThrow(() =>
    eventMessage('queue', { ...q, reason: 'item-finished', outcome: 'diverged', message: 'the loss became NaN' }),
  );
  assert.throws(
    () => eventMessage('queue', { ...q, state: /** @type {any} */ ('idle') }),
    /queue\.state must be 'running' \| 'paused' \| 'finished' \| 'cancelled'/,
  );
  assert.throws(() => eventMessage('queue', { ...q, reason: /** @type {any} */ ('done') }), /queue\.reason must be/);
  assert.throws(
    () => eventMessage('queue', { ...q, outcome: /** @type {any} */ ('ok') }),
    /queue\.outcome must be 'done' \| 'diverged'/,
  );
});

test('models and data in other forms: their requests, answers and the class names of dataReady', () => {
  const csv = { train: new ArrayBuffer(8), trainName: 'train.csv', testShare: 0.2, validationShare: 0.1 };
  assert.doesNotThrow(() => requestMessage('loadCsv', 1, csv));
  assert.equal(
    transferList(requestMessage('loadCsv', 1, { ...csv, test: new ArrayBuffer(4), testName: 't.csv' })).length,
    2,
  );
  assert.throws(
    () => requestMessage('loadCsv', 1, /** @type {any} */ ({ ...csv, testShare: '20%' })),
    /loadCsv\.testShare must be/,
  );
  assert.throws(
    () =>
      requestMessage(
        'loadImageZip',
        1,
        /** @type {any} */ ({ zip: new ArrayBuffer(4), testShare: 0.2, validationShare: 0 }),
      ),
    /loadImageZip: missing field 'name'/,
  );
  const report = {
    train: 84,
    validation: 9,
    test: 30,
    skipped: 1,
    problems: ['a/x.txt: not a PNG or JPEG image'],
    classNames: ['a', 'b'],
  };
  assert.doesNotThrow(() => receive(answerMessage('loadImageZip', 3, report), { 3: 'loadImageZip' }));
  assert.doesNotThrow(() => receive(answerMessage('loadCsv', 4, { ...report, classNames: null }), { 4: 'loadCsv' }));
  assert.throws(
    () => receive({ type: 'answer', id: 5, value: { ...report, problems: 'none' } }, { 5: 'loadCsv' }),
    /loadCsv answer.*problems must be/,
  );
  const info = { train: 84, validation: 9, test: 30, rows: 28, cols: 28 };
  assert.doesNotThrow(() =>
    eventMessage('dataReady', { info, source: 'your images (s.zip)', cached: false, classNames: ['a', 'b'] }),
  );
  assert.doesNotThrow(() => eventMessage('dataReady', { info, source: 'MNIST', cached: true }));
  assert.throws(
    () => eventMessage('dataReady', { info, source: 'x', cached: false, classNames: /** @type {any} */ ([1, 2]) }),
    /dataReady\.classNames/,
  );
  // Model files: inspected, imported, exported.
  assert.doesNotThrow(() => requestMessage('inspectModelFile', 1, { bytes: new ArrayBuffer(8) }));
  assert.doesNotThrow(() =>
    requestMessage('loadForeignModel', 1, {
      bytes: new ArrayBuffer(8),
      name: 't.safetensors',
      options: { activation: 'tanh' },
    }),
  );
  const modelInfo = {
    kind: 'pytorch',
    layers: [784, 32, 10],
    dtype: 'F32',
    layerNames: ['0', '2'],
    missing: ['activation', 'loss'],
    parameters: 25450,
    activation: null,
    loss: null,
    config,
  };
  assert.doesNotThrow(() => receive({ type: 'answer', id: 6, value: modelInfo }, { 6: 'inspectModelFile' }));
  assert.throws(
    () => receive({ type: 'answer', id: 7, value: { ...modelInfo, kind: 'keras' } }, { 7: 'inspectModelFile' }),
    /kind must be 'ours' \| 'pytorch'/,
  );
  assert.doesNotThrow(() => requestMessage('exportOnnx', 1, {}));
  assert.doesNotThrow(() =>
    receive({ type: 'answer', id: 8, value: { bytes: new ArrayBuffer(8) } }, { 8: 'exportOnnx' }),
  );
});

test('the engine’s analysis: analyse and lrRangeTest, spikeRule in ready, lrFind in item-started, dynamics’ record fields', () => {
  // analyse: each part optional; the answer has the parts asked for.
  const payload = {
    spikes: [[0.5, 0.9, 0.86]],
    costs: [[784, 20, 10]],
    pareto: { points: [{ cost: 1, value: 0.9 }], minGainPerDoubling: 0.005 },
  };
  assert.deepEqual(requestMessage('analyse', 1, payload), { ...payload, type: 'analyse', id: 1 });
  assert.deepEqual(requestMessage('analyse', 2, { costs: [[784, 10]] }), {
    type: 'analyse',
    id: 2,
    costs: [[784, 10]],
  });
  assert.throws(
    () => requestMessage('analyse', 3, /** @type {any} */ ({ spike: [] })),
    /analyse: unknown field 'spike'/,
  );
  assert.throws(
    () => requestMessage('analyse', 3, /** @type {any} */ ({ costs: [[784, 20.5, 10]] })),
    /analyse\.costs\[0\]\[1\] must be integer, not number 20\.5/,
  );
  assert.throws(
    () =>
      requestMessage('analyse', 3, /** @type {any} */ ({ pareto: { points: [{ cost: 1 }], minGainPerDoubling: 0 } })),
    /analyse\.pareto\.points\[0\]: missing field 'value'/,
  );
  const answer = {
    spikes: [[{ epoch: 3, change: -0.04 }]],
    costs: [{ parameters: 15910, flopsPerSample: 95460 }],
    pareto: { front: [0], knee: { index: 0, gainPerDoublingNext: null } },
  };
  assert.equal(receive(answerMessage('analyse', 4, answer), { 4: 'analyse' }).value, answer);
  assert.deepEqual(answerMessage('analyse', 5, {}).value, {}, 'nothing asked, nothing answered');
  assert.throws(
    () => answerMessage('analyse', 6, /** @type {any} */ ({ spikes: [[{ epoch: 3 }]] })),
    /analyse answer\.spikes\[0\]\[0\]: missing field 'change'/,
  );
  // lrRangeTest: a config and options, both optional; the answer is the engine's RangeTest.
  assert.deepEqual(requestMessage('lrRangeTest', 7, {}), { type: 'lrRangeTest', id: 7 });
  assert.deepEqual(
    requestMessage('lrRangeTest', 8, { config, options: { start: 1e-5, end: 1, batches: 50 } }).options,
    {
      start: 1e-5,
      end: 1,
      batches: 50,
    },
  );
  assert.throws(
    () => requestMessage('lrRangeTest', 9, /** @type {any} */ ({ options: { begin: 1 } })),
    /lrRangeTest\.options: unknown field 'begin'/,
  );
  const test = {
    rates: Float64Array.from([1e-4, 1e-3]),
    losses: Float64Array.from([2.3, 2.1]),
    smoothed: [2.3, 2.2],
    pick: 1e-4,
    pickIndex: 0,
    reason: 'the loss falls fastest here',
  };
  assert.equal(answerMessage('lrRangeTest', 10, test).value, test);
  assert.throws(
    () => answerMessage('lrRangeTest', 10, /** @type {any} */ ({ ...test, reason: undefined })),
    /lrRangeTest answer: missing field 'reason'/,
  );
  // ready says what the engine calls a spike.
  const ready = {
    simd: true,
    eigenVectorized: true,
    threads: { threaded: false, available: 1, active: 1, reason: null },
    schema: [],
    presets: [],
    constants: {},
  };
  assert.throws(() => eventMessage('ready', /** @type {any} */ (ready)), /ready: missing field 'spikeRule'/);
  assert.equal(eventMessage('ready', { ...ready, spikeRule: { threshold: 0.02, after: 0.7 } }).spikeRule.after, 0.7);
  // item-started may carry the range test of an item's lrFind.
  const lrFind = { rates: [1e-4, 1e-3], smoothed: [2.3, 2.2], pick: 1e-4, reason: 'r' };
  const started = { queueId: 'q', state: 'running', index: 0, total: 1, reason: 'item-started', lrFind };
  assert.deepEqual(eventMessage('queue', /** @type {any} */ (started)).lrFind, lrFind);
  assert.throws(
    () => eventMessage('queue', /** @type {any} */ ({ ...started, lrFind: { ...lrFind, pick: '1e-4' } })),
    /queue\.lrFind\.pick must be number/,
  );
  // dynamics: each record's batch size, loss, gradient and step norms beside the layers.
  const dynamics = {
    steps: Int32Array.from([4]),
    every: 4,
    layers: [],
    batchSize: Int32Array.from([128]),
    loss: Float32Array.from([2.25]),
    gradNorm: Float32Array.from([3]),
    stepNorm: Float32Array.from([0.01]),
  };
  const m = eventMessage('dynamics', dynamics);
  assert.equal(m.stepNorm, dynamics.stepNorm);
  assert.deepEqual(transferList(m).length, 5, 'every array transferred');
  assert.throws(
    () => eventMessage('dynamics', /** @type {any} */ ({ ...dynamics, loss: [2.25] })),
    /dynamics\.loss must be Float32Array, not array/,
  );
});
