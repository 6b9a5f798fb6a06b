// What the worker does for each request from the page (web/shared/protocol.js):
// data loading, trainers, training control (delegated to the TrainingSession),
// predictions and model files. A handler that throws is answered with an
// `error` in the request's scope (see SCOPES); the entry point does that.
import { FromWorker, ToWorker } from '../shared/protocol.js';
import { downloadMnist, readIdxFiles } from './mnist_data.js';

/** Validation images held out of MNIST's 60,000 training images. */
export const VALIDATION_SIZE = 10000;

/** The scope of a request's errors, which decides how the page shows them; 'train' otherwise. */
export const SCOPES = Object.freeze({
  [ToWorker.LOAD_MNIST]: 'data',
  [ToWorker.LOAD_IDX]: 'data',
  [ToWorker.CREATE]: 'config',
  [ToWorker.LOAD_MODEL]: 'model',
  [ToWorker.SET_LEARNING_RATE]: 'config',
  [ToWorker.SET_OPTIMIZER]: 'config',
  [ToWorker.PREDICT]: 'predict',
  [ToWorker.PREDICT_TEST_SET]: 'predict',
  [ToWorker.GET_WEIGHTS]: 'predict',
});

/** The engine's threads, as the protocol's Threads shape. */
export function threadsInfo(engine) {
  const { available, active } = engine.threads;
  return { threaded: Boolean(engine.threaded), available, active, reason: engine.singleThreadReason ?? null };
}

/**
 * The request handlers, by type. engine: the loaded engine (engine.mjs);
 * session: the TrainingSession; emit(type, payload): sends to the page;
 * siteUrl: the site's root, where data/manifest.json is.
 */
export function requestHandlers({ engine, session, emit, siteUrl }) {
  function dataLoaded(raw, validation, answer) {
    const info = engine.loadData({ ...raw, validation });
    session.setData(info);
    emit(FromWorker.DATA_READY, { ...answer, info });
  }

  return {
    async [ToWorker.LOAD_MNIST]() {
      const { raw, source, cached } = await downloadMnist(siteUrl, (p) => emit(FromWorker.DATA_PROGRESS, p));
      dataLoaded(raw, VALIDATION_SIZE, { source, cached });
    },
    async [ToWorker.LOAD_IDX](msg) {
      const raw = await readIdxFiles(msg);
      dataLoaded(raw, msg.validation, { id: msg.id, source: 'your IDX files', cached: false });
    },
    [ToWorker.CREATE](msg) {
      session.replaceTrainer(engine.createTrainer(msg.config), { runMs: msg.runMs });
      emit(FromWorker.TRAINER, session.trainerInfo('created', msg.id));
    },
    [ToWorker.LOAD_MODEL](msg) {
      const next = engine.loadModel(new Uint8Array(msg.bytes));
      const data = session.dataInfo;
      const inputs = next.config().layers[0];
      if (data && inputs !== data.rows * data.cols) {
        next.delete();
        throw new Error(`this model takes ${inputs} inputs but the loaded images have ${data.rows}×${data.cols} = ${data.rows * data.cols} pixels`);
      }
      session.replaceTrainer(next, { runMs: msg.runMs });
      emit(FromWorker.TRAINER, session.trainerInfo(msg.reason ?? 'loaded', msg.id));
    },
    [ToWorker.TRAIN](msg) {
      session.train(msg);
    },
    [ToWorker.PAUSE]() {
      session.pause();
    },
    [ToWorker.STEP]() {
      session.step();
    },
    [ToWorker.STOP]() {
      session.stop();
    },
    [ToWorker.SET_LEARNING_RATE](msg) {
      session.setLearningRate(msg.learningRate, msg.id);
    },
    [ToWorker.SET_OPTIMIZER](msg) {
      session.setOptimizer(msg.optimizer, msg.id);
    },
    [ToWorker.SET_SCHEDULE](msg) {
      session.setSchedule(msg.lrDecay);
    },
    [ToWorker.SET_THREADS](msg) {
      // Requests run between chunks, so the next batch trains on the new count.
      engine.setThreads(Math.max(1, Math.min(msg.threads, engine.threads.available)));
      emit(FromWorker.THREADS, { id: msg.id, threads: threadsInfo(engine) });
    },
    [ToWorker.PREDICT](msg) {
      const probabilities = session.requireTrainer().predict(msg.image);
      emit(FromWorker.PREDICTION, { id: msg.id, probabilities });
    },
    [ToWorker.PREDICT_TEST_SET](msg) {
      const p = session.requireTrainer().predictSplit('test');
      const data = session.dataInfo;
      const images = msg.withImages ? engine.splitImages('test', 0, data.test) : null;
      emit(FromWorker.PREDICTIONS, {
        id: msg.id,
        labels: p.labels,
        predicted: p.predicted,
        probabilities: p.probabilities,
        images,
        rows: data.rows,
        cols: data.cols,
      });
    },
    [ToWorker.GET_WEIGHTS](msg) {
      const w = session.requireTrainer().layerWeights(msg.layer);
      emit(FromWorker.WEIGHTS, { id: msg.id, layer: msg.layer, rows: w.rows, cols: w.cols, data: w.data });
    },
    [ToWorker.SAVE](msg) {
      const bytes = session.requireTrainer().save();
      emit(FromWorker.MODEL, { id: msg.id, bytes: bytes.buffer });
    },
    [ToWorker.CRASH]() {
      // Test hook: an uncaught error, as a real crash would be.
      setTimeout(() => {
        throw new Error('simulated worker crash');
      });
    },
  };
}
