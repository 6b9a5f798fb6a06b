// The core's analysis functions through the engine (core/spike_detector,
// training_cost, pareto, lr_range_test): the same constructed inputs as
// tests/core give the same answers, bad inputs are refused with the core's
// message, and the range test leaves its trainer as it was.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { syntheticMnist } from '../support/synthetic_mnist.mjs';
import { createTestEngine, thrown } from './support.mjs';

/** 40 epochs at a plateau. */
const plateau = (level = 0.9, epochs = 40) => new Array(epochs).fill(level);

describe('analysis through the engine', () => {
  let engine;

  before(async () => {
    engine = await createTestEngine();
  });

  test('spikeRule: the core default, 2 points after 10 epochs', () => {
    assert.deepEqual(engine.spikeRule(), { threshold: 0.02, after: 10 });
  });

  test('detectSpikes: a drop and its recovery, steady rises, noise, early jumps, exactly the threshold', () => {
    const drop = plateau();
    drop[24] = 0.8;
    const spikes = engine.detectSpikes(drop);
    assert.deepEqual(
      spikes.map((s) => s.epoch),
      [25, 26],
    );
    assert.ok(Math.abs(spikes[0].change + 0.1) < 1e-12 && Math.abs(spikes[1].change - 0.1) < 1e-12);
    assert.deepEqual(engine.detectSpikes(Array.from({ length: 60 }, (_, e) => 0.1 + 0.015 * e)), []);
    assert.deepEqual(engine.detectSpikes(plateau().map((a, i) => a + (i % 2 ? 0.009 : -0.009))), []);
    const early = plateau();
    early[4] = 0.5;
    assert.deepEqual(engine.detectSpikes(early), []);
    assert.equal(engine.detectSpikes(early, { after: 0 }).length, 2);
    const exact = plateau(0.5);
    exact[19] = 0.625;
    assert.deepEqual(engine.detectSpikes(exact, { threshold: 0.125 }), []);
    exact[19] = 0.625 + 2 ** -20;
    assert.equal(engine.detectSpikes(Float64Array.from(exact), { threshold: 0.125 }).length, 2);
    const gaps = plateau();
    gaps[20] = gaps[21] = NaN;
    gaps[22] = 0.85;
    assert.deepEqual(
      engine.detectSpikes(gaps).map((s) => s.epoch),
      [23, 24],
    );
  });

  test('detectSpikes refuses what is not a curve or a rule', () => {
    assert.match(thrown(() => engine.detectSpikes('nope')).message, /accuracies must be an array of numbers/);
    assert.match(thrown(() => engine.detectSpikes([0.5, 'x'])).message, /accuracies\[1\] must be a number/);
    const bad = thrown(() => engine.detectSpikes(plateau(), { threshold: -1 }));
    assert.equal(bad.kind, 'ConfigError');
    assert.match(bad.message, /spike threshold/);
    assert.match(
      thrown(() => engine.detectSpikes(plateau(), { limit: 1 })).message,
      /unknown spike rule field 'limit'/,
    );
  });

  test('trainingCost: the hand counts of the report’s two networks', () => {
    assert.deepEqual(engine.trainingCost([784, 20, 10]), { parameters: 15910, flopsPerSample: 63920 });
    assert.deepEqual(engine.trainingCost([784, 80, 40, 20, 10]), { parameters: 67070, flopsPerSample: 276080 });
    assert.equal(engine.trainingCost([784, 20, 10]).parameters, engine.parameterCount([784, 20, 10]));
    assert.match(thrown(() => engine.trainingCost([784, 0, 10])).message, /layer 1 has size 0/);
  });

  test('paretoFront and paretoKnee: dominated points, ties, a clear knee', () => {
    const points = [
      { cost: 4, value: 0.95 },
      { cost: 1, value: 0.8 },
      { cost: 2, value: 0.79 },
      { cost: 2, value: 0.9 },
      { cost: 8, value: 0.95 },
      { cost: 3, value: 0.9 },
    ];
    assert.deepEqual(engine.paretoFront(points), [1, 3, 0]);
    assert.deepEqual(
      engine.paretoFront([
        { cost: 2, value: 0.9 },
        { cost: 1, value: 0.5 },
        { cost: 2, value: 0.9 },
      ]),
      [1, 0],
    );
    const doubling = [
      [1, 0.8],
      [2, 0.9],
      [4, 0.95],
      [8, 0.954],
      [16, 0.956],
    ].map(([cost, value]) => ({ cost, value }));
    const knee = engine.paretoKnee(doubling, 0.01);
    assert.equal(knee.index, 2);
    assert.ok(Math.abs(knee.gainPerDoublingNext - 0.004) < 1e-9);
    const all = engine.paretoKnee(doubling, 0.001);
    assert.equal(all.index, 4);
    assert.ok(Number.isNaN(all.gainPerDoublingNext));
    assert.deepEqual(engine.paretoKnee([{ cost: 1, value: 1 }], 0.01), { index: -1, gainPerDoublingNext: 0 });
    assert.match(thrown(() => engine.paretoFront([{ cost: 1 }])).message, /points\[0\]\.value must be a number/);
    assert.match(thrown(() => engine.paretoFront([{ cost: 1, value: NaN }])).message, /not a finite number/);
  });

  test('pickLearningRate: the steepest fall of a sigmoid-shaped curve, before its blow-up', () => {
    const rates = Array.from({ length: 100 }, (_, i) => 1e-6 * 1e7 ** (i / 99));
    const loss = rates.map((r) => {
      const x = Math.log10(r);
      return 2.3 - 2 / (1 + Math.exp(-3 * (x + 3))) + (x > -1 ? Math.exp(5 * (x + 1)) - 1 : 0);
    });
    const p = engine.pickLearningRate(rates, loss);
    assert.ok(p.pickIndex >= 41 && p.pickIndex <= 44, `pick index ${p.pickIndex}`);
    assert.equal(p.pick, rates[p.pickIndex]);
    assert.match(p.reason, /falls fastest/);
    const fallback = engine.pickLearningRate([1e-3, 1e-2, 1e-1, 1, 10, 100], [1, 2, 3, 4, 5, 6]);
    assert.ok(Math.abs(fallback.pick - 1e-4) < 1e-12);
    assert.match(thrown(() => engine.pickLearningRate([1, 2], [1])).message, /differ in length/);
  });

  test('clipNorm: every SGD step of a tiny clip moves by η·clip; the records say so', () => {
    engine.loadData(syntheticMnist({ train: 600, validation: 100, test: 100 }));
    const trainer = engine.createTrainer({ layers: [784, 16, 10], learningRate: 0.1, clipNorm: 1e-3, batchSize: 16 });
    assert.equal(trainer.config().clipNorm, 1e-3);
    trainer.setDynamics(1);
    trainer.trainBatches(3);
    const d = trainer.takeDynamics();
    assert.deepEqual([...d.batchSize], [16, 16, 16]);
    for (let i = 0; i < 3; i++) {
      assert.ok(Math.abs(d.gradNorm[i] / 1e-3 - 1) < 1e-3, `gradNorm ${d.gradNorm[i]}`);
      assert.ok(Math.abs(d.stepNorm[i] / 1e-4 - 1) < 1e-3, `stepNorm ${d.stepNorm[i]}`);
    }
    trainer.setOptimizer({ clipNorm: 0 });
    assert.equal(trainer.config().clipNorm, 0);
    assert.equal(thrown(() => engine.createTrainer({ clipNorm: -1 })).kind, 'ConfigError');
    trainer.delete();
  });

  test('lrRangeTest: a curve, a pick among its rates, the trainer untouched; bad options refused', () => {
    engine.loadData(syntheticMnist({ train: 600, validation: 100, test: 100 }));
    const trainer = engine.createTrainer({ layers: [784, 16, 10], learningRate: 0.1, seed: 4, batchSize: 16 });
    trainer.trainBatches(3);
    const before = trainer.save();
    const defaults = engine.lrRangeDefaults();
    assert.deepEqual(defaults, { start: 1e-6, end: 10, batches: 200, smoothing: 0.98, stopFactor: 4 });
    const r = trainer.lrRangeTest({ batches: 40 });
    assert.ok(r.rates instanceof Float64Array && r.rates.length > 0 && r.rates.length <= 40);
    assert.equal(r.losses.length, r.rates.length);
    assert.equal(r.smoothed.length, r.rates.length);
    assert.equal(r.rates[0], defaults.start);
    assert.equal(r.pick, r.rates[r.pickIndex]);
    assert.equal(typeof r.reason, 'string');
    assert.deepEqual(engine.pickLearningRate(r.rates, r.smoothed), {
      pick: r.pick,
      pickIndex: r.pickIndex,
      reason: r.reason.split('; stopped early')[0],
    });
    assert.deepEqual(trainer.save(), before);
    const bad = thrown(() => trainer.lrRangeTest({ start: 1, end: 0.1 }));
    assert.equal(bad.kind, 'ConfigError');
    assert.match(bad.message, /must be below its end rate/);
    assert.match(thrown(() => trainer.lrRangeTest({ batches: 5 })).message, /batches must be between 10/);
    assert.match(thrown(() => trainer.lrRangeTest({ rate: 1 })).message, /unknown range test field 'rate'/);
    trainer.delete();
  });
});
