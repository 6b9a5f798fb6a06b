// Unit tests for web/page/report/experiment_plan.js: the report's experiments as queues.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import {
  REPORT_EXPERIMENTS,
  evaluationPlan,
  formatEta,
  planQueue,
  readingOf,
  shortEta,
  stepFactor,
} from '../../web/page/report/experiment_plan.js';
import { engineTables } from './report_runs.mjs';

let tables;
before(async () => {
  tables = await engineTables();
});
const plan = (options) => planQueue({ schema: tables.schema, presets: tables.presets, ...options });

test('each experiment is its three runs; the whole report is their union of seven', () => {
  const layers = (items) => items.map((i) => `${i.config.layers.join('-')} ${formatEta(i.config.learningRate)}`);
  assert.deepEqual(layers(plan({ experiment: 'width', readings: ['report-code'] })), [
    '784-20-10 0.001',
    '784-40-10 0.001',
    '784-80-10 0.001',
  ]);
  assert.deepEqual(layers(plan({ experiment: 'depth', readings: ['report-code'] })), [
    '784-80-10 0.001',
    '784-80-40-10 0.001',
    '784-80-40-20-10 0.001',
  ]);
  assert.deepEqual(layers(plan({ experiment: 'learning-rate', readings: ['report-code'] })), [
    '784-20-10 0.001',
    '784-20-10 0.0001',
    '784-20-10 0.00001',
  ]);
  const report = plan({ experiment: 'report', readings: ['report-code'] });
  assert.equal(report.length, 7);
  const union = new Set(REPORT_EXPERIMENTS.filter((e) => e.id !== 'report').flatMap((e) => e.runs));
  assert.deepEqual(new Set(report.map((i) => i.key)), union);
  assert.equal(report[0].key, 'default', 'the default network first');
});

test('a reading is the engine’s preset; η stays the report’s; the rest is the report’s network', () => {
  const [code] = plan({ experiment: 'width', readings: ['report-code'] });
  assert.deepEqual(
    { ...code.config },
    {
      layers: [784, 20, 10],
      activation: 'sigmoid',
      loss: 'sigmoid-bce',
      optimizer: 'sgd',
      learningRate: 0.001,
      momentum: 0.9,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-8,
      clipNorm: 0,
      batchSize: 128,
      l2: 0,
      seed: 1,
      gradient: 'half',
      trainLimit: 3000,
      init: 'gaussian',
      batching: 'slices',
    },
  );
  assert.equal(code.epochs, 100, 'the report’s 100 epochs by default');
  const both = plan({ experiment: 'learning-rate', readings: ['report-code', 'proper-sum'], epochs: 3 });
  assert.deepEqual(
    both.map((i) => [i.reading, i.config.learningRate, i.config.gradient, i.epochs]),
    [
      ['report-code', 0.001, 'half', 3],
      ['report-code', 0.0001, 'half', 3],
      ['report-code', 0.00001, 'half', 3],
      ['proper-sum', 0.001, 'sum', 3],
      ['proper-sum', 0.0001, 'sum', 3],
      ['proper-sum', 0.00001, 'sum', 3],
    ],
  );
  assert.match(both[4].label, /^784-20-10, η = 0\.0001 · done properly, summed gradient$/);
  for (const i of both) assert.equal(readingOf(i.config, tables.presets), i.reading);
  assert.equal(readingOf({ ...both[0].config, batching: 'shuffled' }, tables.presets), null);
  // Other image sizes: the input and output follow the data.
  assert.deepEqual(
    plan({ experiment: 'depth', readings: ['proper-mean'], dims: { inputSize: 64, classes: 8 } })[2].config.layers,
    [64, 80, 40, 20, 8],
  );
});

test('the evaluation plan: what the figures need, or everything', () => {
  assert.deepEqual(
    evaluationPlan('default', 'figures'),
    { each: ['trainSet', 'validation'], last: ['test'] },
    'Figs. 7 and 9; its test accuracy at the end',
  );
  assert.deepEqual(evaluationPlan('h80', 'figures'), { each: ['trainSet'], last: ['validation', 'test'] });
  assert.deepEqual(evaluationPlan('h80', 'all'), { each: ['trainSet', 'validation', 'test'], last: [] });
  assert.deepEqual(evaluationPlan('default', 'all'), { each: ['trainSet', 'validation', 'test'], last: [] });
  assert.deepEqual(
    plan({ experiment: 'width', readings: ['report-code'] }).map((i) => i.evaluate.each.length),
    [2, 1, 1],
  );
});

test('bad plans are refused', () => {
  assert.throws(() => plan({ experiment: 'height', readings: ['report-code'] }), /unknown experiment 'height'/);
  assert.throws(() => plan({ experiment: 'width', readings: [] }), /choose a reading/);
  assert.throws(() => plan({ experiment: 'width', readings: ['proper-median'] }), /no preset 'proper-median'/);
  // The epochs per run: the range the Experiments form shows (EXPERIMENT_EPOCHS), refused outside it.
  assert.throws(
    () => plan({ experiment: 'width', readings: ['report-code'], epochs: 0 }),
    /number of epochs per run must be in \[1, 1000\]/,
  );
  assert.throws(
    () => plan({ experiment: 'width', readings: ['report-code'], epochs: 1001 }),
    /number of epochs per run must be in \[1, 1000\]/,
  );
  assert.throws(
    () => plan({ experiment: 'width', readings: ['report-code'], epochs: 2.5 }),
    /number of epochs per run must be a whole number/,
  );
});

test('η as the report writes it, in short for legends, and the step’s factor beside it', () => {
  assert.deepEqual([0.001, 0.0001, 0.00001, 0.003].map(formatEta), ['0.001', '0.0001', '0.00001', '0.003']);
  assert.deepEqual([0.001, 0.0001, 0.00001, 0.003].map(shortEta), ['1e-3', '1e-4', '1e-5', '0.003']);
  const f = (gradient) => stepFactor({ gradient, batchSize: 128 });
  assert.equal(f('half').perImage, 0.5);
  assert.match(f('half').text, /½ × the batch’s summed gradient \(the template divides η by len\(mini_batch\) = 2\)/);
  assert.equal(f('sum').perImage, 1);
  assert.equal(f('mean').perImage, 1 / 128);
  assert.match(f('mean').text, /mean gradient \(the sum ÷ 128\)/);
});

test('N seeds train every run once per seed, every run’s first seed first', () => {
  const items = plan({ experiment: 'width', readings: ['report-code'], seeds: 2 });
  assert.deepEqual(
    items.map((i) => `${i.key} ${i.seed} ${i.config.seed}`),
    ['default 1 1', 'h40 1 1', 'h80 1 1', 'default 2 2', 'h40 2 2', 'h80 2 2'],
  );
  assert.match(items[3].label, /· seed 2$/);
  assert.doesNotMatch(plan({ experiment: 'width', readings: ['report-code'] })[0].label, /seed/);
  assert.throws(() => plan({ experiment: 'width', readings: ['report-code'], seeds: 6 }), /seeds per run/);
  assert.throws(() => plan({ experiment: 'width', readings: ['report-code'], seeds: 0 }), /seeds per run/);
});
