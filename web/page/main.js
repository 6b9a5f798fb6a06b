// The page's entry point (main thread). It reads the controls, sends requests
// to the training worker (web/worker/) and draws what comes back; no training
// or evaluation happens on this thread. Each concern is a module that keeps
// its own state; `app` only lets them find each other:
//
//   client       worker_client.js   the worker, requests and answers
//   notices      notices.js         alert bar, screen-reader announcements, engine badges
//   data         data_panel.js      MNIST download progress, the user's IDX files, the data's sizes
//   form         config_form.js     the training form (validation in config.js)
//   controls     controls.js        Train/Pause/Step/Stop/Reset, keyboard, live settings; the trainer's state
//   runs         runs.js            the run history (records: run_record.js), overlays
//   runList      run_list.js        the run list
//   stats        stats.js           chunks and epochs into the run; stats line, charts, epoch table, confusion
//   views        model_views.js     weight images and the test gallery
//   pad          draw_panel.js      the drawing pad and its prediction
//   persistence  persistence.js     IndexedDB autosave and restore, model download and upload
//   slow         tasks.js           main-thread work that took longer than a frame
//   threads      threads_control.js how many threads train, and why one when the page is not isolated
//
// Before anything starts, isolation.js makes the page cross-origin isolated
// (for the threaded engine) on a host that does not send the headers.
import { FromWorker, ToWorker } from '../shared/protocol.js';
import { ensureIsolation } from './isolation.js';
import { ConfigForm } from './config_form.js';
import { Controls } from './controls.js';
import { DataPanel } from './data_panel.js';
import { DrawPanel } from './draw_panel.js';
import { ModelViews } from './model_views.js';
import { Notices } from './notices.js';
import { Persistence } from './persistence.js';
import { RunList } from './run_list.js';
import { Runs } from './runs.js';
import { Stats } from './stats.js';
import * as storage from './storage.js';
import { SlowLog, later } from './tasks.js';
import { ThreadsControl } from './threads_control.js';
import { $ } from './viz.js';
import { WorkerClient } from './worker_client.js';

const app = {};

// Messages that answer no request (answers go to the request's promise).
const handlers = {
  [FromWorker.READY](m) {
    app.form.useSchema(m.schema);
    app.controls.engineReady(m);
    app.notices.showEngine(m);
    app.threads.engineReady(m);
    app.data.loadMnist();
  },
  [FromWorker.DATA_PROGRESS]: (m) => app.data.showProgress(m),
  [FromWorker.DATA_READY]: (m) => app.data.ready(m),
  [FromWorker.TRAINER]: (m) => app.controls.trainerChanged(m),
  [FromWorker.STATUS]: (m) => app.controls.setTrainState(m.state, m.message),
  [FromWorker.CHUNK]: (m) => app.stats.onChunk(m),
  [FromWorker.EPOCH]: (m) => app.stats.onEpoch(m),
  [FromWorker.DIVERGED]: (m) => app.controls.diverged(m),
  [FromWorker.CHECKPOINT]: (m) => later(() => app.persistence.saveCheckpoint(m)),
  [FromWorker.ERROR](m) {
    if (m.scope === 'data') app.data.showError(m.message);
    app.notices.showError(m);
  },
};

function workerCrashed(message) {
  app.controls.crashed();
  app.notices.showCrash(message);
}

function restartWorker() {
  app.notices.hideAlert();
  app.persistence.forget();
  app.data.forget();
  app.client.restart();
}

app.slow = new SlowLog();
app.client = new WorkerClient({ url: new URL('../worker/worker.js', import.meta.url), handlers, onCrash: workerCrashed, slow: app.slow });
app.notices = new Notices();
app.data = new DataPanel(app);
app.form = new ConfigForm(app);
app.controls = new Controls(app);
app.threads = new ThreadsControl(app);
app.runs = new Runs();
app.runList = new RunList(app);
app.stats = new Stats(app);
app.views = new ModelViews(app);
app.pad = new DrawPanel(app);
app.persistence = new Persistence(app);

app.form.setup();
app.stats.setup();
app.pad.setup();
app.views.setup();
app.controls.setup();
app.data.setup();
app.persistence.setup();
$('alert-dismiss').addEventListener('click', () => app.notices.hideAlert());
$('alert-restart').addEventListener('click', restartWorker);

app.controls.update();
app.runList.render();
app.stats.drawAll();
storage.persist();
// The worker starts once the page is as isolated as it can be (a reload may come first).
if (!(await ensureIsolation())) app.client.start();

// For debugging from the console and for the browser tests.
window.mnist = Object.freeze({
  get state() {
    return app.controls.state;
  },
  get trainer() {
    return app.controls.trainer;
  },
  get run() {
    return app.runs.current;
  },
  get runs() {
    return app.runs.list;
  },
  get dataInfo() {
    return app.data.info;
  },
  get samplesPerSecond() {
    return app.controls.samplesPerSecond;
  },
  get slow() {
    return app.slow.entries;
  },
  get lastSaved() {
    return app.persistence.lastSaved;
  },
  crashWorker: () => app.client.send(ToWorker.CRASH),
});
