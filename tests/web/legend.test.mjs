// Unit tests for web/page/runs/legend.js: runs named by what differs; the palette.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { planQueue } from '../../web/page/report/experiment_plan.js';
import { DASHES, PALETTE } from '../../web/page/ui/colour.js';
import { layerLabels, legendLabels } from '../../web/page/runs/legend.js';
import { engineTables } from './report_runs.mjs';

let tables;
before(async () => {
  tables = await engineTables();
});
const runsOf = (experiment, readings = ['report-code']) =>
  planQueue({ experiment, readings, schema: tables.schema, presets: tables.presets }).map((i, n) => ({
    config: i.config,
    number: n + 1,
  }));
const labels = (runs) => legendLabels(runs, { presets: tables.presets });

test('each experiment’s runs are named by the one thing it varies', () => {
  assert.deepEqual(labels(runsOf('width')), ['20 hidden', '40 hidden', '80 hidden']);
  assert.deepEqual(labels(runsOf('depth')), ['3 layers', '4 layers', '5 layers']);
  assert.deepEqual(labels(runsOf('learning-rate')), ['η = 1e-3', 'η = 1e-4', 'η = 1e-5']);
});

test('two readings: the reading is named too, by the engine’s label', () => {
  assert.deepEqual(labels(runsOf('width', ['report-code', 'proper-mean'])), [
    "20 hidden · the report's code",
    "40 hidden · the report's code",
    "80 hidden · the report's code",
    '20 hidden · done properly, mean gradient',
    '40 hidden · done properly, mean gradient',
    '80 hidden · done properly, mean gradient',
  ]);
  const [code] = runsOf('width');
  const [sum] = runsOf('width', ['proper-sum']);
  assert.deepEqual(labels([code, sum]), ["the report's code", 'done properly, summed gradient']);
});

test('the whole report: width and depth mixed are named by their sizes, η where it differs', () => {
  assert.deepEqual(labels(runsOf('report')), [
    '784-20-10 · η = 1e-3',
    '784-40-10 · η = 1e-3',
    '784-80-10 · η = 1e-3',
    '784-80-40-10 · η = 1e-3',
    '784-80-40-20-10 · η = 1e-3',
    '784-20-10 · η = 1e-4',
    '784-20-10 · η = 1e-5',
  ]);
  assert.deepEqual(
    layerLabels([
      [784, 80, 10],
      [784, 80, 40, 10],
      [784, 90, 40, 10],
    ]),
    ['784-80-10', '784-80-40-10', '784-90-40-10'],
  );
  assert.deepEqual(
    layerLabels([
      [784, 80, 40, 10],
      [784, 90, 40, 10],
    ]),
    ['80-40 hidden', '90-40 hidden'],
  );
});

test('other settings, a reading that is no preset, the same run twice, a run alone', () => {
  const [a] = runsOf('width');
  const fast = {
    config: {
      ...a.config,
      layers: [784, 512, 10],
      activation: 'relu',
      loss: 'softmax-ce',
      optimizer: 'adam',
      learningRate: 0.003,
      trainLimit: 0,
      init: 'uniform',
      batching: 'shuffled',
      gradient: 'mean',
    },
    schedule: { lrDecay: 0.5 },
    number: 9,
  };
  assert.deepEqual(labels([a, fast]), [
    "20 hidden · η = 1e-3 · Sigmoid · sigmoid outputs · SGD · the report's code · constant η",
    '512 hidden · η = 0.003 · ReLU · softmax · Adam · done properly, mean gradient · η × 0.5/epoch',
  ]);
  // The template's fields without a preset that has them all: each field that differs.
  const odd = { config: { ...a.config, batching: 'shuffled' }, number: 3 };
  assert.deepEqual(labels([a, odd]), ['slices', 'shuffled']);
  // Nothing tells them apart: their run numbers.
  assert.deepEqual(labels([a, { ...a, number: 4 }]), ['run 1', 'run 4']);
  assert.deepEqual(labels([{ ...a, config: { ...a.config, seed: 2 } }, a]), ['seed 2', 'seed 1']);
  assert.deepEqual(labels([a]), ['784-20-10, η = 1e-3']);
});

test('the palette is Okabe–Ito’s eight colours, yellow last; dashes tell readings apart', () => {
  assert.deepEqual(PALETTE.map((c) => c.hex).sort(), [
    '#000000',
    '#0072B2',
    '#009E73',
    '#56B4E9',
    '#CC79A7',
    '#D55E00',
    '#E69F00',
    '#F0E442',
  ]);
  assert.equal(PALETTE.at(-1).name, 'yellow');
  assert.deepEqual(DASHES[0], []);
  assert.equal(new Set(DASHES.map((d) => d.join())).size, DASHES.length);
});
