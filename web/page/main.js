// The page: reads the controls, sends requests to the training worker
// (worker.js, protocol.js) and draws what comes back. No training or
// evaluation happens on this thread.
import { Charts } from './charts.js';
import {
  ACTIVATIONS,
  DEFAULT_PRESET,
  LOSSES,
  OPTIMIZERS,
  PRESETS,
  describeConfig,
  matchPreset,
  parseLayers,
  presetValues,
  structuralChange,
  validateForm,
  valuesFromConfig,
} from './config.js';
import { DrawingPad } from './draw.js';
import { Gallery } from './gallery.js';
import { preprocessDigit } from './preprocess.js';
import { FromWorker, State, ToWorker, check, post } from '../shared/protocol.js';
import * as storage from './storage.js';
import { ProbabilityBars, drawDigit, el, pct, renderConfusion, renderWeights } from './viz.js';

const $ = (id) => document.getElementById(id);
const EMA_BETA = 0.98; // smoothing of the per-batch curves (~50 batches)
const DRAW_INTERVAL_MS = 200; // chart redraws while training, at most 5 per second

const app = {
  worker: null,
  engine: null, // { simd, threads }
  dataInfo: null, // { train, validation, test, rows, cols }
  dataSource: 'MNIST',
  trainer: null, // { config, progress, parameters } of the worker's trainer
  state: 'none', // 'none' | State.*
  targetEpoch: null,
  run: null, // the current run record
  runs: [], // all run records (history), oldest first
  overlays: new Set(),
  samplesPerSecond: 0,
  restored: false,
  galleryStale: true,
  galleryVisible: false,
  weightsStale: true,
  slow: [], // message handlers that took > 16 ms
};

// ---- Messaging ----------------------------------------------------------------

let nextId = 1;
const pending = new Map();
function request(type, payload = {}) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    post(app.worker, type, { ...payload, id });
  });
}
const send = (type, payload = {}) => post(app.worker, type, payload);

function settle(msg) {
  if (msg.id === undefined || !pending.has(msg.id)) return false;
  const p = pending.get(msg.id);
  pending.delete(msg.id);
  if (msg.type === FromWorker.ERROR) {
    const err = new Error(msg.message);
    err.scope = msg.scope;
    err.kind = msg.kind;
    p.reject(err);
  } else {
    p.resolve(msg);
  }
  return true;
}

function startWorker() {
  const worker = new Worker(new URL('../worker/worker.js', import.meta.url), { type: 'module', name: 'trainer' });
  app.worker = worker;
  worker.onmessage = (e) => {
    const t0 = performance.now();
    const data = e.data; // deserialised on first access
    const ms = performance.now() - t0;
    if (ms > 16) app.slow.push({ type: `receive ${data?.type}`, ms: Math.round(ms), at: Math.round(t0) }) > 50 && app.slow.shift();
    try {
      check(data, FromWorker);
    } catch (err) {
      console.error(err.message);
      return;
    }
    onWorkerMessage(data);
  };
  worker.onerror = (e) => {
    e.preventDefault();
    workerCrashed(e.message || 'the worker script failed to load');
  };
  worker.onmessageerror = () => workerCrashed('a message from the worker could not be read');
}

function workerCrashed(message) {
  for (const p of pending.values()) p.reject(new Error('the worker stopped'));
  pending.clear();
  setTrainState('none');
  app.trainer = null;
  showAlert(`The training worker crashed: ${message}. Your last saved model is kept; restart the worker to go on.`, { restart: true });
  setBadge('badge-engine', 'Engine: crashed', 'bad');
}

function restartWorker() {
  app.worker?.terminate();
  hideAlert();
  app.restored = false;
  app.dataInfo = null;
  document.body.dataset.dataState = 'loading';
  startWorker();
}

const handlers = {
  [FromWorker.READY](m) {
    app.engine = m;
    setBadge('badge-engine', 'Engine: WebAssembly', 'ok');
    setBadge('badge-simd', `SIMD: ${m.simd ? 'yes' : 'no'}`, m.simd ? 'ok' : '');
    setBadge('badge-threads', `Threads: ${m.threads ? 'yes' : 'no'}`);
    $('badge-simd').title = m.simd ? 'The engine uses WebAssembly SIMD (128-bit vectors)' : 'Built without WebAssembly SIMD';
    $('badge-threads').title = 'Training runs on one worker thread';
    loadData();
  },
  [FromWorker.DATA_PROGRESS](m) {
    const bar = $('data-progress');
    bar.max = m.total;
    bar.value = m.loaded;
    const mb = (x) => (x / 1e6).toFixed(1);
    $('data-status').textContent = m.cached
      ? `Reading MNIST from this browser’s cache… ${mb(m.loaded)} / ${mb(m.total)} MB`
      : `Downloading MNIST… ${mb(m.loaded)} / ${mb(m.total)} MB`;
  },
  [FromWorker.DATA_READY](m) {
    if (settle(m)) return;
    dataReady(m);
  },
  [FromWorker.TRAINER](m) {
    if (!settle(m)) trainerChanged(m);
  },
  [FromWorker.STATUS](m) {
    setTrainState(m.state, m.message);
  },
  [FromWorker.CHUNK](m) {
    onChunk(m);
  },
  [FromWorker.EPOCH](m) {
    onEpoch(m);
  },
  [FromWorker.DIVERGED](m) {
    if (app.trainer) app.trainer.progress = m.progress;
    showAlert(`Training stopped: ${m.message}. Lower the learning rate (or use the mean gradient) and train again.`);
    announce(`Training stopped: ${m.message}`);
    drawStats();
  },
  [FromWorker.CHECKPOINT](m) {
    later(() => saveCheckpoint(m));
  },
  [FromWorker.PREDICTION](m) {
    settle(m);
  },
  [FromWorker.PREDICTIONS](m) {
    settle(m);
  },
  [FromWorker.WEIGHTS](m) {
    settle(m);
  },
  [FromWorker.MODEL](m) {
    settle(m);
  },
  [FromWorker.ERROR](m) {
    if (settle(m)) return;
    if (m.scope === 'data') {
      document.body.dataset.dataState = 'error';
      $('data-status').textContent = `Could not load the data: ${m.message}`;
    }
    showAlert(m.scope === 'engine' ? m.message : `${cap(m.scope)} error: ${m.message}`);
  },
};

function onWorkerMessage(msg) {
  const h = handlers[msg?.type];
  if (!h) return console.warn('unknown message from the worker', msg?.type);
  const t0 = performance.now();
  h(msg);
  const ms = performance.now() - t0;
  // Slow handlers are kept for inspection (window.mnist.app.slow).
  if (ms > 16) app.slow.push({ type: msg.type, ms: Math.round(ms), at: Math.round(t0) }) > 50 && app.slow.shift();
}

// ---- Data ---------------------------------------------------------------------

function loadData() {
  document.body.dataset.dataState = 'loading';
  $('data-status').textContent = 'Downloading MNIST…';
  send(ToWorker.LOAD_MNIST);
}

async function dataReady(m) {
  app.dataInfo = m.info;
  app.dataSource = m.source;
  const i = m.info;
  const n = (x) => x.toLocaleString('en');
  const bar = $('data-progress');
  bar.max = 1;
  bar.value = 1;
  $('data-status').textContent =
    `${m.source}: ${n(i.train)} training, ${n(i.validation)} validation, ${n(i.test)} test images of ${i.rows}×${i.cols}` +
    (m.cached ? ' (from this browser’s cache).' : '.');
  document.body.dataset.dataState = 'ready';
  // Other image sizes: the network's input follows the data.
  const sizes = readForm().layers.split('-');
  if (/^\d+$/.test(sizes[0] ?? '') && Number(sizes[0]) !== i.rows * i.cols) {
    sizes[0] = String(i.rows * i.cols);
    form().elements.layers.value = sizes.join('-');
  }
  refreshForm();
  if (!app.restored) {
    app.restored = true;
    await restoreSaved();
  }
  updateControls();
}

async function loadOwnIdx(event) {
  event.preventDefault();
  const form = $('idx-form');
  const error = $('idx-error');
  error.textContent = '';
  const roles = ['trainImages', 'trainLabels', 'testImages', 'testLabels'];
  const payload = {};
  for (const role of roles) {
    const file = form.elements[role].files[0];
    if (!file) {
      error.textContent = `Choose a file for “${form.elements[role].parentElement.firstChild.textContent.trim()}”.`;
      form.elements[role].focus();
      return;
    }
    payload[role] = await file.arrayBuffer();
  }
  const validation = Number(form.elements.validation.value);
  if (!Number.isInteger(validation) || validation < 0) {
    error.textContent = 'The validation count must be a whole number ≥ 0.';
    return;
  }
  payload.validation = validation;
  try {
    if (app.state === State.RUNNING) await pause();
    const m = await request(ToWorker.LOAD_IDX, payload);
    dataReady(m);
    announce(`Loaded your files: ${m.info.train} training and ${m.info.test} test images.`);
  } catch (err) {
    error.textContent = err.message;
  }
}

// ---- The form -----------------------------------------------------------------

const form = () => $('config-form');
const FIELDS = ['layers', 'activation', 'loss', 'optimizer', 'learningRate', 'momentum', 'lrDecay', 'batchSize', 'epochs', 'l2', 'seed', 'gradient'];

function dims() {
  const i = app.dataInfo ?? { rows: 28, cols: 28, train: Infinity };
  return { inputSize: i.rows * i.cols, classes: 10, trainSize: i.train };
}

function readForm() {
  const f = form().elements;
  const values = {};
  for (const k of FIELDS) values[k] = f[k].value;
  return values;
}

function writeForm(values) {
  const f = form().elements;
  for (const k of FIELDS) if (values[k] !== undefined) f[k].value = values[k];
  refreshForm();
}

function fillSelect(select, options) {
  select.replaceChildren(...options.map(([value, label]) => el('option', { value, text: label })));
}

function setupForm() {
  const f = form().elements;
  fillSelect(f.preset, [...PRESETS.map((p) => [p.id, p.label]), ['custom', 'Custom']]);
  fillSelect(f.activation, ACTIVATIONS);
  fillSelect(f.loss, LOSSES);
  fillSelect(f.optimizer, OPTIMIZERS);
  writeForm(presetValues(DEFAULT_PRESET, dims()));
  f.preset.addEventListener('change', () => {
    if (f.preset.value !== 'custom') writeForm({ ...presetValues(f.preset.value, dims()), seed: f.seed.value });
  });
  form().addEventListener('input', (e) => {
    if (e.target.name === 'preset') return;
    refreshForm();
    if (e.target.name === 'learningRate' || e.target.name === 'optimizer' || e.target.name === 'momentum') applyLiveOptimizer();
    if (e.target.name === 'lrDecay') applyLiveSchedule();
  });
  form().addEventListener('submit', (e) => {
    e.preventDefault();
    train();
  });
}

/** Validates, shows errors next to their fields, updates hints. Returns validateForm's result. */
function refreshForm() {
  const values = readForm();
  const result = validateForm(values, dims());
  const f = form().elements;
  for (const k of FIELDS) {
    const msg = result.errors[k] ?? '';
    const out = $(`err-${k}`);
    if (out) out.textContent = msg;
    const inputs = k === 'gradient' ? [...f.gradient] : [f[k]];
    for (const input of inputs) {
      if (msg) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
  }
  const preset = matchPreset(values, dims());
  f.preset.value = preset;
  $('preset-help').textContent =
    preset === 'custom' ? 'Your own settings.' : PRESETS.find((p) => p.id === preset).help;
  // Momentum only applies to the momentum methods; it stays visible (and explains itself).
  const usesMomentum = values.optimizer === 'momentum' || values.optimizer === 'nesterov';
  f.momentum.disabled = !usesMomentum;
  $('momentum-help').textContent = usesMomentum ? 'Fraction of the last step kept.' : 'Used by Momentum and Nesterov.';
  const layers = parseLayers(values.layers, dims());
  $('param-count').textContent = layers.value ? `${layers.parameters.toLocaleString('en')} weights and biases.` : '';
  updateControls();
  return result;
}

function showFirstError(errors) {
  const first = FIELDS.find((k) => errors[k]);
  if (!first) return;
  const f = form().elements[first];
  (f instanceof RadioNodeList ? f[0] : f).focus();
  announce(`Cannot train: ${errors[first]}`);
}

// The learning rate, momentum and the optimiser apply to the running trainer.
let liveTimer = 0;
function applyLiveOptimizer() {
  clearTimeout(liveTimer);
  liveTimer = setTimeout(async () => {
    if (!app.trainer) return;
    const { config, errors } = validateForm(readForm(), dims());
    if (errors.learningRate || errors.optimizer || errors.momentum || !config) return;
    const cur = app.trainer.config;
    try {
      let m;
      if (config.optimizer !== cur.optimizer || config.momentum !== cur.momentum) {
        m = await request(ToWorker.SET_OPTIMIZER, {
          optimizer: { optimizer: config.optimizer, learningRate: config.learningRate, momentum: config.momentum },
        });
        announce(`Optimiser set to ${config.optimizer}, learning rate ${config.learningRate}.`);
      } else if (config.learningRate !== cur.learningRate) {
        m = await request(ToWorker.SET_LEARNING_RATE, { learningRate: config.learningRate });
        announce(`Learning rate set to ${config.learningRate}.`);
      } else {
        return;
      }
      trainerChanged(m);
      if (app.run) {
        app.run.config = { ...app.run.config, ...m.config };
        app.run.changes = [...(app.run.changes ?? []), { x: lastX(), learningRate: config.learningRate, optimizer: config.optimizer }];
        renderRuns();
      }
    } catch (err) {
      $('err-learningRate').textContent = err.message;
    }
  }, 250);
}

function applyLiveSchedule() {
  const { schedule } = validateForm(readForm(), dims());
  if (!schedule || !app.trainer) return;
  send(ToWorker.SET_SCHEDULE, schedule);
  if (app.run) app.run.schedule = schedule;
}

// ---- Training controls ----------------------------------------------------------

function newRun(config, label, schedule = { lrDecay: 1 }) {
  const number = app.runs.reduce((n, r) => Math.max(n, r.number ?? 0), 0) + 1;
  const run = {
    id: `run-${Date.now()}-${Math.floor(Math.random() * 1e6)}`,
    number,
    label: label ?? `Run ${number}`,
    createdAt: Date.now(),
    config,
    schedule,
    source: app.dataSource,
    x: [],
    loss: [],
    accuracy: [],
    emaLoss: [],
    emaAccuracy: [],
    ema: { loss: 0, accuracy: 0, t: 0 },
    epochs: [],
    stepOffset: 0, // the trainer's step when the run began (a loaded model may start later)
    progress: null,
    runMs: 0,
    confusion: null,
  };
  app.runs.push(run);
  app.run = run;
  return run;
}

/** Creates a trainer for the form's config (a new run). */
async function createTrainer() {
  const { config, schedule, errors } = refreshForm();
  if (!config) {
    showFirstError(errors);
    return false;
  }
  try {
    const m = await request(ToWorker.CREATE, { config });
    const run = newRun(m.config, undefined, schedule);
    run.progress = m.progress;
    run.stepOffset = m.progress.step;
    trainerChanged(m);
    resetViews();
    await storage.setKey('currentRun', run.id).catch(() => {});
    await persistRun(run);
    renderRuns();
    return true;
  } catch (err) {
    const field = /layer|network|size/i.test(err.message) ? 'layers' : /batch/i.test(err.message) ? 'batchSize' : null;
    if (field) {
      $(`err-${field}`).textContent = err.message;
      form().elements[field].setAttribute('aria-invalid', 'true');
    }
    showAlert(`Cannot create the network: ${err.message}`);
    return false;
  }
}

async function train() {
  if (!app.dataInfo || app.state === State.RUNNING) return;
  if (app.state === State.PAUSED) return resume();
  const { config, epochs, schedule, errors } = refreshForm();
  if (!config) return showFirstError(errors);
  if (!app.trainer || structuralChange(app.trainer.config, config)) {
    if (!(await createTrainer())) return;
  }
  hideAlert();
  app.targetEpoch = app.trainer.progress.epoch + epochs;
  if (app.run) app.run.schedule = schedule;
  send(ToWorker.TRAIN, { epochs, lrDecay: schedule.lrDecay });
}

function resume() {
  const { epochs, schedule } = validateForm(readForm(), dims());
  send(ToWorker.TRAIN, { epochs: epochs ?? 1, resume: true, ...(schedule ?? {}) });
}

function pause() {
  send(ToWorker.PAUSE);
}

async function step() {
  if (!app.dataInfo || app.state === State.RUNNING) return;
  const { config, errors } = refreshForm();
  if (!config) return showFirstError(errors);
  if (!app.trainer || structuralChange(app.trainer.config, config)) {
    if (!(await createTrainer())) return;
  }
  send(ToWorker.STEP);
}

function stop() {
  send(ToWorker.STOP);
}

async function reset() {
  if (!app.dataInfo) return;
  if (app.state === State.RUNNING || app.state === State.PAUSED) send(ToWorker.STOP);
  if (await createTrainer()) {
    announce('New network with fresh weights. The previous run stays in the history.');
    drawAll(true);
  }
}

function trainerChanged(m) {
  if (!m.config) {
    app.trainer = null;
    setTrainState('none');
    return;
  }
  app.trainer = { config: m.config, progress: m.progress, parameters: m.parameters };
  // Another model: the gallery's predictions are out of date until it is on screen again.
  if (m.reason === 'created' || m.reason === 'loaded' || m.reason === 'restored') gallery.clear();
  if (app.state === 'none') setTrainState(State.IDLE);
  app.weightsStale = true;
  app.galleryStale = true;
  refreshModelViews();
  updateControls();
  drawStats();
}

function setTrainState(state, message) {
  const prev = app.state;
  app.state = state;
  document.body.dataset.trainState = state;
  if (state === State.IDLE && message === 'finished') {
    const e = app.run?.epochs.at(-1);
    announce(`Training finished after ${app.trainer?.progress.epoch ?? '?'} epochs${e ? `: test accuracy ${pct(e.test.accuracy, 2)}` : ''}.`);
  }
  if (prev === State.RUNNING && state !== State.RUNNING) {
    app.weightsStale = true;
    refreshModelViews();
  }
  updateControls();
  drawStats();
}

function updateControls() {
  const ready = Boolean(app.dataInfo && app.engine);
  const s = app.state;
  const running = s === State.RUNNING;
  const paused = s === State.PAUSED;
  const { config } = validateForm(readForm(), dims());
  const changed = app.trainer && config && structuralChange(app.trainer.config, config);
  const trainBtn = $('btn-train');
  trainBtn.disabled = !ready || running || paused;
  trainBtn.textContent = !app.trainer ? 'Train' : changed ? 'Train new network' : app.trainer.progress.step > 0 ? 'Train more' : 'Train';
  const pauseBtn = $('btn-pause');
  pauseBtn.disabled = !(running || paused);
  pauseBtn.textContent = paused ? 'Resume' : 'Pause';
  $('btn-step').disabled = !ready || running;
  $('btn-stop').disabled = !(running || paused);
  $('btn-reset').disabled = !ready || running;
  $('btn-download').disabled = !app.trainer;
  let hint;
  if (!ready) hint = 'Waiting for the data…';
  else if (running) hint = 'Training… Space pauses. The learning rate and optimiser can be changed live.';
  else if (paused) hint = 'Paused mid-epoch. Resume, or Step one batch at a time.';
  else if (changed) hint = 'The network settings differ from the current model: Train starts a new run (the current one stays in the history).';
  else if (app.trainer) hint = `Model: ${describeConfig(app.trainer.config, app.run?.schedule)}.`;
  else hint = 'Choose a preset and press Train.';
  $('train-hint').textContent = hint;
}

// ---- Metrics ------------------------------------------------------------------

function lastX() {
  return app.run?.x.at(-1) ?? 0;
}

function onChunk(m) {
  const run = app.run;
  if (!run) return;
  const bpe = m.batchesPerEpoch;
  const ema = run.ema;
  for (let i = 0; i < m.batchLoss.length; i++) {
    const x = m.epochIndex + (m.firstBatch + i) / bpe;
    const loss = m.batchLoss[i];
    const acc = m.batchAccuracy[i];
    run.x.push(x);
    run.loss.push(loss);
    run.accuracy.push(acc);
    ema.t++;
    ema.loss = EMA_BETA * ema.loss + (1 - EMA_BETA) * loss;
    ema.accuracy = EMA_BETA * ema.accuracy + (1 - EMA_BETA) * acc;
    const correction = 1 - EMA_BETA ** ema.t; // as in Adam: unbiased from the first batch
    run.emaLoss.push(ema.loss / correction);
    run.emaAccuracy.push(ema.accuracy / correction);
  }
  run.progress = { epoch: m.epoch, batchInEpoch: m.batchInEpoch, batchesPerEpoch: bpe, step: m.step };
  run.runMs = m.runMs;
  if (app.trainer) app.trainer.progress = run.progress;
  app.samplesPerSecond = m.samplesPerSecond;
  scheduleDraw();
}

function onEpoch(m) {
  const run = app.run;
  if (!run) return;
  const entry = { epoch: m.epoch, x: m.epoch, step: m.step, train: m.train, validation: m.validation, test: m.test, runMs: m.runMs };
  run.epochs.push(entry);
  run.confusion = m.confusion;
  run.classes = m.classes;
  run.runMs = m.runMs;
  // Each view is drawn in its own task so that no single task on this thread
  // grows long (the page must stay responsive while the worker trains).
  later(() =>
    renderConfusion($('confusion'), m.confusion, m.classes, `After epoch ${m.epoch}: ${pct(m.test.accuracy, 2)} of ${m.test.count.toLocaleString('en')} test digits right.`),
  );
  later(() => addEpochRow(entry));
  later(() => {
    app.weightsStale = true;
    app.galleryStale = true;
    refreshModelViews();
    redrawCurrentDigit();
  });
  later(renderRuns);
  announce(
    `Epoch ${m.epoch}: test accuracy ${pct(m.test.accuracy, 2)}` +
      (m.validation ? `, validation ${pct(m.validation.accuracy, 2)}` : '') +
      `, loss ${m.test.loss.toFixed(4)}.`,
  );
  scheduleDraw();
}

/** Runs fn in a task of its own. */
function later(fn) {
  setTimeout(fn, 0);
}

let drawQueued = false;
let lastDraw = 0;
function scheduleDraw() {
  if (drawQueued) return;
  drawQueued = true;
  const wait = Math.max(0, DRAW_INTERVAL_MS - (performance.now() - lastDraw));
  setTimeout(() => requestAnimationFrame(() => {
    drawQueued = false;
    lastDraw = performance.now();
    drawAll();
  }), wait);
}

let charts = null;
function drawAll() {
  const t0 = performance.now();
  drawStats();
  const overlays = app.runs.filter((r) => app.overlays.has(r.id) && r !== app.run);
  charts.update(app.run, overlays);
  const ms = performance.now() - t0;
  if (ms > 16) app.slow.push({ type: 'draw', ms: Math.round(ms), at: Math.round(t0) }) > 50 && app.slow.shift();
}

function fmtTime(ms) {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h ? 2 : 1, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

function drawStats() {
  const p = app.trainer?.progress ?? app.run?.progress;
  const target = app.state === State.RUNNING || app.state === State.PAUSED ? app.targetEpoch : null;
  $('stat-epoch').textContent = p ? (target ? `${p.epoch} / ${target}` : String(p.epoch)) : '–';
  $('stat-batch').textContent = p ? `${p.batchInEpoch} / ${p.batchesPerEpoch}` : '–';
  $('stat-batch').dataset.step = p ? String(p.step) : '';
  $('stat-rate').textContent = app.state === State.RUNNING && app.samplesPerSecond ? Math.round(app.samplesPerSecond).toLocaleString('en') : '–';
  $('stat-elapsed').textContent = app.run ? fmtTime(app.run.runMs ?? 0) : '–';
  const e = app.run?.epochs.at(-1);
  $('stat-val').textContent = e?.validation ? pct(e.validation.accuracy, 2) : '–';
  $('stat-test').textContent = e ? pct(e.test.accuracy, 2) : '–';
  $('stat-test').dataset.value = e ? String(e.test.accuracy) : '';
}

function addEpochRow(e) {
  const f = (x, d = 4) => (x == null ? '–' : x.toFixed(d));
  const tr = el(
    'tr',
    {},
    el('th', { scope: 'row', text: String(e.epoch) }),
    el('td', { text: f(e.train?.loss) }),
    el('td', { text: e.train ? pct(e.train.accuracy, 2) : '–' }),
    el('td', { text: f(e.validation?.loss) }),
    el('td', { text: e.validation ? pct(e.validation.accuracy, 2) : '–' }),
    el('td', { text: f(e.test.loss) }),
    el('td', { text: pct(e.test.accuracy, 2) }),
    el('td', { text: fmtTime(e.runMs ?? 0) }),
  );
  $('epoch-table').tBodies[0].append(tr);
}

function resetViews() {
  $('epoch-table').tBodies[0].replaceChildren();
  for (const e of app.run?.epochs ?? []) addEpochRow(e);
  if (app.run?.confusion) {
    const e = app.run.epochs.at(-1);
    renderConfusion($('confusion'), app.run.confusion, app.run.classes ?? 10, e ? `After epoch ${e.epoch}: ${pct(e.test.accuracy, 2)} of the test digits right.` : 'Test set');
  } else {
    $('confusion').replaceChildren(el('p', { class: 'empty', text: 'Appears after the first epoch.' }));
  }
  drawAll();
}

// ---- Model views: weights, gallery, drawing --------------------------------------

let weightsBusy = false;
async function refreshWeights() {
  if (!app.trainer || weightsBusy || !app.weightsStale) return;
  weightsBusy = true;
  app.weightsStale = false;
  try {
    const w = await request(ToWorker.GET_WEIGHTS, { layer: 0 });
    const { rows, cols } = app.dataInfo;
    const shown = renderWeights($('weights'), w, rows, cols, 64);
    $('weights').setAttribute('aria-label', `${shown} hidden units’ weight images`);
    $('weights-note').textContent = shown < w.rows ? `Showing ${shown} of ${w.rows} units.` : `${w.rows} units.`;
  } catch {
    app.weightsStale = true;
  } finally {
    weightsBusy = false;
  }
}

let gallery;
let galleryBusy = false;
async function refreshGallery() {
  if (app.trainer && !gallery.data) {
    $('gallery-count').textContent = app.galleryVisible ? 'Classifying the test set…' : 'The test digits load when this section is on screen.';
  }
  if (!app.trainer || galleryBusy || !app.galleryStale || !app.galleryVisible) return;
  galleryBusy = true;
  app.galleryStale = false;
  try {
    const m = await request(ToWorker.PREDICT_TEST_SET, { withImages: !gallery.images });
    gallery.setData(m);
  } catch {
    app.galleryStale = true;
  } finally {
    galleryBusy = false;
  }
}

function refreshModelViews() {
  // While training, the weights follow at epoch ends only (they change every batch).
  if (app.state !== State.RUNNING || app.weightsStale) refreshWeights();
  refreshGallery();
}

let pad;
let drawBars;
let drawSeq = 0;
let lastDigit = null;
let announceTimer = 0;
async function predictDigit(image) {
  const seq = ++drawSeq;
  const result = $('draw-result');
  if (!image) {
    drawBars.set(null);
    result.textContent = 'Draw a digit in the box.';
    result.dataset.prediction = '';
    return;
  }
  if (!app.trainer) {
    result.textContent = 'Train or load a model first, then draw.';
    result.dataset.prediction = '';
    return;
  }
  try {
    const m = await request(ToWorker.PREDICT, { image: image.slice() });
    if (seq !== drawSeq) return; // a newer drawing (or a clear) came in meanwhile
    const p = m.probabilities;
    let best = 0;
    for (let k = 1; k < p.length; k++) if (p[k] > p[best]) best = k;
    drawBars.set(p);
    result.textContent = `Looks like a ${best} (${pct(p[best])}).`;
    result.dataset.prediction = String(best);
    clearTimeout(announceTimer);
    announceTimer = setTimeout(() => announce(`The network says ${best}, ${pct(p[best], 0)} sure.`), 700);
  } catch (err) {
    if (seq === drawSeq) result.textContent = `No prediction: ${err.message}`;
  }
}

function onDraw(ink) {
  const preview = $('preview');
  const { rows, cols } = app.dataInfo ?? { rows: 28, cols: 28 };
  const image = ink ? preprocessDigit(ink, pad.canvas.width, pad.canvas.height, { rows, cols }) : null;
  lastDigit = image;
  if (image) drawDigit(preview, image, rows, cols, { scale: 1 });
  else preview.getContext('2d').clearRect(0, 0, preview.width, preview.height);
  if (!image) clearTimeout(announceTimer);
  predictDigit(image);
}

function redrawCurrentDigit() {
  if (lastDigit) predictDigit(lastDigit);
}

// ---- Saving and restoring -----------------------------------------------------------

// A run as stored: typed arrays, and (for a checkpoint) only what the saved
// model has seen, since the worker may have trained on before the save ran.
function serialiseRun(run, checkpoint = null) {
  let n = run.x.length;
  let epochs = run.epochs;
  if (checkpoint) {
    n = Math.max(0, Math.min(n, checkpoint.progress.step - (run.stepOffset ?? 0)));
    epochs = epochs.filter((e) => e.step <= checkpoint.progress.step);
  }
  const { ema, ...rest } = run;
  return {
    ...rest,
    x: Float64Array.from(run.x.slice(0, n)),
    loss: Float32Array.from(run.loss.slice(0, n)),
    accuracy: Float32Array.from(run.accuracy.slice(0, n)),
    emaLoss: Float32Array.from(run.emaLoss.slice(0, n)),
    emaAccuracy: Float32Array.from(run.emaAccuracy.slice(0, n)),
    epochs,
    ...(checkpoint ? { progress: checkpoint.progress, runMs: checkpoint.runMs } : {}),
  };
}

function deserialiseRun(r) {
  const run = {
    ...r,
    x: Array.from(r.x ?? []),
    loss: Array.from(r.loss ?? []),
    accuracy: Array.from(r.accuracy ?? []),
    emaLoss: Array.from(r.emaLoss ?? []),
    emaAccuracy: Array.from(r.emaAccuracy ?? []),
    epochs: r.epochs ?? [],
  };
  // The smoothing state, to continue the curves where they stopped.
  const ema = { loss: 0, accuracy: 0, t: 0 };
  for (let i = 0; i < run.loss.length; i++) {
    ema.t++;
    ema.loss = EMA_BETA * ema.loss + (1 - EMA_BETA) * run.loss[i];
    ema.accuracy = EMA_BETA * ema.accuracy + (1 - EMA_BETA) * run.accuracy[i];
  }
  run.ema = ema;
  return run;
}

async function persistRun(run, checkpoint = null) {
  try {
    await storage.putRun(serialiseRun(run, checkpoint));
  } catch (err) {
    console.warn('could not save the run history', err);
  }
}

async function saveCheckpoint(m) {
  const run = app.run;
  try {
    await storage.setKey('model', { bytes: m.bytes, runId: run?.id ?? null, savedAt: Date.now(), progress: m.progress, config: m.config });
    if (run) {
      await persistRun(run, m);
      await storage.setKey('currentRun', run.id);
    }
    $('model-status').textContent = `Saved in this browser at ${new Date().toLocaleTimeString()} (epoch ${m.progress.epoch}, batch ${m.progress.batchInEpoch}).`;
  } catch (err) {
    $('model-status').textContent = `Could not save in this browser: ${err.message}`;
  }
}

async function restoreSaved() {
  let saved = null;
  try {
    app.runs = (await storage.listRuns()).map(deserialiseRun);
    saved = await storage.getKey('model');
  } catch (err) {
    console.warn('no saved state', err);
  }
  renderRuns();
  if (!saved?.bytes) {
    drawAll();
    return;
  }
  try {
    const m = await request(ToWorker.LOAD_MODEL, { bytes: saved.bytes.slice(0), reason: 'restored' });
    app.run = app.runs.find((r) => r.id === saved.runId);
    if (!app.run) {
      app.run = newRun(m.config, 'Restored model');
      app.run.stepOffset = m.progress.step;
    }
    writeForm(valuesFromConfig(app.run.config ?? m.config, readForm().epochs, app.run.schedule));
    trainerChanged(m);
    resetViews();
    renderRuns();
    $('model-status').textContent = `Restored your model from this browser (epoch ${m.progress.epoch}, batch ${m.progress.batchInEpoch}).`;
    announce('Your saved model and its curves were restored.');
  } catch (err) {
    $('model-error').textContent = `The saved model could not be restored: ${err.message}`;
    drawAll();
  }
}

async function downloadModel() {
  try {
    const m = await request(ToWorker.SAVE);
    const c = app.trainer.config;
    const p = app.trainer.progress;
    const name = `mnist-${c.layers.join('-')}-${c.activation}-${c.optimizer}-epoch${p.epoch}.safetensors`;
    const url = URL.createObjectURL(new Blob([m.bytes], { type: 'application/octet-stream' }));
    const a = el('a', { href: url, download: name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    $('model-status').textContent = `Downloaded ${name} (${(m.bytes.byteLength / 1024).toFixed(0)} KB).`;
  } catch (err) {
    $('model-error').textContent = `Could not save the model: ${err.message}`;
  }
}

async function loadModelFile(file) {
  $('model-error').textContent = '';
  if (!file) return;
  if (!app.dataInfo) {
    $('model-error').textContent = 'Wait for the data to load first.';
    return;
  }
  const bytes = await file.arrayBuffer();
  try {
    if (app.state === State.RUNNING || app.state === State.PAUSED) send(ToWorker.STOP);
    const m = await request(ToWorker.LOAD_MODEL, { bytes: bytes.slice(0), name: file.name });
    const run = newRun(m.config, `Loaded ${file.name}`);
    run.progress = m.progress;
    run.stepOffset = m.progress.step;
    writeForm(valuesFromConfig(m.config, readForm().epochs));
    trainerChanged(m);
    resetViews();
    await storage.setKey('model', { bytes, runId: run.id, savedAt: Date.now(), progress: m.progress, config: m.config }).catch(() => {});
    await storage.setKey('currentRun', run.id).catch(() => {});
    await persistRun(run);
    renderRuns();
    $('model-status').textContent = `Loaded ${file.name}: ${describeConfig(m.config)}, epoch ${m.progress.epoch}.`;
    announce(`Model ${file.name} loaded.`);
  } catch (err) {
    $('model-error').textContent = `Could not load ${file.name}: ${err.message}`;
    announce(`Could not load the model: ${err.message}`);
  } finally {
    $('model-file').value = '';
  }
}

function renderRuns() {
  const list = $('run-list');
  const items = [...app.runs].reverse().map((r) => {
    const best = r.epochs.reduce((b, e) => Math.max(b, e.test.accuracy), -1);
    const current = r === app.run;
    const id = `overlay-${r.id}`;
    const check = el('input', {
      type: 'checkbox',
      id,
      checked: app.overlays.has(r.id),
      disabled: current || r.epochs.length === 0,
      onchange: (e) => {
        if (e.target.checked) app.overlays.add(r.id);
        else app.overlays.delete(r.id);
        drawAll();
      },
    });
    const del = el('button', {
      type: 'button',
      class: 'link-button',
      'aria-label': `Delete ${r.label}`,
      text: 'Delete',
      disabled: current,
      onclick: async () => {
        app.runs = app.runs.filter((x) => x !== r);
        app.overlays.delete(r.id);
        await storage.deleteRun(r.id).catch(() => {});
        renderRuns();
        drawAll();
      },
    });
    return el(
      'li',
      { class: `run${current ? ' is-current' : ''}` },
      check,
      el(
        'label',
        { for: id },
        el('strong', { text: r.label }),
        current ? el('span', { class: 'tag', text: 'current' }) : null,
        el('span', { class: 'run-desc', text: describeConfig(r.config, r.schedule) }),
        el('span', {
          class: 'run-result',
          text: r.epochs.length ? `${r.epochs.length} epoch${r.epochs.length > 1 ? 's' : ''}, best test ${pct(best, 2)}` : 'no epoch yet',
        }),
      ),
      del,
    );
  });
  list.replaceChildren(...items);
  if (items.length === 0) list.replaceChildren(el('li', { class: 'empty', text: 'No runs yet.' }));
}

// ---- Alerts, announcements, keyboard ----------------------------------------------

function showAlert(text, { restart = false } = {}) {
  $('alert-text').textContent = text;
  $('alert-restart').hidden = !restart;
  $('alert').hidden = false;
}
function hideAlert() {
  $('alert').hidden = true;
}

let announceClear = 0;
function announce(text) {
  const a = $('announcer');
  a.textContent = text;
  clearTimeout(announceClear);
  announceClear = setTimeout(() => {
    a.textContent = '';
  }, 8000);
}

function setBadge(id, text, kind = '') {
  const b = $(id);
  b.textContent = text;
  b.dataset.kind = kind;
}

const cap = (s) => (s ? s[0].toUpperCase() + s.slice(1) : s);

function onKey(e) {
  if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
  const t = e.target;
  const typing = t.closest?.('input, select, textarea, button, summary, [contenteditable], a');
  if (typing) return;
  if (e.key === ' ') {
    e.preventDefault();
    if (app.state === State.RUNNING) pause();
    else if (app.state === State.PAUSED) resume();
    else train();
  } else if (e.key === 'n' || e.key === 'N') {
    e.preventDefault();
    step();
  }
}

// ---- Start ------------------------------------------------------------------------

function init() {
  setupForm();
  charts = new Charts($('chart-loss'), $('chart-acc'));
  charts.onSchemeChange = () => {
    drawAll();
    app.weightsStale = true;
    refreshWeights();
  };
  drawBars = new ProbabilityBars($('draw-bars'));
  pad = new DrawingPad($('pad'), { onChange: onDraw });
  gallery = new Gallery({
    grid: $('gallery'),
    more: $('gallery-more'),
    count: $('gallery-count'),
    detail: $('gallery-detail'),
    onAnnounce: announce,
  });

  $('btn-train').addEventListener('click', train);
  $('btn-pause').addEventListener('click', () => (app.state === State.PAUSED ? resume() : pause()));
  $('btn-step').addEventListener('click', step);
  $('btn-stop').addEventListener('click', stop);
  $('btn-reset').addEventListener('click', reset);
  $('btn-clear').addEventListener('click', () => pad.clear());
  $('btn-download').addEventListener('click', downloadModel);
  $('model-file').addEventListener('change', (e) => loadModelFile(e.target.files[0]));
  $('idx-form').addEventListener('submit', loadOwnIdx);
  $('idx-mnist').addEventListener('click', () => {
    $('idx-error').textContent = '';
    loadData();
  });
  $('alert-dismiss').addEventListener('click', hideAlert);
  $('alert-restart').addEventListener('click', restartWorker);
  for (const r of document.querySelectorAll('input[name="gallery-filter"]')) {
    r.addEventListener('change', () => gallery.setFilter(r.value));
  }
  document.addEventListener('keydown', onKey);

  new IntersectionObserver((entries) => {
    app.galleryVisible = entries.some((e) => e.isIntersecting);
    refreshGallery();
  }, { rootMargin: '200px' }).observe($('gallery'));

  updateControls();
  renderRuns();
  drawAll();
  storage.persist();
  startWorker();
  // For debugging from the console and for the browser tests.
  window.mnist = Object.freeze({ app, crashWorker: () => send(ToWorker.CRASH) });
}

init();
