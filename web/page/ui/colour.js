// The page's colours, in one place: the Okabe–Ito palette (colour-blind
// safe) for runs and layers, the dashes that tell curves apart where colour
// does not, viridis for activations, a blue–white–red scale for signed
// values, and the CSS custom properties the charts read.

/**
 * Okabe & Ito (2008), "Color Universal Design": the CSS variables
 * (style.css) in the order curves take them — the strongest contrasts on
 * light and dark backgrounds first, yellow last.
 */
export const PALETTE = Object.freeze([
  { name: 'blue', css: '--oi-blue', hex: '#0072B2' },
  { name: 'vermillion', css: '--oi-vermillion', hex: '#D55E00' },
  { name: 'bluish green', css: '--oi-green', hex: '#009E73' },
  { name: 'reddish purple', css: '--oi-purple', hex: '#CC79A7' },
  { name: 'orange', css: '--oi-orange', hex: '#E69F00' },
  { name: 'sky blue', css: '--oi-sky', hex: '#56B4E9' },
  { name: 'black', css: '--oi-black', hex: '#000000' },
  { name: 'yellow', css: '--oi-yellow', hex: '#F0E442' },
]);

/** Dash patterns ([] solid) that tell the readings of the report apart when colour does not. */
export const DASHES = Object.freeze([[], [7, 4], [2, 3], [10, 3, 2, 3]]);

/** The colour of layer k in every per-layer chart (hex: drawn on canvases and in SVG). */
export const layerColour = (k) => PALETTE[k % PALETTE.length].hex;

/** The value of a CSS custom property of the page ('--fg-muted'), for canvases and charts. */
export const cssVar = (name, fallback = '#888') =>
  getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

const VIRIDIS = ['#440154', '#472d7b', '#3b528b', '#2c728e', '#21918c', '#28ae80', '#5ec962', '#addc30', '#fde725'].map(
  (h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)),
);

/** t in [0, 1] → [r, g, b] on viridis. */
export function viridis(t) {
  const x = Math.max(0, Math.min(1, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  return VIRIDIS[i].map((c, k) => Math.round(c + (VIRIDIS[i + 1][k] - c) * f));
}

const POS = [220, 38, 38]; // --pos, #dc2626
const NEG = [37, 99, 235]; // --neg, #2563eb

/** v in [−1, 1] → [r, g, b] on the diverging palette, through the background bg (0–255) at 0. */
export function diverging(v, bg) {
  const a = Math.min(1, Math.abs(v));
  const [r, g, b] = v >= 0 ? POS : NEG;
  return [Math.round(bg + (r - bg) * a), Math.round(bg + (g - bg) * a), Math.round(bg + (b - bg) * a)];
}
