// Runs of an experiment grouped by what varies between them except the
// seed, and a group's curve as its mean with a min–max band. Pure:
// unit-tested under Node (tests/web/seed_bands.test.mjs).
//
// A run of an experiment queue carries run.experiment = { experiment, key,
// reading, seed, … } (experiments.js). A group is one (reading, key): each
// seed's latest run of it, whichever queue trained it, so that re-running one
// seed replaces only that seed.

/** @import { Run } from '../runs/run_record.js' */

/** The group a run belongs to: "reading key". */
export const groupKey = (/** @type {Run} */ r) => `${r.experiment.reading} ${r.experiment.key}`;

const isExperimentRun = (r) => Boolean(r.experiment?.key && r.experiment?.reading) && r.epochs.length > 0;

/**
 * Each seed's latest run of every (reading, key): Map "reading key" → runs ordered by seed.
 * experiment: only the runs of queues of that experiment id (else every experiment's).
 * @param {Run[]} runs
 * @returns {Map<string, Run[]>}
 */
export function seedGroups(runs, { experiment = null } = {}) {
  /** @type {Map<string, Map<number, Run>>} */
  const groups = new Map();
  for (const r of runs) {
    if (!isExperimentRun(r) || (experiment && r.experiment.experiment !== experiment)) continue;
    const k = groupKey(r);
    const seed = r.experiment.seed ?? 1;
    const bySeed = groups.get(k) ?? new Map();
    const prev = bySeed.get(seed);
    if (!prev || (r.createdAt ?? 0) >= (prev.createdAt ?? 0)) bySeed.set(seed, r);
    groups.set(k, bySeed);
  }
  return new Map([...groups].map(([k, bySeed]) => [k, [...bySeed].sort((a, b) => a[0] - b[0]).map(([, r]) => r)]));
}

/**
 * Mean, lowest and highest of the finite numbers among `values`, and how many there were; null if none.
 * @param {(number | null | undefined)[]} values
 * @returns {{ mean: number, min: number, max: number, n: number } | null}
 */
export function spread(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x));
  if (v.length === 0) return null;
  return { mean: v.reduce((s, x) => s + x, 0) / v.length, min: Math.min(...v), max: Math.max(...v), n: v.length };
}

/**
 * A group's curve: for every epoch any of its runs has a value at, the spread over the runs that have one.
 * value(entry) reads an epoch entry's number (null: none).
 * @param {Run[]} runs
 * @param {(entry: import('../runs/run_record.js').EpochEntry) => number | null} value
 * @returns {{ epoch: number, mean: number, min: number, max: number, n: number }[]}
 */
export function bandCurve(runs, value) {
  /** @type {Map<number, number[]>} */
  const at = new Map();
  for (const r of runs)
    for (const e of r.epochs) {
      const v = value(e);
      if (v == null || !Number.isFinite(v)) continue;
      at.set(e.epoch, [...(at.get(e.epoch) ?? []), v]);
    }
  return [...at]
    .sort((a, b) => a[0] - b[0])
    .map(([epoch, vs]) => ({ epoch, .../** @type {NonNullable<ReturnType<typeof spread>>} */ (spread(vs)) }));
}

/**
 * "90.13 [89.89–90.21] over 5 seeds", or "90.13" for one seed. format: one number's text; unit: after the
 * numbers ("90.13 [89.89–90.21] % over 5 seeds"); seeds: false leaves out "over N seeds" (a table's cells).
 * @param {{ mean: number, min: number, max: number, n: number } | null} s
 * @param {(x: number) => string} format
 * @param {{ unit?: string, seeds?: boolean }} [options]
 */
export function formatSpread(s, format, { unit = '', seeds = true } = {}) {
  if (!s) return '–';
  if (s.n === 1) return `${format(s.mean)}${unit}`;
  return `${format(s.mean)} [${format(s.min)}–${format(s.max)}]${unit}${seeds ? ` over ${s.n} seeds` : ''}`;
}

/** A curve's name in a legend: "20 hidden (mean of 3 seeds)", or the name alone for one seed. */
export const seedsLabel = (/** @type {string} */ label, /** @type {number} */ n) =>
  n > 1 ? `${label} (mean of ${n} seeds)` : label;

/**
 * Where a single figure lies against a spread: 'inside' [min, max], 'below' or 'above' it.
 * @param {number} x
 * @param {{ min: number, max: number }} s
 */
export function placeAgainst(x, s) {
  return x < s.min ? 'below' : x > s.max ? 'above' : 'inside';
}
