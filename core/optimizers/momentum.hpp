#pragma once
#include "../optimizer.hpp"

namespace mlp {

// v ← μ v + g;  θ ← θ - η v              (classical)
// v ← μ v + g;  θ ← θ - η (g + μ v)      (Nesterov, in the form PyTorch uses)
template <typename T>
class Momentum final : public Optimizer<T> {
 public:
  Momentum(const OptimizerConfig& config, Eigen::Index n)
      : Optimizer<T>(config), velocity_(Vector<T>::Zero(n)) {}

  std::vector<std::pair<std::string, Vector<T>*>> state() override { return {{"velocity", &velocity_}}; }

 protected:
  void update(Eigen::Ref<Vector<T>> params, const Eigen::Ref<const Vector<T>>& grads,
              Eigen::Index offset) override {
    const auto lr = static_cast<T>(this->config_.learning_rate);
    const auto mu = static_cast<T>(this->config_.momentum);
    auto velocity = velocity_.segment(offset, params.size());
    velocity = mu * velocity + grads;
    if (this->config_.kind == OptimizerKind::Nesterov)
      params -= lr * (grads + mu * velocity);
    else
      params -= lr * velocity;
  }

 private:
  Vector<T> velocity_;
};

}  // namespace mlp
