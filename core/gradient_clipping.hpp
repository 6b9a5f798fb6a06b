#pragma once
// Gradient clipping (OptimizerConfig::clip_norm): before a step, a gradient
// whose global L2 norm (every weight and bias, after the step's factor and
// λW) exceeds the limit is scaled to it. The trainer computes the norm over
// its weight tiles; the backprop trace's one step on a copy clips alike.

namespace mlp {

// The factor on a gradient of global norm `norm`: limit / norm when clipping
// is on (limit > 0) and the norm exceeds it, else 1 (a NaN norm too).
inline double clip_factor(double norm, double limit) {
  return limit > 0 && norm > limit ? limit / norm : 1.0;
}

}  // namespace mlp
