// The Backprop view's reading of a trace (web/page/backprop/backprop.js and
// step_figures.js's gradientInto), on real traces from the engine: the steps
// follow Fig. 1's order for any depth, the slopes g′(a) the page reads off the
// engine's numbers are the activation's derivative, the verdicts' thresholds,
// the first layer's mosaic puts every weight in one place and gaps between,
// and the sentences on the initial loss and the layers' speeds.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import {
  backpropSteps,
  FIG1,
  initialLossText,
  learningSpeeds,
  pixelName,
  slopes,
  speedText,
  tileMosaic,
  verdict,
} from '../../web/page/backprop/backprop.js';
import { gradientInto } from '../../web/page/backprop/step_figures.js';
import { syntheticMnist } from '../support/synthetic_mnist.mjs';
import { createTestEngine } from '../wasm/support.mjs';

const sigmoid = (a) => 1 / (1 + Math.exp(-a));
const DERIVATIVE = {
  sigmoid: (a) => sigmoid(a) * (1 - sigmoid(a)),
  tanh: (a) => 1 - Math.tanh(a) ** 2,
  relu: (a) => (a > 0 ? 1 : 0),
};

describe('a real trace, read as the view reads it', () => {
  let engine;
  let data;
  before(async () => {
    engine = await createTestEngine();
    data = syntheticMnist({ train: 600, validation: 100, test: 50, seed: 5 });
    engine.loadData(data);
  });

  /** A trained trainer's trace of test image 3, with its pixels in [0, 1]. */
  function traceOf(config) {
    const trainer = engine.createTrainer(config);
    trainer.trainBatches(20);
    // IDX files: 16 header bytes before the pixels, 8 before the labels.
    const image = Float32Array.from(data.testImages.subarray(16 + 3 * 784, 16 + 4 * 784), (v) => v / 255);
    const trace = trainer.traceBackprop(image, data.testLabels[8 + 3]);
    trainer.delete();
    return { trace, image };
  }

  for (const layers of [
    [784, 10],
    [784, 30, 20, 10],
    [784, 16, 16, 16, 10],
  ])
    test(`the steps of ${layers.join('-')} follow the forward pass, then Fig. 1 for k = K … 1`, () => {
      const { trace } = traceOf({ layers, seed: 1 });
      const K = layers.length - 1;
      const steps = backpropSteps(trace);
      assert.equal(steps.length, K + 1 + 4 * K);
      assert.deepEqual(
        steps.slice(0, K).map((s) => [s.kind, s.layer]),
        Array.from({ length: K }, (_, i) => ['forward', i + 1]),
      );
      assert.deepEqual(steps[K], { kind: 'output', layer: K, line: 0 });
      const back = steps.slice(K + 1);
      for (let j = 0; j < K; j++)
        assert.deepEqual(
          back.slice(4 * j, 4 * j + 4).map((s) => [s.kind, s.layer, FIG1[s.line]]),
          [
            ['activation', K - j, FIG1[2]],
            ['bias', K - j, FIG1[3]],
            ['weights', K - j, FIG1[4]],
            ['input', K - j, FIG1[5]],
          ],
        );
    });

  for (const activation of ['sigmoid', 'tanh', 'relu'])
    test(`the slopes read off the trace are ${activation}′(a) of every hidden unit`, () => {
      const { trace, image } = traceOf({ layers: [784, 24, 12, 10], activation, loss: 'softmax-ce', seed: 2 });
      const ctx = {
        trace,
        pixels: image,
        image: { rows: 28, cols: 28 },
        activation,
        loss: 'softmax-ce',
        className: String,
      };
      let compared = 0;
      for (const k of [1, 2]) {
        const b = trace.backward.find((x) => x.layer === k);
        const g = slopes(gradientInto(ctx, k), b.gA);
        trace.forward[k - 1].a.forEach((a, i) => {
          if (Number.isNaN(g[i])) return; // G was 0 there: no slope to read
          assert.ok(Math.abs(g[i] - DERIVATIVE[activation](a)) < 1e-9, `layer ${k} unit ${i}: ${g[i]} vs ${a}`);
          compared++;
        });
      }
      assert.ok(compared >= 30, `compared ${compared} units`);
    });

  test('at a sigmoid output G starts as ∂L/∂ŷ and ends as ŷ − y, σ′ between them', () => {
    const { trace, image } = traceOf({ layers: [784, 20, 10], seed: 3 });
    const ctx = {
      trace,
      pixels: image,
      image: { rows: 28, cols: 28 },
      activation: 'sigmoid',
      loss: 'sigmoid-bce',
      className: String,
    };
    const d = trace.derivation;
    assert.equal(gradientInto(ctx, 2), d.dLDyHat);
    const out = trace.backward[0];
    const g = slopes(d.dLDyHat, out.gA);
    g.forEach((s, j) => assert.ok(Math.abs(s - d.sigmaPrime[j]) < 1e-9, `class ${j}`));
    out.gA.forEach((v, j) => assert.ok(Math.abs(v - (d.yHat[j] - d.y[j])) < 1e-12));
  });

  test('the expected initial loss is the engine’s, and the sentence says whether the first batch agrees', () => {
    const bce = engine.expectedInitialLoss({ layers: [784, 20, 10] });
    const ce = engine.expectedInitialLoss({ layers: [784, 20, 10], loss: 'softmax-ce' });
    assert.ok(Math.abs(bce - 10 * Math.LN2) < 1e-12);
    assert.ok(Math.abs(ce - Math.LN10) < 1e-12);
    const trainer = engine.createTrainer({ layers: [784, 20, 10], seed: 1 });
    const first = trainer.trainBatches(1).batchLoss[0];
    trainer.delete();
    const text = initialLossText(first, bce, { loss: 'sigmoid-bce', init: 'gaussian' });
    assert.match(text, /10 · ln 2 ≈ 6\.93/);
    assert.match(
      text,
      Math.abs(first - bce) <= 0.2 * bce ? /They agree/ : /They disagree \(\S+ %\): the initial weights N\(0, 1\)/,
    );
    assert.match(initialLossText(2.31, ce, { loss: 'softmax-ce', init: 'xavier' }), /ln 10 ≈ 2\.30 .* They agree/);
    assert.match(initialLossText(9.5, ce, { loss: 'softmax-ce', init: 'xavier' }), /They disagree \(313 %\)/);
    assert.equal(initialLossText(undefined, ce, { loss: 'softmax-ce', init: 'xavier' }), null);
  });
});

test('verdicts: below 1e-7 excellent, below 1e-4 good, below 1e-2 suspicious, else (and NaN) wrong', () => {
  assert.deepEqual(
    [0, 9.9e-8, 1e-7, 9.9e-5, 1e-4, 9.9e-3, 1e-2, 0.5, NaN, Infinity].map((e) => verdict(e).word),
    ['excellent', 'excellent', 'good', 'good', 'suspicious', 'suspicious', 'wrong', 'wrong', 'wrong', 'wrong'],
  );
});

test('the first layer’s mosaic holds every weight once, at the unit and pixel at() names, with gaps between', () => {
  const image = { rows: 3, cols: 4 };
  const units = 5;
  const values = Float64Array.from({ length: units * 12 }, (_, i) => i + 1);
  const m = tileMosaic(values, units, image);
  assert.deepEqual([m.rows, m.cols], [2 * 4 - 1, 3 * 5 - 1]); // 3 tiles a row, 2 rows, 1-cell gaps
  const seen = new Set();
  for (let i = 0; i < m.values.length; i++) {
    const at = m.at(i);
    if (at === null) {
      assert.ok(Number.isNaN(m.values[i]), `cell ${i} is a gap`);
      continue;
    }
    assert.equal(m.values[i], values[at.unit * 12 + at.pixel]);
    seen.add(at.unit * 12 + at.pixel);
  }
  assert.equal(seen.size, values.length);
});

test('pixels are named from 1, row then column', () => {
  assert.equal(pixelName(0, 28), 'pixel (row 1, column 1)');
  assert.equal(pixelName(28 * 5 + 13, 28), 'pixel (row 6, column 14)');
});

test('the layers’ speeds: the median of the latest update ratios, and which layer is slowest by how much', () => {
  const dynamics = {
    layers: [
      { updateRatio: [9, 9, 1e-4, 2e-4, 3e-4] }, // the old values fall out of a window of 3
      { updateRatio: [1e-3, 2e-3, 3e-3, 4e-3] },
      { updateRatio: [] },
    ],
  };
  const speeds = learningSpeeds(dynamics, 3);
  assert.deepEqual(
    speeds.slice(0, 2).map((s) => +s.toPrecision(3)),
    [2e-4, 3e-3],
  );
  assert.equal(speeds[2], null);
  const text = speedText(speeds, (k) => `layer ${k + 1}`);
  assert.match(text, /layer 1 changes slowest .* 15× more slowly than layer 2/);
  assert.match(
    speedText([1e-3, 1.2e-3], (k) => `layer ${k + 1}`),
    /similar pace/,
  );
  assert.equal(
    speedText([1e-3, null], (k) => `layer ${k + 1}`),
    null,
  );
});
