// What the worker does for each request from the page (web/shared/protocol.js):
// data loading, trainers, training control (delegated to the TrainingSession),
// predictions and model files. A handler that throws an error with a `kind`
// (the engine's, or RequestError/DataError here) is answered with an `error`
// in the request's scope (see SCOPES); one without a kind ends the worker
// (worker.js). Calls that can run out of memory say so in their answer.
import { parameterCount } from '../shared/layers.js';
import { FromWorker, ToWorker } from '../shared/protocol.js';
import { downloadMnist, readIdxFiles } from './mnist_data.js';

/** A request that cannot be done as asked (no model yet, wrong input size): the page shows its message. */
export class RequestError extends Error {
  kind = 'RequestError';
}

/** Validation images held out of MNIST's 60,000 training images. */
export const VALIDATION_SIZE = 10000;

/** The scope of a request's errors, which decides how the page shows them; 'train' otherwise. */
export const SCOPES = Object.freeze({
  [ToWorker.LOAD_MNIST]: 'data',
  [ToWorker.LOAD_IDX]: 'data',
  [ToWorker.CREATE]: 'config',
  [ToWorker.LOAD_MODEL]: 'model',
  [ToWorker.QUEUE_START]: 'config',
  [ToWorker.SET_LEARNING_RATE]: 'config',
  [ToWorker.SET_OPTIMIZER]: 'config',
  [ToWorker.PREDICT]: 'predict',
  [ToWorker.PREDICT_TEST_SET]: 'predict',
  [ToWorker.GET_WEIGHTS]: 'predict',
  [ToWorker.CHECK_CONFIG]: 'config',
  [ToWorker.SAVE]: 'model',
  [ToWorker.TRACE_DIGIT]: 'predict',
  [ToWorker.INSPECT_HEALTH]: 'predict',
});

const isOutOfMemory = (err) => err?.kind === 'OutOfMemory';
/** The engine's threads, as the protocol's Threads shape. */
export function threadsInfo(engine) {
  const { available, active } = engine.threads;
  return { threaded: Boolean(engine.threaded), available, active, reason: engine.singleThreadReason ?? null };
}

/**
 * The request handlers, by type. engine: the loaded engine (engine.mjs);
 * session: the TrainingSession; experiments: the ExperimentQueue; inspector: the
 * Inspector (inspection.js);
 * emit(type, payload): sends to the page; siteUrl: the site's root, where
 * data/manifest.json is.
 */
export function requestHandlers({ engine, session, experiments, inspector, emit, siteUrl, onBusy = () => {} }) {
  // Runs make() for a new trainer; when it runs out of memory beside the current trainer (whose last
  // checkpoint the page keeps), the current one is let go and make() tried once more.
  function roomFor(make) {
    try {
      return make();
    } catch (err) {
      if (!isOutOfMemory(err) || !session.trainer) throw err;
      session.releaseTrainer();
      return make();
    }
  }

  function dataLoaded(raw, validation, answer) {
    onBusy(1000 + Object.values(raw).reduce((n, b) => n + b.byteLength, 0) / 20_000); // parsing: ~20 MB/s at worst
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
      const config = engine.validateConfig(msg.config);
      onBusy(1000 + parameterCount(config.layers) / 50_000); // zeroing and initialising the weights
      session.replaceTrainer(
        roomFor(() => engine.createTrainer(config)),
        { runMs: msg.runMs },
      );
      emit(FromWorker.TRAINER, session.trainerInfo('created', msg.id));
    },
    [ToWorker.LOAD_MODEL](msg) {
      onBusy(1000 + msg.bytes.byteLength / 20_000); // about 20 MB/s at worst
      const next = roomFor(() => engine.loadModel(new Uint8Array(msg.bytes)));
      const data = session.dataInfo;
      const inputs = next.config().layers[0];
      if (data && inputs !== data.rows * data.cols) {
        next.delete();
        throw new RequestError(
          `this model takes ${inputs} inputs but the loaded images have ${data.rows}×${data.cols} = ${data.rows * data.cols} pixels`,
        );
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
      const split = msg.split ?? 'test';
      onBusy(1000 + 3 * session.expectedMs(session.dataInfo?.[split] ?? 0, { evaluation: true }));
      const p = session.requireTrainer().predictSplit(split);
      const data = session.dataInfo;
      const images = msg.withImages ? engine.splitImages(split, 0, data[split]) : null;
      emit(FromWorker.PREDICTIONS, {
        id: msg.id,
        labels: p.labels,
        predicted: p.predicted,
        probabilities: p.probabilities,
        images,
        rows: data.rows,
        cols: data.cols,
        split: msg.split,
      });
    },
    [ToWorker.GET_WEIGHTS](msg) {
      const w = session.requireTrainer().layerWeights(msg.layer);
      emit(FromWorker.WEIGHTS, { id: msg.id, layer: msg.layer, rows: w.rows, cols: w.cols, data: w.data });
    },
    [ToWorker.TRACE_DIGIT](msg) {
      inspector.trace(msg.image, msg.id);
    },
    [ToWorker.INSPECT_HEALTH](msg) {
      inspector.health(msg.id);
    },
    [ToWorker.SET_INSPECTION](msg) {
      inspector.setWanted(msg);
    },
    [ToWorker.SAVE](msg) {
      const trainer = session.requireTrainer();
      onBusy(1000 + (parameterCount(trainer.config().layers) * 12) / 50_000);
      const bytes = trainer.save();
      emit(FromWorker.MODEL, { id: msg.id, bytes: bytes.buffer });
    },
    [ToWorker.QUEUE_START](msg) {
      experiments.start(msg);
    },
    [ToWorker.QUEUE_PAUSE]() {
      experiments.pause();
    },
    [ToWorker.QUEUE_RESUME]() {
      experiments.resume();
    },
    [ToWorker.QUEUE_CANCEL]() {
      experiments.cancel();
    },
    [ToWorker.CHECK_CONFIG](msg) {
      const config = engine.validateConfig(msg.config); // every field, and the memory they need together
      emit(FromWorker.CONFIG_CHECKED, { id: msg.id, config, memory: engine.memoryEstimate(config) });
    },
    [ToWorker.MEMORY](msg) {
      emit(FromWorker.MEMORY_REPORT, {
        id: msg.id,
        allocatedBytes: engine.allocatedBytes(),
        memoryBytes: engine.memoryBytes(),
        peakHeapBytes: engine.peakHeapBytes(),
      });
    },
    [ToWorker.CLOSE]() {
      // Test hook: the worker ends without an error event, as when the browser kills it.
      self.close();
    },
    [ToWorker.HANG]() {
      // Test hook: a worker that never answers again.
      for (;;);
    },
    [ToWorker.CRASH]() {
      // Test hook: an uncaught error, as a real crash would be (a microtask: at once, even while training).
      queueMicrotask(() => {
        throw new Error('simulated worker crash');
      });
    },
  };
}
