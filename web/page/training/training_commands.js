// What the training controls do: Train (a new run, or more of the current
// one), Pause/Resume, Step, Stop, Reset, "Compare with …" (a fresh network
// with one setting changed, overlaid on the current run), the pace, and the
// settings that apply live while a run trains (η, the optimiser, momentum,
// the decay), each recorded in the run with where it took effect. The views
// call these; the worker's answers and events reach the store, whose state
// the views draw. No DOM here.
//
// A finished run is never changed by editing the form: when the form's
// settings differ from what the current run trains with, Train starts a new
// run (the old one stays in the history, as it was).
import { State } from '../../shared/protocol.js';
import { structuralChange } from '../settings/settings.js';
import { recordSettingsChange, settingNow } from '../runs/run_record.js';

/**
 * @import { SessionStore } from '../app/session_store.js'
 * @import { WorkerClient } from '../app/worker_client.js'
 * @import { Notices } from '../ui/notices.js'
 * @import { PaceValue } from '../../shared/protocol.js'
 * @import { Run } from '../runs/run_record.js'
 */

/** How long the live settings must rest before the change goes to the worker. */
const LIVE_DELAY_MS = 250;
/** The settings a running trainer takes live (the rest need a new network or a new run). */
export const LIVE_FIELDS = Object.freeze(['learningRate', 'optimizer', 'momentum', 'lrDecay']);

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Where the form's settings differ from what the run trains with now (its start and its live changes).
 * @param {Run} run
 * @param {Record<string, any>} config
 * @param {{ lrDecay: number }} schedule
 * @returns {string[]} the fields that differ
 */
export function settingsDiffer(run, config, schedule) {
  const fields = Object.keys(config).filter((k) => !same(config[k], settingNow(run, k)));
  if (schedule && !same(schedule.lrDecay, settingNow(run, 'lrDecay'))) fields.push('lrDecay');
  return fields;
}

export class TrainingCommands {
  #store;
  #client;
  #notices;
  #form;
  /** @type {ReturnType<typeof setTimeout> | 0} */
  #liveTimer = 0;

  /**
   * @param {{ store: SessionStore, client: WorkerClient, notices: Notices,
   *   form: { showFirstError(errors?: Record<string, string>): void, showFieldError(field: string, message: string): void } }} parts
   */
  constructor({ store, client, notices, form }) {
    this.#store = store;
    this.#client = client;
    this.#notices = notices;
    this.#form = form;
    store.on('settings', () => this.#settingsChanged());
  }

  get #ready() {
    return this.#store.data.status === 'ready' && Boolean(this.#store.engine);
  }

  /**
   * What Train would do now: 'none' (it cannot), 'new' (a new run: no model, or the settings differ from
   * the current run's), 'more' (train the current run on), 'resume'.
   * @returns {{ action: 'none' | 'new' | 'more' | 'resume', differs: string[] }}
   */
  plan() {
    const { train, trainer, runs, settings } = this.#store;
    if (!this.#ready || train.state === State.RUNNING) return { action: 'none', differs: [] };
    if (train.state === State.PAUSED) return { action: 'resume', differs: [] };
    if (train.lock || !settings.config) return { action: 'none', differs: [] };
    if (!trainer || !runs.current) return { action: 'new', differs: [] };
    const differs = structuralChange(trainer.config, settings.config, this.#store.engine.schema)
      ? ['network']
      : settingsDiffer(runs.current, settings.config, settings.schedule);
    return { action: differs.length ? 'new' : 'more', differs };
  }

  async train() {
    const { action } = this.plan();
    if (action === 'resume') return this.resume();
    if (action === 'none') {
      if (!this.#store.settings.config && this.#ready) this.#form.showFirstError();
      return;
    }
    if (action === 'new' && !(await this.createTrainer())) return;
    this.#start(this.#store.settings.epochs);
  }

  // Trains the current trainer `epochs` more epochs.
  #start(epochs) {
    const { trainer, runs, settings } = this.#store;
    this.#notices.hideAlert();
    this.#store.setTarget(trainer.progress.epoch + epochs);
    this.#client.send('train', { epochs, lrDecay: settingNow(runs.current, 'lrDecay') ?? settings.schedule.lrDecay });
  }

  resume() {
    const { settings } = this.#store;
    this.#client.send('train', { epochs: settings.epochs ?? 1, resume: true, lrDecay: settings.schedule?.lrDecay });
  }

  pause() {
    this.#client.send('pause');
  }

  async step() {
    const { train } = this.#store;
    if (!this.#ready || train.state === State.RUNNING || train.lock) return;
    if (!this.#store.settings.config) return this.#form.showFirstError();
    if (this.plan().action === 'new' && !(await this.createTrainer())) return;
    this.#client.send('step');
  }

  stop() {
    if (this.#store.train.lock) return;
    this.#client.send('stop');
  }

  async reset() {
    if (!this.#ready || this.#store.train.lock) return;
    if (this.#store.active) this.#client.send('stop');
    if (await this.createTrainer())
      this.#notices.announce('New network with fresh weights. The previous run stays in the history.');
  }

  /** How fast training goes (the pace control). @param {PaceValue} pace */
  setPace(pace) {
    this.#client.send('setPace', { pace });
  }

  /**
   * A fresh network beside the current run: its starting settings with `field` set to `value`, trained as
   * many epochs as the current run has, and the current run overlaid on the charts at once.
   * @param {string} field
   * @param {any} value
   */
  async compareWith(field, value) {
    const { runs, train } = this.#store;
    const base = runs.current;
    if (!base || !this.#ready || train.lock) return false;
    if (this.#store.active) this.#client.send('stop');
    const config = { ...base.config };
    const schedule = { ...base.schedule };
    if (field === 'lrDecay') schedule.lrDecay = value;
    else config[field] = value;
    const epochs = Math.max(1, base.epochs.length || this.#store.settings.epochs || 1);
    const created = await this.createTrainer({
      config,
      schedule,
      comparison: { of: base.id, field, to: value },
    });
    if (!created) return false;
    runs.setOverlay(base.id, true);
    this.#store.runsChanged();
    this.#start(epochs);
    return true;
  }

  /**
   * Creates a trainer (a new run) for the form's settings, or for `spec`'s.
   * @param {{ config?: Record<string, any>, schedule?: { lrDecay: number }, comparison?: Run['comparison'] }} [spec]
   */
  async createTrainer(spec = {}) {
    const store = this.#store;
    const config = spec.config ?? store.settings.config;
    const schedule = spec.schedule ?? store.settings.schedule;
    if (!config) {
      this.#form.showFirstError();
      return false;
    }
    try {
      const m = await this.#client.request('create', { config });
      const run = store.runs.start({ config: m.config, schedule, source: store.data.source });
      if (spec.comparison) run.comparison = spec.comparison;
      run.progress = m.progress;
      run.stepOffset = m.progress.step;
      store.runsChanged();
      await store.runs.rememberCurrent(run).catch(() => {});
      await store.runs.persist(run);
      return true;
    } catch (err) {
      const field = /layer|network|size|weights/i.test(err.message)
        ? 'layers'
        : /batch/i.test(err.message)
          ? 'batchSize'
          : null;
      if (field) this.#form.showFieldError(field, err.message);
      this.#notices.showAlert(`Cannot create the network: ${err.message}`);
      return false;
    }
  }

  // ---- Live settings ---------------------------------------------------------------------

  /** The form changed: while a run trains, its live settings follow (after the form rests). */
  #settingsChanged() {
    if (!this.#store.active || this.#store.train.lock) return;
    clearTimeout(this.#liveTimer);
    this.#liveTimer = setTimeout(() => this.#applyLive(), LIVE_DELAY_MS);
  }

  async #applyLive() {
    const store = this.#store;
    const run = store.runs.current;
    const { config, schedule, errors } = store.settings;
    if (!run || !store.trainer || !store.active || store.train.lock || !config) return;
    if (LIVE_FIELDS.some((k) => errors[k])) return;
    const next = {
      learningRate: config.learningRate,
      optimizer: config.optimizer,
      momentum: config.momentum,
      lrDecay: schedule.lrDecay,
    };
    const changed = LIVE_FIELDS.filter((k) => !same(next[k], settingNow(run, k)));
    if (changed.length === 0) return;
    try {
      if (changed.includes('optimizer') || changed.includes('momentum')) {
        await this.#client.request('setOptimizer', {
          optimizer: { optimizer: next.optimizer, learningRate: next.learningRate, momentum: next.momentum },
        });
        this.#notices.announce(`Optimiser set to ${next.optimizer}, learning rate ${next.learningRate}.`);
      } else if (changed.includes('learningRate')) {
        await this.#client.request('setLearningRate', { learningRate: next.learningRate });
        this.#notices.announce(`Learning rate set to ${next.learningRate}.`);
      }
      if (changed.includes('lrDecay')) await this.#client.request('setSchedule', { lrDecay: next.lrDecay });
      if (store.runs.current === run) {
        recordSettingsChange(run, Object.fromEntries(changed.map((k) => [k, next[k]])), store.trainer.progress);
        store.runsChanged();
      }
    } catch (err) {
      this.#form.showFieldError(changed.includes('lrDecay') ? 'lrDecay' : 'learningRate', err.message);
    }
  }
}
