// The page's entry point (main thread): builds the session store, the
// worker client, the services and the views, each given only what it uses,
// and starts the worker. No training or evaluation happens on this thread.
//
// Data flows one way: the worker's events go to the store (app/session_store.js),
// views subscribe to the store and draw; views call commands (training,
// data, runs, experiments), which ask the worker; its answers and events
// come back to the store. The folders are the features: app/ (the worker,
// the store, navigation, recovery), ui/ (shared DOM helpers), settings/,
// training/, data/, runs/, share/, classify/, drawing/, inside/, backprop/,
// report/.
import { exposeSession, testHooksOn } from './app/console_handle.js';
import { ensureIsolation } from './app/isolation.js';
import { Navigation } from './app/navigation.js';
import { Recovery } from './app/recovery.js';
import { SessionStore } from './app/session_store.js';
import { WorkerClient } from './app/worker_client.js';
import { BackpropView } from './backprop/backprop_view.js';
import { DynamicsView } from './backprop/dynamics_view.js';
import { ConfusionView } from './classify/confusion_view.js';
import { GalleryView } from './classify/gallery_view.js';
import { DataSource } from './data/data_source.js';
import { DataView } from './data/data_view.js';
import { DrawView } from './drawing/draw_view.js';
import { HealthView } from './inside/health_view.js';
import { PathView } from './inside/path_view.js';
import { WeightsView } from './inside/weights_view.js';
import { LrFinder } from './lr_finder/lr_finder.js';
import { LrFinderView } from './lr_finder/lr_finder_view.js';
import { Analysis } from './report/analysis.js';
import { StoredChoices } from './report/experiment_choices.js';
import { Experiments } from './report/experiments.js';
import { ExperimentsView } from './report/experiments_view.js';
import { FiguresView } from './report/figures_view.js';
import { SpikeStudyView } from './report/spike_study_view.js';
import { SweepStudyView } from './report/sweep_study_view.js';
import { OptimiserStudyView } from './report/optimiser_study_view.js';
import { ExportView } from './runs/export_view.js';
import { ModelFileView } from './runs/model_file_view.js';
import { Persistence } from './runs/persistence.js';
import { RunListView } from './runs/run_list_view.js';
import * as storage from './runs/storage.js';
import { EngineStatusView } from './settings/engine_status_view.js';
import { SettingsFormView } from './settings/settings_form_view.js';
import { ThreadsView } from './settings/threads_view.js';
import { ShareView } from './share/share_view.js';
import { ControlsView } from './training/controls_view.js';
import { CurvesView } from './training/curves_view.js';
import { EpochTableView } from './training/epoch_table_view.js';
import { PresentationToggle } from './ui/presentation.js';
import { StatsView } from './training/stats_view.js';
import { StatusBarView } from './training/status_bar_view.js';
import { TrainingCommands } from './training/training_commands.js';
import { $, queryAll } from './ui/dom.js';
import { ItemWordsView } from './ui/item_words_view.js';
import { Notices } from './ui/notices.js';
import { whenOpen } from './ui/redraw.js';
import { SlowLog } from './ui/slow_log.js';

const slow = new SlowLog();
const store = new SessionStore();
const notices = new Notices();
const nav = new Navigation({ nav: $('views-nav'), views: queryAll(document, 'main > section.view') });
const shown = (id) => nav.visibility(id);

const workerUrl = new URL(`../worker/worker.js${testHooksOn() ? '?testHooks' : ''}`, import.meta.url);
/** @type {Recovery} */
let recovery;
const client = new WorkerClient({
  url: workerUrl,
  onEvent: (event) => store.apply(event),
  onCrash: (reason) => recovery.crashed(reason),
  onFailure: (err) => notices.showError(err),
  slow,
});

// Services: the commands and what keeps the session (no DOM of their own).
const settings = new SettingsFormView({ store, client, notices, onSubmit: () => training.train() });
const training = new TrainingCommands({ store, client, notices, form: settings });
const data = new DataSource({ store, client });
const persistence = new Persistence({ store, client, notices, settings });
const experiments = new Experiments({ store, client, notices, settings });
const lrFinder = new LrFinder({ store, client, storage });
const experimentChoices = new StoredChoices(storage); // the Experiments form's, kept over a reload
recovery = new Recovery({
  store,
  client,
  notices,
  forget: () => {
    persistence.forget();
    experiments.forget();
  },
});

// Views: each draws what it is given, and only while it is on screen.
new EngineStatusView({ store });
new ItemWordsView({ store });
new ThreadsView({ store, client, notices });
new StatusBarView({ store, commands: training });
const dataView = new DataView({ store, source: data, notices });
new ControlsView({ store, commands: training, notices });
new StatsView({ store, visibility: shown('train') });
const curves = new CurvesView({ store, visibility: shown('train'), loss: $('chart-loss'), accuracy: $('chart-acc') });
new EpochTableView({ store, visibility: shown('train') });
const lrFinderView = new LrFinderView({ store, finder: lrFinder, settings, notices, visibility: shown('train') });
const experimentsView = new ExperimentsView({
  store,
  experiments,
  visibility: shown('experiments'),
  choices: experimentChoices,
});
const figures = new FiguresView({ store, visibility: shown('experiments') });
// The engine's analysis of the runs' numbers (the worker's 'analyse'), for the studies' views.
const analysis = new Analysis({ client });
const spikeStudy = new SpikeStudyView({ store, analysis, visibility: shown('experiments') });
const sweep = new SweepStudyView({
  store,
  analysis,
  visibility: shown('experiments'),
  root: $('study-sweep-body'),
  replan: () => experimentsView.render(),
  choices: experimentChoices,
});
const optimiserStudy = new OptimiserStudyView({
  store,
  analysis,
  visibility: shown('experiments'),
  root: $('study-optimisers-body'),
});
new WeightsView({ store, client, visibility: shown('inside') });
new PathView({ store, client, visibility: whenOpen($('path-panel', HTMLDetailsElement), shown('inside')) });
const health = new HealthView({
  store,
  client,
  visibility: whenOpen($('health-panel', HTMLDetailsElement), shown('inside')),
});
new BackpropView({ store, client, visibility: shown('backprop') });
const dynamics = new DynamicsView({ store, client, visibility: shown('backprop') });
const gallery = new GalleryView({ store, client, notices, visibility: shown('classify') });
new ConfusionView({
  store,
  notices,
  visibility: shown('classify'),
  openCell: (split, truth, guess) => gallery.showCell(split, truth, guess),
});
new DrawView({ store, client, notices, visibility: shown('classify') });
new ModelFileView({ store, persistence, notices });
new RunListView({ store, visibility: shown('runs') });
new ExportView({ store, notices, visibility: shown('runs'), plots: curves.plots });
const share = new ShareView({
  store,
  notices,
  writeSettings: (values) => settings.write(values),
  experiments: experimentsView,
  currentView: () => nav.current,
});

// Presentation mode: larger type; the charts are built again with larger labels.
new PresentationToggle({
  button: $('btn-presentation', HTMLButtonElement),
  onChange: () => {
    curves.restyle();
    figures.restyle();
    spikeStudy.restyle();
    sweep.restyle();
    optimiserStudy.restyle();
    health.restyle();
    dynamics.restyle();
    lrFinderView.restyle();
  },
});

// A worker's life: once its engine is ready, the data the saved model was trained on; once that is
// loaded, the saved model and runs, then an interrupted experiment queue, then the page's own link.
store.on('ready', async () => {
  lrFinder.restoreOnce(); // the last range test, shown again for the same settings
  const problem = await data.loadInitial(await persistence.wantedData());
  if (problem) dataView.showRestoreProblem(problem.problem);
});
store.on('data', async () => {
  if (store.data.status !== 'ready') return;
  recovery.afterRestore(await persistence.restoreOnce());
  await experiments.restoreOnce();
  share.applyOnce(); // after any saved model is restored, so that the link has the last word
});

exposeSession({
  store,
  client,
  slow,
  persistence,
  recovery,
  experiments,
  figures,
  spikeStudy,
  sweep,
  share,
  settings,
  currentView: () => nav.current,
});
storage.persist();
// The worker starts once the page is as isolated as it can be (a reload may come first).
if (!(await ensureIsolation())) client.start();
