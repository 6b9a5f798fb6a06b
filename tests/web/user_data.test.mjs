// Unit tests of the worker's conversion of the user's data (pure parts, under
// Node): web/worker/csv_data.js (Kaggle-layout CSV), web/worker/image_folders.js
// (a zip of class folders; fflate's own unzipSync, and a PNG reader standing in
// for the browser's decoder) and web/worker/labelled_images.js (the held-out
// shares, the IDX bytes engine.loadData reads).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';

import { decodePng, encodePng, shapeImage } from '../support/shape_images.mjs';
import { idxFile } from '../support/synthetic_mnist.mjs';
import { CSV_PIXELS, CsvError, parseCsv } from '../../web/worker/csv_data.js';
import {
  MAX_CLASSES,
  ZipError,
  classFolders,
  imageSize,
  imageType,
  readImageZip,
} from '../../web/worker/image_folders.js';
import { LabelledImages, heldOut, idxImages, idxLabels, splitForEngine } from '../../web/worker/labelled_images.js';

const require = createRequire(new URL('../../web/package.json', import.meta.url));
const { unzipSync, zipSync } = require('fflate');

const bytes = (text) => new TextEncoder().encode(text);
/** A CSV row: the label, then 784 pixels (pixel p = (seed + p) % 256). */
const row = (label, seed = 0) => [label, ...Array.from({ length: CSV_PIXELS }, (_, p) => (seed + p) % 256)].join(',');
const HEADER = ['label', ...Array.from({ length: CSV_PIXELS }, (_, p) => `pixel${p}`)].join(',');

test('CSV: the same images with a header row and without; labels and pixels in place', () => {
  const body = [row(5, 1), row(0, 2), row(9, 3)].join('\n');
  const plain = parseCsv(bytes(`${body}\n`), 'plain.csv');
  const headed = parseCsv(bytes(`${HEADER}\r\n${body.replaceAll('\n', '\r\n')}`), 'headed.csv');
  assert.equal(plain.header, false);
  assert.equal(headed.header, true);
  for (const r of [plain, headed]) {
    assert.equal(r.rows, 3);
    assert.equal(r.skipped, 0);
    assert.deepEqual([...r.images.labels], [5, 0, 9]);
    assert.equal(r.images.pixels[CSV_PIXELS + 10], 12); // image 1, pixel 10: (2 + 10) % 256
  }
  assert.deepEqual(plain.images.pixels, headed.images.pixels);
  // Quotes, spaces, a byte-order mark and blank lines are fine.
  const loose = parseCsv(bytes(`\uFEFF"7", ${row(0).slice(2).replaceAll(',', ' ,')}\n\n  \n`), 'loose.csv');
  assert.equal(loose.rows, 1);
  assert.equal(loose.images.labels[0], 7);
});

test('CSV: bad rows are reported by their line and skipped; the rest loads', () => {
  const lines = [
    HEADER, // line 1
    row(1), // 2
    row(2).replace(/,\d+$/, ''), // 3: 784 values
    row(3), // 4
    `12,${row(0).slice(2)}`, // 5: label 12
    row(4).replace(',10,', ',300,'), // 6: pixel10 is 300
    row(5).replace(',20,', ',x7,'), // 7: not a number
    '', // 8: blank, ignored
    row(6), // 9
    `${row(7)},0`, // 10: 786 values
    row(8).replace(',30,', ',2560,'), // 11: more than 255
    row(9).replace(',40,', ',,'), // 12: an empty value
  ];
  const r = parseCsv(bytes(lines.join('\n')), 'train.csv');
  assert.equal(r.rows, 3);
  assert.deepEqual([...r.images.labels], [1, 3, 6], 'lines 2, 4 and 9');
  assert.equal(r.skipped, 7);
  assert.deepEqual(r.problems, [
    'train.csv, line 3: 784 values; a row is a label and 784 pixels (785 values)',
    'train.csv, line 5: the label is 12, not a digit 0–9',
    'train.csv, line 6: pixel10 (column 12) is more than 255',
    'train.csv, line 7: column 22 (“x7”) is not a whole number',
    'train.csv, line 10: 786 values; a row is a label and 784 pixels (785 values)',
  ]); // the first five listed, all seven counted
});

test("CSV: Kaggle's test.csv (pixels, no label) is refused as such; too many rows before anything is allocated", () => {
  const kaggleTest = [HEADER.replace('label,', ''), row(0).slice(2), row(0).slice(2)].join('\n');
  assert.throws(
    () => parseCsv(bytes(kaggleTest), 'test.csv'),
    (err) => {
      assert.ok(err instanceof CsvError);
      assert.match(err.message, /^test\.csv: every row has 784 values and no label, as Kaggle’s test\.csv/);
      return true;
    },
  );
  assert.throws(() => parseCsv(bytes('a,b\n'), 'junk.csv'), /^CsvError|junk\.csv: no row could be read/);
  assert.throws(() => parseCsv(bytes(''), 'empty.csv'), /empty\.csv: the file is empty/);
  const many = `${row(1)}\n`.repeat(12); // a header may come on top of maxRows rows
  assert.throws(
    () => parseCsv(bytes(many), 'big.csv', { maxRows: 10 }),
    /big\.csv: 12 lines; at most 10 rows are read/,
  );
  assert.equal(parseCsv(bytes(many), 'big.csv', { maxRows: 11 }).rows, 12);
});

test('held-out shares: exactly ⌊n·share⌋ rows, the same every time, every class about its share', () => {
  assert.deepEqual([...heldOut(7, 0)], [0, 0, 0, 0, 0, 0, 0]);
  assert.equal(
    heldOut(1000, 0.15).reduce((n, v) => n + v, 0),
    150,
  );
  assert.deepEqual(heldOut(500, 0.2), heldOut(500, 0.2));
  // A file whose labels repeat in a cycle (label i % 10): every class in the test share.
  const cycle = heldOut(600, 0.2);
  for (let k = 0; k < 10; k++) {
    const n = cycle.filter((v, i) => v && i % 10 === k).length;
    assert.ok(n >= 5 && n <= 20, `class ${k}: ${n} of the 120`);
  }
  // 300 images sorted by class (100 of each): 20 % for test, then 10 % of the rest for validation.
  const labels = Uint8Array.from({ length: 300 }, (_, i) => Math.floor(i / 100));
  const pixels = Uint8Array.from({ length: 300 * 784 }, (_, j) => 1 + 50 * labels[Math.floor(j / 784)]);
  const all = new LabelledImages(pixels, labels);
  const split = splitForEngine(all, null, { testShare: 0.2, validationShare: 0.1 });
  assert.deepEqual(split.counts, { train: 216, validation: 24, test: 60 });
  assert.equal(split.validation, 24);
  const testLabels = split.testLabels.subarray(8);
  for (const k of [0, 1, 2]) {
    const n = testLabels.filter((l) => l === k).length;
    assert.ok(n >= 10 && n <= 30, `class ${k}: ${n} of the 60 test images`);
  }
  // The validation images are the last 24 of the training file, of every class.
  const trainLabels = split.trainLabels.subarray(8);
  const validation = trainLabels.subarray(216);
  for (const k of [0, 1, 2]) assert.ok(validation.includes(k), `class ${k} in validation`);
  // Each image keeps its label (its pixels are 1 + 50 · label).
  const images = split.trainImages.subarray(16);
  for (let i = 0; i < 240; i++) assert.equal(images[i * 784 + 5], 1 + 50 * trainLabels[i]);
  // Test images of their own: none held out.
  const own = splitForEngine(all, all.select(heldOut(300, 0.5)), { testShare: 0.2, validationShare: 0 });
  assert.deepEqual(own.counts, { train: 300, validation: 0, test: 150 });
  assert.throws(() => splitForEngine(all, null, { testShare: 0, validationShare: 0.1 }), /no test images/);
  assert.throws(
    () =>
      splitForEngine(new LabelledImages(new Uint8Array(784), new Uint8Array(1)), null, {
        testShare: 0.5,
        validationShare: 0,
      }),
    /no image is left for testing/,
  );
});

test('the IDX bytes are what the engine reads: the same as the synthetic data’s writer', () => {
  const pixels = Uint8Array.from({ length: 3 * 784 }, (_, i) => i % 251);
  const labels = Uint8Array.from([2, 0, 1]);
  assert.deepEqual(idxImages({ pixels, count: 3, rows: 28, cols: 28 }), idxFile([3, 28, 28], pixels));
  assert.deepEqual(idxLabels(labels), idxFile([3], labels));
  assert.deepEqual(
    [...idxImages({ pixels, count: 3, rows: 28, cols: 28 }).subarray(0, 16)],
    [0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 28, 0, 0, 0, 28],
  );
});

test('zip folders: classes from the folder names (sorted), one folder around them looked through, train/ and test/', () => {
  const flat = classFolders(['square/a.png', 'circle/b.png', 'cross/c.jpg', 'circle/d.png', 'readme.txt', 'circle/']);
  assert.deepEqual(flat.classNames, ['circle', 'cross', 'square']);
  assert.deepEqual(
    flat.items.map((x) => [x.path, x.label, x.split]),
    [
      ['square/a.png', 2, null],
      ['circle/b.png', 0, null],
      ['cross/c.jpg', 1, null],
      ['circle/d.png', 0, null],
    ],
  );
  assert.deepEqual(flat.problems, [{ path: 'readme.txt', message: 'not in a class folder' }]);
  // Zip tools' clutter is not data and not a problem.
  const mac = classFolders([
    'shapes/a/1.png',
    'shapes/b/2.png',
    '__MACOSX/shapes/a/._1.png',
    'shapes/.DS_Store',
    'shapes/b/Thumbs.db',
  ]);
  assert.deepEqual(mac.classNames, ['a', 'b']);
  assert.deepEqual(mac.problems, []);
  assert.deepEqual(
    mac.items.map((x) => x.path),
    ['shapes/a/1.png', 'shapes/b/2.png'],
  );
  // Numbers in numeric order; deeper folders belong to their class folder.
  assert.deepEqual(classFolders(['10/a.png', '2/b.png', '2/sub/c.png']).classNames, ['2', '10']);
  const split = classFolders([
    'data/train/x/1.png',
    'data/train/y/2.png',
    'data/TEST/x/3.png',
    'data/test/y/4.png',
    'data/train/5.png',
  ]);
  assert.deepEqual(split.classNames, ['x', 'y']);
  assert.deepEqual(
    split.items.map((x) => `${x.split}:${x.label}`),
    ['train:0', 'train:1', 'test:0', 'test:1'],
  );
  assert.deepEqual(split.problems, [
    { path: 'data/train/5.png', message: 'not in a class folder under train/ or test/' },
  ]);
  const eleven = Array.from({ length: MAX_CLASSES + 1 }, (_, k) => `c${k}/1.png`);
  assert.throws(() => classFolders(eleven), /11 class folders .*at most 10 classes/);
  assert.throws(
    () => classFolders(['only/1.png', 'only/2.png']),
    /one class folder \(only\/\): a classifier needs at least two/,
  );
  assert.throws(() => classFolders(['1.png', '2.png']), /no images in class folders/);
});

test('image headers: PNG and JPEG told from their bytes, their size read before decoding', () => {
  const png = encodePng(shapeImage('circle', { width: 30, height: 20 }), 30, 20);
  assert.equal(imageType(png), 'image/png');
  assert.deepEqual(imageSize(png, 'image/png'), { width: 30, height: 20 });
  // A JPEG: SOI, an APP0 segment, then SOF0 with height 480 and width 640.
  const jpeg = Uint8Array.from([
    0xff, 0xd8, 0xff, 0xe0, 0, 6, 0x4a, 0x46, 0x49, 0x46, 0xff, 0xc0, 0, 11, 8, 0x01, 0xe0, 0x02, 0x80, 3, 0, 0, 0, 0,
  ]);
  assert.equal(imageType(jpeg), 'image/jpeg');
  assert.deepEqual(imageSize(jpeg, 'image/jpeg'), { width: 640, height: 480 });
  assert.equal(imageType(bytes('GIF89a……')), null);
  assert.equal(imageType(bytes('hello')), null);
  assert.equal(imageSize(jpeg.subarray(0, 10), 'image/jpeg'), null);
});

/** A fake of the browser's decoder for encodePng's PNGs: counts its calls. */
function pngDecoder() {
  const decode = async (data, type) => {
    decode.calls++;
    if (type !== 'image/png') throw new Error('only PNG here');
    return decodePng(data);
  };
  decode.calls = 0;
  return decode;
}

test('a zip of class folders: converted as the drawing pad converts, the bad files reported by path, the rest loaded', async () => {
  const files = {};
  for (const [k, shape] of ['circle', 'square', 'cross'].entries())
    for (let i = 0; i < 4; i++) {
      // Dark ink on white, and white ink on black (MNIST's way round): both are ink.
      const light = i % 2 === 0;
      const rgba = shapeImage(shape, {
        width: 40 + 8 * i,
        height: 36 + 4 * k,
        seed: 10 * k + i + 1,
        ink: light ? [20, 20, 20, 255] : [255, 255, 255, 255],
        background: light ? [250, 250, 245, 255] : [0, 0, 0, 255],
      });
      files[`shapes/${shape}/${i}.png`] = encodePng(rgba, 40 + 8 * i, 36 + 4 * k);
    }
  files['shapes/circle/notes.txt'] = bytes('not an image');
  files['shapes/square/blank.png'] = encodePng(new Uint8Array(20 * 20 * 4).fill(255), 20, 20);
  files['shapes/cross/huge.png'] = encodePng(new Uint8Array(4 * 4 * 4), 4, 4, {
    header: { width: 20000, height: 20000 },
  });
  files['shapes/stray.png'] = files['shapes/circle/0.png'];
  files['shapes/.DS_Store'] = bytes('clutter');
  const zip = zipSync(Object.fromEntries(Object.entries(files).map(([p, b]) => [p, new Uint8Array(b)])));
  const decode = pngDecoder();
  const seen = [];
  const r = await readImageZip(zip, {
    unzip: unzipSync,
    decode,
    name: 'shapes.zip',
    onImage: (done, total) => seen.push([done, total]),
  });
  assert.deepEqual(r.classNames, ['circle', 'cross', 'square']);
  assert.equal(r.images, 12);
  assert.equal(r.test, null);
  assert.deepEqual([...r.train.labels].sort(), [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
  assert.equal(r.skipped, 4);
  assert.deepEqual(r.problems, [
    'shapes/stray.png: not in a class folder',
    'shapes/circle/notes.txt: not a PNG or JPEG image',
    'shapes/square/blank.png: no ink: the image is blank',
    'shapes/cross/huge.png: 20000×20000 pixels; at most 10,000 a side and 25 megapixels are read',
  ]); // in the zip's order
  assert.equal(decode.calls, 13, 'the huge one was never decoded; the blank one was');
  assert.deepEqual(seen.at(-1), [15, 15]);
  // Each image is a 28×28 digit: background 0, its ink's centre of mass at the centre, inside 20×20.
  for (let i = 0; i < r.images; i++) {
    const img = r.train.pixels.subarray(i * 784, (i + 1) * 784);
    assert.equal(img[0], 0);
    let mass = 0;
    let sx = 0;
    let sy = 0;
    for (let p = 0; p < 784; p++) {
      mass += img[p];
      sx += img[p] * (p % 28);
      sy += img[p] * Math.floor(p / 28);
    }
    assert.ok(Math.abs(sx / mass - 13.5) < 0.6 && Math.abs(sy / mass - 13.5) < 0.6, `image ${i} centred`);
  }
  // The same zip read again gives the same bytes (what a reload relies on).
  const again = await readImageZip(zip, { unzip: unzipSync, decode: pngDecoder(), name: 'shapes.zip' });
  assert.deepEqual(again.train.pixels, r.train.pixels);
});

test('a zip with train/ and test/ folders keeps its split; what cannot be used is refused whole', async () => {
  const png = (shape, seed) => new Uint8Array(encodePng(shapeImage(shape, { seed }), 40, 40));
  const zip = zipSync({
    'train/a/1.png': png('circle', 1),
    'train/a/2.png': png('circle', 2),
    'train/b/1.png': png('cross', 3),
    'test/a/1.png': png('circle', 4),
    'test/b/1.png': png('cross', 5),
  });
  const r = await readImageZip(zip, { unzip: unzipSync, decode: pngDecoder(), name: 'split.zip' });
  assert.deepEqual([...r.train.labels], [0, 0, 1]);
  assert.deepEqual([...r.test.labels], [0, 1]);
  await assert.rejects(
    readImageZip(bytes('PK but not really a zip'), { unzip: unzipSync, decode: pngDecoder(), name: 'bad.zip' }),
    (err) => err instanceof ZipError && /^bad\.zip: not a zip file that can be read/.test(err.message),
  );
  await assert.rejects(
    readImageZip(zipSync({ 'a/x.txt': bytes('x'), 'b/y.txt': bytes('y') }), {
      unzip: unzipSync,
      decode: pngDecoder(),
      name: 'text.zip',
    }),
    /^Error: text\.zip: no image could be read \(a\/x\.txt: not a PNG or JPEG image\)/,
  );
  await assert.rejects(
    readImageZip(zipSync({ 'one/x.png': png('circle', 1) }), {
      unzip: unzipSync,
      decode: pngDecoder(),
      name: 'one.zip',
    }),
    /one\.zip: one class folder \(one\/\)/,
  );
});
