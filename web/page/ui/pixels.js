// Images drawn pixel by pixel (digits, weight images, activation strips):
// one way to fill a canvas, and grey-scale digits (MNIST's white ink on
// black) as canvases or <img> elements.
import { el } from './dom.js';

/**
 * Sizes a canvas to width × height and fills its pixels: fill(data) writes RGBA bytes.
 * @param {HTMLCanvasElement} canvas
 * @param {number} width
 * @param {number} height
 * @param {(data: Uint8ClampedArray) => void} fill
 */
export function paint(canvas, width, height, fill) {
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(width, height);
  fill(img.data);
  ctx.putImageData(img, 0, 0);
}

// Grey levels of a digit (Uint8 0..255, or float 0..1 with scale 1) into RGBA bytes.
function greys(pixels, n, scale) {
  return (d) => {
    for (let i = 0; i < n; i++) {
      const v = Math.max(0, Math.min(255, Math.round((pixels[i] * 255) / scale)));
      d[4 * i] = v;
      d[4 * i + 1] = v;
      d[4 * i + 2] = v;
      d[4 * i + 3] = 255;
    }
  };
}

/** Draws a grey-scale image (Uint8 0..255 or float 0..1) into a canvas of its own size, white ink on black. */
export function drawDigit(canvas, pixels, rows, cols, { scale = 255 } = {}) {
  paint(canvas, cols, rows, greys(pixels, rows * cols, scale));
}

// One scratch canvas turns small images into data: URLs for <img> elements:
// dozens of static images cost the compositor far less than dozens of canvases.
let scratch = null;

/** A grey-scale digit (Uint8 0..255 or float 0..1 with scale 1) as an <img>, white ink on black. */
export function digitImage(pixels, rows, cols, { scale = 255, alt = '' } = {}) {
  scratch ??= document.createElement('canvas');
  paint(scratch, cols, rows, greys(pixels, rows * cols, scale));
  return el('img', { src: scratch.toDataURL('image/png'), alt, width: cols, height: rows, decoding: 'async' });
}
