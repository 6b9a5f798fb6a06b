// Keeping the user's work: the worker's checkpoints (and the current run's
// curves up to them) saved in IndexedDB with the data they were trained on,
// the saved model and its run restored after a reload or a new worker (only
// next to that data), models downloaded and uploaded as .safetensors.
//
// The last checkpoint is also kept in memory, so a crashed worker's
// successor restores it even where IndexedDB is full or missing; then the
// page says that a reload would lose it, and training goes on.
import { State, ToWorker } from '../shared/protocol.js';
import { describeConfig } from './config.js';
import { sameData } from './data_panel.js';
import { deserialiseRun, serialiseRun } from './run_record.js';
import * as storage from './storage.js';
import { readModelFile } from './upload_checks.js';
import { $, el } from './viz.js';

/** Until the engine says (ready's limits): 4 × 50 M parameters × 3 vectors (Adam), a header. */
const DEFAULT_MAX_MODEL_FILE_BYTES = 601e6;

export class Persistence {
  /** The last checkpoint saved in IndexedDB: { reason, step }, or null. */
  lastSaved = null;
  /** Why the last save failed (a StorageError's message), or null once one succeeds. */
  saveError = null;
  /** The largest model file accepted (the engine's limits). */
  maxModelFileBytes = DEFAULT_MAX_MODEL_FILE_BYTES;
  #app;
  #restored = false;
  #last = null; // the last checkpoint: the model record, also in memory
  #warned = new Set(); // StorageError reasons already shown in the alert bar
  #saving = null; // the checkpoint write under way (a promise), or null
  #next = null; // the latest checkpoint not yet written: [m, run, model]

  constructor(app) {
    this.#app = app;
  }

  setup() {
    $('btn-download').addEventListener('click', () => this.downloadModel());
    $('model-file').addEventListener('change', (e) => this.loadModelFile(e.target.files[0]));
  }

  /** The worker's `ready`. */
  engineReady(m) {
    if (m.limits?.maxModelFileBytes) this.maxModelFileBytes = m.limits.maxModelFileBytes;
  }

  /** The worker restarts: restore again once its data is loaded. */
  forget() {
    this.#restored = false;
  }

  /** The data the model to restore belongs to (a DataRef, or null): the checkpoint in memory, else the stored one. */
  async wantedData() {
    if (this.#last) return this.#last.data ?? null;
    const saved = await storage.getKey('model').catch(() => null);
    return saved?.bytes ? (saved.data ?? { kind: 'mnist', id: 'MNIST' }) : null;
  }

  /**
   * Restores the saved model and runs, the first time the data is ready. Resolves with what it
   * restored: { progress } of the model, or null.
   */
  async restoreOnce() {
    if (this.#restored) return null;
    this.#restored = true;
    return this.#restore();
  }

  async #restore() {
    const { runs, runList, stats, client, form, controls, notices, data } = this.#app;
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
        const trimmed = deserialiseRun(serialiseRun(memory.current, saved));
        runs.list = runs.list.map((r) => (r.id === trimmed.id ? trimmed : r));
      }
    }
    runList.render();
    const savedData = saved?.data ?? { kind: 'mnist', id: data.ref?.id };
    if (!saved?.bytes || !sameData(savedData, data.ref)) {
      if (saved?.bytes) runs.current = null; // its data is not loaded: keep it stored, show it not
      stats.drawAll();
      return null;
    }
    try {
      const m = await client.request(ToWorker.LOAD_MODEL, {
        bytes: saved.bytes.slice(0),
        reason: 'restored',
        runMs: saved.runMs,
      });
      runs.current = runs.find(saved.runId);
      if (!runs.current) {
        const run = runs.start({ config: m.config, label: 'Restored model', source: data.source });
        run.stepOffset = m.progress.step;
      }
      const run = runs.current;
      form.write(form.valuesOf(run.config ?? m.config, { epochs: form.read().epochs, schedule: run.schedule }));
      controls.trainerChanged(m);
      stats.resetViews();
      runList.render();
      $('model-status').textContent =
        `Restored your model (epoch ${m.progress.epoch}, batch ${m.progress.batchInEpoch}) on ${data.source}.`;
      notices.announce('Your saved model and its curves were restored.');
      return { progress: m.progress };
    } catch (err) {
      $('model-error').textContent = `The saved model could not be restored: ${err.message}`;
      stats.drawAll();
      return null;
    }
  }

  /**
   * A `checkpoint` from the worker: the model, and its run (the current one when it came) up to it, in one
   * transaction. Epochs of a small data set end hundreds of times a second: while one write is under way,
   * only the latest checkpoint that comes meanwhile is written after it (each write is of the whole run).
   */
  saveCheckpoint(m, run = this.#app.runs.current) {
    const { data } = this.#app;
    this.#last = {
      bytes: m.bytes,
      runId: run?.id ?? null,
      savedAt: Date.now(),
      progress: m.progress,
      config: m.config,
      runMs: m.runMs,
      data: data.ref,
    };
    this.#next = [m, run, this.#last];
    this.#saving ??= this.#drain();
    return this.#saving;
  }

  async #drain() {
    try {
      while (this.#next) {
        const job = this.#next;
        this.#next = null;
        await this.#write(...job);
      }
    } finally {
      this.#saving = null;
    }
  }

  async #write(m, run, model) {
    try {
      await storage.saveCheckpoint({ run: run ? serialiseRun(run, m) : null, model });
      this.lastSaved = { reason: m.reason, step: m.progress.step };
      this.saveError = null;
      $('model-status').textContent =
        `Saved in this browser at ${new Date().toLocaleTimeString()} (epoch ${m.progress.epoch}, batch ${m.progress.batchInEpoch}).`;
    } catch (err) {
      this.#showStorageError(err, 'Not saved in this browser');
    }
  }

  // A failed save, visibly: the status line each time, the alert bar once per reason.
  #showStorageError(err, what) {
    const reason = err?.reason ?? 'failed';
    this.saveError = err?.message ?? String(err);
    const text = `${what}: ${this.saveError}. Training goes on; a reload would lose the model, so download it to keep it.`;
    $('model-status').textContent = text;
    if (!this.#warned.has(reason)) {
      this.#warned.add(reason);
      this.#app.notices.showAlert(text);
    }
  }

  /** The last checkpoint's progress (in memory), or null. */
  get lastCheckpoint() {
    return this.#last ? { progress: this.#last.progress, data: this.#last.data } : null;
  }

  async downloadModel() {
    const { client, controls } = this.#app;
    try {
      const m = await client.request(ToWorker.SAVE);
      const c = controls.trainer.config;
      const p = controls.trainer.progress;
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

  async loadModelFile(file) {
    const { client, controls, runs, runList, stats, form, notices, data } = this.#app;
    $('model-error').textContent = '';
    if (!file) return;
    try {
      if (!data.info) throw new Error('wait for the data to load first');
      const bytes = await readModelFile(file, this.maxModelFileBytes); // refused before it is read: nothing changes
      if (controls.state === State.RUNNING || controls.state === State.PAUSED) client.send(ToWorker.STOP);
      const m = await client.request(ToWorker.LOAD_MODEL, { bytes: bytes.slice(0), name: file.name });
      const run = runs.start({ config: m.config, label: `Loaded ${file.name}`, source: data.source });
      run.progress = m.progress;
      run.stepOffset = m.progress.step;
      form.write(form.valuesOf(m.config, { epochs: form.read().epochs }));
      controls.trainerChanged(m);
      stats.resetViews();
      runList.render();
      const model = {
        bytes,
        runId: run.id,
        savedAt: Date.now(),
        progress: m.progress,
        config: m.config,
        runMs: 0,
        data: data.ref,
      };
      this.#last = model;
      storage
        .saveCheckpoint({ run: serialiseRun(run), model })
        .catch((err) => this.#showStorageError(err, 'Loaded, but not saved in this browser'));
      $('model-status').textContent = `Loaded ${file.name}: ${describeConfig(m.config)}, epoch ${m.progress.epoch}.`;
      notices.announce(`Model ${file.name} loaded.`);
    } catch (err) {
      $('model-error').textContent = `Could not load ${file.name}: ${err.message}`;
      notices.announce(`Could not load the model: ${err.message}`);
    } finally {
      $('model-file').value = '';
    }
  }
}
