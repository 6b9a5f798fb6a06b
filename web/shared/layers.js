// Facts about a layer list [input, hidden..., output], for the page's form
// and the worker's trainer summary alike.

/** Weights and biases of a dense network with these layer sizes: Σₖ nₖ·(nₖ₋₁ + 1). */
export function parameterCount(layers) {
  let parameters = 0;
  for (let k = 1; k < layers.length; k++) parameters += layers[k] * (layers[k - 1] + 1);
  return parameters;
}
