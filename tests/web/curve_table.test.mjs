// The training charts' data (web/page/training/curve_table.js): rows sorted
// by x, the current run's points appended as they come, epoch values in the
// row of their x, overlays merged, and the per-batch rows thinned past a
// limit without losing an epoch value or the last point.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { CurveTable } from '../../web/page/training/curve_table.js';
import { addEpoch, appendChunk, createRun } from '../../web/page/runs/run_record.js';

const BPE = 10;
function grow(run, from, n) {
  const epochIndex = Math.floor((from - 1) / BPE);
  const last = from + n - 1;
  appendChunk(run, {
    batchLoss: Float32Array.from({ length: n }, (_, i) => 1 / (from + i)),
    batchAccuracy: Float32Array.from({ length: n }, (_, i) => (from + i) / 100),
    epochIndex,
    firstBatch: from - epochIndex * BPE,
    batchesPerEpoch: BPE,
    epoch: last % BPE === 0 ? last / BPE : epochIndex,
    batchInEpoch: last % BPE,
    step: last,
    runMs: last,
  });
}
const epoch = (run, e, accuracy) =>
  addEpoch(run, {
    epoch: e,
    step: e * BPE,
    train: { loss: 0.5, accuracy: accuracy - 0.1, count: 40 },
    validation: { loss: 0.45, accuracy: accuracy - 0.05, count: 10 },
    test: { loss: 0.4, accuracy, count: 10 },
    confusion: null,
    classes: 10,
    evalMs: 1,
    runMs: e,
  });
const sorted = (xs) => xs.every((x, i) => i === 0 || xs[i - 1] < x);

test('points are appended, each epoch’s values sit in the row of its x', () => {
  const run = createRun({ config: {}, number: 1 });
  const table = new CurveTable({ metric: 'accuracy', trainSet: false, overlays: [], splits: [] });
  grow(run, 1, 6);
  table.sync(run);
  assert.equal(table.data.length, 5, 'x, per batch, train, validation, test');
  assert.deepEqual(table.data[0], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
  grow(run, 7, 4);
  epoch(run, 1, 0.8);
  table.sync(run);
  const [xs, batch, train, validation, test] = table.data;
  assert.equal(xs.length, 10, 'the epoch end is the last batch’s row, not a row of its own');
  assert.equal(xs.at(-1), 1);
  assert.equal(test.at(-1), 80);
  assert.equal(validation.at(-1), 75);
  assert.equal(train.at(-1), 70);
  assert.equal(test[3], null);
  assert.ok(Math.abs(batch.at(-1) - 100 * run.emaAccuracy.at(-1)) < 1e-9, 'the smoothed per-batch curve, in %');
  assert.deepEqual(table.extent, { min: 70, max: 80 });
  table.sync(run);
  assert.equal(table.data[0].length, 10, 'a second sync adds nothing');
});

test('an overlaid run’s epochs are columns of their own, their rows merged in order', () => {
  const old = createRun({ config: {}, number: 1 });
  grow(old, 1, 30);
  for (const e of [1, 2, 3]) epoch(old, e, 0.5 + e / 10);
  const run = createRun({ config: {}, number: 2 });
  const table = new CurveTable({
    metric: 'loss',
    trainSet: false,
    overlays: [old],
    splits: ['train', 'test'],
  });
  assert.equal(table.data.length, 2 + 3 + 2);
  assert.deepEqual(table.data[0], [1, 2, 3], 'the overlay’s epochs before the run has a point');
  grow(run, 1, 15);
  epoch(run, 1, 0.9);
  table.sync(run);
  const xs = table.data[0];
  assert.ok(sorted(xs), 'rows stay sorted while points go in before the overlay’s later epochs');
  assert.equal(xs.length, 15 + 2, 'the run’s 15 points and the overlay’s epochs 2 and 3');
  const row = xs.indexOf(2);
  assert.equal(table.data[1][row], null, 'no per-batch point of the run at x = 2 yet');
  assert.equal(table.data[6][row], 0.4, 'the overlay’s test loss at epoch 2');
});

test('past the limit the per-batch rows are thinned; epoch values and the last point stay', () => {
  const run = createRun({ config: {}, number: 1 });
  const table = new CurveTable({ metric: 'loss', trainSet: false, overlays: [], splits: [] }, { maxRows: 50 });
  for (let s = 1; s <= 400; s += 8) {
    grow(run, s, 8);
    if ((s + 7) % BPE === 0) epoch(run, (s + 7) / BPE, 0.5);
    table.sync(run);
  }
  const [xs, batch, , , test] = table.data;
  assert.ok(xs.length <= 100, `${xs.length} rows for 400 batches`);
  assert.ok(sorted(xs));
  assert.equal(xs.at(-1), run.x.at(-1), 'the last point is drawn');
  assert.equal(test.filter((v) => v !== null).length, run.epochs.length, 'every epoch value is kept');
  for (let e = 1; e <= 40; e++) assert.ok(xs.includes(e), `epoch ${e}'s row`);
  assert.ok(batch.filter((v) => v !== null).length < 100);
});
