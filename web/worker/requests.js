// What the worker does for each request of the page (web/shared/protocol.js's
// REQUESTS): data loading, trainers, training control (the TrainingSession's),
// predictions and model files. Each handler returns the request's answer
// (worker.js sends it with the request's id); state changes go to the page as
// events. A handler that throws an error with a `kind` (the engine's, or a
// ReportedError) is answered with a `failure` in the request's scope; one
// without a kind ends the worker (worker.js).
import { analyse, rangeTest, rangeTestBusyMs } from './analysis.js';
import { CsvError, LISTED_PROBLEMS, parseCsv } from './csv_data.js';
import { ReportedError } from './errors.js';
import { decodeImage } from './image_decoder.js';
import { ZipError, readImageZip } from './image_folders.js';
import { splitForEngine } from './labelled_images.js';
import { dataError, downloadMnist, readIdxFiles } from './mnist_data.js';

/**
 * @import { AnswerOf, DataReportValue, RequestPayload, RequestType, ThreadsValue } from '../shared/protocol.js'
 * @import { Engine } from '../wasm/engine.mjs'
 * @import { Emit, TrainingSession } from './training_session.js'
 * @import { ExperimentQueue } from './experiment_queue.js'
 * @import { Inspector } from './inspection.js'
 */
/**
 * A handler for every request: its payload in, its answer (or a promise of it) out.
 * @typedef {{ [K in RequestType]: (payload: RequestPayload<K>) => AnswerOf<K> | Promise<AnswerOf<K>> }} Handlers
 */

const isOutOfMemory = (err) => err?.kind === 'OutOfMemory';

/**
 * The engine's threads, as the protocol's Threads shape.
 * @param {Engine} engine
 * @returns {ThreadsValue}
 */
export function threadsInfo(engine) {
  const { available, active } = engine.threads;
  return { threaded: Boolean(engine.threaded), available, active, reason: engine.singleThreadReason ?? null };
}

/**
 * The request handlers. siteUrl: the site's root, where data/manifest.json is; onBusy(ms): the next
 * call may keep the worker silent that long (the page's watchdog waits).
 * @param {{ engine: Engine, session: TrainingSession, experiments: ExperimentQueue, inspector: Inspector,
 *   emit: Emit, siteUrl: URL, onBusy?: (ms: number) => void }} parts
 * @returns {Handlers}
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

  /**
   * @param {any} raw the four IDX files by role (trainImages, …: raw bytes)
   * @param {number | undefined} validation training images held out (undefined: the engine's default)
   * @param {{ source: string, cached: boolean, classNames?: string[] }} about classNames: left out for digits
   */
  function dataLoaded(raw, validation, { source, cached, classNames }) {
    onBusy(1000 + Object.values(raw).reduce((n, b) => n + b.byteLength, 0) / 20_000); // parsing: ~20 MB/s at worst
    const info = engine.loadData({ ...raw, validation });
    session.setData(info);
    emit('dataReady', { info, source, cached, classNames });
    return null;
  }

  /**
   * Converted images (the user's CSV or zip) to the engine as IDX bytes, split as asked; the report of
   * what was kept and skipped.
   * @returns {DataReportValue}
   */
  function convertedLoaded(train, test, shares, { source, skipped, problems, classNames = null }) {
    let split;
    try {
      split = splitForEngine(train, test, shares);
    } catch (err) {
      if (err instanceof RangeError) throw dataError(err.message);
      throw err;
    }
    const { trainImages, trainLabels, testImages, testLabels, validation, counts } = split;
    dataLoaded({ trainImages, trainLabels, testImages, testLabels }, validation, {
      source,
      cached: false,
      classNames: classNames ?? undefined,
    });
    return { ...counts, skipped, problems: problems.slice(0, LISTED_PROBLEMS), classNames };
  }

  /** Reads a CSV file's images; its problems are the user's (DataError). */
  function readCsv(buffer, name) {
    try {
      return parseCsv(new Uint8Array(buffer), name);
    } catch (err) {
      throw err instanceof CsvError ? dataError(err.message) : err;
    }
  }

  return {
    async loadMnist() {
      const { raw, source, cached } = await downloadMnist(siteUrl, (p) => emit('dataProgress', p));
      return dataLoaded(raw, undefined, { source, cached }); // the engine's hold-out (constants().validationImages)
    },
    async loadIdx(files) {
      const raw = await readIdxFiles(files);
      return dataLoaded(raw, files.validation, { source: 'your IDX files', cached: false });
    },
    loadCsv({ train, trainName, test, testName, testShare, validationShare }) {
      onBusy(1000 + (train.byteLength + (test?.byteLength ?? 0)) / 20_000); // one pass over the bytes
      const trainSet = readCsv(train, trainName);
      const testSet = test ? readCsv(test, testName) : null;
      return convertedLoaded(
        trainSet.images,
        testSet?.images ?? null,
        { testShare, validationShare },
        {
          source: `your CSV (${test ? `${trainName}, ${testName}` : trainName})`,
          skipped: trainSet.skipped + (testSet?.skipped ?? 0),
          problems: [...trainSet.problems, ...(testSet?.problems ?? [])],
        },
      );
    },
    async loadImageZip({ zip, name, testShare, validationShare }) {
      const { unzipSync } = await import('../vendor/fflate.js'); // loaded the first time it is needed
      let images;
      try {
        images = await readImageZip(new Uint8Array(zip), { unzip: unzipSync, decode: decodeImage, name });
      } catch (err) {
        throw err instanceof ZipError ? dataError(err.message) : err;
      }
      return convertedLoaded(
        images.train,
        images.test,
        { testShare, validationShare },
        {
          source: `your images (${name})`,
          skipped: images.skipped,
          problems: images.problems,
          classNames: images.classNames,
        },
      );
    },
    create({ config: wanted, runMs }) {
      const config = engine.validateConfig(wanted);
      onBusy(1000 + engine.parameterCount(config.layers) / 50_000); // zeroing and initialising the weights
      return session.useTrainer(
        roomFor(() => engine.createTrainer(config)),
        { runMs, reason: 'created' },
      );
    },
    loadModel({ bytes, reason, runMs }) {
      onBusy(1000 + bytes.byteLength / 20_000); // about 20 MB/s at worst
      const next = roomFor(() => engine.loadModel(new Uint8Array(bytes)));
      const data = session.dataInfo;
      const inputs = next.config().layers[0];
      if (data && inputs !== data.rows * data.cols) {
        next.delete();
        throw new ReportedError(
          `this model takes ${inputs} inputs but the loaded images have ${data.rows}×${data.cols} = ${data.rows * data.cols} pixels`,
        );
      }
      return session.useTrainer(next, { runMs, reason: reason ?? 'loaded' });
    },
    inspectModelFile({ bytes }) {
      onBusy(1000 + bytes.byteLength / 20_000);
      return engine.inspectModelFile(new Uint8Array(bytes));
    },
    loadForeignModel({ bytes, options }) {
      onBusy(1000 + bytes.byteLength / 20_000); // read, converted to float32, checked
      // The engine checks the shapes against the loaded data (its pixels in, its classes out).
      const next = roomFor(() => engine.loadForeignModel(new Uint8Array(bytes), options));
      return session.useTrainer(next, { reason: 'loaded' });
    },
    train(payload) {
      session.train(payload);
      return null;
    },
    pause() {
      session.pause();
      return null;
    },
    step() {
      session.step();
      return null;
    },
    stop() {
      session.stop();
      return null;
    },
    setLearningRate({ learningRate }) {
      return session.setLearningRate(learningRate);
    },
    setOptimizer({ optimizer }) {
      return session.setOptimizer(optimizer);
    },
    setSchedule({ lrDecay }) {
      session.setSchedule(lrDecay);
      return null;
    },
    setPace({ pace }) {
      session.setPace(pace);
      return null;
    },
    setThreads({ threads }) {
      // Requests run between chunks, so the next batch trains on the new count.
      engine.setThreads(Math.max(1, Math.min(threads, engine.threads.available)));
      const info = threadsInfo(engine);
      emit('threads', { threads: info });
      return info;
    },
    predict({ image }) {
      return { probabilities: session.requireTrainer().predict(image) };
    },
    predictSplit({ withImages, split = 'test' }) {
      onBusy(1000 + 3 * session.expectedMs(session.dataInfo?.[split] ?? 0, { evaluation: true }));
      const p = session.requireTrainer().predictSplit(split);
      const data = session.dataInfo;
      return {
        labels: p.labels,
        predicted: p.predicted,
        probabilities: p.probabilities,
        images: withImages ? engine.splitImages(split, 0, data[split]) : null,
        rows: data.rows,
        cols: data.cols,
        split,
      };
    },
    getWeights({ layer }) {
      const w = session.requireTrainer().layerWeights(layer);
      return { layer, rows: w.rows, cols: w.cols, data: w.data };
    },
    traceDigit({ image }) {
      return inspector.trace(image);
    },
    traceBackprop({ image, label }) {
      const trainer = session.requireTrainer();
      onBusy(1000 + session.expectedMs(200)); // the forward and backward passes and the central differences
      return { ...trainer.traceBackprop(image, label), trainerStep: trainer.progress().step };
    },
    traceBackpropSplit({ split, index }) {
      const trainer = session.requireTrainer();
      onBusy(1000 + session.expectedMs(200));
      const trace = { ...trainer.traceBackpropSplit(split, index), trainerStep: trainer.progress().step };
      return { trace, image: engine.splitImages(split, index, 1) };
    },
    analyse(payload) {
      return analyse(engine, payload);
    },
    lrRangeTest({ config: wanted, options }) {
      // A fresh trainer of the asked settings (made, tested on a copy, freed), or a copy of the live one. Out
      // of memory beside the live trainer, it says so: the live one is never let go for a test.
      const fresh = wanted ? engine.createTrainer(engine.validateConfig(wanted)) : null;
      const trainer = fresh ?? session.requireTrainer();
      try {
        const { batchSize, layers } = trainer.config();
        const batches = options?.batches ?? engine.lrRangeDefaults().batches;
        onBusy(rangeTestBusyMs({ batches, batchSize, parameters: engine.parameterCount(layers) }));
        return rangeTest(trainer, options);
      } finally {
        fresh?.delete();
      }
    },
    expectedInitialLoss({ config }) {
      return engine.expectedInitialLoss(config);
    },
    inspectHealth() {
      inspector.health();
      return null;
    },
    setInspection(wanted) {
      inspector.setWanted(wanted);
      return null;
    },
    save() {
      const trainer = session.requireTrainer();
      onBusy(1000 + (engine.parameterCount(trainer.config().layers) * 12) / 50_000);
      return { bytes: trainer.save().buffer };
    },
    exportOnnx() {
      const trainer = session.requireTrainer();
      onBusy(1000 + (engine.parameterCount(trainer.config().layers) * 4) / 50_000); // the weights, streamed once
      return { bytes: trainer.exportOnnx().buffer };
    },
    queueStart(payload) {
      experiments.start(payload);
      return null;
    },
    queuePause() {
      experiments.pause();
      return null;
    },
    queueResume() {
      experiments.resume();
      return null;
    },
    queueCancel() {
      experiments.cancel();
      return null;
    },
    checkConfig({ config: wanted }) {
      const config = engine.validateConfig(wanted); // every field, and the memory they need together
      return { config, memory: engine.memoryEstimate(config) };
    },
    memory() {
      return {
        allocatedBytes: engine.allocatedBytes(),
        memoryBytes: engine.memoryBytes(),
        peakHeapBytes: engine.peakHeapBytes(),
      };
    },
    close() {
      // Test hook: the worker ends without an error event, as when the browser kills it.
      self.close();
      return null;
    },
    hang() {
      // Test hook: a worker that never answers again.
      for (;;);
    },
    crash() {
      // Test hook: an uncaught error, as a real crash would be (a microtask: at once, even while training).
      queueMicrotask(() => {
        throw new Error('simulated worker crash');
      });
      return null;
    },
  };
}
