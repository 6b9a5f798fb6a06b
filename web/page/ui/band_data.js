// The data side of ui/band_chart.js: which curves have a band, the columns
// and bands uPlot draws, a colour made translucent for a band. Pure (no DOM):
// unit-tested under Node (tests/web/band_chart.test.mjs).

/** @typedef {import('./band_chart.js').BandSeries} BandSeries */

/** The band's opacity over the background (the line keeps full colour). */
export const BAND_ALPHA = 0.18;

/** True when a curve has a band: some point with both bounds. */
export const hasBand = (/** @type {BandSeries} */ s) => s.points.some((p) => p.min != null && p.max != null);

/** A CSS colour with an opacity: '#0072b2' → 'rgba(0, 114, 178, 0.18)' (#rgb and rgb() too; else as it is). */
export function translucent(colour, alpha) {
  const c = colour.trim();
  let rgb;
  if (/^#[0-9a-f]{6}$/i.test(c)) rgb = [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
  else if (/^#[0-9a-f]{3}$/i.test(c)) rgb = [1, 2, 3].map((i) => 17 * parseInt(c[i], 16));
  else
    rgb =
      /^rgba?\(([^)]+)\)$/i
        .exec(c)?.[1]
        .split(/[\s,/]+/)
        .slice(0, 3)
        .map(Number) ?? null;
  return rgb && rgb.every(Number.isFinite) ? `rgba(${rgb.join(', ')}, ${alpha})` : c;
}

/**
 * The columns uPlot draws: [x, mean of each curve…, then min and max of each curve with a band…],
 * and the bands ([max column, min column] of each), values multiplied by scale. Pure.
 * @param {BandSeries[]} series
 */
export function bandColumns(series, scale = 1) {
  const banded = series.map((s, i) => i).filter((i) => hasBand(series[i]));
  /** @type {[number[], (number | null)[]][]} */
  const tables = [
    ...series.map(
      (s) =>
        /** @type {[number[], (number | null)[]]} */ ([s.points.map((p) => p.x), s.points.map((p) => p.mean * scale)]),
    ),
    ...banded.flatMap((i) =>
      ['min', 'max'].map(
        (k) =>
          /** @type {[number[], (number | null)[]]} */ ([
            series[i].points.map((p) => p.x),
            series[i].points.map((p) => (p[k] == null ? null : p[k] * scale)),
          ]),
      ),
    ),
  ];
  const bands = banded.map((i, j) => ({ curve: i, max: series.length + 2 * j + 2, min: series.length + 2 * j + 1 }));
  return { tables, bands };
}
