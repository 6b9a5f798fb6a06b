// The width × depth sweep (issue 18, "the inflection point"): the report
// ends by leaving open "the right inflection point where a deeper network's
// benefits would outweigh the associated computational costs". This study
// trains every network of a grid of widths and depths for the same epochs,
// and sets each one's test accuracy (after its last epoch, mean [min–max]
// over the seeds) against what it costs — FLOPs per training sample and
// parameters (the engine's count, through Analysis.costs) and the measured
// training seconds (run.runMs less its epochs' evalMs: evaluation
// excluded) — marks the Pareto front and its knee (the engine's, through
// Analysis.pareto) and says, from the runs, where one more step up in cost
// bought less than SWEEP_THRESHOLD points of test accuracy per doubling.
// Pure: unit-tested under Node (tests/web/sweep_study.test.mjs).
//
// The hidden layers are all as wide as each other (784-w-w-10), not tapered
// as the report's 784-80-40-20-10: with one width per network, a step in
// depth adds exactly one w × w layer at the same width, so width and depth
// are two separate axes of the grid; a taper would change both at once.
import { formatEta, registerStudy, REPORT_LEARNING_RATE } from './experiment_plan.js';
import { formatSpread, seedGroups, spread } from './seed_bands.js';

/** @import { Run } from '../runs/run_record.js' */
/** @import { Variant } from './experiment_plan.js' */

export const SWEEP_ID = 'sweep';

/**
 * The knee's rule: a step up the front that buys less than this many points of test accuracy per doubling
 * of the cost is one that no longer pays.
 */
export const SWEEP_THRESHOLD = 0.5;

/**
 * The page’s default sweep: 5 widths × 3 depths = 15 networks, 20 epochs each in the report's code, 1 seed:
 * 250 s from Run to the end on real MNIST in headless Chromium on this 2-core machine with a load average
 * of 15–22 from other work (tests/benchmarks/sweep_bench.mjs, 7 December), within the 5 minutes aimed at.
 * The native sweep (scripts/sweep.sh) trains the same 20 epochs in this reading, so the two compare.
 */
export const SWEEP_EPOCHS = 20;
export const SWEEP_WIDTHS = Object.freeze([20, 40, 80, 160, 320]);
export const SWEEP_DEPTHS = Object.freeze([1, 2, 3]);

/** What a grid may hold: widths 1…MAX_WIDTH, depths 1…MAX_DEPTH, at most MAX_NETWORKS networks. */
export const MAX_WIDTH = 2048;
export const MAX_DEPTH = 6;
export const MAX_NETWORKS = 60;

/** @typedef {{ widths: number[], depths: number[] }} SweepGrid */

/** The cost axes: how a point's cost is read, and how it is named and written. */
export const COST_AXES = Object.freeze([
  { id: 'flops', label: 'FLOPs per training sample', short: 'FLOPs per sample', unit: 'FLOPs' },
  { id: 'parameters', label: 'Parameters', short: 'parameters', unit: 'parameters' },
  { id: 'seconds', label: 'Measured training seconds', short: 'training seconds', unit: 's' },
]);

/** @type {SweepGrid} the grid Run queues (the sweep panel's fields set it) */
let current = { widths: [...SWEEP_WIDTHS], depths: [...SWEEP_DEPTHS] };

/** The grid the next sweep trains. */
export const sweepGrid = () => ({ widths: [...current.widths], depths: [...current.depths] });

/**
 * Reads a grid from the panel's two fields ("20 40 80", "1 2 3"; commas or spaces): { grid } or { error }.
 * @param {string} widths
 * @param {string} depths
 * @returns {{ grid: SweepGrid } | { error: string }}
 */
export function parseGrid(widths, depths) {
  const list = (text, name, max) => {
    const parts = text.split(/[\s,]+/).filter(Boolean);
    if (parts.length === 0) return `give at least one ${name}`;
    const xs = parts.map(Number);
    const bad = parts.find((p, i) => !Number.isInteger(xs[i]) || xs[i] < 1 || xs[i] > max);
    if (bad !== undefined) return `each ${name} must be a whole number from 1 to ${max}, got '${bad}'`;
    return [...new Set(xs)].sort((a, b) => a - b);
  };
  const w = list(widths, 'width', MAX_WIDTH);
  if (typeof w === 'string') return { error: w };
  const d = list(depths, 'depth', MAX_DEPTH);
  if (typeof d === 'string') return { error: d };
  if (w.length * d.length > MAX_NETWORKS)
    return { error: `${w.length} widths × ${d.length} depths is more than ${MAX_NETWORKS} networks` };
  return { grid: { widths: w, depths: d } };
}

/** Sets the grid the next sweep trains (a queue already planned keeps its own). */
export function setSweepGrid(/** @type {SweepGrid} */ grid) {
  current = { widths: [...grid.widths], depths: [...grid.depths] };
}

/**
 * The sweep's networks: for each depth, each width, hidden = [w] × depth (key "w80-d2"), at the report's η.
 * @param {SweepGrid} grid
 * @param {{ inputSize?: number, classes?: number }} dims
 * @returns {Variant[]}
 */
export function sweepVariants(grid, { inputSize = 784, classes = 10 } = {}) {
  return grid.depths.flatMap((d) =>
    grid.widths.map((w) => {
      const hidden = Array.from({ length: d }, () => w);
      return {
        key: `w${w}-d${d}`,
        hidden,
        label: `${[inputSize, ...hidden, classes].join('-')}, η = ${formatEta(REPORT_LEARNING_RATE)}`,
        overrides: { learningRate: REPORT_LEARNING_RATE },
      };
    }),
  );
}

registerStudy({
  id: SWEEP_ID,
  label: 'Width × depth sweep',
  help: `784-w-10, 784-w-w-10, 784-w-w-w-10 for w = 20 … 320, ${SWEEP_EPOCHS} epochs each: test accuracy against cost, the Pareto front and where it stops paying (below)`,
  epochs: SWEEP_EPOCHS,
  variants: (dims) => sweepVariants(current, dims),
});

// ---- From the runs to the points ------------------------------------------------------------------

/** The run trained every epoch its queue asked for and was tested after the last. */
const finished = (/** @type {Run} */ r) => {
  const last = r.epochs.at(-1);
  return Boolean(last?.test) && last.epoch >= (r.experiment?.epochs ?? Infinity);
};

/** A run's training time in seconds: its running time (run.runMs) less its epochs' evaluation (evalMs). */
export const trainingSeconds = (/** @type {Run} */ r) =>
  (r.runMs - r.epochs.reduce((ms, e) => ms + (e.evalMs ?? 0), 0)) / 1000;

/**
 * A network of the sweep as its runs measured it. accuracy: test accuracy after the last epoch in points
 * (0–100), over the seeds; seconds: training seconds (evaluation excluded), over the seeds.
 * @typedef {{ key: string, reading: string, layers: number[], name: string, epochs: number, seeds: number,
 *   accuracy: { mean: number, min: number, max: number, n: number },
 *   seconds: { mean: number, min: number, max: number, n: number }, runIds: string[] }} SweepPoint
 */

/**
 * The sweep's finished runs per reading, each network's seeds grouped (seed_bands.js): for each reading the
 * epochs of its latest finished sweep run, and the networks trained to those epochs (equal epochs), cheapest
 * architecture first (by depth, then width).
 * @param {Run[]} runs
 * @returns {{ reading: string, epochs: number, points: SweepPoint[] }[]}
 */
export function sweepPoints(runs) {
  const done = runs.filter((r) => r.experiment?.experiment === SWEEP_ID && finished(r));
  /** @type {Map<string, number>} reading → epochs of its latest finished run */
  const epochsOf = new Map();
  for (const r of [...done].sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0)))
    epochsOf.set(r.experiment.reading, r.experiment.epochs);
  const equal = done.filter((r) => epochsOf.get(r.experiment.reading) === r.experiment.epochs);
  /** @type {Map<string, SweepPoint[]>} */
  const byReading = new Map([...epochsOf.keys()].map((k) => [k, []]));
  for (const group of seedGroups(equal, { experiment: SWEEP_ID }).values()) {
    const first = group[0];
    const layers = first.config.layers;
    byReading.get(first.experiment.reading).push({
      key: first.experiment.key,
      reading: first.experiment.reading,
      layers,
      name: layers.join('-'),
      epochs: first.experiment.epochs,
      seeds: group.length,
      accuracy: /** @type {SweepPoint['accuracy']} */ (spread(group.map((r) => 100 * r.epochs.at(-1).test.accuracy))),
      seconds: /** @type {SweepPoint['seconds']} */ (spread(group.map(trainingSeconds))),
      runIds: group.map((r) => r.id),
    });
  }
  return [...byReading]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([reading, points]) => ({
      reading,
      epochs: /** @type {number} */ (epochsOf.get(reading)),
      points: points.sort((a, b) => a.layers.length - b.layers.length || a.layers[1] - b.layers[1]),
    }));
}

/**
 * What each point costs: the engine's count for its layers (Analysis.costs, in the points' order).
 * @typedef {SweepPoint & { parameters: number, flopsPerSample: number }} CostedPoint
 * @param {SweepPoint[]} points
 * @param {{ parameters: number, flopsPerSample: number }[]} costs
 * @returns {CostedPoint[]}
 */
export const withCosts = (points, costs) =>
  points.map((p, i) => ({ ...p, parameters: costs[i].parameters, flopsPerSample: costs[i].flopsPerSample }));

/** A point's cost on an axis ('flops', 'parameters', 'seconds': the seeds' mean). */
export function costOf(/** @type {CostedPoint} */ p, /** @type {string} */ axis) {
  return axis === 'flops' ? p.flopsPerSample : axis === 'parameters' ? p.parameters : p.seconds.mean;
}

/** The points as the engine's Pareto functions take them: cost on `axis`, value = mean test accuracy (points). */
export const paretoInput = (/** @type {CostedPoint[]} */ points, /** @type {string} */ axis) =>
  points.map((p) => ({ cost: costOf(p, axis), value: p.accuracy.mean }));

// ---- The sentence ---------------------------------------------------------------------------------------

/** 1.23 M, 456 k, 12.3 — three significant digits with an SI prefix. */
export function compact(/** @type {number} */ x) {
  const [div, prefix] = x >= 1e9 ? [1e9, ' G'] : x >= 1e6 ? [1e6, ' M'] : x >= 1e3 ? [1e3, ' k'] : [1, ' '];
  return `${Number((x / div).toPrecision(3))}${prefix}`.trimEnd();
}

/** A cost on an axis as text: "1.23 M FLOPs", "63.9 k parameters", "12.3 s". */
export function formatCost(/** @type {number} */ x, /** @type {string} */ axis) {
  if (axis === 'seconds') return `${x < 10 ? x.toFixed(2) : x.toFixed(1)} s`;
  return `${compact(x)} ${axis === 'flops' ? 'FLOPs' : 'parameters'}`;
}

/** Test accuracy in points: "97.41". */
export const accuracyText = (/** @type {number} */ x) => x.toFixed(2);

/** "97.41 %" or "97.41 % [97.30–97.52] over 3 seeds" */
export const accuracySpread = (/** @type {SweepPoint['accuracy']} */ s) =>
  s.n === 1 ? `${accuracyText(s.mean)} %` : formatSpread(s, accuracyText).replace(' [', ' % [');

/** How many hidden layers a point has, in words. */
const depthWords = (/** @type {number} */ d) => (d === 1 ? 'one hidden layer' : `${d} hidden layers`);

/**
 * The knee's sentence for one reading and cost axis, from the points, the engine's front (indices into
 * `points`, cheapest first) and knee ({ index, gainPerDoublingNext: NaN or null when every step pays }).
 * @param {{ points: CostedPoint[], axis: string, front: number[],
 *   knee: { index: number, gainPerDoublingNext: number | null },
 *   threshold?: number, epochs: number }} what
 */
export function kneeSentence({ points, axis, front, knee, threshold = SWEEP_THRESHOLD, epochs }) {
  const a = COST_AXES.find((x) => x.id === axis) ?? COST_AXES[0];
  const rule = `${threshold} points of test accuracy per doubling of ${a.short}`;
  if (points.length < 2)
    return `The knee needs at least two networks of the sweep trained to the end (${points.length} so far).`;
  const at = (/** @type {number} */ i) =>
    `${points[i].name} (${formatCost(costOf(points[i], axis), axis)}, ${accuracySpread(points[i].accuracy)})`;
  const onFront = front.map((i) => points[i]);
  const depths = [...new Set(onFront.map((p) => p.layers.length - 2))].sort((x, y) => x - y);
  const frontText = `On the front (${epochs} epochs each): ${onFront.map((p) => p.name).join(', ')} — ${
    depths.length === 1 ? `all with ${depthWords(depths[0])}` : `with ${depths.map(depthWords).join(', ')}`
  }.`;
  /** The two networks' ranges over the seeds, compared. */
  const spreadNote = (/** @type {CostedPoint} */ p, /** @type {CostedPoint} */ q) =>
    p.accuracy.n > 1 && q.accuracy.n > 1
      ? Math.min(p.accuracy.max, q.accuracy.max) >= Math.max(p.accuracy.min, q.accuracy.min)
        ? ' The two networks’ ranges over the seeds overlap: the difference is within the seeds’ spread.'
        : ' Their ranges over the seeds do not overlap.'
      : ' One seed each: no spread over seeds was measured.';
  const gain = knee.gainPerDoublingNext;
  const last = knee.index < 0 || front.length < 2 ? front[0] : knee.index;
  if (knee.index < 0 || front.length < 2 || gain == null || Number.isNaN(gain) || front.at(-1) === knee.index) {
    // The front ends at `last`: every step along it paid; past it, nothing costlier is more accurate, or nothing is costlier.
    const lead =
      front.length < 2
        ? `${at(last)} is both the cheapest and the most accurate network`
        : `Every step up the front bought at least ${rule}, up to ${at(last)}`;
    const costlier = points.filter((p) => costOf(p, axis) > costOf(points[last], axis));
    if (costlier.length === 0) return `${lead}, the costliest network: the knee lies beyond this grid. ${frontText}`;
    const best = costlier.reduce((b, p) => (p.accuracy.mean > b.accuracy.mean ? p : b));
    const i = points.indexOf(best);
    return (
      `${lead}; beyond it, none of the ${costlier.length} costlier networks was more accurate: the best of them, ` +
      `${at(i)}, was ${(points[last].accuracy.mean - best.accuracy.mean).toFixed(2)} points below for ` +
      `${Math.log2(costOf(best, axis) / costOf(points[last], axis)).toFixed(1)} doublings more.` +
      `${spreadNote(points[last], best)} ${frontText}`
    );
  }
  const next = front[front.indexOf(knee.index) + 1];
  const p = points[knee.index];
  const q = points[next];
  const doublings = Math.log2(costOf(q, axis) / costOf(p, axis));
  const overlap = spreadNote(p, q);
  return (
    `Beyond ${at(knee.index)}, doubling the ${a.short} bought ${gain.toFixed(2)} points < ${threshold}: ` +
    `the next network on the front, ${at(next)}, costs ${doublings.toFixed(1)} doublings more for ` +
    `${(q.accuracy.mean - p.accuracy.mean).toFixed(2)} points.${overlap} ${frontText}`
  );
}

/**
 * What the sweep asks the engine (report/analysis.js Analysis: the engine's functions in the worker).
 * @typedef {{ costs(layers: number[][]): Promise<{ parameters: number, flopsPerSample: number }[]>,
 *   pareto(points: { cost: number, value: number }[], minGainPerDoubling: number):
 *   Promise<{ front: number[], knee: { index: number, gainPerDoublingNext: number | null } }> }} SweepAnalysis
 */
/**
 * One reading's sweep measured: its points with their costs, and per cost axis (COST_AXES ids) the front
 * (indices into points, cheapest first), the knee and its sentence.
 * @typedef {{ reading: string, epochs: number, points: CostedPoint[], axes: Record<string, { front: number[],
 *   knee: { index: number, gainPerDoublingNext: number | null }, sentence: string }> }} SweepMeasure
 */

/**
 * Everything the sweep panel shows, per reading that has finished runs: its costed points, and per cost
 * axis the front, the knee and the sentence.
 * @param {Run[]} runs
 * @param {SweepAnalysis} analysis
 * @param {{ threshold?: number }} [options]
 * @returns {Promise<SweepMeasure[]>}
 */
export async function measureSweep(runs, analysis, { threshold = SWEEP_THRESHOLD } = {}) {
  const out = [];
  for (const { reading, epochs, points } of sweepPoints(runs)) {
    const costed = withCosts(points, await analysis.costs(points.map((p) => p.layers)));
    /** @type {SweepMeasure['axes']} */
    const axes = {};
    for (const { id } of COST_AXES) {
      const { front, knee } = await analysis.pareto(paretoInput(costed, id), threshold);
      axes[id] = { front, knee, sentence: kneeSentence({ points: costed, axis: id, front, knee, threshold, epochs }) };
    }
    out.push({ reading, epochs, points: costed, axes });
  }
  return out;
}
