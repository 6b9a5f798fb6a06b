// web/page/data/upload_checks.js under Node: every refusal has its own message
// and comes before the file is read; a gzip bomb is decompressed no further
// than its header announces.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';

import {
  MAX_IDX_FILE_BYTES,
  UploadError,
  idxHeader,
  readIdx,
  readIdxSet,
  readCsvFile,
  readModelFile,
  readZipFile,
} from '../../web/page/data/upload_checks.js';

function idx(dims, { type = 0x08, fill = 0, extra = 0, cut = 0 } = {}) {
  const count = dims.reduce((a, b) => a * b, 1);
  const head = 4 + 4 * dims.length;
  const b = new Uint8Array(head + count + extra - cut);
  b[2] = type;
  b[3] = dims.length;
  const v = new DataView(b.buffer);
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  b.fill(fill, head);
  return b;
}

// A Blob that counts the bytes read from it (slices, arrayBuffer and stream).
function watched(bytes) {
  const blob = new Blob([bytes]);
  const stats = { read: 0 };
  const wrap = (b) => ({
    size: b.size,
    slice: (s, e) => {
      const part = b.slice(s, e);
      return { arrayBuffer: async () => ((stats.read += part.size), part.arrayBuffer()) };
    },
    arrayBuffer: async () => ((stats.read += b.size), b.arrayBuffer()),
    stream: () => b.stream(),
  });
  return { file: wrap(blob), stats };
}

async function refusal(promise) {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof UploadError, `not an UploadError: ${err}`);
    return err;
  }
  assert.fail('expected a refusal');
}

test('a valid raw and a valid gzip IDX file are read whole', async () => {
  const raw = idx([3, 2, 2], { fill: 7 });
  for (const bytes of [raw, gzipSync(raw)]) {
    const { file } = watched(bytes);
    const h = await idxHeader(file, 'images', 'x');
    assert.deepEqual([h.count, h.rows, h.cols, h.totalBytes], [3, 2, 2, raw.length]);
    assert.deepEqual(await readIdx(file, h, 'x'), raw);
  }
});

test('each bad IDX file is refused with its own message, from its header alone', async () => {
  const cases = [
    ['wrong magic', Uint8Array.from([1, 2, 8, 3, 0, 0, 0, 1]), 'magic', /not an IDX file/],
    ['wrong dtype', idx([2, 2, 2], { type: 0x0d }), 'dtype', /float values .*only unsigned bytes/],
    ['wrong dims', idx([2, 4]), 'dims', /2 dimensions; images need 3/],
    ['zero dims', idx([0, 28, 28]), 'dims', /a dimension is 0/],
    ['truncated', idx([10, 28, 28], { cut: 100 }), 'size-mismatch', /truncated/],
    ['too long', idx([10, 28, 28], { extra: 5 }), 'size-mismatch', /more data than the header says/],
    ['too short for a header', Uint8Array.from([0, 0]), 'truncated', /too short for an IDX header/],
  ];
  for (const [name, bytes, code, message] of cases) {
    const { file, stats } = watched(bytes);
    const err = await refusal(idxHeader(file, 'images', 'Training images (t.idx)'));
    assert.equal(err.code, code, name);
    assert.match(err.message, message, name);
    assert.match(err.message, /^Training images \(t\.idx\)/);
    assert.ok(stats.read <= 18, `${name}: read ${stats.read} bytes`);
  }
  // A header promising more than the file holds (a 1 GB promise in 16 bytes).
  const promise = idx([1, 1, 1]);
  new DataView(promise.buffer).setUint32(4, 1_000_000_000 / 784, false);
  new DataView(promise.buffer).setUint32(8, 28, false);
  new DataView(promise.buffer).setUint32(12, 28, false);
  const err = await refusal(idxHeader(watched(promise).file, 'images', 'x'));
  assert.equal(err.code, 'too-large');
  assert.match(err.message, /header announces 1,275,510 images of 28×28/);
});

test('a file larger than the limit is refused from its size, without reading it', async () => {
  let read = false;
  const huge = {
    size: 600e6,
    slice: () => ((read = true), new Blob([])),
    arrayBuffer: () => ((read = true), null),
    stream: () => ((read = true), null),
  };
  const err = await refusal(idxHeader(huge, 'images', 'x'));
  assert.equal(err.code, 'too-large');
  assert.match(err.message, /600 MB; at most 128 MB/);
  assert.equal(read, false);
  const model = await refusal(readModelFile(huge, { maxBytes: 500e6, maxHeaderBytes: 1 << 20 }));
  assert.match(model.message, /600 MB; the largest model this page can train is 500 MB/);
  assert.equal(read, false);
});

test('a gzip bomb stops at the size its header announces', async () => {
  // 1,000 images of 28×28 announced, 100 MB of zeros inside: 100 KB of gzip.
  const head = idx([1000, 28, 28]).subarray(0, 16);
  const body = new Uint8Array(100e6);
  body.set(head);
  const bomb = gzipSync(body, { level: 9 });
  assert.ok(bomb.length < 200_000);
  const { file } = watched(bomb);
  const h = await idxHeader(file, 'images', 'bomb');
  const t0 = performance.now();
  const err = await refusal(readIdx(file, h, 'bomb'));
  assert.equal(err.code, 'bomb');
  assert.match(err.message, /decompresses to more than the 784,016 bytes its header announces/);
  assert.ok(performance.now() - t0 < 5000);
  // A bomb of zeros without an IDX header is refused at its first bytes (type 0x00).
  const zeros = gzipSync(new Uint8Array(50e6), { level: 9 });
  assert.equal((await refusal(idxHeader(watched(zeros).file, 'images', 'z'))).code, 'dtype');
  // A truncated gzip stream.
  const raw = idx([50, 28, 28], { fill: 3 });
  const gz = gzipSync(raw);
  const cut = watched(gz.subarray(0, gz.length - 40)).file;
  const cutErr = await refusal(idxHeader(cut, 'images', 'c').then((hh) => readIdx(cut, hh, 'c')));
  assert.match(cutErr.message, /corrupt|truncated/);
});

test('the four files must agree: counts, image sizes', async () => {
  const set = (over = {}) => {
    const files = {
      trainImages: idx([20, 4, 4]),
      trainLabels: idx([20]),
      testImages: idx([5, 4, 4]),
      testLabels: idx([5]),
      ...over,
    };
    return Object.fromEntries(Object.entries(files).map(([role, b]) => [role, { file: watched(b).file, label: role }]));
  };
  const raw = await readIdxSet(set());
  assert.equal(raw.trainImages.length, 16 + 20 * 16);
  assert.match(
    (await refusal(readIdxSet(set({ trainLabels: idx([19]) })))).message,
    /trainImages has 20 images but trainLabels has 19 labels/,
  );
  assert.match((await refusal(readIdxSet(set({ testImages: idx([5, 5, 5]) })))).message, /4×4 but the test images 5×5/);
  assert.match(
    (await refusal(readIdxSet(set({ trainLabels: idx([20, 1, 1]) })))).message,
    /3 dimensions; labels need 1/,
  );
  assert.ok(MAX_IDX_FILE_BYTES >= 47.1e6);
});

function safetensors(header, dataBytes, { raw = null } = {}) {
  const text = raw ?? new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  return out;
}

// The engine's limits (constants()): a file's size, its header's length (small here, to test it).
const LIMITS = { maxBytes: 1e6, maxHeaderBytes: 4096 };

test('model files: header length, UTF-8, JSON, duplicate names and the bytes that follow', async () => {
  const t = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };
  const ok = safetensors({ a: t }, 8);
  assert.equal((await readModelFile(watched(ok).file, LIMITS)).byteLength, ok.length);
  const cases = [
    ['truncated', ok.subarray(0, 5), /too short/],
    [
      'header past the end',
      (() => {
        const b = ok.slice();
        new DataView(b.buffer).setBigUint64(0, 10_000n, true);
        return b;
      })(),
      /runs past the end/,
    ],
    [
      'header longer than the engine reads',
      safetensors(`{"a": ${JSON.stringify(t)}${' '.repeat(5000)}}`, 8),
      /its header is 5,0\d\d bytes, more than the 4,096 this engine reads/,
    ],
    ['not UTF-8', safetensors(null, 0, { raw: Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]) }), /not UTF-8/],
    ['not JSON', safetensors('{"a": ', 0), /not valid JSON/],
    [
      'duplicate names',
      safetensors(
        '{"a": {"dtype":"F32","shape":[2],"data_offsets":[0,8]}, "a": {"dtype":"F32","shape":[2],"data_offsets":[0,8]}}',
        8,
      ),
      /names the tensor “a” twice/,
    ],
    [
      'header promises more',
      safetensors({ a: { ...t, data_offsets: [0, 800] } }, 8),
      /describes 800 bytes of tensors but 8 follow it: the file is truncated/,
    ],
  ];
  for (const [name, bytes, message] of cases) {
    const { file, stats } = watched(bytes);
    const err = await refusal(readModelFile(file, LIMITS));
    assert.match(err.message, message, name);
    assert.ok(stats.read < bytes.length || bytes.length < 16, `${name}: read the whole file`);
  }
});

test('CSV and zip files: the size first, then their first bytes, before they are read', async () => {
  let read = false;
  const huge = { size: 300e6, slice: () => ((read = true), new Blob([])), arrayBuffer: () => ((read = true), null) };
  assert.match(
    (await refusal(readCsvFile(huge, 'train.csv'))).message,
    /^train\.csv: the file is 300 MB; at most 200 MB are accepted \(Kaggle’s train\.csv is 76 MB\)\.$/,
  );
  assert.match(
    (await refusal(readZipFile(huge, 'shapes.zip'))).message,
    /^shapes\.zip: the file is 300 MB; at most 200 MB are accepted\.$/,
  );
  assert.equal(read, false);
  assert.equal((await refusal(readCsvFile(new Blob([]), 'e.csv'))).code, 'empty');
  const csv = new TextEncoder().encode('label,pixel0\n1,2\n');
  assert.equal((await readCsvFile(new Blob([csv]), 'ok.csv')).byteLength, csv.length);
  assert.match(
    (await refusal(readCsvFile(new Blob([gzipSync(csv)]), 'train.csv.gz'))).message,
    /a gzip file; unpack it/,
  );
  assert.match(
    (await refusal(readCsvFile(new Blob([new Uint8Array([49, 0, 50])]), 'x.csv'))).message,
    /not a text file/,
  );
  const { file, stats } = watched(new TextEncoder().encode('GIF89a and more'));
  assert.match(
    (await refusal(readZipFile(file, 'pics.zip'))).message,
    /^pics\.zip: not a zip file \(it starts with 0x47 0x49 0x46 0x38; a zip file with 0x50 0x4B, “PK”\)\.$/,
  );
  assert.equal(stats.read, 4, 'only its first four bytes were read');
  const zip = new Uint8Array([0x50, 0x4b, 3, 4, 0, 0]);
  assert.equal((await readZipFile(new Blob([zip]), 'a.zip')).byteLength, 6);
});
