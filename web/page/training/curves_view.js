// The live loss and accuracy charts (uPlot). The x axis is in epochs:
// per-batch values (smoothed) sit at fractional positions, per-epoch values
// at whole numbers, so both share one chart. Runs ticked in the run list are
// overlaid: each in a colour of its own, its training, validation and test
// curves (as chosen) dashed, one dash pattern per split, named by what
// differs from the current run (legend.js). Each chart's data is a
// CurveTable that the current run's new points are appended to; a chart is
// rebuilt only when what it shows changes (another run, other overlays).
// Drawn at most 5 times a second, and only while the Train view is shown.
import uPlot from '../../vendor/uPlot.esm.js';
import { epochAxes } from '../ui/chart_axes.js';
import { cssVar } from '../ui/colour.js';
import { Redraw } from '../ui/redraw.js';
import { legendLabels } from '../runs/legend.js';
import { CurveTable, EPOCH_SPLITS, hasTrainSet } from './curve_table.js';

/**
 * @import { SessionStore } from '../app/session_store.js'
 * @import { Visibility } from '../ui/redraw.js'
 * @import { CurveLayout } from './curve_table.js'
 */

/** Chart redraws while training: at most one per this many milliseconds. */
export const DRAW_INTERVAL_MS = 200;

const SPLIT_STYLE = {
  train: { label: 'Train', colour: '--c-train' },
  validation: { label: 'Validation', colour: '--c-val' },
  test: { label: 'Test', colour: '--c-test' },
  trainSet: { label: 'Training set', colour: '--c-train', dash: [6, 2] },
};
const OVERLAY_DASH = { train: [9, 3], validation: [4, 3], test: [1.5, 3] };
const OVERLAY_NAME = { train: 'training', validation: 'validation', test: 'test' };
const OVERLAY_COLOURS = ['--c-o1', '--c-o2', '--c-o3', '--c-o4', '--c-o5', '--c-o6'];

// Axis labels stay short even for a diverging loss: 120000 → "1.2e5".
const compact = (v) =>
  v == null ? '' : Math.abs(v) >= 1e4 ? v.toExponential(1).replace('+', '') : String(Number(v.toPrecision(6)));
const fmtLoss = (u, v) => (v == null ? '–' : v.toFixed(4));
const fmtPct = (u, v) => (v == null ? '–' : `${v.toFixed(2)} %`);
const fmtEpoch = (u, v) => (v == null ? '–' : `epoch ${v.toFixed(2)}`);

function niceFloor(x) {
  const step = x > 90 ? 1 : x > 50 ? 5 : 10;
  return Math.max(0, Math.floor(x / step) * step);
}

export class CurvesView {
  #store;
  #els;
  /** @type {{ loss: uPlot | null, accuracy: uPlot | null }} */
  plots = { loss: null, accuracy: null };
  /** @type {{ loss: CurveTable | null, accuracy: CurveTable | null }} */
  #tables = { loss: null, accuracy: null };
  #key = null; // what the charts show: rebuilt when it changes
  /** @type {import('../runs/run_record.js').Run | null} the run record the tables follow */
  #run = null;
  #labels = [];
  #sync = uPlot.sync('mnist-curves');
  #redraw;

  /**
   * @param {{ store: SessionStore, visibility: Visibility, loss: HTMLElement, accuracy: HTMLElement }} parts
   */
  constructor({ store, visibility, loss, accuracy }) {
    this.#store = store;
    this.#els = { loss, accuracy };
    this.#redraw = new Redraw(() => this.draw(), {
      visibility,
      minIntervalMs: () => (store.train.state === 'running' ? DRAW_INTERVAL_MS : 0),
    });
    store.onAny(['chunk', 'epoch', 'runs', 'trainer'], () => this.#redraw.request());
    new ResizeObserver(() => this.#resize()).observe(loss);
    // Colours come from CSS variables: rebuild when the colour scheme or the type size changes.
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.restyle());
  }

  /** The colours or the type size changed: the charts are built again. */
  restyle() {
    this.#key = null;
    this.#redraw.request();
  }

  #size() {
    const w = Math.max(260, Math.floor(this.#els.loss.clientWidth));
    return { width: w, height: Math.round(Math.min(260, Math.max(180, w * 0.45))) };
  }

  #resize() {
    const s = this.#size();
    for (const p of Object.values(this.plots)) if (p && (p.width !== s.width || p.height !== s.height)) p.setSize(s);
  }

  /** Brings the charts up to date with the current run and the overlaid ones. */
  draw() {
    const { runs } = this.#store;
    const run = runs.current;
    const overlays = runs.overlaid();
    const splits = EPOCH_SPLITS.filter((s) => runs.overlaySplits.includes(s));
    const trainSet = hasTrainSet(run);
    const key = JSON.stringify([
      run?.id,
      run?.changes.length,
      overlays.map((o) => [o.id, o.epochs.length]),
      splits,
      trainSet,
    ]);
    // Another record of the same run (reloaded from IndexedDB after a lost worker) is another run to the tables.
    if (key !== this.#key || run !== this.#run) {
      this.#key = key;
      this.#run = run;
      const named = run ? [run, ...overlays] : overlays;
      this.#labels = overlays.length
        ? legendLabels(named, { presets: this.#store.engine?.presets ?? [] }).slice(named.length - overlays.length)
        : [];
      for (const metric of /** @type {const} */ (['loss', 'accuracy'])) {
        this.#tables[metric] = new CurveTable({ metric, trainSet, overlays, splits });
        this.plots[metric]?.destroy();
        this.plots[metric] = this.#build(this.#tables[metric].layout);
      }
    }
    for (const metric of /** @type {const} */ (['loss', 'accuracy'])) {
      const table = this.#tables[metric];
      table.sync(run);
      this.plots[metric].setData(/** @type {uPlot.AlignedData} */ (table.data));
    }
  }

  /** @param {CurveLayout} layout */
  #build({ metric, trainSet, overlays, splits }) {
    const isLoss = metric === 'loss';
    const fmt = isLoss ? fmtLoss : fmtPct;
    const table = () => this.#tables[metric];
    /** @type {uPlot.Series[]} */
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
    for (const split of trainSet ? [...EPOCH_SPLITS, 'trainSet'] : EPOCH_SPLITS) {
      const s = SPLIT_STYLE[split];
      series.push({
        label: `${s.label} (epoch)`,
        stroke: cssVar(s.colour),
        width: 2,
        dash: s.dash,
        value: fmt,
        spanGaps: true,
        points: { show: true, size: 6, fill: cssVar(s.colour) },
      });
    }
    overlays.forEach((o, i) => {
      for (const split of splits) {
        series.push({
          label: `${this.#labels[i]} · ${OVERLAY_NAME[split]}`,
          stroke: cssVar(OVERLAY_COLOURS[i % OVERLAY_COLOURS.length]),
          width: 1.5,
          dash: OVERLAY_DASH[split],
          value: fmt,
          spanGaps: true,
          points: { show: true, size: 4 },
        });
      }
    });
    // Once there are epoch results the view follows them, so that the late differences (97 % vs 98 %)
    // stay visible; the first batches' steep start may then run off the chart.
    const range = isLoss
      ? (_u, _min, max) => {
          const focus = table().extent.max > -Infinity ? 2 * table().extent.max : Infinity;
          return [0, Math.min(max > 0 ? max * 1.05 : 1, focus)];
        }
      : (_u, min) => {
          const focus = table().extent.min < Infinity ? table().extent.min - 3 : 0;
          const low = Math.max(min ?? 0, focus);
          return [low > 0 ? niceFloor(low) : 0, 100];
        };
    const opts = {
      ...this.#size(),
      class: 'chart',
      scales: {
        x: { time: false, range: (u, min, max) => [0, Math.max(1, Math.ceil(max ?? 1))] },
        y: { range },
      },
      axes: epochAxes({
        axis: cssVar('--fg-muted'),
        grid: cssVar('--grid'),
        xSize: 36,
        ySize: 52,
        values: isLoss ? (u, vals) => vals.map(compact) : (u, vals) => vals.map((v) => `${v} %`),
      }),
      legend: { live: true },
      cursor: { sync: { key: this.#sync.key }, drag: { x: true, y: false } },
      series,
    };
    const el = this.#els[metric];
    el.replaceChildren();
    const data = /** @type {uPlot.AlignedData} */ (series.map(() => []));
    const plot = new uPlot(/** @type {uPlot.Options} */ (/** @type {unknown} */ (opts)), data, el);
    plot.root.querySelector('.u-over')?.setAttribute('aria-hidden', 'true');
    return plot;
  }
}
