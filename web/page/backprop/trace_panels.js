// The rest of a trace, each in its panel of the Backprop view: the report's
// Section II derivation for every output with numbers, what one step on this
// image alone does to its loss and which pixels' weights it moves most, and
// the gradient check of every layer with its verdict.
import { cellGrid } from '../ui/cell_grid.js';
import { el } from '../ui/dom.js';
import { sci } from '../ui/format.js';
import { pixelName, verdict } from './backprop.js';

/** @import { TraceContext } from './step_figures.js' */

/** Numbers in the derivation: enough digits to see two columns agree. */
const precise = (x) => sci(x, 6);

const th = (text, attrs = {}) => el('th', { scope: 'col', ...attrs, text });

function table(caption, columns, rows) {
  return el(
    'div',
    { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': caption },
    el(
      'table',
      { class: 'data-table' },
      el('caption', { text: caption }),
      el('thead', {}, el('tr', {}, ...columns.map((c) => th(c)))),
      el('tbody', {}, ...rows),
    ),
  );
}

/**
 * Per output unit: y, ŷ, ∂L/∂ŷ, σ′(u), their product and ŷ − y (softmax: p, ∂L/∂p, the Jacobian's product,
 * p − y), and ∂L/∂u by differences; then how far apart the columns that must agree are.
 * @param {HTMLElement} box
 * @param {TraceContext} ctx
 */
export function renderDerivation(box, ctx) {
  const d = ctx.trace.derivation;
  const check = ctx.trace.outputCheck;
  const softmax = ctx.loss === 'softmax-ce';
  const columns = softmax
    ? ['class', 'y', 'p', '∂L/∂p = −y/p', 'Σᵢ ∂pᵢ/∂uⱼ · ∂L/∂pᵢ', 'p − y', '∂L/∂u by differences']
    : [
        'class',
        'y',
        'ŷ',
        '∂L/∂ŷ = −y/ŷ + (1−y)/(1−ŷ)',
        'σ′(u) = ŷ(1 − ŷ)',
        '∂L/∂ŷ · σ′(u)',
        'ŷ − y',
        '∂L/∂u by differences',
      ];
  let gap = 0;
  const rows = Array.from(d.y, (y, j) => {
    gap = Math.max(gap, Math.abs(d.product[j] - d.delta[j]));
    const cells = [
      y,
      d.yHat[j],
      d.dLDyHat[j],
      ...(softmax ? [] : [d.sigmaPrime[j]]),
      d.product[j],
      d.delta[j],
      check.numeric[j],
    ];
    return el(
      'tr',
      j === ctx.trace.label ? { class: 'is-target' } : {},
      el('th', { scope: 'row', text: ctx.className(j) }),
      ...cells.map((v) => el('td', { text: precise(v) })),
    );
  });
  const v = verdict(check.relativeError);
  const agree = `${softmax ? 'Σ ∂p/∂u · ∂L/∂p' : '∂L/∂ŷ · σ′(u)'} equals ${softmax ? 'p' : 'ŷ'} − y for every class (largest difference ${sci(gap)}), and differencing the loss in the logits gives the same: ‖δ − δ̂‖ / (‖δ‖ + ‖δ̂‖) = ${sci(check.relativeError)}, ${v.word}.`;
  box.replaceChildren(
    el('p', {
      class: 'help',
      text: softmax
        ? `Softmax with cross-entropy: p = softmax(u), L = −ln p_y. The chain rule through softmax’s Jacobian gives ∂L/∂u = p − y.`
        : `Sigmoid with cross-entropy (the report’s Section II): ŷ = σ(u), L = −Σ [y ln ŷ + (1 − y) ln(1 − ŷ)]. The chain rule gives ∂L/∂u = ∂L/∂ŷ · σ′(u), which simplifies to ŷ − y.`,
    }),
    table(`The derivation for this image (target ${ctx.className(ctx.trace.label)}, its row marked)`, columns, rows),
    el('p', { class: 'bp-agree', 'data-verdict': v.word, text: agree }),
  );
}

/**
 * The loss of this image before and after one step on it alone, and the pixels whose first-layer weights
 * moved most, as a list and as an image.
 * @param {HTMLElement} box
 * @param {TraceContext} ctx
 */
export function renderOneStep(box, ctx) {
  const s = ctx.trace.step;
  const change = s.lossAfter - s.lossBefore;
  const relative = s.lossBefore > 0 ? ` (${change < 0 ? '' : '+'}${((100 * change) / s.lossBefore).toFixed(1)} %)` : '';
  const factor = s.gradientFactor === 1 ? '' : `, gradient factor ${s.gradientFactor}`;
  const say = `One ${s.optimizer.toUpperCase()} step on this image alone at η = ${s.learningRate}${factor}${s.l2 > 0 ? `, λ = ${s.l2}` : ''}, on a copy of the network (training is untouched): its loss goes from ${precise(s.lossBefore)} to ${precise(s.lossAfter)}${relative}.`;
  const pixels = ctx.image.rows * ctx.image.cols;
  const figures = [];
  if (s.pixelChange.length === pixels)
    figures.push(
      cellGrid({
        label: 'Σ |ΔW| over the first layer’s units, per pixel',
        values: s.pixelChange,
        rows: ctx.image.rows,
        cols: ctx.image.cols,
        scale: 'magnitude',
        name: (i) => pixelName(i, ctx.image.cols),
      }),
    );
  const top = s.topPixels.map((p) =>
    el(
      'tr',
      {},
      el('th', { scope: 'row', text: pixelName(p.pixel, ctx.image.cols) }),
      el('td', { text: sci(p.change) }),
    ),
  );
  box.replaceChildren(
    el('p', {
      class: 'bp-say',
      'data-loss-before': String(s.lossBefore),
      'data-loss-after': String(s.lossAfter),
      text: say,
    }),
    el(
      'div',
      { class: 'bp-figures' },
      ...figures,
      table('The pixels whose weights moved most', ['pixel', 'Σ |ΔW|'], top),
    ),
    el('p', {
      class: 'help',
      text:
        'A first-layer weight’s gradient is G times its pixel, and a blank pixel is 0: its weights get no gradient' +
        (s.optimizer === 'sgd' && s.l2 === 0
          ? (ctx.item ?? 'digit') === 'digit'
            ? ', so only the pixels the digit covers move.'
            : ', so only the pixels that are not blank move.'
          : '; where they move all the same, it is the weight decay or the optimiser’s memory of earlier steps.'),
    }),
  );
}

/**
 * The gradient check: per layer, backpropagation against central differences for a sample of its parameters
 * (the largest gradients first), the relative error and a verdict; the output delta; each parameter compared.
 * @param {HTMLElement} box
 * @param {TraceContext} ctx
 */
export function renderCheck(box, ctx) {
  const { gradientCheck, outputCheck } = ctx.trace;
  const layers = [...gradientCheck].sort((a, b) => a.layer - b.layer);
  const K = ctx.trace.forward.length;
  const verdicts = [];
  const row = (name, c) => {
    const v = verdict(c.relativeError);
    verdicts.push(v);
    return el(
      'tr',
      { 'data-verdict': v.word },
      el('th', { scope: 'row', text: name }),
      el('td', { text: String(c.checked ?? c.delta.length) }),
      el('td', { text: String(c.kinks ?? 0) }),
      el('td', { text: sci(c.relativeError) }),
      el('td', { text: sci(c.maxRelativeError) }),
      el('td', {}, el('span', { class: `verdict verdict-${v.word}`, text: v.word })),
    );
  };
  const rows = layers.map((c) => row(`layer ${c.layer}${c.layer === K ? ' (output)' : ''}: W and b`, c));
  rows.push(row('output delta ŷ − y (in the logits)', outputCheck));
  const worst = verdicts.reduce((a, b) => (b.level > a.level ? b : a));
  const largest = Math.max(...layers.map((c) => c.relativeError), outputCheck.relativeError);
  const step = layers[0]?.step;
  const summary =
    worst.level <= 1
      ? `Backpropagation agrees with finite differences in every layer: every relative error is ${worst.word} (the largest ${sci(largest)}). Checked in double precision with central differences (J(θ + δ) − J(θ − δ)) / 2δ, δ = ${sci(step)}.`
      : `A gradient does not agree with finite differences (${worst.word}, relative error ${sci(largest)}): see the layer marked below.`;
  const details = layers.map((c) => {
    const d = el(
      'details',
      { class: 'table-view' },
      el('summary', { text: `Layer ${c.layer}: each parameter compared` }),
    );
    d.addEventListener(
      'toggle',
      () => {
        if (!d.open || d.querySelector('table')) return;
        const prs = c.parameters.map((p) =>
          el(
            'tr',
            {},
            el('th', { scope: 'row', text: p.column < 0 ? `b[${p.row + 1}]` : `W[${p.row + 1}][${p.column + 1}]` }),
            el('td', { text: precise(p.backprop) }),
            el('td', { text: precise(p.numeric) }),
            el('td', { text: p.kink ? 'left out: crosses a ReLU kink' : '' }),
          ),
        );
        d.append(table(`Layer ${c.layer}’s parameters`, ['parameter', 'backprop', 'differences', ''], prs));
      },
      { once: false },
    );
    return d;
  });
  box.replaceChildren(
    el('p', { class: 'bp-verdict', 'data-verdict': worst.word, text: summary }),
    table(
      'Gradient check per layer: ‖g − ĝ‖ / (‖g‖ + ‖ĝ‖) (below 1e-7 excellent, below 1e-4 good, above 1e-2 wrong)',
      ['what', 'compared', 'left out', 'relative error', 'worst single', 'verdict'],
      rows,
    ),
    ...details,
  );
}
