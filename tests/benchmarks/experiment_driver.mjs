// The Experiments view driven as a user runs an experiment, for the
// benchmarks that time one in headless Chromium (report_bench.mjs,
// sweep_bench.mjs, optimiser_study_bench.mjs): a fresh page with the data
// loaded, the form filled, Run clicked and the queue waited for.
import { loadavg } from 'node:os';

import { freshPage, waitForData } from '../browser/fixtures.mjs';

/**
 * A fresh page on the Experiments view of `url` with the data loaded and the form set: the experiment,
 * the reading ('report-code', or 'proper' with `proper` the preset), and when given evaluation, epochs, seeds.
 * @param {any} browser harness.launch()'s
 * @param {string} url the served site
 * @param {{ experiment: string, reading?: string, proper?: string, evaluation?: string, epochs?: string,
 *   seeds?: string }} choice
 */
export async function experimentPage(
  browser,
  url,
  { experiment, reading = 'report-code', proper, evaluation, epochs, seeds },
) {
  const page = await freshPage(browser, { origin: new URL(url).origin });
  await page.goto(`${url}#experiments`); // the Experiments view, as a user running an experiment sees it
  await waitForData(page);
  await page.check(`input[name="experiment"][value="${experiment}"]`);
  await page.check(`input[name="reading"][value="${reading}"]`);
  if (reading !== 'report-code' && proper) await page.selectOption('#f-proper', proper);
  if (evaluation) await page.check(`input[name="evaluation"][value="${evaluation}"]`);
  if (epochs) await page.fill('#f-experiment-epochs', epochs);
  if (seeds) await page.fill('#f-experiment-seeds', seeds);
  return page;
}

/**
 * Clicks Run and waits (up to an hour) for the queue to finish: { wallMs, load0, load1 } — the wall time from
 * the click and the load average before and after.
 * @param {any} page
 */
export async function runQueue(page) {
  const load0 = loadavg()[0];
  const t0 = Date.now();
  await page.click('#btn-experiment-run');
  await page.waitForFunction(() => window.mnist.queue?.state === 'finished', null, {
    timeout: 60 * 60_000,
    polling: 500,
  });
  return { wallMs: Date.now() - t0, load0, load1: loadavg()[0] };
}
