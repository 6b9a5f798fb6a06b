// Names for curves drawn together: each run is named by what differs
// between the runs on the same chart ("80 hidden", "η = 1e-4", "5 layers",
// "the report’s code"), not by its full settings; and the colours and
// live changes of their settings. (Their colours and dashes: ui/colour.js.)
// Pure: unit-tested under Node (tests/web/legend.test.mjs).
import { readingOf, shortEta } from '../report/experiment_plan.js';
import { choiceLabel } from '../settings/settings.js';

/** @import { Run } from './run_record.js' */

/** "784-80-40-10" → how its layers differ from the others' (see layerLabels). */
function hiddenText(layers) {
  return layers.slice(1, -1).join('-') || 'no';
}

/**
 * Names for the layer sizes of each run, by what tells them apart: all with
 * one hidden layer → "80 hidden"; the same number of layers → "80-40
 * hidden"; the number of layers tells them apart → "5 layers" (the report
 * counts the input and output layers); otherwise the sizes, "784-80-40-10".
 */
export function layerLabels(layersOfRuns) {
  const key = (l) => l.join('-');
  const distinct = [...new Map(layersOfRuns.map((l) => [key(l), l])).values()];
  const counts = new Set(distinct.map((l) => l.length));
  if (counts.size === 1) return layersOfRuns.map((l) => `${hiddenText(l)} hidden`);
  if (counts.size === distinct.length) return layersOfRuns.map((l) => `${l.length} layers`);
  return layersOfRuns.map(key);
}

// The fields that can tell runs apart, after the layers and η, and how to say each.
/** @type {[string, (config: Record<string, any>) => string][]} */
const FIELDS = [
  ['activation', (c) => choiceLabel(c.activation)],
  ['loss', (c) => (c.loss === 'softmax-ce' ? 'softmax' : 'sigmoid outputs')],
  ['optimizer', (c) => choiceLabel(c.optimizer)],
  ['momentum', (c) => (c.optimizer === 'momentum' || c.optimizer === 'nesterov' ? `momentum ${c.momentum}` : null)],
  ['batchSize', (c) => `batch ${c.batchSize}`],
  ['l2', (c) => (c.l2 ? `λ = ${c.l2}` : 'no L2')],
];
// The template's fields, said together as the reading when a preset has them.
/** @type {[string, (config: Record<string, any>) => string][]} */
const READING_FIELDS = [
  ['trainLimit', (c) => (c.trainLimit ? `${c.trainLimit.toLocaleString('en')} images` : 'all images')],
  ['init', (c) => (c.init === 'gaussian' ? 'N(0,1) init' : 'Glorot init')],
  ['batching', (c) => (c.batching === 'slices' ? 'slices' : 'shuffled')],
  ['gradient', (c) => ({ mean: 'mean gradient', sum: 'summed gradient', half: '½ · sum' })[c.gradient] ?? c.gradient],
];

const differs = (values) => new Set(values.map((v) => JSON.stringify(v))).size > 1;

/**
 * One label per run (objects with `config`, optionally `schedule` and
 * `number`), naming it by what differs between the runs. presets:
 * engine.presets(), to name a reading ("the report’s code"). Runs that
 * nothing tells apart get their run number ("run 12").
 */
export function legendLabels(runs, options = {}) {
  return namesOf(runs, options).map((name, i) => {
    const changes = changesText(runs[i]);
    return changes ? `${name} (${changes})` : name;
  });
}

// The names of legendLabels, before the live changes.
function namesOf(runs, { presets = [] } = {}) {
  if (runs.length === 1) return [soloLabel(runs[0])];
  const configs = runs.map((r) => r.config);
  const parts = runs.map(() => []);
  const add = (texts) => texts.forEach((t, i) => t && parts[i].push(t));

  if (differs(configs.map((c) => c.layers))) add(layerLabels(configs.map((c) => c.layers)));
  if (differs(configs.map((c) => c.learningRate))) add(configs.map((c) => `η = ${shortEta(c.learningRate)}`));
  for (const [field, say] of FIELDS) if (differs(configs.map((c) => c[field]))) add(configs.map(say));
  if (differs(configs.map((c) => READING_FIELDS.map(([f]) => c[f])))) {
    const readings = configs.map((c) => readingOf(c, presets));
    if (readings.every(Boolean)) add(readings.map((name) => presets.find((p) => p.name === name).label));
    else for (const [field, say] of READING_FIELDS) if (differs(configs.map((c) => c[field]))) add(configs.map(say));
  }
  if (differs(configs.map((c) => c.seed))) add(configs.map((c) => `seed ${c.seed}`));
  if (differs(runs.map((r) => r.schedule?.lrDecay ?? 1)))
    add(runs.map((r) => ((r.schedule?.lrDecay ?? 1) < 1 ? `η × ${r.schedule.lrDecay}/epoch` : 'constant η')));

  const labels = parts.map((p) => p.join(' · '));
  // Runs nothing tells apart (the same settings run twice): their numbers.
  const seen = new Map();
  labels.forEach((l) => seen.set(l, (seen.get(l) ?? 0) + 1));
  return labels.map((l, i) => {
    if (seen.get(l) === 1 && l !== '') return l;
    const n = runs[i].number ? `run ${runs[i].number}` : `#${i + 1}`;
    return l ? `${l} · ${n}` : n;
  });
}

/** The label of one run drawn alone: its network and η ("784-20-10, η = 1e-3"). */
export function soloLabel(run) {
  return `${run.config.layers.join('-')}, η = ${shortEta(run.config.learningRate)}`;
}

/** How a setting's value is written in a legend. */
function settingText(field, value) {
  if (field === 'learningRate') return shortEta(value);
  if (field === 'lrDecay') return value < 1 ? `×${value}/epoch` : 'constant';
  return typeof value === 'string' ? choiceLabel(value) : String(value);
}
const SETTING_NAMES = { learningRate: 'η', optimizer: 'optimiser', momentum: 'momentum', lrDecay: 'η decay' };

/**
 * The live changes of a run, in words: "η 1e-3 → 1e-2 at epoch 2, batch 17", or '' when none.
 * @param {Run} run
 */
export function changesText(run) {
  return (run.changes ?? [])
    .map(
      (c) =>
        `${SETTING_NAMES[c.field] ?? c.field} ${settingText(c.field, c.from)} → ${settingText(c.field, c.to)} at epoch ${c.epoch}, batch ${c.batchInEpoch}`,
    )
    .join('; ');
}
