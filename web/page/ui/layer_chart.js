// A chart of one figure per layer over epochs (uPlot): a line per layer in
// the layer's colour, on a log scale (gradient sizes) or in percent, that
// follows its container's width. The layers' health and their dynamics
// draw with it.
import { epochAxes, fittedPlot } from './chart_axes.js';
import { cssVar, layerColour } from './colour.js';
import { sci } from './format.js';

/** @import uPlot from '../../vendor/uPlot.esm.js' */

const HEIGHT = 180;

/**
 * @param {HTMLElement} container emptied, then holds the chart
 * @param {string[]} names one per line ("layer 1", …, "output")
 * @param {{ log?: boolean, percent?: boolean, points?: boolean, fractional?: boolean, colours?: string[],
 *   shade?: () => [number, number] | null }} [options]
 *   points: mark each value (for a few values, as by epoch); fractional: x between epochs too (ticks at 0.1 …);
 *   colours: per line, else the layers' in order; shade: an x range to shade behind the lines (read at each draw)
 * @returns {uPlot}
 */
export function layerChart(
  container,
  names,
  { log = false, percent = false, points = true, fractional = false, colours, shade } = {},
) {
  const width = Math.max(240, container.clientWidth || 320);
  const [x, y] = epochAxes({
    axis: cssVar('--fg-muted'),
    grid: cssVar('--grid'),
    xSize: 32,
    ySize: percent ? 56 : 68,
    values: percent ? (u, v) => v.map((x) => `${x} %`) : (u, v) => v.map((x) => sci(x)),
  });
  const opts = {
    width,
    height: HEIGHT,
    scales: { x: { time: false }, y: log ? { distr: 3 } : percent ? { range: [0, 100] } : {} },
    axes: [{ ...x, incrs: [...(fractional ? [0.1, 0.2, 0.5] : []), 1, 2, 5, 10, 20, 50, 100, 200, 500] }, y],
    legend: { live: true },
    hooks: shade ? { drawClear: [(u) => shadeRange(u, shade())] } : {},
    series: [
      { label: 'epoch', value: (u, v) => (v == null ? '–' : v.toFixed(2)) },
      ...names.map((n, k) => ({
        label: n,
        stroke: colours?.[k] ?? layerColour(k),
        width: 2,
        points: { show: points, size: 5 },
        spanGaps: true,
        value: (u, v) => (v == null ? '–' : percent ? `${v.toFixed(1)} %` : sci(v)),
      })),
    ],
  };
  return fittedPlot(opts, [[], ...names.map(() => [])], container);
}

/** Shades the x range [from, to] of the plot (behind its lines). @param {uPlot} u @param {[number, number] | null} range */
function shadeRange(u, range) {
  if (!range) return;
  const [a, b] = range.map((x) => u.valToPos(x, 'x', true));
  const { top, height } = u.bbox;
  u.ctx.save();
  u.ctx.fillStyle = cssVar('--shade', 'rgba(213, 94, 0, 0.15)');
  u.ctx.fillRect(Math.min(a, b), top, Math.max(1, Math.abs(b - a)), height);
  u.ctx.restore();
}
