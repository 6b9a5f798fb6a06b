// End-to-end tests of the width × depth sweep (web/page/report/sweep_study*.js)
// in Chromium, on synthetic data: a 2 × 2 grid chosen in the sweep panel,
// 2 seeds, a few epochs; the queue survives a reload mid-sweep and goes on
// where it was; then the scatter and the table fill with every network's
// range over the seeds, the knee's sentence comes from the engine's front,
// the cost axis switches, and axe finds nothing serious. Run:
// node --test tests/browser/sweep_study.test.mjs
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { pageWithData, show, waitForData } from './fixtures.mjs';
import { screenshot } from './harness.mjs';
import { axeProblems } from './axe.mjs';
import { useBrowserSuite } from './suite.mjs';

const MINUTE = 60_000;

describe('the width × depth sweep in Chromium', { timeout: 10 * MINUTE }, () => {
  const suite = useBrowserSuite({ real: false, synthetic: true });
  /** @type {import('playwright-core').Page} */
  let page;

  test('choosing the sweep: its own epochs, its grid from the panel in the plan, a bad grid refused', async () => {
    page = await pageWithData(suite.browser, suite.syntheticUrl);
    await show(page, 'experiments');
    await page.check('input[name="experiment"][value="sweep"]');
    const epochs = Number(await page.inputValue('#f-experiment-epochs'));
    assert.ok(epochs >= 1 && epochs < 100, `the sweep's own epochs, got ${epochs}`);
    assert.equal(await page.locator('#experiment-plan li').count(), 15, '5 widths × 3 depths');
    await page.fill('#f-sweep-widths', '20 40');
    await page.fill('#f-sweep-depths', '1 2');
    await page.waitForFunction(() => document.querySelectorAll('#experiment-plan li').length === 4);
    assert.deepEqual(await page.locator('#experiment-plan .plan-run').allTextContents(), [
      '784-20-10',
      '784-40-10',
      '784-20-20-10',
      '784-40-40-10',
    ]);
    await page.fill('#f-sweep-depths', '0');
    assert.match(await page.textContent('#sweep-grid-error'), /each depth must be a whole number from 1 to 6, got '0'/);
  });

  test(
    'a 2 × 2 sweep, 2 seeds: a reload mid-sweep resumes it, then scatter, ranges, front, knee and table fill',
    { timeout: 6 * MINUTE },
    async () => {
      page = await pageWithData(suite.browser, suite.syntheticUrl);
      // A run checkpoints at most once a second; at one epoch a second every epoch is stored.
      await show(page, 'train');
      await page.selectOption('#pace-select', 'epoch-1s');
      await show(page, 'experiments');
      await page.check('input[name="experiment"][value="sweep"]');
      await page.fill('#f-sweep-widths', '20 40');
      await page.fill('#f-sweep-depths', '1 2');
      const EPOCHS = 4;
      await page.fill('#f-experiment-epochs', String(EPOCHS));
      await page.fill('#f-experiment-seeds', '2');
      await page.click('#btn-experiment-run');
      // Into the third run, with a checkpoint of it stored after epoch 2 or later.
      await page.waitForFunction(
        () => {
          const s = window.mnist.queueSaved;
          return window.mnist.queue?.index === 2 && s?.index === 2 && s.progress.epoch >= 2;
        },
        null,
        { timeout: 2 * MINUTE, polling: 20 },
      );
      const before = await page.evaluate(() => ({ queue: window.mnist.queue, run: window.mnist.run.id }));
      assert.equal(before.queue.items.length, 8);
      await page.reload();
      await waitForData(page).catch(() => {}); // Train stays off while the queue owns the trainer
      await page.waitForFunction(
        () =>
          /^Resumed after the reload: run 3 of 8 from epoch \d+/.test(
            document.getElementById('experiment-note').textContent,
          ),
        null,
        { timeout: MINUTE },
      );
      const after = await page.evaluate(() => ({ queue: window.mnist.queue, run: window.mnist.run?.id }));
      assert.equal(after.queue.id, before.queue.id);
      assert.equal(after.run, before.run, 'the interrupted run goes on');
      await page.waitForFunction(() => window.mnist.queue?.state === 'finished', null, {
        timeout: 4 * MINUTE,
        polling: 100,
      });
      const runs = await page.evaluate(() =>
        window.mnist.queue.items.map((i) => ({ status: i.status, ...window.mnist.runs.find((r) => r.id === i.runId) })),
      );
      assert.deepEqual(
        runs.map((r) => r.status),
        Array(8).fill('done'),
      );
      assert.equal(runs[2].id, before.run);
      for (const r of runs)
        assert.deepEqual(
          r.epochs.map((e) => e.epoch),
          Array.from({ length: EPOCHS }, (_, i) => i + 1),
          `${r.label}: every epoch once`,
        );

      // The panel: 4 networks, each over 2 seeds, its costs from the engine; the front and the knee.
      await show(page, 'experiments');
      await page.waitForFunction(() => window.mnist.sweepSettled && window.mnist.sweep[0]?.points.length === 4, null, {
        timeout: MINUTE,
      });
      const [m] = await page.evaluate(() => window.mnist.sweep);
      assert.equal(m.reading, 'report-code');
      assert.equal(m.epochs, EPOCHS);
      assert.deepEqual(
        m.points.map((p) => [p.name, p.seeds, p.parameters]),
        [
          ['784-20-10', 2, 15910],
          ['784-40-10', 2, 31810],
          ['784-20-20-10', 2, 16330],
          ['784-40-40-10', 2, 33450],
        ],
      );
      assert.equal(m.points[0].flopsPerSample, 63920);
      assert.ok(
        m.points.every(
          (p) => p.seconds.mean > 0 && p.accuracy.min <= p.accuracy.mean && p.accuracy.mean <= p.accuracy.max,
        ),
      );
      for (const axis of ['flops', 'parameters', 'seconds']) {
        const a = m.axes[axis];
        assert.ok(
          a.front.length >= 1 &&
            a.front[0] === m.points.reduce((c, p) => (costOf(p, axis) < costOf(c, axis) ? p : c)).name,
        );
        assert.match(a.sentence, /^(Beyond 784-|Every step up the front|784-[\d-]+ \(.*\) is both the cheapest)/);
        assert.match(a.sentence, /over 2 seeds/);
      }
      const rows = await page.$$eval('#study-sweep .sweep-table tbody tr', (trs) =>
        trs.map((tr) => [...tr.children].map((c) => c.textContent)),
      );
      assert.equal(rows.length, 4);
      for (const r of rows) assert.match(r[4], /^\d+\.\d\d % \[\d+\.\d\d–\d+\.\d\d\] over 2 seeds$/);
      assert.equal(rows[0][2], '63,920');
      assert.ok(await page.locator('#study-sweep .sweep-chart canvas').isVisible(), 'the scatter is drawn');
      assert.equal(await page.textContent('#study-sweep .sweep-knee'), m.axes.flops.sentence);
      assert.match(await page.textContent('#study-sweep'), /less than 0\.5 points of test accuracy per doubling/);

      // Another cost axis: the sentence and the table's front column follow it.
      await page.check('input[name="sweep-axis"][value="seconds"]');
      await page.waitForFunction(() => document.querySelector('.sweep-reading')?.dataset.axis === 'seconds');
      assert.equal(await page.textContent('#study-sweep .sweep-knee'), m.axes.seconds.sentence);
      assert.match(await page.textContent('#study-sweep .sweep-table thead'), /On the front \(training seconds\)/);
      await screenshot(page, 'sweep-01-panel');
      assert.deepEqual(await axeProblems(page, 'study-sweep'), []);
    },
  );
});

/** A point's cost on an axis, as the page's snapshot gives it. */
function costOf(p, axis) {
  return axis === 'flops' ? p.flopsPerSample : axis === 'parameters' ? p.parameters : p.seconds.mean;
}
