// Small DOM views: probability bars, the confusion matrix (a real table, so it
// is its own screen-reader fallback), first-layer weight images, digit images;
// and the two DOM helpers every page module uses, $ and el.

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/** Creates an element with attributes and children. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
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
      const row = el('li', { class: 'probs-row' }, el('span', { class: 'probs-digit', text: String(k) }), el('span', { class: 'probs-bar' }, fill), value);
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

/**
 * Confusion matrix as a table: rows = true digit, columns = predicted.
 * Cell shading: the diagonal by recall, off-diagonal cells by their share of the row.
 */
export function renderConfusion(container, confusion, classes, caption) {
  const rowsTotal = Array.from({ length: classes }, (_, i) => {
    let s = 0;
    for (let j = 0; j < classes; j++) s += confusion[i * classes + j];
    return s;
  });
  let maxOff = 0;
  for (let i = 0; i < classes; i++)
    for (let j = 0; j < classes; j++)
      if (i !== j && rowsTotal[i] > 0) maxOff = Math.max(maxOff, confusion[i * classes + j] / rowsTotal[i]);

  const head = el('tr', {}, el('th', { scope: 'col', class: 'corner' }, el('span', { class: 'sr-only', text: 'true digit by row, predicted digit by column' })));
  for (let j = 0; j < classes; j++) head.append(el('th', { scope: 'col', text: String(j) }));
  head.append(el('th', { scope: 'col', class: 'recall', text: 'recall' }));
  const body = el('tbody');
  for (let i = 0; i < classes; i++) {
    const tr = el('tr', {}, el('th', { scope: 'row', text: String(i) }));
    for (let j = 0; j < classes; j++) {
      const n = confusion[i * classes + j];
      const share = rowsTotal[i] > 0 ? n / rowsTotal[i] : 0;
      const td = el('td', { text: String(n), title: `true ${i}, predicted ${j}: ${n} (${pct(share)} of the ${i}s)` });
      if (i === j) {
        td.className = 'diag';
        td.style.setProperty('--a', share.toFixed(3));
      } else if (n > 0) {
        td.className = 'off';
        td.style.setProperty('--a', (0.12 + 0.88 * (maxOff > 0 ? share / maxOff : 0)).toFixed(3));
      } else {
        td.className = 'zero';
      }
      tr.append(td);
    }
    const recall = rowsTotal[i] > 0 ? confusion[i * classes + i] / rowsTotal[i] : 0;
    tr.append(el('td', { class: 'recall', text: pct(recall) }));
    body.append(tr);
  }
  const table = el(
    'table',
    { class: 'confusion' },
    el('caption', { text: caption }),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }), el('th', { scope: 'colgroup', colspan: classes, class: 'axis', text: 'predicted digit' }), el('th', { scope: 'col' })), head),
    body,
  );
  container.replaceChildren(table);
}

/**
 * The first layer's weights, one image per hidden unit (rows × cols of the
 * input), in a diverging palette: blue negative, red positive, normalised per unit.
 */
export function renderWeights(container, { rows: units, cols: inputs, data }, imgRows, imgCols, limit = 64) {
  const shown = Math.min(units, limit);
  const dark = matchMedia('(prefers-color-scheme: dark)').matches;
  const tiles = [];
  const bg = dark ? 24 : 255;
  for (let u = 0; u < shown; u++) {
    let max = 1e-12;
    for (let i = 0; i < inputs; i++) max = Math.max(max, Math.abs(data[u * inputs + i]));
    const src = imageURL(imgCols, imgRows, (d) => {
      for (let i = 0; i < imgRows * imgCols && i < inputs; i++) {
        const v = data[u * inputs + i] / max; // −1..1
        const a = Math.abs(v);
        // Blend from the background (white or near-black) to red / blue.
        const [r, g, b] = v >= 0 ? [220, 38, 38] : [37, 99, 235];
        d[4 * i] = Math.round(bg + (r - bg) * a);
        d[4 * i + 1] = Math.round(bg + (g - bg) * a);
        d[4 * i + 2] = Math.round(bg + (b - bg) * a);
        d[4 * i + 3] = 255;
      }
    });
    tiles.push(el('img', { class: 'weight', src, alt: `hidden unit ${u + 1}`, width: imgCols, height: imgRows }));
  }
  container.replaceChildren(...tiles);
  return shown;
}
