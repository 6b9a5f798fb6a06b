#pragma once
// Small helpers shared by the core tests: synthetic datasets that a tiny
// network can learn perfectly, and random matrices.
#include <cstdint>
#include <memory>
#include <vector>

#include "core/dataset.hpp"
#include "core/random.hpp"
#include "core/matrix.hpp"
#include "core/train_config.hpp"

namespace mlp_test {

// `classes` (≤ 4) classes of 4×4 images: class c lights quadrant c (pixels
// 170..255) over a dark background (0..60), so the classes are linearly
// separable with a wide margin. Labels cycle 0, 1, ..., classes-1.
inline mlp::Dataset make_quadrants(int n, int classes = 4, std::uint64_t seed = 7) {
  mlp::Random rng(seed);
  mlp::Dataset data;
  data.rows = 4;
  data.cols = 4;
  data.num_classes = classes;
  data.images.resize(16, n);
  data.labels.resize(n);
  for (int j = 0; j < n; ++j) {
    const int c = j % classes;
    data.labels[j] = static_cast<std::uint8_t>(c);
    const int r0 = (c / 2) * 2, c0 = (c % 2) * 2;
    for (int r = 0; r < 4; ++r)
      for (int q = 0; q < 4; ++q) {
        const bool lit = r >= r0 && r < r0 + 2 && q >= c0 && q < c0 + 2;
        const int value = lit ? 170 + static_cast<int>(rng.below(86)) : static_cast<int>(rng.below(61));
        data.images(r * 4 + q, j) = static_cast<std::uint8_t>(value);
      }
  }
  return data;
}

// Uniform bytes and labels: MNIST-shaped noise, for bookkeeping tests.
inline mlp::Dataset make_noise(int n, int pixels = 16, int classes = 10, std::uint64_t seed = 3) {
  mlp::Random rng(seed);
  mlp::Dataset data;
  data.rows = 1;
  data.cols = pixels;
  data.num_classes = classes;
  data.images.resize(pixels, n);
  data.labels.resize(n);
  for (int j = 0; j < n; ++j) {
    for (int p = 0; p < pixels; ++p) data.images(p, j) = static_cast<std::uint8_t>(rng.below(256));
    data.labels[j] = static_cast<std::uint8_t>(rng.below(static_cast<std::uint32_t>(classes)));
  }
  return data;
}

inline std::shared_ptr<const mlp::Dataset> share(mlp::Dataset d) {
  return std::make_shared<const mlp::Dataset>(std::move(d));
}

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
