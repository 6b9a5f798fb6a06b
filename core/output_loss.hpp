#pragma once
// Output layer + loss pairs. Both are computed from the logits z so that no
// log(0) or exp overflow can occur, and both have the fused gradient
// dL/dz = p - y, which never divides by a probability.
//   SigmoidBce: p = σ(z), L = Σ_k -y ln p - (1-y) ln(1-p)   (the report's)
//   SoftmaxCe:  p = softmax(z), L = -Σ_k y ln p   (each column of y sums to 1)
#include <string>

#include "enum_names.hpp"
#include "matrix.hpp"

namespace mlp {

enum class OutputLoss { SigmoidBce, SoftmaxCe };
inline constexpr EnumNames<2> kOutputLossNames{"sigmoid-bce", "softmax-ce"};

inline std::string to_string(OutputLoss l) {
  return enum_name(kOutputLossNames, l);
}
inline OutputLoss parse_output_loss(const std::string& name) {  // throws ConfigError
  return parse_enum<OutputLoss>(kOutputLossNames, name, "loss");
}

template <typename T>
using RowVector = Eigen::Matrix<T, 1, Eigen::Dynamic>;

// Scratch rows (1, batch) so that column reductions never allocate.
template <typename T>
struct OutputScratch {
  RowVector<T> max;
  RowVector<T> sum;
  void reserve(Eigen::Index batch) {
    max.resize(batch);
    sum.resize(batch);
  }
};

// p = output(z). z, p: (out, batch).
template <typename T>
void output_probabilities(OutputLoss kind, const Eigen::Ref<const Matrix<T>>& z, Eigen::Ref<Matrix<T>> p,
                          OutputScratch<T>& scratch);

// Σ over the batch of L(z, y). z, y: (out, batch).
template <typename T>
T output_loss_sum(OutputLoss kind, const Eigen::Ref<const Matrix<T>>& z, const Eigen::Ref<const Matrix<T>>& y,
                  OutputScratch<T>& scratch);

}  // namespace mlp
