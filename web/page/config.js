// Network presets and validation of the training form. Pure functions (no
// DOM), shared by the page and the unit tests.
import { parameterCount } from '../shared/layers.js';

/**
 * Presets fill the form. `hidden` are the hidden layer sizes; the input and
 * output sizes come from the loaded data (784 and 10 for MNIST).
 */
export const PRESETS = [
  {
    id: 'report',
    label: '784-20-10 sigmoid (the report’s network)',
    hidden: [20],
    activation: 'sigmoid',
    loss: 'sigmoid-bce',
    optimizer: 'sgd',
    learningRate: 0.001,
    batchSize: 128,
    epochs: 10,
    l2: 0,
    lrDecay: 1,
    gradient: 'sum',
    help:
      'The report’s setting: one hidden layer of 20 sigmoid units, sigmoid outputs with binary cross-entropy, ' +
      'plain SGD at η = 0.001, batches of 128. The gradient is summed over the batch (η = 0.001 on the mean ' +
      'gradient learns almost nothing: 10 % after one epoch). About 84 % test accuracy after one epoch, ' +
      '88 % after two, 92 % after ten.',
  },
  {
    id: 'h40',
    label: '784-40-10 sigmoid',
    hidden: [40],
    activation: 'sigmoid',
    loss: 'sigmoid-bce',
    optimizer: 'sgd',
    learningRate: 0.001,
    batchSize: 128,
    epochs: 10,
    l2: 0,
    lrDecay: 1,
    gradient: 'sum',
    help: 'Twice the hidden units of the report’s network: a little slower per epoch, a little more accurate.',
  },
  {
    id: 'h80',
    label: '784-80-10 sigmoid',
    hidden: [80],
    activation: 'sigmoid',
    loss: 'sigmoid-bce',
    optimizer: 'sgd',
    learningRate: 0.001,
    batchSize: 128,
    epochs: 10,
    l2: 0,
    lrDecay: 1,
    gradient: 'sum',
    help: 'Eighty hidden units: about 64 000 weights.',
  },
  {
    id: 'deep',
    label: '784-80-40-20-10 sigmoid',
    hidden: [80, 40, 20],
    activation: 'sigmoid',
    loss: 'sigmoid-bce',
    optimizer: 'sgd',
    learningRate: 0.001,
    batchSize: 128,
    epochs: 10,
    l2: 0,
    lrDecay: 1,
    gradient: 'sum',
    help: 'Three hidden layers of sigmoids: deeper is not better here, the gradient fades through the sigmoids.',
  },
  {
    id: 'fast',
    label: '784-512-10 ReLU + Adam (fast, 98 %)',
    hidden: [512],
    activation: 'relu',
    loss: 'softmax-ce',
    optimizer: 'adam',
    learningRate: 0.003,
    batchSize: 128,
    epochs: 8,
    l2: 0,
    lrDecay: 0.5,
    gradient: 'mean',
    help:
      'A modern recipe: 512 ReLU units, softmax with cross-entropy, Adam at η = 0.003 halved after each ' +
      'epoch, batches of 128. About 96 % test accuracy after one epoch and 98 % after four, in under a minute.',
  },
];

export const ACTIVATIONS = [
  ['sigmoid', 'Sigmoid'],
  ['tanh', 'tanh'],
  ['relu', 'ReLU'],
];
export const LOSSES = [
  ['sigmoid-bce', 'Sigmoid + binary cross-entropy'],
  ['softmax-ce', 'Softmax + cross-entropy'],
];
export const OPTIMIZERS = [
  ['sgd', 'SGD'],
  ['momentum', 'Momentum'],
  ['nesterov', 'Nesterov momentum'],
  ['adam', 'Adam'],
];

export const DEFAULT_PRESET = 'report';

/** The form values (all strings, as inputs hold them) of a preset. */
export function presetValues(id, { inputSize = 784, classes = 10 } = {}) {
  const p = PRESETS.find((x) => x.id === id);
  if (!p) throw new Error(`unknown preset '${id}'`);
  return {
    layers: [inputSize, ...p.hidden, classes].join('-'),
    activation: p.activation,
    loss: p.loss,
    optimizer: p.optimizer,
    learningRate: String(p.learningRate),
    momentum: '0.9',
    batchSize: String(p.batchSize),
    epochs: String(p.epochs),
    l2: String(p.l2),
    lrDecay: String(p.lrDecay),
    seed: '1',
    gradient: p.gradient,
  };
}

// Fields that define the network and the run: changing one needs a new
// trainer. The learning rate and the optimiser change live.
export const STRUCTURAL_FIELDS = ['layers', 'activation', 'loss', 'batchSize', 'l2', 'seed', 'gradient'];
const PRESET_FIELDS = ['layers', 'activation', 'loss', 'optimizer', 'learningRate', 'lrDecay', 'batchSize', 'l2', 'gradient'];

/** The id of the preset the values match (ignoring epochs, seed, momentum), or 'custom'. */
export function matchPreset(values, dims) {
  for (const p of PRESETS) {
    const v = presetValues(p.id, dims);
    if (PRESET_FIELDS.every((f) => normalise(f, values[f]) === normalise(f, v[f]))) return p.id;
  }
  return 'custom';
}

function normalise(field, value) {
  const s = String(value ?? '').trim();
  if (field === 'layers') return s.replace(/\s+/g, '').replace(/[,x×]/g, '-');
  if (['learningRate', 'lrDecay', 'batchSize', 'l2'].includes(field) && s !== '' && Number.isFinite(Number(s))) return String(Number(s));
  return s;
}

function parseNumber(text, { integer = false, min = -Infinity, max = Infinity, minExclusive = false, maxExclusive = false, name }) {
  const s = String(text ?? '').trim();
  if (s === '') return { error: `Enter ${name}.` };
  const x = Number(s);
  if (!Number.isFinite(x)) return { error: `${cap(name)} must be a number.` };
  if (integer && !Number.isInteger(x)) return { error: `${cap(name)} must be a whole number.` };
  const lowOk = minExclusive ? x > min : x >= min;
  const highOk = maxExclusive ? x < max : x <= max;
  if (!lowOk || !highOk) {
    const lo = minExclusive ? '(' : '[';
    const hi = maxExclusive ? ')' : ']';
    return { error: `${cap(name)} must be in ${lo}${min}, ${max}${hi}.` };
  }
  return { value: x };
}
const cap = (s) => s[0].toUpperCase() + s.slice(1);

/** "784-20-10" (also with commas, spaces or ×) → [784, 20, 10], or { error }. */
export function parseLayers(text, { inputSize = 784, classes = 10 } = {}) {
  const s = String(text ?? '').trim();
  if (s === '') return { error: 'Enter the layer sizes, e.g. 784-20-10.' };
  const parts = s.split(/[-,x×\s]+/).filter((t) => t !== '');
  const sizes = [];
  for (const t of parts) {
    if (!/^\d+$/.test(t) || Number(t) < 1) return { error: `“${t}” is not a positive whole number.` };
    sizes.push(Number(t));
  }
  if (sizes.length < 2) return { error: 'Give at least an input and an output size, e.g. 784-10.' };
  if (sizes.length > 34) return { error: 'At most 32 hidden layers.' };
  if (sizes[0] !== inputSize) return { error: `The first size must be the input size ${inputSize} (one per pixel).` };
  if (sizes[sizes.length - 1] !== classes) return { error: `The last size must be ${classes}, one output per class.` };
  const wide = sizes.find((n) => n > 65536);
  if (wide) return { error: `A layer of ${wide} units is too wide (at most 65536).` };
  const params = parameterCount(sizes);
  if (params > 50e6) return { error: `${(params / 1e6).toFixed(0)} million weights is too many for a browser tab (at most 50 million).` };
  return { value: sizes, parameters: params };
}

/**
 * Validates the form values (strings). Returns { config, epochs, schedule, errors }
 * where errors maps a field name to a message; config (the engine's plain
 * config, wasm/README.md) is null when there is any error. schedule holds
 * what the worker does between epochs: { lrDecay } (η ← γ·η after each epoch).
 */
export function validateForm(values, { inputSize = 784, classes = 10, trainSize = Infinity } = {}) {
  const errors = {};
  const take = (field, result) => {
    if (result.error) errors[field] = result.error;
    return result.value;
  };
  const layers = take('layers', parseLayers(values.layers, { inputSize, classes }));
  const oneOf = (field, options, name) => {
    if (!options.some(([v]) => v === values[field])) errors[field] = `Choose ${name}.`;
    return values[field];
  };
  const activation = oneOf('activation', ACTIVATIONS, 'a hidden activation');
  const loss = oneOf('loss', LOSSES, 'an output and loss');
  const optimizer = oneOf('optimizer', OPTIMIZERS, 'an optimiser');
  const learningRate = take(
    'learningRate',
    parseNumber(values.learningRate, { min: 0, max: 100, minExclusive: true, name: 'the learning rate' }),
  );
  const momentum = take('momentum', parseNumber(values.momentum, { min: 0, max: 1, maxExclusive: true, name: 'the momentum' }));
  const batchSize = take(
    'batchSize',
    parseNumber(values.batchSize, { integer: true, min: 1, max: Math.min(65536, trainSize), name: 'the batch size' }),
  );
  const epochs = take('epochs', parseNumber(values.epochs, { integer: true, min: 1, max: 1000, name: 'the number of epochs' }));
  const l2 = take('l2', parseNumber(values.l2, { min: 0, max: 10, name: 'λ' }));
  const lrDecay = take('lrDecay', parseNumber(values.lrDecay, { min: 0, max: 1, minExclusive: true, name: 'the decay γ' }));
  const seed = take('seed', parseNumber(values.seed, { integer: true, min: 0, max: 2 ** 32 - 1, name: 'the seed' }));
  if (values.gradient !== 'mean' && values.gradient !== 'sum') errors.gradient = 'Choose mean or sum.';
  if (Object.keys(errors).length > 0) return { config: null, epochs: null, schedule: null, errors };
  return {
    config: {
      layers,
      activation,
      loss,
      optimizer,
      learningRate,
      momentum,
      batchSize,
      l2,
      seed,
      sumGradients: values.gradient === 'sum',
    },
    epochs,
    schedule: { lrDecay },
    errors,
  };
}

/** Form values (strings) from an engine config, e.g. of a loaded model. */
export function valuesFromConfig(config, epochs = 10, schedule = { lrDecay: 1 }) {
  return {
    layers: config.layers.join('-'),
    activation: config.activation,
    loss: config.loss,
    optimizer: config.optimizer,
    learningRate: String(config.learningRate),
    momentum: String(config.momentum ?? 0.9),
    batchSize: String(config.batchSize),
    epochs: String(epochs),
    l2: String(config.l2),
    lrDecay: String(schedule?.lrDecay ?? 1),
    seed: String(config.seed),
    gradient: config.sumGradients ? 'sum' : 'mean',
  };
}

/** True when a and b (engine configs) need different trainers (anything but the optimiser differs). */
export function structuralChange(a, b) {
  if (!a || !b) return true;
  return (
    a.layers.join('-') !== b.layers.join('-') ||
    a.activation !== b.activation ||
    a.loss !== b.loss ||
    a.batchSize !== b.batchSize ||
    a.l2 !== b.l2 ||
    a.seed !== b.seed ||
    a.sumGradients !== b.sumGradients
  );
}

/** A short description of a config: "784-20-10 sigmoid · SGD η=0.001 · batch 128". */
export function describeConfig(c, schedule = null) {
  const opt = OPTIMIZERS.find(([v]) => v === c.optimizer)?.[1] ?? c.optimizer;
  const act = c.layers.length > 2 ? ` ${ACTIVATIONS.find(([v]) => v === c.activation)?.[1] ?? c.activation}` : '';
  const out = c.loss === 'softmax-ce' ? ' softmax' : '';
  const grad = c.sumGradients ? ' Σ' : '';
  const eta = Number(c.learningRate.toPrecision(3));
  const decay = schedule?.lrDecay && schedule.lrDecay < 1 ? ` ×${schedule.lrDecay}/epoch` : '';
  return `${c.layers.join('-')}${act}${out} · ${opt} η=${eta}${decay}${grad} · batch ${c.batchSize}${c.l2 ? ` · λ=${c.l2}` : ''}`;
}
