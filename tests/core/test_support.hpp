#pragma once
// Small helpers shared by the core tests: the synthetic datasets (from the
// one generator, tests/support/synthetic_data.hpp), a small config that
// learns them, and random matrices.
#include <cstdint>
#include <vector>

#include "core/matrix.hpp"
#include "core/random.hpp"
#include "core/train_config.hpp"
#include "tests/support/synthetic_data.hpp"

namespace mlp_test {

// A small config for the quadrant data: 16 inputs, one hidden layer, 4 outputs.
inline mlp::TrainConfig small_config(mlp::OptimizerKind kind = mlp::OptimizerKind::Sgd) {
  mlp::TrainConfig c;
  c.architecture.sizes = {16, 8, 4};
  c.optimizer.kind = kind;
  c.optimizer.learning_rate = kind == mlp::OptimizerKind::Adam ? 0.02 : 0.5;
  c.batch_size = 8;
  c.seed = 42;
  return c;
}

template <typename T>
mlp::Matrix<T> random_matrix(Eigen::Index rows, Eigen::Index cols, mlp::Random& rng, double limit = 1.0) {
  mlp::Matrix<T> m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<T>(rng.symmetric(limit));
  return m;
}

// Columns one-hot at random classes.
template <typename T>
mlp::Matrix<T> random_one_hot(Eigen::Index rows, Eigen::Index cols, mlp::Random& rng) {
  mlp::Matrix<T> y = mlp::Matrix<T>::Zero(rows, cols);
  for (Eigen::Index j = 0; j < cols; ++j) y(rng.below(static_cast<std::uint32_t>(rows)), j) = T(1);
  return y;
}

template <typename V>
bool all_finite(const V& v) {
  return v.array().isFinite().all();
}

}  // namespace mlp_test
