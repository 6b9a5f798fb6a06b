// MNIST-style preprocessing of a hand-drawn digit, as pure functions on
// Float32Array images (row-major, one value per pixel, 0 = background,
// 1 = full ink). No DOM: unit-tested under Node (tests/web/preprocess.test.mjs).
// Both threads use it: the drawing pad (page/drawing/) and the worker, which
// converts the images of a user's zip the same way (worker/image_folders.js).
//
// MNIST's digits were made like this (LeCun et al.): the ink's bounding box is
// scaled to fit a 20×20 box keeping its aspect ratio, with anti-aliasing, and
// placed in a 28×28 field so that its centre of mass is at the centre.
// For other image sizes the box keeps the same 20/28 proportion.

/** Ink per pixel from an RGBA buffer's alpha channel (the drawing canvas is transparent where empty). */
export function alphaToInk(rgba, width, height) {
  const ink = new Float32Array(width * height);
  for (let i = 0; i < ink.length; i++) ink[i] = rgba[4 * i + 3] / 255;
  return ink;
}

/**
 * Ink per pixel from a decoded image's RGBA bytes (any colours): each pixel's grey level (Rec. 601
 * luma, composited over white where it is transparent), inverted when the background is light, so
 * that ink is 1 and background 0 whatever the image's polarity. The background is what the image's
 * border (its outermost rows and columns) mostly is: light when their mean grey is above one half,
 * as for dark ink on paper; MNIST's own images are light ink on black and stay as they are. Then the
 * levels are stretched so that the background (the border's mean) is 0 and the darkest ink 1: grey
 * paper is no ink (it would fill the ink's bounding box), and faint ink is full ink, as MNIST's is.
 */
export function imageToInk(rgba, width, height) {
  const grey = new Float32Array(width * height);
  for (let i = 0; i < grey.length; i++) {
    const a = rgba[4 * i + 3] / 255;
    const luma = (0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2]) / 255;
    grey[i] = a * luma + (1 - a);
  }
  let border = 0;
  let n = 0;
  for (let x = 0; x < width; x++) {
    border += grey[x] + grey[(height - 1) * width + x];
    n += 2;
  }
  for (let y = 1; y < height - 1; y++) {
    border += grey[y * width] + grey[y * width + width - 1];
    n += 2;
  }
  const light = border / n > 0.5;
  let max = 0;
  for (let i = 0; i < grey.length; i++) {
    if (light) grey[i] = 1 - grey[i];
    if (grey[i] > max) max = grey[i];
  }
  const background = light ? 1 - border / n : border / n;
  if (max - background < 1 / 255) return grey.fill(0); // one colour: no ink
  for (let i = 0; i < grey.length; i++) grey[i] = Math.min(1, Math.max(0, (grey[i] - background) / (max - background)));
  return grey;
}

/**
 * The smallest box holding every pixel with ink > threshold, as
 * { x, y, width, height } in pixels, or null when there is none.
 */
export function inkBoundingBox(ink, width, height, threshold = 0.05) {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (ink[row + x] > threshold) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        y1 = y;
      }
    }
  }
  if (x1 < 0) return null;
  return { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

// For a 1-D resampling of the source interval [start, start + length) onto n
// output cells: for each cell, the source indices it overlaps and the overlap
// fractions, normalised to sum to 1 (an area average, i.e. anti-aliased).
function areaWeights(start, length, n) {
  const cells = [];
  const step = length / n;
  for (let j = 0; j < n; j++) {
    const a = start + j * step;
    const b = a + step;
    const indices = [];
    const weights = [];
    for (let i = Math.floor(a); i < Math.ceil(b); i++) {
      const overlap = Math.min(b, i + 1) - Math.max(a, i);
      if (overlap > 1e-9) {
        indices.push(i);
        weights.push(overlap / step);
      }
    }
    cells.push({ indices, weights });
  }
  return cells;
}

/**
 * Resamples the region `box` of src (srcWidth wide) to outWidth × outHeight
 * by area averaging (each output pixel is the mean of the source area it covers).
 */
export function resampleArea(src, srcWidth, box, outWidth, outHeight) {
  const cols = areaWeights(box.x, box.width, outWidth);
  const rows = areaWeights(box.y, box.height, outHeight);
  // Horizontal pass over the box's rows, then vertical.
  const tmp = new Float32Array(box.height * outWidth);
  for (let y = 0; y < box.height; y++) {
    const srcRow = (box.y + y) * srcWidth;
    for (let j = 0; j < outWidth; j++) {
      const { indices, weights } = cols[j];
      let s = 0;
      for (let k = 0; k < indices.length; k++) s += weights[k] * src[srcRow + indices[k]];
      tmp[y * outWidth + j] = s;
    }
  }
  const out = new Float32Array(outWidth * outHeight);
  for (let i = 0; i < outHeight; i++) {
    const { indices, weights } = rows[i];
    for (let j = 0; j < outWidth; j++) {
      let s = 0;
      for (let k = 0; k < indices.length; k++) s += weights[k] * tmp[(indices[k] - box.y) * outWidth + j];
      out[i * outWidth + j] = s;
    }
  }
  return out;
}

/** Centre of mass { x, y } in pixel-index coordinates, or null for an image without ink. */
export function centreOfMass(img, width, height) {
  let mass = 0;
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = img[y * width + x];
      mass += v;
      sx += v * x;
      sy += v * y;
    }
  }
  if (!(mass > 0)) return null;
  return { x: sx / mass, y: sy / mass };
}

/**
 * Places src (srcWidth × srcHeight) into a new width × height image so that
 * src's pixel (0, 0) lands at (offsetX, offsetY); fractional offsets use
 * bilinear interpolation, which moves the centre of mass by exactly the offset.
 */
export function placeAt(src, srcWidth, srcHeight, width, height, offsetX, offsetY) {
  const out = new Float32Array(width * height);
  const at = (x, y) => (x >= 0 && y >= 0 && x < srcWidth && y < srcHeight ? src[y * srcWidth + x] : 0);
  const ix = Math.floor(offsetX);
  const iy = Math.floor(offsetY);
  const fx = offsetX - ix;
  const fy = offsetY - iy;
  for (let y = 0; y < height; y++) {
    const sy = y - iy; // source row for weight (1 - fy); sy - 1 for weight fy
    for (let x = 0; x < width; x++) {
      const sx = x - ix;
      const v =
        (1 - fy) * ((1 - fx) * at(sx, sy) + fx * at(sx - 1, sy)) +
        fy * ((1 - fx) * at(sx, sy - 1) + fx * at(sx - 1, sy - 1));
      out[y * width + x] = v;
    }
  }
  return out;
}

/**
 * The whole MNIST pipeline: ink (width × height, values in [0, 1]) → a
 * rows × cols Float32Array in [0, 1] for the network, or null when there is no ink.
 * options.box: the fitting box as a fraction of the output (MNIST: 20/28).
 */
export function preprocessDigit(ink, width, height, { rows = 28, cols = 28, box = 20 / 28, threshold = 0.05 } = {}) {
  const bb = inkBoundingBox(ink, width, height, threshold);
  if (!bb) return null;
  const fitW = Math.max(1, Math.round(cols * box));
  const fitH = Math.max(1, Math.round(rows * box));
  const scale = Math.min(fitW / bb.width, fitH / bb.height);
  const w = Math.min(fitW, Math.max(1, Math.round(bb.width * scale)));
  const h = Math.min(fitH, Math.max(1, Math.round(bb.height * scale)));
  const small = resampleArea(ink, width, bb, w, h);
  const com = centreOfMass(small, w, h);
  if (!com) return null;
  const out = placeAt(small, w, h, cols, rows, (cols - 1) / 2 - com.x, (rows - 1) / 2 - com.y);
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(0, out[i]));
  return out;
}
