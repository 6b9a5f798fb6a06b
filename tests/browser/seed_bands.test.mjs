// End-to-end test of seed bands in Chromium: the width experiment with 2
// seeds and 2 epochs on the synthetic-data site (fixtures.mjs); every
// figure draws each curve as the seeds' mean with a min–max band
// (ui/band_chart.js: the chart's data-bands, uPlot's band series), its
// table gives "mean [min–max]", its legend "mean of 2 seeds", the claims
// table reads "over 2 seeds" and "holds in k of 2 seeds", and axe finds
// nothing serious in the report's panel; and a link to a study (registered
// here by appending a registerStudy call to experiment_plan.js as served)
// chooses it and scrolls to its panel. Run:
// node --test tests/browser/seed_bands.test.mjs
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { freshPage, pageWithData, show, waitForData } from './fixtures.mjs';
import { axeProblems } from './axe.mjs';
import { useBrowserSuite } from './suite.mjs';

const MINUTE = 60_000;

describe('seed bands in Chromium', { timeout: 6 * MINUTE }, () => {
  const suite = useBrowserSuite({ synthetic: true });

  test(
    'the width experiment with 2 seeds: every figure draws bands, its table mean [min–max], the claims over 2 seeds',
    { timeout: 5 * MINUTE },
    async () => {
      const page = await pageWithData(suite.browser, suite.syntheticUrl);
      await show(page, 'experiments');
      await page.check('input[name="experiment"][value="width"]');
      await page.check('input[name="reading"][value="report-code"]');
      await page.fill('#f-experiment-epochs', '2');
      await page.fill('#f-experiment-seeds', '2');
      const plan = await page.locator('#experiment-plan li').allTextContents();
      assert.equal(plan.length, 6, 'three runs, two seeds each');
      assert.match(plan[0], /^784-20-10 η = 0\.001 .* · seed 1$/);
      assert.match(plan[3], /^784-20-10 η = 0\.001 .* · seed 2$/);
      await page.click('#btn-experiment-run');
      await page.waitForFunction(() => window.mnist.queue?.state === 'finished', null, {
        timeout: 4 * MINUTE,
        polling: 200,
      });
      const queue = await page.evaluate(() => window.mnist.queue);
      assert.deepEqual(
        queue.items.map((i) => `${i.key} ${i.seed} ${i.status}`),
        ['default 1 done', 'h40 1 done', 'h80 1 done', 'default 2 done', 'h40 2 done', 'h80 2 done'],
      );
      await page.locator('#figures').scrollIntoViewIfNeeded();
      await page.waitForFunction(
        () =>
          window.mnist.figuresSettled &&
          [...document.querySelectorAll('.report-figure')].every((f) => f.dataset.seeds === '2') &&
          document.querySelector('#claims-table td[data-reading="report-code"]') !== null,
        null,
        { timeout: 20_000 },
      );

      // Each figure: its curves (Fig. 3 the three widths, Fig. 4 784-80-10, Figs. 5–9 the default network), each with a band.
      const figures = await page.evaluate(() =>
        [...document.querySelectorAll('.report-figure')].map((f) => ({
          id: f.dataset.figure,
          seeds: f.dataset.seeds,
          series: Number(f.dataset.series),
          bands: Number(f.querySelector('.figure-chart').dataset.bands),
          legend: [...f.querySelectorAll('.legend li')].map((li) => li.textContent),
          banded: [...f.querySelectorAll('.legend li')].map((li) => li.dataset.band),
        })),
      );
      for (const f of figures) {
        assert.equal(f.seeds, '2', f.id);
        assert.ok(f.series >= 1, f.id);
        assert.equal(f.bands, f.series, `${f.id}: a band per curve`);
        assert.ok(
          f.legend.every((l) => l.endsWith('(mean of 2 seeds)')),
          `${f.id}: ${f.legend.join(', ')}`,
        );
        assert.ok(f.banded.every((b) => b === 'true'));
      }
      assert.deepEqual(figures.find((f) => f.id === 'fig3').legend, [
        '20 hidden (mean of 2 seeds)',
        '40 hidden (mean of 2 seeds)',
        '80 hidden (mean of 2 seeds)',
      ]);
      // The band's data in the chart: the two seeds' lowest and highest, around the mean (the snapshot's runs are the seeds').
      const runs = await page.evaluate(() => window.mnist.runs);
      const fig3 = (await page.evaluate(() => window.mnist.figures)).find((f) => f.id === 'fig3');
      assert.deepEqual(
        fig3.rows.map((r) => r.epoch),
        [1, 2],
      );
      for (const row of fig3.rows)
        for (const cell of row.cells)
          assert.match(cell, /^\d+\.\d\d \[\d+\.\d\d–\d+\.\d\d\] %$/, 'a cell: mean [min–max]');
      // Fig. 3's 20 hidden at epoch 2, from the runs themselves.
      const accs = runs
        .filter((r) => r.experiment?.key === 'default')
        .map((r) => 100 * r.epochs.find((e) => e.epoch === 2).trainSet.accuracy);
      assert.equal(accs.length, 2);
      const [lo, hi] = [Math.min(...accs), Math.max(...accs)];
      const [mean, min, max] = /^(.+) \[(.+)–(.+)\] %$/.exec(fig3.rows[1].cells[0]).slice(1).map(Number);
      assert.deepEqual([min, max], [Number(lo.toFixed(2)), Number(hi.toFixed(2))]);
      assert.ok(Math.abs(mean - (lo + hi) / 2) <= 0.0051, `${mean} is the mean of ${lo} and ${hi}`);

      // The table in the page, opened.
      await page.click('#figure-3 .figure-details > summary');
      await page.waitForSelector('#figure-3 table caption');
      assert.match(await page.textContent('#figure-3 table caption'), /the mean \[lowest–highest\] of the seeds/);
      assert.match(await page.textContent('#figure-3 tbody td'), /\[\d+\.\d\d–\d+\.\d\d\] %/);

      // The claims: numbers over 2 seeds, verdicts seed by seed, the header says how many.
      assert.match(await page.textContent('#claims-table thead'), /Measured: the report's code \(2 seeds\)/);
      const test = await page.textContent('#claims-table tr[data-claim="default-test"] td[data-reading="report-code"]');
      assert.match(test, /^[✓✗] \d+\.\d\d \[\d+\.\d\d–\d+\.\d\d\] % over 2 seeds \([+−]\d+\.\d\d \[.+\] points\)/);
      assert.match(test, /holds in [012] of 2 seeds/);
      assert.match(
        await page.textContent('#claims-table tr[data-claim="width"] td[data-reading="report-code"]'),
        /20 \/ 40 \/ 80 hidden: .+ % over 2 seeds/,
      );
      assert.match(
        await page.textContent('#claims-explanation'),
        /the report’s 90\.25 % test accuracy of 784-20-10 lies (inside|above|below) our 2-seed range \d+\.\d\d–\d+\.\d\d %/,
      );
      await page.locator('#report').screenshot({ path: 'build/test-artifacts/seed-bands-width.png' });
      assert.deepEqual(await axeProblems(page, 'report'), []);
    },
  );

  test('a link to a study chooses it and scrolls to the study’s own panel', { timeout: 2 * MINUTE }, async () => {
    const page = await freshPage(suite.browser, { origin: new URL(suite.syntheticUrl).origin });
    // A study as its module would register it (the studies' modules are others' work).
    await page.route('**/page/report/experiment_plan.js', async (route) => {
      const response = await route.fetch();
      const body = `${await response.text()}
registerStudy({ id: 'sweep', label: 'Depth and width sweep', help: 'a test study',
  variants: () => [{ key: 'w20', hidden: [20], label: '784-20-10' }] });
`;
      await route.fulfill({ response, body });
    });
    await page.goto(`${suite.syntheticUrl}?experiment=sweep#experiments`);
    await waitForData(page);
    // (The notice is the Train view's; the link opened the Experiments view.)
    await page.waitForFunction(() => !document.getElementById('link-notice').hidden);
    assert.match(await page.textContent('#link-notice'), /The Experiments view has “sweep” chosen/);
    assert.ok(await page.isChecked('#experiment-form input[name="experiment"][value="sweep"]'));
    await page.waitForSelector('#study-sweep[data-linked="true"]', { state: 'attached' });
    // Scrolled to: the panel is in the viewport (at its top, or as near as the page's end allows).
    const at = await page.evaluate(() => ({
      top: document.getElementById('study-sweep').getBoundingClientRect().top,
      height: innerHeight,
      scrolled: scrollY,
    }));
    assert.ok(at.scrolled > 0 && at.top >= -5 && at.top < at.height - 40, JSON.stringify(at));
    assert.equal(await page.getAttribute('#study-spikes', 'data-linked'), null);
  });
});
