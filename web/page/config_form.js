// The training form: fills its selects, reads and writes its values, shows
// each field's validation error (config.js validates) and the hints that
// follow the values, and passes live changes of the learning rate,
// optimiser and schedule on to the training controls.
import { ACTIVATIONS, DEFAULT_PRESET, LOSSES, OPTIMIZERS, PRESETS, matchPreset, parseLayers, presetValues, validateForm } from './config.js';
import { $, el } from './viz.js';

export const FIELDS = ['layers', 'activation', 'loss', 'optimizer', 'learningRate', 'momentum', 'lrDecay', 'batchSize', 'epochs', 'l2', 'seed', 'gradient'];

function fillSelect(select, options) {
  select.replaceChildren(...options.map(([value, label]) => el('option', { value, text: label })));
}

export class ConfigForm {
  #app;

  constructor(app) {
    this.#app = app;
  }

  get #form() {
    return $('config-form');
  }

  setup() {
    const form = this.#form;
    const f = form.elements;
    fillSelect(f.preset, [...PRESETS.map((p) => [p.id, p.label]), ['custom', 'Custom']]);
    fillSelect(f.activation, ACTIVATIONS);
    fillSelect(f.loss, LOSSES);
    fillSelect(f.optimizer, OPTIMIZERS);
    this.write(presetValues(DEFAULT_PRESET, this.#app.data.dims()));
    f.preset.addEventListener('change', () => {
      if (f.preset.value !== 'custom') this.write({ ...presetValues(f.preset.value, this.#app.data.dims()), seed: f.seed.value });
    });
    form.addEventListener('input', (e) => {
      if (e.target.name === 'preset') return;
      this.refresh();
      const controls = this.#app.controls;
      if (e.target.name === 'learningRate' || e.target.name === 'optimizer' || e.target.name === 'momentum') controls.applyLiveOptimizer();
      if (e.target.name === 'lrDecay') controls.applyLiveSchedule();
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.#app.controls.train();
    });
  }

  /** The form's values, as strings. */
  read() {
    const f = this.#form.elements;
    const values = {};
    for (const k of FIELDS) values[k] = f[k].value;
    return values;
  }

  write(values) {
    const f = this.#form.elements;
    for (const k of FIELDS) if (values[k] !== undefined) f[k].value = values[k];
    this.refresh();
  }

  /** validateForm's result for the current values, without touching the page. */
  validate() {
    return validateForm(this.read(), this.#app.data.dims());
  }

  /** Validates, shows errors next to their fields, updates hints. Returns validateForm's result. */
  refresh() {
    const dims = this.#app.data.dims();
    const values = this.read();
    const result = validateForm(values, dims);
    const f = this.#form.elements;
    for (const k of FIELDS) {
      const msg = result.errors[k] ?? '';
      const out = $(`err-${k}`);
      if (out) out.textContent = msg;
      const inputs = k === 'gradient' ? [...f.gradient] : [f[k]];
      for (const input of inputs) {
        if (msg) input.setAttribute('aria-invalid', 'true');
        else input.removeAttribute('aria-invalid');
      }
    }
    const preset = matchPreset(values, dims);
    f.preset.value = preset;
    $('preset-help').textContent = preset === 'custom' ? 'Your own settings.' : PRESETS.find((p) => p.id === preset).help;
    // Momentum only applies to the momentum methods; it stays visible (and explains itself).
    const usesMomentum = values.optimizer === 'momentum' || values.optimizer === 'nesterov';
    f.momentum.disabled = !usesMomentum;
    $('momentum-help').textContent = usesMomentum ? 'Fraction of the last step kept.' : 'Used by Momentum and Nesterov.';
    const layers = parseLayers(values.layers, dims);
    $('param-count').textContent = layers.value ? `${layers.parameters.toLocaleString('en')} weights and biases.` : '';
    this.#app.controls.update();
    return result;
  }

  /** Focuses the first field with an error and says why training cannot start. */
  showFirstError(errors) {
    const first = FIELDS.find((k) => errors[k]);
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
    const sizes = this.read().layers.split('-');
    if (/^\d+$/.test(sizes[0] ?? '') && Number(sizes[0]) !== inputSize) {
      sizes[0] = String(inputSize);
      this.#form.elements.layers.value = sizes.join('-');
    }
  }
}
