// Shared set-up for the browser tests: builds the site, starts
// scripts/serve.mjs on a free port, launches Debian's Chromium through
// playwright-core with a fresh profile, and records console errors and
// requests to other origins. Screenshots go to build/test-artifacts/.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(new URL('../../web/package.json', import.meta.url));
const { chromium } = require('playwright-core');

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const ARTIFACTS = join(ROOT, 'build', 'test-artifacts');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// WASM_DIST=DIR takes the engine from DIR instead of build/wasm/dist.
export function buildSite() {
  const extra = process.env.WASM_DIST ? ['--wasm', process.env.WASM_DIST] : [];
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-site.mjs'), ...extra], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build-site failed:\n${r.stdout}${r.stderr}`);
  return r.stdout.trim();
}

/**
 * Starts scripts/serve.mjs on site (default build/site) with PORT=0 and
 * resolves with { url, stop }; isolated: false serves without COOP/COEP/CORP;
 * env: more of serve.mjs's settings (e.g. WORKER_SRC).
 */
export function startServer(site, { isolated = true, env = {} } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts', 'serve.mjs'), ...(site ? [site] : [])], {
      env: { ...process.env, PORT: '0', ...(isolated ? {} : { ISOLATION: '0' }), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`server did not start:\n${out}`));
    }, 15_000);
    const onData = (d) => {
      out += d;
      const m = out.match(/at (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (!m) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      resolve({
        url: m[1],
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', done);
            child.kill('SIGTERM');
          }),
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => (out += d));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${out}`)));
  });
}

/**
 * Launches Chromium with a fresh profile. origins: the site's origin, or a
 * list of them; a request anywhere else is a foreign request. serviceWorkers:
 * 'allow' or 'block' (playwright's option); args: more Chromium flags;
 * testHooks: the page's test hooks are on (window.mnist.crashWorker & co.,
 * web/page/app/console_handle.js), as the production page never has them;
 * device: playwright context options of a device (viewport, isMobile, hasTouch…).
 * Returns { context, page, consoleErrors, foreignRequests, requests, close }.
 */
export async function launch(origins, { serviceWorkers = 'allow', args = [], testHooks = true, device = {} } = {}) {
  const own = new Set([origins].flat());
  mkdirSync(ARTIFACTS, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'mnist-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, ...args],
    serviceWorkers,
    viewport: { width: 1360, height: 900 },
    acceptDownloads: true,
    ...device,
  });
  if (testHooks) await context.addInitScript(() => Object.assign(globalThis, { __mnistTestHooks: true }));
  const consoleErrors = [];
  const foreignRequests = [];
  const requests = []; // every URL requested, the worker's included
  const watch = (page) => {
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${m.text()} @ ${m.location()?.url ?? ''}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  };
  context.on('page', watch);
  context.on('request', (r) => {
    const u = r.url();
    requests.push(u);
    if (!u.startsWith('data:') && !u.startsWith('blob:') && !own.has(new URL(u).origin)) foreignRequests.push(u);
  });
  // Workers' console goes through the page's console event in playwright.
  const page = context.pages()[0] ?? (await context.newPage());
  watch(page);
  return {
    context,
    page,
    consoleErrors,
    foreignRequests,
    requests,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export const screenshot = (page, name) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

/**
 * Records a Chromium trace of the page's renderer. stop() resolves with its
 * tasks: { main: [{ wallMs, cpuMs }], worker: [...] } for the renderer's main
 * thread and its dedicated workers (cpuMs is thread time: what the task cost,
 * however long other processes kept the thread waiting).
 */
export async function startTrace(context, page) {
  const cdp = await context.newCDPSession(page);
  const events = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
  await cdp.send('Tracing.start', {
    categories: 'devtools.timeline,disabled-by-default-devtools.timeline',
    transferMode: 'ReportEvents',
  });
  return {
    async stop() {
      const done = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
      await cdp.send('Tracing.end');
      await done;
      await cdp.detach();
      const threads = new Map();
      for (const e of events) if (e.name === 'thread_name') threads.set(`${e.pid}:${e.tid}`, e.args?.name ?? '');
      const tasks = (name) =>
        events
          .filter((e) => e.name === 'RunTask' && e.ph === 'X' && name.test(threads.get(`${e.pid}:${e.tid}`) ?? ''))
          .map((e) => ({ wallMs: e.dur / 1000, cpuMs: (e.tdur ?? e.dur) / 1000 }));
      return { main: tasks(/^CrRendererMain$/), worker: tasks(/^DedicatedWorker/) };
    },
  };
}
