// The training form: builds its choices and limits from the engine's schema
// and the page's own fields (until the engine is ready it only holds
// values), reads and writes its values, shows each field's validation error
// (settings.js validates) and the hints that follow the values, asks the
// engine whether the network fits (its weights and memory), and puts the
// validated settings in the store, where the training commands and the
// other views read them.
//
// A form control whose name is a schema field's JS name (or one of the
// page's own fields) is a field of the form: a new engine field needs only
// its control in index.html (no range or default there: they come from the
// field's description).
import { applyRange } from './field_input.js';
import {
  DEFAULT_PRESET,
  PAGE_FIELDS,
  PRESETS,
  choiceLabel,
  matchPreset,
  presetValues,
  validateForm,
  valuesFromConfig,
} from './settings.js';
import { $, el } from '../ui/dom.js';
import { bytes, count } from '../ui/format.js';

/**
 * @import { SessionStore } from '../app/session_store.js'
 * @import { WorkerClient } from '../app/worker_client.js'
 * @import { Notices } from '../ui/notices.js'
 */

/** How long the form must rest before the engine is asked about the config (its weights and memory). */
const ENGINE_CHECK_DELAY_MS = 300;

export class SettingsFormView {
  #store;
  #client;
  #notices;
  #form = $('config-form', HTMLFormElement);
  #schema = null;
  /** @type {string[]} the form's field names: schema fields with a control, then the page's */
  #fields = [];
  /** @type {{ key: string, ok: boolean, message?: string, memory?: Record<string, number> } | null} the engine's verdict */
  #engine = null;
  /** @type {ReturnType<typeof setTimeout> | 0} */
  #engineTimer = 0;

  /**
   * @param {{ store: SessionStore, client: WorkerClient, notices: Notices, onSubmit: () => void }} parts
   *   onSubmit: the form was submitted (Enter in a field): train
   */
  constructor({ store, client, notices, onSubmit }) {
    this.#store = store;
    this.#client = client;
    this.#notices = notices;
    const f = this.#form.elements;
    const preset = /** @type {HTMLSelectElement} */ (f.namedItem('preset'));
    preset.replaceChildren(
      ...[...PRESETS.map((p) => [p.id, p.label]), ['custom', 'Custom']].map(([value, text]) =>
        el('option', { value, text }),
      ),
    );
    preset.addEventListener('change', () => {
      if (this.#schema && preset.value !== 'custom')
        this.write({ ...this.#preset(preset.value), seed: this.#input('seed').value });
    });
    this.#form.addEventListener('input', (e) => {
      if (/** @type {HTMLInputElement} */ (e.target).name !== 'preset') this.refresh();
    });
    this.#form.addEventListener('submit', (e) => {
      e.preventDefault();
      onSubmit();
    });
    store.on('engine', () => this.#useSchema());
    store.on('data', () => {
      if (store.data.status !== 'ready') return;
      this.#fitInputSize(store.dims.inputSize); // other image sizes: the network's input follows the data
      this.refresh();
    });
  }

  /** @param {string} name */
  #input(name) {
    return /** @type {HTMLInputElement} */ (this.#form.elements.namedItem(name));
  }

  /** The engine is ready (or a new worker is): its fields' choices and limits go into the controls. */
  #useSchema() {
    const schema = this.#store.engine?.schema;
    if (!schema || schema === this.#schema) return;
    this.#schema = schema;
    const present = (name) => this.#form.elements.namedItem(name) || this.#choiceGroup(name);
    const all = [...schema, ...PAGE_FIELDS];
    this.#fields = all.map((s) => s.jsName).filter(present);
    for (const field of all) {
      if (!this.#fields.includes(field.jsName)) continue;
      if (field.kind === 'choice') this.#fillChoices(field);
      const input = this.#form.elements.namedItem(field.jsName);
      if (input instanceof HTMLInputElement) applyRange(input, field);
    }
    // A new worker after a crash keeps the form as the user left it.
    if (!this.#fields.includes('layers') || !this.#input('layers').value) this.write(this.#preset(DEFAULT_PRESET));
    else this.refresh();
  }

  #choiceGroup(name) {
    return this.#form.querySelector(`[data-choices="${name}"]`);
  }

  #preset(id) {
    return presetValues(id, this.#schema, this.#fields, this.#store.dims);
  }

  #fillChoices(field) {
    const input = this.#form.elements.namedItem(field.jsName);
    if (input instanceof HTMLSelectElement) {
      input.replaceChildren(...field.choices.map((value) => el('option', { value, text: choiceLabel(value) })));
      return;
    }
    this.#choiceGroup(field.jsName)?.replaceChildren(
      ...field.choices.map((value) =>
        el('label', {}, el('input', { type: 'radio', name: field.jsName, value }), ` ${choiceLabel(value)}`),
      ),
    );
  }

  /** The engine's verdict on the form's config: { key, ok, message?, memory? } or null (not asked yet). */
  get engineCheck() {
    return this.#engine;
  }

  /** The form's field names, in the schema's order. */
  get fields() {
    return this.#fields;
  }

  /** The form's values, as strings. */
  read() {
    return Object.fromEntries(
      this.#fields.map((k) => [k, /** @type {HTMLInputElement} */ (this.#form.elements.namedItem(k)).value]),
    );
  }

  /** Sets the form's values (strings, by field), then validates. @param {Record<string, string>} values */
  write(values) {
    for (const k of this.#fields)
      if (values[k] !== undefined) /** @type {HTMLInputElement} */ (this.#form.elements.namedItem(k)).value = values[k];
    this.refresh();
  }

  /**
   * Form values of an engine config (a loaded model's, a run's) and the page's settings.
   * @param {Record<string, any>} config
   * @param {{ epochs?: number | string, schedule?: { lrDecay: number } }} [options]
   */
  valuesOf(config, options) {
    return valuesFromConfig(config, this.#schema, this.#fields, options);
  }

  /** Shows the settings of `config` (a run's, a loaded model's), keeping the epochs field. */
  show(config, { schedule = undefined, epochs = this.read().epochs } = {}) {
    if (this.#schema) this.write(this.valuesOf(config, { epochs, schedule }));
  }

  // ---- Validation --------------------------------------------------------------------

  /** validateForm's result for the current values (no config before the schema), and the engine's verdict. */
  #validate() {
    if (!this.#schema) return { config: null, epochs: null, schedule: null, errors: {} };
    const result = validateForm(this.read(), this.#schema, this.#store.dims);
    // The engine refused this very config (too many weights, or it would not fit in memory): so does the form.
    if (result.config && this.#engine && !this.#engine.ok && this.#engine.key === JSON.stringify(result.config))
      return { config: null, epochs: null, schedule: null, errors: { layers: this.#engine.message } };
    return result;
  }

  /** Validates, shows errors next to their fields, updates hints and the store's settings. */
  refresh() {
    const result = this.#validate();
    if (!this.#schema) return;
    const values = this.read();
    for (const k of this.#fields) {
      const msg = result.errors[k] ?? '';
      const out = $(`err-${k}`);
      if (out) out.textContent = msg;
      const item = this.#form.elements.namedItem(k);
      const inputs = item instanceof RadioNodeList ? [...item] : [item];
      for (const input of inputs) {
        if (msg) /** @type {Element} */ (input).setAttribute('aria-invalid', 'true');
        else /** @type {Element} */ (input).removeAttribute('aria-invalid');
      }
    }
    const preset = matchPreset(values, this.#schema, this.#store.dims);
    /** @type {HTMLSelectElement} */ (this.#form.elements.namedItem('preset')).value = preset;
    $('preset-help').textContent =
      preset === 'custom' ? 'Your own settings.' : PRESETS.find((p) => p.id === preset).help;
    // Momentum only applies to the momentum methods; it stays visible (and explains itself).
    const usesMomentum = values.optimizer === 'momentum' || values.optimizer === 'nesterov';
    this.#input('momentum').disabled = !usesMomentum;
    $('momentum-help').textContent = usesMomentum
      ? 'Fraction of the last step kept.'
      : 'Used by Momentum and Nesterov.';
    if (result.config) this.#askEngine(result.config);
    this.#showEngineVerdict(result.config);
    this.#store.setSettings({ ...result, values, fields: this.#fields });
  }

  // The weights and the memory the config needs, as the engine said them.
  #showEngineVerdict(config = this.#store.settings.config) {
    const verdict = this.#engine?.ok && config && this.#engine.key === JSON.stringify(config) ? this.#engine : null;
    const memory = verdict?.memory;
    $('param-count').textContent = memory
      ? `${count(memory.parameters)} weights and biases. Needs about ${bytes(memory.peak)} of the engine’s ` +
        `${bytes(memory.budget)} to train, save and reload.`
      : '';
  }

  // Asks the engine (the worker's engine.validateConfig, with the memory the config needs),
  // once the form has rested; the answer is kept for the config it was about.
  #askEngine(config) {
    const key = JSON.stringify(config);
    if (this.#engine?.key === key) return;
    clearTimeout(this.#engineTimer);
    this.#engineTimer = setTimeout(async () => {
      try {
        const m = await this.#client.request('checkConfig', { config });
        this.#engine = { key, ok: true, memory: m.memory };
      } catch (err) {
        if (err.kind !== 'ConfigError') return; // the worker is restarting: ask again later
        this.#engine = { key, ok: false, message: err.message };
      }
      this.refresh();
    }, ENGINE_CHECK_DELAY_MS);
  }

  /** Focuses the first field with an error and says why training cannot start. */
  showFirstError(errors = this.#store.settings.errors) {
    const first = this.#fields.find((k) => errors[k]);
    if (!first) return;
    const item = this.#form.elements.namedItem(first);
    /** @type {HTMLElement} */ (item instanceof RadioNodeList ? item[0] : item).focus();
    this.#notices.announce(`Cannot train: ${errors[first]}`);
  }

  /** Shows an error the engine found next to its field. */
  showFieldError(field, message) {
    $(`err-${field}`).textContent = message;
    /** @type {HTMLElement} */ (this.#form.elements.namedItem(field)).setAttribute('aria-invalid', 'true');
  }

  /** Data of another image size: the layers' input size follows it. */
  #fitInputSize(inputSize) {
    const layers = this.#input('layers');
    const sizes = layers.value.split('-');
    if (/^\d+$/.test(sizes[0] ?? '') && Number(sizes[0]) !== inputSize) {
      sizes[0] = String(inputSize);
      layers.value = sizes.join('-');
    }
  }
}
