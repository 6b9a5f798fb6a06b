#include "optimizer.hpp"

#include <cmath>

#include "errors.hpp"
#include "optimizers/adam.hpp"
#include "optimizers/momentum.hpp"
#include "optimizers/sgd.hpp"

namespace mlp {

std::string to_string(OptimizerKind k) {
  switch (k) {
    case OptimizerKind::Sgd: return "sgd";
    case OptimizerKind::Momentum: return "momentum";
    case OptimizerKind::Nesterov: return "nesterov";
    case OptimizerKind::Adam: return "adam";
  }
  return "?";
}

OptimizerKind parse_optimizer(const std::string& name) {
  if (name == "sgd") return OptimizerKind::Sgd;
  if (name == "momentum") return OptimizerKind::Momentum;
  if (name == "nesterov") return OptimizerKind::Nesterov;
  if (name == "adam") return OptimizerKind::Adam;
  throw ConfigError("unknown optimizer '" + name + "' (expected sgd, momentum, nesterov or adam)");
}

namespace {
void require(bool ok, const std::string& message) {
  if (!ok) throw ConfigError(message);
}
std::string num(double x) {
  std::string s = std::to_string(x);
  return std::isfinite(x) ? s : (std::isnan(x) ? "NaN" : "infinity");
}
}  // namespace

void OptimizerConfig::validate() const {
  require(std::isfinite(learning_rate) && learning_rate > 0 && learning_rate <= 100,
          "learning rate must be a number in (0, 100], got " + num(learning_rate));
  require(std::isfinite(momentum) && momentum >= 0 && momentum < 1,
          "momentum must be in [0, 1), got " + num(momentum));
  require(std::isfinite(beta1) && beta1 >= 0 && beta1 < 1, "beta1 must be in [0, 1), got " + num(beta1));
  require(std::isfinite(beta2) && beta2 >= 0 && beta2 < 1, "beta2 must be in [0, 1), got " + num(beta2));
  require(std::isfinite(epsilon) && epsilon > 0 && epsilon < 1,
          "epsilon must be in (0, 1), got " + num(epsilon));
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
    case OptimizerKind::Sgd: return std::make_unique<Sgd<T>>(config);
    case OptimizerKind::Momentum:
    case OptimizerKind::Nesterov: return std::make_unique<Momentum<T>>(config, n);
    case OptimizerKind::Adam: return std::make_unique<Adam<T>>(config, n);
  }
  throw ConfigError("unknown optimizer");
}

template class Optimizer<float>;
template class Optimizer<double>;
template std::unique_ptr<Optimizer<float>> make_optimizer<float>(const OptimizerConfig&, Eigen::Index);
template std::unique_ptr<Optimizer<double>> make_optimizer<double>(const OptimizerConfig&, Eigen::Index);

}  // namespace mlp
