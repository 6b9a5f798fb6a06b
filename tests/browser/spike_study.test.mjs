// The spike study's panel in Chromium, on synthetic data (fixtures.mjs): the
// study "Why the deep network spikes" queued from the Experiments form with 2
// seeds and 2 epochs fills its table (every intervention, 2 seeds each), its
// chart of training accuracy with one band per intervention, and an
// explanation derived from the measured counts; a second, smaller queue (1
// seed, 3 epochs) changes the numbers and so the text; no serious axe
// violation in the panel. (The engine's rule only looks for spikes after its
// first epochs, so none is found in so few: the windows around spikes are
// unit-tested, tests/web/spike_study.test.mjs.) Run:
// node --test tests/browser/spike_study.test.mjs
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { pageWithData, show } from './fixtures.mjs';
import { axeProblems } from './axe.mjs';
import { useBrowserSuite } from './suite.mjs';

const MINUTE = 60_000;
const suite = useBrowserSuite({ real: false, synthetic: true });

async function runStudy(page, { epochs, seeds }) {
  await page.check('input[name="experiment"][value="spikes"]');
  await page.fill('#f-experiment-epochs', String(epochs));
  await page.fill('#f-experiment-seeds', String(seeds));
  const last = await page.evaluate(() => window.mnist.queue?.id ?? null);
  await page.click('#btn-experiment-run');
  // A new queue (not "running": a short one of synthetic data can end before that state is seen).
  await page.waitForFunction((id) => window.mnist.queue && window.mnist.queue.id !== id, last, { timeout: 20_000 });
  await page.waitForFunction(() => window.mnist.queue?.state === 'finished', null, {
    timeout: 4 * MINUTE,
    polling: 250,
  });
  await page.waitForFunction(() => window.mnist.spikesSettled, null, { timeout: 20_000 });
}

/** The panel as shown: the table's rows, the chart's bands, the explanation. */
const panel = (page) =>
  page.evaluate(() => ({
    rows: [...document.querySelectorAll('#spikes-table tbody tr')].map((tr) => ({
      key: tr.getAttribute('data-key'),
      cells: [...tr.children].map((c) => c.textContent),
    })),
    series: document.getElementById('spikes-acc-chart').dataset.series,
    seeds: document.getElementById('spikes-acc-chart').dataset.seeds,
    canvas: Boolean(document.querySelector('#spikes-acc-chart canvas')),
    around: document.getElementById('spikes-around').textContent,
    explanation: document.getElementById('spikes-explanation').textContent,
  }));

test('the spike study fills its table, bands and explanation from its runs, and the text follows the data', async () => {
  const page = await pageWithData(suite.browser, suite.syntheticUrl);
  await show(page, 'experiments');
  const plan = await page.evaluate(() => window.mnist.queue);
  assert.equal(plan, null);
  await runStudy(page, { epochs: 2, seeds: 2 });
  const queue = await page.evaluate(() => window.mnist.queue);
  assert.ok(queue.items.every((i) => i.config.layers.join('-') === '784-80-40-20-10' && i.reading === 'report-code'));
  assert.ok(queue.items.every((i) => i.status === 'done' || i.status === 'diverged'));
  const interventions = queue.items.length / 2;
  const first = await panel(page);
  assert.equal(first.rows.length, interventions, 'a row per intervention');
  for (const r of first.rows) assert.match(r.cells[2], /^0 of 2$/, `${r.key}: 2 seeds, no spike in 2 epochs`);
  assert.equal(first.series, String(interventions), 'a band per intervention');
  assert.equal(first.seeds, Array.from({ length: interventions }, () => '2').join(','));
  assert.ok(first.canvas);
  assert.match(first.around, /No spike detected yet/);
  // Derived from the measurements: the rule's numbers and the counts.
  assert.match(first.explanation, /more than 2\.0 points .* after epoch 10/);
  assert.match(first.explanation, /spikes in 0 of 2 seeds .* over 2 epochs/);
  // axe on the filled panel.
  assert.deepEqual(await axeProblems(page, 'study-spikes'), []);

  // Other data: seed 1 again with 3 epochs; the groups take each seed's latest run.
  await runStudy(page, { epochs: 3, seeds: 1 });
  const second = await panel(page);
  assert.match(second.explanation, /over 3 epochs/);
  assert.notEqual(second.explanation, first.explanation);
  assert.notDeepEqual(second.rows, first.rows);
});
