// The Experiments panel: one click queues one of the report's experiments
// (or the whole report) in one or both readings; the worker trains the runs
// one after another (web/worker/experiment_queue.js) while the page shows
// each as the current run, with progress ("run 2 of 7, epoch 38 / 100"),
// pause, resume and cancel. The queue is kept in IndexedDB
// (experiment_store.js) with its current run's last checkpoint, and resumes
// from there after a reload. Each run is a run record (runs.js) marked with
// run.experiment, which the figures and the numbers table read
// (figure_views.js).
import { State, ToWorker } from '../shared/protocol.js';
import { EXPERIMENTS, REPORT_EPOCHS, formatEta, planQueue, stepFactor } from './experiment_plan.js';
import * as store from './experiment_store.js';
import { deserialiseRun, serialiseRun } from './run_record.js';
import { fmtTime } from './stats.js';
import { later } from './tasks.js';
import { $, el } from './viz.js';

const READINGS = [
  { value: 'report-code', label: 'The report’s code' },
  { value: 'proper', label: 'Done properly' },
  { value: 'both', label: 'Both' },
];
const STATUS_TEXT = {
  queued: 'queued',
  running: 'training',
  done: 'done',
  diverged: 'diverged',
  stopped: 'stopped',
  cancelled: 'cancelled',
};
const STATE_TEXT = { running: 'Running', paused: 'Paused', finished: 'Finished', cancelled: 'Cancelled' };
const LOCK = 'The report’s experiments are training: pause, resume or cancel them in the Experiments panel.';
/** The queue's own checkpoint at an epoch's end is stored at most this often (on pause, stop and at the end always). */
export const CHECKPOINT_INTERVAL_MS = 1000;

export class Experiments {
  /** The queue (experiment_store.js's form), or null. */
  queue = null;
  /** The last checkpoint of the queue stored in IndexedDB: { queueId, index, progress }, or null. */
  lastSaved = null;
  #app;
  #presets = [];
  #restored = false;
  #progressQueued = false;
  #resumeRun = null; // the stored run record a restored queue's checkpoint came with
  #checkpointAt = -Infinity; // when the last epoch checkpoint was stored

  constructor(app) {
    this.#app = app;
  }

  get #form() {
    return $('experiment-form');
  }

  /** True while the queue trains or is paused. */
  get active() {
    return this.queue?.state === 'running' || this.queue?.state === 'paused';
  }

  setup() {
    const form = this.#form;
    $('experiment-choices').replaceChildren(
      ...EXPERIMENTS.map((x, i) =>
        el(
          'label',
          { class: 'choice' },
          el('input', { type: 'radio', name: 'experiment', value: x.id, checked: i === 0 }),
          ` ${x.label}`,
          el('span', { class: 'help', text: ` — ${x.help}` }),
        ),
      ),
    );
    $('reading-choices').replaceChildren(
      ...READINGS.map((r, i) =>
        el(
          'label',
          {},
          el('input', { type: 'radio', name: 'reading', value: r.value, checked: i === 0 }),
          ` ${r.label}`,
        ),
      ),
    );
    form.elements.epochs.value = String(REPORT_EPOCHS);
    form.addEventListener('input', () => this.render());
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.run();
    });
    $('btn-experiment-pause').addEventListener('click', () =>
      this.queue?.state === 'paused' ? this.resume() : this.pause(),
    );
    $('btn-experiment-cancel').addEventListener('click', () => this.cancel());
    this.render();
  }

  /** The experiments' ids, which a shared link may name (share.js). */
  get ids() {
    return EXPERIMENTS.map((x) => x.id);
  }

  /** The experiment chosen in the panel, for the page's link. */
  get selectedId() {
    return this.#form.elements.experiment?.value || null;
  }

  /** A link named an experiment: it is chosen (nothing is queued until Run). */
  chooseFromLink(id) {
    const input = [...this.#form.querySelectorAll('input[name="experiment"]')].find((r) => r.value === id);
    if (!input) return;
    input.checked = true;
    this.render();
    this.#form.closest('section, details')?.scrollIntoView({ block: 'nearest' });
  }

  /** The worker's `ready`: the engine's readings of the report. */
  engineReady(m) {
    this.#presets = m.presets;
    this.render();
  }

  /** The worker restarts: restore the queue again once its data is loaded. */
  forget() {
    this.#restored = false;
  }

  // ---- The form ------------------------------------------------------------------

  #choices() {
    const f = this.#form.elements;
    const reading = f.reading.value;
    const proper = f.proper.value;
    const readings =
      reading === 'report-code' ? ['report-code'] : reading === 'proper' ? [proper] : ['report-code', proper];
    const epochs = Number(f.epochs.value);
    return { experiment: f.experiment.value, readings, epochs, evaluation: f.evaluation.value };
  }

  /** The queue the form describes: { items } or { error }. */
  #plan() {
    const { schema } = this.#app.form;
    if (!schema || this.#presets.length === 0) return { error: 'Waiting for the engine…' };
    const choices = this.#choices();
    if (!Number.isInteger(choices.epochs) || choices.epochs < 1 || choices.epochs > 1000)
      return { error: 'The number of epochs must be a whole number from 1 to 1000.' };
    try {
      return {
        ...choices,
        items: planQueue({ ...choices, schema, presets: this.#presets, dims: this.#app.data.dims() }),
      };
    } catch (err) {
      return { error: err.message };
    }
  }

  // ---- Commands ------------------------------------------------------------------

  /** Queues the form's experiment in the worker (in place of the current training). */
  async run() {
    const { data, client, notices, controls } = this.#app;
    if (!data.info || this.active) return;
    const plan = this.#plan();
    if (plan.error) {
      $('experiment-error').textContent = plan.error;
      return;
    }
    $('experiment-error').textContent = '';
    if (controls.state === State.RUNNING || controls.state === State.PAUSED) client.send(ToWorker.STOP);
    const queue = {
      id: `queue-${Date.now()}-${Math.floor(Math.random() * 1e6)}`,
      experiment: plan.experiment,
      readings: plan.readings,
      epochs: plan.epochs,
      evaluation: plan.evaluation,
      createdAt: Date.now(),
      state: 'running',
      index: 0,
      items: plan.items.map((i) => ({ ...i, runId: null, status: 'queued' })),
    };
    this.queue = queue;
    this.#changed();
    await store.dropCheckpoint();
    try {
      await client.request(ToWorker.QUEUE_START, {
        queueId: queue.id,
        items: queue.items.map(({ config, epochs, evaluate }) => ({ config, epochs, evaluate })),
      });
      notices.announce(`Training ${queue.items.length} runs of the report, one after another.`);
    } catch (err) {
      if (this.queue === queue) {
        queue.state = 'cancelled';
        this.#changed();
      }
      $('experiment-error').textContent = `Could not start: ${err.message}`;
    }
  }

  pause() {
    if (this.queue?.state === 'running') this.#app.client.send(ToWorker.QUEUE_PAUSE);
  }

  resume() {
    if (this.queue?.state === 'paused') this.#app.client.send(ToWorker.QUEUE_RESUME);
  }

  cancel() {
    if (this.active) this.#app.client.send(ToWorker.QUEUE_CANCEL);
  }

  /** After the saved model is restored: the saved queue, resumed from its last checkpoint when it was not over. */
  async restoreOnce() {
    if (this.#restored) return;
    this.#restored = true;
    const saved = await store.loadQueue();
    if (saved?.queue) this.queue = saved.queue;
    const q = this.queue;
    if (!q || !this.active) {
      this.#changed({ save: false });
      return;
    }
    const cp =
      saved.checkpoint?.queueId === q.id &&
      saved.checkpoint.index === q.index &&
      saved.checkpoint.bytes &&
      saved.checkpoint.run
        ? saved.checkpoint
        : null;
    this.#resumeRun = cp?.run ?? null;
    this.#changed({ save: false });
    try {
      await this.#app.client.request(ToWorker.QUEUE_START, {
        queueId: q.id,
        items: q.items.map(({ config, epochs, evaluate }) => ({ config, epochs, evaluate })),
        start: q.index,
        checkpoint: cp ? cp.bytes.slice(0) : undefined,
        runMs: cp?.runMs,
        paused: q.state === 'paused',
      });
      const where = cp ? `from epoch ${cp.progress.epoch}, batch ${cp.progress.batchInEpoch}` : 'from its start';
      $('experiment-note').textContent = `Resumed after the reload: run ${q.index + 1} of ${q.items.length} ${where}.`;
      this.#app.notices.announce(`The report’s experiments resume: run ${q.index + 1} of ${q.items.length} ${where}.`);
    } catch (err) {
      q.state = 'cancelled';
      this.#changed();
      $('experiment-error').textContent = `Could not resume the experiments: ${err.message}`;
    }
  }

  // ---- The worker's messages --------------------------------------------------------

  /** A `queue` message. */
  onQueue(m) {
    const q = this.queue;
    if (!q || m.queueId !== q.id) return;
    const { notices } = this.#app;
    const item = q.items[m.index];
    q.state = m.state;
    q.index = m.index;
    if (m.reason === 'item-started') this.#itemStarted(m, item);
    else if (m.reason === 'item-finished') {
      item.status = m.outcome;
      if (m.message) item.message = m.message;
      notices.announce(
        `Run ${m.index + 1} of ${m.total} ${m.outcome === 'done' ? 'finished' : `diverged: ${m.message}`}.`,
      );
    } else if (m.reason === 'finished') {
      store.dropCheckpoint();
      notices.announce(`The report’s experiments finished: ${q.items.length} runs.`);
    } else if (m.reason === 'cancelled') {
      for (const i of q.items)
        if (i.status === 'running' || i.status === 'queued')
          i.status = i.status === 'running' ? 'stopped' : 'cancelled';
      store.dropCheckpoint();
      notices.announce(`The experiments were cancelled${m.message ? `: ${m.message}` : ''}.`);
      if (m.message) $('experiment-note').textContent = `Cancelled: ${m.message}.`;
    }
    this.#changed();
  }

  // A run of the queue starts (or resumes): it becomes the current run record.
  #itemStarted(m, item) {
    const { runs, stats, runList, data, controls, form } = this.#app;
    const q = this.queue;
    let run = item.runId ? runs.find(item.runId) : null;
    const stored = m.resumed ? this.#resumeRun : null;
    this.#resumeRun = null;
    if (stored && stored.id === item.runId) {
      // The curves stored with the checkpoint the worker resumed from, in place of the record runs.js kept (saved apart, maybe at another epoch).
      const back = deserialiseRun(stored);
      if (run) Object.assign(run, back);
      else runs.list.push((run = back));
    } else {
      if (run) runs.remove(run); // started afresh: its old curves go
      run = runs.start({ config: controls.trainer?.config ?? item.config, label: item.label, source: data.source });
      run.experiment = {
        queueId: q.id,
        experiment: q.experiment,
        key: item.key,
        reading: item.reading,
        index: m.index,
        epochs: item.epochs,
        evaluation: q.evaluation,
      };
      run.stepOffset = m.progress.step;
      run.progress = m.progress;
      item.runId = run.id;
    }
    // The run and its epoch views must be current before its first chunk and epoch arrive; the form and the run list follow in tasks of their own.
    runs.current = run;
    item.status = 'running';
    this.#checkpointAt = -Infinity;
    stats.resetViews();
    later(() => runs.current === run && form.write(form.valuesOf(run.config, { epochs: item.epochs })));
    later(() => runList.render());
    runs.persist(run);
    runs.rememberCurrent(run).catch(() => {});
  }

  /** A `checkpoint` of the worker and the run it belongs to (captured when it arrived). */
  onCheckpoint(m, run) {
    const q = this.queue;
    if (!this.active || !run?.experiment || run.experiment.queueId !== q.id) return;
    if (m.reason === 'epoch' && performance.now() - this.#checkpointAt < CHECKPOINT_INTERVAL_MS) return;
    this.#checkpointAt = performance.now();
    const index = run.experiment.index;
    const record = serialiseRun(run, m); // the curves up to the checkpoint
    store
      .saveCheckpoint({
        queueId: q.id,
        index,
        runId: run.id,
        bytes: m.bytes,
        progress: m.progress,
        runMs: m.runMs,
        run: record,
      })
      .then((stored) => {
        if (stored) this.lastSaved = { queueId: q.id, index, progress: m.progress };
      });
  }

  /** A chunk or an epoch of the current run: the progress line, soon. */
  onProgress() {
    if (!this.active || this.#progressQueued) return;
    this.#progressQueued = true;
    requestAnimationFrame(() => {
      this.#progressQueued = false;
      this.#renderProgress();
    });
  }

  // ---- Views ----------------------------------------------------------------------

  #changed({ save = true } = {}) {
    if (save && this.queue) store.saveQueue(this.queue);
    this.#app.controls.lock(this.active ? LOCK : null);
    this.render();
    this.#app.figures?.update();
  }

  render() {
    const { data } = this.#app;
    const q = this.queue;
    const active = this.active;
    const ready = Boolean(data.info && this.#app.form.schema && this.#presets.length);
    const f = this.#form.elements;
    f.proper.disabled = f.reading.value === 'report-code';
    $('btn-experiment-run').disabled = !ready || active;
    const pause = $('btn-experiment-pause');
    pause.disabled = !active;
    pause.textContent = q?.state === 'paused' ? 'Resume' : 'Pause';
    $('btn-experiment-cancel').disabled = !active;
    document.body.dataset.queueState = q?.state ?? 'none';

    const plan = this.#plan();
    const items = active ? q.items : (plan.items ?? []);
    $('experiment-plan-caption').textContent = active
      ? `The queue: ${q.items.length} runs, ${q.epochs} epochs each.`
      : plan.items
        ? `Run trains ${plan.items.length} runs, one after another, ${plan.epochs} epochs each${plan.epochs === REPORT_EPOCHS ? ' (the report’s)' : ` (the report: ${REPORT_EPOCHS})`}:`
        : plan.error;
    $('experiment-plan').replaceChildren(...items.map((item, i) => this.#planItem(item, i, active)));
    // The step's factor, once per reading: η stays the report's.
    const readings = [...new Map(items.map((i) => [i.reading, i])).values()];
    $('experiment-steps').replaceChildren(
      ...readings.map((i) =>
        el(
          'li',
          {},
          el('strong', { text: `${this.#presets.find((p) => p.name === i.reading)?.label ?? i.reading}: ` }),
          `step = ${stepFactor(i.config).text}.`,
        ),
      ),
    );
    if (!active && q) {
      const done = q.items.filter((i) => i.status === 'done').length;
      const what = EXPERIMENTS.find((x) => x.id === q.experiment)?.label.toLowerCase() ?? q.experiment;
      $('experiment-last').textContent =
        `Last queue (${what}, ${q.epochs} epochs): ${STATE_TEXT[q.state].toLowerCase()}, ${done} of ${q.items.length} runs done.`;
    } else {
      $('experiment-last').textContent = '';
    }
    this.#renderProgress();
  }

  #planItem(item, i, active) {
    const f = stepFactor(item.config);
    const status = active || item.status !== 'queued' ? (STATUS_TEXT[item.status] ?? item.status) : null;
    const current = active && i === this.queue.index;
    return el(
      'li',
      { class: `plan-item${current ? ' is-current' : ''}`, 'data-status': status ?? 'planned' },
      el('span', { class: 'plan-run', text: item.config.layers.join('-') }),
      el('span', { class: 'plan-eta', text: ` η = ${formatEta(item.config.learningRate)}` }),
      el('span', { class: 'plan-step help', text: ` (step: η × ${f.symbol} gradient)` }),
      el('span', {
        class: 'plan-reading help',
        text: ` · ${this.#presets.find((p) => p.name === item.reading)?.label ?? item.reading}`,
      }),
      status ? el('span', { class: `tag status-${item.status}`, text: status }) : null,
    );
  }

  #renderProgress() {
    const q = this.queue;
    const out = $('experiment-progress');
    if (!q) {
      out.textContent = '';
      return;
    }
    const { runs, controls } = this.#app;
    const item = q.items[q.index];
    const elapsed = q.items.reduce((ms, i) => ms + (runs.find(i.runId)?.runMs ?? 0), 0);
    if (this.active) {
      const epoch = runs.current?.experiment?.queueId === q.id ? (controls.trainer?.progress.epoch ?? 0) : 0;
      out.textContent = `${STATE_TEXT[q.state]}: run ${q.index + 1} of ${q.items.length} (${item.label}), epoch ${epoch} / ${item.epochs} — ${fmtTime(elapsed)} of training so far.`;
    } else {
      out.textContent = `${STATE_TEXT[q.state]} after ${fmtTime(elapsed)} of training.`;
    }
    out.dataset.elapsedMs = String(Math.round(elapsed));
  }
}
