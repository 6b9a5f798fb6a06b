// The "fast" preset must reach 98 % test accuracy within 60 s of training in
// headless Chromium. Time is the worker's running time (training plus the
// per-epoch validation/test evaluation), as the page shows under "Elapsed".
import assert from 'node:assert/strict';
import { availableParallelism, loadavg } from 'node:os';
import { test } from 'node:test';

import { screenshot, startTrace } from './harness.mjs';
import { useBrowserSuite } from './suite.mjs';

const BUDGET_S = 60;
const suite = useBrowserSuite({ real: true });

test(`the fast preset reaches 98 % test accuracy within ${BUDGET_S} s`, { timeout: 10 * 60_000 }, async () => {
  const page = suite.browser.page;
  await page.goto(suite.url);
  await page.waitForFunction(() => document.body.dataset.dataState === 'ready', null, { timeout: 120_000 });
  await page.selectOption('#f-preset', 'fast');
  const config = await page.evaluate(() => ({
    layers: document.getElementById('f-layers').value,
    activation: document.getElementById('f-activation').value,
    loss: document.getElementById('f-loss').value,
    optimizer: document.getElementById('f-optimizer').value,
    lr: document.getElementById('f-learningRate').value,
    batch: document.getElementById('f-batchSize').value,
    l2: document.getElementById('f-l2').value,
    epochs: document.getElementById('f-epochs').value,
  }));
  const trace = await startTrace(suite.browser.context, page);
  await page.click('#btn-train');
  // Until 98 % or the preset's epochs are done (generous: a busy machine is slower).
  await page.waitForFunction(
    () => {
      const app = window.mnist;
      const e = app.run?.epochs ?? [];
      return (e.length > 0 && e.at(-1).test.accuracy >= 0.98) || (e.length > 0 && app.state === 'idle');
    },
    null,
    { timeout: 9 * 60_000 },
  );
  const result = await page.evaluate(() => {
    const app = window.mnist;
    return {
      epochs: app.run.epochs.map((e) => ({ epoch: e.epoch, acc: e.test.accuracy, s: e.runMs / 1000 })),
      rate: app.samplesPerSecond,
    };
  });
  await page.click('#btn-stop').catch(() => {});
  await page.waitForFunction(() => document.body.dataset.trainState === 'idle');
  // The worker's CPU time: what the run costs on an otherwise idle machine.
  const { worker } = await trace.stop();
  const workerCpuS = worker.reduce((a, t) => a + t.cpuMs, 0) / 1000;
  const workerWallS = worker.reduce((a, t) => a + t.wallMs, 0) / 1000;
  await screenshot(page, '06-fast-preset');
  const load = loadavg()[0] / availableParallelism();
  const hit = result.epochs.find((e) => e.acc >= 0.98);
  console.log(
    `fast preset: ${config.layers} ${config.activation} ${config.loss} ${config.optimizer} η=${config.lr} batch ${config.batch} λ=${config.l2}`,
  );
  console.log(
    `  per epoch: ${result.epochs.map((e) => `${e.epoch}: ${(100 * e.acc).toFixed(2)} % @ ${e.s.toFixed(1)} s`).join(', ')}`,
  );
  console.log(
    `  ${hit ? `98 % reached at epoch ${hit.epoch} after ${hit.s.toFixed(1)} s` : 'did not reach 98 %'}; load per core ${load.toFixed(2)}`,
  );
  console.log(
    `  worker thread: ${workerCpuS.toFixed(1)} s of CPU in ${workerWallS.toFixed(1)} s of tasks (until stopped, a little after 98 %)`,
  );
  assert.ok(hit, 'reaches 98 % test accuracy');
  // The 60 s budget is about this machine's speed. When other processes keep
  // the cores busy (load above 1.5 per core) the wall time says more about
  // them than about us: then the worker's CPU time must fit the budget.
  if (load <= 1.5) assert.ok(hit.s <= BUDGET_S, `98 % after ${hit.s.toFixed(1)} s`);
  else assert.ok(workerCpuS <= BUDGET_S, `98 % after ${workerCpuS.toFixed(1)} s of worker CPU time`);
});
