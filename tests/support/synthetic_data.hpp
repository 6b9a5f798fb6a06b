#pragma once
// Synthetic MNIST-shaped datasets: the one C++ generator, for the core tests
// (tests/core), the native benchmark (tests/benchmarks/mlp_bench.cpp) and the
// wasm benchmark module (tests/benchmarks/wasm/gemm_bench.cpp). The JS twin
// is tests/support/synthetic_mnist.mjs. Deterministic for a given seed.
#include <cstdint>
#include <memory>

#include "core/dataset.hpp"
#include "core/random.hpp"

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

// Uniform bytes and labels: MNIST-shaped noise (1 × pixels images), for
// bookkeeping tests and benchmarks that must not depend on what is learnt.
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

}  // namespace mlp_test
