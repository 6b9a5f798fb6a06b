// The data of one training chart (loss or accuracy) in uPlot's form — rows
// sorted by x (in epochs), one column per curve, null where a curve has no
// point — kept up to date by appending what the current run added since the
// last draw, instead of rebuilding the table at every draw. Columns: the
// per-batch curve (smoothed), the current run's per-epoch curves (train,
// validation, test, and the training set when the run evaluates it), then
// each overlaid run's chosen curves. The per-batch rows are thinned by half
// whenever they pass maxRows (a row that holds an epoch value always stays),
// so a draw costs the same however long the run. Pure (no DOM): unit-tested.

/** @import { Run, EpochEntry } from '../runs/run_record.js' */

/** The current run's per-epoch curves, in column order. */
export const EPOCH_SPLITS = Object.freeze(['train', 'validation', 'test']);
/** An overlaid run's training curve: its training images evaluated after each epoch when it has them. */
export const hasTrainSet = (run) => Boolean(run?.epochs.some((e) => e.trainSet));

/**
 * @typedef {object} CurveLayout what the table's columns are
 * @property {'loss' | 'accuracy'} metric
 * @property {boolean} trainSet the current run's training-set curve is a column
 * @property {Run[]} overlays
 * @property {string[]} splits which curves of each overlay ('train', 'validation', 'test')
 */

export class CurveTable {
  /** @type {CurveLayout} */
  layout;
  /** @type {(number | null)[][]} [xs, per-batch, epoch columns…, overlay columns…] */
  data = [[], []];
  #maxRows;
  #scale;
  #run = null;
  #points = 0; // the current run's points already in the table
  #epochs = 0; // and its epochs
  #stride = 1; // keep every stride-th per-batch point
  #batchRows = 0; // rows that hold a per-batch value
  /** The range of the epoch values (for the charts' y focus): lowest accuracy, highest loss. */
  extent = { min: Infinity, max: -Infinity };

  /**
   * @param {CurveLayout} layout
   * @param {{ maxRows?: number }} [options]
   */
  constructor(layout, { maxRows = 1500 } = {}) {
    this.layout = layout;
    this.#maxRows = maxRows;
    this.#scale = layout.metric === 'accuracy' ? 100 : 1;
    const columns = 2 + EPOCH_SPLITS.length + (layout.trainSet ? 1 : 0) + layout.overlays.length * layout.splits.length;
    this.data = Array.from({ length: columns }, () => []);
    let column = 2 + EPOCH_SPLITS.length + (layout.trainSet ? 1 : 0);
    for (const o of layout.overlays)
      for (const split of layout.splits) {
        const key = split === 'train' && hasTrainSet(o) ? 'trainSet' : split;
        for (const e of o.epochs) this.#setAt(e.x, column, this.#value(e, key));
        column++;
      }
  }

  /** The columns of the current run's epochs: its splits, then the training set when the layout has it. */
  get #epochKeys() {
    return this.layout.trainSet ? [...EPOCH_SPLITS, 'trainSet'] : EPOCH_SPLITS;
  }

  /** @param {EpochEntry} e @param {string} key */
  #value(e, key) {
    const m = e[key];
    if (!m) return null;
    const v = m[this.layout.metric] * this.#scale;
    this.extent = { min: Math.min(this.extent.min, v), max: Math.max(this.extent.max, v) };
    return v;
  }

  /**
   * Adds what `run` added since the last call (all of it for another run than last time).
   * @param {Run | null} run
   */
  sync(run) {
    if (run !== this.#run) {
      if (this.#run) throw new Error('a curve table follows one run: make a new one for another');
      this.#run = run;
    }
    if (!run) return;
    const ys = this.layout.metric === 'loss' ? run.emaLoss : run.emaAccuracy;
    for (let i = this.#points; i < run.x.length; i++) {
      const last = i === run.x.length - 1;
      if (i % this.#stride === 0 || last || Number.isInteger(run.x[i])) this.#addBatch(run.x[i], ys[i] * this.#scale);
    }
    this.#points = run.x.length;
    const keys = this.#epochKeys;
    for (let j = this.#epochs; j < run.epochs.length; j++) {
      const e = run.epochs[j];
      keys.forEach((key, c) => this.#setAt(e.x, 2 + c, this.#value(e, key)));
    }
    this.#epochs = run.epochs.length;
    if (this.#batchRows > this.#maxRows) this.#thin();
  }

  // A per-batch point (x past the run's earlier points; overlay rows may lie beyond it).
  #addBatch(x, y) {
    this.data[1][this.#rowFor(x)] = y;
    this.#batchRows++;
  }

  // The row of x, inserted (in order) when there is none.
  #rowFor(x) {
    const xs = this.data[0];
    let i = xs.length;
    while (i > 0 && xs[i - 1] > x) i--;
    if (i > 0 && xs[i - 1] === x) return i - 1;
    for (const column of this.data) column.splice(i, 0, null);
    xs[i] = x;
    return i;
  }

  #setAt(x, column, value) {
    if (value === null) return;
    this.data[column][this.#rowFor(x)] = value;
  }

  // Keeps every other per-batch point (and every row with an epoch value, an integer x, the last point).
  #thin() {
    this.#stride *= 2;
    const [xs, batch] = this.data;
    const lastBatch = batch.findLastIndex((v) => v !== null);
    const keep = [];
    let seen = 0;
    for (let i = 0; i < xs.length; i++) {
      const other = this.data.some((c, k) => k >= 2 && c[i] !== null);
      if (batch[i] === null || other || Number.isInteger(xs[i]) || i === lastBatch || seen++ % 2 === 0) keep.push(i);
    }
    this.data = this.data.map((c) => keep.map((i) => c[i]));
    this.#batchRows = this.data[1].filter((v) => v !== null).length;
  }
}
