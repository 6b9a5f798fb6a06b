// End-to-end tests of the report's experiments in Chromium: the Experiments
// panel queues runs in the worker, the figures overlay them with legends and
// tables, the numbers table fills, the queue pauses, resumes, cancels and
// survives a reload. Synthetic data where the test is not about accuracy
// (fixtures.mjs), real MNIST for one experiment. The panel, the figures and
// the numbers are in the Experiments view (fixtures.mjs show); the current
// run's epoch table is in the Train view. Run:
// node --test tests/browser/report.test.mjs
import assert from 'node:assert/strict';
import { availableParallelism, loadavg } from 'node:os';
import { describe, test } from 'node:test';

import { pageWithData, show, waitForData } from './fixtures.mjs';
import { screenshot } from './harness.mjs';
import { useBrowserSuite } from './suite.mjs';

const MINUTE = 60_000;

/** Chooses an experiment in the panel (Experiments view) and presses Run. */
async function runExperiment(
  page,
  { experiment, reading = 'report-code', proper = 'proper-mean', epochs, evaluation = 'figures' },
) {
  await show(page, 'experiments');
  await page.check(`input[name="experiment"][value="${experiment}"]`);
  await page.check(`input[name="reading"][value="${reading}"]`);
  if (reading !== 'report-code') await page.selectOption('#f-proper', proper);
  await page.check(`input[name="evaluation"][value="${evaluation}"]`);
  await page.fill('#f-experiment-epochs', String(epochs));
  await page.click('#btn-experiment-run');
}

/** Waits until the figures are drawn from every epoch there is: each with `series` curves (by figure id), the numbers table with `reading`. */
const waitFigures = (page, series, reading = 'report-code') =>
  page.waitForFunction(
    ([want, r]) =>
      window.mnist.figuresSettled &&
      Object.entries(want).every(
        ([id, n]) => document.querySelector(`[data-figure="${id}"]`).dataset.series === String(n),
      ) &&
      document.querySelector(`#claims-table td[data-reading="${r}"]`) !== null,
    [series, reading],
    { timeout: 20_000 },
  );

/**
 * Waits until the queue is in `state` and the Experiments view (shown) has drawn it: the view draws a new
 * queue state on the next animation frame (its buttons, progress and last-queue line with it).
 */
const waitQueue = (page, state, timeout = 2 * MINUTE) =>
  page.waitForFunction((s) => window.mnist.queue?.state === s && document.body.dataset.queueState === s, state, {
    timeout,
    polling: 100,
  });

/** The figures' tables as the page shows them (each <details> opened; a table is drawn when its details opens). */
async function figureTables(page) {
  for (const summary of await page.locator('.figure-details > summary').all()) {
    if (!(await summary.evaluate((s) => s.parentElement.open))) await summary.click();
  }
  await page.waitForFunction(
    () => [...document.querySelectorAll('.report-figure')].every((f) => f.querySelector('table > caption')),
    null,
    { timeout: 5000 },
  );
  return page.evaluate(() =>
    [...document.querySelectorAll('.report-figure')].map((f) => {
      const table = f.querySelector('table');
      return {
        id: f.dataset.figure,
        series: Number(f.dataset.series),
        legend: [...f.querySelectorAll('.legend li')].map((li) => li.textContent),
        caption: table.caption?.textContent ?? '',
        columns: [...table.querySelectorAll('thead th')].slice(1).map((th) => th.textContent),
        rows: [...table.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((c) => c.textContent)),
      };
    }),
  );
}

describe('the report’s experiments in Chromium', { timeout: 20 * MINUTE }, () => {
  const suite = useBrowserSuite({ real: true, synthetic: true });
  let page;

  test(
    'the width experiment, 3 epochs: three runs queued, then three overlaid curves with their legend',
    { timeout: 3 * MINUTE },
    async () => {
      page = await pageWithData(suite.browser, suite.syntheticUrl);
      // One epoch a second: the queue (9 epochs of synthetic data, a second or two at full speed) is still
      // running when the training controls are checked below.
      await page.selectOption('#pace-select', 'epoch-1s');
      await show(page, 'experiments');
      // The plan before running: the report's η as it writes it, the step's factor beside it.
      await page.check('input[name="experiment"][value="width"]');
      await page.fill('#f-experiment-epochs', '3');
      const plan = await page.locator('#experiment-plan li').allTextContents();
      assert.equal(plan.length, 3);
      assert.match(plan[0], /^784-20-10 η = 0\.001 \(step: η × ½ × summed gradient\) · the report's code$/);
      assert.match(plan[2], /^784-80-10 η = 0\.001/);
      assert.match(
        await page.textContent('#experiment-steps'),
        /step = η × ½ × the batch’s summed gradient \(the template divides η by len\(mini_batch\) = 2\)/,
      );
      assert.equal(await page.inputValue('#f-experiment-epochs'), '3');

      await runExperiment(page, { experiment: 'width', epochs: 3 });
      await page.waitForFunction(
        () =>
          /^Running: run [123] of 3 \(784-\d0-10, η = 0\.001 · the report's code\), epoch \d \/ 3/.test(
            document.getElementById('experiment-progress').textContent,
          ),
        null,
        { timeout: MINUTE },
      );
      // The queue owns the trainer: the training panel's buttons wait.
      assert.equal(await page.isDisabled('#btn-train'), true);
      await waitQueue(page, 'finished');
      assert.equal(await page.isDisabled('#btn-train'), false);
      assert.match(await page.textContent('#experiment-progress'), /^Finished after \d+:\d\d of training\.$/);
      const queue = await page.evaluate(() => window.mnist.queue);
      assert.deepEqual(
        queue.items.map((i) => [i.key, i.status]),
        [
          ['default', 'done'],
          ['h40', 'done'],
          ['h80', 'done'],
        ],
      );
      // Each run is in the history with its three epochs, the training images evaluated after each.
      const runs = await page.evaluate(
        (ids) => ids.map((id) => window.mnist.runs.find((r) => r.id === id)),
        queue.items.map((i) => i.runId),
      );
      for (const r of runs) {
        assert.deepEqual(
          r.epochs.map((e) => e.epoch),
          [1, 2, 3],
        );
        assert.ok(
          r.epochs.every((e) => e.trainSet && e.trainSet.count === 2000),
          'the 2,000 training images (the report’s 3,000 where there are)',
        );
        assert.ok(r.epochs.at(-1).test, 'test at the last epoch');
      }
      assert.ok(
        runs[0].epochs.every((e) => e.validation),
        'the default network: validation every epoch (Figs. 7, 9)',
      );
      assert.ok(
        runs.every((r) => r.epochs.slice(0, 2).every((e) => !e.test)),
        'test only at the end',
      );
      assert.ok(
        runs[1].epochs.slice(0, 2).every((e) => !e.validation),
        'the others: only what the figures need',
      );

      // Fig. 3: three curves, named by what differs, in three colours.
      await page.locator('#figure-3').scrollIntoViewIfNeeded();
      // Fig. 3 has the three runs; Fig. 4 the one depth run there is (784-80-10); Figs. 5–9 the default network.
      await waitFigures(page, { fig3: 3, fig4: 1, fig5: 1, fig6: 1, fig7: 1, fig8: 1, fig9: 1 });
      assert.deepEqual(await page.locator('#figure-3 .legend li').allTextContents(), [
        '20 hidden',
        '40 hidden',
        '80 hidden',
      ]);
      const strokes = await page
        .locator('#figure-3 .legend line')
        .evaluateAll((lines) => lines.map((l) => l.getAttribute('stroke')));
      assert.equal(new Set(strokes).size, 3);
      assert.deepEqual(strokes, ['#0072b2', '#d55e00', '#009e73'], 'Okabe–Ito blue, vermillion, bluish green');
      assert.equal(await page.locator('#figure-3 canvas').count(), 1);
      const fig3 = (await page.evaluate(() => window.mnist.figures)).find((f) => f.id === 'fig3');
      assert.deepEqual(
        fig3.runIds,
        queue.items.map((i) => i.runId),
      );
      assert.deepEqual(
        fig3.rows.map((r) => r.epoch),
        [1, 2, 3],
      );
      await page.locator('#figure-3').screenshot({ path: 'build/test-artifacts/report-01-width-fig3.png' });
      await page.locator('#report').screenshot({ path: 'build/test-artifacts/report-01-width.png' });
    },
  );

  test(
    'the whole report in both readings, 2 epochs: every figure and the numbers table fill, matching the runs’ epoch tables',
    { timeout: 6 * MINUTE },
    async () => {
      page = await pageWithData(suite.browser, suite.syntheticUrl);
      await runExperiment(page, { experiment: 'report', reading: 'both', proper: 'proper-sum', epochs: 2 });
      await waitQueue(page, 'finished', 5 * MINUTE);
      const queue = await page.evaluate(() => window.mnist.queue);
      assert.equal(queue.items.length, 14);
      assert.deepEqual([...new Set(queue.items.map((i) => i.reading))], ['report-code', 'proper-sum']);
      assert.ok(
        queue.items.every((i) => i.status === 'done' || i.status === 'diverged'),
        JSON.stringify(queue.items.map((i) => i.status)),
      );
      await page.locator('#figures').scrollIntoViewIfNeeded();
      await waitFigures(page, { fig3: 6, fig4: 6, fig5: 6, fig6: 2, fig7: 2, fig8: 2, fig9: 2 }, 'proper-sum');

      const figures = await figureTables(page);
      const series = Object.fromEntries(figures.map((f) => [f.id, f.series]));
      assert.deepEqual(series, { fig3: 6, fig4: 6, fig5: 6, fig6: 2, fig7: 2, fig8: 2, fig9: 2 });
      const fig4 = figures.find((f) => f.id === 'fig4');
      assert.deepEqual(fig4.legend, [
        "3 layers · the report's code",
        "4 layers · the report's code",
        "5 layers · the report's code",
        '3 layers · done properly, summed gradient',
        '4 layers · done properly, summed gradient',
        '5 layers · done properly, summed gradient',
      ]);
      assert.deepEqual(figures.find((f) => f.id === 'fig5').legend.slice(0, 3), [
        "η = 1e-3 · the report's code",
        "η = 1e-4 · the report's code",
        "η = 1e-5 · the report's code",
      ]);
      assert.deepEqual(figures.find((f) => f.id === 'fig7').legend, [
        "the report's code",
        'done properly, summed gradient',
      ]);
      // Dashes tell the readings apart.
      const dashes = await page
        .locator('#figure-4 .legend line')
        .evaluateAll((lines) => lines.map((l) => l.getAttribute('stroke-dasharray')));
      assert.deepEqual(dashes, [null, null, null, '7 4', '7 4', '7 4']);

      // Each figure's table is its runs' per-epoch values, as the runs' epoch tables print them.
      const snapshot = await page.evaluate(() => window.mnist.figures);
      const runs = await page.evaluate(() => window.mnist.runs);
      const byId = new Map(runs.map((r) => [r.id, r]));
      const SPLIT = {
        fig3: 'trainSet',
        fig4: 'trainSet',
        fig5: 'trainSet',
        fig6: 'trainSet',
        fig7: 'validation',
        fig8: 'trainSet',
        fig9: 'validation',
      };
      const LOSS = new Set(['fig6', 'fig7']);
      const print = (m, loss) => (m == null ? '–' : loss ? m.loss.toFixed(4) : `${(100 * m.accuracy).toFixed(2)} %`);
      for (const f of figures) {
        const s = snapshot.find((x) => x.id === f.id);
        assert.match(f.caption, /^Fig\. \d regenerated: (training|validation) (accuracy \(%\)|loss) by epoch$/);
        assert.deepEqual(f.columns, f.legend, `${f.id}: a column per curve`);
        assert.deepEqual(
          f.rows.map((r) => r[0]),
          ['1', '2'],
        );
        s.runIds.forEach((id, col) => {
          const run = byId.get(id);
          for (const [row, e] of run.epochs.entries())
            assert.equal(
              f.rows[row][col + 1],
              print(e[SPLIT[f.id]], LOSS.has(f.id)),
              `${f.id} ${run.label} epoch ${e.epoch}`,
            );
        });
      }
      // The last run is the current one: its epoch table (Train view) says the same as its column in Fig. 5.
      await show(page, 'train');
      await page.click('.epoch-details > summary');
      await page.waitForFunction(
        () => document.querySelectorAll('#epoch-table tbody tr').length === window.mnist.run.epochs.length,
        null,
        { timeout: 5000 },
      );
      const epochTable = await page
        .locator('#epoch-table tbody tr')
        .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
      const fig5 = figures.find((f) => f.id === 'fig5');
      const last = snapshot.find((x) => x.id === 'fig5').runIds.indexOf(queue.items.at(-1).runId);
      assert.ok(last >= 0);
      assert.deepEqual(
        epochTable.map((r) => r[4]),
        fig5.rows.map((r) => r[last + 1]),
        'Train-set acc. column = Fig. 5’s column of that run',
      );
      await show(page, 'experiments');

      // The numbers table: every claim, both readings measured.
      const claims = await page.locator('#claims-table tbody tr').evaluateAll((trs) =>
        trs.map((tr) => ({
          id: tr.dataset.claim,
          cells: [...tr.querySelectorAll('td[data-reading]')].map((td) => ({
            reading: td.dataset.reading,
            holds: td.dataset.holds,
            text: td.textContent,
          })),
        })),
      );
      assert.deepEqual(
        claims.map((c) => c.id),
        ['default-test', 'width', 'depth', 'spikes', 'lr-1e-4', 'lr-1e-5'],
      );
      for (const c of claims) {
        assert.deepEqual(
          c.cells.map((x) => x.reading),
          ['report-code', 'proper-sum'],
        );
        for (const x of c.cells) {
          assert.notEqual(x.text, 'not run', `${c.id} in ${x.reading}`);
          assert.match(x.holds, /^(true|false|null)$/);
        }
      }
      assert.match(
        claims[0].cells[0].text,
        /^[✓✗] \d+\.\d\d % \([+−]\d+\.\d\d points\) \(after 2 epochs\) — (holds|does not hold)$/,
      );
      assert.deepEqual(await page.locator('#claims-table thead th').allTextContents(), [
        'The report says',
        'The report’s number',
        "Measured: the report's code",
        'Measured: done properly, summed gradient',
      ]);
      const explanation = await page.locator('#claims-explanation p').allTextContents();
      console.log(`explanation (synthetic data, 2 epochs):\n  ${explanation.join('\n  ')}`);
      assert.match(explanation[0], /^These runs trained 2 epochs, the report 100/);
      assert.ok(explanation.some((p) => /is (a little )?closer to the report|Neither reading is closer/.test(p)));
      assert.ok(
        explanation.some((p) =>
          /^With η = 0\.001, each step moves the weights by η × ½ = 0\.0005 .* and by η × 1 = 0\.001 in “done properly, summed gradient”: 2 times less in “the report's code”/.test(
            p,
          ),
        ),
      );
      await screenshot(page, 'report-02-whole-report');
    },
  );

  test('a reload mid-queue resumes the interrupted run from its checkpoint', { timeout: 5 * MINUTE }, async () => {
    page = await pageWithData(suite.browser, suite.syntheticUrl);
    // A run checkpoints at most once a second (training_session.js EPOCH_CHECKPOINT_MS), and a synthetic run at
    // full speed ends within one: at one epoch a second every epoch is stored, as on real MNIST.
    await show(page, 'train');
    await page.selectOption('#pace-select', 'epoch-1s');
    const EPOCHS = 12;
    await runExperiment(page, { experiment: 'width', epochs: EPOCHS });
    // Into the second run, with a checkpoint of it in IndexedDB after epoch 4 or later.
    await page.waitForFunction(
      () => {
        const s = window.mnist.queueSaved;
        return window.mnist.queue?.index === 1 && s?.index === 1 && s.progress.epoch >= 4;
      },
      null,
      { timeout: 2 * MINUTE, polling: 20 },
    );
    const before = await page.evaluate(() => ({
      queue: window.mnist.queue,
      run: window.mnist.run.id,
      epochs: window.mnist.run.epochs.length,
      saved: window.mnist.queueSaved.progress.epoch,
    }));
    await page.reload();
    await waitForData(page).catch(() => {}); // Train stays off while the queue owns the trainer
    await page.waitForFunction(() => document.body.dataset.dataState === 'ready', null, { timeout: MINUTE });
    await page.waitForFunction(
      () =>
        /^Resumed after the reload: run 2 of 3 from epoch \d+/.test(
          document.getElementById('experiment-note').textContent,
        ),
      null,
      { timeout: MINUTE },
    );
    const note = await page.textContent('#experiment-note');
    const resumedAt = Number(note.match(/from epoch (\d+)/)[1]);
    console.log(`reloaded at run 2, epoch ${before.epochs} shown, epoch ${before.saved} stored; ${note}`);
    assert.ok(
      resumedAt >= before.saved && resumedAt < EPOCHS,
      `resumed from epoch ${resumedAt}, the checkpoint stored was epoch ${before.saved}`,
    );
    const after = await page.evaluate(() => ({ queue: window.mnist.queue, run: window.mnist.run?.id }));
    assert.equal(after.queue.id, before.queue.id);
    assert.equal(after.queue.index, 1);
    assert.equal(after.run, before.run, 'the interrupted run goes on as the current run');
    await waitQueue(page, 'finished', 3 * MINUTE);
    const runs = await page.evaluate(() =>
      window.mnist.queue.items.map((i) => window.mnist.runs.find((r) => r.id === i.runId)),
    );
    assert.equal(new Set(runs.map((r) => r.id)).size, 3);
    assert.equal(runs[1].id, before.run);
    for (const r of runs)
      assert.deepEqual(
        r.epochs.map((e) => e.epoch),
        Array.from({ length: EPOCHS }, (_, i) => i + 1),
        `${r.label}: every epoch once`,
      );
    // Its per-batch curve has no gap or overlap either: one point per batch, in order.
    const bpe = runs[1].progress.batchesPerEpoch;
    assert.equal(runs[1].x.length, EPOCHS * bpe);
    assert.ok(runs[1].x.every((x, i) => Math.abs(x - (i + 1) / bpe) < 1e-9));
    assert.deepEqual(
      (await page.evaluate(() => window.mnist.queue)).items.map((i) => i.status),
      ['done', 'done', 'done'],
    );
    await screenshot(page, 'report-03-resumed');
  });

  test(
    'pause stops the queue within a chunk, resume goes on, cancel ends it and frees the controls',
    { timeout: 4 * MINUTE },
    async () => {
      page = await pageWithData(suite.browser, suite.syntheticUrl);
      await runExperiment(page, { experiment: 'report', epochs: 200, evaluation: 'all' });
      await page.waitForFunction(
        () => (window.mnist.run?.epochs.length ?? 0) >= 2 && window.mnist.queue?.state === 'running',
        null,
        { timeout: MINUTE },
      );
      const latencies = [];
      for (let i = 0; i < 3; i++) {
        // From the click to the page's queue state 'paused' (the worker's answer).
        const ms = await page.evaluate(
          () =>
            new Promise((resolve) => {
              const t0 = performance.now();
              new MutationObserver((_, obs) => {
                if (document.body.dataset.queueState === 'paused') {
                  obs.disconnect();
                  resolve(performance.now() - t0);
                }
              }).observe(document.body, { attributes: true, attributeFilter: ['data-queue-state'] });
              document.getElementById('btn-experiment-pause').click();
            }),
        );
        latencies.push(ms);
        const step = await page.evaluate(() => window.mnist.trainer.progress.step);
        await page.waitForTimeout(400);
        assert.equal(await page.evaluate(() => window.mnist.trainer.progress.step), step, 'no batch while paused');
        assert.equal(await page.textContent('#btn-experiment-pause'), 'Resume');
        assert.match(await page.textContent('#experiment-progress'), /^Paused: run 1 of 7/);
        await page.click('#btn-experiment-pause');
        await waitQueue(page, 'running', 10_000);
        await page.waitForFunction((s) => window.mnist.trainer.progress.step > s + 3, step, { timeout: 20_000 });
      }
      const load = loadavg()[0] / availableParallelism();
      const limit = load > 1 ? 300 : 100;
      console.log(
        `queue pause answered after ${latencies.map((x) => `${x.toFixed(0)} ms`).join(', ')} (load ${load.toFixed(2)} per core → limit ${limit} ms)`,
      );
      assert.ok(latencies.sort((a, b) => a - b)[1] < limit, `median pause latency ${latencies[1]} ms`);

      await page.click('#btn-experiment-cancel');
      await waitQueue(page, 'cancelled', 10_000);
      await page.waitForFunction(() => document.body.dataset.trainState === 'idle', null, { timeout: 10_000 });
      const q = await page.evaluate(() => window.mnist.queue);
      assert.deepEqual(
        q.items.map((i) => i.status),
        ['stopped', 'cancelled', 'cancelled', 'cancelled', 'cancelled', 'cancelled', 'cancelled'],
      );
      assert.equal(await page.isDisabled('#btn-train'), false, 'the training controls are back');
      assert.equal(await page.isDisabled('#btn-experiment-run'), false);
      assert.match(
        await page.textContent('#experiment-last'),
        /^Last queue \(the whole report, 200 epochs\): cancelled, 0 of 7 runs done\.$/,
      );
      // The stopped run keeps its epochs in the history.
      assert.ok(
        (await page.evaluate((id) => window.mnist.runs.find((r) => r.id === id).epochs.length, q.items[0].runId)) >= 2,
      );
    },
  );

  test('real MNIST: the width experiment in the report’s code, 2 epochs', { timeout: 4 * MINUTE }, async () => {
    page = await pageWithData(suite.browser, suite.url);
    await runExperiment(page, { experiment: 'width', epochs: 2 });
    await waitQueue(page, 'finished', 3 * MINUTE);
    await waitFigures(page, { fig3: 3 });
    const fig3 = (await page.evaluate(() => window.mnist.figures)).find((f) => f.id === 'fig3');
    assert.deepEqual(fig3.columns, ['20 hidden', '40 hidden', '80 hidden']);
    const acc = fig3.rows.map((r) => r.cells.map((c) => Number.parseFloat(c)));
    console.log(`real MNIST, the report's code, training accuracy after epochs 1 and 2: ${JSON.stringify(acc)}`);
    for (let k = 0; k < 3; k++) {
      assert.ok(acc[1][k] > acc[0][k], 'it learns');
      assert.ok(acc[1][k] > 40, `${fig3.columns[k]}: ${acc[1][k]} %`);
    }
    const runs = await page.evaluate(() =>
      window.mnist.queue.items.map((i) => window.mnist.runs.find((r) => r.id === i.runId)),
    );
    assert.ok(
      runs.every((r) => r.epochs.every((e) => e.trainSet.count === 3000)),
      'the first 3,000 training images',
    );
    await page.locator('#report').screenshot({ path: 'build/test-artifacts/report-04-mnist-width.png' });
  });
});
