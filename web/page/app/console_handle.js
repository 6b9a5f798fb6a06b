// window.mnist: the session as the browser console (and the browser tests)
// can read it, and, only on a page whose test hooks are on, the faults the
// resilience tests provoke (the worker fails, closes, hangs or is killed)
// and the engine's heap. The hooks are on when the test harness sets
// `globalThis.__mnistTestHooks` before the page's scripts run (the
// production page never does); the worker then answers their requests too.

/**
 * @import { SessionStore } from './session_store.js'
 * @import { WorkerClient } from './worker_client.js'
 */

/** True when the browser tests asked for the test hooks. */
export const testHooksOn = () => globalThis.__mnistTestHooks === true;

/**
 * @param {{ store: SessionStore, client: WorkerClient, slow: { entries: object[] },
 *   persistence: { lastSaved: object | null, saveError: string | null },
 *   recovery: { lastReport: object | null }, experiments: { lastSaved: object | null },
 *   figures: { snapshot(): object[], settled: boolean }, share: { result: object | null },
 *   settings: { engineCheck: object | null }, currentView: () => string }} session
 */
export function exposeSession({
  store,
  client,
  slow,
  persistence,
  recovery,
  experiments,
  figures,
  share,
  settings,
  currentView,
}) {
  const handle = {
    get state() {
      return store.train.state === 'none' ? 'none' : store.train.state;
    },
    get trainer() {
      return store.trainer;
    },
    get run() {
      return store.runs.current;
    },
    get runs() {
      return store.runs.list;
    },
    get dataInfo() {
      return store.data.info;
    },
    get dataRef() {
      return store.data.ref;
    },
    get samplesPerSecond() {
      return store.train.samplesPerSecond;
    },
    get slow() {
      return slow.entries;
    },
    get lastSaved() {
      return persistence.lastSaved;
    },
    get saveError() {
      return persistence.saveError;
    },
    get recovery() {
      return recovery.lastReport;
    },
    get engineCheck() {
      return settings.engineCheck;
    },
    /** The engine's defaults and limits (engine.constants(), from the worker's `ready`), or null before it. */
    get constants() {
      return store.engine?.constants ?? null;
    },
    /** The experiment queue (experiment_store.js's form), or null; its last checkpoint stored. */
    get queue() {
      return store.queue;
    },
    get queueSaved() {
      return experiments.lastSaved;
    },
    /** What the report's figures show: [{ id, number, caption, columns, rows: [{ epoch, cells }], runIds }]. */
    get figures() {
      return figures.snapshot();
    },
    /** True when the figures show what the runs say (no redraw waiting). */
    get figuresSettled() {
      return figures.settled;
    },
    /** The layers' health last measured (an entry of run.health), or null. */
    get health() {
      return store.health;
    },
    /** What the link the page was opened with set: { applied, errors, experiment }, or null. */
    get link() {
      return share.result;
    },
    /** The learning-rate finder: { status, error, last: { key, config, result: { rates, pick, reason, … }, at } }. */
    get lrFinder() {
      return store.lrFinder;
    },
    /** The view shown. */
    get view() {
      return currentView();
    },
    /** The digit the views inspect: { source: 'gallery' | 'drawn', gallery, drawn }. */
    get digit() {
      return store.digit;
    },
    /** One image of a split traced through the live network (as mlp_train --trace N --trace-split). */
    traceBackprop: (split, index) => client.request('traceBackpropSplit', { split, index }).then(({ trace }) => trace),
    /** The model's probabilities for an image (an array of pixels in [0, 1]). */
    predict: (pixels) =>
      client.request('predict', { image: Float32Array.from(pixels) }).then((m) => Array.from(m.probabilities)),
  };
  if (testHooksOn())
    Object.assign(handle, {
      crashWorker: () => client.send('crash'),
      closeWorker: () => client.send('close'),
      hangWorker: () => client.send('hang'),
      killWorker: () => client.kill(),
      /** The engine's heap: { allocatedBytes, memoryBytes, peakHeapBytes }. */
      memory: () => client.request('memory'),
    });
  Object.defineProperty(window, 'mnist', { value: Object.freeze(handle), configurable: true });
}
