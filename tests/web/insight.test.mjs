// Unit tests of the page's pure insight modules: the confusion matrix's
// numbers (web/page/classify/confusion.js), shareable links (share.js) and the
// export formats (export.js).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { cellIndices, classMetrics, confusionFrom, sameCounts } from '../../web/page/classify/confusion.js';
import {
  ImportError,
  chartSvg,
  csvColumns,
  parseCsv,
  parseRunsJson,
  runsToCsv,
  runsToJson,
} from '../../web/page/runs/export.js';
import { addEpoch, appendChunk, appendDynamics, createRun } from '../../web/page/runs/run_record.js';
import { readShareQuery, shareQuery } from '../../web/page/share/share.js';
import { createTestEngine } from '../wasm/support.mjs';
import { FORM } from './form_fields.mjs';

let schema;
before(async () => {
  schema = (await createTestEngine()).schema();
});

describe('confusion.js', () => {
  const labels = [0, 0, 1, 1, 1, 2];
  const predicted = [0, 1, 1, 1, 0, 1];
  const probabilities = Float32Array.from([
    0.9, 0.1, 0, 0.3, 0.6, 0.1, 0.1, 0.8, 0.1, 0.2, 0.7, 0.1, 0.5, 0.4, 0.1, 0.2, 0.75, 0.05,
  ]);

  test('the matrix, precision and recall by hand', () => {
    const m = confusionFrom(labels, predicted, 3);
    assert.deepEqual(Array.from(m), [1, 1, 0, 1, 2, 0, 0, 1, 0]);
    const { recall, precision, rowTotal, colTotal } = classMetrics(m, 3);
    assert.deepEqual(rowTotal, [2, 3, 1]);
    assert.deepEqual(colTotal, [2, 4, 0]);
    assert.deepEqual(recall, [0.5, 2 / 3, 0]);
    assert.deepEqual(precision, [0.5, 0.5, null]);
  });

  test('a cell lists exactly its images, the most confident first', () => {
    const data = { labels, predicted, probabilities };
    assert.deepEqual(cellIndices(data, 3, 1, 1), [2, 3]); // 0.8 before 0.7
    assert.deepEqual(cellIndices(data, 3, 2, 1), [5]);
    assert.deepEqual(cellIndices(data, 3, 2, 2), []);
    assert.ok(sameCounts(Int32Array.of(1, 2), Int32Array.of(1, 2)));
    assert.ok(!sameCounts(Int32Array.of(1, 2), Int32Array.of(2, 1)));
  });
});

describe('share.js', () => {
  const dims = { inputSize: 784, classes: 10, trainSize: 50000 };

  test('a link carries the form and reads back to the same values', () => {
    const values = { layers: '784-80-40-20-10', activation: 'sigmoid', learningRate: '0.001', epochs: '5' };
    const q = shareQuery(values, ['layers', 'activation', 'learningRate', 'epochs'], { experiment: 'depth' });
    assert.equal(q, 'layers=784-80-40-20-10&activation=sigmoid&learningRate=0.001&epochs=5&experiment=depth');
    const r = readShareQuery(`?${q}`, schema, FORM, dims, { experiments: ['width', 'depth'] });
    assert.deepEqual(r.values, values);
    assert.deepEqual(r.errors, []);
    assert.equal(r.experiment, 'depth');
    assert.equal(readShareQuery('', schema, FORM, dims), null);
  });

  test('bad, out-of-range and unknown parameters are reported one by one, and not applied', () => {
    const r = readShareQuery(
      '?learningRate=-1&batchSize=abc&layers=784-20-9&activation=softsign&colour=red&seed=3&experiment=nope&seed=4',
      schema,
      FORM,
      dims,
      {
        experiments: ['width'],
      },
    );
    assert.deepEqual(r.values, { seed: '3' });
    const by = Object.fromEntries(r.errors.map((e) => [e.param, e.message]));
    assert.match(by.learningRate, /learning rate must be in \(0, 100\]/);
    assert.match(by.batchSize, /must be a (whole )?number/);
    assert.match(by.layers, /last size must be 10/);
    assert.match(by.activation, /Choose one of sigmoid, tanh, relu/);
    assert.match(by.colour, /not a setting of this page/);
    assert.match(by.experiment, /no experiment “nope”/);
    assert.equal(r.errors.filter((e) => e.param === 'seed').length, 1, 'a repeated parameter is reported');
  });
});

describe('export.js', () => {
  function sampleRun(number = 1) {
    const run = createRun({
      config: { layers: [784, 20, 10], activation: 'sigmoid', learningRate: 0.001, batchSize: 128 },
      number,
      source: 'MNIST',
    });
    appendChunk(run, {
      epochIndex: 0,
      firstBatch: 1,
      batchesPerEpoch: 2,
      batchLoss: [1.5, 1.2],
      batchAccuracy: [0.3, 0.5],
      epoch: 1,
      batchInEpoch: 0,
      step: 2,
      runMs: 900,
    });
    addEpoch(run, {
      epoch: 1,
      step: 2,
      train: { loss: 1.3, accuracy: 0.4, count: 256 },
      validation: { loss: 1.1, accuracy: 0.55, count: 100 },
      test: { loss: 1.0, accuracy: 0.6, count: 100 },
      confusion: new Int32Array(100),
      classes: 10,
      runMs: 1234,
    });
    return run;
  }

  test('CSV: one row per run × epoch with the configuration and every split, parseable', () => {
    const rows = parseCsv(runsToCsv([sampleRun(1), { ...sampleRun(2), label: 'a "quoted", label' }], schema));
    assert.deepEqual(rows[0], csvColumns(schema));
    assert.equal(rows.length, 3);
    const col = (name) => rows[0].indexOf(name);
    assert.equal(rows[1][col('layers')], '784-20-10');
    assert.equal(rows[1][col('test_accuracy')], '0.6');
    assert.equal(rows[1][col('validation_loss')], '1.1');
    assert.equal(rows[1][col('elapsed_s')], '1.234');
    assert.equal(rows[2][col('label')], 'a "quoted", label');
  });

  test('JSON round trip restores the runs; a bad file says what is wrong', () => {
    const text = runsToJson([sampleRun(1)]);
    const [back] = parseRunsJson(text, schema, { nextNumber: 7 });
    assert.equal(back.number, 7);
    assert.equal(back.label, 'Run 1');
    assert.deepEqual(
      back.epochs.map((e) => e.test),
      [{ loss: 1.0, accuracy: 0.6, count: 100 }],
    );
    assert.deepEqual(back.x, [0.5, 1]);
    assert.equal(back.emaLoss.length, 2);
    assert.equal(back.config.optimizer, 'sgd', 'fields left out take the defaults');
    const bad = (doc) =>
      assert.throws(() => parseRunsJson(typeof doc === 'string' ? doc : JSON.stringify(doc), schema), ImportError);
    bad('{not json');
    bad({ format: 'other' });
    bad({ format: 'mnist-mlp-runs', version: 1, runs: [] });
    const doc = JSON.parse(text);
    doc.runs[0].epochs[0].test.accuracy = 3;
    assert.throws(
      () => parseRunsJson(JSON.stringify(doc), schema),
      /run 1 \(“Run 1”\): epochs\[0\]\.test\.accuracy must be a number between 0 and 1/,
    );
    doc.runs[0].epochs[0].test.accuracy = 0.5;
    doc.runs[0].config.learningRate = -2;
    assert.throws(
      () => parseRunsJson(JSON.stringify(doc), schema),
      /config\.learningRate: The learning rate must be in/,
    );
  });

  test('JSON export carries the dynamics, each record’s batch size, loss, gradient and step norms; import reads them back', () => {
    const run = sampleRun(1);
    const layer = (steps) => ({
      gradNorm: Float32Array.from(steps, (s) => s),
      updateRatio: Float32Array.from(steps, () => 0.5),
      activationMean: Float32Array.from(steps, () => 0.25),
      activationStd: Float32Array.from(steps, () => 0.125),
      saturated: Float32Array.from(steps, () => 0),
    });
    appendDynamics(run, {
      steps: Int32Array.from([1, 2]),
      layers: [layer([1, 2]), layer([1, 2])],
      batchSize: Int32Array.from([128, 64]),
      loss: Float32Array.from([1.5, 1.25]),
      gradNorm: Float32Array.from([3, 2]),
      stepNorm: Float32Array.from([0.5, 0.25]),
    });
    appendDynamics(run, { steps: Int32Array.from([3]), layers: [layer([3]), layer([3])] });
    const doc = JSON.parse(runsToJson([run]));
    assert.deepEqual(doc.runs[0].dynamics.steps, [1, 2, 3]);
    assert.deepEqual(doc.runs[0].dynamics.batchSize, [128, 64, null], 'a value not recorded is null');
    assert.deepEqual(doc.runs[0].dynamics.stepNorm, [0.5, 0.25, null]);
    assert.deepEqual(doc.runs[0].dynamics.layers[1].gradNorm, [1, 2, 3]);
    const [back] = parseRunsJson(JSON.stringify(doc), schema);
    assert.deepEqual(back.dynamics, run.dynamics);
    doc.runs[0].dynamics.loss = [1];
    assert.throws(
      () => parseRunsJson(JSON.stringify(doc), schema),
      /run 1 \(“Run 1”\): dynamics\.loss must be a list as long as steps \(3\)/,
    );
  });

  test('a chart as SVG has one path per series and its legend', () => {
    const svg = chartSvg({
      title: 'Loss',
      xLabel: 'epoch',
      yLabel: 'loss',
      series: [
        { label: 'Test', colour: '#0072B2', xs: [1, 2, 3], ys: [1, null, 0.5] },
        { label: 'Train', colour: '#E69F00', dash: [4, 2], xs: [1, 2], ys: [2, 1] },
      ],
    });
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.equal((svg.match(/<path /g) ?? []).length, 2);
    assert.match(svg, /stroke-dasharray="4 2"/);
    assert.match(svg, />Test</);
  });
});
