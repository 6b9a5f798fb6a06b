// How the page writes numbers, in one place: percentages, counts, sizes,
// durations and values of any magnitude. Pure (no DOM).

/** 0.9025 → "90.3 %" (digits after the point: 1 by default). */
export const pct = (x, digits = 1) => `${(100 * x).toFixed(digits)} %`;

/** 0.9025 → "90.25": a share in percentage points, without the sign. */
export const points = (x, digits = 2) => (100 * x).toFixed(digits);

/** 15910 → "15,910". */
export const count = (n) => Math.round(n).toLocaleString('en');

/** "1 epoch", "3 epochs" (many: the plural when it is not one + s). */
export const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Bytes as MB (one decimal under 10 MB) or GB. */
export function bytes(x) {
  if (x >= 1e9) return `${(x / 1e9).toFixed(2)} GB`;
  return `${(x / 1e6).toFixed(x < 1e7 ? 1 : 0)} MB`;
}

/**
 * Any value in three (or `digits`) significant digits, in scientific notation outside [0.01, 1000):
 * "0.123", "4.56e-5".
 */
export function sci(x, digits = 3) {
  if (x == null || !Number.isFinite(x)) return '–';
  if (x === 0) return '0';
  return Math.abs(x) >= 0.01 && Math.abs(x) < 1000 ? x.toPrecision(digits) : x.toExponential(digits - 1);
}

/** Milliseconds as m:ss or h:mm:ss. */
export function duration(ms) {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h ? 2 : 1, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** A loss for tables: four decimals, '–' for none. */
export const loss = (x) => (x == null ? '–' : x.toFixed(4));
