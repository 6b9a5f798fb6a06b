// The worker's data files: the site's MNIST (downloaded with progress,
// decompressed, checked against the manifest's sizes and SHA-256, kept in
// Cache Storage keyed by hash), and the user's own IDX files (raw or gzip).
// Both give the raw IDX bytes by role (web/shared/mnist_files.js), ready for
// engine.loadData. No engine and no messages here: progress goes to a callback.
import { MNIST_ROLES } from '../shared/mnist_files.js';
import { ReportedError } from './errors.js';

export const CACHE_NAME = 'mnist-data-v1';
/** Minimum time between two progress reports. */
export const PROGRESS_INTERVAL_MS = 50;

/** A data file problem the page shows (kind 'DataError'); it never means the worker is broken. */
export function dataError(message) {
  return new ReportedError(message, 'DataError');
}

export const isGzip = (bytes) => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

export async function gunzip(blobOrBytes) {
  const stream = new Blob([blobOrBytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function openCache() {
  try {
    return globalThis.caches ? await caches.open(CACHE_NAME) : null;
  } catch {
    return null; // e.g. storage disabled: download every time
  }
}

// Reads a response body, reporting each chunk's size.
async function readWithProgress(response, onBytes) {
  const reader = response.body.getReader();
  const chunks = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    onBytes(value.length);
  }
  return new Blob(chunks);
}

/**
 * Downloads the MNIST files listed in `${siteUrl}data/manifest.json` (or reads
 * them from Cache Storage). onProgress({ loaded, total, file, cached }) is
 * called at the start, after each cached file, at most every
 * PROGRESS_INTERVAL_MS while downloading, and at the end.
 * Resolves with { raw: { [role]: Uint8Array }, source, cached } (cached: every file came from the cache).
 * now and fetch can be replaced (tests).
 */
export async function downloadMnist(siteUrl, onProgress, options = {}) {
  try {
    return await download(siteUrl, onProgress, options);
  } catch (err) {
    // The network, the cache or the files: all the data's problems, none of the worker's.
    throw err?.kind ? err : dataError(err?.message ?? String(err));
  }
}

async function download(siteUrl, onProgress, { now = () => performance.now(), fetch = globalThis.fetch } = {}) {
  const res = await fetch(new URL('data/manifest.json', siteUrl), { cache: 'no-cache' });
  if (!res.ok) throw new Error(`cannot load the data manifest (${res.status} ${res.statusText})`);
  const manifest = await res.json();
  const cache = await openCache();
  const total = manifest.totalGzBytes;
  let loaded = 0;
  let cachedFiles = 0;
  let lastReport = 0;
  const report = (file, force = false) => {
    const t = now();
    if (force || t - lastReport > PROGRESS_INTERVAL_MS) {
      lastReport = t;
      onProgress({ loaded, total, file, cached: cachedFiles });
    }
  };
  report(manifest.files[0].name, true);

  const raw = {};
  const keep = new Set();
  for (const f of manifest.files) {
    const url = new URL(`data/${f.url}`, siteUrl);
    // The hash in the key invalidates the cached copy when the data changes.
    const key = `${url.href}?sha256=${f.sha256}`;
    keep.add(key);
    let gz;
    const hit = cache && (await cache.match(key));
    if (hit) {
      gz = await hit.blob();
      loaded += gz.size;
      cachedFiles++;
      report(f.name, true);
    } else {
      const r = await fetch(url);
      if (!r.ok) throw new Error(`cannot download ${f.url} (${r.status} ${r.statusText})`);
      gz = await readWithProgress(r, (n) => {
        loaded += n;
        report(f.name);
      });
    }
    const bytes = await gunzip(gz);
    const hash = await sha256Hex(bytes);
    if (bytes.length !== f.size || hash !== f.sha256) {
      if (hit) await cache.delete(key);
      throw new Error(
        `${f.name}: integrity check failed (got ${bytes.length} bytes, SHA-256 ${hash.slice(0, 12)}…; ` +
          `expected ${f.size} bytes, ${f.sha256.slice(0, 12)}…). Reload to download it again.`,
      );
    }
    if (!hit && cache) {
      try {
        await cache.put(key, new Response(gz, { headers: { 'Content-Type': 'application/gzip' } }));
      } catch {
        // Quota exceeded or storage disabled: keep going without a cache.
      }
    }
    raw[f.role] = bytes;
  }
  report('', true);
  if (cache) {
    for (const req of await cache.keys()) if (!keep.has(req.url)) await cache.delete(req);
  }
  return { raw, source: manifest.dataset, cached: cachedFiles === manifest.files.length };
}

/** The four files of a loadIdx request (ArrayBuffers, raw or gzip) → { [role]: Uint8Array } of raw IDX bytes. */
export async function readIdxFiles(files) {
  const raw = {};
  for (const role of MNIST_ROLES) {
    if (!(files[role] instanceof ArrayBuffer)) throw dataError(`${role}: no file given`);
    let bytes = new Uint8Array(files[role]);
    if (isGzip(bytes)) {
      try {
        bytes = await gunzip(bytes);
      } catch {
        throw dataError(`${role}: the file looks gzip-compressed but does not decompress`);
      }
    }
    raw[role] = bytes;
  }
  return raw;
}
