#include "train_config.hpp"

#include <cmath>

#include "errors.hpp"

namespace mlp {

void TrainConfig::validate() const {
  architecture.validate();
  optimizer.validate();
  if (batch_size < 1 || batch_size > 65536)
    throw ConfigError("batch size must be between 1 and 65536, got " + std::to_string(batch_size));
  if (!std::isfinite(l2) || l2 < 0 || l2 > 10)
    throw ConfigError("L2 weight decay λ must be a number in [0, 10], got " +
                      (std::isfinite(l2) ? std::to_string(l2) : std::string("a non-finite value")));
}

}  // namespace mlp
