// Finite-difference gradient checks of Network<double>::backward (the
// serial step) and Network<double>::step_tiles (the tiled step Trainer trains
// with, on threads) for every hidden activation × output loss, 1 to 4 (tiled:
// 1 to 3) hidden layers, with and without L2 decay, for sum and mean scaling
// of the batch loss.
//
//   J(θ) = scale · Σ_batch L + λ · Ω(θ)
//   ĝ_i  = (J(θ + h e_i) - J(θ - h e_i)) / 2h     (central differences)
//   relative error ‖g - ĝ‖ / ‖g + ĝ‖ < 1e-6
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "core/network.hpp"
#include "core/thread_pool.hpp"
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

// ---- The training step as tiles (Network::step_tiles), on threads ----------
//
// The step Trainer trains with, in double, against central differences of
//   J(θ) = scale · Σ_batch L + λ · Ω(θ)
// computed by the serial forward pass, on a ThreadPool of 1, 2 and 3 threads
// and on the calling thread alone. The batch (37 = 32 + 5) is not a multiple
// of the 32-sample tile; the first layers are wider than the 64-column weight
// tile (66 inputs: tiles of 64 and 2 columns; 65 hidden units: 64 and 1), so
// every kind of tile boundary is crossed. Central differences are taken for a
// sample of each layer's parameters (the tiles' edge columns, the largest
// gradients, biases, a random set); against every parameter, step_tiles is
// compared with backward(), whose full check is the test case above, and the
// thread counts with each other, bit for bit.

namespace {

struct Checked {
  Eigen::Index index;
  double analytic, numeric;
};

// Indices into the flat parameter vector to difference: per layer, the
// columns on each side of every weight-tile edge (rows first, middle, last),
// the ten largest |∇|, five biases and ten more at random.
std::vector<Eigen::Index> sample_parameters(const mlp::Network<double>& net, const Vector<double>& grads,
                                            mlp::Random& rng) {
  std::vector<Eigen::Index> picked;
  Eigen::Index offset = 0;
  for (int k = 0; k < net.layer_count(); ++k) {
    const auto& layer = net.layer(k);
    const int in = layer.inputs(), out = layer.outputs();
    const auto weight = [&](int row, int col) { return offset + static_cast<Eigen::Index>(col) * out + row; };
    for (int col : {0, 63, 64, in - 1})
      for (int row : {0, out / 2, out - 1})
        if (col < in) picked.push_back(weight(row, col));
    const Eigen::Index size = mlp::DenseLayer<double>::parameter_count(in, out);
    std::vector<Eigen::Index> by_size(static_cast<std::size_t>(size));
    for (Eigen::Index i = 0; i < size; ++i) by_size[static_cast<std::size_t>(i)] = offset + i;
    std::partial_sort(
        by_size.begin(), by_size.begin() + std::min<Eigen::Index>(10, size), by_size.end(),
        [&](Eigen::Index a, Eigen::Index b) { return std::abs(grads[a]) > std::abs(grads[b]); });
    picked.insert(picked.end(), by_size.begin(), by_size.begin() + std::min<Eigen::Index>(10, size));
    const Eigen::Index bias = offset + static_cast<Eigen::Index>(in) * out;
    for (int i = 0; i < 5; ++i) picked.push_back(bias + rng.below(static_cast<std::uint32_t>(out)));
    for (int i = 0; i < 10; ++i) picked.push_back(offset + rng.below(static_cast<std::uint32_t>(size)));
    offset += size;
  }
  std::sort(picked.begin(), picked.end());
  picked.erase(std::unique(picked.begin(), picked.end()), picked.end());
  return picked;
}

}  // namespace

TEST_CASE("the tiled training step matches central differences on 1, 2 and 3 threads",
          "[gradient][threads]") {
  const auto hidden = GENERATE(Activation::Sigmoid, Activation::Tanh, Activation::Relu);
  const auto output = GENERATE(OutputLoss::SigmoidBce, OutputLoss::SoftmaxCe);
  const int depth = GENERATE(1, 2, 3);
  const double l2 = GENERATE(0.0, 0.3);
  const bool mean = GENERATE(false, true);
  constexpr int kTileInputs = 66, kTileBatch = 37, kTileOutputs = 4;
  const double scale = mean ? 1.0 / kTileBatch : 1.0;
  CAPTURE(mlp::to_string(hidden), mlp::to_string(output), depth, l2, mean);

  mlp::Architecture arch;
  arch.sizes = {kTileInputs, 65};
  for (int d = 1; d < depth; ++d) arch.sizes.push_back(d == 1 ? 7 : 5);
  arch.sizes.push_back(kTileOutputs);
  arch.hidden = hidden;
  arch.output = output;
  mlp::Network<double> net(arch);
  mlp::Random rng(2000 + 31 * depth + static_cast<int>(hidden) * 7 + static_cast<int>(output));
  for (Eigen::Index i = 0; i < net.parameters().size(); ++i) net.parameters()[i] = rng.symmetric(0.5);

  Matrix<double> x = mlp_test::random_matrix<double>(kTileInputs, kTileBatch, rng, 1.0);
  if (hidden == Activation::Relu) {  // away from ReLU's kink, where differences are meaningless
    int attempts = 0;
    while (hidden_margin(net, x) < 1e-4 && attempts++ < 200)
      x = mlp_test::random_matrix<double>(kTileInputs, kTileBatch, rng, 1.0);
    REQUIRE(hidden_margin(net, x) >= 1e-4);
  }
  Matrix<double> y;
  if (output == OutputLoss::SoftmaxCe) {
    y = mlp_test::random_one_hot<double>(kTileOutputs, kTileBatch, rng);
  } else {
    y.resize(kTileOutputs, kTileBatch);
    for (Eigen::Index i = 0; i < y.size(); ++i) y.data()[i] = rng.below(2);
  }

  // The serial step, fully checked by the test case above.
  net.forward(x);
  const double serial_loss = net.loss_sum(y);
  net.backward(x, y, scale, l2);
  const Vector<double> serial = net.gradients();

  // The tiled step on the calling thread alone, then on pools of 1, 2 and 3.
  net.gradients().setConstant(std::numeric_limits<double>::quiet_NaN());  // must be overwritten everywhere
  const double loss = net.step_tiles(x, y, scale, l2, nullptr);
  const Vector<double> tiled = net.gradients();
  REQUIRE(tiled.allFinite());
  CHECK(loss == Approx(serial_loss).epsilon(1e-12));
  CHECK((tiled - serial).norm() <= 1e-12 * serial.norm());
  for (int threads : {1, 2, 3}) {
    CAPTURE(threads);
    mlp::ThreadPool pool(threads);
    REQUIRE(pool.size() == threads);
    net.gradients().setConstant(std::numeric_limits<double>::quiet_NaN());
    CHECK(net.step_tiles(x, y, scale, l2, &pool) == loss);
    Eigen::Index differing = 0;
    for (Eigen::Index i = 0; i < tiled.size(); ++i) differing += net.gradients()[i] != tiled[i];
    CHECK(differing == 0);  // bit for bit
  }

  // Central differences for a sample of every layer's parameters.
  const std::vector<Eigen::Index> picked = sample_parameters(net, tiled, rng);
  std::vector<Checked> checked;
  for (Eigen::Index i : picked) {
    const double saved = net.parameters()[i];
    net.parameters()[i] = saved + kStep;
    const double plus = objective(net, x, y, scale, l2);
    net.parameters()[i] = saved - kStep;
    const double minus = objective(net, x, y, scale, l2);
    net.parameters()[i] = saved;
    checked.push_back({i, tiled[i], (plus - minus) / (2 * kStep)});
  }
  double diff = 0, analytic_norm = 0, numeric_norm = 0;
  for (const auto& c : checked) {
    diff += (c.analytic - c.numeric) * (c.analytic - c.numeric);
    analytic_norm += c.analytic * c.analytic;
    numeric_norm += c.numeric * c.numeric;
  }
  CAPTURE(checked.size());
  REQUIRE(checked.size() >= 25 * static_cast<std::size_t>(net.layer_count()));
  REQUIRE(std::sqrt(analytic_norm) > 1e-3);  // not vacuous
  const double relative = std::sqrt(diff) / (std::sqrt(analytic_norm) + std::sqrt(numeric_norm));
  CAPTURE(relative);
  CHECK(relative < 1e-6);
}

TEST_CASE("the tiled step writes no gradient when the loss is not finite, and rejects bad shapes",
          "[gradient]") {
  mlp::Architecture arch;
  arch.sizes = {3, 4, 2};
  mlp::Network<double> net(arch);
  mlp::Random rng(3);
  net.initialize(rng);
  Matrix<double> x = mlp_test::random_matrix<double>(3, 5, rng);
  const Matrix<double> y = mlp_test::random_one_hot<double>(2, 5, rng);
  x(1, 2) = std::numeric_limits<double>::quiet_NaN();
  net.gradients().setZero();
  CHECK(std::isnan(net.step_tiles(x, y, 1.0, 0.0, nullptr)));
  CHECK(net.gradients().isZero(0));
  REQUIRE_THROWS_WITH(net.step_tiles(x.topRows(2), y, 1.0, 0.0, nullptr),
                      Catch::Contains("input has 2 rows"));
  REQUIRE_THROWS_WITH(net.step_tiles(x, y.leftCols(4), 1.0, 0.0, nullptr),
                      Catch::Contains("targets are 2×4"));
  REQUIRE_THROWS_WITH(net.step_tiles(x.leftCols(0), y.leftCols(0), 1.0, 0.0, nullptr),
                      Catch::Contains("at least one sample"));
}
