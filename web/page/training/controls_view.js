// The training controls: Train, Pause/Resume, Step, Stop, Reset, the pace,
// "Compare with …", the keyboard shortcuts, and the hint that says what
// Train would do; and what the page announces about training (finished,
// diverged). The buttons offer what the commands (training_commands.js)
// can do in the store's state.
import { State } from '../../shared/protocol.js';
import { fieldOf } from '../../shared/config_fields.js';
import { choiceLabel, describeConfig, validateForm, valuesFromConfig } from '../settings/settings.js';
import { $, el } from '../ui/dom.js';
import { pct } from '../ui/format.js';
import { PACES, rememberPace, rememberedPace } from './pace.js';

/**
 * @import { SessionStore } from '../app/session_store.js'
 * @import { TrainingCommands } from './training_commands.js'
 * @import { Notices } from '../ui/notices.js'
 */

/** The settings "Compare with …" offers, in this order (each a schema field, or the page's decay). */
export const COMPARABLE = Object.freeze([
  'learningRate',
  'layers',
  'batchSize',
  'activation',
  'optimizer',
  'l2',
  'gradient',
  'seed',
]);

/** True where a keyboard is the usual way in (shortcut hints make sense). */
const hasKeyboard = () => matchMedia('(hover: hover) and (pointer: fine)').matches;

export class ControlsView {
  #store;
  #commands;
  #notices;

  /** @param {{ store: SessionStore, commands: TrainingCommands, notices: Notices }} parts */
  constructor({ store, commands, notices }) {
    this.#store = store;
    this.#commands = commands;
    this.#notices = notices;
    $('btn-train').addEventListener('click', () => commands.train());
    $('btn-pause').addEventListener('click', () =>
      store.train.state === State.PAUSED ? commands.resume() : commands.pause(),
    );
    $('btn-step').addEventListener('click', () => commands.step());
    $('btn-stop').addEventListener('click', () => commands.stop());
    $('btn-reset').addEventListener('click', () => commands.reset());
    document.addEventListener('keydown', (e) => this.#onKey(e));
    this.#setUpPace();
    this.#setUpCompare();
    store.onAny(['engine', 'data', 'trainer', 'train', 'settings', 'runs'], () => this.update());
    store.on('train', () => this.#announceState());
    store.on('diverged', (m) => {
      notices.showAlert(
        `Training stopped: ${m.message}. Lower the learning rate (or use the mean gradient) and train again.`,
      );
      notices.announce(`Training stopped: ${m.message}`);
    });
    this.update();
  }

  #setUpPace() {
    const select = $('pace-select', HTMLSelectElement);
    select.replaceChildren(...PACES.map((p) => el('option', { value: p.id, text: p.label })));
    select.value = rememberedPace().id;
    select.addEventListener('change', () => {
      const chosen = PACES.find((p) => p.id === select.value);
      rememberPace(chosen.id);
      this.#commands.setPace(chosen.pace);
      this.#notices.announce(`Pace: ${chosen.label.toLowerCase()}.`);
    });
    // Each new worker (the first, or one after a crash) gets the chosen pace.
    this.#store.on('engine', () => {
      if (this.#store.engine && select.value !== 'full')
        this.#commands.setPace(PACES.find((p) => p.id === select.value).pace);
    });
  }

  #setUpCompare() {
    const form = $('compare-form', HTMLFormElement);
    const field = /** @type {HTMLSelectElement} */ (form.elements.namedItem('field'));
    const value = /** @type {HTMLInputElement} */ (form.elements.namedItem('value'));
    $('btn-compare').addEventListener('click', () => {
      form.hidden = !form.hidden;
      if (!form.hidden) {
        this.#fillCompareFields(field);
        this.#suggest(field, value);
        field.focus();
      }
    });
    field.addEventListener('change', () => this.#suggest(field, value));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const run = this.#store.runs.current;
      const schema = this.#store.engine?.schema;
      if (!run || !schema) return;
      const values = { ...valuesFromConfig(run.config, schema, Object.keys(run.config)), [field.value]: value.value };
      const { config, errors } = validateForm(values, schema, this.#store.dims);
      $('compare-error').textContent = errors[field.value] ?? '';
      if (!config) return;
      const label = fieldOf(schema, field.value)?.label ?? field.value;
      if (await this.#commands.compareWith(field.value, config[field.value])) {
        form.hidden = true;
        this.#notices.announce(`A new run with ${label} ${value.value}, overlaid on ${run.label}.`);
      }
    });
    $('compare-cancel').addEventListener('click', () => {
      form.hidden = true;
      $('btn-compare').focus();
    });
  }

  #fillCompareFields(select) {
    const schema = this.#store.engine?.schema ?? [];
    const fields = COMPARABLE.map((k) => fieldOf(schema, k)).filter(Boolean);
    select.replaceChildren(...fields.map((f) => el('option', { value: f.jsName, text: f.label })));
  }

  // Suggests a value to compare with: the run's own, so the user edits one thing.
  #suggest(field, value) {
    const run = this.#store.runs.current;
    const v = run?.config[field.value];
    value.value = Array.isArray(v) ? v.join('-') : String(v ?? '');
    const f = fieldOf(this.#store.engine?.schema ?? [], field.value);
    $('compare-help').textContent = f?.choices
      ? `One of: ${f.choices.map(choiceLabel).join(', ')} (${f.choices.join(', ')}).`
      : `Now ${value.value}; enter the value to compare with.`;
  }

  /** Enables the buttons that make sense now, and says what they would do. */
  update() {
    const { train, trainer, runs, data } = this.#store;
    const ready = data.status === 'ready' && Boolean(this.#store.engine);
    const running = train.state === State.RUNNING;
    const paused = train.state === State.PAUSED;
    const locked = Boolean(train.lock);
    const { action, differs } = this.#commands.plan();
    const trainBtn = $('btn-train', HTMLButtonElement);
    trainBtn.disabled = action === 'none' || action === 'resume';
    trainBtn.textContent =
      action === 'new' && trainer ? 'Train new network' : trainer?.progress.step > 0 ? 'Train more' : 'Train';
    const pauseBtn = $('btn-pause', HTMLButtonElement);
    pauseBtn.disabled = !(running || paused);
    pauseBtn.textContent = paused ? 'Resume' : 'Pause';
    $('btn-step', HTMLButtonElement).disabled = !ready || running || locked;
    $('btn-stop', HTMLButtonElement).disabled = !(running || paused) || locked;
    $('btn-reset', HTMLButtonElement).disabled = !ready || running || locked;
    $('btn-compare', HTMLButtonElement).disabled = !ready || !runs.current || locked;
    document.body.dataset.trainState = train.state;
    let hint;
    if (!ready) hint = 'Waiting for the data…';
    else if (locked) hint = train.lock;
    else if (running)
      hint = `Training…${hasKeyboard() ? ' Space pauses.' : ''} The learning rate and optimiser can be changed live.`;
    else if (paused) hint = 'Paused mid-epoch. Resume, or Step one batch at a time.';
    else if (action === 'new' && trainer)
      hint = `The settings differ from the current run’s (${differs.join(', ')}): Train starts a new run; the current one stays in the history as it is.`;
    else if (trainer) hint = `Model: ${describeConfig(trainer.config, runs.current?.schedule)}.`;
    else hint = 'Choose a preset and press Train.';
    $('train-hint').textContent = hint;
  }

  #announceState() {
    const { train, trainer, runs } = this.#store;
    if (train.state !== State.IDLE || train.message !== 'finished') return;
    const e = runs.current?.epochs.findLast((x) => x.test);
    this.#notices.announce(
      `Training finished after ${trainer?.progress.epoch ?? '?'} epochs${e ? `: test accuracy ${pct(e.test.accuracy, 2)}` : ''}.`,
    );
  }

  // Space: train / pause / resume; N: one batch. Off while a form field or control has focus.
  #onKey(e) {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
    const typing = e.target.closest?.('input, select, textarea, button, summary, [contenteditable], a');
    if (typing) return;
    const state = this.#store.train.state;
    if (e.key === ' ') {
      e.preventDefault();
      if (state === State.RUNNING) this.#commands.pause();
      else if (state === State.PAUSED) this.#commands.resume();
      else this.#commands.train();
    } else if (e.key === 'n' || e.key === 'N') {
      e.preventDefault();
      this.#commands.step();
    }
  }
}
