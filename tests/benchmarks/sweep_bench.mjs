#!/usr/bin/env node
// The default width × depth sweep in the page, timed: the Experiments view's
// "Width × depth sweep" with the form's defaults (the study's epochs, the
// report's code, 1 seed, what the figures need) on real MNIST in headless
// Chromium, from the click on Run to the queue's end; then what the sweep
// panel says (its table and the knee's sentence per cost axis). The target:
// the default sweep finishes within 5 minutes on a 2-core machine.
//
//   node tests/benchmarks/sweep_bench.mjs [--epochs N] [--reading report-code|proper|both]
//        [--proper proper-mean|proper-sum] [--seeds N]
//
// Builds the site (build/site, from build/wasm/dist) and serves it.
import { parseArgs } from 'node:util';
import { availableParallelism } from 'node:os';

import { experimentPage, runQueue } from './experiment_driver.mjs';
import { ARTIFACTS, buildSite, launch, startServer } from '../browser/harness.mjs';

const TARGET_MS = 5 * 60_000;

const { values: args } = parseArgs({
  options: {
    epochs: { type: 'string' },
    reading: { type: 'string', default: 'report-code' },
    proper: { type: 'string', default: 'proper-sum' },
    seeds: { type: 'string', default: '1' },
  },
});

console.log(buildSite());
const server = await startServer();
const browser = await launch([new URL(server.url).origin]);
const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
try {
  const page = await experimentPage(browser, server.url, { experiment: 'sweep', ...args });
  const epochs = await page.inputValue('#f-experiment-epochs');
  const { wallMs, load0, load1 } = await runQueue(page);
  await page.waitForFunction(() => window.mnist.sweepSettled && window.mnist.sweep.length > 0, null, {
    timeout: 60_000,
  });
  const runs = await page.evaluate(() =>
    window.mnist.queue.items.map((item) => {
      const r = window.mnist.runs.find((x) => x.id === item.runId);
      const evalMs = r.epochs.reduce((a, e) => a + (e.evalMs ?? 0), 0);
      return { label: item.label, status: item.status, runMs: r.runMs, evalMs };
    }),
  );
  const total = runs.reduce((a, r) => a + r.runMs, 0);
  const evalTotal = runs.reduce((a, r) => a + r.evalMs, 0);
  console.log(
    `\nThe sweep (${args.reading}${args.reading !== 'report-code' ? `, ${args.proper}` : ''}), ${runs.length} runs, ${epochs} epochs each, ${args.seeds} seed(s):`,
  );
  console.log(
    `wall time from the click to the queue's end: ${s(wallMs)} (target ≤ ${s(TARGET_MS)}: ${wallMs <= TARGET_MS ? 'met' : 'missed'})`,
  );
  console.log(
    `worker time: ${s(total)}, of which evaluation ${s(evalTotal)}; all ${runs.every((r) => r.status === 'done') ? 'done' : 'NOT all done'}`,
  );
  console.log(
    `load average (1 min) before / after: ${load0.toFixed(2)} / ${load1.toFixed(2)} on ${availableParallelism()} cores`,
  );
  const sweep = await page.evaluate(() => window.mnist.sweep);
  for (const m of sweep) {
    console.log(`\n${m.reading}, ${m.epochs} epochs:`);
    console.log('| network | parameters | FLOPs / sample | training s | test accuracy |');
    console.log('|---|---:|---:|---:|---:|');
    for (const p of m.points)
      console.log(
        `| ${p.name} | ${p.parameters.toLocaleString('en')} | ${p.flopsPerSample.toLocaleString('en')} | ${p.seconds.mean.toFixed(2)} | ${p.accuracy.mean.toFixed(2)} |`,
      );
    for (const [axis, a] of Object.entries(m.axes)) console.log(`\n- ${axis}: ${a.sentence}`);
  }
  await page.locator('#study-sweep').screenshot({ path: `${ARTIFACTS}/sweep-bench-${args.reading}-${epochs}.png` });
  console.log(`\nscreenshot: build/test-artifacts/sweep-bench-${args.reading}-${epochs}.png`);
  if (browser.consoleErrors.length) console.log('console errors:', browser.consoleErrors);
} finally {
  await browser.close();
  await server.stop();
}
