#pragma once
// Everything that defines a training run.
#include <cstdint>

#include "architecture.hpp"
#include "optimizer.hpp"

namespace mlp {

struct TrainConfig {
  Architecture architecture;  // default: the report's 784-20-10, sigmoid, BCE
  OptimizerConfig optimizer;  // default: the report's SGD at 1e-3
  int batch_size = 128;
  double l2 = 0;  // λ
  std::uint64_t seed = 1;
  // The report does not say whether its batch gradient is a sum or a mean;
  // false: ∇ of the mean loss over the batch, true: ∇ of the sum.
  bool sum_gradients = false;

  void validate() const;  // throws ConfigError
};

}  // namespace mlp
