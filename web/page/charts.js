// Live loss and accuracy charts (uPlot). The x axis is in epochs: per-batch
// values (smoothed) sit at fractional positions, per-epoch values at whole
// numbers, so both share one chart. Earlier runs can be overlaid: each in a
// colour of its own, its training, validation and test curves (as chosen)
// dashed, one dash pattern per split.
import uPlot from '../vendor/uPlot.esm.js';

const SPLITS = [
  { key: 'train', label: 'Train', colour: '--c-train' },
  { key: 'validation', label: 'Validation', colour: '--c-val' },
  { key: 'test', label: 'Test', colour: '--c-test' },
];
/** The curves an overlaid run can add, and their dashes. */
export const OVERLAY_SPLITS = Object.freeze(['train', 'validation', 'test']);
const OVERLAY_DASH = { train: [9, 3], validation: [4, 3], test: [1.5, 3] };
const OVERLAY_NAME = { train: 'training', validation: 'validation', test: 'test' };
const OVERLAY_COLOURS = ['--c-o1', '--c-o2', '--c-o3', '--c-o4', '--c-o5', '--c-o6'];
// The training images evaluated after each epoch (a run of the report's experiments).
const TRAIN_SET = { key: 'trainSet', label: 'Training set', colour: '--c-train' };
const hasTrainSet = (run) => Boolean(run?.epochs.some((e) => e.trainSet));
// An overlaid run's training curve: its training images evaluated after each epoch when it has them, else its batches' means.
const trainKey = (run) => (hasTrainSet(run) ? 'trainSet' : 'train');

function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

// Axis labels stay short even for a diverging loss: 120000 → "1.2e5".
const compact = (v) =>
  v == null ? '' : Math.abs(v) >= 1e4 ? v.toExponential(1).replace('+', '') : String(Number(v.toPrecision(6)));
const fmtLoss = (u, v) => (v == null ? '–' : v.toFixed(4));
const fmtPct = (u, v) => (v == null ? '–' : `${v.toFixed(2)} %`);
const fmtEpoch = (u, v) => (v == null ? '–' : `epoch ${v.toFixed(2)}`);

/** uPlot axes of an epoch chart (the training charts, the report's figures): epochs across, values up. */
export function epochAxes({ axis, grid, xSize, ySize, values }) {
  // A fresh object for each axis: uPlot writes its defaults into them.
  const style = () => ({ stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } });
  return [
    { ...style(), label: 'epoch', labelSize: 20, size: xSize },
    { ...style(), size: ySize, values },
  ];
}

export class Charts {
  /**
   * lossEl, accEl: containers. Each chart is (re)built when the set of
   * overlaid runs changes; data updates only call setData.
   */
  constructor(lossEl, accEl) {
    this.els = { loss: lossEl, accuracy: accEl };
    this.plots = { loss: null, accuracy: null };
    this.overlayKey = null;
    this.focus = {};
    this.sync = uPlot.sync('mnist-curves');
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(lossEl);
    // Colours come from CSS variables: rebuild when the colour scheme changes.
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
      this.overlayKey = null;
      this.onSchemeChange?.();
    });
  }

  size() {
    const w = Math.max(260, Math.floor(this.els.loss.clientWidth));
    return { width: w, height: Math.round(Math.min(260, Math.max(180, w * 0.45))) };
  }

  resize() {
    const s = this.size();
    for (const p of Object.values(this.plots)) if (p && (p.width !== s.width || p.height !== s.height)) p.setSize(s);
  }

  build(metric, overlays, { labels, splits, trainSet }) {
    const isLoss = metric === 'loss';
    const fmt = isLoss ? fmtLoss : fmtPct;
    const axis = cssVar('--fg-muted');
    const grid = cssVar('--grid');
    const series = [
      { label: 'Position', value: fmtEpoch },
      {
        label: 'Train (per batch, smoothed)',
        stroke: cssVar('--c-train-batch'),
        width: 1.25,
        value: fmt,
        points: { show: false },
      },
    ];
    for (const s of trainSet ? [...SPLITS, TRAIN_SET] : SPLITS) {
      series.push({
        label: `${s.label} (epoch)`,
        stroke: cssVar(s.colour),
        width: 2,
        dash: s === TRAIN_SET ? [6, 2] : undefined,
        value: fmt,
        spanGaps: true,
        points: { show: true, size: 6, fill: cssVar(s.colour) },
      });
    }
    overlays.forEach((o, i) => {
      for (const split of splits) {
        series.push({
          label: `${labels[i]} · ${OVERLAY_NAME[split]}`,
          stroke: cssVar(OVERLAY_COLOURS[i % OVERLAY_COLOURS.length]),
          width: 1.5,
          dash: OVERLAY_DASH[split],
          value: fmt,
          spanGaps: true,
          points: { show: true, size: 4 },
        });
      }
    });
    const opts = {
      ...this.size(),
      class: 'chart',
      scales: {
        x: { time: false, range: (u, min, max) => [0, Math.max(1, Math.ceil(max ?? 1))] },
        // Once there are epoch results the view follows them, so that the
        // late differences (97 % vs 98 %) stay visible; the first batches'
        // steep start may then run off the chart.
        y: {
          range: isLoss
            ? (_u, _min, max) => [0, Math.min(max > 0 ? max * 1.05 : 1, this.focus.lossMax ?? Infinity)]
            : (_u, min) => [
                Math.max(min ?? 0, this.focus.accMin ?? 0) > 0
                  ? niceFloor(Math.max(min ?? 0, this.focus.accMin ?? 0))
                  : 0,
                100,
              ],
        },
      },
      axes: epochAxes({
        axis,
        grid,
        xSize: 36,
        ySize: 52,
        values: isLoss ? (u, vals) => vals.map(compact) : (u, vals) => vals.map((v) => `${v} %`),
      }),
      legend: { live: true },
      cursor: { sync: { key: this.sync.key }, drag: { x: true, y: false } },
      series,
    };
    const el = this.els[metric];
    el.replaceChildren();
    const plot = new uPlot(opts, this.emptyData(series.length), el);
    plot.root.querySelector('.u-over')?.setAttribute('aria-hidden', 'true');
    return plot;
  }

  emptyData(n) {
    return Array.from({ length: n }, () => []);
  }

  /**
   * run: { x, emaLoss, emaAccuracy, epochs: [{ x, train, trainSet?, validation, test }] }
   * overlays: [{ id, label, epochs }] (earlier runs' epoch results); labels:
   * what to call each (default: its label); splits: which of OVERLAY_SPLITS
   * each overlay draws.
   */
  update(run, overlays = [], { labels = overlays.map((o) => o.label), splits = OVERLAY_SPLITS } = {}) {
    this.focus = focusOf(run, overlays);
    const options = { labels, splits: OVERLAY_SPLITS.filter((s) => splits.includes(s)), trainSet: hasTrainSet(run) };
    const key = JSON.stringify([overlays.map((o) => o.id), options]);
    if (key !== this.overlayKey || !this.plots.loss) {
      this.plots.loss?.destroy();
      this.plots.accuracy?.destroy();
      this.plots.loss = this.build('loss', overlays, options);
      this.plots.accuracy = this.build('accuracy', overlays, options);
      this.overlayKey = key;
    }
    this.plots.loss.setData(this.table(run, overlays, 'loss', options));
    this.plots.accuracy.setData(this.table(run, overlays, 'accuracy', options));
  }

  table(run, overlays, metric, { splits, trainSet }) {
    const scale = metric === 'accuracy' ? 100 : 1;
    const batch = run ? downsample(run.x, metric === 'loss' ? run.emaLoss : run.emaAccuracy, scale) : [[], []];
    const epochs = run?.epochs ?? [];
    const pick = (e, split) => (e[split] ? e[split][metric] * scale : null);
    const own = trainSet ? [...SPLITS, TRAIN_SET] : SPLITS;
    const epochTable = [epochs.map((e) => e.x), ...own.map((s) => epochs.map((e) => pick(e, s.key)))];
    const tables = [batch, epochTable];
    for (const o of overlays) {
      for (const split of splits) {
        const key = split === 'train' ? trainKey(o) : split;
        tables.push([o.epochs.map((e) => e.x), o.epochs.map((e) => pick(e, key))]);
      }
    }
    if (batch[0].length === 0 && epochs.length === 0 && tables.length === 2) return this.emptyData(2 + own.length);
    return uPlot.join(tables);
  }
}

// The y range worth showing once epochs are done: accuracy from a little
// below the lowest epoch value, loss up to twice the highest epoch value.
function focusOf(run, overlays) {
  const epochs = [...(run?.epochs ?? []), ...overlays.flatMap((o) => o.epochs)];
  if (epochs.length === 0) return {};
  let accMin = Infinity;
  let lossMax = 0;
  for (const e of epochs) {
    for (const split of ['train', 'trainSet', 'validation', 'test']) {
      if (!e[split]) continue;
      accMin = Math.min(accMin, 100 * e[split].accuracy);
      lossMax = Math.max(lossMax, e[split].loss);
    }
  }
  return { accMin: accMin - 3, lossMax: 2 * lossMax };
}

function niceFloor(x) {
  const step = x > 90 ? 1 : x > 50 ? 5 : 10;
  return Math.max(0, Math.floor(x / step) * step);
}

// At most ~MAX_POINTS per-batch points are drawn: the smoothed curve loses
// nothing visible, and a redraw stays a few milliseconds however long the run.
const MAX_POINTS = 1500;
function downsample(x, y, scale) {
  const n = x.length;
  const stride = Math.max(1, Math.ceil(n / MAX_POINTS));
  const xs = [];
  const ys = [];
  for (let i = 0; i < n; i++) {
    // Keep every stride-th point, each epoch's end (integer x) and the last point.
    if (i % stride === 0 || i === n - 1 || Number.isInteger(x[i])) {
      xs.push(x[i]);
      ys.push(y[i] * scale);
    }
  }
  return [xs, ys];
}
