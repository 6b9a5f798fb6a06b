// What better gradient descent buys (issue 18): SGD, momentum, Nesterov and
// Adam on the report's default network (784-20-10) and its deep one
// (784-80-40-20-10), each at the η its own learning-rate range test picks
// (the worker runs the test on the item's fresh trainer before it trains:
// the item's option lrFind), once per seed. From the runs: per variant the
// picked η, the final accuracies, how many epochs it takes to reach 95 % of
// the best final training accuracy, and its spikes; and the sentences that
// say which converges fastest, which ends highest and whether any removes
// the deep network's spikes, computed from those numbers. Pure: unit-tested
// under Node (tests/web/optimiser_study.test.mjs).
//
// The reading is the form's (no fixed `readings`): the report's code (3,000
// images, slices, η/2 × the summed gradient) is where the deep network's
// spikes live and what the report trained, so it is the form's default;
// done properly (all images, shuffled batches, the mean gradient) is where
// optimisers are normally compared. "Both" runs the two, and every number
// and sentence is per reading. Mean or sum matters little here: a range
// test finds SGD's η for either (they differ by the batch size), and Adam's
// step does not depend on the gradient's scale.
import { seedGroups, spread } from './seed_bands.js';
import { registerStudy } from './experiment_plan.js';
import { points } from '../ui/format.js';

/** @import { Run, EpochEntry } from '../runs/run_record.js' */

export const STUDY_ID = 'optimisers';

/**
 * The update rules compared, as the engine names them (config field `optimizer`), the report's SGD first.
 * @typedef {{ readonly name: string, readonly label: string }} Optimiser
 * @type {readonly Optimiser[]}
 */
export const OPTIMISERS = Object.freeze([
  Object.freeze({ name: 'sgd', label: 'SGD' }),
  Object.freeze({ name: 'momentum', label: 'Momentum' }),
  Object.freeze({ name: 'nesterov', label: 'Nesterov' }),
  Object.freeze({ name: 'adam', label: 'Adam' }),
]);

/**
 * The report's default network and its deep one (the one whose training accuracy spikes).
 * @typedef {{ readonly id: string, readonly hidden: readonly number[], readonly label: string }} StudyNetwork
 * @type {readonly StudyNetwork[]}
 */
export const NETWORKS = Object.freeze([
  Object.freeze({ id: 'default', hidden: Object.freeze([20]), label: 'the default network' }),
  Object.freeze({ id: 'deep', hidden: Object.freeze([80, 40, 20]), label: 'the deep network' }),
]);

/**
 * The range test each run starts with: η from `start` to `end`, rising geometrically over `batches`
 * batches (fewer when the loss blows up first). Wide enough for SGD on the mean gradient (η ~ 0.1–1) and
 * on η/2 × the sum of a slice of up to 3,000 images (η ~ 1e-4), and for Adam (η ~ 1e-3).
 */
export const RANGE_TEST = Object.freeze({ start: 1e-6, end: 10, batches: 200 });

/**
 * The study's epochs per run by default: the report's 100, as its spikes came late (after epoch 70) and
 * Adam needs 41–77 epochs to bring the deep network in the report's code near its best. The default study
 * (8 runs, one seed, the report's code) took 116 s from the click to the end on real MNIST in headless
 * Chromium on a 2-core machine at load average 9–11 (tests/benchmarks/optimiser_study_bench.mjs): 5–7 s a
 * run of 784-20-10, 18–20 s one of 784-80-40-20-10, range test included.
 */
export const STUDY_EPOCHS = 100;

/** Converged: the first epoch whose training accuracy reaches this share of the best final one (per network). */
export const CONVERGED = 0.95;

/** The engine's spike rule (engine.spikeRule()) when the engine has not said: > 2 points after epoch 10. */
export const SPIKE_RULE = Object.freeze({ threshold: 0.02, after: 10 });

/** The readings in the order results list them (the report's code first); others after, by name. */
const READING_ORDER = ['report-code', 'proper-mean', 'proper-sum'];

/** A variant's key: "deep-adam". */
export const variantKey = (network, optimiser) => `${network.id}-${optimiser.name}`;

/** The optimiser and network of a variant's key, or null for a key not of this study. */
export function parseKey(/** @type {string} */ key) {
  for (const network of NETWORKS)
    for (const optimiser of OPTIMISERS) if (variantKey(network, optimiser) === key) return { network, optimiser };
  return null;
}

const layersOf = (network, { inputSize = 784, classes = 10 } = {}) => [inputSize, ...network.hidden, classes];

/**
 * The study's runs: every optimiser on each network (the default network first), η from its range test.
 * @param {{ inputSize?: number, classes?: number }} dims
 */
export function optimiserVariants(dims) {
  return NETWORKS.flatMap((network) =>
    OPTIMISERS.map((optimiser) => ({
      key: variantKey(network, optimiser),
      hidden: [...network.hidden],
      label: `${layersOf(network, dims).join('-')}, ${optimiser.label}, η from a range test`,
      overrides: { optimizer: optimiser.name },
      options: { lrFind: { ...RANGE_TEST } },
    })),
  );
}

registerStudy({
  id: STUDY_ID,
  label: 'Optimisers',
  help: 'SGD, momentum, Nesterov and Adam on 784-20-10 and 784-80-40-20-10, each at the η its own learning-rate range test picks',
  epochs: STUDY_EPOCHS,
  variants: optimiserVariants,
});

// ---- The runs measured ------------------------------------------------------------------------

/** An epoch's training accuracy: the training images evaluated after it (the report's curves), or null. */
export const trainAccuracy = (/** @type {EpochEntry} */ e) => e.trainSet?.accuracy ?? null;

/** A run's training accuracy per epoch, index 0 = epoch 1, NaN where it was not evaluated (analysis.spikes' input). */
export function accuracyCurve(/** @type {Run} */ run) {
  const last = run.epochs.at(-1)?.epoch ?? 0;
  const curve = Array.from({ length: last }, () => NaN);
  for (const e of run.epochs) curve[e.epoch - 1] = trainAccuracy(e) ?? NaN;
  return curve;
}

/** The last value `value` reads off a run's epochs, or null. */
function lastValue(run, value) {
  for (let i = run.epochs.length - 1; i >= 0; --i) {
    const v = value(run.epochs[i]);
    if (v != null && Number.isFinite(v)) return v;
  }
  return null;
}

/** The first epoch whose training accuracy reaches `target`, or null. */
export function epochReaching(/** @type {Run} */ run, /** @type {number} */ target) {
  return run.epochs.find((e) => (trainAccuracy(e) ?? -1) >= target)?.epoch ?? null;
}

/**
 * @typedef {{ epoch: number, change: number }} Spike
 * @typedef {{ mean: number, min: number, max: number, n: number }} Spread
 * @typedef {object} VariantResult
 * @property {string} key
 * @property {Optimiser} optimiser
 * @property {Run[]} runs each seed's latest run, by seed
 * @property {number[]} seeds
 * @property {Spread | null} eta the η each seed trained at (its range test's pick)
 * @property {Spread | null} finalTrain the last epoch's training accuracy
 * @property {Spread | null} finalTest the last epoch's test accuracy
 * @property {Spread | null} epochsTo epochs to reach the network's target, over the seeds that reached it
 * @property {number} reached how many seeds reached it
 * @property {number} epochs the most epochs any seed trained
 * @property {{ measured: number, seeds: number, count: number, drops: number, largest: Spike | null,
 *   perSeed: (Spike[] | null)[] }} spikes
 *   measured: seeds whose spikes are known; seeds: of those, how many spiked; count: spikes in all; drops: those
 *   that fell (a rise alone is a run still climbing); largest: the largest jump; perSeed: each seed's (null:
 *   not measured yet)
 * @typedef {object} NetworkResult
 * @property {string} reading
 * @property {StudyNetwork} network
 * @property {number[]} layers
 * @property {number | null} best the best mean final training accuracy of its optimisers
 * @property {number | null} target CONVERGED × best
 * @property {VariantResult[]} variants in OPTIMISERS' order, those with runs
 */

/**
 * The study's results from the page's runs: per reading and network (in NETWORKS' order), each optimiser's
 * numbers over its seeds. spikes: run id → its spikes (analysis.spikes of accuracyCurve); a run not in it
 * is not measured yet.
 * @param {Run[]} runs
 * @param {{ spikes?: Map<string, Spike[]> }} [options]
 * @returns {NetworkResult[]}
 */
export function studyResults(runs, { spikes = new Map() } = {}) {
  /** @type {Map<string, NetworkResult>} */
  const out = new Map();
  for (const [group, members] of seedGroups(runs, { experiment: STUDY_ID })) {
    const { reading, key } = members[0].experiment;
    const parsed = parseKey(key);
    if (!parsed || `${reading} ${key}` !== group) continue;
    const id = `${reading} ${parsed.network.id}`;
    const layers = members[0].config.layers;
    if (!out.has(id)) out.set(id, { reading, network: parsed.network, layers, best: null, target: null, variants: [] });
    out.get(id).variants.push(variantResult(parsed.optimiser, key, members, spikes));
  }
  const order = (r) => NETWORKS.indexOf(r.network);
  const rank = (reading) => (READING_ORDER.indexOf(reading) + READING_ORDER.length + 1) % (READING_ORDER.length + 1);
  const results = [...out.values()].sort(
    (a, b) => rank(a.reading) - rank(b.reading) || a.reading.localeCompare(b.reading) || order(a) - order(b),
  );
  for (const r of results) {
    r.variants.sort((a, b) => OPTIMISERS.indexOf(a.optimiser) - OPTIMISERS.indexOf(b.optimiser));
    const finals = r.variants.map((v) => v.finalTrain?.mean).filter((x) => x != null);
    r.best = finals.length ? Math.max(...finals) : null;
    r.target = r.best == null ? null : CONVERGED * r.best;
    for (const v of r.variants) {
      const reached = r.target == null ? [] : v.runs.map((run) => epochReaching(run, r.target));
      v.epochsTo = spread(reached);
      v.reached = reached.filter((x) => x != null).length;
    }
  }
  return results;
}

/** @returns {VariantResult} */
function variantResult(optimiser, key, runs, spikes) {
  const perSeed = runs.map((run) => spikes.get(run.id) ?? null);
  const measured = perSeed.filter((s) => s !== null);
  const all = measured.flat();
  return {
    key,
    optimiser,
    runs,
    seeds: runs.map((r) => r.experiment.seed ?? 1),
    eta: spread(runs.map((r) => r.config.learningRate)),
    finalTrain: spread(runs.map((r) => lastValue(r, trainAccuracy))),
    finalTest: spread(runs.map((r) => lastValue(r, (e) => e.test?.accuracy ?? null))),
    epochsTo: null,
    reached: 0,
    epochs: Math.max(0, ...runs.map((r) => r.epochs.at(-1)?.epoch ?? 0)),
    spikes: {
      measured: measured.length,
      seeds: measured.filter((s) => s.length > 0).length,
      count: all.length,
      drops: all.filter((x) => x.change < 0).length,
      largest: all.reduce((m, s) => (m === null || Math.abs(s.change) > Math.abs(m.change) ? s : m), null),
      perSeed,
    },
  };
}

// ---- What they say ------------------------------------------------------------------------------

/**
 * A spread with its unit: "97.12 %", "97.12 [96.90–97.30] % over 5 seeds", "1 epoch in each of 2 seeds";
 * seeds: false leaves the number of seeds out (a table says it once).
 */
function spreadText(/** @type {Spread | null} */ s, format, unit, { seeds = true } = {}) {
  if (!s) return '–';
  const over = seeds && s.n > 1;
  if (s.n > 1 && s.min === s.max) return `${format(s.mean)}${unit}${over ? ` in each of ${s.n} seeds` : ''}`;
  const range = s.n > 1 ? ` [${format(s.min)}–${format(s.max)}]` : '';
  return `${format(s.mean)}${range}${unit}${over ? ` over ${s.n} seeds` : ''}`;
}

/** An accuracy's spread in percent: "97.12 %", "97.12 [96.90–97.30] % over 5 seeds". */
export const accuracyText = (/** @type {Spread | null} */ s, options = {}) =>
  spreadText(s, (x) => points(x), ' %', options);

/** Epochs' spread: "12 epochs", "12.4 [11–14] epochs over 5 seeds". */
export const epochsText = (/** @type {Spread | null} */ s, options = {}) =>
  spreadText(s, (x) => (Number.isInteger(x) ? String(x) : x.toFixed(1)), s?.mean === 1 ? ' epoch' : ' epochs', options);

/** η in three significant digits: "0.00312", "2.5e-5". */
export function etaText(/** @type {number} */ x) {
  if (!(x > 0)) return String(x);
  return x >= 1e-3 && x < 1000 ? String(Number(x.toPrecision(3))) : x.toExponential(2).replace(/\.?0+e/, 'e');
}

/**
 * One variant's row of the results table, as text (the page's table and the README's): its seeds, η,
 * epochs to the network's target, final training and test accuracy, and spikes (seeds that spiked of those
 * measured, the largest jump in points).
 * @param {VariantResult} v
 */
export function resultCells(v) {
  const compact = { seeds: false };
  const eta = !v.eta
    ? '–'
    : v.eta.n > 1 && v.eta.min !== v.eta.max
      ? `${etaText(v.eta.mean)} [${etaText(v.eta.min)}–${etaText(v.eta.max)}]`
      : etaText(v.eta.mean);
  const missed = v.reached < v.runs.length ? ` (${v.reached} of ${v.runs.length} seeds reach it)` : '';
  const { measured, seeds, largest, drops } = v.spikes;
  return {
    seeds: String(v.runs.length),
    eta,
    epochsTo: v.epochsTo ? `${epochsText(v.epochsTo, compact)}${missed}` : 'not reached',
    finalTrain: accuracyText(v.finalTrain, compact),
    finalTest: accuracyText(v.finalTest, compact),
    spikes:
      measured === 0
        ? '–'
        : `${seeds} of ${measured}${largest ? ` (largest ${largest.change > 0 ? '+' : '−'}${points(Math.abs(largest.change), 1)} at epoch ${largest.epoch}; ${drops} drop${drops === 1 ? '' : 's'})` : ''}`,
  };
}

/** Whether a's seeds lie wholly above b's (≥ 2 seeds each): 'above', 'below', 'overlap', or 'one seed'. */
export function separation(/** @type {Spread} */ a, /** @type {Spread} */ b) {
  if (a.n < 2 || b.n < 2) return 'one seed';
  if (a.min > b.max) return 'above';
  if (a.max < b.min) return 'below';
  return 'overlap';
}

const list = (names) => (names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`);

/**
 * The sentences of one network's results in one reading: which converges fastest, which ends highest
 * (and whether the gap is wider than the seeds' ranges), and what the optimisers do to the spikes.
 * rule: the engine's spike rule ({ threshold, after }).
 * @param {NetworkResult} r
 * @param {{ rule?: { threshold: number, after: number } }} [options]
 * @returns {{ fastest: string | null, highest: string | null, spikes: string | null }}
 */
export function studySentences(r, { rule = SPIKE_RULE } = {}) {
  return { fastest: fastestSentence(r), highest: highestSentence(r), spikes: spikesSentence(r, rule) };
}

function fastestSentence(r) {
  if (r.target == null) return null;
  // The fastest: all its seeds reached the target, the fewest epochs on average.
  const ranked = r.variants
    .filter((v) => v.epochsTo && v.reached === v.runs.length)
    .sort((a, b) => a.epochsTo.mean - b.epochsTo.mean);
  const missed = r.variants.filter((v) => v.reached < v.runs.length);
  const target = `${points(r.target)} % training accuracy (${Math.round(CONVERGED * 100)} % of the best final, ${points(r.best)} %)`;
  const missedText = missed.length
    ? ` ${list(missed.map((v) => `${v.optimiser.label}${v.reached ? ` (${v.reached} of ${v.runs.length} seeds)` : ''}`))} ${missed.length === 1 ? 'does' : 'do'} not reach it within ${Math.max(...missed.map((v) => v.epochs))} epochs.`
    : '';
  if (ranked.length === 0) return `No optimiser reaches ${target} in every seed.${missedText}`;
  const [first, ...rest] = ranked;
  const ties = rest.filter((v) => v.epochsTo.mean === first.epochsTo.mean);
  const others = rest.filter((v) => !ties.includes(v));
  const who = list([first, ...ties].map((v) => v.optimiser.label));
  let text = `${who} ${ties.length ? 'converge' : 'converges'} fastest: ${ties.length ? 'they reach' : 'it reaches'} ${target} after ${epochsText(first.epochsTo)}`;
  if (others.length) text += `, ${list(others.map((v) => `${v.optimiser.label} after ${epochsText(v.epochsTo)}`))}`;
  text += '.';
  const next = others[0];
  if (next) {
    const sep = separation(first.epochsTo, next.epochsTo);
    text +=
      sep === 'below'
        ? ` Every seed of ${first.optimiser.label} is there before any of ${next.optimiser.label}.`
        : sep === 'overlap'
          ? ` The seeds of ${first.optimiser.label} and ${next.optimiser.label} overlap: the lead is within the seeds’ spread.`
          : '';
  }
  return text + missedText;
}

function highestSentence(r) {
  const ranked = r.variants.filter((v) => v.finalTrain).sort((a, b) => b.finalTrain.mean - a.finalTrain.mean);
  if (ranked.length === 0) return null;
  const [first, second] = ranked;
  const test = first.finalTest ? ` (test ${accuracyText(first.finalTest)})` : '';
  let text = `${first.optimiser.label} ends highest: ${accuracyText(first.finalTrain)} training accuracy${test}`;
  if (!second) return `${text}.`;
  const gap = first.finalTrain.mean - second.finalTrain.mean;
  text += `, ${points(gap)} points above ${second.optimiser.label} (${accuracyText(second.finalTrain)})`;
  const sep = separation(first.finalTrain, second.finalTrain);
  if (sep === 'above')
    text += `: wider than the seeds’ ranges, every seed of ${first.optimiser.label} ends above every seed of ${second.optimiser.label}.`;
  else if (sep === 'overlap') text += `: within the seeds’ ranges, which overlap.`;
  else text += ': one seed each, no seed range to judge the gap by.';
  const last = ranked.at(-1);
  if (ranked.length > 2) text += ` Lowest: ${last.optimiser.label} (${accuracyText(last.finalTrain)}).`;
  return text;
}

function spikesSentence(r, rule) {
  const measured = r.variants.filter((v) => v.spikes.measured > 0);
  if (measured.length === 0) return null;
  const jump = `its training accuracy changing by more than ${points(rule.threshold, 0)} points between epochs after epoch ${rule.after}`;
  if (Math.max(...measured.map((v) => v.epochs)) <= rule.after + 1)
    return `The runs end by epoch ${rule.after + 1}: too short to show a spike (${jump}).`;
  const spiking = measured.filter((v) => v.spikes.seeds > 0);
  const clean = measured.filter((v) => v.spikes.seeds === 0);
  // Where it ended, and whether it ever fell, tell the report's spikes (drops and recoveries of a network
  // that learned) from a run still climbing or the noise of one stuck near chance.
  const seedsText = (v) => {
    const { seeds, measured, largest, drops, count } = v.spikes;
    const sign = largest.change > 0 ? '+' : '−';
    const falls = drops === 0 ? 'all rises' : drops === count ? 'all drops' : `${drops} of ${count} drops`;
    return `${v.optimiser.label} in ${seeds} of ${measured} seed${measured === 1 ? '' : 's'} (largest ${sign}${points(Math.abs(largest.change))} at epoch ${largest.epoch}, ${falls}; ending at ${accuracyText(v.finalTrain, { seeds: false })})`;
  };
  if (spiking.length === 0)
    return `No optimiser spikes on ${r.layers.join('-')} (${jump}): ${r.network.id === 'deep' ? 'at their range tests’ η none shows the report’s spikes, SGD included' : 'nothing to remove'}.`;
  const sgd = measured.find((v) => v.optimiser.name === 'sgd');
  const head = `Spikes (${jump}): ${list(spiking.map(seedsText))}`;
  if (clean.length === 0) return `${head}. No optimiser removes them.`;
  const cleanNames = list(
    clean.map((v) => `${v.optimiser.label} (${v.spikes.measured} seed${v.spikes.measured === 1 ? '' : 's'})`),
  );
  if (sgd && sgd.spikes.seeds > 0)
    return `${head}; none in ${cleanNames}: ${clean.length === 1 ? 'it removes' : 'they remove'} the spikes SGD shows.`;
  return `${head}; none in ${cleanNames}: here the spikes come with ${list(spiking.map((v) => v.optimiser.label))}, not with SGD.`;
}
