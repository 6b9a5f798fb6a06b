#include "evaluation.hpp"

#include <algorithm>

namespace mlp {

void argmax_columns(const Eigen::Ref<const Matrix<float>>& p, std::vector<int>& out) {
  out.resize(static_cast<std::size_t>(p.cols()));
  for (Eigen::Index j = 0; j < p.cols(); ++j) {
    Eigen::Index best = 0;
    p.col(j).maxCoeff(&best);
    out[static_cast<std::size_t>(j)] = static_cast<int>(best);
  }
}

Evaluation evaluate(Network<float>& net, const Dataset& data, int chunk) {
  const int n = data.size(), classes = net.output_size();
  Evaluation result;
  result.count = n;
  result.classes = classes;
  result.confusion.assign(static_cast<std::size_t>(classes) * classes, 0);
  if (n == 0) return result;
  chunk = std::max(1, std::min(chunk, n));
  Matrix<float> x(data.features(), chunk);  // (in, chunk)
  Matrix<float> y(classes, chunk);          // (out, chunk)
  std::vector<std::int32_t> order(static_cast<std::size_t>(chunk));
  std::vector<int> predicted;
  double loss = 0;
  long long correct = 0;
  for (int start = 0; start < n; start += chunk) {
    const int b = std::min(chunk, n - start);
    for (int j = 0; j < b; ++j) order[static_cast<std::size_t>(j)] = start + j;
    gather_batch(data, order.data(), x.leftCols(b), y.leftCols(b));
    const auto p = net.forward(x.leftCols(b));
    loss += net.loss_sum(y.leftCols(b));
    argmax_columns(p, predicted);
    for (int j = 0; j < b; ++j) {
      const int truth = data.labels[static_cast<std::size_t>(start + j)];
      const int guess = predicted[static_cast<std::size_t>(j)];
      correct += truth == guess;
      ++result.confusion[static_cast<std::size_t>(truth * classes + guess)];
    }
  }
  result.loss = loss / n;
  result.accuracy = static_cast<double>(correct) / n;
  return result;
}

Matrix<float> predict(Network<float>& net, const Eigen::Ref<const Matrix<float>>& x, int chunk) {
  Matrix<float> out(net.output_size(), x.cols());  // (out, n)
  chunk = std::max(1, chunk);
  for (Eigen::Index start = 0; start < x.cols(); start += chunk) {
    const auto b = std::min<Eigen::Index>(chunk, x.cols() - start);
    out.middleCols(start, b) = net.forward(x.middleCols(start, b));
  }
  return out;
}

}  // namespace mlp
