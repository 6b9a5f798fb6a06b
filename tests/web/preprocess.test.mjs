// Unit tests for web/shared/preprocess.js (pure functions, no browser needed).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  alphaToInk,
  centreOfMass,
  imageToInk,
  inkBoundingBox,
  placeAt,
  preprocessDigit,
  resampleArea,
} from '../../web/shared/preprocess.js';

// A w×h image with the rectangle [x, x+rw) × [y, y+rh) filled with `value`.
function rect(w, h, x, y, rw, rh, value = 1) {
  const img = new Float32Array(w * h);
  for (let j = y; j < y + rh; j++) for (let i = x; i < x + rw; i++) img[j * w + i] = value;
  return img;
}

const sum = (a) => a.reduce((s, v) => s + v, 0);

test('empty input gives null', () => {
  assert.equal(preprocessDigit(new Float32Array(280 * 280), 280, 280), null);
  assert.equal(inkBoundingBox(new Float32Array(16), 4, 4), null);
  assert.equal(centreOfMass(new Float32Array(16), 4, 4), null);
  // Faint noise below the threshold is no ink either.
  assert.equal(preprocessDigit(new Float32Array(100).fill(0.01), 10, 10), null);
});

test('alphaToInk reads the alpha channel', () => {
  const rgba = new Uint8ClampedArray([0, 0, 0, 0, 255, 255, 255, 255, 9, 9, 9, 51]);
  assert.deepEqual([...alphaToInk(rgba, 3, 1)], [0, 1, Math.fround(0.2)]);
});

// RGBA bytes of a w×h image: `background` everywhere, `ink` in the rectangle [x, x+rw) × [y, y+rh).
function rgbaImage(w, h, { background, ink, x, y, rw, rh }) {
  const out = new Uint8ClampedArray(w * h * 4);
  for (let j = 0; j < h; j++)
    for (let i = 0; i < w; i++)
      out.set(i >= x && i < x + rw && j >= y && j < y + rh ? ink : background, 4 * (j * w + i));
  return out;
}

test('imageToInk: dark ink on a light background is inverted, light ink on black is not; colour is grey', () => {
  const box = { x: 2, y: 3, rw: 3, rh: 2 };
  const paper = imageToInk(rgbaImage(8, 8, { background: [255, 255, 255, 255], ink: [0, 0, 0, 255], ...box }), 8, 8);
  const mnist = imageToInk(rgbaImage(8, 8, { background: [0, 0, 0, 255], ink: [255, 255, 255, 255], ...box }), 8, 8);
  assert.deepEqual([...paper], [...mnist]);
  assert.equal(paper[3 * 8 + 2], 1);
  assert.equal(paper[0], 0);
  assert.deepEqual(inkBoundingBox(paper, 8, 8), { x: 2, y: 3, width: 3, height: 2 });
  // Red ink on yellow paper (grey levels 0.299 and 0.886): the paper is no ink, the ink full ink.
  const colour = imageToInk(rgbaImage(8, 8, { background: [255, 255, 0, 255], ink: [255, 0, 0, 255], ...box }), 8, 8);
  assert.deepEqual([...colour], [...paper]);
  // Faint grey strokes on off-white paper are stretched to the full range; a blank page has no ink.
  const faint = imageToInk(
    rgbaImage(8, 8, { background: [235, 235, 235, 255], ink: [160, 160, 160, 255], ...box }),
    8,
    8,
  );
  assert.deepEqual([...faint], [...paper]);
  const blank = imageToInk(
    rgbaImage(8, 8, { background: [240, 240, 240, 255], ink: [240, 240, 240, 255], ...box }),
    8,
    8,
  );
  assert.ok(blank.every((v) => v === 0));
  // Transparent is white: black strokes on a transparent PNG are ink.
  const clear = imageToInk(rgbaImage(8, 8, { background: [0, 0, 0, 0], ink: [0, 0, 0, 255], ...box }), 8, 8);
  assert.deepEqual([...clear], [...paper]);
});

test('the drawing pad and an image of the same strokes give the same digit', () => {
  // The pad's ink (alpha) and a picture of it as black on white go through one pipeline.
  const alpha = rgbaImage(56, 40, { background: [0, 0, 0, 0], ink: [0, 0, 0, 255], x: 20, y: 5, rw: 9, rh: 30 });
  const photo = rgbaImage(56, 40, {
    background: [250, 250, 250, 255],
    ink: [5, 5, 5, 255],
    x: 20,
    y: 5,
    rw: 9,
    rh: 30,
  });
  const a = preprocessDigit(alphaToInk(alpha, 56, 40), 56, 40);
  const b = preprocessDigit(imageToInk(photo, 56, 40), 56, 40);
  assert.ok(a && b);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 0.02, `pixel ${i}: ${a[i]} vs ${b[i]}`);
});

test('bounding box of the ink', () => {
  const img = rect(10, 8, 2, 3, 4, 2);
  assert.deepEqual(inkBoundingBox(img, 10, 8), { x: 2, y: 3, width: 4, height: 2 });
});

test('area resampling keeps the mean and anti-aliases', () => {
  const img = rect(280, 280, 0, 0, 140, 280); // left half inked
  const out = resampleArea(img, 280, { x: 0, y: 0, width: 280, height: 280 }, 20, 20);
  assert.ok(Math.abs(sum(out) / 400 - 0.5) < 1e-6);
  // 280/20 = 14: a step at 140 falls between output columns 9 and 10.
  assert.equal(out[9], 1);
  assert.equal(out[10], 0);
  // A 3-wide box into 2 cells: the middle source pixel is split.
  const mid = resampleArea(new Float32Array([0, 1, 0]), 3, { x: 0, y: 0, width: 3, height: 1 }, 2, 1);
  assert.ok(Math.abs(mid[0] - 1 / 3) < 1e-6 && Math.abs(mid[1] - 1 / 3) < 1e-6);
});

test('placeAt moves the centre of mass by the (fractional) offset', () => {
  const src = rect(5, 5, 1, 0, 3, 5);
  const c0 = centreOfMass(src, 5, 5);
  const out = placeAt(src, 5, 5, 28, 28, 10.3, 7.6);
  const c1 = centreOfMass(out, 28, 28);
  assert.ok(Math.abs(c1.x - (c0.x + 10.3)) < 1e-5, `x ${c1.x}`);
  assert.ok(Math.abs(c1.y - (c0.y + 7.6)) < 1e-5, `y ${c1.y}`);
  assert.ok(Math.abs(sum(out) - sum(src)) < 1e-4);
});

test('the centre of mass ends at the centre of the 28x28 field', () => {
  // An off-centre, lopsided "digit": a thick L in the top-left of a 280x280 canvas.
  const w = 280;
  const ink = rect(w, w, 20, 30, 20, 120);
  for (let j = 130; j < 150; j++) for (let i = 20; i < 110; i++) ink[j * w + i] = 1;
  const out = preprocessDigit(ink, w, w);
  assert.equal(out.length, 784);
  const c = centreOfMass(out, 28, 28);
  assert.ok(Math.abs(c.x - 13.5) < 0.05, `x ${c.x}`);
  assert.ok(Math.abs(c.y - 13.5) < 0.05, `y ${c.y}`);
  for (const v of out) assert.ok(v >= 0 && v <= 1);
});

test('scaled to fit 20x20 keeping the aspect ratio', () => {
  // A 40 wide × 160 tall bar (aspect 1:4) → 5 × 20 in the output.
  const w = 280;
  const out = preprocessDigit(rect(w, w, 100, 60, 40, 160), w, w);
  const bb = inkBoundingBox(out, 28, 28, 0.01);
  assert.equal(bb.height, 20);
  // 5 columns wide, plus at most one column of bilinear spill at each side.
  assert.ok(bb.width >= 5 && bb.width <= 7, `width ${bb.width}`);
  assert.ok(Math.abs(sum(out) - 5 * 20) < 1e-3, `mass ${sum(out)}`);

  // A wide shape (4:1) is limited by its width instead.
  const wide = preprocessDigit(rect(w, w, 20, 100, 200, 50), w, w);
  const bw = inkBoundingBox(wide, 28, 28, 0.01);
  assert.ok(bw.width >= 20 && bw.width <= 21, `width ${bw.width}`);
  assert.ok(bw.height >= 5 && bw.height <= 6, `height ${bw.height}`);
});

test('a tiny drawing is scaled up to the 20-pixel box', () => {
  const out = preprocessDigit(rect(100, 100, 50, 50, 2, 4), 100, 100);
  const bb = inkBoundingBox(out, 28, 28, 0.01);
  assert.ok(bb.height >= 20 && bb.height <= 21, `height ${bb.height}`);
});

test('other output sizes keep the 20/28 proportion', () => {
  const out = preprocessDigit(rect(50, 50, 10, 10, 10, 30), 50, 50, { rows: 14, cols: 14 });
  assert.equal(out.length, 196);
  const bb = inkBoundingBox(out, 14, 14, 0.01);
  assert.ok(bb.height >= 10 && bb.height <= 11, `height ${bb.height}`);
  const c = centreOfMass(out, 14, 14);
  assert.ok(Math.abs(c.x - 6.5) < 0.05 && Math.abs(c.y - 6.5) < 0.05);
});
