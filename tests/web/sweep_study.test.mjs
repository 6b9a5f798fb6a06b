// Unit tests for web/page/report/sweep_study.js: the sweep's variants and
// queue, its points from run records (seeds grouped, equal epochs, costs),
// and the knee's sentence from a fake analysis that front-and-knees the
// points as the engine's core/pareto.hpp does.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { planQueue } from '../../web/page/report/experiment_plan.js';
import {
  SWEEP_EPOCHS,
  SWEEP_ID,
  SWEEP_THRESHOLD,
  kneeSentence,
  measureSweep,
  parseGrid,
  setSweepGrid,
  sweepGrid,
  sweepPoints,
  sweepVariants,
  withCosts,
} from '../../web/page/report/sweep_study.js';
import { engineTables } from './report_runs.mjs';

const tables = await engineTables();

/** The engine's cost counts of a dense sigmoid MLP (tests/wasm/analysis.test.mjs checks the engine's own). */
const cost = (layers) => {
  let parameters = 0;
  let flops = 0;
  for (let k = 1; k < layers.length; k++) {
    const w = layers[k - 1] * layers[k];
    parameters += w + layers[k];
    flops += 2 * w /* forward */ + 2 * w /* ∇W */ + (k > 1 ? 2 * w : 0); /* G back */
  }
  return { parameters, flopsPerSample: flops };
};

/** Front and knee as core/pareto.hpp defines them. */
function pareto(points, minGain) {
  const order = points
    .map((_, i) => i)
    .sort((a, b) => points[a].cost - points[b].cost || points[b].value - points[a].value);
  const front = [];
  for (const i of order) if (!front.length || points[i].value > points[front.at(-1)].value) front.push(i);
  if (front.length < 2) return { front, knee: { index: -1, gainPerDoublingNext: 0 } };
  for (let k = 0; k + 1 < front.length; k++) {
    const [a, b] = [points[front[k]], points[front[k + 1]]];
    const gain = (b.value - a.value) / Math.log2(b.cost / a.cost);
    if (gain < minGain) return { front, knee: { index: front[k], gainPerDoublingNext: gain } };
  }
  return { front, knee: { index: front.at(-1), gainPerDoublingNext: NaN } };
}
const fakeAnalysis = () => {
  const calls = { costs: 0, pareto: 0 };
  return {
    calls,
    costs: async (list) => (calls.costs++, list.map(cost)),
    pareto: async (points, minGain) => (calls.pareto++, pareto(points, minGain)),
  };
};

let number = 0;
/** A finished (or not) run of the sweep: test accuracy `acc` after its last epoch, `seconds` of training. */
function sweepRun({ w, d, acc, seed = 1, seconds = 1, epochs = 3, reading = 'report-code', trained = epochs }) {
  number++;
  const layers = [784, ...Array.from({ length: d }, () => w), 10];
  return {
    id: `run-${number}`,
    createdAt: number,
    config: { layers },
    runMs: seconds * 1000 + 50 * trained, // training, and 50 ms of evaluation an epoch
    experiment: { experiment: SWEEP_ID, key: `w${w}-d${d}`, reading, seed, epochs },
    epochs: Array.from({ length: trained }, (_, i) => ({
      epoch: i + 1,
      evalMs: 50,
      test: i + 1 === epochs ? { accuracy: acc, loss: 0.1, count: 10000 } : null,
    })),
  };
}

test('the sweep’s variants: every width at every depth, equal hidden layers, the report’s η; a queue of them', () => {
  const v = sweepVariants({ widths: [20, 80], depths: [1, 3] }, { inputSize: 784, classes: 10 });
  assert.deepEqual(
    v.map((x) => [x.key, x.hidden]),
    [
      ['w20-d1', [20]],
      ['w80-d1', [80]],
      ['w20-d3', [20, 20, 20]],
      ['w80-d3', [80, 80, 80]],
    ],
  );
  assert.equal(v[3].label, '784-80-80-80-10, η = 0.001');
  assert.deepEqual(v[0].overrides, { learningRate: 0.001 });
  assert.deepEqual(sweepGrid(), { widths: [20, 40, 80, 160, 320], depths: [1, 2, 3] });
  const items = planQueue({
    experiment: SWEEP_ID,
    readings: ['report-code'],
    epochs: SWEEP_EPOCHS,
    seeds: 2,
    ...tables,
    dims: {},
  });
  assert.equal(items.length, 30);
  assert.deepEqual(items[14].config.layers, [784, 320, 320, 320, 10]);
  assert.ok(
    items.every(
      (i) => (i.epochs === SWEEP_EPOCHS && i.evaluate.last.includes('test')) || i.evaluate.each.includes('test'),
    ),
  );
  assert.deepEqual([items[0].seed, items[15].seed], [1, 2]);
  // A smaller grid from the panel's fields: the next queue trains it.
  const parsed = parseGrid('40, 20 20', '2');
  assert.deepEqual(parsed, { grid: { widths: [20, 40], depths: [2] } });
  setSweepGrid(/** @type {any} */ (parsed).grid);
  try {
    const small = planQueue({ experiment: SWEEP_ID, readings: ['proper-sum'], epochs: 2, ...tables, dims: {} });
    assert.deepEqual(
      small.map((i) => i.config.layers.join('-')),
      ['784-20-20-10', '784-40-40-10'],
    );
    assert.equal(small[0].config.gradient, 'sum');
  } finally {
    setSweepGrid({ widths: [20, 40, 80, 160, 320], depths: [1, 2, 3] });
  }
  assert.match(
    /** @type {any} */ (parseGrid('20 x', '1')).error,
    /each width must be a whole number from 1 to 2048, got 'x'/,
  );
  assert.match(/** @type {any} */ (parseGrid('20', '0')).error, /each depth must be/);
  assert.match(/** @type {any} */ (parseGrid('', '1')).error, /at least one width/);
});

test('points: each network’s seeds grouped, test accuracy after the last epoch, training seconds, equal epochs only', () => {
  const runs = [
    sweepRun({ w: 20, d: 1, acc: 0.9, seed: 1, seconds: 2 }),
    sweepRun({ w: 20, d: 1, acc: 0.92, seed: 2, seconds: 4 }),
    sweepRun({ w: 40, d: 1, acc: 0.95, seed: 1 }),
    sweepRun({ w: 40, d: 2, acc: 0.5, trained: 2 }), // not finished: no point
    sweepRun({ w: 80, d: 1, acc: 0.99, epochs: 2 }), // an older sweep's epochs: left out
    {
      ...sweepRun({ w: 80, d: 1, acc: 0.99 }),
      experiment: { experiment: 'report', key: 'h80', reading: 'report-code' },
    },
  ];
  // The latest finished run's epochs count: the 3-epoch sweep.
  runs.push(sweepRun({ w: 40, d: 1, acc: 0.96, seed: 1 })); // seed 1 again: replaces the first
  const [r] = sweepPoints(runs);
  assert.equal(r.reading, 'report-code');
  assert.equal(r.epochs, 3);
  assert.deepEqual(
    r.points.map((p) => [p.name, p.seeds]),
    [
      ['784-20-10', 2],
      ['784-40-10', 1],
    ],
  );
  assert.deepEqual(r.points[0].accuracy, { mean: 91, min: 90, max: 92, n: 2 });
  assert.deepEqual(r.points[0].seconds, { mean: 3, min: 2, max: 4, n: 2 });
  assert.equal(r.points[1].accuracy.mean, 96);
  const [c] = withCosts(
    r.points,
    r.points.map((p) => cost(p.layers)),
  );
  assert.deepEqual([c.parameters, c.flopsPerSample], [15910, 63920]);
});

/** A grid whose one-layer nets gain 2, 1, 0.3, 0.1 points per doubling of width, deeper nets a little less. */
function grid(gains = [2, 1, 0.3, 0.1], seeds = [0]) {
  const runs = [];
  for (const d of [1, 2]) {
    let acc = 90 - d;
    [20, 40, 80, 160, 320].forEach((w, i) => {
      if (i > 0) acc += gains[i - 1];
      for (const [s, jitter] of seeds.entries())
        runs.push(sweepRun({ w, d, acc: (acc + jitter) / 100, seed: s + 1, seconds: (w * d) / 10 }));
    });
  }
  return runs;
}

test('the front, the knee and its sentence, per cost axis, from the runs', async () => {
  const analysis = fakeAnalysis();
  const [m] = await measureSweep(grid(), analysis);
  assert.equal(analysis.calls.costs, 1);
  assert.equal(analysis.calls.pareto, 3);
  assert.deepEqual(
    m.axes.flops.front.map((i) => m.points[i].name),
    ['784-20-10', '784-40-10', '784-80-10', '784-160-10', '784-320-10'],
  );
  // 784-80-10 → 784-160-10 doubles the FLOPs (almost) for 0.3 points: the first step below 0.5.
  assert.equal(m.points[m.axes.flops.knee.index].name, '784-80-10');
  const s = m.axes.flops.sentence;
  assert.match(
    s,
    /^Beyond 784-80-10 \(256 k FLOPs, 92\.00 %\), doubling the FLOPs per sample bought 0\.30 points < 0\.5: the next network on the front, 784-160-10 \(511 k FLOPs, 92\.30 %\), costs 1\.0 doublings more for 0\.30 points\. One seed each/,
  );
  assert.match(s, /On the front \(3 epochs each\): 784-20-10, .*784-320-10 — all with one hidden layer\.$/);
  assert.match(m.axes.parameters.sentence, /^Beyond 784-80-10 \(63\.6 k parameters, 92\.00 %\)/);
  assert.match(m.axes.seconds.sentence, /^Beyond 784-80-10 \(8\.00 s, 92\.00 %\)/);
});

test('the sentence changes with the data: every step paying, a knee elsewhere, seeds’ ranges, too few points', async () => {
  const paying = await measureSweep(grid([2, 1, 0.8, 0.6]), fakeAnalysis());
  assert.match(
    paying[0].axes.flops.sentence,
    /^Every step up the front bought at least 0\.5 points of test accuracy per doubling of FLOPs per sample, up to 784-320-10 \(1\.02 M FLOPs, 93\.40 %\); beyond it, none of the 1 costlier networks was more accurate: the best of them, 784-320-320-10 \(1\.64 M FLOPs, 92\.40 %\), was 1\.00 points below for 0\.7 doublings more\./,
  );
  const oneLayer = grid([2, 1, 0.8, 0.6]).filter((r) => r.config.layers.length === 3);
  assert.match(
    (await measureSweep(oneLayer, fakeAnalysis()))[0].axes.flops.sentence,
    /^Every step up the front bought at least 0\.5 .*, up to 784-320-10 \(1\.02 M FLOPs, 93\.40 %\), the costliest network: the knee lies beyond this grid\./,
  );
  // The cheapest network is the most accurate: nothing costlier paid.
  const flat = grid([-0.5, -0.5, -0.5, -0.5]);
  assert.match(
    (await measureSweep(flat, fakeAnalysis()))[0].axes.parameters.sentence,
    /^784-20-10 \(15\.9 k parameters, 89\.00 %\) is both the cheapest and the most accurate network; beyond it, none of the 9 costlier networks was more accurate: the best of them, 784-40-10 \(31\.8 k parameters, 88\.50 %\), was 0\.50 points below for 1\.0 doublings more\./,
  );
  const early = await measureSweep(grid([0.2, 1, 1, 1]), fakeAnalysis());
  assert.match(
    early[0].axes.flops.sentence,
    /^Beyond 784-20-10 \(63\.9 k FLOPs, 89\.00 %\), doubling the FLOPs per sample bought 0\.20 points/,
  );
  // A stricter rule moves the knee down the front.
  const strict = await measureSweep(grid(), fakeAnalysis(), { threshold: 1.5 });
  assert.match(strict[0].axes.flops.sentence, /^Beyond 784-40-10 .* bought 1\.00 points < 1\.5/);
  // Two seeds: ranges shown, and whether they overlap.
  const wide = await measureSweep(grid(undefined, [-0.5, 0.5]), fakeAnalysis());
  assert.match(wide[0].axes.flops.sentence, /92\.00 % \[91\.50–92\.50\] over 2 seeds/);
  assert.match(wide[0].axes.flops.sentence, /ranges over the seeds overlap/);
  const narrow = await measureSweep(grid(undefined, [-0.05, 0.05]), fakeAnalysis());
  assert.match(narrow[0].axes.flops.sentence, /do not overlap/);
  // Depth on the front.
  const deep = grid();
  deep.push(sweepRun({ w: 320, d: 2, acc: 0.99, seconds: 64 }));
  const [d] = await measureSweep(deep, fakeAnalysis()); // seed 1 of 784-320-320-10 again: the later run counts
  assert.match(d.axes.flops.sentence, /784-320-320-10 — with one hidden layer, 2 hidden layers\.$/);
  // Too few points.
  assert.equal(
    kneeSentence({ points: [], axis: 'flops', front: [], knee: { index: -1, gainPerDoublingNext: 0 }, epochs: 3 }),
    'The knee needs at least two networks of the sweep trained to the end (0 so far).',
  );
  assert.equal(SWEEP_THRESHOLD, 0.5);
});
