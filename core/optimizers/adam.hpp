#pragma once
#include <cmath>

#include "../optimizer.hpp"

namespace mlp {

// m ← β1 m + (1-β1) g;  v ← β2 v + (1-β2) g²;
// θ ← θ - η m̂ / (√v̂ + ε),  m̂ = m/(1-β1ᵗ),  v̂ = v/(1-β2ᵗ)
template <typename T>
class Adam final : public Optimizer<T> {
 public:
  Adam(const OptimizerConfig& config, Eigen::Index n)
      : Optimizer<T>(config), m_(Vector<T>::Zero(n)), v_(Vector<T>::Zero(n)) {}

  std::vector<std::pair<std::string, Vector<T>*>> state() override { return {{"m", &m_}, {"v", &v_}}; }

 protected:
  void update(Eigen::Ref<Vector<T>> params, const Eigen::Ref<const Vector<T>>& grads,
              Eigen::Index offset) override {
    const auto& c = this->config_;
    const double t = static_cast<double>(this->steps_);
    const auto b1 = static_cast<T>(c.beta1), b2 = static_cast<T>(c.beta2);
    // Bias corrections folded into the step size and epsilon, computed in double.
    const double c1 = 1 - std::pow(c.beta1, t), c2 = 1 - std::pow(c.beta2, t);
    const auto step = static_cast<T>(c.learning_rate * std::sqrt(c2) / c1);
    const auto eps = static_cast<T>(c.epsilon * std::sqrt(c2));
    auto m = m_.segment(offset, params.size());
    auto v = v_.segment(offset, params.size());
    m = b1 * m + (1 - b1) * grads;
    v = b2 * v + (1 - b2) * grads.cwiseAbs2();
    params.array() -= step * m.array() / (v.array().sqrt() + eps);
  }

 private:
  Vector<T> m_;
  Vector<T> v_;
};

}  // namespace mlp
