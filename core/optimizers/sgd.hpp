#pragma once
#include "../optimizer.hpp"

namespace mlp {

// θ ← θ - η g   (the report's)
template <typename T>
class Sgd final : public Optimizer<T> {
 public:
  using Optimizer<T>::Optimizer;

 protected:
  void update(Eigen::Ref<Vector<T>> params, const Eigen::Ref<const Vector<T>>& grads, Eigen::Index) override {
    params -= static_cast<T>(this->config_.learning_rate) * grads;
  }
};

}  // namespace mlp
