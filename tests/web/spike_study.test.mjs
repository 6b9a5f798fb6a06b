// Unit tests for web/page/report/spike_study.js: the study's plan, its statistics on constructed runs,
// the windows around spikes, spike epochs against the others, and the explanation generated from them.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { planQueue } from '../../web/page/report/experiment_plan.js';
import {
  CLIP_NORM,
  INTERVENTIONS,
  MATCHED_MEAN_ETA,
  SPIKE_STUDY,
  classify,
  dropsOf,
  explain,
  interventionSummary,
  spikeEpochComparison,
  spikeWindows,
  stepsOfRun,
  studyRunsOf,
} from '../../web/page/report/spike_study.js';
import { seedGroups } from '../../web/page/report/seed_bands.js';

const RULE = { threshold: 0.02, after: 10 };
const schema = [];
const presets = [
  {
    name: 'report-code',
    label: 'the report’s code',
    config: { trainLimit: 3000, init: 'gaussian', batching: 'slices', gradient: 'half' },
  },
];

test('the study trains 784-80-40-20-10 at η = 0.001 in the report’s code, one variant per intervention, every step recorded', () => {
  const items = planQueue({ experiment: SPIKE_STUDY, readings: ['proper-mean'], seeds: 5, schema, presets, dims: {} });
  assert.equal(items.length, INTERVENTIONS.length * 5);
  assert.deepEqual(
    [...new Set(items.map((i) => i.key))],
    INTERVENTIONS.map((i) => i.key),
  );
  for (const i of items) {
    assert.deepEqual(i.config.layers, [784, 80, 40, 20, 10]);
    assert.equal(i.reading, 'report-code', 'the study’s own reading replaces the form’s');
    assert.equal(i.epochs, 100);
    assert.deepEqual(i.options, { dynamicsEvery: 1 });
    assert.ok(i.evaluate.each.includes('trainSet'), 'training images evaluated every epoch');
  }
  const at = (key) => items.find((i) => i.key === key && i.seed === 1).config;
  assert.equal(at('baseline').learningRate, 0.001);
  assert.equal(at('baseline').batching, 'slices');
  assert.equal(at('baseline').gradient, 'half');
  assert.equal(at('shuffled').batching, 'shuffled');
  assert.equal(at('mean').gradient, 'mean');
  assert.equal(at('mean').learningRate, 0.001);
  assert.equal(at('mean-matched').learningRate, MATCHED_MEAN_ETA);
  assert.equal(MATCHED_MEAN_ETA, 0.5, 'η·½·n/3 with n = 3,000: the average non-empty slice’s step');
  assert.equal(at('lr1e-4').learningRate, 0.0001);
  assert.equal(at('glorot').init, 'uniform');
  assert.equal(at('adam').optimizer, 'adam');
  assert.equal(at('momentum').optimizer, 'momentum');
  assert.equal(at('clip').clipNorm, CLIP_NORM);
  assert.deepEqual([...new Set(items.map((i) => i.seed))], [1, 2, 3, 4, 5]);
});

/** A constructed run: training accuracy per epoch, its spikes, steps of 2 per epoch (a large one in spike epochs). */
function studyRun(variant, seed, { spikes = [], final = 0.9, epochs = 20, big = 10 } = {}) {
  const spiking = new Set(spikes.map((s) => s.epoch));
  const steps = [];
  for (let e = 1; e <= epochs; e++)
    for (let j = 0; j < 2; j++) {
      const large = spiking.has(e) && j === 1;
      steps.push({
        step: 2 * (e - 1) + j + 1,
        epoch: e,
        batchSize: large ? 2500 : 500,
        loss: large ? 3 : 1,
        gradNorm: large ? 40 : 4,
        stepNorm: large ? big : 1,
        layers: [
          { updateRatio: large ? 0.01 : 0.001, saturated: 0.2 },
          { updateRatio: large ? 0.1 : 0.001, saturated: 0.5 },
        ],
      });
    }
  return {
    variant,
    seed,
    accuracies: Array.from({ length: epochs }, () => final),
    spikes,
    finalTrain: final,
    finalTest: final - 0.05,
    steps,
  };
}

const spike = (epoch, change) => ({ epoch, change });

/** Data set A: the baseline spikes in every seed; the mean gradient removes them but does not learn; Adam removes them; shuffled keeps them; the matched mean keeps them. */
function dataA() {
  return [1, 2, 3, 4, 5].flatMap((seed) => [
    studyRun('baseline', seed, { spikes: [spike(12 + seed, -0.13), spike(13 + seed, 0.14)] }),
    studyRun('shuffled', seed, { spikes: [spike(15, -0.05)], final: 0.4 + 0.1 * (seed % 2) + 0.2 }),
    studyRun('mean', seed, { final: 0.1 }),
    studyRun('mean-matched', seed, { spikes: seed <= 4 ? [spike(14, -0.03)] : [] }),
    studyRun('adam', seed, { final: 0.98 }),
  ]);
}

/** Data set B: the baseline spikes in 2 of 5 seeds; the matched mean removes them and learns; shuffled removes them; spike epochs’ steps no larger than others’. */
function dataB() {
  return [1, 2, 3, 4, 5].flatMap((seed) => [
    studyRun('baseline', seed, { spikes: seed <= 2 ? [spike(30, 0.03)] : [], epochs: 40, big: 1 }),
    studyRun('shuffled', seed, { epochs: 40 }),
    studyRun('mean-matched', seed, { epochs: 40, final: 0.95 }),
    studyRun('adam', seed, {
      spikes: seed === 1 ? [spike(20, 0.025), spike(21, -0.03), spike(22, 0.04)] : [],
      epochs: 40,
    }),
  ]);
}

test('per intervention: seeds with spikes out of N, spikes per seed, the largest jump, final accuracies', () => {
  const rows = interventionSummary(dataA());
  assert.deepEqual(
    rows.map((r) => r.key),
    ['baseline', 'shuffled', 'mean', 'mean-matched', 'adam'],
    'in the interventions’ order, those with runs',
  );
  const base = rows[0];
  assert.equal(base.seeds, 5);
  assert.equal(base.withSpikes, 5);
  assert.deepEqual(base.spikesPerSeed, { mean: 2, min: 2, max: 2, n: 5 });
  assert.deepEqual(base.largest, { epoch: 14, change: 0.14, seed: 1 });
  assert.equal(base.finalTrain.mean, 0.9);
  assert.ok(Math.abs(base.finalTest.mean - 0.85) < 1e-12);
  const matched = rows.find((r) => r.key === 'mean-matched');
  assert.equal(matched.withSpikes, 4);
  assert.deepEqual(matched.spikesPerSeed, { mean: 0.8, min: 0, max: 1, n: 5 });
  assert.equal(rows.find((r) => r.key === 'adam').largest, null);
  const effects = Object.fromEntries(classify(rows).map((c) => [c.key, [c.effect, c.learns]]));
  assert.deepEqual(effects, {
    shuffled: ['keeps', true],
    mean: ['removes', false],
    'mean-matched': ['reduces', true],
    adam: ['removes', true],
  });
});

test('the window around a spike holds the steps of its epoch and the two before', () => {
  const windows = spikeWindows([studyRun('baseline', 3, { spikes: [spike(12, -0.1)] })]);
  assert.equal(windows.length, 1);
  const w = windows[0];
  assert.deepEqual([w.variant, w.seed, w.epoch, w.change], ['baseline', 3, 12, -0.1]);
  assert.deepEqual([...new Set(w.steps.map((s) => s.epoch))], [10, 11, 12]);
  assert.equal(w.steps.length, 6);
  assert.equal(spikeWindows([studyRun('baseline', 1, { spikes: [spike(12, 0.1)] })], { before: 0 })[0].steps.length, 2);
});

test('drop and rise epochs against the others, in a trained network after the rule’s first epochs', () => {
  const run = studyRun('baseline', 1, { spikes: [spike(12, 0.1), spike(15, -0.1)] });
  const c = spikeEpochComparison([run], RULE);
  assert.equal(c.drop.epochs, 1);
  assert.equal(c.rise.epochs, 1);
  assert.equal(c.other.epochs, 8, 'epochs 11–20 but the two spike epochs: the first 10 are in none');
  assert.equal(c.drop.steps, 2);
  assert.equal(c.drop.largestStep, 10);
  assert.equal(c.other.largestStep, 1);
  assert.equal(c.drop.largestBatch, 2500);
  assert.equal(c.drop.images, 3000);
  assert.equal(c.drop.largestStepBatch, 2500);
  assert.equal(c.drop.largestStepGrad, 40);
  assert.equal(c.other.largestStepGrad, 4);
  assert.equal(c.drop.batchSize, 1500);
  assert.equal(c.other.batchSize, 500);
  assert.equal(c.drop.layers.length, 2);
  assert.equal(c.other.layers[1].updateRatio, 0.001);
  assert.equal(c.drop.layers[0].saturated, 0.2);
  // A network that has not learned (accuracy under LEARNED the epoch before) is in none of them.
  const early = { ...run, accuracies: run.accuracies.map((a, i) => (i < 14 ? 0.2 : a)) };
  const e = spikeEpochComparison([early], RULE);
  assert.equal(e.drop.epochs, 0, 'epoch 15 follows epoch 14 at 20 %');
  assert.equal(e.rise.epochs, 0);
  assert.equal(e.other.epochs, 5, 'epochs 16–20');
  assert.deepEqual(dropsOf(early), []);
  assert.deepEqual(dropsOf(run), [spike(15, -0.1)]);
});

test('the explanation is generated from the numbers: another data set, another text', () => {
  const explainOf = (runs) => {
    const rows = interventionSummary(runs);
    return explain({
      rows,
      comparison: spikeEpochComparison(
        runs.filter((r) => r.variant === 'baseline'),
        RULE,
      ),
      rule: RULE,
    });
  };
  const a = explainOf(dataA()).join(' ');
  const b = explainOf(dataB()).join(' ');
  assert.notEqual(a, b);
  // A: every seed spikes; Adam removes them and learns; the mean removes them but does not learn; the matched mean keeps them.
  assert.match(a, /spikes in 5 of 5 seeds \(2 spikes per seed \[2–2\], largest \+14\.0 points\)/);
  assert.match(a, /more than 2\.0 points .* after epoch 10/);
  assert.match(a, /No spike in any seed, and the network still learns, with Adam \(0 of 5, drops in 0\)/);
  assert.match(a, /With mean gradient \(0 of 5; final training accuracy 10\.0 %\) the network does not learn/);
  assert.match(a, /drops of a network that had learned .* happen in 5 of 5 seeds \(1 per seed\)/);
  assert.match(
    a,
    /no longer grows with the slice \(mean gradient, η = 0\.5, the same average step\) drops remain in 4 of 5/,
  );
  assert.match(a, /Still spiking with regular batches of 128 \(5 of 5, drops in 5\)/);
  assert.match(a, /Drop epochs hold outsize steps \(10× the usual largest\), and larger batches/);
  assert.match(a, /No drop of a trained network in any seed with Adam/);
  assert.match(a, /rises most in the output layer/);
  // B: 2 of 5; the matched mean and shuffled batches remove them; spike epochs’ steps are ordinary; Adam keeps them (1 seed, 3 spikes).
  assert.match(b, /spikes in 2 of 5 seeds/);
  assert.match(
    b,
    /\(mean gradient, η = 0\.5, the same average step\) there is no drop: the step growing with the slice/,
  );
  assert.match(b, /Fewer spikes with Adam \(1 of 5, drops in 1\)/);
  assert.doesNotMatch(b, /does not learn/);
  assert.doesNotMatch(b, /Drop epochs/, 'the baseline’s spikes are rises: no drop epoch to compare');
  // No baseline: nothing to explain yet; a baseline without spikes: the interventions show nothing.
  assert.match(explain({ rows: [], rule: RULE })[0], /No run of the report’s code yet/);
  const calm = interventionSummary([studyRun('baseline', 1), studyRun('adam', 1)]);
  assert.match(explain({ rows: calm, rule: RULE }).join(' '), /spikes in 0 of 1 seeds.*cannot show what removes them/);
});

test('a page’s runs become the study’s runs: steps placed in their epochs, spikes by run id', () => {
  const run = {
    id: 'r1',
    createdAt: 1,
    stepOffset: 100,
    experiment: { experiment: SPIKE_STUDY, key: 'baseline', reading: 'report-code', seed: 2 },
    epochs: [
      { epoch: 1, step: 103, trainSet: { accuracy: 0.5 }, test: null },
      { epoch: 2, step: 106, trainSet: { accuracy: 0.7 }, test: { accuracy: 0.65 } },
    ],
    dynamics: {
      steps: [101, 102, 103, 104, 105, 106],
      batchSize: [10, 0, 30, 40, 50, 60],
      loss: [1, 1, 1, 2, 2, 2],
      gradNorm: [1, 2, 3, 4, 5, 6],
      stepNorm: [0.1, 0, 0.3, 0.4, 0.5, 0.6],
      layers: [{ updateRatio: [1, 2, 3, 4, 5, 6], saturated: [0, 0, 0, 0.5, 0.5, 0.5] }],
    },
  };
  const steps = stepsOfRun(/** @type {any} */ (run));
  assert.deepEqual(
    steps.map((s) => [s.step, s.epoch, s.batchSize]),
    [
      [1, 1, 10],
      [2, 1, 0],
      [3, 1, 30],
      [4, 2, 40],
      [5, 2, 50],
      [6, 2, 60],
    ],
  );
  assert.deepEqual(steps[3].layers, [{ updateRatio: 4, saturated: 0.5 }]);
  const [r] = studyRunsOf(
    seedGroups([/** @type {any} */ (run)], { experiment: SPIKE_STUDY }),
    new Map([['r1', [spike(2, 0.2)]]]),
  );
  assert.equal(r.variant, 'baseline');
  assert.equal(r.seed, 2);
  assert.deepEqual(r.accuracies, [0.5, 0.7]);
  assert.deepEqual(r.spikes, [spike(2, 0.2)]);
  assert.equal(r.finalTrain, 0.7);
  assert.equal(r.finalTest, 0.65);
  assert.equal(r.steps.length, 6);
});
