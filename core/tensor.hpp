#pragma once
// A named n-dimensional array of floats as files hold it: a shape and its
// elements in row-major order (the safetensors layout; see safetensors.hpp).
#include <cstdint>
#include <vector>

namespace mlp {

struct Tensor {
  std::vector<std::int64_t> shape;
  std::vector<float> data;  // row-major
};

}  // namespace mlp
