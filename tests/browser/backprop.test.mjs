// The Backprop view in Chromium, on synthetic data: a gallery digit's
// backward pass through a trained 784-30-20-10 network, followed line by line
// of the report's Fig. 1 (the marked line, the step's grids); the derivation
// table's columns agree; the gradient check passes in every layer; one step's
// effect lowers the image's loss; the per-layer dynamics charts fill while a
// run trains; a test digit traced by its number gives the numbers the engine
// gives; and the whole view by keyboard alone on a 390-px phone, without
// sideways scroll and without serious axe violations.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { drawSeven, freshPage, show, trainEpochs, waitForData } from './fixtures.mjs';
import { screenshot } from './harness.mjs';
import { axeProblems } from './axe.mjs';
import { useBrowserSuite } from './suite.mjs';

const MINUTE = 60_000;
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const LAYERS = '784-30-20-10';
const K = 3;

/** Fig. 1's lines in the order the steps visit them: forward ×K, line 1, then lines 3–6 for k = K … 1. */
const EXPECTED_LINES = [
  ...Array.from({ length: K }, () => 'forward'),
  '0',
  ...Array.from({ length: K }, () => ['2', '3', '4', '5']).flat(),
];

/** The view's state of the stepper: the marked line, the step counter, Next's state, how many grids. */
const stepState = (page) =>
  page.evaluate(() => ({
    line: document.querySelector('#bp-lines li[aria-current="step"]')?.getAttribute('data-line') ?? null,
    marked: document.querySelectorAll('#bp-lines li[aria-current]').length,
    where: document.getElementById('bp-where').textContent,
    grids: document.querySelectorAll('#bp-step canvas.cell-grid').length,
    say: document.querySelector('#bp-step .bp-say')?.textContent ?? '',
    nextDisabled: /** @type {HTMLButtonElement} */ (document.getElementById('bp-next')).disabled,
  }));

/** The derivation table's cells as numbers, by column header. */
const derivation = (page) =>
  page.evaluate(() => {
    const table = document.querySelector('#bp-derivation table');
    const heads = [...table.querySelectorAll('thead th')].map((th) => th.textContent);
    const rows = [...table.querySelectorAll('tbody tr')].map((tr) => ({
      target: tr.classList.contains('is-target'),
      cells: Object.fromEntries([...tr.children].map((td, i) => [heads[i], Number(td.textContent)])),
    }));
    return { heads, rows, agree: document.querySelector('#bp-derivation .bp-agree').dataset.verdict };
  });

/** A model of LAYERS trained for an epoch, on a fresh page at `size`. */
async function trainedPage(browser, url) {
  const page = await freshPage(browser, { origin: new URL(url).origin });
  await page.goto(`${url}?layers=${LAYERS}`);
  await waitForData(page);
  await trainEpochs(page, 1);
  return page;
}

describe('backpropagation, step by step', { timeout: 20 * MINUTE }, () => {
  const suite = useBrowserSuite({ real: false, synthetic: true });

  test('a gallery digit’s backward pass, line by line; the derivation holds; the gradients check; dynamics fill', async () => {
    const page = await trainedPage(suite.browser, suite.syntheticUrl);
    await page.setViewportSize({ width: 1400, height: 900 });
    await show(page, 'classify');
    await page.waitForSelector('#gallery .tile');
    await page.click('#gallery .tile >> nth=4');
    const chosen = await page.evaluate(() => ({ ...window.mnist.digit.gallery, image: null }));
    await page.click('#gallery-backprop');
    await page.waitForFunction(() => window.mnist.view === 'backprop' && location.hash === '#backprop');
    await page.waitForFunction(() => !document.getElementById('bp-body').hidden, null, { timeout: MINUTE });
    assert.equal(await page.inputValue('#bp-target'), String(chosen.label), 'the target is the digit’s label');
    assert.match(
      await page.textContent('#bp-status'),
      new RegExp(`Traced: test digit #${chosen.index} \\(a ${chosen.label}\\)`),
    );

    // Every step, in Fig. 1's order, exactly one line marked, each with its sentence and grids.
    const lines = [];
    for (let i = 0; i < EXPECTED_LINES.length; i++) {
      const s = await stepState(page);
      lines.push(s.line);
      assert.equal(s.marked, 1, `step ${i + 1}: one line marked`);
      assert.match(s.where, new RegExp(`^Step ${i + 1} of ${EXPECTED_LINES.length}: `));
      assert.ok(s.grids >= 1 && s.say.length > 40, `step ${i + 1} shows its numbers: ${s.grids} grids, “${s.say}”`);
      assert.equal(s.nextDisabled, i === EXPECTED_LINES.length - 1);
      if (i < EXPECTED_LINES.length - 1) await page.click('#bp-next');
    }
    assert.deepEqual(lines, EXPECTED_LINES);
    // The last step is line 6 at k = 1: G in the pixels, a 28×28 grid; the loop line says k = 1.
    assert.match(await page.textContent('#bp-lines [data-line="1"]'), /k = 1$/);
    assert.equal(await page.$eval('#bp-step canvas.cell-grid', (c) => c.width), 28);
    // Previous goes back to line 5 at k = 1, whose ∇W is one 28×28 image per hidden unit.
    await page.click('#bp-prev');
    assert.equal((await stepState(page)).line, '4');
    const mosaic = await page.$$eval('#bp-step canvas.cell-grid', (cs) => [cs.at(-1).width, cs.at(-1).height]);
    assert.deepEqual(mosaic, [6 * 29 - 1, 5 * 29 - 1], '30 tiles of 28×28, six a row, one-cell gaps');

    // The derivation: ∂L/∂ŷ · σ′(u) = ŷ − y = ∂L/∂u by differences, for every output; y one-hot at the target.
    const d = await derivation(page);
    assert.equal(d.rows.length, 10);
    for (const [j, r] of d.rows.entries()) {
      const c = r.cells;
      assert.equal(c.y, r.target ? 1 : 0, `class ${j}: y`);
      assert.ok(Math.abs(c['∂L/∂ŷ · σ′(u)'] - c['ŷ − y']) <= 1e-5 * Math.max(1e-6, Math.abs(c['ŷ − y'])), `class ${j}`);
      assert.ok(Math.abs(c['ŷ − y'] - (c['ŷ'] - c.y)) <= 1e-5, `class ${j}: ŷ − y`);
      assert.ok(Math.abs(c['∂L/∂u by differences'] - c['ŷ − y']) <= 1e-4 * Math.max(1e-3, Math.abs(c['ŷ − y'])));
    }
    assert.equal(d.rows.filter((r) => r.target).length, 1);
    assert.ok(['excellent', 'good'].includes(d.agree), d.agree);

    // The gradient check: every layer and the output delta pass.
    const check = await page.evaluate(() => ({
      verdict: document.querySelector('#bp-check .bp-verdict').dataset.verdict,
      rows: [...document.querySelectorAll('#bp-check tbody tr')].map((tr) => ({
        what: tr.firstElementChild.textContent,
        compared: Number(tr.children[1].textContent),
        error: Number(tr.children[3].textContent),
        verdict: tr.dataset.verdict,
      })),
    }));
    assert.equal(check.rows.length, K + 1);
    for (const r of check.rows) {
      assert.ok(r.compared >= 10, `${r.what}: ${r.compared} compared`);
      assert.ok(r.error < 1e-4 && ['excellent', 'good'].includes(r.verdict), `${r.what}: ${r.error} ${r.verdict}`);
    }
    assert.ok(['excellent', 'good'].includes(check.verdict));
    // One SGD step on this image alone lowers its loss.
    const step = await page.$eval('#bp-onestep .bp-say', (p) => [
      Number(p.dataset.lossBefore),
      Number(p.dataset.lossAfter),
    ]);
    assert.ok(step[1] < step[0], `loss ${step[0]} → ${step[1]}`);
    await screenshot(page, 'backprop-1400');
    assert.deepEqual(await axeProblems(page, 'backprop'), []);

    // While a run trains (at one epoch a second, to watch), the dynamics charts fill; the trace says how far
    // the network has moved on.
    const shownRecords = () =>
      page.evaluate(() => {
        const m = /^([\d,]+) records/.exec(document.getElementById('dyn-count').textContent);
        return {
          shown: m ? Number(m[1].replace(/,/g, '')) : 0,
          count: window.mnist.run?.dynamics?.steps.length ?? 0,
          state: window.mnist.state,
          layers: document.querySelectorAll('#dyn-latest tbody tr').length,
          plotted: document.querySelectorAll('#dyn-grad canvas, #dyn-update canvas, #dyn-act canvas, #dyn-sat canvas')
            .length,
        };
      });
    const before = await shownRecords();
    const perEpoch = await page.evaluate(() => window.mnist.trainer.progress.batchesPerEpoch);
    await page.click('#views-nav a[href="#train"]');
    await page.selectOption('#pace-select', 'epoch-1s');
    await page.fill('#f-epochs', '3');
    await page.click('#btn-train');
    await show(page, 'backprop');
    await page.waitForFunction(
      (n) => {
        const m = /^([\d,]+) records/.exec(document.getElementById('dyn-count').textContent);
        return window.mnist.state === 'running' && m && Number(m[1].replace(/,/g, '')) > n;
      },
      before.count,
      { timeout: MINUTE },
    );
    const mid = await shownRecords();
    await page.waitForFunction(() => window.mnist.state === 'idle', null, { timeout: 3 * MINUTE });
    await page.waitForFunction(
      (n) => document.getElementById('dyn-count').textContent.startsWith(`${n} records`),
      before.count + 3 * perEpoch,
    );
    const late = await shownRecords();
    assert.ok(
      before.count < mid.shown && mid.shown < late.shown,
      `records shown ${before.count} → ${mid.shown} → ${late.shown}`,
    );
    assert.equal(late.layers, K);
    assert.equal(late.plotted, 4);
    const series = await page.evaluate(() => window.mnist.run.dynamics.layers.map((l) => l.gradNorm.length));
    assert.deepEqual(series, [late.count, late.count, late.count]);
    assert.equal(late.count, late.shown);
    await page.waitForFunction(() => /They (agree|disagree)/.test(document.getElementById('dyn-initial').textContent));
    assert.match(await page.textContent('#dyn-initial'), /10 · ln 2 ≈ 6\.93/);
    assert.match(await page.textContent('#dyn-speed'), /changes slowest/);
    assert.match(await page.textContent('#bp-status'), /the network has trained [\d,]+ more steps since/);
    await page.click('#bp-trace');
    await page.waitForFunction(
      () =>
        /^Traced: .*\.$/.test(document.getElementById('bp-status').textContent) &&
        !/more step/.test(document.getElementById('bp-status').textContent),
    );
    await screenshot(page, 'backprop-dynamics-1400');
  });

  test('a test digit by its number: the engine’s numbers; a drawing traced against the class it is said to be', async () => {
    const page = await trainedPage(suite.browser, suite.syntheticUrl);
    await show(page, 'backprop');
    await page.fill('#bp-index', '17');
    await page.press('#bp-index', 'Enter');
    await page.waitForFunction(() => /Traced: test digit #17/.test(document.getElementById('bp-status').textContent));
    // The same as asking the worker for the same trace (the numbers on screen are the engine's).
    const shown = await page.evaluate(async () => {
      const trace = await window.mnist.traceBackprop('test', 17);
      const cells = [...document.querySelectorAll('#bp-derivation tbody tr')].map((tr) =>
        Number(tr.children[2].textContent),
      );
      return {
        yHat: Array.from(trace.derivation.yHat),
        cells,
        label: trace.label,
        digit: window.mnist.digit.gallery.index,
      };
    });
    assert.equal(shown.digit, 17, 'the digit every view inspects is #17 now');
    shown.yHat.forEach((y, j) => assert.ok(Math.abs(y - shown.cells[j]) <= 1e-5 * Math.max(y, 1e-6), `ŷ ${j}`));
    assert.equal(await page.inputValue('#bp-target'), String(shown.label));
    // Another target: the same image against class (label + 1) % 10.
    const other = String((shown.label + 1) % 10);
    await page.selectOption('#bp-target', other);
    await page.waitForFunction(
      (t) => new RegExp(`target ${t},`).test(document.getElementById('bp-status').textContent),
      other,
    );
    const target = await page.$eval('#bp-derivation tr.is-target th', (th) => th.textContent);
    assert.equal(target, other);
    // A drawing: its own link; traced against what the network says it is, and that can be changed.
    await show(page, 'classify');
    await drawSeven(page);
    const said = await page.$eval('#draw-result', (p) => p.dataset.prediction);
    await page.click('#draw-backprop');
    await page.waitForFunction(() => /Traced: your drawing/.test(document.getElementById('bp-status').textContent));
    assert.equal(await page.isChecked('input[name="bp-source"][value="drawn"]'), true);
    assert.equal(await page.inputValue('#bp-target'), said, 'the target is what the network says');
    const drawnTarget = await page.$eval('#bp-derivation tr.is-target th', (th) => th.textContent);
    assert.equal(drawnTarget, said);
    // Back to the test digit by its radio: traced again.
    await page.check('input[name="bp-source"][value="gallery"]');
    await page.waitForFunction(() => /Traced: test digit #17/.test(document.getElementById('bp-status').textContent));

    // Out of range: a clear message, nothing traced.
    await page.fill('#bp-index', '99999');
    await page.press('#bp-index', 'Enter');
    await page.waitForFunction(() => /numbered 0 to/.test(document.getElementById('bp-status').textContent));
  });

  test('by keyboard alone on a 390-px phone: no sideways scroll, every step reachable, values read by arrow keys, axe', async () => {
    const { server, browser } = await suite.open(suite.syntheticSite, { device: PHONE });
    const page = await trainedPage(browser, server.url);
    const focused = () =>
      page.evaluate(() => document.activeElement?.id || document.activeElement?.getAttribute('href'));
    /** Tab until `id` (or a link to it) has the focus; how many presses it took. */
    const tabTo = async (id, most) => {
      for (let presses = 1; presses <= most; presses++) {
        await page.keyboard.press('Tab');
        if ((await focused()) === id) return presses;
      }
      assert.fail(`${id} not reached in ${most} Tab presses (at ${await focused()})`);
    };
    // From the top of the page, as it opens (the model trained above is restored).
    await page.reload();
    await waitForData(page);
    await page.waitForFunction(() => window.mnist.trainer !== null);
    await tabTo('#backprop', 12);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => window.mnist.view === 'backprop');
    assert.equal(await focused(), 'backprop-h');
    await tabTo('bp-index', 8);
    await page.keyboard.type('5');
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      () => /Traced: test digit #5/.test(document.getElementById('bp-status').textContent),
      null,
      {
        timeout: MINUTE,
      },
    );
    await tabTo('bp-next', 6);
    const lines = [(await stepState(page)).line];
    for (let i = 1; i < EXPECTED_LINES.length; i++) {
      await page.keyboard.press(i % 2 ? 'Enter' : 'Space');
      lines.push((await stepState(page)).line);
    }
    assert.deepEqual(lines, EXPECTED_LINES);
    assert.equal(await focused(), 'bp-prev', 'at the end the focus moves from the disabled Next to Previous');
    // The next Tab stop is the step's first grid: G in the pixels, read one by one with the arrow keys.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('cell-grid')), true);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    assert.match(await page.textContent('#bp-step .cell-reading'), /^pixel \(row 2, column 2\): \S+$/);
    const size = await page.evaluate(() => [
      document.documentElement.scrollWidth,
      document.documentElement.clientWidth,
    ]);
    assert.ok(size[0] <= size[1], `${size[0]} px wide in ${size[1]}`);
    await page.evaluate(() => scrollTo(0, 0));
    await screenshot(page, 'backprop-390');
    assert.deepEqual(await axeProblems(page, 'backprop'), []);
  });
});
