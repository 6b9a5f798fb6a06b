// Inspection: saturation shares and histograms against hand counts, gradient
// norms against central differences of the mean loss, and one digit's path
// against a forward pass written out here.
#include "core/inspection.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <utility>

#include "core/errors.hpp"
#include "test_support.hpp"

using mlp::Activation;
using mlp::Matrix;
using mlp::OutputLoss;
using mlp::Vector;

namespace {

mlp::Architecture arch_of(std::vector<int> sizes, Activation hidden, OutputLoss output) {
  mlp::Architecture a;
  a.sizes = std::move(sizes);
  a.hidden = hidden;
  a.output = output;
  return a;
}

double g(Activation kind, double a) {
  switch (kind) {
    case Activation::Sigmoid:
      return 1 / (1 + std::exp(-a));
    case Activation::Tanh:
      return std::tanh(a);
    case Activation::Relu:
      return a > 0 ? a : 0;
  }
  return a;
}

}  // namespace

TEST_CASE("saturated shares, stuck units and the histogram match a hand count", "[inspection]") {
  // Hidden pre-activations a = W x + b over four images:
  //   unit 0: a = 10 x₀ → 10, 2, −10, 6;   unit 1: a = 0;   unit 2: a = −8.
  // sigmoid: g'(a) < 0.01 ⇔ |a| > 4.6;  tanh: ⇔ |a| > 3.0;  ReLU: off ⇔ a ≤ 0.
  struct Expect {
    Activation kind;
    double saturated, stuck;
  };
  const auto e =
      GENERATE(Expect{Activation::Sigmoid, 7.0 / 12, 1.0 / 3},  // unit 0: 3 of 4, unit 2: 4 of 4
               Expect{Activation::Tanh, 7.0 / 12, 1.0 / 3},     // the same pairs
               Expect{Activation::Relu, 9.0 / 12, 2.0 / 3});    // unit 0: 1 (a = −10); units 1, 2: dead
  CAPTURE(mlp::to_string(e.kind));
  mlp::Network<double> net(arch_of({2, 3, 2}, e.kind, OutputLoss::SoftmaxCe));
  auto& l = net.layer(0);
  l.w.setZero();
  l.w(0, 0) = 10;
  l.b << 0, 0, -8;
  net.layer(1).w.setConstant(0.5);
  Matrix<double> x(2, 4);
  x << 1, 0.2, -1, 0.6,  //
      0, 0, 0, 0;
  Matrix<double> y = Matrix<double>::Zero(2, 4);
  y.row(0).setOnes();

  const mlp::NetworkHealth health = mlp::inspect_health(net, x, y, 2);
  REQUIRE(health.samples == 4);
  REQUIRE(health.layers.size() == 2);
  const mlp::LayerHealth& hidden = health.layers[0];
  CHECK(hidden.units == 3);
  CHECK(hidden.saturated == Approx(e.saturated));
  CHECK(hidden.stuck == Approx(e.stuck));
  REQUIRE(hidden.histogram.size() == 2);
  CHECK(hidden.histogram[0] + hidden.histogram[1] == 12);
  if (e.kind == Activation::Sigmoid) {
    // [0, 0.5): σ(−10) and unit 2's four σ(−8); [0.5, 1]: σ(10), σ(2), σ(6) and unit 1's four σ(0) = 0.5.
    CHECK(hidden.low == 0);
    CHECK(hidden.high == 1);
    CHECK(hidden.histogram == std::vector<int>{5, 7});
    CHECK(hidden.mean == Approx((g(e.kind, 10) + g(e.kind, 2) + g(e.kind, -10) + g(e.kind, 6) + 4 * 0.5 +
                                 4 * g(e.kind, -8)) /
                                12));
  }
  if (e.kind == Activation::Tanh) CHECK(hidden.low == -1);
  if (e.kind == Activation::Relu) {
    CHECK(hidden.high == Approx(10));                    // the largest h
    CHECK(hidden.histogram == std::vector<int>{10, 2});  // [0, 5): nine zeros and h = 2; [5, 10]: 10 and 6
  }
  CHECK(health.layers[1].units == 2);
  CHECK(health.layers[1].histogram.empty());
}

TEST_CASE("without a bin count, every hidden layer's histogram has the core's kHealthBins bins",
          "[inspection]") {
  mlp::Random rng(5);
  mlp::Network<float> net(arch_of({6, 4, 3, 2}, Activation::Tanh, OutputLoss::SoftmaxCe));
  net.initialize(rng);
  const Matrix<float> x = mlp_test::random_matrix<float>(6, 7, rng);
  const mlp::NetworkHealth health = mlp::inspect_health(net, x, mlp_test::random_one_hot<float>(2, 7, rng));
  REQUIRE(health.layers.size() == 3);
  for (std::size_t k = 0; k < 2; ++k) {
    CAPTURE(k);
    CHECK(health.layers[k].histogram.size() == static_cast<std::size_t>(mlp::kHealthBins));
  }
  CHECK(health.layers[2].histogram.empty());
}

TEST_CASE("the derivative threshold is g'(a) < 0.01, written through h", "[inspection]") {
  CHECK(mlp::is_saturated(Activation::Sigmoid, g(Activation::Sigmoid, 4.7)));
  CHECK_FALSE(mlp::is_saturated(Activation::Sigmoid, g(Activation::Sigmoid, 4.5)));
  CHECK(mlp::is_saturated(Activation::Tanh, g(Activation::Tanh, -3.1)));
  CHECK_FALSE(mlp::is_saturated(Activation::Tanh, g(Activation::Tanh, -2.9)));
  CHECK(mlp::is_saturated(Activation::Relu, 0.0));
  CHECK_FALSE(mlp::is_saturated(Activation::Relu, 1e-9));
}

TEST_CASE("each layer's gradient norm is that of central differences of the mean loss", "[inspection]") {
  const auto kind = GENERATE(Activation::Sigmoid, Activation::Tanh, Activation::Relu);
  const auto loss = GENERATE(OutputLoss::SigmoidBce, OutputLoss::SoftmaxCe);
  CAPTURE(mlp::to_string(kind), mlp::to_string(loss));
  mlp::Random rng(11);
  mlp::Network<double> net(arch_of({4, 5, 3, 3}, kind, loss));
  net.initialize(rng);
  for (int k = 0; k < net.layer_count(); ++k)
    net.layer(k).b = mlp_test::random_matrix<double>(net.layer(k).outputs(), 1, rng, 0.3);
  const Matrix<double> x = mlp_test::random_matrix<double>(4, 6, rng);
  const Matrix<double> y = mlp_test::random_one_hot<double>(3, 6, rng);

  const mlp::NetworkHealth health = mlp::inspect_health(net, x, y);
  const auto mean_loss = [&] {
    net.forward(x);
    return net.loss_sum(y) / 6;
  };
  CHECK(health.loss == Approx(mean_loss()).epsilon(1e-12));
  const double h = 1e-6;
  for (int k = 0; k < net.layer_count(); ++k) {
    auto& layer = net.layer(k);
    double w2 = 0, b2 = 0;
    for (Eigen::Index i = 0; i < layer.w.size(); ++i) {
      double& p = layer.w.data()[i];
      const double saved = p;
      p = saved + h;
      const double up = mean_loss();
      p = saved - h;
      const double down = mean_loss();
      p = saved;
      w2 += std::pow((up - down) / (2 * h), 2);
    }
    for (Eigen::Index i = 0; i < layer.b.size(); ++i) {
      double& p = layer.b.data()[i];
      const double saved = p;
      p = saved + h;
      const double up = mean_loss();
      p = saved - h;
      const double down = mean_loss();
      p = saved;
      b2 += std::pow((up - down) / (2 * h), 2);
    }
    CAPTURE(k);
    CHECK(health.layers[static_cast<std::size_t>(k)].weight_gradient_norm ==
          Approx(std::sqrt(w2)).epsilon(1e-6));
    CHECK(health.layers[static_cast<std::size_t>(k)].bias_gradient_norm ==
          Approx(std::sqrt(b2)).epsilon(1e-6));
    CHECK(health.layers[static_cast<std::size_t>(k)].weight_norm == Approx(layer.w.norm()));
  }
}

TEST_CASE("inspecting leaves the parameters as they were", "[inspection]") {
  mlp::Random rng(3);
  mlp::Network<float> net(arch_of({6, 4, 3}, Activation::Sigmoid, OutputLoss::SigmoidBce));
  net.initialize(rng);
  const Vector<float> before = net.parameters();
  const Matrix<float> x = mlp_test::random_matrix<float>(6, 5, rng);
  mlp::inspect_health(net, x, mlp_test::random_one_hot<float>(3, 5, rng));
  mlp::trace_digit(net, x.col(0));
  CHECK(net.parameters() == before);
}

TEST_CASE("one digit's path: every hidden layer, the probabilities, and what pushed the winner",
          "[inspection]") {
  const auto kind = GENERATE(Activation::Sigmoid, Activation::Relu);
  CAPTURE(mlp::to_string(kind));
  mlp::Random rng(5);
  mlp::Network<double> net(arch_of({6, 5, 4, 3}, kind, OutputLoss::SoftmaxCe));
  net.initialize(rng);
  for (int k = 0; k < net.layer_count(); ++k)
    net.layer(k).b = mlp_test::random_matrix<double>(net.layer(k).outputs(), 1, rng, 0.5);
  const Matrix<double> x = mlp_test::random_matrix<double>(6, 1, rng);

  const mlp::DigitPath<double> path = mlp::trace_digit(net, x);
  // The forward pass written out.
  Vector<double> h = x.col(0);
  REQUIRE(path.hidden.size() == 2);
  for (int k = 0; k < 2; ++k) {
    Vector<double> a = net.layer(k).w * h + net.layer(k).b;
    for (Eigen::Index i = 0; i < a.size(); ++i) a(i) = g(kind, a(i));
    h = a;
    CHECK(path.hidden[static_cast<std::size_t>(k)].isApprox(h, 1e-12));
  }
  const Vector<double> z = net.layer(2).w * h + net.layer(2).b;
  CHECK(path.logits.isApprox(z, 1e-12));
  const Vector<double> p = (z.array() - z.maxCoeff()).exp() / (z.array() - z.maxCoeff()).exp().sum();
  CHECK(path.probabilities.isApprox(p, 1e-12));
  Eigen::Index best = 0;
  p.maxCoeff(&best);
  CHECK(path.predicted == best);
  REQUIRE(path.contributions.size() == 4);
  for (Eigen::Index j = 0; j < 4; ++j) CHECK(path.contributions(j) == Approx(h(j) * net.layer(2).w(best, j)));
  CHECK(path.contributions.sum() + path.bias == Approx(z(best)));
}

TEST_CASE("a network without hidden layers traces its pixels' contributions", "[inspection]") {
  mlp::Random rng(9);
  mlp::Network<double> net(arch_of({5, 3}, Activation::Sigmoid, OutputLoss::SigmoidBce));
  net.initialize(rng);
  const Matrix<double> x = mlp_test::random_matrix<double>(5, 1, rng);
  const mlp::DigitPath<double> path = mlp::trace_digit(net, x);
  CHECK(path.hidden.empty());
  REQUIRE(path.contributions.size() == 5);
  CHECK(path.contributions.sum() + path.bias == Approx(path.logits(path.predicted)));
  const mlp::NetworkHealth health =
      mlp::inspect_health(net, Matrix<double>(x), Matrix<double>::Identity(3, 1));
  REQUIRE(health.layers.size() == 1);
  CHECK(health.layers[0].units == 3);
  CHECK(health.layers[0].weight_gradient_norm > 0);
}

TEST_CASE("inspection refuses inputs of the wrong shape", "[inspection]") {
  mlp::Network<float> net(arch_of({4, 3, 2}, Activation::Sigmoid, OutputLoss::SigmoidBce));
  const Matrix<float> x = Matrix<float>::Zero(4, 2);
  CHECK_THROWS_WITH(mlp::trace_digit(net, x), "trace_digit takes one image, got 2");
  CHECK_THROWS_WITH(mlp::trace_digit(net, Matrix<float>::Zero(5, 1)),
                    "input has 5 rows, the network expects 4");
  CHECK_THROWS_WITH(mlp::inspect_health(net, x, Matrix<float>::Zero(2, 3)), "targets are 2×3, expected 2×2");
  CHECK_THROWS_WITH(mlp::inspect_health(net, Matrix<float>::Zero(4, 0), Matrix<float>::Zero(2, 0)),
                    "the health of a network needs at least one image");
}
