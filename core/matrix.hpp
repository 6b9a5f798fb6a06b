#pragma once
// Eigen matrix aliases used across the core. One column per sample throughout:
// a batch of B images is a (784, B) matrix, a layer's weights are (out, in).
#include <Eigen/Core>
#include <cstdint>

namespace mlp {

template <typename T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
template <typename T>
using Vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;
template <typename T>
using MatrixMap = Eigen::Map<Matrix<T>>;
template <typename T>
using VectorMap = Eigen::Map<Vector<T>>;

using ByteMatrix = Eigen::Matrix<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic>;

}  // namespace mlp
