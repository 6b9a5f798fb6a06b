#include "train_config.hpp"

#include "config_field.hpp"

namespace mlp {

void TrainConfig::validate() const {
  for (const auto& f : config_fields()) check_value(f, f.get(*this));
}

}  // namespace mlp
