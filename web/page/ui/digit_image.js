// Grey-scale digits (MNIST's white ink on black) as canvases or images.
import { el } from './dom.js';

/** Draws a grey-scale image (Uint8 0..255 or float 0..1) into a canvas of its own size, white ink on black. */
export function drawDigit(canvas, pixels, rows, cols, { scale = 255 } = {}) {
  canvas.width = cols;
  canvas.height = rows;
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(cols, rows);
  for (let i = 0; i < rows * cols; i++) {
    const v = Math.max(0, Math.min(255, Math.round((pixels[i] * 255) / scale)));
    img.data[4 * i] = v;
    img.data[4 * i + 1] = v;
    img.data[4 * i + 2] = v;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

// One scratch canvas turns small images into data: URLs for <img> elements:
// dozens of static images cost the compositor far less than dozens of canvases.
let scratch = null;
function imageURL(width, height, fill) {
  scratch ??= document.createElement('canvas');
  scratch.width = width;
  scratch.height = height;
  const ctx = scratch.getContext('2d');
  const img = ctx.createImageData(width, height);
  fill(img.data);
  ctx.putImageData(img, 0, 0);
  return scratch.toDataURL('image/png');
}

/** A grey-scale digit (Uint8 0..255 or float 0..1 with scale 1) as an <img>, white ink on black. */
export function digitImage(pixels, rows, cols, { scale = 255, alt = '' } = {}) {
  const src = imageURL(cols, rows, (d) => {
    for (let i = 0; i < rows * cols; i++) {
      const v = Math.max(0, Math.min(255, Math.round((pixels[i] * 255) / scale)));
      d[4 * i] = v;
      d[4 * i + 1] = v;
      d[4 * i + 2] = v;
      d[4 * i + 3] = 255;
    }
  });
  return el('img', { src, alt, width: cols, height: rows, decoding: 'async' });
}
