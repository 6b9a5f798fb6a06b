// Unit tests for web/page/report/optimiser_study.js: the optimisers study's
// runs, its numbers over seeds and the sentences they make.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { allExperiments, planQueue } from '../../web/page/report/experiment_plan.js';
import {
  CONVERGED,
  RANGE_TEST,
  STUDY_EPOCHS,
  STUDY_ID,
  accuracyCurve,
  etaText,
  parseKey,
  resultCells,
  studyResults,
  studySentences,
} from '../../web/page/report/optimiser_study.js';
import { engineTables } from './report_runs.mjs';

let tables;
before(async () => {
  tables = await engineTables();
});

test('the study is registered: four optimisers on each network, each with a range test before it trains', () => {
  const study = allExperiments().find((x) => x.id === STUDY_ID);
  assert.ok(study, 'registered beside the report’s experiments');
  assert.equal(study.epochs, STUDY_EPOCHS);
  assert.equal(study.readings, undefined, 'the form’s reading: the report’s code by default, or done properly');
  const items = planQueue({
    experiment: STUDY_ID,
    readings: ['report-code'],
    epochs: 3,
    seeds: 2,
    schema: tables.schema,
    presets: tables.presets,
    dims: { inputSize: 784, classes: 10 },
  });
  assert.equal(items.length, 16, '8 variants × 2 seeds, seed-major');
  assert.deepEqual(
    items.slice(0, 8).map((i) => [i.key, i.config.layers.join('-'), i.config.optimizer, i.seed]),
    [
      ['default-sgd', '784-20-10', 'sgd', 1],
      ['default-momentum', '784-20-10', 'momentum', 1],
      ['default-nesterov', '784-20-10', 'nesterov', 1],
      ['default-adam', '784-20-10', 'adam', 1],
      ['deep-sgd', '784-80-40-20-10', 'sgd', 1],
      ['deep-momentum', '784-80-40-20-10', 'momentum', 1],
      ['deep-nesterov', '784-80-40-20-10', 'nesterov', 1],
      ['deep-adam', '784-80-40-20-10', 'adam', 1],
    ],
  );
  assert.deepEqual(
    items.map((i) => i.options),
    items.map(() => ({ lrFind: { ...RANGE_TEST } })),
  );
  assert.equal(items[8].seed, 2);
  assert.equal(items[8].config.seed, 2);
  assert.match(items[0].label, /^784-20-10, SGD, η from a range test · /);
  // The reading is the preset's: its batching and gradient; the optimiser is the variant's.
  assert.deepEqual([items[3].config.batching, items[3].config.gradient], ['slices', 'half']);
  const proper = planQueue({
    experiment: STUDY_ID,
    readings: ['proper-mean'],
    epochs: 3,
    schema: tables.schema,
    presets: tables.presets,
    dims: {},
  });
  assert.deepEqual(
    [proper[7].config.batching, proper[7].config.gradient, proper[7].config.optimizer],
    ['shuffled', 'mean', 'adam'],
  );
  // Keys are not the report's, so each evaluates the training images every epoch (the spikes' curve).
  assert.ok(items.every((i) => i.evaluate.each.includes('trainSet')));
  assert.deepEqual(parseKey('deep-nesterov').optimiser.label, 'Nesterov');
  assert.equal(parseKey('h80'), null);
});

/**
 * A run of the study as the page keeps it: its training accuracy per epoch (`curve`), test accuracy after
 * the last, the η its range test picked.
 */
let created = 0;
function studyRun({ key, seed = 1, reading = 'report-code', curve, test = 0.9, eta = 0.01 }) {
  created += 1;
  const deep = key.startsWith('deep');
  return {
    id: `run-${created}`,
    createdAt: created,
    config: { layers: deep ? [784, 80, 40, 20, 10] : [784, 20, 10], learningRate: eta, seed },
    experiment: {
      experiment: STUDY_ID,
      key,
      reading,
      seed,
      lrFind: { rates: [1e-6, eta, 1], smoothed: [2, 1, 4], pick: eta, reason: '' },
    },
    epochs: curve.map((a, i) => ({
      epoch: i + 1,
      trainSet: a == null ? null : { loss: 1 - a, accuracy: a, count: 3000 },
      test: i === curve.length - 1 ? { loss: 0.1, accuracy: test, count: 10000 } : null,
    })),
  };
}
/** A curve rising linearly from `from` to `to` over `epochs` epochs. */
const rising = (from, to, epochs = 20) =>
  Array.from({ length: epochs }, (_, i) => from + ((to - from) * i) / (epochs - 1));

test('per variant: η, final accuracies and epochs to converge over the seeds, the target from the best network-wide', () => {
  const runs = [
    studyRun({ key: 'default-sgd', seed: 1, curve: rising(0.5, 0.9), eta: 0.001 }),
    studyRun({ key: 'default-sgd', seed: 2, curve: rising(0.5, 0.92), eta: 0.003 }),
    studyRun({ key: 'default-adam', seed: 1, curve: rising(0.9, 0.98), eta: 0.002, test: 0.95 }),
    studyRun({ key: 'default-adam', seed: 2, curve: rising(0.92, 0.96), eta: 0.004, test: 0.93 }),
    studyRun({ key: 'deep-sgd', seed: 1, curve: rising(0.3, 0.8) }),
    studyRun({ key: 'h80', curve: rising(0.3, 0.8) }), // not the study's
    studyRun({ key: 'deep-adam', reading: 'proper-mean', curve: rising(0.3, 0.8) }),
  ];
  const results = studyResults(runs);
  assert.deepEqual(
    results.map((r) => [r.reading, r.network.id, r.layers.join('-'), r.variants.map((v) => v.optimiser.name)]),
    [
      ['report-code', 'default', '784-20-10', ['sgd', 'adam']],
      ['report-code', 'deep', '784-80-40-20-10', ['sgd']],
      ['proper-mean', 'deep', '784-80-40-20-10', ['adam']],
    ],
  );
  const [def] = results;
  const [sgd, adam] = def.variants;
  assert.equal(def.best, 0.97, 'the best mean final training accuracy (Adam: 0.98 and 0.96)');
  assert.equal(def.target, CONVERGED * 0.97);
  assert.deepEqual(sgd.eta, { mean: 0.002, min: 0.001, max: 0.003, n: 2 });
  assert.deepEqual(
    [adam.finalTrain.min, adam.finalTrain.max, adam.finalTest.mean].map((x) => Number(x.toFixed(6))),
    [0.96, 0.98, 0.94],
  );
  // 0.9215 reached: seed 1 (0.90 + 0.08·(e − 1)/19) at epoch 7, seed 2 (0.92 + 0.04·(e − 1)/19) at epoch 2.
  assert.deepEqual(adam.epochsTo, { mean: 4.5, min: 2, max: 7, n: 2 });
  // SGD: seed 1 ends at 0.90 (never), seed 2 ends at 0.92 (never).
  assert.equal(sgd.epochsTo, null);
  assert.equal(sgd.reached, 0);
  assert.deepEqual(accuracyCurve(runs[0]).slice(0, 2), [0.5, 0.5 + 0.4 / 19]);
});

test('the sentences follow the data: fastest, highest and whether the seeds separate them', () => {
  const fast = [
    studyRun({ key: 'default-sgd', seed: 1, curve: rising(0.5, 0.9) }),
    studyRun({ key: 'default-sgd', seed: 2, curve: rising(0.5, 0.91) }),
    studyRun({ key: 'default-adam', seed: 1, curve: rising(0.9, 0.98) }),
    studyRun({ key: 'default-adam', seed: 2, curve: rising(0.91, 0.97) }),
  ];
  const [r] = studyResults(fast);
  const s = studySentences(r);
  assert.match(
    s.fastest,
    /^Adam converges fastest: it reaches 92\.62 % training accuracy \(95 % of the best final, 97\.50 %\) after 7\.5 \[7–8\] epochs over 2 seeds\. SGD does not reach it within 20 epochs\.$/,
  );
  assert.match(s.highest, /^Adam ends highest: 97\.50 \[97\.00–98\.00\] % over 2 seeds training accuracy/);
  assert.match(
    s.highest,
    /7\.00 points above SGD .*: wider than the seeds’ ranges, every seed of Adam ends above every seed of SGD\.$/,
  );

  // Change the data: SGD now climbs higher than Adam, with overlapping seeds.
  const slow = [
    studyRun({ key: 'default-sgd', seed: 1, curve: rising(0.93, 0.985) }),
    studyRun({ key: 'default-sgd', seed: 2, curve: rising(0.93, 0.965) }),
    studyRun({ key: 'default-momentum', seed: 1, curve: rising(0.5, 0.96) }),
    studyRun({ key: 'default-momentum', seed: 2, curve: rising(0.5, 0.98) }),
  ];
  const [q] = studyResults(slow);
  const t = studySentences(q);
  assert.match(
    t.fastest,
    /^SGD converges fastest: it reaches .* after 1 epoch in each of 2 seeds, Momentum after 18\.5 \[18–19\] epochs over 2 seeds\. Every seed of SGD is there before any of Momentum\.$/,
  );
  assert.match(
    t.highest,
    /^SGD ends highest: .*, 0\.50 points above Momentum .*: within the seeds’ ranges, which overlap\.$/,
  );
  // One seed: no range to judge by.
  const [one] = studyResults([fast[0], fast[2]]);
  assert.match(studySentences(one).highest, /one seed each, no seed range to judge the gap by\.$/);
});

test('spikes: per seed from the analysis, and whether an optimiser removes the ones SGD shows', () => {
  const curve = rising(0.5, 0.95, 30);
  const runs = [
    studyRun({ key: 'deep-sgd', seed: 1, curve }),
    studyRun({ key: 'deep-sgd', seed: 2, curve }),
    studyRun({ key: 'deep-adam', seed: 1, curve }),
    studyRun({ key: 'deep-adam', seed: 2, curve }),
    studyRun({ key: 'deep-momentum', seed: 1, curve }),
  ];
  const [a, b, c, d, e] = runs.map((r) => r.id);
  const spikes = new Map([
    [
      a,
      [
        { epoch: 14, change: -0.05 },
        { epoch: 15, change: 0.121 },
      ],
    ],
    [b, []],
    [c, []],
    [d, []],
    [e, [{ epoch: 25, change: 0.03 }]],
  ]);
  const [r] = studyResults(runs, { spikes });
  const sgd = r.variants.find((v) => v.optimiser.name === 'sgd');
  assert.deepEqual([sgd.spikes.measured, sgd.spikes.seeds, sgd.spikes.count, sgd.spikes.drops], [2, 1, 2, 1]);
  assert.deepEqual(sgd.spikes.largest, { epoch: 15, change: 0.121 });
  assert.deepEqual(resultCells(sgd), {
    seeds: '2',
    eta: '0.01',
    epochsTo: '27 epochs',
    finalTrain: '95.00 %',
    finalTest: '90.00 %',
    spikes: '1 of 2 (largest +12.1 at epoch 15; 1 drop)',
  });
  assert.match(
    studySentences(r).spikes,
    /^Spikes \(its training accuracy changing by more than 2 points between epochs after epoch 10\): SGD in 1 of 2 seeds \(largest \+12\.10 at epoch 15, 1 of 2 drops; ending at 95\.00 %\) and Momentum in 1 of 1 seed \(largest \+3\.00 at epoch 25, all rises; ending at 95\.00 %\); none in Adam \(2 seeds\): it removes the spikes SGD shows\.$/,
  );
  // Not measured yet: no sentence; every optimiser spiking: none removes them; none spiking: nothing to remove.
  assert.equal(studySentences(studyResults(runs)[0]).spikes, null);
  const all = new Map(runs.map((x) => [x.id, [{ epoch: 20, change: -0.04 }]]));
  assert.match(studySentences(studyResults(runs, { spikes: all })[0]).spikes, /No optimiser removes them\.$/);
  const none = new Map(runs.map((x) => [x.id, []]));
  assert.match(
    studySentences(studyResults(runs, { spikes: none })[0]).spikes,
    /^No optimiser spikes on 784-80-40-20-10/,
  );
  // Only Adam spikes: SGD has none to remove.
  const adamOnly = new Map(
    runs.map((x) => [x.id, x.experiment.key === 'deep-adam' ? [{ epoch: 20, change: -0.04 }] : []]),
  );
  assert.match(
    studySentences(studyResults(runs, { spikes: adamOnly })[0]).spikes,
    /; none in SGD \(2 seeds\) and Momentum \(1 seed\): here the spikes come with Adam, not with SGD\.$/,
  );
  // Too short for the rule.
  const short = [studyRun({ key: 'deep-sgd', curve: rising(0.5, 0.9, 5) })];
  assert.match(
    studySentences(studyResults(short, { spikes: new Map([[short[0].id, []]]) })[0], {
      rule: { threshold: 0.02, after: 10 },
    }).spikes,
    /^The runs end by epoch 11: too short/,
  );
});

test('η reads in three significant digits', () => {
  assert.equal(etaText(0.0031234), '0.00312');
  assert.equal(etaText(2.5e-5), '2.5e-5');
  assert.equal(etaText(0.5), '0.5');
});
