// The report's Figures 3–9 regenerated from run records (run_record.js):
// which runs each figure overlays, their curves, legend, colours and the
// figure as a table. Pure: unit-tested under Node (tests/web/report_figures.test.mjs);
// figure_views.js draws them.
//
// A run of the report's experiments carries run.experiment = { experiment,
// key, reading, seed, queueId, … } (experiments.js): key is one of
// experiment_plan.js's RUNS, reading the engine preset it was trained in.
// Each figure shows, for every reading that was run, each of its keys as the
// mean over the seeds that reached an epoch with a min–max band (each seed's
// latest run: seed_bands.js), plus the runs the user overlays (any finished
// run, ticked in the run list). Runs of the studies (their own experiment
// ids) are theirs, not the report's.
import { legendLabels } from '../runs/legend.js';
import { DASHES, PALETTE } from '../ui/colour.js';
import { REPORT_EXPERIMENTS } from './experiment_plan.js';
import { bandCurve, formatSpread, seedGroups, seedsLabel } from './seed_bands.js';

/**
 * The figures as the report has them. split: which curve — 'trainSet' the
 * training images evaluated after each epoch (the report's "training data"
 * curves), 'validation', 'test'; metric: 'accuracy' | 'loss'.
 */
export const FIGURES = Object.freeze([
  {
    id: 'fig3',
    number: 3,
    title: 'Width: training accuracy',
    report: '784-80-10 structure, Accuracy curve: Training data',
    runs: ['default', 'h40', 'h80'],
    split: 'trainSet',
    metric: 'accuracy',
  },
  {
    id: 'fig4',
    number: 4,
    title: 'Depth: training accuracy',
    report: '784-80-40-20-10 structure, Accuracy curve: Training data',
    runs: ['h80', 'h80-40', 'h80-40-20'],
    split: 'trainSet',
    metric: 'accuracy',
  },
  {
    id: 'fig5',
    number: 5,
    title: 'Learning rate: training accuracy',
    report: 'Learning rate = 0.0001, Accuracy curve: Training data',
    runs: ['default', 'lr1e-4', 'lr1e-5'],
    split: 'trainSet',
    metric: 'accuracy',
  },
  {
    id: 'fig6',
    number: 6,
    title: 'Default network: training loss',
    report: 'Loss curve: Training data',
    runs: ['default'],
    split: 'trainSet',
    metric: 'loss',
  },
  {
    id: 'fig7',
    number: 7,
    title: 'Default network: validation loss',
    report: 'Loss curve: Validation data',
    runs: ['default'],
    split: 'validation',
    metric: 'loss',
  },
  {
    id: 'fig8',
    number: 8,
    title: 'Default network: training accuracy',
    report: 'Accuracy: Training data',
    runs: ['default'],
    split: 'trainSet',
    metric: 'accuracy',
  },
  {
    id: 'fig9',
    number: 9,
    title: 'Default network: validation accuracy',
    report: 'Accuracy: Validation data',
    runs: ['default'],
    split: 'validation',
    metric: 'accuracy',
  },
]);

/** The readings in the order figures and tables list them. */
export const READING_ORDER = Object.freeze(['report-code', 'proper-mean', 'proper-sum']);

const SPLIT_NAMES = { trainSet: 'training', validation: 'validation', test: 'test' };

/** "training accuracy (%)", "validation loss" */
export function quantityName({ split, metric }) {
  return `${SPLIT_NAMES[split]} ${metric === 'accuracy' ? 'accuracy (%)' : 'loss'}`;
}

const REPORT_IDS = new Set(REPORT_EXPERIMENTS.map((x) => x.id));

/** True for a run of the report's experiments (not a study's) with at least one finished epoch. */
const isExperimentRun = (r) =>
  Boolean(r.experiment?.key && r.experiment?.reading) &&
  (!r.experiment.experiment || REPORT_IDS.has(r.experiment.experiment)) &&
  r.epochs.length > 0;

/** The seeds of each (reading, key) of the report's experiments: Map `${reading} ${key}` → runs by seed. */
export const reportSeedGroups = (runs) => seedGroups(runs.filter(isExperimentRun));

/** The readings any experiment run was trained in, in READING_ORDER (then any others). */
export function readingsRun(runs) {
  const present = new Set(runs.filter(isExperimentRun).map((r) => r.experiment.reading));
  return [...READING_ORDER.filter((x) => present.has(x)), ...[...present].filter((x) => !READING_ORDER.includes(x))];
}

/**
 * The value a figure plots for one epoch entry: accuracy in [0, 1] or loss,
 * null when the split was not evaluated. For 'trainSet', `fallback` reads the
 * epoch's batch mean (`train`): for runs that never evaluated their training images.
 */
export function epochValue(entry, split, metric, { fallback = false } = {}) {
  const m = entry[split] ?? (split === 'trainSet' && fallback ? entry.train : null);
  const v = m?.[metric];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** A figure's value as the per-epoch tables print it: "90.25 %" or "0.3021"; "–" for none. */
export function formatValue(v, metric) {
  if (v == null) return '–';
  return metric === 'accuracy' ? `${(100 * v).toFixed(2)} %` : v.toFixed(4);
}

/**
 * The curves of a figure: [{ run, runs, label, colour, dash, points: [{ epoch, value, min, max, n }],
 * seeds, fallback }] — value: the mean over the seeds that reached the epoch, min/max their range (null
 * for a curve of one run); run: the curve's first seed (or the overlaid run), runs: all its seeds.
 * runs: every run record; overlays: the runs the user ticked (added to every
 * figure); presets: engine.presets(), for the legend.
 */
export function figureSeries(figure, runs, { overlays = [], presets = [] } = {}) {
  const groups = reportSeedGroups(runs);
  const readings = readingsRun(runs);
  const own = [];
  for (const reading of readings) {
    for (const key of figure.runs) {
      const g = groups.get(`${reading} ${key}`);
      if (g) own.push({ runs: g, keyIndex: figure.runs.indexOf(key), readingIndex: readings.indexOf(reading) });
    }
  }
  const mine = new Set(own.flatMap((o) => o.runs));
  const extra = overlays.filter((r) => !mine.has(r) && r.epochs.length > 0);
  // The legend names a curve by its first seed's run (its seed made the same as the other curves').
  const seed = own[0]?.runs[0].config.seed;
  const named = [...own.map((o) => ({ ...o.runs[0], config: { ...o.runs[0].config, seed } })), ...extra];
  const labels = legendLabels(named, { presets });
  // Colour by run (the key, or the reading when the figure has one key), dash by reading.
  const byReading = figure.runs.length === 1;
  const used = own.reduce((n, o) => Math.max(n, (byReading ? o.readingIndex : o.keyIndex) + 1), 0);
  return [...own.map((o) => o.runs), ...extra.map((r) => [r])].map((group, i) => {
    const o = own[i];
    const fallback = figure.split === 'trainSet' && !group.some((r) => r.epochs.some((e) => e.trainSet));
    const value = (e) => epochValue(e, figure.split, figure.metric, { fallback });
    const points = bandCurve(group, value).map((p) => ({
      epoch: p.epoch,
      value: p.mean,
      min: group.length > 1 ? p.min : null,
      max: group.length > 1 ? p.max : null,
      n: p.n,
    }));
    const colour = o ? (byReading ? o.readingIndex : o.keyIndex) : used + (i - own.length);
    const dash = o ? o.readingIndex : 0;
    const label = seedsLabel(labels[i], group.length);
    return {
      run: group[0],
      runs: group,
      label: fallback ? `${label} (mean over batches)` : label,
      colour: PALETTE[colour % PALETTE.length],
      dash: DASHES[dash % DASHES.length],
      points,
      seeds: group.length,
      fallback,
    };
  });
}

/**
 * A figure as a table: one row per epoch any curve has, one column per
 * curve, cells as the per-epoch tables print them; a curve of several seeds
 * gives "mean [min–max]" of the seeds that reached the epoch.
 * → { caption, columns: [label], rows: [{ epoch, cells: [text] }] }
 */
export function figureTable(figure, series) {
  const epochs = [...new Set(series.flatMap((s) => s.points.map((p) => p.epoch)))].sort((a, b) => a - b);
  const lookup = series.map((s) => new Map(s.points.map((p) => [p.epoch, p])));
  const seeds = Math.max(0, ...series.map((s) => s.seeds ?? 1));
  return {
    caption: `Fig. ${figure.number} regenerated: ${quantityName(figure)} by epoch${seeds > 1 ? ', the mean [lowest–highest] of the seeds that reached it' : ''}`,
    columns: series.map((s) => s.label),
    rows: epochs.map((epoch) => ({
      epoch,
      cells: lookup.map((m) => formatPoint(m.get(epoch) ?? null, figure.metric)),
    })),
  };
}

/** A point of a curve as a table cell: "90.25 %", or "90.13 [89.89–90.21] %" for several seeds. */
function formatPoint(p, metric) {
  if (p == null || p.value == null) return '–';
  if (p.min == null || p.max == null) return formatValue(p.value, metric);
  const [format, unit] = metric === 'accuracy' ? [(x) => (100 * x).toFixed(2), ' %'] : [(x) => x.toFixed(4), ''];
  return formatSpread({ mean: p.value, min: p.min, max: p.max, n: p.n }, format, { unit, seeds: false });
}
