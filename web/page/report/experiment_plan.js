// The report's experiments as queues of runs (the worker trains them one
// after another: web/worker/experiment_queue.js). Pure: unit-tested under
// Node (tests/web/experiment_plan.test.mjs).
//
// "An Examination of Backpropagation" trains 784-20-10 (sigmoid hidden
// layer, sigmoid outputs with cross-entropy, SGD η = 0.001, batches of 128,
// 100 epochs) and varies one thing at a time: the width (20, 40, 80 hidden
// units, Fig. 3), the depth ("4 or 5 layers": 784-80-10, 784-80-40-10,
// 784-80-40-20-10, Fig. 4) and the learning rate (0.001, 0.0001, 0.00001,
// Fig. 5). Each run is trained in a "reading" of the report: one of the
// engine's presets (engine.presets(): 'report-code', the course template the
// report's code was built on; 'proper-mean' / 'proper-sum', done properly).
// η stays the report's; the preset decides the step's factor on the summed
// gradient (stepFactor below), which the page shows beside it.
import { checkValue, defaultConfig } from '../../shared/config_fields.js';

/** What the report trains: its epochs and its network's learning rate. */
export const REPORT_EPOCHS = 100;
export const REPORT_LEARNING_RATE = 0.001;

/** The Experiments form's epochs per run, described like the schema's fields: its range and default. */
export const EXPERIMENT_EPOCHS = Object.freeze({
  jsName: 'epochs',
  kind: 'integer',
  label: 'number of epochs per run',
  min: 1,
  max: 1000,
  minOpen: false,
  maxOpen: false,
  default: REPORT_EPOCHS,
});

/**
 * Seeds per run of an experiment: each run is trained once per seed (seed 1 … N), and figures and tables
 * show the mean with a min–max band (seed_bands.js). Described like the schema's fields.
 */
export const EXPERIMENT_SEEDS = Object.freeze({
  jsName: 'seeds',
  kind: 'integer',
  label: 'seeds per run',
  min: 1,
  max: 5,
  minOpen: false,
  maxOpen: false,
  default: 1,
});

/** The runs of the report's experiments, by key: hidden layer sizes and η. 'default' is the report's network. */
export const RUNS = Object.freeze({
  default: { hidden: [20], learningRate: 0.001 },
  h40: { hidden: [40], learningRate: 0.001 },
  h80: { hidden: [80], learningRate: 0.001 },
  'h80-40': { hidden: [80, 40], learningRate: 0.001 },
  'h80-40-20': { hidden: [80, 40, 20], learningRate: 0.001 },
  'lr1e-4': { hidden: [20], learningRate: 0.0001 },
  'lr1e-5': { hidden: [20], learningRate: 0.00001 },
});

/**
 * An experiment: which runs, in the order they train. The report's name RUNS keys (`runs`); a study of
 * its own (the spikes, the sweep, the optimisers: its own module) gives `variants(dims)` instead:
 * [{ key, hidden, label, overrides?, options? }] — overrides: config fields set on top of the reading
 * (η among them); options: what the worker does with the item besides training it
 * (web/worker/experiment_queue.js: dynamicsEvery, lrFind). `readings`: the readings it always runs in
 * (else the form's choice); `epochs`: its default epochs (else the report's).
 * @typedef {{ key: string, hidden: number[], label?: string, overrides?: Record<string, any>,
 *   options?: Record<string, any> }} Variant
 * @typedef {{ id: string, label: string, help: string, runs?: string[], readings?: string[], epochs?: number,
 *   variants?: (dims: { inputSize?: number, classes?: number }) => Variant[] }} Experiment
 */

/** The report's experiments. The whole report is their union. */
/** @type {readonly Experiment[]} */
export const REPORT_EXPERIMENTS = Object.freeze([
  { id: 'width', label: 'Width', help: '784-20-10, 784-40-10, 784-80-10 (Fig. 3)', runs: ['default', 'h40', 'h80'] },
  {
    id: 'depth',
    label: 'Depth',
    help: '784-80-10, 784-80-40-10, 784-80-40-20-10: 3, 4 and 5 layers (Fig. 4)',
    runs: ['h80', 'h80-40', 'h80-40-20'],
  },
  {
    id: 'learning-rate',
    label: 'Learning rate',
    help: 'η = 0.001, 0.0001, 0.00001 on 784-20-10 (Fig. 5)',
    runs: ['default', 'lr1e-4', 'lr1e-5'],
  },
  {
    id: 'report',
    label: 'The whole report',
    help: 'the seven runs above, the default network first (Figs. 3–9)',
    runs: ['default', 'h40', 'h80', 'h80-40', 'h80-40-20', 'lr1e-4', 'lr1e-5'],
  },
]);

/** @type {Experiment[]} the studies beyond the report, each from its own module (registered below). */
const STUDIES = [];

/** Adds a study to the Experiments view's choices (its module calls this once, at import). */
export function registerStudy(/** @type {Experiment} */ study) {
  if (!STUDIES.some((s) => s.id === study.id)) STUDIES.push(study);
}

/** Every experiment: the report's, then the studies. */
export function allExperiments() {
  return [...REPORT_EXPERIMENTS, ...STUDIES];
}

/** The epochs an experiment runs unless the form says otherwise: a study's own, else the report's. */
export function defaultEpochs(/** @type {string} */ id) {
  return allExperiments().find((x) => x.id === id)?.epochs ?? EXPERIMENT_EPOCHS.default;
}

/**
 * What an epoch's end evaluates (training_session.js, EVALUATION_SPLITS):
 * 'figures' — what the report's figures and numbers need: the training
 * images after every epoch (Figs. 3–6, 8), validation after every epoch of
 * the default network (Figs. 7, 9), and what is left of validation and test
 * after the last epoch (the numbers table); 'all' — training, validation and
 * test after every epoch of every run.
 */
export const EVALUATIONS = Object.freeze(['figures', 'all']);
const EVERYTHING = Object.freeze({ each: ['trainSet', 'validation', 'test'], last: [] });
const DEFAULT_FIGURES = Object.freeze({ each: ['trainSet', 'validation'], last: ['test'] });
const FIGURES_ONLY = Object.freeze({ each: ['trainSet'], last: ['validation', 'test'] });

export function evaluationPlan(key, evaluation) {
  const plan = evaluation === 'all' ? EVERYTHING : key === 'default' ? DEFAULT_FIGURES : FIGURES_ONLY;
  return { each: [...plan.each], last: [...plan.last] };
}

/** η as the report writes it: 0.001, 0.0001, 0.00001. */
export function formatEta(eta) {
  if (!(eta > 0)) return String(eta);
  const digits = Math.max(0, -Math.floor(Math.log10(eta)) + 2);
  return String(Number(eta.toFixed(Math.min(20, digits))));
}

/** η in short: 1e-4 for a power of ten, else as the report writes it (legends: "η = 1e-4"). */
export function shortEta(eta) {
  const p = Math.round(Math.log10(eta));
  return Math.abs(eta / 10 ** p - 1) < 1e-9 ? `1e${p}` : formatEta(eta);
}

/**
 * The step's factor on the summed gradient of a batch of B images, as the
 * core applies it (TrainConfig::gradient): { perImage, symbol, text }.
 * perImage: the factor per image's gradient relative to η (mean: 1/B).
 */
export function stepFactor(config) {
  const b = config.batchSize;
  switch (config.gradient) {
    case 'half':
      return {
        perImage: 0.5,
        symbol: '½ × summed',
        text: 'η × ½ × the batch’s summed gradient (the template divides η by len(mini_batch) = 2)',
      };
    case 'sum':
      return { perImage: 1, symbol: 'summed', text: `η × the batch’s summed gradient (${b} times the mean’s)` };
    default:
      return { perImage: 1 / b, symbol: 'mean', text: `η × the batch’s mean gradient (the sum ÷ ${b})` };
  }
}

/** The layer sizes of a run for the data's input size and classes. */
export function runLayers(key, { inputSize = 784, classes = 10 } = {}) {
  return [inputSize, ...RUNS[key].hidden, classes];
}

/** "784-20-10, η = 0.001" */
export function describeRun(key, dims) {
  return `${runLayers(key, dims).join('-')}, η = ${formatEta(RUNS[key].learningRate)}`;
}

/**
 * The queue for `experiment` in each of `readings` (preset names, run one
 * after the other): [{ key, reading, label, config, epochs, evaluate }].
 * schema: engine.schema(); presets: engine.presets(); dims: { inputSize, classes }.
 * A study's own `readings` replace the chosen ones; every run trains once per seed 1 … `seeds`.
 * @param {{ experiment: string, readings?: string[], epochs?: number, evaluation?: string, seeds?: number,
 *   schema: any, presets: any[], dims: any }} choices
 */
export function planQueue({
  experiment,
  readings,
  epochs = REPORT_EPOCHS,
  evaluation = 'figures',
  seeds = EXPERIMENT_SEEDS.default,
  schema,
  presets,
  dims,
}) {
  const exp = allExperiments().find((e) => e.id === experiment);
  if (!exp) throw new Error(`unknown experiment '${experiment}'`);
  const chosen = exp.readings ?? readings;
  if (!Array.isArray(chosen) || chosen.length === 0) throw new Error('choose a reading of the report');
  for (const [field, value] of [
    [EXPERIMENT_EPOCHS, epochs],
    [EXPERIMENT_SEEDS, seeds],
  ]) {
    const problem = checkValue(field, value);
    if (problem) throw new Error(problem);
  }
  if (!EVALUATIONS.includes(evaluation)) throw new Error(`unknown evaluation '${evaluation}'`);
  const base = defaultConfig(schema);
  const variants = variantsOf(exp, dims);
  const runs = chosen.flatMap((name) => {
    const preset = presets.find((p) => p.name === name);
    if (!preset) throw new Error(`the engine has no preset '${name}'`);
    return variants.map((v) => {
      const config = { ...base, ...preset.config, layers: [dims?.inputSize ?? 784, ...v.hidden, dims?.classes ?? 10] };
      Object.assign(config, v.overrides);
      return { v, name, preset, config };
    });
  });
  // Seed-major: every run's first seed before any run's second, so that a
  // comparison is complete early and the bands grow as the seeds come in.
  const items = [];
  for (let seed = 1; seed <= seeds; ++seed)
    for (const { v, name, preset, config } of runs) {
      const item = {
        key: v.key,
        reading: name,
        seed,
        label: `${v.label ?? `${config.layers.join('-')}, η = ${formatEta(config.learningRate)}`} · ${preset.label}${seeds > 1 ? ` · seed ${seed}` : ''}`,
        config: { ...config, seed },
        epochs,
        evaluate: evaluationPlan(v.key, evaluation),
      };
      if (v.options) item.options = v.options;
      items.push(item);
    }
  return items;
}

/** An experiment's runs as variants: the report's RUNS, or the study's own. */
function variantsOf(exp, dims) {
  if (exp.variants) return exp.variants(dims ?? {});
  return (exp.runs ?? []).map((key) => ({
    key,
    hidden: RUNS[key].hidden,
    label: describeRun(key, dims),
    overrides: { learningRate: RUNS[key].learningRate },
  }));
}

/** The preset (reading) whose fields a config has, or null: its name. */
export function readingOf(config, presets) {
  if (!config) return null;
  const p = presets.find((x) => Object.entries(x.config).every(([k, v]) => config[k] === v));
  return p?.name ?? null;
}
