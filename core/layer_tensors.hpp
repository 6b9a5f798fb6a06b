// A network's flat parameters as model files store them (ours and ONNX):
// per layer k, W⁽ᵏ⁾ row-major [out][in] (PyTorch's nn.Linear layout) and
// b⁽ᵏ⁾, little-endian float32. The flat vector holds each layer's W
// column-major, then its b; W is streamed in transposed row blocks, so
// writing a file copies no whole matrix.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

namespace mlp {

/// Takes consecutive pieces of a file.
using ByteSink = std::function<void(const std::uint8_t* data, std::size_t size)>;

/// Where each layer's W starts in the flat parameters (its b follows it).
inline std::vector<Eigen::Index> layer_offsets(const std::vector<int>& sizes) {
  std::vector<Eigen::Index> offsets;
  Eigen::Index offset = 0;
  for (std::size_t k = 0; k + 1 < sizes.size(); ++k) {
    offsets.push_back(offset);
    offset += static_cast<Eigen::Index>(sizes[k + 1]) * (sizes[k] + 1);
  }
  return offsets;
}

/// Streams layer k's W (row-major) or b to sink.
inline void write_layer_tensor(const float* parameters, const std::vector<int>& sizes,
                               const std::vector<Eigen::Index>& offsets, int k, bool weight,
                               const ByteSink& sink) {
  const auto bytes = [](const float* p) {
    return reinterpret_cast<const std::uint8_t*>(p);
  };  // little-endian hosts
  const int in = sizes[k], out = sizes[k + 1];
  const float* w = parameters + offsets[k];  // (out, in) column-major, then b
  if (!weight) {
    sink(bytes(w + static_cast<Eigen::Index>(out) * in), static_cast<std::size_t>(out) * sizeof(float));
    return;
  }
  // Row blocks of W, transposed into row-major order: 16 rows or 64 KB, whichever is more.
  const int rows = std::min(out, std::max(16, static_cast<int>(65536 / (sizeof(float) * in))));
  Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> block(rows, in);
  for (int r = 0; r < out; r += rows) {
    const int n = std::min(rows, out - r);
    for (int j = 0; j < in; ++j)  // column j of the block: n consecutive floats of W
      for (int i = 0; i < n; ++i) block(i, j) = w[static_cast<Eigen::Index>(j) * out + r + i];
    sink(bytes(block.data()), static_cast<std::size_t>(n) * in * sizeof(float));
  }
}

}  // namespace mlp
