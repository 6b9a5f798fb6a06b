#include "train_config.hpp"

#include "config_field.hpp"
#include "memory_estimate.hpp"

namespace mlp {

void TrainConfig::validate() const {
  for (const auto& f : config_fields()) check_value(f, f.get(*this));
  check_memory(*this);  // the fields together: what training, saving and reloading need
}

}  // namespace mlp
