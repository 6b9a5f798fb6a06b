// The training form's settings: presets, the page's own fields, validation
// and how a configuration is described. Pure functions (no DOM), shared by
// the page and the unit tests.
//
// The fields of the engine's config, with their kinds, ranges, defaults and
// choices, come from the engine's schema (engine.schema(): the core's table,
// core/config_field.hpp); checkValue (web/shared/config_fields.js) refuses
// exactly what the engine refuses. The form holds strings: this module
// turns them into values. The page adds two fields of its own, PAGE_FIELDS.
import { checkValue, defaultConfig, fieldOf } from '../../shared/config_fields.js';

/**
 * The page's own fields, described like the schema's (shared/config_fields.js): what Train does, not what
 * the engine trains. Their ranges and defaults are written here only; the form's controls get them.
 */
export const PAGE_FIELDS = Object.freeze([
  Object.freeze({
    jsName: 'epochs',
    kind: 'integer',
    label: 'number of epochs',
    min: 1,
    max: 1000,
    minOpen: false,
    maxOpen: false,
    default: 10,
  }),
  Object.freeze({
    jsName: 'lrDecay',
    kind: 'number',
    label: 'decay γ',
    min: 0,
    max: 1,
    minOpen: true,
    maxOpen: false,
    default: 1,
  }),
]);
/** @param {string} jsName @returns {number} */
const pageDefault = (jsName) => PAGE_FIELDS.find((f) => f.jsName === jsName).default;

/** How the page names the schema's choices (the values stay the engine's). */
const CHOICE_LABELS = Object.freeze({
  sigmoid: 'Sigmoid',
  tanh: 'tanh',
  relu: 'ReLU',
  'sigmoid-bce': 'Sigmoid + binary cross-entropy',
  'softmax-ce': 'Softmax + cross-entropy',
  sgd: 'SGD',
  momentum: 'Momentum',
  nesterov: 'Nesterov momentum',
  adam: 'Adam',
  mean: 'Mean',
  sum: 'Sum',
  half: '½ · sum',
  uniform: 'Glorot / He uniform',
  gaussian: 'Gaussian (the course template’s)',
  shuffled: 'Shuffled, each image once',
  slices: 'Slices (the course template’s)',
});
export const choiceLabel = (value) => CHOICE_LABELS[value] ?? value;

/**
 * Presets fill the form: `hidden` are the hidden layer sizes (the input and
 * output sizes come from the loaded data); the fields a preset leaves out
 * take the schema's defaults.
 */
export const PRESETS = [
  {
    id: 'report',
    label: '784-20-10 sigmoid (the report’s network)',
    hidden: [20],
    epochs: 10,
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
    epochs: 10,
    gradient: 'sum',
    help: 'Twice the hidden units of the report’s network: a little slower per epoch, a little more accurate.',
  },
  {
    id: 'h80',
    label: '784-80-10 sigmoid',
    hidden: [80],
    epochs: 10,
    gradient: 'sum',
    help: 'Eighty hidden units: about 64 000 weights.',
  },
  {
    id: 'deep',
    label: '784-80-40-20-10 sigmoid',
    hidden: [80, 40, 20],
    epochs: 10,
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
    epochs: 8,
    lrDecay: 0.5,
    help:
      'A modern recipe: 512 ReLU units, softmax with cross-entropy, Adam at η = 0.003 halved after each ' +
      'epoch, batches of 128. About 96 % test accuracy after one epoch and 98 % after four, in under a minute.',
  },
];

export const DEFAULT_PRESET = 'report';

// Fields the preset matching ignores: they do not define a recipe.
const NOT_PRESET = new Set(['seed', 'epochs', 'momentum', 'beta1', 'beta2', 'epsilon']);

/** Form text of a value: layer sizes as "784-20-10", numbers as JS prints them. */
function toText(value) {
  return Array.isArray(value) ? value.join('-') : String(value);
}

/**
 * The form values (strings) of `config` and the page's settings, for the given form fields.
 * @param {Record<string, any>} config
 * @param {object[]} schema
 * @param {string[]} fields
 * @param {{ epochs?: number | string, schedule?: { lrDecay: number } }} [page]
 */
export function valuesFromConfig(
  config,
  schema,
  fields,
  { epochs = pageDefault('epochs'), schedule = { lrDecay: pageDefault('lrDecay') } } = {},
) {
  const page = { epochs, lrDecay: schedule?.lrDecay ?? pageDefault('lrDecay') };
  const full = { ...defaultConfig(schema), ...config, ...page };
  return Object.fromEntries(fields.map((f) => [f, toText(full[f])]));
}

/** The form values (strings) of a preset. */
export function presetValues(id, schema, fields, { inputSize = 784, classes = 10 } = {}) {
  const p = PRESETS.find((x) => x.id === id);
  if (!p) throw new Error(`unknown preset '${id}'`);
  const { hidden, epochs, lrDecay = pageDefault('lrDecay'), ...set } = p;
  const config = { ...set, layers: [inputSize, ...hidden, classes] };
  return valuesFromConfig(config, schema, fields, { epochs, schedule: { lrDecay } });
}

/** The id of the preset the values match (ignoring the seed, epochs and optimiser constants), or 'custom'. */
export function matchPreset(values, schema, dims) {
  const fields = Object.keys(values).filter((f) => !NOT_PRESET.has(f));
  for (const p of PRESETS) {
    const v = presetValues(p.id, schema, fields, dims);
    if (fields.every((f) => normalise(values[f]) === normalise(v[f]))) return p.id;
  }
  return 'custom';
}

function normalise(value) {
  const s = String(value ?? '').trim();
  if (s !== '' && Number.isFinite(Number(s))) return String(Number(s));
  return s.replace(/\s+/g, '').replace(/[,x×]/g, '-');
}

/**
 * "784-20-10" (also with commas, spaces or ×) → { value: [784, 20, 10] }, or { error }. How many weights
 * that is, and whether they fit, is the engine's to say (the form asks it: checkConfig).
 */
export function parseLayers(text, schema, { inputSize = 784, classes = 10 } = {}) {
  const s = String(text ?? '').trim();
  if (s === '') return { error: 'Enter the layer sizes, e.g. 784-20-10.' };
  const sizes = [];
  for (const t of s.split(/[-,x×\s]+/).filter((x) => x !== '')) {
    if (!/^\d+$/.test(t) || Number(t) < 1) return { error: `“${t}” is not a positive whole number.` };
    sizes.push(Number(t));
  }
  const field = fieldOf(schema, 'layers');
  if (sizes.length < field.countMin || sizes.length > field.countMax) return { error: checkValue(field, sizes) };
  if (sizes[0] !== inputSize) return { error: `The first size must be the input size ${inputSize} (one per pixel).` };
  if (sizes.at(-1) !== classes) return { error: `The last size must be ${classes}, one output per class.` };
  const error = checkValue(field, sizes);
  return error ? { error } : { value: sizes };
}

/** One form string as the value of `field`, or { error }. */
function parseField(field, text, schema, dims) {
  if (field.kind === 'sizes') return parseLayers(text, schema, dims);
  let value = text;
  if (field.kind === 'number' || field.kind === 'integer') {
    const s = String(text ?? '').trim();
    if (s === '') return { error: `Enter the ${field.label}.` };
    value = Number(s);
  } else if (field.kind === 'boolean') {
    value = text === true || text === 'true';
  }
  const error = checkValue(field, value);
  return error ? { error } : { value };
}

/**
 * Validates the form values (strings, keyed by the fields' JS names).
 * Returns { config, epochs, schedule, errors }: errors maps a field to a
 * message; config (the engine's plain config: the schema's defaults for the
 * fields the form lacks) is null when there is any error; schedule holds what
 * the worker does between epochs: { lrDecay } (η ← γ·η after each epoch).
 */
export function validateForm(values, schema, { inputSize = 784, classes = 10, trainSize = Infinity } = {}) {
  const errors = {};
  const config = defaultConfig(schema);
  const page = {};
  for (const [name, text] of Object.entries(values)) {
    let field = fieldOf(schema, name) ?? PAGE_FIELDS.find((f) => f.jsName === name);
    if (!field) continue;
    // A batch cannot be larger than the training set.
    if (name === 'batchSize' && trainSize < field.max) field = { ...field, max: trainSize };
    const r = parseField(field, text, schema, { inputSize, classes });
    if (r.error) errors[name] = r.error;
    else if (fieldOf(schema, name)) config[name] = r.value;
    else page[name] = r.value;
  }
  if (Object.keys(errors).length > 0) return { config: null, epochs: null, schedule: null, errors };
  return { config, epochs: page.epochs ?? null, schedule: { lrDecay: page.lrDecay ?? pageDefault('lrDecay') }, errors };
}

/** True when a and b (engine configs) need different trainers: a structural field differs. */
export function structuralChange(a, b, schema) {
  if (!a || !b) return true;
  return schema.some((f) => f.structural && toText(a[f.jsName]) !== toText(b[f.jsName]));
}

/** A short description of a config: "784-20-10 sigmoid · SGD η=0.001 Σ · batch 128". */
export function describeConfig(c, schedule = null) {
  const act = c.layers.length > 2 ? ` ${choiceLabel(c.activation)}` : '';
  const out = c.loss === 'softmax-ce' ? ' softmax' : '';
  const grad = { sum: ' Σ', half: ' ½Σ' }[c.gradient] ?? '';
  const eta = Number(c.learningRate.toPrecision(3));
  const decay = schedule?.lrDecay && schedule.lrDecay < 1 ? ` ×${schedule.lrDecay}/epoch` : '';
  const extras = [
    c.l2 ? `λ=${c.l2}` : '',
    c.trainLimit ? `${c.trainLimit.toLocaleString('en')} images` : '',
    c.batching === 'slices' ? 'slices' : '',
    c.init === 'gaussian' ? 'N(0,1) init' : '',
  ].filter(Boolean);
  return (
    `${c.layers.join('-')}${act}${out} · ${choiceLabel(c.optimizer)} η=${eta}${decay}${grad} · batch ${c.batchSize}` +
    extras.map((e) => ` · ${e}`).join('')
  );
}
