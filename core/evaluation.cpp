#include "evaluation.hpp"

#include <algorithm>
#include <numeric>

namespace mlp {

bool all_finite(const float* p, Eigen::Index n) {
  return Eigen::Map<const Vector<float>>(p, n).allFinite();
}

void argmax_columns(const Eigen::Ref<const Matrix<float>>& p, std::vector<int>& out) {
  out.resize(static_cast<std::size_t>(p.cols()));
  for (Eigen::Index j = 0; j < p.cols(); ++j) {
    Eigen::Index best = 0;
    p.col(j).maxCoeff(&best);
    out[static_cast<std::size_t>(j)] = static_cast<int>(best);
  }
}

namespace {

// Calls visit(start, p, predicted) for consecutive chunks of `data` after a
// forward pass: p (out, b) are the chunk's probabilities, predicted its
// argmax; the network's last forward() is the chunk's, for loss_sum().
template <typename Visit>
void for_each_chunk(Network<float>& net, const Dataset& data, int n, int chunk, ThreadPool* pool,
                    Visit&& visit) {
  if (n == 0) return;
  chunk = std::max(1, std::min(chunk, n));
  Matrix<float> x(data.features(), chunk);    // (in, chunk)
  Matrix<float> y(net.output_size(), chunk);  // (out, chunk)
  std::vector<std::int32_t> order(static_cast<std::size_t>(chunk));
  std::vector<int> predicted;
  for (int start = 0; start < n; start += chunk) {
    const int b = std::min(chunk, n - start);
    std::iota(order.begin(), order.begin() + b, start);
    gather_batch(data, order.data(), x.leftCols(b), y.leftCols(b));
    const auto p = pool ? net.forward_tiles(x.leftCols(b), pool) : net.forward(x.leftCols(b));
    argmax_columns(p, predicted);
    visit(start, p, y.leftCols(b), predicted);
  }
}

}  // namespace

Evaluation evaluate(Network<float>& net, const Dataset& data, int chunk, int count, ThreadPool* pool) {
  const int n = count < 0 ? data.size() : std::min(count, data.size()), classes = net.output_size();
  Evaluation result;
  result.count = n;
  result.classes = classes;
  result.confusion.assign(static_cast<std::size_t>(classes) * classes, 0);
  double loss = 0;
  long long correct = 0;
  for_each_chunk(net, data, n, chunk, pool,
                 [&](int start, const auto& p, const auto& y, const std::vector<int>& predicted) {
                   loss += net.loss_sum(y);
                   for (Eigen::Index j = 0; j < p.cols(); ++j) {
                     const int truth = data.labels[static_cast<std::size_t>(start + j)];
                     const int guess = predicted[static_cast<std::size_t>(j)];
                     correct += truth == guess;
                     ++result.confusion[static_cast<std::size_t>(truth * classes + guess)];
                   }
                 });
  if (n == 0) return result;
  result.loss = loss / n;
  result.accuracy = static_cast<double>(correct) / n;
  return result;
}

Predictions predict_dataset(Network<float>& net, const Dataset& data, int chunk, ThreadPool* pool) {
  Predictions result;
  result.probabilities.resize(net.output_size(), data.size());
  result.predicted.resize(static_cast<std::size_t>(data.size()));
  for_each_chunk(net, data, data.size(), chunk, pool,
                 [&](int start, const auto& p, const auto&, const std::vector<int>& predicted) {
                   result.probabilities.middleCols(start, p.cols()) = p;
                   for (Eigen::Index j = 0; j < p.cols(); ++j)
                     result.predicted[static_cast<std::size_t>(start + j)] =
                         static_cast<std::uint8_t>(predicted[static_cast<std::size_t>(j)]);
                 });
  return result;
}

Matrix<float> predict(Network<float>& net, const Eigen::Ref<const Matrix<float>>& x, int chunk,
                      ThreadPool* pool) {
  Matrix<float> out(net.output_size(), x.cols());  // (out, n)
  chunk = std::max(1, chunk);
  for (Eigen::Index start = 0; start < x.cols(); start += chunk) {
    const auto b = std::min<Eigen::Index>(chunk, x.cols() - start);
    out.middleCols(start, b) =
        pool ? net.forward_tiles(x.middleCols(start, b), pool) : net.forward(x.middleCols(start, b));
  }
  return out;
}

}  // namespace mlp
