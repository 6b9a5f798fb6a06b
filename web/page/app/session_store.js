// The page's one copy of the training session: what the worker said (the
// engine, the data, the trainer, the training state) and what the page keeps
// of it (the run history with the current run's curves, the experiment
// queue, the form's settings, the digit being inspected). Data flows one
// way: the worker client hands every event to apply(), the only place where
// an event changes the state; views subscribe to the topics they show and
// never change the state themselves (commands do, through the setters below,
// after asking the worker). Each topic is announced after the state changed.
//
// Topics: 'ready' (a worker's engine started) 'engine' (also the worker's
// state and its threads) 'data' 'trainer' 'train' (the
// training state) 'runs' (the history: runs added, removed, overlaid, the
// current one replaced) 'chunk' 'epoch' 'health' 'checkpoint' 'queue'
// 'dynamics' 'diverged' 'error' 'settings' 'digit' 'saving' 'lrFinder'.
import { State } from '../../shared/protocol.js';
import { healthEntry, recordHealth } from '../inside/health.js';
import { RunHistory } from '../runs/run_history.js';
import { addEpoch, appendChunk, appendDynamics } from '../runs/run_record.js';

/**
 * @import { AnyEvent, EventOf, ThreadsValue, DataInfoValue, ProgressValue, SpikeRuleValue } from '../../shared/protocol.js'
 * @import { Constants, Preset, SchemaField } from '../../wasm/engine.mjs'
 * @import { Run, EpochEntry, HealthEntry } from '../runs/run_record.js'
 * @import { LrFinderState } from '../lr_finder/lr_finder.js'
 */

/**
 * The engine, as its `ready` event describes it.
 * @typedef {object} EngineState
 * @property {boolean} simd
 * @property {ThreadsValue} threads
 * @property {SchemaField[]} schema the configuration's fields (engine.schema())
 * @property {Preset[]} presets the core's readings of the report
 * @property {Constants} constants the engine's defaults and limits (engine.constants())
 * @property {SpikeRuleValue} spikeRule what the engine calls a spike (engine.spikeRule())
 */
/**
 * Which data is loaded: MNIST (id: the manifest's name) or the user's files: IDX files (names by role,
 * validation images held out), CSV files (names: train, test) or a zip of image folders (names: zip),
 * with the shares held out for testing and validation (what re-reading them needs).
 * @typedef {{ kind: 'mnist', id: string }
 *   | { kind: 'idx', id: string, names: Record<string, string>, validation: number }
 *   | { kind: 'csv' | 'zip', id: string, names: Record<string, string>, testShare: number, validationShare: number }} DataRef
 */
/**
 * @typedef {object} DataState
 * @property {'loading' | 'ready' | 'error'} status
 * @property {DataInfoValue | null} info
 * @property {string} source what the data is called ('MNIST', 'your IDX files')
 * @property {DataRef | null} ref
 * @property {{ loaded: number, total: number, file: string, cached: number } | null} progress
 * @property {string | null} error
 * @property {boolean} cached
 * @property {string[] | null} classNames the data's names of its classes, label by label (null: the digits 0–9)
 */
/**
 * The worker's trainer.
 * @typedef {{ config: Record<string, any>, progress: ProgressValue, parameters: number }} TrainerState
 */
/**
 * The training state: 'none' (no trainer) or the worker's State; what Train aims at; what locks the controls.
 * @typedef {object} TrainState
 * @property {'none' | 'idle' | 'running' | 'paused' | 'diverged'} state
 * @property {string | undefined} message why it changed ('finished', 'step', 'stopped', a divergence)
 * @property {number | null} targetEpoch
 * @property {number} samplesPerSecond
 * @property {string | null} lock why Train, Step, Stop and Reset are off (an experiment queue owns the trainer)
 */
/**
 * The form's settings: its values (strings) by field, and validated (settings.js validateForm).
 * @typedef {{ config: Record<string, any> | null, epochs: number | null, schedule: { lrDecay: number } | null,
 *   errors: Record<string, string>, values?: Record<string, string>, fields?: string[] }} SettingsState
 */
/**
 * A digit to look inside the network with: its pixels in [0, 1] and what it is.
 * @typedef {{ image: Float32Array, label: number | null, text: string, split?: string, index?: number }} Digit
 */
/**
 * @typedef {{ source: 'gallery' | 'drawn', gallery: Digit | null, drawn: Digit | null }} DigitState
 */

/** The dimensions the form validates against until data is loaded: MNIST's. */
const MNIST_DIMS = Object.freeze({ rows: 28, cols: 28 });

export class SessionStore {
  /** @type {EngineState | null} */
  engine = null;
  /** @type {DataState} */
  data = {
    status: 'loading',
    info: null,
    source: 'MNIST',
    ref: null,
    progress: null,
    error: null,
    cached: false,
    classNames: null,
  };
  /** @type {TrainerState | null} */
  trainer = null;
  /** @type {TrainState} */
  train = { state: 'none', message: undefined, targetEpoch: null, samplesPerSecond: 0, lock: null };
  runs = new RunHistory();
  /** The experiment queue (report/experiment_store.js's form), or null. */
  queue = null;
  /** @type {SettingsState} */
  settings = { config: null, epochs: null, schedule: null, errors: {} };
  /** @type {DigitState} */
  digit = { source: 'gallery', gallery: null, drawn: null };
  /** @type {HealthEntry | null} the layers' health last measured */
  health = null;
  /** @type {{ text: string, kind: 'ok' | 'error' } | null} what the last save (or restore) of the model did */
  saving = null;
  /** @type {'starting' | 'ready' | 'restarting' | 'crashed'} the training worker */
  worker = 'starting';
  /** @type {LrFinderState} the learning-rate finder (lr_finder/lr_finder.js) */
  lrFinder = { status: 'idle', error: null, errorKey: null, last: null };

  /** @type {Map<string, Set<(detail: any) => void>>} */
  #listeners = new Map();
  /** @type {DataRef | null} the data a loadIdx under way will bring */
  #expectedRef = null;

  /**
   * Calls listener(detail) after each change of `topic`; returns the unsubscribe function.
   * @param {string} topic
   * @param {(detail: any) => void} listener
   */
  on(topic, listener) {
    if (!this.#listeners.has(topic)) this.#listeners.set(topic, new Set());
    this.#listeners.get(topic).add(listener);
    return () => this.#listeners.get(topic).delete(listener);
  }

  /**
   * Calls listener after a change of any of the topics (once per change).
   * @param {string[]} topics
   * @param {(detail: any) => void} listener
   */
  onAny(topics, listener) {
    const offs = topics.map((t) => this.on(t, listener));
    return () => offs.forEach((off) => off());
  }

  /** @param {string} topic @param {any} [detail] */
  #notify(topic, detail) {
    for (const listener of this.#listeners.get(topic) ?? []) listener(detail);
  }

  /** The sizes the form validates against: the loaded images' (MNIST's until data is loaded). */
  get dims() {
    const i = this.data.info ?? { ...MNIST_DIMS, train: Infinity };
    return { inputSize: i.rows * i.cols, classes: 10, trainSize: i.train };
  }

  /** The loaded images' size (MNIST's until data is loaded). */
  get imageSize() {
    return this.data.info ? { rows: this.data.info.rows, cols: this.data.info.cols } : { ...MNIST_DIMS };
  }

  /** True while the current training can be paused or resumed. */
  get active() {
    return this.train.state === State.RUNNING || this.train.state === State.PAUSED;
  }

  // ---- The worker's events: the only way they change the state ---------------------

  /** @param {AnyEvent} m */
  apply(m) {
    switch (m.type) {
      case 'ready':
        this.engine = {
          simd: m.simd,
          threads: m.threads,
          schema: /** @type {SchemaField[]} */ (m.schema),
          presets: /** @type {Preset[]} */ (m.presets),
          constants: /** @type {Constants} */ (m.constants),
          spikeRule: m.spikeRule,
        };
        this.worker = 'ready';
        this.#notify('engine');
        return this.#notify('ready');
      case 'threads':
        if (this.engine) this.engine = { ...this.engine, threads: m.threads };
        return this.#notify('engine');
      case 'dataProgress':
        this.data = { ...this.data, status: 'loading', progress: m, error: null };
        return this.#notify('data');
      case 'dataReady':
        this.data = {
          status: 'ready',
          info: m.info,
          source: m.source,
          ref: this.#expectedRef ?? { kind: 'mnist', id: m.source },
          progress: null,
          error: null,
          cached: m.cached,
          classNames: m.classNames ?? null,
        };
        this.#expectedRef = null;
        return this.#notify('data');
      case 'trainer':
        return this.#trainerChanged(m);
      case 'status':
        return this.#setTrainState(m.state, m.message);
      case 'chunk':
        return this.#chunk(m);
      case 'epoch':
        return this.#epoch(m);
      case 'health':
        return this.#health(m);
      case 'dynamics':
        if (this.runs.current) appendDynamics(this.runs.current, m);
        return this.#notify('dynamics', { run: this.runs.current });
      case 'diverged':
        if (this.trainer) this.trainer = { ...this.trainer, progress: m.progress };
        return this.#notify('diverged', m);
      case 'checkpoint':
        // The run it belongs to is the current one now: an experiment queue makes the next run current right after.
        return this.#notify('checkpoint', { checkpoint: m, run: this.runs.current });
      case 'queue':
        return this.#notify('queue', m);
      case 'error':
        if (m.scope === 'data') {
          this.data = { ...this.data, status: 'error', error: m.message };
          this.#notify('data');
        }
        return this.#notify('error', m);
      default:
        return undefined; // heartbeat, fatal: the client's
    }
  }

  /** @param {EventOf<'trainer'>} m */
  #trainerChanged(m) {
    if (!m.config) {
      this.trainer = null;
      this.#setTrainState('none');
    } else {
      this.trainer = { config: m.config, progress: m.progress, parameters: m.parameters };
      if (this.train.state === 'none') this.train = { ...this.train, state: State.IDLE };
    }
    this.#notify('trainer', m);
  }

  /** @param {TrainState['state']} state @param {string} [message] */
  #setTrainState(state, message) {
    const idle = state !== State.RUNNING && state !== State.PAUSED;
    this.train = { ...this.train, state, message, ...(idle ? { targetEpoch: null } : {}) };
    this.#notify('train');
  }

  /** @param {EventOf<'chunk'>} m */
  #chunk(m) {
    const run = this.runs.current;
    const progress = run
      ? appendChunk(run, m)
      : { epoch: m.epoch, batchInEpoch: m.batchInEpoch, batchesPerEpoch: m.batchesPerEpoch, step: m.step };
    if (this.trainer) this.trainer = { ...this.trainer, progress };
    this.train = { ...this.train, samplesPerSecond: m.samplesPerSecond };
    this.#notify('chunk', { run, chunk: m });
  }

  /** @param {EventOf<'epoch'>} m */
  #epoch(m) {
    const run = this.runs.current;
    if (!run) return;
    const entry = addEpoch(run, m);
    this.#notify('epoch', { run, entry, epoch: m });
  }

  /** @param {EventOf<'health'>} m */
  #health(m) {
    const entry = healthEntry(m);
    this.health = entry;
    const run = this.runs.current;
    if (run) recordHealth(run, entry, { requested: Boolean(m.requested) });
    this.#notify('health', { run, entry, requested: Boolean(m.requested) });
  }

  // ---- The page's commands: what they set after the worker answered ---------------------

  /** A loadIdx is under way: the data it brings is `ref` (the next dataReady). */
  expectData(ref) {
    this.#expectedRef = ref;
  }

  /** The worker is gone (a crash): its data and trainer with it. */
  workerLost() {
    this.data = { ...this.data, status: 'loading', info: null, progress: null };
    this.trainer = null;
    this.train = { ...this.train, state: 'none', message: undefined, targetEpoch: null, samplesPerSecond: 0 };
    this.#notify('data');
    this.#notify('trainer', null);
    this.#notify('train');
  }

  /** Training was asked to run until this epoch (null: no target). */
  setTarget(targetEpoch) {
    this.train = { ...this.train, targetEpoch };
    this.#notify('train');
  }

  /** Train, Step, Stop and Reset are off while `reason` holds (null: on again). */
  setLock(reason) {
    if (this.train.lock === reason) return;
    this.train = { ...this.train, lock: reason };
    this.#notify('train');
  }

  /** @param {SettingsState} settings the form's values, validated */
  setSettings(settings) {
    this.settings = settings;
    this.#notify('settings');
  }

  /** The experiment queue changed (report/experiments.js). */
  setQueue(queue) {
    this.queue = queue;
    this.#notify('queue', null);
  }

  /**
   * A digit to inspect was chosen (source 'gallery' or 'drawn'; digit null: that source has none now).
   * @param {'gallery' | 'drawn'} source
   * @param {Digit | null} digit
   * @param {{ select?: boolean }} [options] select: make it the one inspected
   */
  setDigit(source, digit, { select = true } = {}) {
    this.digit = { ...this.digit, [source]: digit, ...(select ? { source } : {}) };
    this.#notify('digit');
  }

  /** Which digit is inspected, of those chosen. @param {'gallery' | 'drawn'} source */
  chooseDigitSource(source) {
    this.digit = { ...this.digit, source };
    this.#notify('digit');
  }

  /** The run history changed (runs added, removed, overlaid; the current one replaced). */
  runsChanged() {
    this.#notify('runs');
  }

  /** What the last save or restore of the model did (runs/persistence.js). */
  setSaving(saving) {
    this.saving = saving;
    this.#notify('saving');
  }

  /** The worker is restarting (after a loss) or crashed for good (app/recovery.js). */
  setWorkerState(state) {
    this.worker = state;
    this.#notify('engine');
  }

  /** The learning-rate finder's state changed (lr_finder/lr_finder.js). @param {LrFinderState} state */
  setLrFinder(state) {
    this.lrFinder = state;
    this.#notify('lrFinder');
  }

  /** The layers' health shown (another current run: its last one, or none). */
  setHealth(entry) {
    this.health = entry;
    this.#notify('health', { run: this.runs.current, entry, requested: false });
  }
}
