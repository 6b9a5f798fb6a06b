// End-to-end test of the optimisers study in Chromium (synthetic data): the
// study queued from the Experiments form with 2 seeds and 2 epochs runs a
// range test before each run and trains at its pick; the panel's charts fill
// with a band per optimiser and a range test per run with its pick, the
// table with each optimiser's numbers over the two seeds, the sentences
// with what they say; axe finds nothing serious in the panel. Run:
// node --test tests/browser/optimiser_study.test.mjs
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { STUDY_EPOCHS } from '../../web/page/report/optimiser_study.js';
import { pageWithData, show } from './fixtures.mjs';
import { screenshot } from './harness.mjs';
import { axeProblems } from './axe.mjs';
import { useBrowserSuite } from './suite.mjs';

const MINUTE = 60_000;

describe('the optimisers study in Chromium', { timeout: 8 * MINUTE }, () => {
  const suite = useBrowserSuite({ real: false, synthetic: true });

  test(
    '2 seeds × 8 runs, each at its range test’s pick: bands, picks, the table and the sentences',
    { timeout: 6 * MINUTE },
    async () => {
      const page = await pageWithData(suite.browser, suite.syntheticUrl);
      await show(page, 'experiments');
      await page.check('input[name="experiment"][value="width"]');
      await page.fill('#f-experiment-epochs', '3');
      await page.check('input[name="experiment"][value="optimisers"]');
      assert.equal(await page.inputValue('#f-experiment-epochs'), String(STUDY_EPOCHS), 'the study’s own epochs');
      await page.fill('#f-experiment-epochs', '2');
      await page.fill('#f-experiment-seeds', '2');
      const plan = await page.locator('#experiment-plan li').allTextContents();
      assert.equal(plan.length, 16);
      assert.match(plan[3], /^784-20-10 adam η from a range test /);
      await page.click('#btn-experiment-run');
      await page.waitForFunction(() => window.mnist.queue?.state === 'finished', null, {
        timeout: 5 * MINUTE,
        polling: 250,
      });

      // Each run trained at its own range test's pick (not the reading's η = 0.001).
      const runs = await page.evaluate(() =>
        window.mnist.runs
          .filter((r) => r.experiment?.experiment === 'optimisers')
          .map((r) => ({
            key: r.experiment.key,
            seed: r.experiment.seed,
            eta: r.config.learningRate,
            optimizer: r.config.optimizer,
            pick: r.experiment.lrFind?.pick,
            rates: r.experiment.lrFind?.rates.length,
            epochs: r.epochs.length,
          })),
      );
      assert.equal(runs.length, 16);
      for (const r of runs) {
        assert.equal(r.eta, r.pick, `${r.key} seed ${r.seed} trains at its pick`);
        assert.ok(r.rates >= 10, `${r.key} seed ${r.seed}: a range test of ${r.rates} rates`);
        assert.equal(r.epochs, 2);
        assert.equal(r.optimizer, r.key.split('-')[1]);
      }

      // The panel: per network an accuracy chart with 4 optimisers, each with a band (2 seeds), and 8 range tests with picks.
      // Drawn from every run's epochs (each variant with its 2 seeds), the spikes measured by the engine.
      await page.waitForFunction(
        () => {
          const rows = [...document.querySelectorAll('#study-optimisers-body tbody tr')];
          return (
            rows.length === 8 &&
            rows.every((tr) => tr.children[3].textContent === '2' && tr.lastElementChild.textContent !== '–')
          );
        },
        null,
        { timeout: 20_000 },
      );
      const panel = await page.evaluate(() => {
        const body = document.getElementById('study-optimisers-body');
        const figures = (kind) =>
          [...body.querySelectorAll(`[data-study-figure="${kind}"]`)].map((f) => {
            const chart = f.querySelector('.figure-chart');
            return {
              key: f.dataset.key,
              ...chart.dataset,
              legend: [...f.querySelectorAll('.legend li')].map((li) => li.textContent),
            };
          });
        return {
          accuracy: figures('accuracy'),
          range: figures('range-test'),
          header: [...body.querySelectorAll('thead th')].map((th) => th.textContent),
          rows: [...body.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((c) => c.textContent)),
          findings: [...body.querySelectorAll('[data-finding]')].map((li) => [
            li.closest('[data-key]').dataset.key,
            li.dataset.finding,
            li.textContent,
          ]),
        };
      });
      assert.deepEqual(
        panel.accuracy.map((f) => [f.key, f.optimisers, f.bands]),
        [
          ['report-code default', '4', '4'],
          ['report-code deep', '4', '4'],
        ],
      );
      assert.deepEqual(panel.accuracy[0].legend, [
        'SGD (2 seeds)',
        'Momentum (2 seeds)',
        'Nesterov (2 seeds)',
        'Adam (2 seeds)',
      ]);
      assert.deepEqual(
        panel.range.map((f) => [f.key, f.curves, f.picks]),
        [
          ['report-code default', '8', '8'],
          ['report-code deep', '8', '8'],
        ],
      );
      assert.match(panel.range[1].legend[3], /^Adam: η = [\d.e-]+( \[[\d.e-]+–[\d.e-]+\])?$/);
      assert.deepEqual(panel.header, [
        'Network',
        'Reading',
        'Optimiser',
        'Seeds',
        'η (range test)',
        'Epochs to target',
        'Final training accuracy',
        'Test accuracy',
        'Seeds with spikes',
      ]);
      const number = String.raw`\d+\.\d\d`;
      const accuracy = new RegExp(`^${number}( \\[${number}–${number}\\])? %$`);
      for (const [layers, , optimiser, seeds, eta, , train, testAcc, spikes] of panel.rows) {
        assert.match(layers, /^784-(20|80-40-20)-10$/);
        assert.match(optimiser, /^(SGD|Momentum|Nesterov|Adam)$/);
        assert.equal(seeds, '2');
        assert.match(eta, /^[\d.e-]+( \[[\d.e-]+–[\d.e-]+\])?$/);
        assert.match(train, accuracy);
        assert.match(testAcc, accuracy);
        assert.equal(spikes, '0 of 2', 'measured by the engine: 2 epochs are too few for a spike');
      }
      assert.ok(
        panel.rows.some((r) => /\[/.test(r[6])),
        'the seeds’ range shows where they differ',
      );
      const kinds = panel.findings.map(([key, kind]) => `${key} ${kind}`);
      assert.deepEqual(kinds, [
        'report-code default fastest',
        'report-code default highest',
        'report-code default spikes',
        'report-code deep fastest',
        'report-code deep highest',
        'report-code deep spikes',
      ]);
      assert.match(panel.findings[1][2], /^(SGD|Momentum|Nesterov|Adam) ends highest: /);
      assert.match(panel.findings[2][2], /^The runs end by epoch 11: too short to show a spike/);
      await page.locator('#study-optimisers').scrollIntoViewIfNeeded();
      await screenshot(page, 'optimiser-study');
      assert.deepEqual(await axeProblems(page, 'study-optimisers'), []);
    },
  );
});
