#!/usr/bin/env node
// The optimisers study in the page, timed: its 8 runs (SGD, momentum,
// Nesterov, Adam on 784-20-10 and 784-80-40-20-10, each after its range
// test) on real MNIST in headless Chromium, from the click to the end, and
// what the panel then says. Figures only, no assertions.
//
//   node tests/benchmarks/optimiser_study_bench.mjs [--epochs N] [--seeds 1] [--reading report-code|proper]
//
// Builds the site (build/site, from build/wasm/dist), serves it and drives the page as a user would. Prints
// each run's worker time (run.runMs), the wall time, the panel's table and sentences, and a screenshot of the
// panel in build/test-artifacts/.
import { parseArgs } from 'node:util';

import { experimentPage, runQueue } from './experiment_driver.mjs';
import { ARTIFACTS, buildSite, launch, startServer } from '../browser/harness.mjs';
import { STUDY_EPOCHS } from '../../web/page/report/optimiser_study.js';

const { values: args } = parseArgs({
  options: {
    epochs: { type: 'string', default: String(STUDY_EPOCHS) },
    seeds: { type: 'string', default: '1' },
    reading: { type: 'string', default: 'report-code' },
  },
});

console.log(buildSite());
const server = await startServer();
const browser = await launch([new URL(server.url).origin]);
try {
  const page = await experimentPage(browser, server.url, { experiment: 'optimisers', ...args });
  const { wallMs, load0, load1 } = await runQueue(page);
  const runs = await page.evaluate(() =>
    window.mnist.runs
      .filter((r) => r.experiment?.experiment === 'optimisers')
      .map((r) => ({ label: r.label, runMs: r.runMs, eta: r.config.learningRate })),
  );
  for (const r of runs)
    console.log(`${r.label.padEnd(70)} η = ${r.eta.toPrecision(3).padEnd(10)} ${(r.runMs / 1000).toFixed(1)} s`);
  console.log(
    `\n${runs.length} runs, ${args.epochs} epochs each: ${(wallMs / 1000).toFixed(1)} s from the click to the end (load average ${load0.toFixed(1)} → ${load1.toFixed(1)})\n`,
  );
  await page.waitForFunction(
    () =>
      [...document.querySelectorAll('#study-optimisers-body tbody td:last-child')].every(
        (td) => td.textContent !== '–',
      ),
    null,
    { timeout: 30_000 },
  );
  const panel = await page.evaluate(() => {
    const body = document.getElementById('study-optimisers-body');
    return {
      rows: [...body.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((c) => c.textContent).join(' | ')),
      findings: [...body.querySelectorAll('[data-finding]')].map(
        (li) => `${li.closest('[data-key]').dataset.key}: ${li.textContent}`,
      ),
    };
  });
  console.log(panel.rows.join('\n'));
  console.log(`\n${panel.findings.join('\n')}`);
  await page.locator('#study-optimisers').screenshot({ path: `${ARTIFACTS}/optimiser-study-bench.png` });
} finally {
  await browser.close();
  await server.stop();
}
