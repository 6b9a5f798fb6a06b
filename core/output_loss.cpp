#include "output_loss.hpp"

#include "errors.hpp"

namespace mlp {

template <typename T>
void output_probabilities(OutputLoss kind, const Eigen::Ref<const Matrix<T>>& z, Eigen::Ref<Matrix<T>> p,
                          OutputScratch<T>& scratch) {
  const Eigen::Index b = z.cols();
  if (kind == OutputLoss::SigmoidBce) {
    p.array() = (1 + (-z.array()).exp()).inverse();
    return;
  }
  auto m = scratch.max.head(b);
  auto s = scratch.sum.head(b);
  m = z.colwise().maxCoeff();
  p = z.rowwise() - m;  // shift by the column max: exp never overflows
  p.array() = p.array().exp();
  s = p.colwise().sum();
  p.array().rowwise() /= s.array();
}

template <typename T>
T output_loss_sum(OutputLoss kind, const Eigen::Ref<const Matrix<T>>& z, const Eigen::Ref<const Matrix<T>>& y,
                  OutputScratch<T>& scratch) {
  const auto za = z.array();
  const auto ya = y.array();
  if (kind == OutputLoss::SigmoidBce) {
    // -y ln σ(z) - (1-y) ln(1-σ(z)) = max(z,0) - z y + ln(1 + e^{-|z|})
    return (za.max(T(0)) - za * ya + (-za.abs()).exp().log1p()).sum();
  }
  // -Σ_k y_k ln softmax(z)_k = ln Σ_k e^(z_k - m) - Σ_k y_k (z_k - m)   (Σ_k y_k = 1, m = max z)
  // Shifting by m per column before summing over the batch: summing m and
  // y·z over the batch separately loses the loss to cancellation (or gives
  // inf - inf) when logits are large.
  const Eigen::Index b = z.cols();
  auto m = scratch.max.head(b);
  auto s = scratch.sum.head(b);
  m = z.colwise().maxCoeff();
  s = (z.rowwise() - m).array().exp().matrix().colwise().sum();
  return s.array().log().sum() - (ya * (z.rowwise() - m).array()).sum();
}

template void output_probabilities<float>(OutputLoss, const Eigen::Ref<const Matrix<float>>&,
                                          Eigen::Ref<Matrix<float>>, OutputScratch<float>&);
template void output_probabilities<double>(OutputLoss, const Eigen::Ref<const Matrix<double>>&,
                                           Eigen::Ref<Matrix<double>>, OutputScratch<double>&);
template float output_loss_sum<float>(OutputLoss, const Eigen::Ref<const Matrix<float>>&,
                                      const Eigen::Ref<const Matrix<float>>&, OutputScratch<float>&);
template double output_loss_sum<double>(OutputLoss, const Eigen::Ref<const Matrix<double>>&,
                                        const Eigen::Ref<const Matrix<double>>&, OutputScratch<double>&);

}  // namespace mlp
