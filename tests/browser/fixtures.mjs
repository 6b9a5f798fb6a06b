// Fixtures for the page's browser tests: each test asks for the page it
// needs, so no test depends on what another one left behind. Every fixture
// closes the pages of the test before and starts on an empty IndexedDB (no
// saved model or runs); the data files stay in Cache Storage unless a test
// clears them, so only the first page of a run downloads them.
//
//   freshPage      a new page, not yet loaded
//   pageWithData   loaded, data ready, no model
//   pageWithModel  the default network (784-20-10) trained for `epochs` epochs and saved,
//                  or for one batch (epochs: 0) where any model will do
//
// Tests that are about MNIST or accuracy use the site (build/site). The
// others use a copy of it whose data are synthetic (buildSyntheticSite),
// served from another origin so that each keeps its own storage: the page
// loads them 5× faster and trains an epoch of them in a blink.
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { MNIST_FILES } from '../../web/shared/mnist_files.js';
import { syntheticMnist } from '../support/synthetic_mnist.mjs';
import { ROOT } from './harness.mjs';

const MINUTE = 60_000;

/**
 * Copies the site (build/site, built) to `to` with synthetic data in place
 * of MNIST: 28×28 images of 10 classes with random pixels and labels (so a
 * trained model still makes mistakes), 2,000 training images plus the
 * 10,000 the worker holds out for validation, and 1,000 test images.
 * Returns `to`.
 */
export function buildSyntheticSite(to = join(ROOT, 'build', 'test-site-synthetic')) {
  const from = join(ROOT, 'build', 'site');
  rmSync(to, { recursive: true, force: true });
  cpSync(from, to, { recursive: true, filter: (src) => src !== join(from, 'data') });
  mkdirSync(join(to, 'data'));
  const data = syntheticMnist({ train: 2000, validation: 10000, test: 1000, learnable: false, seed: 7 });
  const files = MNIST_FILES.map(({ role, name }) => {
    const raw = data[role];
    const gz = gzipSync(raw, { level: 1 });
    writeFileSync(join(to, 'data', `${name}.gz`), gz);
    return {
      role,
      name,
      url: `${name}.gz`,
      size: raw.length,
      gzSize: gz.length,
      sha256: createHash('sha256').update(raw).digest('hex'),
    };
  });
  const manifest = {
    dataset: 'Synthetic data',
    source: 'tests/support/synthetic_mnist.mjs',
    files,
    totalGzBytes: files.reduce((n, f) => n + f.gzSize, 0),
    totalBytes: files.reduce((n, f) => n + f.size, 0),
  };
  writeFileSync(join(to, 'data', 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return to;
}

/** A new page of browser (see harness.mjs launch) on empty storage; cacheStorage: also drop the cached MNIST. */
export async function freshPage(browser, { origin, cacheStorage = false } = {}) {
  const page = await browser.context.newPage();
  for (const p of browser.context.pages()) if (p !== page) await p.close();
  const cdp = await browser.context.newCDPSession(page);
  const storageTypes = ['indexeddb', 'local_storage', ...(cacheStorage ? ['cache_storage'] : [])].join(',');
  await cdp.send('Storage.clearDataForOrigin', { origin, storageTypes });
  await cdp.detach();
  return page;
}

/** The views of the page, as the navigation names them (web/index.html). */
export const VIEWS = Object.freeze(['train', 'experiments', 'inside', 'backprop', 'classify', 'runs']);

/**
 * Opens a view by its link in the navigation bar, as a user would, and waits until it is shown and
 * drawn: a view that changed while hidden draws in the first animation frame after it is shown
 * (web/page/ui/redraw.js), so two frames later what it shows is current.
 */
export async function show(page, view) {
  await page.click(`#views-nav a[href="#${view}"]`);
  await page.waitForFunction((v) => window.mnist.view === v && !document.getElementById(v).hidden, view);
  await nextFrames(page);
}

/** Waits two animation frames: whatever a view asked to draw before this call is drawn after it. */
export function nextFrames(page) {
  return page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done()))));
}

/** Waits until the data is loaded and the page is ready to train. */
export async function waitForData(page, timeout = 2 * MINUTE) {
  await page.waitForFunction(
    () => document.body.dataset.dataState === 'ready' && !document.getElementById('btn-train').disabled,
    null,
    { timeout },
  );
}

/** A fresh page with the data loaded and no model. */
export async function pageWithData(browser, url) {
  const page = await freshPage(browser, { origin: new URL(url).origin });
  await page.goto(url);
  await waitForData(page);
  return page;
}

/**
 * A fresh page whose default network (the report's 784-20-10) has trained
 * `epochs` epochs and whose checkpoint at the end is saved in IndexedDB;
 * epochs 0: one batch (Step), then Stop, whose checkpoint is saved.
 */
export async function pageWithModel(browser, url, { epochs = 1 } = {}) {
  const page = await pageWithData(browser, url);
  if (epochs === 0) {
    await page.click('#btn-step');
    await page.waitForFunction(
      () => window.mnist.state === 'paused' && window.mnist.trainer?.progress.step === 1,
      null,
      { timeout: MINUTE },
    );
    await page.click('#btn-stop');
    await page.waitForFunction(() => window.mnist.state === 'idle' && window.mnist.lastSaved?.reason === 'stop', null, {
      timeout: MINUTE,
    });
    return page;
  }
  await trainEpochs(page, epochs, { timeout: 2 * MINUTE });
  return page;
}

/** Trains the form's network for `epochs` epochs as a new run and waits for its saved end. */
export async function trainEpochs(page, epochs, { timeout = 3 * MINUTE } = {}) {
  await page.fill('#f-epochs', String(epochs));
  await page.click('#btn-train');
  await page.waitForFunction(
    (n) =>
      window.mnist.state === 'idle' &&
      window.mnist.run?.epochs.length === n &&
      window.mnist.lastSaved?.reason === 'finished',
    epochs,
    { timeout },
  );
}

/** Draws a "7" on the drawing pad (the Classify view is shown) and waits for its prediction; returns its text. */
export async function drawSeven(page) {
  const pad = page.locator('#pad');
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();
  const at = (fx, fy) => [box.x + fx * box.width, box.y + fy * box.height];
  await page.mouse.move(...at(0.28, 0.25));
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(...at(0.28 + 0.44 * (i / 10), 0.25));
  for (let i = 1; i <= 14; i++) await page.mouse.move(...at(0.72 - 0.26 * (i / 14), 0.25 + 0.55 * (i / 14)));
  await page.mouse.up();
  await page.waitForFunction(() => document.getElementById('draw-result').dataset.prediction !== '', null, {
    timeout: 10_000,
  });
  return page.textContent('#draw-result');
}
