// What each step of the backward pass shows: a sentence with the step's
// numbers and the vectors and matrices it reads and writes, as cell grids
// (every value on hover, focus and in a table). One function per kind of
// step (backprop.js's Step); they only read the trace.
import { cellGrid, gridOf, rangeOf } from '../ui/cell_grid.js';
import { sci } from '../ui/format.js';
import { pixelName, slopes, tileMosaic } from './backprop.js';

/**
 * @import { BackpropTraceValue } from '../../shared/protocol.js'
 * @import { Step } from './backprop.js'
 */

/**
 * What a step is drawn from: the trace, the image it traced (in [0, 1], as training scales it) and its
 * shape, the network's activation and loss, the classes' names and what one image is called ('digit' by default).
 * @typedef {{ trace: BackpropTraceValue, pixels: Float32Array, image: { rows: number, cols: number },
 *   activation: string, loss: string, className: (i: number) => string, item?: string }} TraceContext
 */

/** A step's sentence and its figures. @typedef {{ text: string, figures: HTMLElement[] }} StepFigures */

const SUPERSCRIPT = '⁰¹²³⁴⁵⁶⁷⁸⁹';
/** k as a superscript in parentheses: ⁽²⁾. */
export const sup = (k) => `⁽${String(k).replace(/\d/g, (d) => SUPERSCRIPT[Number(d)])}⁾`;

/** @param {TraceContext} ctx @param {number} k */
export function layerName(ctx, k) {
  return k === ctx.trace.forward.length ? 'the output layer' : `hidden layer ${k}`;
}

/** The name of entry i of a vector over layer k's units (k = 0: the input's pixels). */
function entryName(ctx, k, i) {
  if (k === 0) return pixelName(i, ctx.image.cols);
  return k === ctx.trace.forward.length ? `class ${ctx.className(i)}` : `unit ${i + 1}`;
}

/**
 * A vector over layer k's units as a grid (k = 0: the input, as an image).
 * @param {TraceContext} ctx
 * @param {string} label
 * @param {ArrayLike<number>} values
 * @param {number} k
 * @param {'signed' | 'unit' | 'magnitude'} [scale]
 */
function vectorGrid(ctx, label, values, k, scale = 'signed') {
  const { rows, cols } = gridOf(values.length, { image: k === 0 ? ctx.image : null });
  return cellGrid({ label, values, rows, cols, scale, name: (i) => entryName(ctx, k, i) });
}

/** How h = g(a) of layer k is coloured: probabilities and sigmoids in [0, 1], tanh signed, ReLU by size. */
function activationScale(ctx, k) {
  if (k === ctx.trace.forward.length) return 'unit';
  return ctx.activation === 'tanh' ? 'signed' : ctx.activation === 'relu' ? 'magnitude' : 'unit';
}

/** The input of layer k: h⁽ᵏ⁻¹⁾ (the image for k = 1). */
function inputOf(ctx, k) {
  return k === 1 ? ctx.pixels : ctx.trace.forward[k - 2].h;
}

/** G as it reaches layer k going back: ∂L/∂ŷ at the output, else what layer k + 1 passed down. */
export function gradientInto(ctx, k) {
  const { trace } = ctx;
  if (k === trace.forward.length) return trace.derivation.dLDyHat;
  return /** @type {{ gHPrev: Float64Array }} */ (trace.backward.find((b) => b.layer === k + 1)).gHPrev;
}

const backwardAt = (ctx, k) => ctx.trace.backward.find((b) => b.layer === k);

/** Where the largest |v| is, in words ("unit 7: 0.31"). */
function largest(ctx, values, k) {
  let at = 0;
  for (let i = 1; i < values.length; i++) if (Math.abs(values[i]) > Math.abs(values[at])) at = i;
  return `${entryName(ctx, k, at)}: ${sci(values[at])}`;
}

const g = (ctx, k) =>
  k === ctx.trace.forward.length
    ? ctx.loss === 'softmax-ce'
      ? 'softmax'
      : 'σ'
    : ({ relu: 'ReLU', tanh: 'tanh' }[ctx.activation] ?? 'σ');

/** @param {TraceContext} ctx @param {number} k @returns {StepFigures} */
function forward(ctx, k) {
  const f = ctx.trace.forward[k - 1];
  const K = ctx.trace.forward.length;
  const { lo, hi } = rangeOf(f.a);
  const into = k === 1 ? `the image’s ${ctx.pixels.length} pixels` : `h${sup(k - 1)}`;
  let text = `Layer ${k} (${layerName(ctx, k)}): a${sup(k)} = W${sup(k)} h${sup(k - 1)} + b${sup(k)}, ${f.a.length} weighted sums of ${into}, from ${sci(lo)} to ${sci(hi)}; h${sup(k)} = ${g(ctx, k)}(a${sup(k)}).`;
  if (k === K) {
    const best = f.h.indexOf(Math.max(...f.h));
    text += ` The network says ${ctx.className(best)} (${(100 * f.h[best]).toFixed(1)} %); this image’s loss is L = ${sci(ctx.trace.loss)}.`;
  }
  return {
    text,
    figures: [
      vectorGrid(
        ctx,
        k === 1 ? 'h⁽⁰⁾: the image' : `h${sup(k - 1)}`,
        inputOf(ctx, k),
        k - 1,
        activationScale(ctx, k - 1),
      ),
      vectorGrid(ctx, `a${sup(k)}`, f.a, k),
      vectorGrid(ctx, k === K ? `h${sup(k)} = ŷ` : `h${sup(k)}`, f.h, k, activationScale(ctx, k)),
    ],
  };
}

/** @param {TraceContext} ctx @returns {StepFigures} */
function output(ctx) {
  const d = ctx.trace.derivation;
  const K = ctx.trace.forward.length;
  const formula =
    ctx.loss === 'softmax-ce'
      ? `L = −Σ y ln p, so ∂L/∂p = −y/p: zero but for the true class ${ctx.className(ctx.trace.label)}`
      : `L = −Σ [y ln ŷ + (1 − y) ln(1 − ŷ)], so ∂L/∂ŷ = −y/ŷ + (1 − y)/(1 − ŷ)`;
  return {
    text: `G starts as the loss’s gradient in the outputs: ${formula}. Largest: ${largest(ctx, d.dLDyHat, K)}. The derivation table below has it for every output.`,
    figures: [vectorGrid(ctx, 'y (the target)', d.y, K, 'unit'), vectorGrid(ctx, 'G = ∇ŷ L', d.dLDyHat, K)],
  };
}

/** @param {TraceContext} ctx @param {number} k @returns {StepFigures} */
function activation(ctx, k) {
  const b = backwardAt(ctx, k);
  const K = ctx.trace.forward.length;
  const into = gradientInto(ctx, k);
  const figures = [vectorGrid(ctx, `G before (∇h${sup(k)} L)`, into, k)];
  let text;
  if (k === K && ctx.loss === 'softmax-ce') {
    text = `Softmax’s g′ is not one slope per unit but the matrix ∂p_i/∂u_j = p_i(δ_ij − p_j); through it G becomes p − y (the derivation table shows each output). Now G = ∇a${sup(k)} L.`;
  } else {
    const slope = k === K && ctx.trace.derivation.sigmaPrime ? ctx.trace.derivation.sigmaPrime : slopes(into, b.gA);
    const { lo, hi } = rangeOf(slope);
    const why =
      ctx.activation === 'relu' && k < K
        ? 'ReLU’s slope is 1 where a > 0 and 0 where it is not: those units pass nothing back'
        : `${g(ctx, k)}′ is at most ${ctx.activation === 'tanh' && k < K ? '1' : '¼'}, and near 0 where the unit is saturated`;
    text = `G ← G ⊙ ${g(ctx, k)}′(a${sup(k)}): each unit’s G times its slope (from ${sci(lo)} to ${sci(hi)}; ${why}).${k === K ? ' At the output this gives ŷ − y.' : ''} Now G = ∇a${sup(k)} L; largest ${largest(ctx, b.gA, k)}.`;
    figures.push(vectorGrid(ctx, `${g(ctx, k)}′(a${sup(k)})`, slope, k, 'magnitude'));
  }
  figures.push(vectorGrid(ctx, `G after (∇a${sup(k)} L)`, b.gA, k));
  return { text, figures };
}

/** @param {TraceContext} ctx @param {number} k @returns {StepFigures} */
function bias(ctx, k) {
  const b = backwardAt(ctx, k);
  const f = ctx.trace.gradientFactor;
  return {
    text: `∇b${sup(k)} J = ${f === 1 ? '' : `${f} · `}G: biases are not decayed (λ∇b Ω = 0), so the bias gradient is G itself${f === 1 ? '' : ', times the gradient factor'}. Largest ${largest(ctx, b.gradB, k)}.`,
    figures: [vectorGrid(ctx, `G (∇a${sup(k)} L)`, b.gA, k), vectorGrid(ctx, `∇b${sup(k)} J`, b.gradB, k)],
  };
}

/** @param {TraceContext} ctx @param {number} k @returns {StepFigures} */
function weights(ctx, k) {
  const b = backwardAt(ctx, k);
  const f = ctx.trace.gradientFactor;
  const l2 = ctx.trace.l2;
  const { lo, hi } = rangeOf(b.gradW);
  const range = `from ${sci(lo)} to ${sci(hi)}`;
  const decay = l2 > 0 ? ` + λW${sup(k)} with λ = ${l2}` : ' (λ = 0: no weight decay)';
  let grid;
  let what;
  if (k === 1 && b.cols === ctx.image.rows * ctx.image.cols) {
    const m = tileMosaic(b.gradW, b.rows, ctx.image);
    grid = cellGrid({
      label: `∇W${sup(1)} J, one ${ctx.image.rows}×${ctx.image.cols} image per hidden unit`,
      values: m.values,
      rows: m.rows,
      cols: m.cols,
      cellPx: 2,
      range,
      name: (i) => {
        const at = m.at(i);
        return at ? `unit ${at.unit + 1}, ${pixelName(at.pixel, ctx.image.cols)}` : '';
      },
    });
    what = ` Each unit’s row is an image over the pixels: where the image is blank the row is 0 (h${sup(0)} = 0 there), and the update −η∇W moves each unit’s weights against its colour.`;
  } else {
    grid = cellGrid({
      label: `∇W${sup(k)} J (${b.rows} × ${b.cols})`,
      values: b.gradW,
      rows: b.rows,
      cols: b.cols,
      range,
      name: (i) =>
        `row ${Math.floor(i / b.cols) + 1} (${entryName(ctx, k, Math.floor(i / b.cols))}), column ${(i % b.cols) + 1}`,
    });
    what = ` Row i is G’s entry i times h${sup(k - 1)}: one outer product, ${b.rows} × ${b.cols} numbers ${range}.`;
  }
  return {
    text: `∇W${sup(k)} J = ${f === 1 ? '' : `${f} · `}G h${sup(k - 1)}ᵀ${decay}.${what}`,
    figures: [
      vectorGrid(ctx, `G (∇a${sup(k)} L)`, b.gA, k),
      vectorGrid(
        ctx,
        k === 1 ? 'h⁽⁰⁾: the image' : `h${sup(k - 1)}`,
        inputOf(ctx, k),
        k - 1,
        activationScale(ctx, k - 1),
      ),
      grid,
    ],
  };
}

/** @param {TraceContext} ctx @param {number} k @returns {StepFigures} */
function input(ctx, k) {
  const b = backwardAt(ctx, k);
  const text =
    k === 1
      ? `G ← W${sup(1)}ᵀ G: the gradient in the pixels. Red pixels would raise this image’s loss if brighter, blue ones lower it. Training stops here: pixels are not parameters. Largest ${largest(ctx, b.gHPrev, 0)}.`
      : `G ← W${sup(k)}ᵀ G: the gradient travels back along the weights to ${layerName(ctx, k - 1)}, where the loop goes on with k = ${k - 1}. Largest ${largest(ctx, b.gHPrev, k - 1)}.`;
  return { text, figures: [vectorGrid(ctx, `G ← W${sup(k)}ᵀ G (∇h${sup(k - 1)} L)`, b.gHPrev, k - 1)] };
}

/**
 * A step's sentence and figures.
 * @param {TraceContext} ctx
 * @param {Step} step
 * @returns {StepFigures}
 */
export function stepFigures(ctx, step) {
  switch (step.kind) {
    case 'forward':
      return forward(ctx, step.layer);
    case 'output':
      return output(ctx);
    case 'activation':
      return activation(ctx, step.layer);
    case 'bias':
      return bias(ctx, step.layer);
    case 'weights':
      return weights(ctx, step.layer);
    case 'input':
      return input(ctx, step.layer);
  }
}
