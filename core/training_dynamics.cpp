#include "training_dynamics.hpp"

#include <algorithm>
#include <cmath>

#include "errors.hpp"

namespace mlp {

void DynamicsLog::configure(int every, int layers, int capacity) {
  if (every < 0)
    throw ConfigError("the dynamics interval must be 0 (off) or a number of batches, got " +
                      std::to_string(every));
  if (every > 0 && (capacity < 1 || layers < 1))
    throw ConfigError("the dynamics buffer needs room for at least one record of one layer");
  every_ = every;
  layers_ = every > 0 ? layers : 0;
  capacity_ = every > 0 ? capacity : 0;
  head_ = size_ = 0;
  dropped_ = 0;
  steps_.assign(static_cast<std::size_t>(capacity_), 0);
  totals_.assign(static_cast<std::size_t>(capacity_), StepDynamics{});
  totals_.shrink_to_fit();
  rows_.assign(static_cast<std::size_t>(capacity_) * static_cast<std::size_t>(layers_), LayerDynamics{});
  steps_.shrink_to_fit();
  rows_.shrink_to_fit();
}

LayerDynamics* DynamicsLog::push(long long step, const StepDynamics& totals) {
  int slot;
  if (size_ < capacity_) {
    slot = (head_ + size_) % capacity_;
    ++size_;
  } else {  // full: the oldest record makes room
    slot = head_;
    head_ = (head_ + 1) % capacity_;
    ++dropped_;
  }
  steps_[static_cast<std::size_t>(slot)] = step;
  totals_[static_cast<std::size_t>(slot)] = totals;
  return rows_.data() + static_cast<std::size_t>(slot) * static_cast<std::size_t>(layers_);
}

void DynamicsLog::drop_after(long long step) {
  while (size_ > 0 && steps_[static_cast<std::size_t>((head_ + size_ - 1) % capacity_)] > step) --size_;
}

DynamicsSeries DynamicsLog::take() {
  DynamicsSeries s;
  s.dropped = dropped_;
  s.layers.resize(static_cast<std::size_t>(layers_));
  for (auto* column : {&s.loss, &s.grad_norm, &s.step_norm}) column->reserve(static_cast<std::size_t>(size_));
  s.batch_size.reserve(static_cast<std::size_t>(size_));
  for (auto& l : s.layers)
    for (auto* column : {&l.grad_norm, &l.update_ratio, &l.activation_mean, &l.activation_std, &l.saturated})
      column->reserve(static_cast<std::size_t>(size_));
  for (int i = 0; i < size_; ++i) {
    const int slot = (head_ + i) % capacity_;
    s.steps.push_back(steps_[static_cast<std::size_t>(slot)]);
    const StepDynamics& t = totals_[static_cast<std::size_t>(slot)];
    s.batch_size.push_back(t.batch_size);
    s.loss.push_back(t.loss);
    s.grad_norm.push_back(t.grad_norm);
    s.step_norm.push_back(t.step_norm);
    const LayerDynamics* row =
        rows_.data() + static_cast<std::size_t>(slot) * static_cast<std::size_t>(layers_);
    for (int k = 0; k < layers_; ++k) {
      DynamicsSeries::Layer& l = s.layers[static_cast<std::size_t>(k)];
      l.grad_norm.push_back(row[k].grad_norm);
      l.update_ratio.push_back(row[k].update_ratio);
      l.activation_mean.push_back(row[k].activation_mean);
      l.activation_std.push_back(row[k].activation_std);
      l.saturated.push_back(row[k].saturated);
    }
  }
  head_ = size_ = 0;
  dropped_ = 0;
  return s;
}

double expected_initial_loss(const Architecture& arch) {
  const double out = arch.sizes.back();
  // Every logit 0: sigmoid + BCE, ŷ = ½: Σ_k −ln ½ = out·ln 2; softmax + CE, ŷ = 1/out: −ln(1/out).
  return arch.output == OutputLoss::SigmoidBce ? out * std::log(2.0) : std::log(out);
}

}  // namespace mlp
