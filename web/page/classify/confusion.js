// The confusion matrix's numbers: the matrix of a split's predictions, per
// class precision and recall, and which digits fall in a cell, most
// confident first. Pure functions (no DOM): unit-tested under Node.

/** classes × classes counts, row-major [true][predicted], from labels and predicted classes. */
export function confusionFrom(labels, predicted, classes) {
  const m = new Int32Array(classes * classes);
  for (let i = 0; i < labels.length; i++) m[labels[i] * classes + predicted[i]]++;
  return m;
}

/**
 * Per class k: recall = m[k][k] / Σ_j m[k][j] (of the true k's, how many were
 * found), precision = m[k][k] / Σ_i m[i][k] (of the predicted k's, how many
 * were right); null where the denominator is 0. Also each row's and column's total.
 */
export function classMetrics(confusion, classes) {
  const rowTotal = new Array(classes).fill(0);
  const colTotal = new Array(classes).fill(0);
  for (let i = 0; i < classes; i++)
    for (let j = 0; j < classes; j++) {
      rowTotal[i] += confusion[i * classes + j];
      colTotal[j] += confusion[i * classes + j];
    }
  const diag = (k) => confusion[k * classes + k];
  return {
    rowTotal,
    colTotal,
    recall: rowTotal.map((n, k) => (n > 0 ? diag(k) / n : null)),
    precision: colTotal.map((n, k) => (n > 0 ? diag(k) / n : null)),
  };
}

/**
 * The indices of the images with this true and predicted class, the most
 * confident first (confidence: the probability of the predicted class).
 */
export function cellIndices({ labels, predicted, probabilities }, classes, truth, guess) {
  const out = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] === truth && predicted[i] === guess) out.push(i);
  const conf = (i) => probabilities[i * classes + predicted[i]];
  return out.sort((a, b) => conf(b) - conf(a) || a - b);
}

/** True when two confusion matrices hold the same counts. */
export function sameCounts(a, b) {
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
