// The page on every core when it is cross-origin isolated, on one otherwise:
// served with COOP/COEP (scripts/serve.mjs) it loads the threaded engine and
// trains on navigator.hardwareConcurrency threads, and the thread count can
// change while training; served without them (a static host), with service
// workers blocked, it trains on one thread and says why; and with service
// workers allowed, isolation-sw.js makes such a page isolated after one
// reload. Run: node --test tests/browser/
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { waitForData } from './fixtures.mjs';
import { screenshot } from './harness.mjs';
import { useBrowserSuite } from './suite.mjs';

const MINUTE = 60_000;

const threadsUi = (page) =>
  page.evaluate(() => ({
    isolated: self.crossOriginIsolated,
    cores: navigator.hardwareConcurrency,
    options: document.getElementById('threads-select').options.length,
    value: Number(document.getElementById('threads-select').value),
    disabled: document.getElementById('threads-select').disabled,
    label: document.getElementById('threads-label').textContent,
    note: document.getElementById('threads-note').hidden ? null : document.getElementById('threads-note').textContent,
    title: document.getElementById('badge-threads').title,
  }));

/** Starts a run long enough to be still training after the thread count is changed twice (then stopped). */
async function trainSomeBatches(page, batches = 20) {
  await page.fill('#f-epochs', '200'); // 30 epochs of the synthetic data can end within those changes on a busy machine
  await page.click('#btn-train');
  await page.waitForFunction((n) => Number(document.getElementById('stat-batch').dataset.step || 0) > n, batches, {
    timeout: MINUTE,
  });
}

describe('threads in Chromium', { timeout: 10 * MINUTE }, () => {
  // Each test serves the synthetic site as it needs and opens a browser of its own (suite.open).
  const suite = useBrowserSuite({ real: false, synthetic: true, serve: false });

  async function open({ isolated, serviceWorkers }) {
    const { server, browser } = await suite.open(suite.syntheticSite, { isolated, serviceWorkers });
    await browser.page.goto(server.url);
    return { server, browser, page: browser.page };
  }

  test(
    'isolated: the threaded engine trains on every core; the count changes while training',
    { timeout: 4 * MINUTE },
    async () => {
      const { page } = await open({ isolated: true, serviceWorkers: 'block' });
      await waitForData(page);
      const ui = await threadsUi(page);
      console.log(`isolated page: ${JSON.stringify(ui)}`);
      assert.equal(ui.isolated, true);
      assert.equal(ui.options, Math.min(ui.cores, 16));
      assert.equal(ui.value, Math.min(ui.cores, 16), 'all cores by default');
      assert.equal(ui.note, null);
      assert.match(ui.title, /WebAssembly threads/);
      await trainSomeBatches(page);
      if (ui.options > 1) {
        const before = await page.evaluate(() => Number(document.getElementById('stat-batch').dataset.step));
        await page.selectOption('#threads-select', '1');
        await page.waitForFunction(() => /on 1 of the/.test(document.getElementById('badge-threads').title), null, {
          timeout: 10_000,
        });
        await page.waitForFunction((s) => Number(document.getElementById('stat-batch').dataset.step) > s + 10, before, {
          timeout: MINUTE,
        });
        assert.equal(await page.evaluate(() => document.body.dataset.trainState), 'running');
        await page.selectOption('#threads-select', String(ui.options));
        await page.waitForFunction(
          (n) => new RegExp(`on ${n} of the`).test(document.getElementById('badge-threads').title),
          ui.options,
          { timeout: 10_000 },
        );
        // The choice is remembered.
        assert.equal(await page.evaluate(() => localStorage.getItem('mnist-mlp.threads')), String(ui.options));
      }
      await page.click('#btn-stop');
      await screenshot(page, 'threads-isolated');
    },
  );

  test('not isolated, no service worker: one thread, and the page says why', { timeout: 3 * MINUTE }, async () => {
    const { page } = await open({ isolated: false, serviceWorkers: 'block' });
    await waitForData(page);
    const ui = await threadsUi(page);
    console.log(`page without COOP/COEP: ${JSON.stringify(ui)}`);
    assert.equal(ui.isolated, false);
    assert.equal(ui.options, 1);
    assert.equal(ui.disabled, true);
    assert.match(ui.note, /not cross-origin isolated/);
    assert.match(ui.title, /one thread/);
    await trainSomeBatches(page, 5);
    await page.click('#btn-stop');
    await screenshot(page, 'threads-not-isolated');
  });

  test(
    'not isolated, service workers allowed: isolation-sw.js isolates the page after one reload',
    { timeout: 3 * MINUTE },
    async () => {
      const { page } = await open({ isolated: false, serviceWorkers: 'allow' });
      await page.waitForFunction(() => self.crossOriginIsolated === true, null, { timeout: MINUTE });
      await waitForData(page);
      const ui = await threadsUi(page);
      console.log(`page isolated by its service worker: ${JSON.stringify(ui)}`);
      assert.equal(ui.options, Math.min(ui.cores, 16));
      assert.equal(ui.note, null);
      await trainSomeBatches(page, 5);
      await page.click('#btn-stop');
    },
  );
});
