// scripts/build-site.mjs and scripts/serve.mjs, without a browser.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { MNIST_FILES } from '../../web/shared/mnist_files.js';
import { ROOT, buildSite, startServer } from './harness.mjs';

const buildScript = join(ROOT, 'scripts', 'build-site.mjs');

describe('build-site', () => {
  test('refuses MNIST files that do not match the pinned SHA-256', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mnist-bad-'));
    const out = mkdtempSync(join(tmpdir(), 'site-'));
    try {
      for (const { name } of MNIST_FILES) writeFileSync(join(dir, name), 'not MNIST');
      const r = spawnSync(process.execPath, [buildScript, '--out', out, '--mnist', dir, '--allow-missing-wasm'], {
        encoding: 'utf8',
      });
      assert.equal(r.status, 1);
      assert.match(r.stderr, /MNIST file train-images-idx3-ubyte does not match its pinned SHA-256/);
      assert.match(r.stderr, /expected ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(out, { recursive: true, force: true });
    }
  });

  test('is idempotent: a second run copies and compresses nothing', () => {
    buildSite();
    const second = buildSite();
    assert.match(second, /\(0 copied, \d+ unchanged, 0 compressed; MNIST 11\.2 MB gzip\)/);
    assert.doesNotMatch(second, /removed/);
  });

  test('removes files that are no longer part of the site', () => {
    buildSite();
    const site = join(ROOT, 'build', 'site');
    // What a module left behind when it moved (web/main.js became web/page/main.js).
    writeFileSync(join(site, 'main.js'), '// stale');
    mkdirSync(join(site, 'old'), { recursive: true });
    writeFileSync(join(site, 'old', 'protocol.js'), '// stale');
    const out = buildSite();
    assert.match(out, /removed 2 file\(s\) no longer in the site/);
    assert.equal(existsSync(join(site, 'main.js')), false);
    assert.equal(existsSync(join(site, 'old')), false);
    assert.equal(existsSync(join(site, 'page', 'main.js')), true);
    assert.equal(existsSync(join(site, 'data', 'manifest.json')), true);
  });
});

function get(url, { method = 'GET', headers = {}, path } = {}) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: path ?? u.pathname, method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serve', () => {
  let server;
  before(async () => {
    buildSite();
    server = await startServer();
  });
  after(() => server?.stop());

  test('serves the page with a strict CSP, cross-origin isolation and nosniff', async () => {
    const r = await get(server.url);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    const csp = r.headers['content-security-policy'];
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval';/);
    assert.match(csp, /worker-src 'self'/);
    assert.match(csp, /style-src 'self';/);
    assert.match(csp, /connect-src 'self'/);
    assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'/);
    assert.equal(r.headers['cross-origin-opener-policy'], 'same-origin');
    assert.equal(r.headers['cross-origin-embedder-policy'], 'require-corp');
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.equal(r.headers['cache-control'], 'no-cache');
    // No inline script or style in the page.
    const html = r.body.toString();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/);
    assert.doesNotMatch(html, /<style|style="/);
  });

  test('sends the right MIME types', async () => {
    const types = {
      'page/main.js': 'text/javascript; charset=utf-8',
      'worker/worker.js': 'text/javascript; charset=utf-8',
      'wasm/engine.mjs': 'text/javascript; charset=utf-8',
      'style.css': 'text/css; charset=utf-8',
      'data/manifest.json': 'application/json; charset=utf-8',
      'data/t10k-labels-idx1-ubyte.gz': 'application/gzip',
    };
    for (const [path, type] of Object.entries(types)) {
      const r = await get(new URL(path, server.url).href, { method: 'HEAD' });
      assert.equal(r.status, 200, path);
      assert.equal(r.headers['content-type'], type, path);
    }
    const gz = await get(new URL('data/t10k-labels-idx1-ubyte.gz', server.url).href, { method: 'HEAD' });
    assert.equal(gz.headers['content-encoding'], undefined, 'the .gz files are sent as they are');
    assert.match(gz.headers['cache-control'], /max-age=/);
  });

  test('answers 304 to a matching ETag, 404, 403 outside the site, 405 for POST', async () => {
    const first = await get(new URL('page/main.js', server.url).href);
    const again = await get(new URL('page/main.js', server.url).href, {
      headers: { 'If-None-Match': first.headers.etag },
    });
    assert.equal(again.status, 304);
    assert.equal((await get(new URL('nope.js', server.url).href)).status, 404);
    assert.equal((await get(server.url, { path: '/..%2f..%2fscripts%2fserve.mjs' })).status, 403);
    assert.equal((await get(server.url, { method: 'POST' })).status, 405);
  });
});
