// The learning-rate finder in Chromium, on synthetic data: "Find a learning
// rate" runs the engine's range test for the form's settings, the chart and
// the pick appear with the engine's reason, the pick lies within the rates
// tried, "Use η = …" writes it into the form, and after a reload the result
// is shown again for the same settings; by keyboard, at 390 px without
// sideways scroll, and without serious axe violations.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { pageWithData, waitForData } from './fixtures.mjs';
import { ARTIFACTS, screenshot } from './harness.mjs';
import { axeProblems } from './axe.mjs';
import { useBrowserSuite } from './suite.mjs';

const MINUTE = 60_000;

/** What the finder shows: the result box, the chart, the reason, the Use button, the table's rows. */
const shown = (page) =>
  page.evaluate(() => ({
    visible: !document.getElementById('lr-find-result').hidden,
    canvas: document.querySelectorAll('#lr-find-chart canvas').length,
    reason: document.getElementById('lr-find-reason').textContent,
    use: document.getElementById('btn-lr-use').textContent,
    rows: document.querySelectorAll('#lr-find-table tbody tr').length,
    pickRows: document.querySelectorAll('#lr-find-table tbody tr.is-pick').length,
    error: document.getElementById('lr-find-error').textContent,
  }));

describe('the learning-rate finder', { timeout: 10 * MINUTE }, () => {
  const suite = useBrowserSuite({ real: false, synthetic: true });

  test('find, see the chart and the pick, use it, reload and see it again; keyboard, 390 px, axe', async (t) => {
    const page = await pageWithData(suite.browser, suite.syntheticUrl);
    const find = page.locator('#btn-lr-find');
    assert.equal(await find.isDisabled(), false);
    const etaBefore = await page.inputValue('#f-learningRate');
    const stepBefore = await page.evaluate(() => window.mnist.trainer?.progress.step ?? null);

    // By keyboard: focus the button and press Enter.
    await find.focus();
    const t0 = Date.now();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => !document.getElementById('lr-find-result').hidden, null, { timeout: MINUTE });
    t.diagnostic(`range test of 784-20-10: ${Date.now() - t0} ms from the press to the chart`);
    const s = await shown(page);
    assert.equal(s.error, '');
    assert.equal(s.canvas >= 1, true, 'the chart');
    assert.ok(s.rows >= 10, `a table row per batch tried (${s.rows})`);
    assert.equal(s.pickRows, 1, 'the pick marked in the table');
    const found = await page.evaluate(() => {
      const { result, config } = window.mnist.lrFinder.last;
      return { rates: Array.from(result.rates), pick: result.pick, reason: result.reason, config };
    });
    assert.ok(
      found.pick >= found.rates[0] && found.pick <= found.rates.at(-1),
      `the pick ${found.pick} is among the rates tried`,
    );
    assert.ok(found.reason.length > 10);
    const sentence = found.reason.charAt(0).toUpperCase() + found.reason.slice(1);
    assert.ok(s.reason.startsWith(sentence), 'the engine’s reason is shown');
    assert.deepEqual(found.config.layers, [784, 20, 10], 'for the form’s settings');
    assert.equal(
      await page.evaluate(() => window.mnist.trainer?.progress.step ?? null),
      stepBefore,
      'the live training is untouched',
    );

    // Use η = …: the form's η becomes the pick.
    const use = page.locator('#btn-lr-use');
    const eta = (await use.textContent()).match(/Use η = (\S+)/)[1];
    assert.ok(Math.abs(Number(eta) / found.pick - 1) < 0.05, `the button's η ${eta} is the pick ${found.pick}`);
    await use.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction((v) => document.getElementById('f-learningRate').value === v, eta);
    assert.notEqual(eta, etaBefore);
    // The view draws on the next frame after the form changes, so wait for it rather than read at once.
    await page
      .waitForFunction(() => /** @type {HTMLButtonElement} */ (document.getElementById('btn-lr-use')).disabled, null, {
        timeout: 5000,
      })
      .catch(() => {});
    assert.equal(await use.isDisabled(), true, 'nothing left to use');
    assert.match(await page.textContent('#lr-find-reason'), new RegExp(`The form’s η is ${eta.replace('.', '\\.')}`));
    assert.deepEqual(await axeProblems(page, 'lr-finder'), []);
    await screenshot(page, 'lr-finder');
    await page.locator('#lr-finder').screenshot({ path: join(ARTIFACTS, 'lr-finder-panel.png') });

    // A reload shows the result again for the same settings (the form keeps η = the pick only if saved:
    // the result holds whatever η is, since the test sweeps it).
    await page.reload();
    await waitForData(page);
    await page.waitForFunction(() => !document.getElementById('lr-find-result').hidden, null, { timeout: MINUTE });
    const again = await shown(page);
    assert.equal(again.rows, s.rows);
    assert.ok(again.reason.startsWith(sentence));
    assert.equal(await page.evaluate(() => window.mnist.lrFinder.last.result.pick), found.pick);
    // Other settings: not this result.
    await page.fill('#f-layers', '784-30-10');
    await page.waitForFunction(() => document.getElementById('lr-find-result').hidden);
    await page.fill('#f-layers', '784-20-10');
    await page.waitForFunction(() => !document.getElementById('lr-find-result').hidden);

    // On a phone: no sideways scroll, the chart within the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator('#lr-finder').scrollIntoViewIfNeeded();
    // The chart takes the new width in its ResizeObserver, a frame or so later: wait until it fits
    // (not in time: the assertions below say by how much it does not).
    await page
      .waitForFunction(
        () =>
          document.documentElement.scrollWidth <= window.innerWidth &&
          document.getElementById('lr-find-chart').getBoundingClientRect().right <= window.innerWidth,
        null,
        { timeout: 5000 },
      )
      .catch(() => {});
    const fit = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      width: window.innerWidth,
      chart: document.getElementById('lr-find-chart').getBoundingClientRect().right,
    }));
    assert.ok(fit.scroll <= fit.width, `no sideways scroll (${fit.scroll} > ${fit.width})`);
    assert.ok(fit.chart <= fit.width, `the chart fits (${fit.chart})`);
    assert.deepEqual(await axeProblems(page, 'lr-finder'), []);
    await screenshot(page, 'lr-finder-phone');
    await page.locator('#lr-finder').screenshot({ path: join(ARTIFACTS, 'lr-finder-panel-phone.png') });
  });
});
