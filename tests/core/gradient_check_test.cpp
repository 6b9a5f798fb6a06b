// Finite-difference gradient checks of Network<double>::backward for every
// hidden activation × output loss, 1 to 4 hidden layers, with and without
// L2 decay, for sum and mean scaling of the batch loss.
//
//   J(θ) = scale · Σ_batch L + λ · Ω(θ)
//   ĝ_i  = (J(θ + h e_i) - J(θ - h e_i)) / 2h     (central differences)
//   relative error ‖g - ĝ‖ / ‖g + ĝ‖ < 1e-6
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "core/network.hpp"
#include "test_support.hpp"

using mlp::Activation;
using mlp::Matrix;
using mlp::OutputLoss;
using mlp::Vector;

namespace {

constexpr int kInputs = 3, kWidth = 4, kOutputs = 3, kBatch = 5;
constexpr double kStep = 1e-5;

double objective(mlp::Network<double>& net, const Matrix<double>& x, const Matrix<double>& y, double scale,
                 double l2) {
  net.forward(x);
  return scale * net.loss_sum(y) + l2 * net.l2_penalty();
}

// Smallest |pre-activation| of any hidden unit on any sample, computed
// independently of the network's forward pass. For ReLU the check is only
// meaningful away from the kink at 0: a perturbation of h moves every
// pre-activation by far less than this margin.
double hidden_margin(const mlp::Network<double>& net, const Matrix<double>& x) {
  double margin = std::numeric_limits<double>::infinity();
  Matrix<double> h = x;
  for (int k = 0; k + 1 < net.layer_count(); ++k) {
    const auto& layer = net.layer(k);
    Matrix<double> a = layer.w * h;
    a.colwise() += Vector<double>(layer.b);
    margin = std::min(margin, a.cwiseAbs().minCoeff());
    h = a.cwiseMax(0.0);
  }
  return margin;
}

}  // namespace

TEST_CASE("backward matches central differences for every activation, loss, depth and scaling",
          "[gradient]") {
  const auto hidden = GENERATE(Activation::Sigmoid, Activation::Tanh, Activation::Relu);
  const auto output = GENERATE(OutputLoss::SigmoidBce, OutputLoss::SoftmaxCe);
  const int depth = GENERATE(1, 2, 3, 4);
  const double l2 = GENERATE(0.0, 0.3);
  const bool mean = GENERATE(false, true);
  const double scale = mean ? 1.0 / kBatch : 1.0;
  CAPTURE(mlp::to_string(hidden), mlp::to_string(output), depth, l2, mean);

  mlp::Architecture arch;
  arch.sizes = {kInputs};
  for (int d = 0; d < depth; ++d) arch.sizes.push_back(kWidth);
  arch.sizes.push_back(kOutputs);
  arch.hidden = hidden;
  arch.output = output;
  mlp::Network<double> net(arch);

  mlp::Random rng(1000 + 17 * depth + (hidden == Activation::Relu ? 1 : 0));
  // Random weights and biases (biases non-zero so their gradients are tested).
  for (Eigen::Index i = 0; i < net.parameters().size(); ++i) net.parameters()[i] = rng.symmetric(1.0);

  Matrix<double> x = mlp_test::random_matrix<double>(kInputs, kBatch, rng, 2.0);
  if (hidden == Activation::Relu) {
    int attempts = 0;
    while (hidden_margin(net, x) < 1e-3 && attempts++ < 100)
      x = mlp_test::random_matrix<double>(kInputs, kBatch, rng, 2.0);
    REQUIRE(hidden_margin(net, x) >= 1e-3);
  }
  // Softmax needs one-hot targets (columns summing to 1); BCE takes any 0/1 pattern.
  Matrix<double> y;
  if (output == OutputLoss::SoftmaxCe) {
    y = mlp_test::random_one_hot<double>(kOutputs, kBatch, rng);
  } else {
    y.resize(kOutputs, kBatch);
    for (Eigen::Index i = 0; i < y.size(); ++i) y.data()[i] = rng.below(2);
  }

  net.forward(x);
  net.backward(x, y, scale, l2);
  const Vector<double> analytic = net.gradients();

  Vector<double> numeric(net.parameters().size());
  for (Eigen::Index i = 0; i < numeric.size(); ++i) {
    const double saved = net.parameters()[i];
    net.parameters()[i] = saved + kStep;
    const double plus = objective(net, x, y, scale, l2);
    net.parameters()[i] = saved - kStep;
    const double minus = objective(net, x, y, scale, l2);
    net.parameters()[i] = saved;
    numeric[i] = (plus - minus) / (2 * kStep);
  }

  REQUIRE(analytic.allFinite());
  REQUIRE(analytic.norm() > 1e-3);  // a zero gradient would make the check vacuous
  const double relative = (analytic - numeric).norm() / (analytic + numeric).norm();
  CAPTURE(relative);
  CHECK(relative < 1e-6);
}

TEST_CASE("backward overwrites gradients instead of accumulating them", "[gradient]") {
  mlp::Architecture arch;
  arch.sizes = {3, 4, 2};
  arch.output = OutputLoss::SoftmaxCe;
  mlp::Network<double> net(arch);
  mlp::Random rng(5);
  net.initialize(rng);
  const Matrix<double> x = mlp_test::random_matrix<double>(3, 6, rng);
  const Matrix<double> y = mlp_test::random_one_hot<double>(2, 6, rng);
  net.forward(x);
  net.backward(x, y, 1.0, 0.1);
  const Vector<double> first = net.gradients();
  net.forward(x);
  net.backward(x, y, 1.0, 0.1);
  REQUIRE(first.norm() > 0);
  CHECK(net.gradients() == first);
}

TEST_CASE("a smaller batch after a larger one uses only its own columns", "[gradient]") {
  mlp::Architecture arch;
  arch.sizes = {3, 5, 3};
  arch.hidden = Activation::Tanh;
  arch.output = OutputLoss::SoftmaxCe;
  mlp::Network<double> big(arch);
  mlp::Random rng(9);
  big.initialize(rng);
  mlp::Network<double> fresh(big);  // same weights, never saw the large batch

  const Matrix<double> x = mlp_test::random_matrix<double>(3, 8, rng);
  const Matrix<double> y = mlp_test::random_one_hot<double>(3, 8, rng);
  big.forward(x);
  big.backward(x, y, 1.0, 0.0);

  const Matrix<double> xs = x.leftCols(3), ys = y.leftCols(3);
  big.forward(xs);
  const double loss_big = big.loss_sum(ys);
  big.backward(xs, ys, 1.0, 0.0);
  fresh.forward(xs);
  const double loss_fresh = fresh.loss_sum(ys);
  fresh.backward(xs, ys, 1.0, 0.0);
  CHECK(loss_big == loss_fresh);
  CHECK(big.gradients() == fresh.gradients());
}
