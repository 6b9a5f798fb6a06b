// The training form: builds its choices and limits from the engine's schema
// (until the engine is ready it only holds values), reads and writes its
// values, shows each field's validation error (config.js validates) and the
// hints that follow the values, and passes live changes of the learning
// rate, optimiser and schedule on to the training controls.
//
// A form control whose name is a schema field's JS name (or one of the
// page's own fields) is a field of the form: a new engine field needs only
// its control in index.html.
import {
  DEFAULT_PRESET,
  PAGE_FIELDS,
  PRESETS,
  choiceLabel,
  matchPreset,
  parseLayers,
  presetValues,
  structuralChange,
  validateForm,
  valuesFromConfig,
} from './config.js';
import { ToWorker } from '../shared/protocol.js';
import { $, el } from './viz.js';

const LIVE_OPTIMIZER = new Set(['learningRate', 'optimizer', 'momentum']);
/** How long the form must rest before the engine is asked about the config (its memory above all). */
const ENGINE_CHECK_DELAY_MS = 300;
const gb = (x) => (x >= 1e9 ? `${(x / 1e9).toFixed(2)} GB` : `${Math.max(1, Math.round(x / 1e6))} MB`);

export class ConfigForm {
  #app;
  #schema = null;
  #fields = []; // the form's field names: schema fields with a control, then the page's
  // The engine's verdict on the last config asked about: { key, ok, message?, memory? }.
  #engine = null;
  #engineTimer = 0;

  constructor(app) {
    this.#app = app;
  }

  get #form() {
    return $('config-form');
  }

  get schema() {
    return this.#schema;
  }

  /** The form's field names, in the schema's order. */
  get fields() {
    return this.#fields;
  }

  setup() {
    const form = this.#form;
    const f = form.elements;
    f.preset.replaceChildren(
      ...[...PRESETS.map((p) => [p.id, p.label]), ['custom', 'Custom']].map(([value, text]) =>
        el('option', { value, text }),
      ),
    );
    f.preset.addEventListener('change', () => {
      if (this.#schema && f.preset.value !== 'custom')
        this.write({ ...this.#preset(f.preset.value), seed: f.seed.value });
    });
    form.addEventListener('input', (e) => {
      if (e.target.name === 'preset') return;
      this.refresh();
      const controls = this.#app.controls;
      if (LIVE_OPTIMIZER.has(e.target.name)) controls.applyLiveOptimizer();
      if (e.target.name === 'lrDecay') controls.applyLiveSchedule();
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.#app.controls.train();
    });
  }

  /** The engine is ready: its fields' choices and limits go into the controls, then the default preset. */
  useSchema(schema) {
    this.#schema = schema;
    const f = this.#form.elements;
    // A control of the field's name, or a group its choices go into.
    const present = (name) => f[name] || this.#form.querySelector(`[data-choices="${name}"]`);
    this.#fields = [...schema, ...PAGE_FIELDS].map((s) => s.jsName).filter(present);
    for (const field of [...schema, ...PAGE_FIELDS]) {
      if (!this.#fields.includes(field.jsName)) continue;
      if (field.kind === 'choice') this.#fillChoices(field);
      const input = f[field.jsName];
      if ((field.kind === 'number' || field.kind === 'integer') && input instanceof HTMLInputElement) {
        if (!field.minOpen) input.min = String(field.min);
        if (!field.maxOpen) input.max = String(field.max);
      }
    }
    // A new worker after a crash keeps the form as the user left it.
    if (!this.#fields.includes('layers') || !f.layers.value) this.write(this.#preset(DEFAULT_PRESET));
    else this.refresh();
  }

  /** The engine's verdict on the form's config: { ok, message?, memory? } or null (not asked yet). */
  get engineCheck() {
    return this.#engine;
  }

  // Asks the engine (the worker's engine.validateConfig, with the memory the config needs),
  // once the form has rested; the answer is kept for the config it was about.
  #askEngine(config) {
    const key = JSON.stringify(config);
    if (this.#engine?.key === key) return;
    clearTimeout(this.#engineTimer);
    this.#engineTimer = setTimeout(async () => {
      try {
        const m = await this.#app.client.request(ToWorker.CHECK_CONFIG, { config });
        this.#engine = { key, ok: true, memory: m.memory };
      } catch (err) {
        if (err.kind !== 'ConfigError') return; // the worker is restarting: ask again later
        this.#engine = { key, ok: false, message: err.message };
      }
      this.refresh();
    }, ENGINE_CHECK_DELAY_MS);
  }

  #preset(id) {
    return presetValues(id, this.#schema, this.#fields, this.#app.data.dims());
  }

  #fillChoices(field) {
    const input = this.#form.elements[field.jsName];
    if (input instanceof HTMLSelectElement) {
      input.replaceChildren(...field.choices.map((value) => el('option', { value, text: choiceLabel(value) })));
      return;
    }
    const group = this.#form.querySelector(`[data-choices="${field.jsName}"]`);
    group?.replaceChildren(
      ...field.choices.map((value) =>
        el('label', {}, el('input', { type: 'radio', name: field.jsName, value }), ` ${choiceLabel(value)}`),
      ),
    );
  }

  /** The form's values, as strings. */
  read() {
    const f = this.#form.elements;
    return Object.fromEntries(this.#fields.map((k) => [k, f[k].value]));
  }

  write(values) {
    const f = this.#form.elements;
    for (const k of this.#fields) if (values[k] !== undefined) f[k].value = values[k];
    this.refresh();
  }

  /** Form values of an engine config (a loaded model's) and the page's settings. */
  valuesOf(config, options) {
    return valuesFromConfig(config, this.#schema, this.#fields, options);
  }

  /** True when configs a and b need different trainers. */
  structuralChange(a, b) {
    return !this.#schema || structuralChange(a, b, this.#schema);
  }

  /** validateForm's result for the current values, without touching the page (no config before the schema). */
  validate() {
    if (!this.#schema) return { config: null, epochs: null, schedule: null, errors: {} };
    const result = validateForm(this.read(), this.#schema, this.#app.data.dims());
    // The engine refused this very config (e.g. it would not fit in memory): so does the form.
    if (result.config && this.#engine && !this.#engine.ok && this.#engine.key === JSON.stringify(result.config))
      return { config: null, epochs: null, schedule: null, errors: { layers: this.#engine.message } };
    return result;
  }

  /** Validates, shows errors next to their fields, updates hints. Returns validateForm's result. */
  refresh() {
    const result = this.validate();
    if (!this.#schema) return result;
    const dims = this.#app.data.dims();
    const values = this.read();
    const f = this.#form.elements;
    for (const k of this.#fields) {
      const msg = result.errors[k] ?? '';
      const out = $(`err-${k}`);
      if (out) out.textContent = msg;
      const inputs = f[k] instanceof RadioNodeList ? [...f[k]] : [f[k]];
      for (const input of inputs) {
        if (msg) input.setAttribute('aria-invalid', 'true');
        else input.removeAttribute('aria-invalid');
      }
    }
    const preset = matchPreset(values, this.#schema, dims);
    f.preset.value = preset;
    $('preset-help').textContent =
      preset === 'custom' ? 'Your own settings.' : PRESETS.find((p) => p.id === preset).help;
    // Momentum only applies to the momentum methods; it stays visible (and explains itself).
    const usesMomentum = values.optimizer === 'momentum' || values.optimizer === 'nesterov';
    f.momentum.disabled = !usesMomentum;
    $('momentum-help').textContent = usesMomentum
      ? 'Fraction of the last step kept.'
      : 'Used by Momentum and Nesterov.';
    const layers = parseLayers(values.layers, this.#schema, dims);
    if (result.config) this.#askEngine(result.config);
    const memory = this.#engine?.ok && this.#engine.key === JSON.stringify(result.config) ? this.#engine.memory : null;
    $('param-count').textContent = layers.value
      ? `${layers.parameters.toLocaleString('en')} weights and biases.` +
        (memory
          ? ` Needs about ${gb(memory.peak)} of the engine’s ${gb(memory.budget)} to train, save and reload.`
          : '')
      : '';
    this.#app.controls.update();
    return result;
  }

  /** Focuses the first field with an error and says why training cannot start. */
  showFirstError(errors) {
    const first = this.#fields.find((k) => errors[k]);
    if (!first) return;
    const f = this.#form.elements[first];
    (f instanceof RadioNodeList ? f[0] : f).focus();
    this.#app.notices.announce(`Cannot train: ${errors[first]}`);
  }

  /** Shows an error the engine found next to its field. */
  showFieldError(field, message) {
    $(`err-${field}`).textContent = message;
    this.#form.elements[field].setAttribute('aria-invalid', 'true');
  }

  /** Data of another image size: the layers' input size follows it. */
  fitInputSize(inputSize) {
    const sizes = this.#form.elements.layers.value.split('-');
    if (/^\d+$/.test(sizes[0] ?? '') && Number(sizes[0]) !== inputSize) {
      sizes[0] = String(inputSize);
      this.#form.elements.layers.value = sizes.join('-');
    }
  }
}
