// The report's Fig. 1 as steps a person can follow through one image's trace
// (the engine's traceBackprop): the forward pass layer by layer, then each
// line of the backward algorithm for k = K … 1; and the words the page puts
// on the numbers (a gradient check's verdict, the expected loss at the
// start). Pure (no DOM): unit-tested under Node.

/** @import { BackpropTraceValue } from '../../shared/protocol.js' */

/** The report's Fig. 1, line by line (the backward algorithm after a forward pass). */
export const FIG1 = Object.freeze([
  'G ← ∇ŷ L',
  'for k = K, K − 1, …, 1:',
  '    G ← G ⊙ g′(a⁽ᵏ⁾)',
  '    ∇b⁽ᵏ⁾ J = G + λ ∇b⁽ᵏ⁾ Ω',
  '    ∇W⁽ᵏ⁾ J = G h⁽ᵏ⁻¹⁾ᵀ + λ ∇W⁽ᵏ⁾ Ω',
  '    G ← W⁽ᵏ⁾ᵀ G',
]);

/**
 * One step through the trace: a forward layer, or a line of Fig. 1 at layer k.
 * @typedef {{ kind: 'forward' | 'output' | 'activation' | 'bias' | 'weights' | 'input', layer: number,
 *   line: number | null }} Step
 */

/**
 * The steps of a trace, in order: forward k = 1 … K, then line 1, then lines 3–6 of Fig. 1 for
 * k = K … 1 (line numbers count from 0: FIG1's index).
 * @param {{ forward: { layer: number }[], backward: { layer: number }[] }} trace
 * @returns {Step[]}
 */
export function backpropSteps(trace) {
  /** @type {Step[]} */
  const steps = trace.forward.map((f) => ({ kind: 'forward', layer: f.layer, line: null }));
  const K = trace.forward.length;
  steps.push({ kind: 'output', layer: K, line: 0 });
  for (const b of trace.backward) {
    steps.push({ kind: 'activation', layer: b.layer, line: 2 });
    steps.push({ kind: 'bias', layer: b.layer, line: 3 });
    steps.push({ kind: 'weights', layer: b.layer, line: 4 });
    steps.push({ kind: 'input', layer: b.layer, line: 5 });
  }
  return steps;
}

/**
 * A gradient check's relative error in words: below 1e-7 excellent, below 1e-4 good (float rounding),
 * below 1e-2 suspicious, above it wrong.
 * @param {number} error
 * @returns {{ word: 'excellent' | 'good' | 'suspicious' | 'wrong', level: number }}
 */
export function verdict(error) {
  if (!(error < 1e-2)) return { word: 'wrong', level: 3 };
  if (error < 1e-7) return { word: 'excellent', level: 0 };
  if (error < 1e-4) return { word: 'good', level: 1 };
  return { word: 'suspicious', level: 2 };
}

/**
 * g′(a) as the trace shows it: G after line 3 divided by G before it, unit by unit (where G before it
 * is 0 the slope cannot be read off, NaN); so the page shows the engine's numbers, not its own formula.
 * @param {ArrayLike<number>} gIn G before ⊙ g′(a)
 * @param {ArrayLike<number>} gOut G after
 */
export function slopes(gIn, gOut) {
  return Float64Array.from(gOut, (v, i) => (gIn[i] === 0 ? NaN : v / gIn[i]));
}

/**
 * The mean loss at the start against the one a network that knows nothing has (every logit 0), in a
 * sentence; null before the first batch. They disagree when apart by more than a fifth.
 * @param {number | undefined} measured the first batch's mean loss
 * @param {number} expected engine.expectedInitialLoss(config)
 * @param {Record<string, any>} config the run's (loss, init)
 */
export function initialLossText(measured, expected, config) {
  if (measured === undefined || !Number.isFinite(expected)) return null;
  const what =
    config.loss === 'softmax-ce'
      ? `ln ${Math.round(Math.exp(expected))} ≈ ${expected.toFixed(2)} (softmax: every class 1 in ${Math.round(Math.exp(expected))})`
      : `${Math.round(expected / Math.LN2)} · ln 2 ≈ ${expected.toFixed(2)} (every sigmoid output ½, summed over the outputs)`;
  const agree = Math.abs(measured - expected) <= 0.2 * expected;
  const lead = `The first batch's loss was ${measured.toFixed(3)} per image; a network that knows nothing scores ${what}.`;
  if (agree) return `${lead} They agree: the network started without a preference.`;
  const why =
    config.init === 'gaussian'
      ? 'the initial weights N(0, 1)/√fan-in and biases N(0, 1) are large enough to give the first outputs strong, arbitrary preferences'
      : 'the initial weights already prefer some classes';
  return `${lead} They disagree (${((100 * (measured - expected)) / expected).toFixed(0)} %): ${why}.`;
}

/**
 * The first layer's ∇W as one image: each unit's row of weights (one per pixel) as a rows×cols tile,
 * tiles in rows of about √units with a one-cell gap (NaN) between them; `at(i)` says which unit and
 * pixel a cell of the mosaic is (null in a gap).
 * @param {ArrayLike<number>} values row-major [unit][pixel]
 * @param {number} units
 * @param {{ rows: number, cols: number }} image
 */
export function tileMosaic(values, units, image) {
  const perRow = Math.ceil(Math.sqrt(units));
  const tileRows = Math.ceil(units / perRow);
  const cols = perRow * (image.cols + 1) - 1;
  const rows = tileRows * (image.rows + 1) - 1;
  const mosaic = new Float64Array(rows * cols).fill(NaN);
  const pixels = image.rows * image.cols;
  for (let u = 0; u < units; u++) {
    const top = Math.floor(u / perRow) * (image.rows + 1);
    const left = (u % perRow) * (image.cols + 1);
    for (let r = 0; r < image.rows; r++)
      for (let c = 0; c < image.cols; c++)
        mosaic[(top + r) * cols + left + c] = values[u * pixels + r * image.cols + c];
  }
  /** @param {number} i */
  const at = (i) => {
    const r = Math.floor(i / cols);
    const c = i % cols;
    const tr = r % (image.rows + 1);
    const tc = c % (image.cols + 1);
    const unit = Math.floor(r / (image.rows + 1)) * perRow + Math.floor(c / (image.cols + 1));
    if (tr === image.rows || tc === image.cols || unit >= units) return null;
    return { unit, pixel: tr * image.cols + tc };
  };
  return { values: mosaic, rows, cols, at };
}

/** A pixel's place in words, counting from 1 as people do. */
export function pixelName(pixel, cols) {
  return `pixel (row ${Math.floor(pixel / cols) + 1}, column ${(pixel % cols) + 1})`;
}

/**
 * How fast each layer's weights move lately: the median update-to-weight ratio ‖ΔW‖/‖W‖ over a layer's
 * last `window` records (null without records).
 * @param {{ layers: { updateRatio: ArrayLike<number> }[] }} dynamics
 * @param {number} [window]
 */
export function learningSpeeds(dynamics, window = 50) {
  return dynamics.layers.map((l) => {
    const n = l.updateRatio.length;
    if (n === 0) return null;
    const last = Array.from(l.updateRatio).slice(Math.max(0, n - window));
    last.sort((a, b) => a - b);
    const mid = last.length >> 1;
    return last.length % 2 ? last[mid] : (last[mid - 1] + last[mid]) / 2;
  });
}

/**
 * The layers' speeds in a sentence: how many times more slowly the slowest layer's weights move than the
 * fastest's (null with fewer than two layers measured).
 * @param {(number | null)[]} speeds input side first
 * @param {(k: number) => string} layerName
 */
export function speedText(speeds, layerName) {
  const known = speeds.map((s, k) => ({ s, k })).filter((x) => x.s !== null && x.s > 0);
  if (known.length < 2) return null;
  const slow = known.reduce((a, b) => (b.s < a.s ? b : a));
  const fast = known.reduce((a, b) => (b.s > a.s ? b : a));
  const times = fast.s / slow.s;
  const lead = `Lately ${layerName(slow.k)} changes slowest (median ‖ΔW‖/‖W‖ ${slow.s.toExponential(1)} a step)`;
  if (times < 1.5) return `${lead}, about as fast as the others: every layer learns at a similar pace.`;
  return `${lead}, ${times.toFixed(times < 10 ? 1 : 0)}× more slowly than ${layerName(fast.k)} (${fast.s.toExponential(1)}).`;
}
