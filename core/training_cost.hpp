#pragma once
// What a network costs to train, from its layer sizes alone: its parameters
// and the floating-point operations of one training sample's step.
//
// Counted, per weight layer k of in × out weights, a multiply-add as 2 FLOPs:
//   forward            A = W X:      2·in·out
//   weight gradient    ∇W = G Xᵀ:    2·in·out
//   back-propagated G  Wᵀ G:         2·in·out, for every layer but the first
//                                    (no gradient is needed for the input)
// Not counted (each O(out) per layer and sample, or per batch, not per
// sample: a few percent for these networks): the biases (+b, ∇b = Σ G), the
// activations and their derivatives, the loss and its gradient, λW, and the
// optimiser's update (O(parameters) per batch, not per sample).
#include <vector>

namespace mlp {

struct TrainingCost {
  long long parameters = 0;     // Σ_k in·out + out (weights and biases)
  double flops_per_sample = 0;  // forward + backward, as counted above
};

// sizes: input, hidden..., output (at least 2, each ≥ 1; ConfigError otherwise).
TrainingCost training_cost(const std::vector<int>& sizes);

}  // namespace mlp
