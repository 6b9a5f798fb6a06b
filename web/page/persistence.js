// Keeping the user's work: the worker's checkpoints (and the current run's
// curves up to them) saved in IndexedDB, the saved model and its run
// restored after a reload, models downloaded and uploaded as .safetensors.
import { State, ToWorker } from '../shared/protocol.js';
import { describeConfig } from './config.js';
import * as storage from './storage.js';
import { $, el } from './viz.js';

const saveModel = (bytes, runId, { progress, config }) => storage.setKey('model', { bytes, runId, savedAt: Date.now(), progress, config });

export class Persistence {
  /** The last checkpoint saved in IndexedDB: { reason, step }, or null. */
  lastSaved = null;
  #app;
  #restored = false;

  constructor(app) {
    this.#app = app;
  }

  setup() {
    $('btn-download').addEventListener('click', () => this.downloadModel());
    $('model-file').addEventListener('change', (e) => this.loadModelFile(e.target.files[0]));
  }

  /** The worker restarts: restore again once its data is loaded. */
  forget() {
    this.#restored = false;
  }

  /** Restores the saved model and runs, the first time the data is ready. */
  async restoreOnce() {
    if (this.#restored) return;
    this.#restored = true;
    await this.#restore();
  }

  async #restore() {
    const { runs, runList, stats, client, form, controls, notices } = this.#app;
    let saved = null;
    try {
      await runs.load();
      saved = await storage.getKey('model');
    } catch (err) {
      console.warn('no saved state', err);
    }
    runList.render();
    if (!saved?.bytes) {
      stats.drawAll();
      return;
    }
    try {
      const m = await client.request(ToWorker.LOAD_MODEL, { bytes: saved.bytes.slice(0), reason: 'restored' });
      runs.current = runs.find(saved.runId);
      if (!runs.current) {
        const run = runs.start({ config: m.config, label: 'Restored model', source: this.#app.data.source });
        run.stepOffset = m.progress.step;
      }
      const run = runs.current;
      form.write(form.valuesOf(run.config ?? m.config, { epochs: form.read().epochs, schedule: run.schedule }));
      controls.trainerChanged(m);
      stats.resetViews();
      runList.render();
      $('model-status').textContent = `Restored your model from this browser (epoch ${m.progress.epoch}, batch ${m.progress.batchInEpoch}).`;
      notices.announce('Your saved model and its curves were restored.');
    } catch (err) {
      $('model-error').textContent = `The saved model could not be restored: ${err.message}`;
      stats.drawAll();
    }
  }

  /** A `checkpoint` from the worker: the model, and its run (the current one when it came) up to it. */
  async saveCheckpoint(m, run = this.#app.runs.current) {
    const { runs } = this.#app;
    try {
      await saveModel(m.bytes, run?.id ?? null, m);
      if (run) {
        await runs.persist(run, m);
        await runs.rememberCurrent(run);
      }
      this.lastSaved = { reason: m.reason, step: m.progress.step };
      $('model-status').textContent = `Saved in this browser at ${new Date().toLocaleTimeString()} (epoch ${m.progress.epoch}, batch ${m.progress.batchInEpoch}).`;
    } catch (err) {
      $('model-status').textContent = `Could not save in this browser: ${err.message}`;
    }
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
    if (!data.info) {
      $('model-error').textContent = 'Wait for the data to load first.';
      return;
    }
    const bytes = await file.arrayBuffer();
    try {
      if (controls.state === State.RUNNING || controls.state === State.PAUSED) client.send(ToWorker.STOP);
      const m = await client.request(ToWorker.LOAD_MODEL, { bytes: bytes.slice(0), name: file.name });
      const run = runs.start({ config: m.config, label: `Loaded ${file.name}`, source: data.source });
      run.progress = m.progress;
      run.stepOffset = m.progress.step;
      form.write(form.valuesOf(m.config, { epochs: form.read().epochs }));
      controls.trainerChanged(m);
      stats.resetViews();
      await saveModel(bytes, run.id, m).catch(() => {});
      await runs.rememberCurrent(run).catch(() => {});
      await runs.persist(run);
      runList.render();
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
