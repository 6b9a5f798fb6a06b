// Unit tests for web/page/report/seed_bands.js: seeds grouped, bands and their text.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { bandCurve, formatSpread, placeAgainst, seedGroups, spread } from '../../web/page/report/seed_bands.js';

const run = (key, seed, createdAt, accs, experiment = 'report') => ({
  createdAt,
  experiment: { experiment, key, reading: 'report-code', seed },
  epochs: accs.map((a, i) => ({ epoch: i + 1, trainSet: a == null ? null : { accuracy: a } })),
});
const acc = (e) => e.trainSet?.accuracy ?? null;

test('a group holds each seed’s latest run, ordered by seed', () => {
  const old1 = run('default', 1, 1, [0.1]);
  const new1 = run('default', 1, 5, [0.2]);
  const s2 = run('default', 2, 2, [0.3]);
  const other = run('h40', 1, 3, [0.4]);
  const groups = seedGroups([s2, new1, old1, other]);
  assert.deepEqual(groups.get('report-code default'), [new1, s2]);
  assert.deepEqual(groups.get('report-code h40'), [other]);
  assert.equal(seedGroups([other], { experiment: 'spikes' }).size, 0);
  assert.equal(seedGroups([run('x', 1, 1, [])]).size, 0, 'a run without epochs is no member yet');
});

test('a band is the mean, min and max of the seeds that reached an epoch', () => {
  const curve = bandCurve([run('a', 1, 1, [0.5, 0.7, 0.9]), run('a', 2, 1, [0.7, null])], acc);
  assert.deepEqual(curve, [
    { epoch: 1, mean: 0.6, min: 0.5, max: 0.7, n: 2 },
    { epoch: 2, mean: 0.7, min: 0.7, max: 0.7, n: 1 },
    { epoch: 3, mean: 0.9, min: 0.9, max: 0.9, n: 1 },
  ]);
  assert.equal(spread([NaN, null, undefined]), null);
});

test('a spread reads “mean [min–max] over N seeds”, and places a single figure against it', () => {
  const f = (x) => x.toFixed(2);
  assert.equal(formatSpread({ mean: 90.1, min: 89.9, max: 90.2, n: 5 }, f), '90.10 [89.90–90.20] over 5 seeds');
  assert.equal(formatSpread({ mean: 90.1, min: 90.1, max: 90.1, n: 1 }, f), '90.10');
  assert.equal(formatSpread(null, f), '–');
  assert.equal(placeAgainst(90.25, { min: 89.9, max: 90.3 }), 'inside');
  assert.equal(placeAgainst(90.25, { min: 90.3, max: 91 }), 'below');
  assert.equal(placeAgainst(90.25, { min: 89, max: 90 }), 'above');
});
