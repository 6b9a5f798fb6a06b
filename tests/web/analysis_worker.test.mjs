// web/worker/analysis.js with a fake engine: the analyse request's parts are
// the engine's answers, each part only when asked for; the range test runs
// on the trainer with the options given (the engine's defaults otherwise).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { REQUESTS } from '../../web/shared/protocol.js';
import { analyse, lrFindSummary, rangeTest, rangeTestBusyMs } from '../../web/worker/analysis.js';
import { FakeTrainer, fakeClock } from './fake_trainer.mjs';

function fakeEngine() {
  const calls = [];
  return {
    calls,
    spikeRule: () => ({ threshold: 0.02, after: 0.7 }),
    detectSpikes(accuracies) {
      calls.push(['detectSpikes', accuracies]);
      return accuracies.flatMap((a, i) =>
        i > 0 && Math.abs(a - accuracies[i - 1]) > 0.02 ? [{ epoch: i + 1, change: a - accuracies[i - 1] }] : [],
      );
    },
    trainingCost(layers) {
      calls.push(['trainingCost', layers]);
      const parameters = layers.slice(1).reduce((n, out, k) => n + out * (layers[k] + 1), 0);
      return { parameters, flopsPerSample: 6 * parameters };
    },
    paretoFront(points) {
      calls.push(['paretoFront', points]);
      return Int32Array.from([0, 2]);
    },
    paretoKnee(points, minGain) {
      calls.push(['paretoKnee', points, minGain]);
      return { index: 2, gainPerDoublingNext: null };
    },
  };
}

test('analyse: each part asked for is the engine’s answer; nothing else is computed', () => {
  const engine = fakeEngine();
  const points = [
    { cost: 1, value: 0.8 },
    { cost: 2, value: 0.7 },
    { cost: 4, value: 0.9 },
  ];
  const answer = analyse(engine, {
    spikes: [
      [0.5, 0.6, 0.61],
      [0.9, 0.9],
    ],
    costs: [[784, 20, 10]],
    pareto: { points, minGainPerDoubling: 0.005 },
  });
  assert.deepEqual(answer, {
    spikes: [[{ epoch: 2, change: 0.09999999999999998 }], []],
    costs: [{ parameters: 15910, flopsPerSample: 95460 }],
    pareto: { front: [0, 2], knee: { index: 2, gainPerDoublingNext: null } },
  });
  assert.equal(REQUESTS.analyse.answer.check(answer, 'analyse answer'), null, 'as the protocol has it');
  assert.deepEqual(
    engine.calls.map((c) => c[0]),
    ['detectSpikes', 'detectSpikes', 'trainingCost', 'paretoFront', 'paretoKnee'],
  );
  assert.equal(engine.calls.at(-1)[2], 0.005);
  const only = fakeEngine();
  assert.deepEqual(analyse(only, { costs: [[4, 2]] }), { costs: [{ parameters: 10, flopsPerSample: 60 }] });
  assert.deepEqual(
    only.calls.map((c) => c[0]),
    ['trainingCost'],
  );
});

test('the range test runs on the trainer with the options given; the item keeps its curve, pick and reason', () => {
  const trainer = new FakeTrainer(fakeClock());
  const r = rangeTest(trainer, { batches: 5 });
  assert.deepEqual(trainer.rangeTests, [{ start: 1e-5, end: 1, batches: 5 }]);
  assert.equal(REQUESTS.lrRangeTest.answer.check(r, 'lrRangeTest answer'), null);
  rangeTest(trainer);
  assert.equal(trainer.rangeTests[1].batches, 9, 'the engine’s default when none is asked for');
  assert.deepEqual(Object.keys(lrFindSummary(r)), ['rates', 'smoothed', 'pick', 'reason']);
  assert.equal(
    rangeTestBusyMs({ batches: 100, batchSize: 128, parameters: 15910 }),
    1000 + (3 * 100 * 128 * 15910 * 6) / 1e6,
  );
});
