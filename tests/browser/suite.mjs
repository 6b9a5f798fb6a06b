// The set-up every browser suite shares, in one place. useBrowserSuite(options),
// called inside a describe (or at a file's top level), registers the hooks:
//
//   before      builds the site (build/site) and, with `synthetic`, its copy on
//               synthetic data (fixtures.mjs buildSyntheticSite); serves each from an
//               origin of its own (harness.mjs startServer) and launches one Chromium
//               on those origins (harness.mjs launch)
//   beforeEach  marks where the test's console errors and requests begin
//   afterEach   closes the test's pages (and what it opened with `open`), then fails
//               the test with the console errors and the requests to another origin
//               there were since it began: after each test, no console error (but
//               those it expects) and no request to another origin
//   after       closes the browser and stops the servers
//
// and returns the suite, whose fields `before` fills in:
//
//   browser         the shared browser (harness.mjs launch: context, page, consoleErrors,
//                   foreignRequests, requests, close)
//   url             the site with MNIST (`real`)
//   syntheticUrl    the copy with synthetic data (`synthetic`)
//   syntheticSite   that copy's folder
//   expectConsoleErrors(...patterns)
//                   in a test: the console errors it logs that match one of the patterns
//                   are expected (what its body logs; not what closing its page logs)
//   open(site, { isolated, serviceWorkers, testHooks, device })
//                   in a test: a server of its own on `site` (isolated: with COOP/COEP) and
//                   a browser of its own on it (harness.mjs launch's options), { server, browser };
//                   closed after the test, whose checks cover that browser too
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach } from 'node:test';

import { buildSyntheticSite } from './fixtures.mjs';
import { buildSite, launch, startServer } from './harness.mjs';

/**
 * real: serve build/site (suite.url); synthetic: false, true
 * (build/test-site-synthetic) or the folder of the synthetic copy, served as
 * suite.syntheticUrl; serve: false builds the sites but starts no server and no
 * browser for the suite (its tests `open` their own).
 */
export function useBrowserSuite({ real = true, synthetic = false, serve = true } = {}) {
  const servers = [];
  const suite = {
    browser: null,
    url: null,
    syntheticUrl: null,
    syntheticSite: null,
    expectConsoleErrors(...patterns) {
      current.expected.push(...patterns);
    },
    async open(site, { isolated = true, ...options } = {}) {
      const server = await startServer(site, { isolated });
      current.servers.push(server);
      const browser = await launch(new URL(server.url).origin, options);
      current.browsers.push(browser);
      current.marks.set(browser, { errors: 0, foreign: 0 }); // all it records
      return { server, browser };
    },
  };
  // The current test: the errors it expects, what it opened, where each browser's records began.
  const current = { expected: [], servers: [], browsers: [], marks: new Map() };

  before(async () => {
    console.log(buildSite());
    if (synthetic) suite.syntheticSite = synthetic === true ? buildSyntheticSite() : buildSyntheticSite(synthetic);
    if (!serve) return;
    const start = async (site) => {
      const server = await startServer(site);
      servers.push(server);
      return server.url;
    };
    if (real) suite.url = await start();
    if (synthetic) suite.syntheticUrl = await start(suite.syntheticSite);
    suite.browser = await launch([suite.url, suite.syntheticUrl].filter(Boolean).map((u) => new URL(u).origin));
  });

  after(async () => {
    await suite.browser?.close();
    for (const server of servers) await server.stop();
  });

  beforeEach(() => {
    Object.assign(current, { expected: [], servers: [], browsers: [], marks: new Map() });
    const b = suite.browser;
    if (b) current.marks.set(b, { errors: b.consoleErrors.length, foreign: b.foreignRequests.length });
  });

  afterEach(async () => {
    // Where each browser's records stood when the test's body ended: the expected errors are among those.
    const bodyEnd = new Map([...current.marks.keys()].map((b) => [b, b.consoleErrors.length]));
    if (suite.browser) for (const page of suite.browser.context.pages()) await page.close();
    for (const browser of current.browsers) await browser.close();
    for (const server of current.servers) await server.stop();
    const errors = [];
    const foreign = [];
    for (const [browser, from] of current.marks) {
      errors.push(
        ...browser.consoleErrors
          .slice(from.errors)
          .filter((e, i) => from.errors + i >= bodyEnd.get(browser) || !current.expected.some((p) => p.test(e))),
      );
      foreign.push(...browser.foreignRequests.slice(from.foreign));
    }
    assert.deepEqual(errors, [], 'no console errors');
    assert.deepEqual(foreign, [], 'no request to another origin');
  });

  return suite;
}
