#include "training_cost.hpp"

#include <string>

#include "errors.hpp"

namespace mlp {

TrainingCost training_cost(const std::vector<int>& sizes) {
  if (sizes.size() < 2)
    throw ConfigError("a network needs at least an input and an output size, got " +
                      std::to_string(sizes.size()) + " size(s)");
  for (std::size_t k = 0; k < sizes.size(); ++k)
    if (sizes[k] < 1)
      throw ConfigError("layer " + std::to_string(k) + " has size " + std::to_string(sizes[k]) +
                        "; every size must be at least 1");
  TrainingCost cost;
  for (std::size_t k = 1; k < sizes.size(); ++k) {
    const double in = sizes[k - 1], out = sizes[k];
    cost.parameters += static_cast<long long>(sizes[k - 1]) * sizes[k] + sizes[k];
    const double products = k == 1 ? 2 : 3;  // forward, ∇W, and Wᵀ G past the first layer
    cost.flops_per_sample += products * 2 * in * out;
  }
  return cost;
}

}  // namespace mlp
