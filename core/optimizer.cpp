#include "optimizer.hpp"

#include "config_field.hpp"
#include "errors.hpp"
#include "optimizers/adam.hpp"
#include "optimizers/momentum.hpp"
#include "optimizers/sgd.hpp"

namespace mlp {

void OptimizerConfig::validate() const {
  TrainConfig c;
  c.optimizer = *this;
  validate_group(c, FieldGroup::Optimizer);
}

template <typename T>
void Optimizer<T>::set_learning_rate(double lr) {
  OptimizerConfig next = config_;
  next.learning_rate = lr;
  next.validate();
  config_ = next;
}

template <typename T>
std::unique_ptr<Optimizer<T>> make_optimizer(const OptimizerConfig& config, Eigen::Index n) {
  config.validate();
  switch (config.kind) {
    case OptimizerKind::Sgd:
      return std::make_unique<Sgd<T>>(config);
    case OptimizerKind::Momentum:
    case OptimizerKind::Nesterov:
      return std::make_unique<Momentum<T>>(config, n);
    case OptimizerKind::Adam:
      return std::make_unique<Adam<T>>(config, n);
  }
  throw ConfigError("unknown optimizer");
}

template class Optimizer<float>;
template class Optimizer<double>;
template std::unique_ptr<Optimizer<float>> make_optimizer<float>(const OptimizerConfig&, Eigen::Index);
template std::unique_ptr<Optimizer<double>> make_optimizer<double>(const OptimizerConfig&, Eigen::Index);

}  // namespace mlp
