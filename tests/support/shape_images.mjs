// Images for the tests of the page's image data (tests/web/user_data.test.mjs,
// tests/browser/formats.test.mjs): shapes drawn as RGBA pixels (a circle, a
// square, a cross, at a position and size of their own), written as PNG files
// (8-bit RGBA, no filtering, zlib from Node), and read back (only such PNGs:
// the Node tests' stand-in for the browser's decoder).
import { deflateSync, inflateSync } from 'node:zlib';

import { xorshift32 } from './synthetic_mnist.mjs';

export const SHAPES = Object.freeze(['circle', 'square', 'cross']);

/**
 * A width × height RGBA image of `shape` in `ink` on `background` (RGBA arrays), its centre and size
 * varied by `seed`.
 */
export function shapeImage(
  shape,
  { width = 40, height = 40, seed = 1, ink = [0, 0, 0, 255], background = [255, 255, 255, 255] } = {},
) {
  const next = xorshift32(seed);
  const r = Math.min(width, height) * (0.25 + (next() % 100) / 1000);
  const cx = width / 2 + ((next() % 9) - 4) * (width / 80);
  const cy = height / 2 + ((next() % 9) - 4) * (height / 80);
  const stroke = Math.max(1.5, Math.min(width, height) / 14);
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      let on;
      if (shape === 'circle') on = Math.abs(Math.hypot(dx, dy) - r) < stroke / 2;
      else if (shape === 'square')
        on = Math.max(Math.abs(dx), Math.abs(dy)) < r && Math.max(Math.abs(dx), Math.abs(dy)) > r - stroke;
      else
        on =
          (Math.abs(dx - dy) < stroke * 0.7 || Math.abs(dx + dy) < stroke * 0.7) &&
          Math.max(Math.abs(dx), Math.abs(dy)) < r;
      rgba.set(on ? ink : background, 4 * (y * width + x));
    }
  return rgba;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** A PNG file (Buffer) of RGBA pixels; header: width and height to write in IHDR instead (a lying header). */
export function encodePng(rgba, width, height, { header = { width, height } } = {}) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(header.width, 0);
  ihdr.writeUInt32BE(header.height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, no filter method, no interlace
  const raw = Buffer.alloc(height * (1 + width * 4));
  for (let y = 0; y < height; y++)
    Buffer.from(rgba.subarray(y * width * 4, (y + 1) * width * 4)).copy(raw, y * (1 + width * 4) + 1);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The RGBA pixels of a PNG that encodePng wrote: { rgba, width, height }. */
export function decodePng(bytes) {
  const buf = Buffer.from(bytes);
  const width = buf.readUInt32BE(16);
  const height = buf.readUInt32BE(20);
  const idat = [];
  for (let at = 8; at < buf.length;) {
    const length = buf.readUInt32BE(at);
    if (buf.toString('latin1', at + 4, at + 8) === 'IDAT') idat.push(buf.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  if (raw.length !== height * (1 + width * 4)) throw new Error('not a PNG of encodePng');
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++)
    rgba.set(raw.subarray(y * (1 + width * 4) + 1, (y + 1) * (1 + width * 4)), y * width * 4);
  return { rgba, width, height };
}
