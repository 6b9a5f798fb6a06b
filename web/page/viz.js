// Small DOM views: probability bars and digit images; and the two DOM
// helpers every page module uses, $ and el. (The confusion matrix is
// confusion_view.js, the weights layer_views.js.)

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/** Creates an element with attributes and children. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'style')
      for (const [name, value] of Object.entries(v)) node.style.setProperty(name, value); // CSSOM: allowed by the CSP
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

export const pct = (x, digits = 1) => `${(100 * x).toFixed(digits)} %`;

/** Ten horizontal bars, one per class. */
export class ProbabilityBars {
  constructor(container, classes = 10) {
    this.rows = [];
    const list = el('ol', { class: 'probs', 'aria-label': 'Probability per digit' });
    for (let k = 0; k < classes; k++) {
      const fill = el('span', { class: 'probs-fill' });
      const value = el('span', { class: 'probs-value', text: '–' });
      const row = el(
        'li',
        { class: 'probs-row' },
        el('span', { class: 'probs-digit', text: String(k) }),
        el('span', { class: 'probs-bar' }, fill),
        value,
      );
      list.append(row);
      this.rows.push({ row, fill, value });
    }
    container.replaceChildren(list);
  }

  /** probabilities: array-like of per-class values, or null to clear. */
  set(probabilities, { trueLabel = null } = {}) {
    let best = -1;
    if (probabilities) {
      let max = -Infinity;
      for (let k = 0; k < probabilities.length; k++) if (probabilities[k] > max) [max, best] = [probabilities[k], k];
    }
    this.rows.forEach(({ row, fill, value }, k) => {
      const p = probabilities ? probabilities[k] : 0;
      fill.style.width = `${Math.max(0, Math.min(1, p)) * 100}%`;
      value.textContent = probabilities ? pct(p) : '–';
      row.classList.toggle('is-best', k === best);
      row.classList.toggle('is-true', k === trueLabel);
    });
  }
}

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
