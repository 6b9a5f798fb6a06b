// Unit tests for web/page/ui/band_data.js, the data side of ui/band_chart.js:
// the columns and bands uPlot draws from curves with and without min–max.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { BAND_ALPHA, bandColumns, hasBand, translucent } from '../../web/page/ui/band_data.js';

const banded = {
  label: 'a (mean of 2 seeds)',
  colour: '--oi-blue',
  points: [
    { x: 1, mean: 0.5, min: 0.4, max: 0.6 },
    { x: 2, mean: 0.7, min: 0.7, max: 0.7 },
  ],
};
const plain = { label: 'b', colour: '#d55e00', points: [{ x: 1, mean: 0.3 }] };

test('a curve has a band when its points have both bounds', () => {
  assert.equal(hasBand(banded), true);
  assert.equal(hasBand(plain), false);
  assert.equal(hasBand({ ...plain, points: [{ x: 1, mean: 0.3, min: null, max: null }] }), false);
});

test('the columns: x, each curve’s mean, then min and max of each banded curve; the bands name them', () => {
  const { tables, bands } = bandColumns([plain, banded], 100);
  assert.deepEqual(tables, [
    [[1], [30]],
    [
      [1, 2],
      [50, 70],
    ],
    [
      [1, 2],
      [40, 70],
    ],
    [
      [1, 2],
      [60, 70],
    ],
  ]);
  // uPlot's series: 0 is x, 1 and 2 the means, 3 and 4 banded's min and max.
  assert.deepEqual(bands, [{ curve: 1, min: 3, max: 4 }]);
  assert.deepEqual(bandColumns([plain]).bands, [], 'one seed: no band, as before');
});

test('a band’s colour is the curve’s, translucent', () => {
  assert.equal(translucent('#0072b2', BAND_ALPHA), 'rgba(0, 114, 178, 0.18)');
  assert.equal(translucent('#fff', 0.5), 'rgba(255, 255, 255, 0.5)');
  assert.equal(translucent('rgb(1, 2, 3)', 0.2), 'rgba(1, 2, 3, 0.2)');
  assert.equal(translucent('red', 0.2), 'red');
});
