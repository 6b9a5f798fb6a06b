// The axes of every chart over epochs (the training curves, the report's
// figures, the layers' health): epochs across, values up, in the page's
// colours and fonts (larger in presentation mode).
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
