// Keeping the user's work: each checkpoint of the worker (the model, and the
// current run up to it: its header and what it added since the last save)
// saved in IndexedDB with the data it was trained on; the saved model and
// its run restored after a reload or for a new worker (only next to that
// data); models downloaded as .safetensors or ONNX, uploaded as .safetensors
// (ours, or a PyTorch state_dict imported with what it does not say). What happened is
// put in the store (store.saving) for the Runs view to show.
//
// The last checkpoint is also kept in memory, so a crashed worker's
// successor restores it even where IndexedDB is full or missing; then the
// page says that a reload would lose it, and training goes on.
import { State } from '../../shared/protocol.js';
import { describeConfig } from '../settings/settings.js';
import { sameData } from '../data/data_source.js';
import { readModelFile } from '../data/upload_checks.js';
import { assembleRun, serialiseRun } from './run_record.js';
import * as storage from './storage.js';

/**
 * @import { SessionStore, DataRef } from '../app/session_store.js'
 * @import { WorkerClient } from '../app/worker_client.js'
 * @import { Notices } from '../ui/notices.js'
 * @import { EventOf, ModelFileInfoValue, ProgressValue, TrainerInfoValue } from '../../shared/protocol.js'
 * @import { Run } from './run_record.js'
 */
/**
 * The 'model' record: a checkpoint's bytes and where they belong.
 * @typedef {{ bytes: ArrayBuffer, runId: string | null, savedAt: number, progress: ProgressValue,
 *   config: Record<string, any>, runMs: number, data: DataRef | null }} ModelRecord
 */
/** @typedef {{ show(config: Record<string, any>, options?: { schedule?: { lrDecay: number } }): void }} SettingsPort */

export class Persistence {
  /** @type {{ reason: string, step: number, runId: string | null, progress: ProgressValue } | null} the last checkpoint saved in IndexedDB */
  lastSaved = null;
  /** @type {string | null} why the last save failed (a StorageError's message), null once one succeeds */
  saveError = null;
  #store;
  #client;
  #notices;
  #settings;
  #restored = false;
  /** @type {ModelRecord | null} the last checkpoint, also in memory */
  #last = null;
  #warned = new Set(); // StorageError reasons already shown in the alert bar
  #saving = null; // the checkpoint write under way (a promise), or null
  /** @type {{ runs: Map<Run, EventOf<'checkpoint'>>, model: ModelRecord, checkpoint: EventOf<'checkpoint'> } | null} */
  #next = null; // what is not written yet: each run's latest checkpoint, the latest model

  /**
   * @param {{ store: SessionStore, client: WorkerClient, notices: Notices, settings: SettingsPort }} parts
   *   settings: the form, which shows a restored or loaded model's settings
   */
  constructor({ store, client, notices, settings }) {
    this.#store = store;
    this.#client = client;
    this.#notices = notices;
    this.#settings = settings;
    store.on('checkpoint', ({ checkpoint, run }) => this.saveCheckpoint(checkpoint, run));
    // An epoch's own health comes after that epoch's checkpoint. While training goes on, the next checkpoint
    // stores it with the run; when nothing trains on (the target was reached, a pause) there is no next one,
    // so the run is stored again now, after any checkpoint write under way.
    store.on('health', ({ run, requested }) => {
      if (!run || requested || store.train.state === State.RUNNING) return;
      Promise.resolve(this.#saving).then(() => store.runs.persist(run));
    });
  }

  /** The worker restarts: restore again once its data is loaded. */
  forget() {
    this.#restored = false;
  }

  /** @param {string} text @param {'ok' | 'error'} [kind] */
  #status(text, kind = 'ok') {
    this.#store.setSaving({ text, kind, lastSaved: this.lastSaved, error: this.saveError });
  }

  /** The data the model to restore belongs to (a DataRef, or null): the checkpoint in memory, else the stored one. */
  async wantedData() {
    if (this.#last) return this.#last.data ?? null;
    const saved = await storage.getKey('model').catch(() => null);
    return saved?.bytes ? (saved.data ?? { kind: 'mnist', id: 'MNIST' }) : null;
  }

  /** The saved model and runs, the first time the data is ready; resolves with { progress } of the model, or null. */
  async restoreOnce() {
    if (this.#restored) return null;
    this.#restored = true;
    return this.#restore();
  }

  async #restore() {
    const store = this.#store;
    const { runs, data } = store;
    let saved = this.#last;
    const afterCrash = Boolean(saved);
    const memory = { list: runs.list, current: runs.current };
    let loaded = false;
    try {
      await runs.load();
      loaded = true;
      saved ??= await storage.getKey('model');
    } catch (err) {
      if (!afterCrash) this.#showStorageError(err, 'Nothing could be restored from this browser');
    }
    // After a crash whose checkpoint did not reach IndexedDB, the runs in memory go on, the current
    // one cut back to the checkpoint.
    if (afterCrash && (!loaded || this.saveError)) {
      runs.list = memory.list;
      if (memory.current?.id === saved.runId) {
        const trimmed = assembleRun(serialiseRun(memory.current, saved));
        runs.list = runs.list.map((r) => (r.id === trimmed.id ? trimmed : r));
      }
    }
    const savedData = saved?.data ?? { kind: 'mnist', id: data.ref?.id };
    if (!saved?.bytes || !sameData(savedData, data.ref)) {
      if (saved?.bytes) runs.current = null; // its data is not loaded: keep it stored, show it not
      store.runsChanged();
      return null;
    }
    try {
      const m = await this.#client.request('loadModel', {
        bytes: saved.bytes.slice(0),
        reason: 'restored',
        runMs: saved.runMs,
      });
      runs.current = runs.find(saved.runId) ?? null;
      if (!runs.current) {
        const run = runs.start({ config: m.config, label: 'Restored model', source: data.source });
        run.stepOffset = m.progress.step;
      }
      const run = runs.current;
      store.runsChanged();
      this.#settings.show(run.config ?? m.config, { schedule: run.schedule });
      this.#status(
        `Restored your model (epoch ${m.progress.epoch}, batch ${m.progress.batchInEpoch}) on ${data.source}.`,
      );
      this.#notices.announce('Your saved model and its curves were restored.');
      return { progress: m.progress };
    } catch (err) {
      store.runsChanged();
      this.#status(`The saved model could not be restored: ${err.message}`, 'error');
      return null;
    }
  }

  /**
   * A `checkpoint` from the worker: the model, and its run (the current one when it came) up to it, in one
   * transaction. Epochs of a small data set end hundreds of times a second: while one write is under way,
   * the checkpoints that come meanwhile are written together after it: the latest model, and what each
   * of their runs added up to its latest checkpoint (an experiment queue moves from run to run).
   * @param {EventOf<'checkpoint'>} m
   * @param {Run | null} run
   */
  saveCheckpoint(m, run = this.#store.runs.current) {
    this.#last = {
      bytes: m.bytes,
      runId: run?.id ?? null,
      savedAt: Date.now(),
      progress: m.progress,
      config: m.config,
      runMs: m.runMs,
      data: this.#store.data.ref,
    };
    this.#next ??= { runs: new Map(), model: null, checkpoint: null };
    if (run) this.#next.runs.set(run, m);
    this.#next.model = this.#last;
    this.#next.checkpoint = m;
    this.#saving ??= this.#drain();
    return this.#saving;
  }

  async #drain() {
    try {
      while (this.#next) {
        const job = this.#next;
        this.#next = null;
        await this.#write(job);
      }
    } finally {
      this.#saving = null;
    }
  }

  async #write({ runs: pending, model, checkpoint: m }) {
    const runs = this.#store.runs;
    try {
      const parts = [...pending].map(([run, c]) => runs.unsaved(run, c));
      await storage.saveCheckpoint({ runs: parts, model });
      this.lastSaved = { reason: m.reason, step: m.progress.step, runId: model.runId, progress: m.progress };
      this.saveError = null;
      this.#status(
        `Saved in this browser at ${new Date().toLocaleTimeString()} (epoch ${m.progress.epoch}, batch ${m.progress.batchInEpoch}).`,
      );
    } catch (err) {
      for (const run of pending.keys()) runs.unsavedAgain(run);
      this.#showStorageError(err, 'Not saved in this browser');
    }
  }

  // A failed save, visibly: the status line each time, the alert bar once per reason.
  #showStorageError(err, what) {
    const reason = err?.reason ?? 'failed';
    this.saveError = err?.message ?? String(err);
    const text = `${what}: ${this.saveError}. Training goes on; a reload would lose the model, so download it to keep it.`;
    this.#status(text, 'error');
    if (!this.#warned.has(reason)) {
      this.#warned.add(reason);
      this.#notices.showAlert(text);
    }
  }

  /** The last checkpoint's progress and data (in memory), or null. */
  get lastCheckpoint() {
    return this.#last ? { progress: this.#last.progress, data: this.#last.data } : null;
  }

  /** The model as a .safetensors file: { name, bytes }. */
  async modelFile() {
    const m = await this.#client.request('save');
    return { name: this.#fileName('safetensors'), bytes: m.bytes };
  }

  /** The model as an ONNX file (the same network; what any ONNX runtime runs): { name, bytes }. */
  async onnxFile() {
    const m = await this.#client.request('exportOnnx');
    return { name: this.#fileName('onnx'), bytes: m.bytes };
  }

  /** The model's file name: its network, activation, optimiser and epoch, and the extension. */
  #fileName(extension) {
    const { config: c, progress: p } = this.#store.trainer;
    return `mnist-${c.layers.join('-')}-${c.activation}-${c.optimizer}-epoch${p.epoch}.${extension}`;
  }

  /**
   * A model file the user chose, checked before it is read (nothing changes when it is refused) and
   * inspected by the engine: { bytes, info } (info: ModelFileInfo). A file of ours then loads with
   * loadModelBytes, a PyTorch state_dict with importModel once the user said what it does not.
   * Throws what is wrong with the file (the engine's message for a malformed one).
   * @param {File} file
   * @returns {Promise<{ bytes: ArrayBuffer, info: ModelFileInfoValue }>}
   */
  async inspectModelFile(file) {
    const store = this.#store;
    if (store.data.status !== 'ready') throw new Error('wait for the data to load first');
    const { maxModelFileBytes, maxModelHeaderBytes } = store.engine.constants;
    const bytes = await readModelFile(file, { maxBytes: maxModelFileBytes, maxHeaderBytes: maxModelHeaderBytes });
    const info = await this.#client.request('inspectModelFile', { bytes: bytes.slice(0) });
    return { bytes, info };
  }

  /**
   * A model file of ours, loaded in the worker as a new run and saved as the current model. Returns what
   * to say; throws what is wrong.
   * @param {ArrayBuffer} bytes
   * @param {string} name the file's name
   */
  async loadModelBytes(bytes, name) {
    this.#stopTraining();
    const m = await this.#client.request('loadModel', { bytes: bytes.slice(0), name });
    const text = this.#adopt(m, { bytes, label: `Loaded ${name}` });
    this.#notices.announce(`Model ${name} loaded.`);
    return text;
  }

  /**
   * A PyTorch MLP's state_dict, loaded in the worker with what the file does not say (options: the
   * hidden activation and the output + loss, and any other createTrainer field) as a new run, "Imported
   * <name>", saved as the current model in our format (it classifies, trains on and saves like any).
   * @param {ArrayBuffer} bytes
   * @param {string} name the file's name
   * @param {Record<string, any>} options
   */
  async importModel(bytes, name, options) {
    this.#stopTraining();
    const m = await this.#client.request('loadForeignModel', { bytes: bytes.slice(0), name, options });
    const ours = await this.#client.request('save'); // what a reload restores: the same network, as ours
    const text = this.#adopt(m, { bytes: ours.bytes, label: `Imported ${name}` });
    this.#notices.announce(`Model ${name} imported.`);
    return text;
  }

  #stopTraining() {
    const { state } = this.#store.train;
    if (state === State.RUNNING || state === State.PAUSED) this.#client.send('stop');
  }

  /**
   * The worker's new trainer (m) as a new run labelled `label`, with the form showing its settings,
   * saved with its model file's bytes as the current model. Returns what to say.
   * @param {TrainerInfoValue} m
   * @param {{ bytes: ArrayBuffer, label: string }} what
   */
  #adopt(m, { bytes, label }) {
    const store = this.#store;
    const run = store.runs.start({ config: m.config, label, source: store.data.source });
    run.progress = m.progress;
    run.stepOffset = m.progress.step;
    store.runsChanged();
    this.#settings.show(m.config);
    /** @type {ModelRecord} */
    const model = {
      bytes,
      runId: run.id,
      savedAt: Date.now(),
      progress: m.progress,
      config: m.config,
      runMs: 0,
      data: store.data.ref,
    };
    this.#last = model;
    storage
      .saveCheckpoint({ runs: [store.runs.unsaved(run)], model })
      .catch((err) => this.#showStorageError(err, `${label.split(' ')[0]}, but not saved in this browser`));
    const text = `${label}: ${describeConfig(m.config)}, epoch ${m.progress.epoch}.`;
    this.#status(text);
    return text;
  }
}
