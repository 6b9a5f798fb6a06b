// Numbers as a small image you can read: a vector or a matrix drawn as a
// grid of coloured cells (a vector of 784 as 28×28, the others in rows), one
// tab stop whose arrow keys (and the pointer) move a cursor over the cells
// while a line below says the cell's name and value, and a table view of
// every value (built when opened). Colours: blue–white–red for signed values
// (scaled by the largest magnitude), viridis for values in [0, 1] or for
// magnitudes (scaled by the largest). NaN marks a gap (no value there).
import { diverging, viridis } from './colour.js';
import { el } from './dom.js';
import { download } from './download.js';
import { sci } from './format.js';
import { paint } from './pixels.js';

/**
 * @typedef {object} CellGridSpec
 * @property {string} label what the numbers are ("G_a of layer 3")
 * @property {ArrayLike<number>} values row-major
 * @property {number} rows
 * @property {number} cols
 * @property {'signed' | 'unit' | 'magnitude'} [scale] signed: blue–white–red around 0; unit: viridis over [0, 1];
 *   magnitude: viridis over [0, the largest]
 * @property {(index: number) => string} [name] a cell's name ("unit 7", "pixel (3, 14)", "w[2][17]")
 * @property {string} [range] what the range line says instead of "lo … hi"
 * @property {number} [cellPx] CSS pixels per cell (default: fit 280 px)
 */

/** Rows of a table view: beyond them the values are in its CSV only. */
export const TABLE_ROWS = 2000;

/** The layout of n values as a grid: 784 (or any square of an image) as 28×28, short vectors in one row. */
export function gridOf(n, { image = null } = {}) {
  if (image && image.rows * image.cols === n) return { rows: image.rows, cols: image.cols };
  const cols = n <= 32 ? n : Math.ceil(Math.sqrt(n));
  return { rows: Math.ceil(n / cols), cols };
}

/** The range of the values (NaN left out): [min, max] and the largest magnitude. */
export function rangeOf(values) {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return { lo, hi, max: Math.max(Math.abs(lo), Math.abs(hi), 1e-300) };
}

/** How many values there are (NaN marks a gap, not a value). */
function countOf(values) {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) count++;
  return count;
}

/** A link that saves every value with its name as CSV (made when clicked). */
function csvLink(label, values, name) {
  const link = el('a', { href: '#', class: 'csv-link', text: 'Download every value (CSV)' });
  link.addEventListener('click', (e) => {
    e.preventDefault();
    const lines = ['entry,value'];
    for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) lines.push(`"${name(i)}",${values[i]}`);
    download(`${label.replace(/[^\w.-]+/g, '_')}.csv`, new Blob([lines.join('\n') + '\n'], { type: 'text/csv' }));
  });
  return link;
}

/**
 * A figure with the grid, its cursor line and its table view.
 * @param {CellGridSpec} spec
 * @returns {HTMLElement}
 */
export function cellGrid({
  label,
  values,
  rows,
  cols,
  scale = 'signed',
  name = (i) => `entry ${i + 1}`,
  cellPx,
  range,
}) {
  const n = values.length;
  const { lo, hi, max } = rangeOf(values);
  const dark = matchMedia('(prefers-color-scheme: dark)').matches;
  const colourOf =
    scale === 'unit'
      ? (v) => viridis(v)
      : scale === 'magnitude'
        ? (v) => viridis(v / max)
        : (v) => diverging(v / max, dark ? 24 : 255);
  const canvas = el('canvas', {
    class: 'cell-grid',
    tabindex: '0',
    role: 'img',
    'aria-label': `${label}: ${countOf(values)} values from ${sci(lo)} to ${sci(hi)}. Arrow keys read them one by one; all are in the table.`,
  });
  const px = cellPx ?? Math.max(2, Math.min(24, Math.floor(320 / cols)));
  canvas.style.setProperty('--w', `${cols * px}px`);
  canvas.style.setProperty('--cols', String(cols));
  canvas.style.setProperty('--rows', String(rows));
  const rangeText = range ?? `from ${sci(lo)} to ${sci(hi)}`;
  const reading = el('p', { class: 'cell-reading help', text: rangeText });
  let cursor = -1;
  const draw = () =>
    paint(canvas, cols, rows, (d) => {
      for (let i = 0; i < rows * cols; i++) {
        const there = i < n && !Number.isNaN(values[i]);
        const [r, g, b] = there ? colourOf(values[i]) : [128, 128, 128];
        d.set(i === cursor ? [255 - r, 255 - g, 255 - b, 255] : [r, g, b, there ? 255 : 0], 4 * i);
      }
    });
  const hide = () => {
    cursor = -1;
    reading.textContent = rangeText;
    draw();
  };
  const show = (i) => {
    cursor = Math.max(0, Math.min(n - 1, i));
    const v = values[cursor];
    reading.textContent = Number.isNaN(v) ? rangeText : `${name(cursor)}: ${sci(v)}`;
    draw();
  };
  canvas.addEventListener('pointermove', (e) => {
    const r = canvas.getBoundingClientRect();
    const c = Math.floor(((e.clientX - r.left) / r.width) * cols);
    const row = Math.floor(((e.clientY - r.top) / r.height) * rows);
    if (c >= 0 && c < cols && row >= 0 && row < rows) show(row * cols + c);
  });
  canvas.addEventListener('focus', () => show(Math.max(0, cursor)));
  canvas.addEventListener('pointerleave', () => {
    if (document.activeElement !== canvas) hide();
  });
  canvas.addEventListener('blur', hide);
  canvas.addEventListener('keydown', (e) => {
    const step = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -cols, ArrowDown: cols, Home: -cursor, End: n - 1 - cursor }[
      e.key
    ];
    if (step === undefined) return;
    e.preventDefault();
    show(cursor + step);
  });
  draw();
  const table = el('details', { class: 'table-view' }, el('summary', { text: `${label} (table)` }));
  table.addEventListener('toggle', () => {
    if (!table.open || table.querySelector('table')) return;
    const body = el('tbody');
    const shown = [];
    for (let i = 0; i < n && shown.length < TABLE_ROWS; i++) if (!Number.isNaN(values[i])) shown.push(i);
    for (const i of shown)
      body.append(el('tr', {}, el('th', { scope: 'row', text: name(i) }), el('td', { text: sci(values[i]) })));
    const count = countOf(values);
    if (count > shown.length)
      table.append(
        el('p', {
          class: 'help',
          text: `The first ${shown.length.toLocaleString('en')} of ${count.toLocaleString('en')} values; every one is in the CSV.`,
        }),
      );
    table.append(csvLink(label, values, name));
    table.append(
      el(
        'div',
        { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': `${label}, every value` },
        el(
          'table',
          { class: 'data-table' },
          el(
            'thead',
            {},
            el('tr', {}, el('th', { scope: 'col', text: 'entry' }), el('th', { scope: 'col', text: 'value' })),
          ),
          body,
        ),
      ),
    );
  });
  return el('figure', { class: 'cell-figure' }, el('figcaption', { text: label }), canvas, reading, table);
}
