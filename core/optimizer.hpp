#pragma once
// Optimisers update the flat parameter vector from the flat gradient vector
// in one pass. Implementations live in optimizers/, one per file.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "enum_names.hpp"
#include "matrix.hpp"

namespace mlp {

enum class OptimizerKind { Sgd, Momentum, Nesterov, Adam };
inline constexpr EnumNames<4> kOptimizerNames{"sgd", "momentum", "nesterov", "adam"};

inline std::string to_string(OptimizerKind k) {
  return enum_name(kOptimizerNames, k);
}
inline OptimizerKind parse_optimizer(const std::string& name) {  // throws ConfigError
  return parse_enum<OptimizerKind>(kOptimizerNames, name, "optimizer");
}

struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::Sgd;
  double learning_rate = 1e-3;
  double momentum = 0.9;  // Momentum, Nesterov
  double beta1 = 0.9;     // Adam
  double beta2 = 0.999;   // Adam
  double epsilon = 1e-8;  // Adam
  // Gradient clipping: before the step, a gradient (all weights and biases,
  // after the factor f and λW) whose global L2 norm exceeds this is scaled
  // to it; 0: off. Applied by the trainer, not by the update rules.
  double clip_norm = 0;
  void validate() const;  // throws ConfigError
};

template <typename T>
class Optimizer {
 public:
  explicit Optimizer(const OptimizerConfig& config) : config_(config) {}
  virtual ~Optimizer() = default;

  // θ ← update(θ, ∇θ); counts the step.
  void step(Eigen::Ref<Vector<T>> params, const Eigen::Ref<const Vector<T>>& grads) {
    ++steps_;
    update(params, grads, 0);
  }
  // The same step in pieces (one per thread's tile): begin_step() counts it,
  // then step_segment() updates elements [offset, offset + size) of θ, its
  // state included, from the same elements of ∇θ. The update is elementwise,
  // so pieces may run concurrently, in any order.
  void begin_step() { ++steps_; }
  void step_segment(Eigen::Ref<Vector<T>> params, const Eigen::Ref<const Vector<T>>& grads,
                    Eigen::Index offset, Eigen::Index size) {
    update(params.segment(offset, size), grads.segment(offset, size), offset);
  }
  // Named state vectors (momentum buffers, moments) for saving and resuming.
  virtual std::vector<std::pair<std::string, Vector<T>*>> state() { return {}; }

  const OptimizerConfig& config() const { return config_; }
  void set_learning_rate(double lr);  // validates
  long long steps() const { return steps_; }
  void set_steps(long long steps) { steps_ = steps; }

 protected:
  // θ[0..n) and ∇θ[0..n) are elements [offset, offset + n) of the whole vectors.
  virtual void update(Eigen::Ref<Vector<T>> params, const Eigen::Ref<const Vector<T>>& grads,
                      Eigen::Index offset) = 0;
  OptimizerConfig config_;
  long long steps_ = 0;
};

// A fresh optimiser (zero state) for n parameters.
template <typename T>
std::unique_ptr<Optimizer<T>> make_optimizer(const OptimizerConfig& config, Eigen::Index n);

}  // namespace mlp
