#pragma once
// Everything that defines a training run. Each field is described (names,
// range, default, whether it needs a new network) in config_field.hpp.
#include <cstdint>

#include "architecture.hpp"
#include "batching.hpp"
#include "initialization.hpp"
#include "optimizer.hpp"

namespace mlp {

// The factor of the step on the batch's summed gradient, θ ← θ − η·f·Σ∇L.
// The report does not say whether its batch gradient is a mean or a sum;
// its code (the course template) divides by len(mini_batch), which is 2
// there: the mini-batch is a tuple of images and labels.
enum class GradientScale { Mean, Sum, Half };
inline constexpr EnumNames<3> kGradientScaleNames{"mean", "sum", "half"};

inline std::string to_string(GradientScale g) {
  return enum_name(kGradientScaleNames, g);
}
// f for a batch of b samples: 1/b, 1 or 1/2.
inline float gradient_factor(GradientScale g, int b) {
  return g == GradientScale::Mean ? 1.0f / static_cast<float>(b) : g == GradientScale::Sum ? 1.0f : 0.5f;
}

struct TrainConfig {
  Architecture architecture;  // default: the report's 784-20-10, sigmoid, BCE
  OptimizerConfig optimizer;  // default: the report's SGD at 1e-3
  int batch_size = 128;
  double l2 = 0;  // λ
  std::uint64_t seed = 1;
  GradientScale gradient = GradientScale::Mean;
  int train_limit = 0;  // train on the first train_limit images only; 0: all of them
  Initialization init = Initialization::Uniform;
  Batching batching = Batching::Shuffled;

  void validate() const;  // throws ConfigError
};

}  // namespace mlp
