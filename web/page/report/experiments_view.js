// The Experiments view's controls: one click queues one of the report's
// experiments (or the whole report) in one or both readings (experiments.js
// runs the queue); the plan of runs, progress ("run 2 of 7, epoch 38 / 100"),
// pause, resume and cancel. Drawn while the view is shown, at most once a
// frame.
import {
  EXPERIMENT_EPOCHS,
  EXPERIMENT_SEEDS,
  allExperiments,
  defaultEpochs,
  REPORT_EPOCHS,
  formatEta,
  stepFactor,
} from './experiment_plan.js';
import { checkValue } from '../../shared/config_fields.js';
import { linkedPanel } from '../share/share.js';
import { applyRange } from '../settings/field_input.js';
import { $, el } from '../ui/dom.js';
import { duration } from '../ui/format.js';
import { Redraw } from '../ui/redraw.js';

/**
 * @import { SessionStore } from '../app/session_store.js'
 * @import { ChoicesPort, ExperimentChoices } from './experiment_choices.js'
 * @import { Experiments } from './experiments.js'
 * @import { Visibility } from '../ui/redraw.js'
 */

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
/** While a queue trains, its progress line is redrawn at most this often. */
export const PROGRESS_INTERVAL_MS = 500;

export class ExperimentsView {
  #store;
  #experiments;
  #form = $('experiment-form', HTMLFormElement);
  #redraw;
  #visibility;
  /** The panel a link asked for (a study's), scrolled to when the view is first drawn while shown. */
  #scrollTo = null;
  /** The user (or a link) chose before the saved choices were read: theirs stand. */
  #touched = false;

  /**
   * @param {{ store: SessionStore, experiments: Experiments, visibility: Visibility, choices: ChoicesPort }} parts
   *   choices: the form's choices kept in this browser (experiment_choices.js), restored once and saved on change
   */
  constructor({ store, experiments, visibility, choices }) {
    this.#store = store;
    this.#experiments = experiments;
    this.#visibility = visibility;
    $('experiment-choices').replaceChildren(
      ...allExperiments().map((x, i) =>
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
    const epochs = this.#input('epochs');
    applyRange(epochs, EXPERIMENT_EPOCHS);
    epochs.value = String(EXPERIMENT_EPOCHS.default);
    const seeds = this.#input('seeds');
    applyRange(seeds, EXPERIMENT_SEEDS);
    seeds.value = String(EXPERIMENT_SEEDS.default);
    this.#redraw = new Redraw(() => this.render(), { visibility });
    // The progress line moves with every chunk: it alone is redrawn then, twice a second.
    const progress = new Redraw(() => this.#renderProgress(), { visibility, minIntervalMs: PROGRESS_INTERVAL_MS });
    this.#form.addEventListener('input', (e) => {
      // A study with epochs of its own (the sweep's) puts them in the field when it is chosen.
      const target = /** @type {HTMLInputElement} */ (e.target);
      if (target.name === 'experiment') epochs.value = String(defaultEpochs(target.value));
      this.#touched = true;
      this.render();
      const { experiment, epochs: n, seeds: s, evaluation } = this.#choices();
      void choices.save({ experiment, epochs: n, seeds: s, evaluation });
    });
    this.#form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const choices = this.#choices();
      const problem = checkValue(EXPERIMENT_EPOCHS, choices.epochs) ?? checkValue(EXPERIMENT_SEEDS, choices.seeds);
      $('experiment-error').textContent = problem ?? '';
      if (problem) return;
      try {
        await experiments.run(choices);
      } catch (err) {
        $('experiment-error').textContent = err.message;
      }
    });
    $('btn-experiment-pause').addEventListener('click', () =>
      store.queue?.state === 'paused' ? experiments.resume() : experiments.pause(),
    );
    $('btn-experiment-cancel').addEventListener('click', () => experiments.cancel());
    store.onAny(['engine', 'data', 'queue'], () => this.#redraw.request());
    store.onAny(['chunk', 'epoch'], () => experiments.active && progress.request());
    this.render();
    void choices.load().then((saved) => {
      if (this.#touched) return;
      this.#restore(saved);
      this.#redraw.request();
    });
  }

  /** The saved choices in the form: the saved epochs stand, not the experiment's own. */
  #restore(/** @type {ExperimentChoices} */ saved) {
    for (const [name, value] of [
      ['experiment', saved.experiment],
      ['evaluation', saved.evaluation],
    ]) {
      const radio = this.#form.querySelector(`input[name="${name}"][value="${CSS.escape(value)}"]`);
      if (radio instanceof HTMLInputElement) radio.checked = true;
    }
    this.#input('epochs').value = String(saved.epochs);
    this.#input('seeds').value = String(saved.seeds);
  }

  /** @param {string} name */
  #input(name) {
    return /** @type {HTMLInputElement} */ (this.#form.elements.namedItem(name));
  }

  /** The experiments' ids, which a shared link may name (share.js). */
  get ids() {
    return allExperiments().map((x) => x.id);
  }

  /** The experiment chosen in the form, for the page's link. */
  get selectedId() {
    return /** @type {RadioNodeList} */ (this.#form.elements.namedItem('experiment'))?.value || null;
  }

  /**
   * A link named an experiment: it is chosen (nothing is queued until Run), and a study's own panel
   * (share.js linkedPanel) is scrolled to once the view is shown.
   */
  choose(id) {
    const input = [...this.#form.querySelectorAll('input[name="experiment"]')].find(
      (r) => /** @type {HTMLInputElement} */ (r).value === id,
    );
    if (!input) return;
    /** @type {HTMLInputElement} */ (input).checked = true;
    this.#input('epochs').value = String(defaultEpochs(id));
    this.#touched = true;
    this.#scrollTo = linkedPanel(id);
    this.#redraw.request();
  }

  #choices() {
    const f = this.#form.elements;
    const value = (name) => /** @type {RadioNodeList} */ (f.namedItem(name)).value;
    const reading = value('reading');
    const proper = /** @type {HTMLSelectElement} */ (f.namedItem('proper')).value;
    const readings =
      reading === 'report-code' ? ['report-code'] : reading === 'proper' ? [proper] : ['report-code', proper];
    return {
      experiment: value('experiment'),
      readings,
      epochs: Number(this.#input('epochs').value),
      seeds: Number(this.#input('seeds').value),
      evaluation: value('evaluation'),
    };
  }

  #plan() {
    const choices = this.#choices();
    const problem = checkValue(EXPERIMENT_EPOCHS, choices.epochs) ?? checkValue(EXPERIMENT_SEEDS, choices.seeds);
    return problem ? { error: problem } : this.#experiments.plan(choices);
  }

  render() {
    const { data, engine } = this.#store;
    const q = this.#store.queue;
    const active = this.#experiments.active;
    const presets = engine?.presets ?? [];
    const ready = Boolean(data.status === 'ready' && engine && presets.length);
    const f = this.#form.elements;
    /** @type {HTMLSelectElement} */ (f.namedItem('proper')).disabled =
      /** @type {RadioNodeList} */ (f.namedItem('reading')).value === 'report-code';
    $('btn-experiment-run', HTMLButtonElement).disabled = !ready || active;
    const pause = $('btn-experiment-pause', HTMLButtonElement);
    pause.disabled = !active;
    pause.textContent = q?.state === 'paused' ? 'Resume' : 'Pause';
    $('btn-experiment-cancel', HTMLButtonElement).disabled = !active;
    document.body.dataset.queueState = q?.state ?? 'none';

    const plan = this.#plan();
    const items = active ? q.items : (plan.items ?? []);
    $('experiment-plan-caption').textContent = active
      ? `The queue: ${q.items.length} runs, ${q.epochs} epochs each.`
      : plan.items
        ? `Run trains ${plan.items.length} runs, one after another, ${plan.epochs} epochs each${plan.epochs === REPORT_EPOCHS ? ' (the report’s)' : ` (the report: ${REPORT_EPOCHS})`}:`
        : plan.error;
    const seeded = items.some((item) => (item.seed ?? 1) > 1);
    $('experiment-plan').replaceChildren(...items.map((item, i) => this.#planItem(item, i, active, seeded)));
    // The step's factor, once per reading: η stays the report's.
    const readings = [...new Map(items.map((i) => [i.reading, i])).values()];
    $('experiment-steps').replaceChildren(
      ...readings.map((i) =>
        el(
          'li',
          {},
          el('strong', { text: `${presets.find((p) => p.name === i.reading)?.label ?? i.reading}: ` }),
          `step = ${stepFactor(i.config).text}.`,
        ),
      ),
    );
    if (!active && q) {
      const done = q.items.filter((i) => i.status === 'done').length;
      const what =
        allExperiments()
          .find((x) => x.id === q.experiment)
          ?.label.toLowerCase() ?? q.experiment;
      $('experiment-last').textContent =
        `Last queue (${what}, ${q.epochs} epochs): ${STATE_TEXT[q.state].toLowerCase()}, ${done} of ${q.items.length} runs done.`;
    } else {
      $('experiment-last').textContent = '';
    }
    $('experiment-note').textContent = this.#experiments.note;
    this.#renderProgress();
    // A study's panel opens when it is chosen, linked or training (closed, the view stays short on a phone).
    for (const id of [this.selectedId, q && this.#experiments.active ? q.experiment : null]) {
      const study = document.getElementById(linkedPanel(id) ?? '');
      if (study instanceof HTMLDetailsElement) study.open = true;
    }
    const panel = this.#scrollTo && this.#visibility.visible ? document.getElementById(this.#scrollTo) : null;
    if (panel) {
      this.#scrollTo = null;
      panel.scrollIntoView({ block: 'start' });
      panel.dataset.linked = 'true';
    }
  }

  /** "η = 0.001"; an item with a range test: "η from a range test", then its pick. */
  #etaText(item) {
    if (!item.options?.lrFind) return `η = ${formatEta(item.config.learningRate)}`;
    const pick = item.runId ? this.#store.runs.find(item.runId)?.experiment?.lrFind?.pick : null;
    return pick ? `η = ${formatEta(pick)} (range test)` : 'η from a range test';
  }

  #planItem(item, i, active, seeded) {
    const f = stepFactor(item.config);
    const status = active || item.status !== 'queued' ? (STATUS_TEXT[item.status] ?? item.status) : null;
    const current = active && i === this.#store.queue.index;
    return el(
      'li',
      { class: `plan-item${current ? ' is-current' : ''}`, 'data-status': status ?? 'planned' },
      el('span', { class: 'plan-run', text: item.config.layers.join('-') }),
      item.config.optimizer === 'sgd'
        ? null
        : el('span', { class: 'plan-optimizer', text: ` ${item.config.optimizer}` }),
      el('span', { class: 'plan-eta', text: ` ${this.#etaText(item)}` }),
      el('span', { class: 'plan-step help', text: ` (step: η × ${f.symbol} gradient)` }),
      el('span', {
        class: 'plan-reading help',
        text: ` · ${this.#store.engine?.presets.find((p) => p.name === item.reading)?.label ?? item.reading}`,
      }),
      seeded ? el('span', { class: 'plan-seed help', text: ` · seed ${item.seed ?? 1}` }) : null,
      status ? el('span', { class: `tag status-${item.status}`, text: status }) : null,
    );
  }

  #renderProgress() {
    const q = this.#store.queue;
    const out = $('experiment-progress');
    if (!q) {
      out.textContent = '';
      return;
    }
    const { runs, trainer } = this.#store;
    const item = q.items[q.index];
    const elapsed = q.items.reduce((ms, i) => ms + (runs.find(i.runId)?.runMs ?? 0), 0);
    if (this.#experiments.active) {
      const epoch = runs.current?.experiment?.queueId === q.id ? (trainer?.progress.epoch ?? 0) : 0;
      out.textContent = `${STATE_TEXT[q.state]}: run ${q.index + 1} of ${q.items.length} (${item.label}), epoch ${epoch} / ${item.epochs} — ${duration(elapsed)} of training so far.`;
    } else {
      out.textContent = `${STATE_TEXT[q.state]} after ${duration(elapsed)} of training.`;
    }
    out.dataset.elapsedMs = String(Math.round(elapsed));
  }
}
