// The page as one view at a time, in Chromium: the navigation bar by mouse,
// keyboard and touch, at 1,366 px and on a 390-px phone, without sideways
// scrolling and without axe violations; views opened by a link; the training
// status in sight on every view; and what the page tells about runs: a
// finished run keeps its settings when the form changes, a live change is
// recorded where it happened, "Compare with …" overlays a fresh network with
// one setting changed; the pace; presentation mode.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';

import { VIEWS, freshPage, show, trainEpochs, waitForData } from './fixtures.mjs';
import { screenshot } from './harness.mjs';
import { axeProblems } from './axe.mjs';
import { useBrowserSuite } from './suite.mjs';

const MINUTE = 60_000;
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/** A page of browser on the site, data loaded. */
async function ready(browser, url, { hash = '' } = {}) {
  const page = await freshPage(browser, { origin: new URL(url).origin });
  await page.goto(`${url}${hash}`);
  await waitForData(page);
  return page;
}

/** The page's size against its viewport: no sideways scroll. */
const overflow = (page) =>
  page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
    height: document.documentElement.scrollHeight,
  }));

/** axe-core's serious and critical violations on the page as it is now. */

/** What is shown: the view named by the page, the sections not hidden, the link marked current. */
const shown = (page) =>
  page.evaluate(() => ({
    view: window.mnist.view,
    visible: [...document.querySelectorAll('main > section.view')].filter((s) => !s.hidden).map((s) => s.id),
    current: document.querySelector('#views-nav a[aria-current="page"]')?.getAttribute('href'),
    hash: location.hash,
  }));

describe('one view at a time', { timeout: 20 * MINUTE }, () => {
  const suite = useBrowserSuite({ real: false, synthetic: true });

  test('by mouse at 1,366 px: each link shows its view alone, in one screen’s reach, without sideways scroll', async () => {
    const page = await ready(suite.browser, suite.syntheticUrl);
    await page.setViewportSize({ width: 1366, height: 900 });
    assert.deepEqual(await shown(page), { view: 'train', visible: ['train'], current: '#train', hash: '' });
    for (const view of VIEWS) {
      await show(page, view);
      assert.deepEqual(await shown(page), { view, visible: [view], current: `#${view}`, hash: `#${view}` });
      const size = await overflow(page);
      assert.ok(size.scrollWidth <= size.clientWidth, `${view}: ${size.scrollWidth} px wide in ${size.clientWidth}`);
      assert.ok(size.height < 4000, `${view}: ${size.height} px tall`);
      assert.deepEqual(await axeProblems(page), [], `axe on ${view} at 1,366 px`);
    }
    // The back button returns to the previous view.
    await page.goBack();
    await page.waitForFunction(() => window.mnist.view === 'classify');
    // The Threads badge fits in the header (it used to overflow it at this width).
    const badge = await page.evaluate(() => {
      const b = document.getElementById('badge-threads').getBoundingClientRect();
      const s = document.getElementById('threads-select').getBoundingClientRect();
      return { left: b.left, right: b.right, sLeft: s.left, sRight: s.right };
    });
    assert.ok(badge.sLeft >= badge.left && badge.sRight <= badge.right + 0.5, JSON.stringify(badge));
  });

  test('by keyboard: Train within 10 Tab presses of the top; a view link by Tab and Enter, focus on its title', async () => {
    const page = await ready(suite.browser, suite.syntheticUrl);
    await page.evaluate(() => document.activeElement?.blur());
    let presses = 0;
    for (; presses < 30;) {
      await page.keyboard.press('Tab');
      presses++;
      if (await page.evaluate(() => document.activeElement?.id === 'btn-train')) break;
    }
    assert.ok(presses <= 10, `Train after ${presses} Tab presses`);
    // From the top again (a reload); Tab to the Inside link and Enter.
    await page.reload();
    await waitForData(page);
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate(() => document.activeElement?.getAttribute('href') === '#inside')) break;
    }
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('href')), '#inside');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => window.mnist.view === 'inside');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'inside-h', 'the view’s title has the focus');
    await page.keyboard.press('Tab');
    assert.ok(
      await page.evaluate(() => document.getElementById('inside').contains(document.activeElement)),
      'the next Tab is inside the view',
    );
    // The skip link (the first Tab stop) leads into the view that is shown, not back to Train.
    await page.reload();
    await waitForData(page);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.className), 'skip-link');
    await page.keyboard.press('Enter');
    await page.waitForTimeout(200);
    assert.equal(await page.evaluate(() => window.mnist.view), 'inside', 'the skip link keeps the view');
  });

  test('by touch on a 390-px phone: every view one tap from the top, no sideways scroll, no hover or key hints', async () => {
    const { server, browser } = await suite.open(suite.syntheticSite, { device: PHONE });
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(server.url);
    await waitForData(page);
    assert.equal(await page.evaluate(() => matchMedia('(hover: none)').matches), true, 'a touch device');
    for (const view of VIEWS) {
      // At the top of the page the navigation is in sight: one tap.
      await page.evaluate(() => scrollTo(0, 0));
      await page.tap(`#views-nav a[href="#${view}"]`);
      await page.waitForFunction((v) => window.mnist.view === v, view);
      const size = await overflow(page);
      assert.ok(size.scrollWidth <= size.clientWidth, `${view}: ${size.scrollWidth} px wide on a 390-px phone`);
      assert.ok(size.height < 5000, `${view}: ${size.height} px tall on the phone`);
      assert.deepEqual(await axeProblems(page), [], `axe on ${view} at 390 px`);
      await screenshot(page, `navigation-phone-${view}`);
      // Scrolled down, the navigation stays in sight (sticky): the next view is one tap away still.
      await page.evaluate(() => scrollTo(0, document.documentElement.scrollHeight));
      const nav = await page.evaluate(() => document.getElementById('views-nav').getBoundingClientRect().top);
      assert.ok(nav >= 0 && nav < 5, `the navigation bar is at the top of the screen (${nav})`);
    }
    await show(page, 'train');
    const hoverWords = await page.evaluate(() =>
      [...document.querySelectorAll('.pointer-fine')].filter((e) => e.offsetParent !== null).map((e) => e.textContent),
    );
    assert.deepEqual(hoverWords, [], 'no “hover for values” on a touch screen');
    // Long enough that the run is still going when Pause is tapped (the default 10 epochs of the
    // synthetic data can end between Resume and Pause on a busy machine).
    await page.fill('#f-epochs', '200');
    await page.tap('#btn-step');
    await page.waitForFunction(() => window.mnist.state === 'paused' && window.mnist.trainer?.progress.step === 1);
    await page.tap('#btn-pause'); // Resume
    await page.waitForFunction(() => window.mnist.state === 'running');
    const hint = await page.textContent('#train-hint');
    assert.doesNotMatch(hint, /Space/, `the hint names no key on a phone: ${hint}`);
    await page.tap('#btn-pause');
    await page.waitForFunction(() => window.mnist.state === 'paused');
  });

  test('a link opens a view, or the view that holds the element it names', async () => {
    const page = await ready(suite.browser, suite.syntheticUrl, { hash: '#classify' });
    assert.deepEqual((await shown(page)).visible, ['classify']);
    await page.goto(`${suite.syntheticUrl}#figure-4`);
    await waitForData(page);
    assert.deepEqual((await shown(page)).visible, ['experiments']);
    await page.waitForFunction(() => {
      const r = document.getElementById('figure-4').getBoundingClientRect();
      return r.top >= 0 && r.top < innerHeight;
    });
    // The share link carries the view that is open.
    await show(page, 'runs');
    const link = await page.inputValue('#share-url');
    assert.match(link, /#runs$/);
    assert.match(link, /[?&]layers=784-20-10/);
  });

  test('the training status is in sight on every view; Pause there pauses', async () => {
    const page = await ready(suite.browser, suite.syntheticUrl);
    await page.fill('#f-epochs', '200');
    await page.click('#btn-train');
    await page.waitForFunction(() => window.mnist.state === 'running');
    for (const view of ['experiments', 'inside', 'classify', 'runs']) {
      await show(page, view);
      await page.waitForFunction(() =>
        /^Training · epoch \d+ \/ 200/.test(document.getElementById('status-text').textContent),
      );
      assert.ok(await page.isVisible('#status-pause'), `${view}: Pause is in the status line`);
    }
    await page.click('#status-pause');
    await page.waitForFunction(() => window.mnist.state === 'paused');
    await page.waitForFunction(() => document.getElementById('status-text').textContent.startsWith('Paused'));
    assert.equal(await page.textContent('#status-pause'), 'Resume');
    await page.click('#status-pause');
    await page.waitForFunction(() => window.mnist.state === 'running');
    await show(page, 'train');
    assert.equal(await page.isVisible('#status-pause'), false, 'on the Train view its own buttons do');
    await page.click('#btn-stop');
    await page.waitForFunction(() => window.mnist.state === 'idle');
  });
});

describe('runs tell the truth', { timeout: 20 * MINUTE }, () => {
  const suite = useBrowserSuite({ real: false, synthetic: true });

  test('η changed after a finished run: that run’s record and legend stay; Train starts a new run', async () => {
    const page = await ready(suite.browser, suite.syntheticUrl);
    await trainEpochs(page, 2);
    const finished = await page.evaluate(() => ({ id: window.mnist.run.id, label: window.mnist.run.label }));
    await page.fill('#f-learningRate', '0.01');
    await page.waitForFunction(() => /Train new network/.test(document.getElementById('btn-train').textContent));
    await page.waitForTimeout(600); // longer than the live settings' rest: nothing may reach the finished run
    const record = await page.evaluate(() => ({
      lr: window.mnist.run.config.learningRate,
      changes: window.mnist.run.changes,
    }));
    assert.deepEqual(record, { lr: 0.001, changes: [] }, 'the finished run keeps its η and has no change');
    await trainEpochs(page, 1);
    const runs = await page.evaluate(() =>
      window.mnist.runs.map((r) => ({ id: r.id, lr: r.config.learningRate, changes: r.changes.length })),
    );
    assert.equal(runs.length, 2, 'a new run');
    assert.deepEqual(runs[0], { id: finished.id, lr: 0.001, changes: 0 });
    assert.equal(runs[1].lr, 0.01);
    // Overlaid, the legend names the two by their learning rates.
    await show(page, 'runs');
    await page.check(`#overlay-${finished.id}`);
    await show(page, 'train');
    await page
      .waitForFunction(
        () =>
          [...document.querySelectorAll('#chart-loss .u-legend .u-series th')].some((t) =>
            /η = 1e-3/.test(t.textContent),
          ),
        null,
        { timeout: 5000 },
      )
      .catch(() => {}); // the assertion below says what is shown instead
    const legend = await page.$$eval('#chart-loss .u-legend .u-series th', (ths) => ths.map((t) => t.textContent));
    assert.ok(
      legend.some((l) => /η = 1e-3/.test(l)),
      `the overlaid run is named η = 1e-3: ${legend.join(' | ')}`,
    );
    assert.ok(!legend.some((l) => /η = 0\.01 ·/.test(l) && /training/.test(l)), 'not by the η of the run after it');
    await show(page, 'runs');
    const item = await page.textContent(`#run-list li[data-run="${finished.id}"]`);
    assert.match(item, /η=0\.001/, 'the run list shows the η it trained with');
  });

  test('a live change is recorded with the epoch and batch it took effect; list, legend and CSV show it', async () => {
    const page = await ready(suite.browser, suite.syntheticUrl);
    await page.selectOption('#pace-select', 'batch-100ms'); // slow enough to change η mid-run
    await page.fill('#f-epochs', '3');
    await page.click('#btn-train');
    await page.waitForFunction(() => window.mnist.trainer?.progress.step >= 3);
    await page.fill('#f-learningRate', '0.005');
    await page.waitForFunction(() => window.mnist.run.changes.length === 1, null, { timeout: 10_000 });
    const change = await page.evaluate(() => window.mnist.run.changes[0]);
    assert.equal(change.field, 'learningRate');
    assert.equal(change.from, 0.001);
    assert.equal(change.to, 0.005);
    assert.ok(change.step >= 3 && change.batchInEpoch >= 0, JSON.stringify(change));
    assert.equal(await page.evaluate(() => window.mnist.run.config.learningRate), 0.001, 'its start stays');
    await page.selectOption('#pace-select', 'full');
    await page.waitForFunction(
      () => window.mnist.state === 'idle' && window.mnist.lastSaved?.reason === 'finished',
      null,
      {
        timeout: 2 * MINUTE,
      },
    );
    await show(page, 'runs');
    const text = await page.textContent('#run-list li.is-current');
    assert.match(text, new RegExp(`η 1e-3 → 0\\.005 at epoch ${change.epoch}, batch ${change.batchInEpoch}`));
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#btn-export-csv')]);
    const csv = await readFile(await download.path(), 'utf8');
    const [header, ...rows] = csv.trim().split('\n');
    const col = header.split(',').indexOf('changes');
    assert.ok(col > 0, 'a changes column');
    const last = rows.at(-1);
    assert.match(last, /η 1e-3 → 0\.005 at epoch/, 'the last epoch’s row names the change in effect');
    // After a reload the change is still the run's.
    await page.reload();
    await waitForData(page);
    await page.waitForFunction(() => window.mnist.run?.changes.length === 1);
  });

  test('Compare with …: a fresh network with one setting changed, the current run overlaid at once', async () => {
    const page = await ready(suite.browser, suite.syntheticUrl);
    await trainEpochs(page, 2);
    const base = await page.evaluate(() => ({ id: window.mnist.run.id, config: window.mnist.run.config }));
    await page.click('#btn-compare');
    await page.selectOption('#compare-field', 'batchSize');
    assert.equal(await page.inputValue('#compare-value'), '128', 'it starts from the run’s own value');
    await page.fill('#compare-value', '0');
    await page.click('#compare-form button[type="submit"]');
    assert.match(await page.textContent('#compare-error'), /batch size/i, 'a bad value is refused next to its field');
    await page.fill('#compare-value', '64');
    await page.click('#compare-form button[type="submit"]');
    await page.waitForFunction(
      (id) => window.mnist.run.id !== id && window.mnist.state === 'idle' && window.mnist.run.epochs.length === 2,
      base.id,
      { timeout: 2 * MINUTE },
    );
    const run = await page.evaluate(() => ({
      config: window.mnist.run.config,
      comparison: window.mnist.run.comparison,
    }));
    assert.equal(run.config.batchSize, 64);
    const { batchSize: _a, ...rest } = run.config;
    const { batchSize: _b, ...baseRest } = base.config;
    assert.deepEqual(rest, baseRest, 'every other setting, the seed included, is the run’s');
    assert.deepEqual(run.comparison, { of: base.id, field: 'batchSize', to: 64 });
    // The chart draws on an animation frame (at most every few hundred ms while training): wait for the overlay.
    await page
      .waitForFunction(
        () =>
          [...document.querySelectorAll('#chart-loss .u-legend .u-series th')].some((t) =>
            /batch 128/.test(t.textContent),
          ),
        null,
        { timeout: 5000 },
      )
      .catch(() => {}); // the assertion below says what is shown instead
    const legend = await page.$$eval('#chart-loss .u-legend .u-series th', (ths) => ths.map((t) => t.textContent));
    assert.ok(
      legend.some((l) => /batch 128/.test(l)),
      `the first run is overlaid, named by its batch: ${legend.join(' | ')}`,
    );
  });
});

describe('a pace for people, and a projector', { timeout: 10 * MINUTE }, () => {
  const suite = useBrowserSuite({ real: false, synthetic: true });

  test('one batch every 100 ms: no faster than that; full speed again at once', async () => {
    const page = await ready(suite.browser, suite.syntheticUrl);
    await page.selectOption('#pace-select', 'batch-100ms');
    await page.fill('#f-epochs', '200'); // still training at full speed when Stop is pressed below
    await page.click('#btn-train');
    await page.waitForFunction(() => window.mnist.trainer?.progress.step >= 2);
    const s0 = await page.evaluate(() => ({ step: window.mnist.trainer.progress.step, t: performance.now() }));
    await page.waitForTimeout(2000);
    const s1 = await page.evaluate(() => ({ step: window.mnist.trainer.progress.step, t: performance.now() }));
    const steps = s1.step - s0.step;
    const allowed = Math.ceil((s1.t - s0.t) / 100) + 2; // the chunk under way when the window opened
    assert.ok(steps >= 1, 'it trains');
    assert.ok(steps <= allowed, `${steps} batches in ${Math.round(s1.t - s0.t)} ms: at most one per 100 ms`);
    await page.selectOption('#pace-select', 'full');
    await page.waitForFunction((from) => window.mnist.trainer.progress.step > from + 100, s1.step, { timeout: 30_000 });
    await page.click('#btn-stop');
    await page.waitForFunction(() => window.mnist.state === 'idle');
    // The choice is remembered.
    await page.selectOption('#pace-select', 'epoch-1s');
    await page.reload();
    await waitForData(page);
    assert.equal(await page.inputValue('#pace-select'), 'epoch-1s');
  });

  test('presentation mode: larger type and chart labels, remembered', async () => {
    const page = await ready(suite.browser, suite.syntheticUrl);
    await trainEpochs(page, 1);
    const sizes = () =>
      page.evaluate(() => ({
        body: parseFloat(getComputedStyle(document.body).fontSize),
        label: parseFloat(getComputedStyle(document.querySelector('.stats dt')).fontSize),
        help: parseFloat(getComputedStyle(document.querySelector('.help')).fontSize),
        chart: getComputedStyle(document.documentElement).getPropertyValue('--chart-font'),
      }));
    const before = await sizes();
    await page.click('#btn-presentation');
    assert.equal(await page.getAttribute('#btn-presentation', 'aria-pressed'), 'true');
    const after = await sizes();
    assert.ok(after.body >= 20, `body text ${after.body} px`);
    assert.ok(after.label >= 16 && after.help >= 16, `labels ${after.label} px, help ${after.help} px`);
    assert.ok(after.body > before.body * 1.3);
    assert.match(after.chart, /1[6-9]px|2\dpx/, 'the charts’ labels grow too');
    await screenshot(page, 'presentation-desktop');
    await page.reload();
    await waitForData(page);
    assert.equal(await page.getAttribute('#btn-presentation', 'aria-pressed'), 'true', 'remembered');
    await page.click('#btn-presentation');
  });
});
