// End-to-end tests of the page in real Chromium: data download, training the
// default network, pause/resume, drawing, model files, reload, and the
// main thread's responsiveness. Run: node --test tests/browser/
//
// The tests share one browser (and the data it keeps in Cache Storage), but
// each starts from a fixture of its own (fixtures.mjs): a fresh page on empty
// IndexedDB, with the data loaded or with a trained model, so any one of them
// can run alone (--test-name-pattern) or in any order. Tests about MNIST or
// accuracy load MNIST; the others load synthetic data from a second server
// (faster to load and to train on). After each test, its page must have
// logged no console error and asked no other origin for anything (suite.mjs).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { before, describe, test } from 'node:test';
import { availableParallelism, loadavg } from 'node:os';

import { syntheticIdx } from '../support/synthetic_mnist.mjs';
import { drawSeven, freshPage, pageWithData, pageWithModel, show, waitForData } from './fixtures.mjs';
import { screenshot, startTrace } from './harness.mjs';
import { useBrowserSuite } from './suite.mjs';

const MINUTE = 60_000;

// Long tasks on the main thread, collected from the first script on.
const LONG_TASK_OBSERVER = () => {
  window.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
};

// Every [value, max] the data progress bar takes, from before the page's script runs.
const PROGRESS_RECORDER = () => {
  window.__progress = [];
  document.addEventListener('readystatechange', () => {
    if (document.readyState !== 'interactive') return;
    const bar = document.getElementById('data-progress');
    const record = () => window.__progress.push([bar.value, bar.max]);
    record();
    new MutationObserver(record).observe(bar, { attributes: true, attributeFilter: ['value', 'max'] });
  });
};

describe('the page in Chromium', { timeout: 15 * MINUTE }, () => {
  const suite = useBrowserSuite({ real: true, synthetic: true });
  let page; // the current test's page, from a fixture

  const state = () => page.evaluate(() => document.body.dataset.trainState);
  const step = () => page.evaluate(() => Number(document.getElementById('stat-batch').dataset.step || 0));
  const waitState = (s, timeout = 30_000) =>
    page.waitForFunction((want) => document.body.dataset.trainState === want, s, { timeout });

  before(() => suite.browser.context.addInitScript(LONG_TASK_OBSERVER));

  /** Opens the Train view's per-epoch table (its rows are drawn only while it is open) and waits for a row per epoch. */
  async function openEpochTable() {
    if (!(await page.$eval('.epoch-details', (d) => d.open))) await page.click('.epoch-details > summary');
    await page.waitForFunction(
      () => document.querySelectorAll('#epoch-table tbody tr').length === (window.mnist.run?.epochs.length ?? 0),
      null,
      { timeout: 5000 },
    );
  }

  test('loads and downloads MNIST with a progress bar', { timeout: 3 * MINUTE }, async () => {
    page = await freshPage(suite.browser, { origin: new URL(suite.url).origin, cacheStorage: true });
    await page.addInitScript(PROGRESS_RECORDER);
    // The second file's response waits 200 ms: the page reports progress at
    // most every 50 ms, so the first bytes of that file are always reported
    // mid-download (the first file done, three to go).
    const delayed = '**/data/train-labels-idx1-ubyte.gz';
    await suite.browser.context.route(delayed, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      await route.continue();
    });
    const t0 = Date.now();
    await page.goto(suite.url);
    await page.waitForFunction(() => document.body.dataset.dataState === 'ready', null, { timeout: 2 * MINUTE });
    await suite.browser.context.unroute(delayed);
    console.log(
      `MNIST downloaded (11.2 MB gzip), decompressed, verified and loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    const status = await page.textContent('#data-status');
    assert.match(status, /50,000 training, 10,000 validation, 10,000 test images of 28×28/);
    assert.doesNotMatch(status, /cache/);
    const [value, max] = await page.evaluate(() => [
      document.getElementById('data-progress').value,
      document.getElementById('data-progress').max,
    ]);
    assert.equal(value, max);
    const progress = await page.evaluate(() => window.__progress);
    const total = progress.find(([, m]) => m > 1)?.[1];
    console.log(
      `progress bar: ${progress.length} values, ${progress.filter(([v, m]) => m > 1 && v > 0 && v < m).length} mid-download`,
    );
    assert.ok(total > 11e6, 'the bar counts the compressed bytes');
    assert.ok(
      progress.some(([v, m]) => m === total && v > 0 && v < m),
      'saw the download in progress',
    );
    assert.ok(
      progress.some(([v, m]) => m === total && v === m),
      'saw it complete',
    );
    const simd = await page.textContent('#badge-simd');
    const threads = await page.evaluate(() => ({
      label: document.getElementById('threads-label').textContent,
      value: Number(document.getElementById('threads-select').value),
      cores: navigator.hardwareConcurrency,
    }));
    console.log(`engine badges: ${simd}, ${JSON.stringify(threads)}`);
    // The module is built with WebAssembly SIMD (wasm/CMakeLists.txt, MLP_WASM_SIMD);
    // the page is cross-origin isolated (scripts/serve.mjs), so it trains on every core.
    assert.equal(simd, 'SIMD: yes');
    assert.equal(threads.label, 'Threads');
    assert.equal(threads.value, Math.min(threads.cores, 16));
    await screenshot(page, '01-loaded');
  });

  test('trains the default network to ≥ 85 % test accuracy (at least one epoch)', { timeout: 5 * MINUTE }, async () => {
    page = await pageWithData(suite.browser, suite.url);
    // The default is the report's network and settings: 784-20-10 sigmoid,
    // sigmoid + BCE, SGD at η = 0.001, batch 128, with the batch gradient
    // summed (with the mean, η = 0.001 gives ~10 % after one epoch).
    assert.equal(await page.inputValue('#f-layers'), '784-20-10');
    assert.equal(await page.inputValue('#f-preset'), 'report');
    assert.equal(await page.inputValue('#f-learningRate'), '0.001');
    assert.equal(await page.isChecked('input[name="gradient"][value="sum"]'), true);
    await page.click('#btn-train');
    await waitState('running');
    const t0 = Date.now();
    // Train until the test accuracy reaches 85 % (the first epoch gives ~84 %, the second ~88 %).
    await page.waitForFunction(
      () => {
        const e = window.mnist.run?.epochs ?? [];
        return e.length >= 1 && (e.at(-1).test.accuracy >= 0.85 || e.length >= 3);
      },
      null,
      { timeout: 4 * MINUTE },
    );
    const seconds = (Date.now() - t0) / 1000;
    const epochs = await page.evaluate(() => window.mnist.run.epochs.map((e) => e.test.accuracy));
    console.log(
      `default network (784-20-10 sigmoid, SGD η=0.001, gradient sum, batch 128): test accuracy by epoch ` +
        `${epochs.map((a) => `${(100 * a).toFixed(2)} %`).join(', ')} (${seconds.toFixed(1)} s)`,
    );
    assert.ok(epochs.at(-1) >= 0.85, `test accuracy ${epochs.at(-1)} after ${epochs.length} epochs`);
    assert.ok(epochs.length <= 2, 'reaches 85 % within two epochs');
    // The page shows it (the stats redraw at most 5 times a second).
    await page.waitForFunction(() => Number(document.getElementById('stat-test').dataset.value) >= 0.85, null, {
      timeout: 5000,
    });
    assert.match(await page.textContent('#stat-test'), /\d+\.\d\d %/);
    await openEpochTable();
    assert.ok((await page.locator('#epoch-table tbody tr').count()) >= 1);
    await screenshot(page, '02-trained');
    // The confusion matrix is in the Classify view (drawn when it is shown).
    await show(page, 'classify');
    await page.waitForSelector('#confusion table.confusion', { timeout: 5000 });
    assert.equal(await page.locator('#confusion table.confusion td.diag').count(), 10);
    await screenshot(page, '02-trained-classify');
  });

  test('the main thread has no long task while training', { timeout: 2 * MINUTE }, async () => {
    page = await pageWithData(suite.browser, suite.url);
    await page.fill('#f-epochs', '200'); // on all cores of a quiet machine, 30 epochs of 784-20-10 end within the 6 s
    await page.click('.epoch-details > summary'); // the per-epoch table open: its rows are drawn as epochs end
    await page.evaluate(() => {
      window.__longTasks = [];
      window.__trainStart = performance.now();
    });
    const trace = await startTrace(suite.browser.context, page);
    await page.click('#btn-train');
    // Two epoch ends (where the epoch table and the stats redraw; the confusion
    // matrix, weights and gallery are in views not shown, which draw nothing)
    // and at least 6 s of training.
    const t0 = Date.now();
    await page.waitForFunction(() => (window.mnist.run?.epochs.length ?? 0) >= 2, null, { timeout: 90_000 });
    await page.waitForTimeout(Math.max(0, 6000 - (Date.now() - t0)));
    assert.equal(await state(), 'running');
    const [longTasks, seconds] = await page.evaluate(() => [
      window.__longTasks.map((t) => ({ ...t, start: t.start - window.__trainStart })),
      (performance.now() - window.__trainStart) / 1000,
    ]);
    console.log(
      `main-thread long tasks during ${seconds.toFixed(1)} s of training: ${longTasks.length}` +
        (longTasks.length
          ? ` (${longTasks.map((t) => `${t.duration.toFixed(0)} ms at +${(t.start / 1000).toFixed(2)} s`).join(', ')})`
          : ''),
    );
    // A long task is wall time: on a shared machine whose other processes keep
    // every core busy, the OS alone can stretch a 10 ms task past 50 ms. The
    // 50 ms limit is enforced when the machine is not busy; otherwise (load
    // average above 1 per core: this test's own worker and renderer already
    // make about 0.75) only tasks over 200 ms fail, and the trace below checks
    // each task's CPU time, which contention does not inflate, against 50 ms.
    const load = loadavg()[0] / availableParallelism();
    const limit = load > 1 ? 200 : 50;
    console.log(`load average per core during the check: ${load.toFixed(2)} → long-task limit ${limit} ms`);
    // The same window from a Chromium trace: each main-thread task's CPU time
    // (thread time, which the OS's scheduling does not inflate) must stay under 50 ms.
    const { main: tasks } = await trace.stop();
    const cpu = tasks.map((t) => t.cpuMs).sort((a, b) => b - a);
    const wallOver = tasks.filter((t) => t.wallMs > 50).length;
    console.log(
      `trace: ${tasks.length} main-thread tasks, ${wallOver} over 50 ms wall time; largest CPU times ` +
        `${cpu
          .slice(0, 5)
          .map((x) => `${x.toFixed(1)} ms`)
          .join(', ')}; main-thread CPU ${cpu.reduce((a, b) => a + b, 0).toFixed(0)} ms`,
    );
    assert.ok(cpu[0] < 50, `a main-thread task took ${cpu[0].toFixed(1)} ms of CPU`);
    assert.deepEqual(
      longTasks.filter((t) => t.duration > limit),
      [],
      `no main-thread task over ${limit} ms while training`,
    );
  });

  test('pause stops the batch counter, resume moves it again', { timeout: 2 * MINUTE }, async () => {
    page = await pageWithData(suite.browser, suite.url);
    await page.fill('#f-epochs', '30');
    await page.click('#btn-train');
    await waitState('running');
    await page.waitForFunction(() => Number(document.getElementById('stat-batch').dataset.step || 0) > 20, null, {
      timeout: 30_000,
    });
    assert.equal(await state(), 'running');
    const clicked = Date.now();
    await page.click('#btn-pause');
    await waitState('paused', 5000);
    const pausedAfter = Date.now() - clicked;
    const s1 = await step();
    await page.waitForTimeout(600);
    const s2 = await step();
    assert.equal(s2, s1, 'the batch counter does not move while paused');
    console.log(`pause acknowledged after ${pausedAfter} ms (at step ${s1})`);
    assert.ok(pausedAfter < 1000, `pause took ${pausedAfter} ms`);
    assert.equal(await page.textContent('#btn-pause'), 'Resume');

    // One batch with Step, then resume with the keyboard (Space).
    await page.click('#btn-step');
    await page.waitForFunction((s) => Number(document.getElementById('stat-batch').dataset.step) === s + 1, s2, {
      timeout: 10_000,
    });
    await waitState('paused');
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Space');
    await waitState('running');
    await page.waitForFunction((s) => Number(document.getElementById('stat-batch').dataset.step) > s + 5, s2 + 1, {
      timeout: 10_000,
    });
    // The learning rate changes live, without a new run.
    const runId = await page.evaluate(() => window.mnist.run.id);
    await page.fill('#f-learningRate', '0.002');
    await page.waitForFunction(() => window.mnist.trainer.config.learningRate === 0.002, null, { timeout: 5000 });
    assert.equal(await state(), 'running');
    assert.equal(await page.evaluate(() => window.mnist.run.id), runId);
    await page.fill('#f-learningRate', '0.001');
    await page.waitForFunction(() => window.mnist.trainer.config.learningRate === 0.001, null, { timeout: 5000 });
    await page.click('#btn-stop');
    await waitState('idle');
  });

  test('drawing a digit gives a prediction; clearing removes it', { timeout: 2 * MINUTE }, async () => {
    page = await pageWithModel(suite.browser, suite.syntheticUrl, { epochs: 0 });
    await show(page, 'classify');
    await drawSeven(page);
    const predicted = await page.getAttribute('#draw-result', 'data-prediction');
    console.log(
      `drawn "7" classified (by a model of one batch of synthetic data) as ${predicted}: ${await page.textContent('#draw-result')}`,
    );
    assert.match(predicted, /^[0-9]$/);
    await screenshot(page, '03-drawn-digit');
    await page.click('#btn-clear');
    await page.waitForFunction(() => document.getElementById('draw-result').dataset.prediction === '', null, {
      timeout: 5000,
    });
    assert.equal(await page.textContent('#draw-result'), 'Draw a digit in the box.');
    assert.equal(await page.locator('.probs-row.is-best').count(), 0);
  });

  test('the gallery shows test digits and the most confident mistakes', { timeout: 2 * MINUTE }, async () => {
    page = await pageWithModel(suite.browser, suite.syntheticUrl, { epochs: 0 });
    await show(page, 'classify');
    await page.locator('#gallery').scrollIntoViewIfNeeded();
    await page.waitForSelector('#gallery .tile', { timeout: 20_000 });
    await page.check('input[name="gallery-filter"][value="wrong"]');
    await page.waitForSelector('#gallery .tile.is-wrong');
    await page.click('#gallery .tile >> nth=0');
    assert.match(await page.textContent('#gallery-detail .detail-text'), /true label \d, predicted \d/);
    await screenshot(page, '04-gallery-mistakes');
  });

  test('a corrupt model file shows a specific error', { timeout: 2 * MINUTE }, async () => {
    page = await pageWithModel(suite.browser, suite.syntheticUrl, { epochs: 0 });
    const model = await page.evaluate(() => ({ progress: window.mnist.trainer.progress, run: window.mnist.run.id }));
    await show(page, 'runs');
    await page.setInputFiles('#model-file', {
      name: 'corrupt.safetensors',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from('this is not a safetensors file at all'),
    });
    await page.waitForFunction(() => document.getElementById('model-error').textContent !== '', null, {
      timeout: 10_000,
    });
    const error = await page.textContent('#model-error');
    console.log(`corrupt model: ${error}`);
    assert.match(error, /^Could not load corrupt\.safetensors: .{10,}/);
    // The current model is untouched.
    assert.equal(await state(), 'idle');
    assert.deepEqual(
      await page.evaluate(() => ({ progress: window.mnist.trainer.progress, run: window.mnist.run.id })),
      model,
    );
  });

  test('after a reload the model and the curves are back', { timeout: 3 * MINUTE }, async () => {
    page = await pageWithModel(suite.browser, suite.url);
    await openEpochTable();
    const before = {
      test: await page.textContent('#stat-test'),
      step: await step(),
      rows: await page.locator('#epoch-table tbody tr').count(),
    };
    const requestsBefore = suite.browser.requests.length;
    const t0 = Date.now();
    await page.reload();
    await waitForData(page);
    console.log(`after a reload the data is ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (from Cache Storage)`);
    const gz = suite.browser.requests.slice(requestsBefore).filter((u) => u.endsWith('.gz'));
    assert.deepEqual(gz, [], 'the data comes from Cache Storage, not the network');
    await page.waitForFunction(() => document.body.dataset.trainState === 'idle', null, { timeout: 30_000 });
    // The worker's trainer (state idle) comes before the restore ends: the run and the model status follow its
    // answer, and the stats line draws them on the next animation frame. Wait until the page shows the restored
    // model (not there in time: the assertions below say what differs).
    await page
      .waitForFunction(
        ({ test, step }) =>
          /Restored/.test(document.getElementById('model-status').textContent) &&
          document.getElementById('stat-test').textContent === test &&
          Number(document.getElementById('stat-batch').dataset.step || 0) === step,
        before,
        { timeout: 10_000 },
      )
      .catch(() => {});
    assert.match(await page.textContent('#data-status'), /cache/);
    assert.equal(await page.textContent('#stat-test'), before.test);
    assert.equal(await step(), before.step);
    await openEpochTable();
    assert.equal(await page.locator('#epoch-table tbody tr').count(), before.rows);
    assert.match(await page.textContent('#model-status'), /Restored/);
    assert.equal(await page.textContent('#btn-train'), 'Train more');
    // The charts have their points back.
    const points = await page.evaluate(() => window.mnist.run.x.length);
    assert.ok(points >= 390, `restored ${points} per-batch points`);
    await screenshot(page, '05-restored');
  });

  test('the model downloads as .safetensors and loads back', { timeout: 2 * MINUTE }, async () => {
    page = await pageWithModel(suite.browser, suite.syntheticUrl, { epochs: 0 });
    await show(page, 'runs');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#btn-download')]);
    assert.match(download.suggestedFilename(), /^mnist-784-20-10-sigmoid-sgd-epoch\d+\.safetensors$/);
    // …and loading it back resumes that model as a new run.
    const bytes = await readFile(await download.path());
    const progress = await page.evaluate(() => window.mnist.trainer.progress);
    await page.setInputFiles('#model-file', {
      name: download.suggestedFilename(),
      mimeType: 'application/octet-stream',
      buffer: bytes,
    });
    await page.waitForFunction(() => /^Loaded /.test(document.getElementById('model-status').textContent), null, {
      timeout: 10_000,
    });
    assert.equal(await page.textContent('#model-error'), '');
    assert.deepEqual(await page.evaluate(() => window.mnist.trainer.progress), progress);
    // The run list redraws at most twice a second.
    await page.waitForFunction(
      () => /Loaded mnist-784-20-10/.test(document.querySelector('#run-list .run.is-current')?.textContent ?? ''),
      null,
      { timeout: 5000 },
    );
    assert.match(await page.textContent('#run-list .run.is-current'), /Loaded mnist-784-20-10/);
  });

  test('784-80-10: time for one epoch in the page', { timeout: 5 * MINUTE }, async () => {
    // A 784-20-10 model (one batch), so that the new preset is a new network.
    page = await pageWithModel(suite.browser, suite.url, { epochs: 0 });
    await page.selectOption('#f-preset', 'h80');
    assert.equal(await page.textContent('#btn-train'), 'Train new network');
    await page.click('#btn-train');
    await page.waitForFunction(
      () => window.mnist.run.config.layers[1] === 80 && window.mnist.run.epochs.length >= 1,
      null,
      { timeout: 4 * MINUTE },
    );
    const r = await page.evaluate(() => {
      const run = window.mnist.run;
      return { runMs: run.epochs[0].runMs, acc: run.epochs[0].test.accuracy, rate: window.mnist.samplesPerSecond };
    });
    await page.click('#btn-stop');
    await waitState('idle');
    console.log(
      `784-80-10 sigmoid in the page: one epoch (50,000 samples + evaluation) in ${(r.runMs / 1000).toFixed(2)} s, ` +
        `${Math.round(r.rate).toLocaleString('en')} samples/s while training, test accuracy ${(100 * r.acc).toFixed(2)} %`,
    );
    assert.ok(r.acc > 0.8);
  });

  test('a crashed worker is replaced by itself; the saved model survives', { timeout: 3 * MINUTE }, async () => {
    // The simulated crash logs an uncaught error from the worker: expected here only.
    suite.expectConsoleErrors(/simulated worker crash/);
    page = await pageWithModel(suite.browser, suite.syntheticUrl);
    const saved = await page.textContent('#stat-test');
    assert.match(saved, /^\d+\.\d\d %$/);
    await page.evaluate(() => window.mnist.crashWorker());
    await page.waitForFunction(() => window.mnist.recovery !== null, null, { timeout: MINUTE });
    assert.match(
      await page.textContent('#alert-text'),
      /stopped \(.*simulated worker crash\) and was replaced.*nothing was lost/,
    );
    await page.waitForFunction(() => document.body.dataset.trainState === 'idle', null, { timeout: 2 * MINUTE });
    assert.equal(await page.textContent('#stat-test'), saved);
  });

  test('invalid values are refused next to their field', { timeout: 2 * MINUTE }, async () => {
    page = await pageWithData(suite.browser, suite.syntheticUrl);
    await page.fill('#f-learningRate', '-1');
    assert.equal(await page.getAttribute('#f-learningRate', 'aria-invalid'), 'true');
    assert.match(await page.textContent('#err-learningRate'), /learning rate must be in \(0, 100\]/);
    await page.fill('#f-layers', '784-abc-10');
    assert.match(await page.textContent('#err-layers'), /“abc” is not a positive whole number/);
    await page.click('#btn-step');
    assert.equal(
      await page.evaluate(() => document.activeElement.id),
      'f-layers',
      'focus moves to the first invalid field',
    );
    await page.selectOption('#f-preset', 'report');
    assert.equal(await page.getAttribute('#f-learningRate', 'aria-invalid'), null);
  });

  test('a diverging run stops itself with a clear message', { timeout: 2 * MINUTE }, async () => {
    page = await pageWithData(suite.browser, suite.syntheticUrl);
    await page.fill('#f-layers', '784-100-100-100-10');
    await page.selectOption('#f-activation', 'relu');
    await page.selectOption('#f-loss', 'softmax-ce');
    await page.selectOption('#f-optimizer', 'momentum');
    await page.fill('#f-learningRate', '10');
    await page.check('input[name="gradient"][value="sum"]');
    await page.click('#btn-train');
    await page.waitForSelector('#alert:not([hidden])', { timeout: MINUTE });
    const text = await page.textContent('#alert-text');
    console.log(`diverged: ${text}`);
    assert.match(
      text,
      /^Training stopped: training diverged: (the loss became (NaN|infinite)|a weight became NaN or infinite)/,
    );
    assert.equal(await state(), 'diverged');
    await screenshot(page, '07-diverged');
    await page.click('#alert-dismiss');
  });

  test('the user can load their own IDX files of another size', { timeout: 2 * MINUTE }, async () => {
    page = await pageWithData(suite.browser, suite.url);
    // Synthetic 8×8 digits of 8 classes: class k lights up row k (over noise).
    const make = (n, seed) => {
      const { images, labels } = syntheticIdx(n, { rows: 8, cols: 8, classes: 8, seed });
      return { images: Buffer.from(images), labels: Buffer.from(labels) };
    };
    const train = make(400, 1);
    const testSet = make(80, 2);
    await page.click('#own-data summary');
    const file = (name, buffer) => ({ name, mimeType: 'application/octet-stream', buffer });
    await page.setInputFiles('#idx-form input[name="trainImages"]', file('train-images', train.images));
    await page.setInputFiles('#idx-form input[name="trainLabels"]', file('train-labels', train.labels));
    await page.setInputFiles('#idx-form input[name="testImages"]', file('test-images', testSet.images));
    // A malformed file first: the engine says what is wrong.
    await page.setInputFiles(
      '#idx-form input[name="testLabels"]',
      file('bad', Buffer.from([0, 0, 8, 1, 0, 0, 0, 80, 1, 2])),
    );
    await page.fill('#idx-form input[name="validation"]', '100');
    await page.click('#idx-form button[type="submit"]');
    await page.waitForFunction(() => document.getElementById('idx-error').textContent !== '', null, {
      timeout: 10_000,
    });
    const error = await page.textContent('#idx-error');
    console.log(`malformed labels: ${error}`);
    assert.match(error, /truncated/);
    await page.setInputFiles('#idx-form input[name="testLabels"]', file('test-labels', testSet.labels));
    await page.click('#idx-form button[type="submit"]');
    await page.waitForFunction(() => /8×8/.test(document.getElementById('data-status').textContent), null, {
      timeout: 10_000,
    });
    assert.equal(await page.textContent('#idx-error'), '');
    assert.match(await page.inputValue('#f-layers'), /^64-/);
    await page.selectOption('#f-preset', 'report');
    assert.equal(await page.inputValue('#f-layers'), '64-20-10');
    await page.fill('#f-epochs', '2');
    await page.click('#btn-train');
    await page.waitForFunction(
      () => document.body.dataset.trainState === 'idle' && window.mnist.run.epochs.length === 2,
      null,
      { timeout: MINUTE },
    );
    await page.click('#idx-mnist');
    await page.waitForFunction(() => /MNIST: 50,000/.test(document.getElementById('data-status').textContent), null, {
      timeout: MINUTE,
    });
    assert.equal(await page.inputValue('#f-layers'), '784-20-10');
  });
});
