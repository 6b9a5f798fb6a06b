// Unit tests for web/worker/mnist_data.js under Node (which has fetch's
// Response, Blob, DecompressionStream and WebCrypto, but no Cache Storage):
// the download with progress and integrity checks, and the user's IDX files.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';

import { MNIST_FILES, MNIST_ROLES } from '../../web/shared/mnist_files.js';
import { downloadMnist, readIdxFiles } from '../../web/worker/mnist_data.js';
import { syntheticMnist } from '../support/synthetic_mnist.mjs';

const SITE = 'http://site.test/';

// A site serving gzipped synthetic IDX files and their manifest, as build-site writes it.
function fakeSite({ corrupt = null } = {}) {
  const data = syntheticMnist({ train: 300, validation: 0, test: 50, rows: 8, cols: 8 });
  const files = MNIST_FILES.map(({ role, name }) => {
    const raw = data[role];
    const gz = gzipSync(raw);
    return {
      role,
      name,
      url: `${name}.gz`,
      size: raw.length,
      gzSize: gz.length,
      sha256: createHash('sha256').update(raw).digest('hex'),
      gz,
      raw,
    };
  });
  const manifest = {
    dataset: 'Synthetic',
    files: files.map(({ gz, raw, ...f }) => f),
    totalGzBytes: files.reduce((n, f) => n + f.gzSize, 0),
  };
  const requested = [];
  const fetch = async (url) => {
    const u = String(url);
    requested.push(u);
    if (u === `${SITE}data/manifest.json`) return Response.json(manifest);
    const f = files.find((x) => u === `${SITE}data/${x.url}`);
    if (!f) return new Response('', { status: 404, statusText: 'Not Found' });
    const body = f.name === corrupt ? gzipSync(Buffer.from('not the file')) : f.gz;
    return new Response(body);
  };
  return { files, manifest, fetch, requested };
}

test('downloads every file, reports progress from 0 to the total, and returns raw bytes by role', async () => {
  const site = fakeSite();
  const progress = [];
  let t = 0;
  const now = () => (t += 100); // every read is "100 ms" later: every chunk is reported
  const result = await downloadMnist(SITE, (p) => progress.push(p), { fetch: site.fetch, now });
  assert.deepEqual(Object.keys(result.raw), MNIST_ROLES);
  for (const f of site.files) assert.deepEqual(result.raw[f.role], new Uint8Array(f.raw));
  assert.equal(result.source, 'Synthetic');
  assert.equal(result.cached, false);
  assert.deepEqual(progress[0], { loaded: 0, total: site.manifest.totalGzBytes, file: MNIST_FILES[0].name, cached: 0 });
  assert.deepEqual(progress.at(-1), {
    loaded: site.manifest.totalGzBytes,
    total: site.manifest.totalGzBytes,
    file: '',
    cached: 0,
  });
  assert.ok(
    progress.some((p) => p.loaded > 0 && p.loaded < p.total),
    'in progress',
  );
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i].loaded >= progress[i - 1].loaded);
  assert.deepEqual(
    site.requested.slice(1),
    MNIST_FILES.map((f) => `${SITE}data/${f.name}.gz`),
  );
});

test('progress is reported at most every 50 ms while downloading', async () => {
  const site = fakeSite();
  const progress = [];
  const result = await downloadMnist(SITE, (p) => progress.push(p), { fetch: site.fetch, now: () => 0 });
  assert.ok(result.raw.trainImages);
  assert.equal(progress.length, 2, 'only the forced first and last reports when no time passes');
});

test('a file that does not match the manifest is refused, naming it', async () => {
  const site = fakeSite({ corrupt: 'train-labels-idx1-ubyte' });
  await assert.rejects(
    downloadMnist(SITE, () => {}, { fetch: site.fetch }),
    /^Error: train-labels-idx1-ubyte: integrity check failed \(got 12 bytes, SHA-256 [0-9a-f]{12}…; expected 308 bytes, /,
  );
  const missing = {
    ...site,
    fetch: async (url) =>
      String(url).endsWith('manifest.json')
        ? site.fetch(url)
        : new Response('', { status: 404, statusText: 'Not Found' }),
  };
  await assert.rejects(
    downloadMnist(SITE, () => {}, { fetch: missing.fetch }),
    /cannot download train-images-idx3-ubyte\.gz \(404 Not Found\)/,
  );
});

test('the user’s IDX files: raw or gzip, every role required', async () => {
  const data = syntheticMnist({ train: 20, validation: 0, test: 10, rows: 8, cols: 8 });
  const buffer = (bytes) => new Uint8Array(bytes).buffer; // a copy: a Node Buffer's .buffer is its shared pool
  const files = Object.fromEntries(MNIST_ROLES.map((r) => [r, buffer(data[r])]));
  files.trainImages = buffer(gzipSync(data.trainImages));
  const raw = await readIdxFiles(files);
  for (const role of MNIST_ROLES) assert.deepEqual(raw[role], data[role], role);
  await assert.rejects(readIdxFiles({ ...files, testLabels: undefined }), /^Error: testLabels: no file given$/);
  const broken = new Uint8Array([0x1f, 0x8b, 1, 2, 3]).buffer;
  await assert.rejects(
    readIdxFiles({ ...files, trainLabels: broken }),
    /trainLabels: the file looks gzip-compressed but does not decompress/,
  );
});
