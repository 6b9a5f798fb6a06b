// Unit tests for web/page/report/report_claims.js: each claim of the report judged
// on measured runs, and the explanation computed from them.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { CLAIMS, RULES, measureClaims, spikesOf } from '../../web/page/report/report_claims.js';
import { engineTables, experimentRun } from './report_runs.mjs';

let tables;
before(async () => {
  tables = await engineTables();
});

// The whole report in one reading with these final training accuracies (rising linearly to them),
// the default network's final test accuracy, and optionally a jumpy 5-layer network.
function report(
  reading,
  { final, test = 0.9, epochs = 100, first = 1, spikes = [], images = 12_000, empty = 11, seed = 1 },
) {
  return Object.entries(final).map(([key, acc], k) =>
    experimentRun(tables, {
      key,
      reading,
      seed,
      epochs,
      number: first + k,
      images,
      empty,
      trainSet: (e, n) => {
        const base = acc - 0.05 * (1 - e / n);
        const jump = key === 'h80-40-20' ? (spikes.find((s) => s.epoch === e)?.change ?? 0) : 0;
        return base + jump;
      },
      test: (e, n) => (e === n ? (key === 'default' ? test : acc - 0.01) : null),
    }),
  );
}
const CODE = {
  default: 0.9,
  h40: 0.91,
  h80: 0.925,
  'h80-40': 0.92,
  'h80-40-20': 0.915,
  'lr1e-4': 0.885,
  'lr1e-5': 0.7,
};
const MEAN = { default: 0.82, h40: 0.84, h80: 0.86, 'h80-40': 0.12, 'h80-40-20': 0.11, 'lr1e-4': 0.6, 'lr1e-5': 0.1 };
const measure = (runs) => measureClaims(runs, { presets: tables.presets });
const cell = (m, id, reading) => m.rows.find((r) => r.id === id).cells[reading];

test('each claim of the report, judged on the report’s code', () => {
  const m = measure(report('report-code', { final: CODE, test: 0.9015, spikes: [{ epoch: 80, change: 0.04 }] }));
  assert.deepEqual(m.readings, [{ name: 'report-code', label: "the report's code", seeds: 1 }]);
  assert.deepEqual(
    m.rows.map((r) => r.id),
    CLAIMS.map((c) => c.id),
  );
  const c = (id) => cell(m, id, 'report-code');
  const { text, holds, value, epochs, seeds } = c('default-test');
  assert.deepEqual(
    { text, holds, value, epochs, seeds },
    { text: '90.15 % (−0.10 points)', holds: true, value: 0.9015, epochs: 100, seeds: { held: 1, measured: 1 } },
  );
  assert.equal(c('width').text, '20 / 40 / 80 hidden: 90.00 / 91.00 / 92.50 %');
  assert.equal(c('width').holds, true);
  assert.equal(c('depth').text, '3 / 4 / 5 layers: 92.50 / 92.00 / 91.50 % (best gain −0.50 points)');
  assert.equal(c('depth').holds, true);
  // The 5-layer run's accuracy jumps by 4 points at epoch 80 and back at 81: two spikes.
  assert.equal(c('spikes').holds, true);
  assert.match(c('spikes').text, /^2 after epoch 70 \(80: \+4\.\d\d, 81: −3\.\d\d\)$/);
  assert.equal(c('lr-1e-4').text, '88.50 % (−1.50 points from 90 %)');
  assert.equal(c('lr-1e-4').holds, true);
  assert.equal(c('lr-1e-5').text, '70.00 % (η = 0.0001: 88.50 %)');
  assert.equal(c('lr-1e-5').holds, true);
  assert.deepEqual(m.score, { 'report-code': { holds: 6, measured: 6 } });
});

test('claims that do not hold, in the other reading; which reading is closer, in words from the numbers', () => {
  const runs = [
    ...report('report-code', { final: CODE, test: 0.9015 }),
    ...report('proper-mean', { final: MEAN, test: 0.8171, first: 20, images: 50_000, empty: 0 }),
  ];
  const m = measure(runs);
  assert.deepEqual(
    m.readings.map((r) => r.name),
    ['report-code', 'proper-mean'],
  );
  const p = (id) => cell(m, id, 'proper-mean');
  assert.deepEqual(
    [
      p('default-test').holds,
      p('width').holds,
      p('depth').holds,
      p('spikes').holds,
      p('lr-1e-4').holds,
      p('lr-1e-5').holds,
    ],
    [false, false, true, false, false, true],
  );
  assert.equal(p('default-test').text, '81.71 % (−8.54 points)');
  assert.match(p('spikes').text, /^none after epoch 70 \(largest change \+0\.\d\d points\)$/);
  assert.equal(cell(m, 'spikes', 'report-code').holds, false, 'a smooth curve has no spike');
  assert.deepEqual(m.score, { 'report-code': { holds: 5, measured: 6 }, 'proper-mean': { holds: 2, measured: 6 } });
  const text = m.explanation.join('\n');
  const code = "“the report's code”";
  const mean = '“done properly, mean gradient”';
  const has = (sentence) => assert.ok(text.includes(sentence), `${sentence}\n  not in\n${text}`);
  has(`“The report's code” is closer to the report: 5 of 6 of its claims hold there, against 2 of 6 in ${mean}.`);
  has(`compares with 90.15 % in ${code} (0.10 points away) and 81.71 % in ${mean} (8.54 points away).`);
  // The step: η × ½ against η / 128: 64 times less.
  has(
    `With η = 0.001, each step moves the weights by η × ½ = 0.0005 times each image’s gradient in ${code} and by η × 1/128 = 0.0000078 in ${mean}: 64 times less in ${mean} than in ${code}.`,
  );
  // What an epoch is: from the runs' own counts.
  has(
    `An epoch is, in ${code}, 23 slices of the first 3,000 training images, 11.0 of them empty: 12,000 images an epoch on average, some seen several times, others not at all; in ${mean}, 23 shuffled batches: 50,000 images an epoch, each once.`,
  );
  assert.match(
    text,
    /784-80-40-20-10’s training accuracy: in “the report's code” it never changed by more than 0\.\d\d points an epoch after epoch 70/,
  );
  has(
    `In ${code}, going from 20 to 80 hidden units changed the training accuracy by +2.50 points, going from 3 to 5 layers by −1.00 points.`,
  );
  assert.doesNotMatch(text, /trained \d+ epochs/, 'no note when the runs trained the report’s 100 epochs');
});

test('shorter runs say so; the spike window follows their epochs; missing runs are not measured', () => {
  const runs = report('report-code', {
    final: { default: 0.8, 'h80-40-20': 0.7 },
    epochs: 10,
    test: 0.85,
    spikes: [{ epoch: 8, change: 0.03 }],
  });
  const m = measure(runs);
  const c = (id) => cell(m, id, 'report-code');
  assert.equal(c('default-test').epochs, 10);
  assert.equal(c('spikes').holds, true);
  assert.match(c('spikes').text, /^2 after epoch 7 /);
  assert.deepEqual(
    [c('width').holds, c('depth').holds, c('lr-1e-4').holds, c('lr-1e-5').holds],
    [null, null, null, null],
  );
  assert.equal(c('width').text, '20 / 40 / 80 hidden: 80.00 / – / – %');
  assert.deepEqual(m.score, { 'report-code': { holds: 1, measured: 2 } });
  assert.match(
    m.explanation[0],
    /^These runs trained 10 epochs, the report 100: the numbers are after 10 epochs, and a spike is looked for after 70 % of a run’s epochs\.$/,
  );
  assert.match(m.explanation.join(' '), /Run the other reading to see which is closer/);
  assert.match(
    m.explanation.join(' '),
    /jumped by more than 2 points 2 times after epoch 7 \(largest \+3\.\d\d points at epoch 8\) — spikes like the report’s/,
  );
});

test('the spike rule: more than 2 points between consecutive epochs after 70 % of them', () => {
  const run = (accs) => ({
    epochs: accs.map((a, i) => ({ epoch: i + 1, trainSet: a == null ? null : { accuracy: a, loss: 0 } })),
  });
  assert.equal(RULES.spike, 0.02);
  // 10 epochs: epochs 8–10 are after 70 %.
  const s = spikesOf(run([0.5, 0.7, 0.9, 0.9, 0.9, 0.9, 0.9, 0.925, 0.92, 0.9]));
  assert.equal(s.after, 7);
  assert.deepEqual(
    s.spikes.map((x) => x.epoch),
    [8],
    'the jump at epoch 2 is before the window; 9 and 10 move 2 points or less',
  );
  assert.ok(Math.abs(s.spikes[0].change - 0.025) < 1e-12);
  assert.equal(s.largest.epoch, 8);
  // An epoch without a training-set evaluation breaks the comparison there.
  assert.deepEqual(spikesOf(run([0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, null, 0.99])).spikes, []);
  assert.equal(measure([]).rows.length, CLAIMS.length);
  assert.deepEqual(measure([]).explanation, []);
  // As many claims hold in both readings: the nearer test accuracy decides, and the sentence says so.
  const a = report('report-code', { final: CODE, test: 0.895 });
  const b = report('proper-sum', { final: CODE, test: 0.9, first: 20 });
  assert.match(
    measure([...a, ...b]).explanation.join(' '),
    /“Done properly, summed gradient” is a little closer to the report: as many of its claims hold \(5 of 6\), and its 784-20-10’s test accuracy is nearer the report’s\./,
  );
});

// Three seeds of the whole report in the report's code: seed s shifts every training accuracy by shift[s]
// and has its own test accuracy.
function seeds(tests, { shift = [0, 0, 0], spikes = [] } = {}) {
  return tests.flatMap((test, i) =>
    report('report-code', {
      final: Object.fromEntries(Object.entries(CODE).map(([k, v]) => [k, v + shift[i]])),
      test,
      epochs: 20,
      seed: i + 1,
      first: 1 + 10 * i,
      spikes: spikes[i] ?? [],
    }),
  );
}

test('several seeds: every number is “mean [min–max] over N seeds”, each claim judged seed by seed', () => {
  const m = measure(
    seeds([0.8989, 0.9013, 0.9021], { shift: [0, -0.03, 0.01], spikes: [[{ epoch: 17, change: 0.05 }]] }),
  );
  assert.deepEqual(m.readings, [{ name: 'report-code', label: "the report's code", seeds: 3 }]);
  const c = (id) => cell(m, id, 'report-code');
  assert.equal(c('default-test').text, '90.08 [89.89–90.21] % over 3 seeds (−0.17 [−0.36–−0.04] points)');
  assert.deepEqual(c('default-test').seeds, { held: 3, measured: 3 });
  assert.equal(c('default-test').holds, true);
  // 80 hidden: 92.5, 89.5 and 93.5 %: above 90 % in two of the three seeds.
  assert.equal(
    c('width').text,
    '20 / 40 / 80 hidden: 89.33 [87.00–91.00] / 90.33 [88.00–92.00] / 91.83 [89.50–93.50] % over 3 seeds',
  );
  assert.deepEqual(c('width').seeds, { held: 2, measured: 3 });
  assert.equal(c('width').holds, true, 'it holds in more than half of the seeds');
  assert.deepEqual(c('spikes').seeds, { held: 1, measured: 3 });
  assert.equal(c('spikes').holds, false);
  assert.match(
    c('spikes').text,
    /^0\.7 \[0–2\] after epoch 14 \(largest change \d\.\d\d \[\d\.\d\d–\d\.\d\d\] points over 3 seeds\)$/,
  );
  assert.match(c('lr-1e-4').text, /^\d\d\.\d\d \[\d\d\.\d\d–\d\d\.\d\d\] % over 3 seeds \(/);
  const text = m.explanation.join('\n');
  const has = (sentence) => assert.ok(text.includes(sentence), `${sentence}\n  not in\n${text}`);
  has(
    "In “the report's code”, the report’s 90.25 % test accuracy of 784-20-10 lies above our 3-seed range 89.89–90.21 % (mean 90.08 %).",
  );
  has(
    'the seeds disagree on “width” (holds in 2 of 3 seeds), “the spikes” (holds in 1 of 3 seeds), “η = 0.0001” (holds in 2 of 3 seeds);',
  );
  has('its 784-20-10 reaches 90.08 % test accuracy (the mean of 3 seeds), 0.17 points from the report’s 90.25 %.');
  has('in 1 of 3 seeds (largest +5.');
  has('(means over 3 seeds).');
});

test('the sentence that places the report’s figure follows the seeds’ numbers', () => {
  const inside = measure(seeds([0.8989, 0.903, 0.9021])).explanation.join('\n');
  assert.match(inside, /the report’s 90\.25 % test accuracy of 784-20-10 lies inside our 3-seed range 89\.89–90\.30 %/);
  const below = measure(seeds([0.915, 0.925, 0.92])).explanation.join('\n');
  assert.match(below, /lies below our 3-seed range 91\.50–92\.50 %/);
  assert.match(below, /every claim holds or fails in all its seeds alike \(3 seeds\)/);
  // A seed trained again replaces that seed's run only.
  const again = experimentRun(tables, {
    key: 'default',
    reading: 'report-code',
    seed: 2,
    epochs: 20,
    number: 90,
    createdAt: 500,
    test: (e, n) => (e === n ? 0.95 : null),
  });
  assert.match(
    cell(measure([...seeds([0.8989, 0.903, 0.9021]), again]), 'default-test', 'report-code').text,
    /^91\.70 \[89\.89–95\.00\] % over 3 seeds \(\+1\.45 \[−0\.36–\+4\.75\] points\)$/,
  );
});
