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
//   stats        stats.js           chunks and epochs into the run; stats line, charts, epoch table
//   confusion    confusion_view.js  the confusion matrix (test or validation) whose cells open their digits
//   views        model_views.js     every layer's weights (layer_views.js) and the test gallery
//   inspector    inspector.js       inside the network: one digit's path, the layers' health (health_view.js)
//   share        share_panel.js     the link to the settings, and the settings of the link the page was opened with
//   exports      export_panel.js    runs as CSV/JSON, charts as PNG/SVG, runs imported from JSON
//   pad          draw_panel.js      the drawing pad and its prediction
//   persistence  persistence.js     IndexedDB autosave and restore, model download and upload
//   recovery     recovery.js        a lost worker replaced, its data and checkpoint restored
//   experiments  experiments_panel.js  the report's experiments queued in the worker (kept: experiment_store.js)
//   figures      figure_views.js    the report's figures regenerated, its numbers beside ours
//   slow         tasks.js           main-thread work that took longer than a frame
//   threads      threads_control.js how many threads train, and why one when the page is not isolated
//
// Before anything starts, isolation.js makes the page cross-origin isolated
// (for the threaded engine) on a host that does not send the headers.
import { FromWorker, State, ToWorker } from '../shared/protocol.js';
import { ensureIsolation } from './isolation.js';
import { ConfigForm } from './config_form.js';
import { ConfusionView } from './confusion_view.js';
import { Controls } from './controls.js';
import { DataPanel } from './data_panel.js';
import { DrawPanel } from './draw_panel.js';
import { Experiments } from './experiments_panel.js';
import { FigureViews } from './figure_views.js';
import { ExportPanel } from './export_panel.js';
import { Inspector } from './inspector.js';
import { ModelViews } from './model_views.js';
import { Notices } from './notices.js';
import { Persistence } from './persistence.js';
import { Recovery } from './recovery.js';
import { RunList } from './run_list.js';
import { Runs } from './runs.js';
import { SharePanel } from './share_panel.js';
import { Stats } from './stats.js';
import * as storage from './storage.js';
import { SlowLog, later } from './tasks.js';
import { ThreadsControl } from './threads_control.js';
import { $ } from './viz.js';
import { WorkerClient } from './worker_client.js';

const app = {};

// Messages that answer no request (answers go to the request's promise).
const handlers = {
  async [FromWorker.READY](m) {
    app.form.useSchema(m.schema);
    app.share.update();
    app.inspector.engineReady();
    app.controls.engineReady(m);
    app.persistence.engineReady(m);
    app.experiments.engineReady(m);
    app.notices.showEngine(m);
    app.threads.engineReady(m);
    app.data.loadInitial(await app.persistence.wantedData());
  },
  [FromWorker.DATA_PROGRESS]: (m) => app.data.showProgress(m),
  async [FromWorker.DATA_READY](m) {
    await app.data.ready(m); // restores the saved model and runs first
    await app.experiments.restoreOnce();
    app.share.applyOnce(); // after any saved model is restored, so that the link has the last word
  },
  [FromWorker.TRAINER](m) {
    app.controls.trainerChanged(m);
    app.inspector.modelChanged();
    app.share.update();
  },
  [FromWorker.STATUS](m) {
    app.controls.setTrainState(m.state, m.message);
    if (m.state !== State.RUNNING) app.confusion.flush();
    app.inspector.modelChanged();
  },
  [FromWorker.CHUNK](m) {
    app.stats.onChunk(m);
    app.experiments.onProgress();
  },
  [FromWorker.EPOCH](m) {
    app.stats.onEpoch(m);
    app.experiments.onProgress();
    if (app.runs.current?.experiment) app.figures.update(); // only the experiments' runs are in the figures (and ticked ones)
    later(() => app.inspector.modelChanged());
  },
  [FromWorker.HEALTH]: (m) => later(() => app.inspector.onHealth(m)),
  [FromWorker.DIVERGED]: (m) => app.controls.diverged(m),
  [FromWorker.CHECKPOINT](m) {
    // The run it belongs to is the current one now: an experiment queue makes the next run current right after.
    const run = app.runs.current;
    app.experiments.onCheckpoint(m, run);
    later(() => app.persistence.saveCheckpoint(m, run));
  },
  [FromWorker.QUEUE]: (m) => app.experiments.onQueue(m),
  [FromWorker.ERROR](m) {
    if (m.scope === 'data') app.data.showError(m.message);
    app.notices.showError(m);
  },
};

app.slow = new SlowLog();
// A lost worker takes the experiment queue's run with it: the new one resumes the queue once its data is back.
function workerLost(reason) {
  app.experiments.forget();
  app.recovery.crashed(reason);
}

app.client = new WorkerClient({
  url: new URL('../worker/worker.js', import.meta.url),
  handlers,
  onCrash: workerLost,
  slow: app.slow,
});
app.notices = new Notices();
app.data = new DataPanel(app);
app.form = new ConfigForm(app);
app.controls = new Controls(app);
app.threads = new ThreadsControl(app);
app.runs = new Runs();
app.runList = new RunList(app);
app.stats = new Stats(app);
app.confusion = new ConfusionView(app);
app.views = new ModelViews(app);
app.inspector = new Inspector(app);
app.pad = new DrawPanel(app);
app.persistence = new Persistence(app);
app.recovery = new Recovery(app);
app.experiments = new Experiments(app);
app.figures = new FigureViews(app);
app.share = new SharePanel(app);
app.exports = new ExportPanel(app);

app.form.setup();
app.stats.setup();
app.confusion.setup();
app.pad.setup();
app.views.setup();
app.inspector.setup();
app.share.setup();
app.exports.setup();
app.controls.setup();
app.data.setup();
app.persistence.setup();
app.runList.setup();
app.figures.setup();
app.experiments.setup();
$('alert-dismiss').addEventListener('click', () => app.notices.hideAlert());
$('alert-restart').addEventListener('click', () => {
  app.experiments.forget();
  app.recovery.restartNow();
});

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
  get saveError() {
    return app.persistence.saveError;
  },
  get dataRef() {
    return app.data.ref;
  },
  get recovery() {
    return app.recovery.lastReport;
  },
  get engineCheck() {
    return app.form.engineCheck;
  },
  /** The experiment queue (experiment_store.js's form), or null; its last checkpoint stored. */
  get queue() {
    return app.experiments.queue;
  },
  get queueSaved() {
    return app.experiments.lastSaved;
  },
  /** What the report's figures show: [{ id, number, caption, columns, rows: [{ epoch, cells }], runIds }]. */
  get figures() {
    return app.figures.snapshot();
  },
  /** True when the figures show what the runs say (no redraw queued). */
  get figuresSettled() {
    return app.figures.settled;
  },
  // Test hooks: the worker fails with an error event, closes itself, hangs, or is killed without a word.
  /** The layers' health last shown (an entry of run.health), or null. */
  get health() {
    return app.inspector.latestHealth;
  },
  /** What the link the page was opened with set: { applied, errors, experiment }, or null. */
  get link() {
    return app.share.result;
  },
  crashWorker: () => app.client.send(ToWorker.CRASH),
  closeWorker: () => app.client.send(ToWorker.CLOSE),
  hangWorker: () => app.client.send(ToWorker.HANG),
  killWorker: () => app.client.kill(),
  /** The model's probabilities for an image (an array of pixels in [0, 1]). */
  predict: (pixels) =>
    app.client.request(ToWorker.PREDICT, { image: Float32Array.from(pixels) }).then((m) => Array.from(m.probabilities)),
  /** The engine's heap: { allocatedBytes, memoryBytes, peakHeapBytes }. */
  memory: () =>
    app.client
      .request(ToWorker.MEMORY)
      .then(({ allocatedBytes, memoryBytes, peakHeapBytes }) => ({ allocatedBytes, memoryBytes, peakHeapBytes })),
});
