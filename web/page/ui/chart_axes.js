// The axes of every chart over epochs (the training curves, the report's
// figures, the layers' health): epochs across, values up, in the page's
// colours and fonts (larger in presentation mode).
import uPlot from '../../vendor/uPlot.esm.js';
import { cssVar } from './colour.js';

/**
 * uPlot axes of an epoch chart: [x, y].
 * @param {{ axis: string, grid: string, xSize: number, ySize: number, values: (u: any, values: number[]) => string[] }} style
 */
export function epochAxes({ axis, grid, xSize, ySize, values }) {
  // A fresh object for each axis: uPlot writes its defaults into them. The fonts are the page's (larger in
  // presentation mode).
  const font = cssVar('--chart-font', '12px system-ui, sans-serif');
  const labelFont = cssVar('--chart-label-font', 'bold 12px system-ui, sans-serif');
  const style = () => ({ stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, font, labelFont });
  return [
    { ...style(), label: 'epoch', labelSize: 20, size: xSize },
    { ...style(), size: ySize, values },
  ];
}

/**
 * A uPlot chart put in `container` (emptied first) that follows the container's width (at least 240 px)
 * at the options' height; its cursor overlay is hidden from screen readers, since the chart's table or
 * label says the numbers.
 * @param {Record<string, any>} opts uPlot's options, with `height`
 * @param {any[]} data
 * @param {HTMLElement} container
 */
export function fittedPlot(opts, data, container) {
  container.replaceChildren();
  const plot = new uPlot(/** @type {uPlot.Options} */ (/** @type {unknown} */ (opts)), data, container);
  plot.root.querySelector('.u-over')?.setAttribute('aria-hidden', 'true');
  new ResizeObserver(() => {
    const w = Math.max(240, container.clientWidth);
    if (w !== plot.width) plot.setSize({ width: w, height: opts.height });
  }).observe(container);
  return plot;
}
