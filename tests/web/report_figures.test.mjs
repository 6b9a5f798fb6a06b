// Unit tests for web/page/report/report_figures.js: which runs each figure overlays,
// their colours, dashes and legend, and the figure as a table.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { PALETTE } from '../../web/page/ui/colour.js';
import {
  FIGURES,
  epochValue,
  figureSeries,
  figureTable,
  formatValue,
  readingsRun,
  reportSeedGroups,
} from '../../web/page/report/report_figures.js';
import { createRun } from '../../web/page/runs/run_record.js';
import { engineTables, experimentRun } from './report_runs.mjs';

let tables;
before(async () => {
  tables = await engineTables();
});
const fig = (id) => FIGURES.find((f) => f.id === id);
const KEYS = ['default', 'h40', 'h80', 'h80-40', 'h80-40-20', 'lr1e-4', 'lr1e-5'];
// The whole report in one reading: run k's training accuracy is 0.5 + k/100 + epoch/1000.
function report(reading, first = 1, epochs = 5) {
  return KEYS.map((key, k) =>
    experimentRun(tables, {
      key,
      reading,
      epochs,
      number: first + k,
      trainSet: (e) => 0.5 + k / 100 + e / 1000,
      validation: (e) => (key === 'default' ? 0.6 + e / 100 : null),
    }),
  );
}
const series = (id, runs, options) => figureSeries(fig(id), runs, { presets: tables.presets, ...options });

test('Figs. 3–9 are the report’s: what each plots, of which runs', () => {
  assert.deepEqual(
    FIGURES.map((f) => f.number),
    [3, 4, 5, 6, 7, 8, 9],
  );
  assert.deepEqual(
    FIGURES.map((f) => `${f.split} ${f.metric}`),
    [
      'trainSet accuracy',
      'trainSet accuracy',
      'trainSet accuracy',
      'trainSet loss',
      'validation loss',
      'trainSet accuracy',
      'validation accuracy',
    ],
  );
  assert.deepEqual(fig('fig4').runs, ['h80', 'h80-40', 'h80-40-20']);
});

test('a figure overlays its runs, named by what differs, in distinct colours', () => {
  const runs = report('report-code');
  const s = series('fig3', runs);
  assert.deepEqual(
    s.map((x) => x.label),
    ['20 hidden', '40 hidden', '80 hidden'],
  );
  assert.deepEqual(
    s.map((x) => x.run.experiment.key),
    ['default', 'h40', 'h80'],
  );
  assert.deepEqual(
    s.map((x) => x.colour),
    PALETTE.slice(0, 3),
  );
  assert.deepEqual(
    s.map((x) => x.dash),
    [[], [], []],
  );
  // The values are the runs' training-set accuracies, epoch by epoch.
  assert.deepEqual(
    s[2].points.map((p) => ({ epoch: p.epoch, value: p.value })),
    runs[2].epochs.map((e) => ({ epoch: e.epoch, value: e.trainSet.accuracy })),
  );
  assert.deepEqual(
    series('fig4', runs).map((x) => x.label),
    ['3 layers', '4 layers', '5 layers'],
  );
  assert.deepEqual(
    series('fig5', runs).map((x) => x.label),
    ['η = 1e-3', 'η = 1e-4', 'η = 1e-5'],
  );
  // Figs. 6–9: the default network only.
  const val = series('fig9', runs);
  assert.deepEqual(
    val.map((x) => x.label),
    ['784-20-10, η = 1e-3'],
  );
  assert.deepEqual(
    val[0].points.map((p) => p.value),
    runs[0].epochs.map((e) => e.validation.accuracy),
  );
  assert.deepEqual(
    series('fig6', runs)[0].points.map((p) => p.value),
    runs[0].epochs.map((e) => e.trainSet.loss),
  );
});

test('both readings: each run in both, the same colour per run and a dash per reading; the latest run of each', () => {
  const runs = [...report('report-code'), ...report('proper-mean', 20), ...report('report-code', 40, 3)];
  assert.deepEqual(readingsRun(runs), ['report-code', 'proper-mean']);
  assert.equal(
    reportSeedGroups(runs).get('report-code default')[0].number,
    40,
    'a later run of the same key replaces the earlier',
  );
  const s = series('fig3', runs);
  assert.deepEqual(
    s.map((x) => x.run.number),
    [40, 41, 42, 20, 21, 22],
  );
  assert.deepEqual(
    s.map((x) => x.label),
    [
      "20 hidden · the report's code",
      "40 hidden · the report's code",
      "80 hidden · the report's code",
      '20 hidden · done properly, mean gradient',
      '40 hidden · done properly, mean gradient',
      '80 hidden · done properly, mean gradient',
    ],
  );
  assert.deepEqual(
    s.map((x) => x.colour.name),
    ['blue', 'vermillion', 'bluish green', 'blue', 'vermillion', 'bluish green'],
  );
  assert.notDeepEqual(s[0].dash, s[3].dash);
  // One run per figure (Figs. 6–9): the readings take colours of their own.
  assert.deepEqual(
    series('fig8', runs).map((x) => x.colour.name),
    ['blue', 'vermillion'],
  );
});

test('overlaid runs join every figure; one that never evaluated its training images shows its batch means', () => {
  const runs = report('report-code');
  const other = createRun({
    config: {
      ...runs[0].config,
      layers: [784, 100, 10],
      trainLimit: 0,
      init: 'uniform',
      batching: 'shuffled',
      gradient: 'sum',
    },
    number: 30,
  });
  other.epochs = [1, 2].map((e) => ({
    epoch: e,
    x: e,
    step: e,
    train: { loss: 0.3, accuracy: 0.7 + e / 100, count: 50000 },
    validation: { loss: 0.2, accuracy: 0.8, count: 10000 },
    test: { loss: 0.2, accuracy: 0.8, count: 10000 },
  }));
  const s = series('fig3', [...runs, other], { overlays: [other, runs[1]] });
  assert.equal(s.length, 4, 'an overlaid run already in the figure is not drawn twice');
  assert.equal(s[3].run, other);
  assert.equal(s[3].fallback, true);
  assert.match(s[3].label, /^100 hidden · done properly, summed gradient \(mean over batches\)$/);
  assert.deepEqual(s[3].points, [
    { epoch: 1, value: 0.71, min: null, max: null, n: 1 },
    { epoch: 2, value: 0.72, min: null, max: null, n: 1 },
  ]);
  assert.equal(s[3].colour.name, 'reddish purple', 'after the figure’s own colours');
  assert.deepEqual(
    series('fig7', [...runs, other], { overlays: [other] })[1].points.map((p) => p.value),
    [0.2, 0.2],
  );
  assert.equal(epochValue({ trainSet: null, train: { accuracy: 0.5 } }, 'trainSet', 'accuracy'), null);
  assert.equal(
    epochValue({ trainSet: null, train: { accuracy: 0.5 } }, 'trainSet', 'accuracy', { fallback: true }),
    0.5,
  );
});

test('a figure as a table: a row per epoch, a column per curve, values as the epoch tables print them', () => {
  const runs = report('report-code');
  const f = fig('fig5');
  const t = figureTable(f, series('fig5', runs));
  assert.equal(t.caption, 'Fig. 5 regenerated: training accuracy (%) by epoch');
  assert.deepEqual(t.columns, ['η = 1e-3', 'η = 1e-4', 'η = 1e-5']);
  assert.deepEqual(
    t.rows.map((r) => r.epoch),
    [1, 2, 3, 4, 5],
  );
  assert.deepEqual(
    t.rows[0].cells,
    [runs[0], runs[5], runs[6]].map((r) => formatValue(r.epochs[0].trainSet.accuracy, 'accuracy')),
  );
  assert.equal(t.rows[0].cells[1], '55.10 %');
  // Epochs a curve lacks are '–'; losses have four decimals.
  const lean = experimentRun(tables, {
    key: 'default',
    reading: 'proper-sum',
    epochs: 3,
    number: 50,
    validation: (e, n) => (e === n ? 0.9 : null),
  });
  const v = figureTable(fig('fig7'), series('fig7', [...runs, lean]));
  assert.deepEqual(
    v.rows.map((r) => r.cells),
    [
      ['0.3900', '–'],
      ['0.3800', '–'],
      ['0.3700', '0.1000'],
      ['0.3600', '–'],
      ['0.3500', '–'],
    ],
  );
  assert.equal(formatValue(null, 'loss'), '–');
});

test('no experiment run: empty figures', () => {
  assert.deepEqual(series('fig3', []), []);
  assert.deepEqual(figureTable(fig('fig3'), []).rows, []);
  const r = createRun({ config: { layers: [784, 20, 10] }, number: 1 });
  assert.deepEqual(series('fig3', [r]), [], 'a run without epochs is not drawn');
});

// Seeds: run k of seed s has training accuracy 0.5 + k/100 + epoch/1000 + (s − 2)/100 (seed 3 trains `short` epochs).
function seeded(seeds, { epochs = 3, short = epochs, reading = 'report-code', experiment = 'width' } = {}) {
  return seeds.flatMap((seed) =>
    ['default', 'h40', 'h80'].map((key, k) =>
      experimentRun(tables, {
        key,
        reading,
        seed,
        experiment,
        epochs: seed === 3 ? short : epochs,
        number: 10 * seed + k,
        trainSet: (e) => 0.5 + k / 100 + e / 1000 + (seed - 2) / 100,
      }),
    ),
  );
}

test('several seeds: a curve is their mean with the lowest and highest seed as its band, "mean of N seeds"', () => {
  const runs = seeded([1, 2, 3], { epochs: 3, short: 2 });
  const s = series('fig3', runs);
  assert.equal(s.length, 3, 'one curve per key, not per seed');
  assert.deepEqual(
    s.map((x) => x.label),
    ['20 hidden (mean of 3 seeds)', '40 hidden (mean of 3 seeds)', '80 hidden (mean of 3 seeds)'],
  );
  assert.deepEqual(
    s.map((x) => x.seeds),
    [3, 3, 3],
  );
  const close = (a, b) => assert.ok(Math.abs(a - b) < 1e-9, `${a} ≈ ${b}`);
  const [p1, , p3] = s[1].points; // 40 hidden: 0.51 + e/1000 + (seed − 2)/100
  close(p1.value, 0.511);
  close(p1.min, 0.501);
  close(p1.max, 0.521);
  assert.equal(p1.n, 3);
  // Epoch 3: seed 3 stopped at 2, so the band spans seeds 1 and 2.
  assert.equal(p3.n, 2);
  close(p3.value, 0.508);
  close(p3.min, 0.503);
  close(p3.max, 0.513);
  const t = figureTable(fig('fig3'), s);
  assert.match(t.caption, /the mean \[lowest–highest\] of the seeds/);
  assert.equal(t.rows[0].cells[1], '51.10 [50.10–52.10] %');
  assert.equal(t.rows[2].cells[1], '50.80 [50.30–51.30] %');
  // One seed: as before, no band.
  const one = series('fig3', seeded([1]));
  assert.equal(one[0].label, '20 hidden');
  assert.equal(one[0].points[0].min, null);
  assert.equal(figureTable(fig('fig3'), one).rows[0].cells[0], '49.10 %');
});

test('a seed trained again replaces only that seed; a study’s runs are not the report’s', () => {
  const runs = seeded([1, 2]);
  const again = experimentRun(tables, {
    key: 'default',
    reading: 'report-code',
    seed: 2,
    epochs: 3,
    number: 99,
    createdAt: 1000,
    trainSet: () => 0.9,
  });
  const s = series('fig3', [...runs, again]);
  assert.deepEqual(
    s[0].runs.map((r) => r.number),
    [10, 99],
  );
  assert.ok(Math.abs(s[0].points[0].max - 0.9) < 1e-9);
  const study = seeded([1], { experiment: 'spikes' });
  assert.deepEqual(series('fig3', study), [], 'a study’s runs with the report’s keys stay out of the figures');
});
