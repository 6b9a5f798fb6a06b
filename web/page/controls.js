// The training controls: Train, Pause/Resume, Step, Stop, Reset, the
// keyboard shortcuts and the live learning-rate/optimiser/schedule changes;
// and the page's view of the worker's trainer and training state, which
// decides what the buttons offer.
import { State, ToWorker } from '../shared/protocol.js';
import { describeConfig } from './config.js';
import { recordSettingsChange } from './run_record.js';
import { $, pct } from './viz.js';

/** How long the learning rate and optimiser fields must rest before the change goes to the worker. */
const LIVE_DELAY_MS = 250;

export class Controls {
  /** 'none' (no trainer) or the worker's State. */
  state = 'none';
  /** { config, progress, parameters } of the worker's trainer, or null. */
  trainer = null;
  /** The epoch the current training ends at. */
  targetEpoch = null;
  samplesPerSecond = 0;
  /** The worker's `ready`: { simd, eigenVectorized, threads }. */
  engine = null;
  /** Why Train, Step, Stop and Reset are off (the experiment queue owns the trainer), or null. */
  lockedBy = null;
  #app;
  #liveTimer = 0;

  constructor(app) {
    this.#app = app;
  }

  setup() {
    $('btn-train').addEventListener('click', () => this.train());
    $('btn-pause').addEventListener('click', () => (this.state === State.PAUSED ? this.resume() : this.pause()));
    $('btn-step').addEventListener('click', () => this.step());
    $('btn-stop').addEventListener('click', () => this.stop());
    $('btn-reset').addEventListener('click', () => this.reset());
    document.addEventListener('keydown', (e) => this.#onKey(e));
  }

  get #ready() {
    return Boolean(this.#app.data.info && this.engine);
  }

  /** Turns Train, Step, Stop and Reset off while `reason` holds (null: on again); Pause and Resume stay. */
  lock(reason) {
    this.lockedBy = reason;
    this.update();
  }

  engineReady(m) {
    this.engine = m;
  }

  /** Creates a trainer for the form's config (a new run). */
  async createTrainer() {
    const { form, client, runs, data } = this.#app;
    const { config, schedule, errors } = form.refresh();
    if (!config) {
      form.showFirstError(errors);
      return false;
    }
    try {
      const m = await client.request(ToWorker.CREATE, { config });
      const run = runs.start({ config: m.config, schedule, source: data.source });
      run.progress = m.progress;
      run.stepOffset = m.progress.step;
      this.trainerChanged(m);
      this.#app.stats.resetViews();
      await runs.rememberCurrent(run).catch(() => {});
      await runs.persist(run);
      this.#app.runList.render();
      return true;
    } catch (err) {
      const field = /layer|network|size/i.test(err.message)
        ? 'layers'
        : /batch/i.test(err.message)
          ? 'batchSize'
          : null;
      if (field) form.showFieldError(field, err.message);
      this.#app.notices.showAlert(`Cannot create the network: ${err.message}`);
      return false;
    }
  }

  async train() {
    const { form, client, runs, notices } = this.#app;
    if (!this.#app.data.info || this.state === State.RUNNING) return;
    if (this.state === State.PAUSED) return this.resume();
    if (this.lockedBy) return;
    const { config, epochs, schedule, errors } = form.refresh();
    if (!config) return form.showFirstError(errors);
    if (!this.trainer || this.#app.form.structuralChange(this.trainer.config, config)) {
      if (!(await this.createTrainer())) return;
    }
    notices.hideAlert();
    this.targetEpoch = this.trainer.progress.epoch + epochs;
    if (runs.current) runs.current.schedule = schedule;
    client.send(ToWorker.TRAIN, { epochs, lrDecay: schedule.lrDecay });
  }

  resume() {
    const { epochs, schedule } = this.#app.form.validate();
    this.#app.client.send(ToWorker.TRAIN, { epochs: epochs ?? 1, resume: true, ...(schedule ?? {}) });
  }

  pause() {
    this.#app.client.send(ToWorker.PAUSE);
  }

  async step() {
    const { form, client } = this.#app;
    if (!this.#app.data.info || this.state === State.RUNNING || this.lockedBy) return;
    const { config, errors } = form.refresh();
    if (!config) return form.showFirstError(errors);
    if (!this.trainer || this.#app.form.structuralChange(this.trainer.config, config)) {
      if (!(await this.createTrainer())) return;
    }
    client.send(ToWorker.STEP);
  }

  stop() {
    if (this.lockedBy) return;
    this.#app.client.send(ToWorker.STOP);
  }

  async reset() {
    if (!this.#app.data.info || this.lockedBy) return;
    if (this.state === State.RUNNING || this.state === State.PAUSED) this.#app.client.send(ToWorker.STOP);
    if (await this.createTrainer()) {
      this.#app.notices.announce('New network with fresh weights. The previous run stays in the history.');
      this.#app.stats.drawAll();
    }
  }

  /** A `trainer` message (or answer): the worker's trainer now. */
  trainerChanged(m) {
    const { views } = this.#app;
    if (!m.config) {
      this.trainer = null;
      this.setTrainState('none');
      return;
    }
    this.trainer = { config: m.config, progress: m.progress, parameters: m.parameters };
    // Another model: the gallery's predictions are out of date until it is on screen again.
    if (m.reason === 'created' || m.reason === 'loaded' || m.reason === 'restored') views.clearGallery();
    if (this.state === 'none') this.setTrainState(State.IDLE);
    views.markStale();
    views.refresh();
    this.update();
    this.#app.stats.drawStats();
  }

  /** A `status` message (or 'none': no trainer). */
  setTrainState(state, message) {
    const { runs, views, notices } = this.#app;
    const prev = this.state;
    this.state = state;
    document.body.dataset.trainState = state;
    if (state === State.IDLE && message === 'finished') {
      const e = runs.current?.epochs.findLast((x) => x.test);
      notices.announce(
        `Training finished after ${this.trainer?.progress.epoch ?? '?'} epochs${e ? `: test accuracy ${pct(e.test.accuracy, 2)}` : ''}.`,
      );
    }
    if (prev === State.RUNNING && state !== State.RUNNING) {
      views.markWeightsStale();
      views.refresh();
    }
    this.update();
    this.#app.stats.drawStats();
  }

  /** A chunk arrived: where the trainer is now. */
  chunkProgress(progress, samplesPerSecond) {
    if (this.trainer) this.trainer.progress = progress;
    this.samplesPerSecond = samplesPerSecond;
  }

  /** A `diverged` message: training stopped itself. */
  diverged(m) {
    const { notices, stats } = this.#app;
    if (this.trainer) this.trainer.progress = m.progress;
    notices.showAlert(
      `Training stopped: ${m.message}. Lower the learning rate (or use the mean gradient) and train again.`,
    );
    notices.announce(`Training stopped: ${m.message}`);
    stats.drawStats();
  }

  /** The worker died with its trainer. */
  crashed() {
    this.setTrainState('none');
    this.trainer = null;
  }

  /** Enables the buttons that make sense now, and says what they would do. */
  update() {
    const ready = this.#ready;
    const s = this.state;
    const running = s === State.RUNNING;
    const paused = s === State.PAUSED;
    const { config } = this.#app.form.validate();
    const changed = this.trainer && config && this.#app.form.structuralChange(this.trainer.config, config);
    const locked = Boolean(this.lockedBy);
    const trainBtn = $('btn-train');
    trainBtn.disabled = !ready || running || paused || locked;
    trainBtn.textContent = !this.trainer
      ? 'Train'
      : changed
        ? 'Train new network'
        : this.trainer.progress.step > 0
          ? 'Train more'
          : 'Train';
    const pauseBtn = $('btn-pause');
    pauseBtn.disabled = !(running || paused);
    pauseBtn.textContent = paused ? 'Resume' : 'Pause';
    $('btn-step').disabled = !ready || running || locked;
    $('btn-stop').disabled = !(running || paused) || locked;
    $('btn-reset').disabled = !ready || running || locked;
    $('btn-download').disabled = !this.trainer;
    let hint;
    if (!ready) hint = 'Waiting for the data…';
    else if (locked) hint = this.lockedBy;
    else if (running) hint = 'Training… Space pauses. The learning rate and optimiser can be changed live.';
    else if (paused) hint = 'Paused mid-epoch. Resume, or Step one batch at a time.';
    else if (changed)
      hint =
        'The network settings differ from the current model: Train starts a new run (the current one stays in the history).';
    else if (this.trainer) hint = `Model: ${describeConfig(this.trainer.config, this.#app.runs.current?.schedule)}.`;
    else hint = 'Choose a preset and press Train.';
    $('train-hint').textContent = hint;
  }

  /** The learning rate, momentum and the optimiser apply to the running trainer. */
  applyLiveOptimizer() {
    clearTimeout(this.#liveTimer);
    this.#liveTimer = setTimeout(async () => {
      if (!this.trainer || this.lockedBy) return; // an experiment's run keeps the settings it was planned with
      const { client, runs, notices, runList } = this.#app;
      const { config, errors } = this.#app.form.validate();
      if (errors.learningRate || errors.optimizer || errors.momentum || !config) return;
      const cur = this.trainer.config;
      try {
        let m;
        if (config.optimizer !== cur.optimizer || config.momentum !== cur.momentum) {
          m = await client.request(ToWorker.SET_OPTIMIZER, {
            optimizer: { optimizer: config.optimizer, learningRate: config.learningRate, momentum: config.momentum },
          });
          notices.announce(`Optimiser set to ${config.optimizer}, learning rate ${config.learningRate}.`);
        } else if (config.learningRate !== cur.learningRate) {
          m = await client.request(ToWorker.SET_LEARNING_RATE, { learningRate: config.learningRate });
          notices.announce(`Learning rate set to ${config.learningRate}.`);
        } else {
          return;
        }
        this.trainerChanged(m);
        if (runs.current) {
          recordSettingsChange(runs.current, m.config, config);
          runList.render();
        }
      } catch (err) {
        $('err-learningRate').textContent = err.message;
      }
    }, LIVE_DELAY_MS);
  }

  applyLiveSchedule() {
    const { schedule } = this.#app.form.validate();
    if (!schedule || !this.trainer || this.lockedBy) return;
    this.#app.client.send(ToWorker.SET_SCHEDULE, schedule);
    if (this.#app.runs.current) this.#app.runs.current.schedule = schedule;
  }

  // Space: train / pause / resume; N: one batch. Off while a form field or control has focus.
  #onKey(e) {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
    const typing = e.target.closest?.('input, select, textarea, button, summary, [contenteditable], a');
    if (typing) return;
    if (e.key === ' ') {
      e.preventDefault();
      if (this.state === State.RUNNING) this.pause();
      else if (this.state === State.PAUSED) this.resume();
      else this.train();
    } else if (e.key === 'n' || e.key === 'N') {
      e.preventDefault();
      this.step();
    }
  }
}
