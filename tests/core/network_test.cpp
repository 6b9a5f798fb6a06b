// Network: known values on tiny hand-computed networks, the flat parameter
// layout, initialisation, copies, and architecture validation.
#include "core/network.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <utility>

#include "core/errors.hpp"
#include "test_support.hpp"

using mlp::Activation;
using mlp::Matrix;
using mlp::OutputLoss;

namespace {

double sigmoid(double a) {
  return 1.0 / (1.0 + std::exp(-a));
}

mlp::Architecture arch_of(std::vector<int> sizes, Activation hidden, OutputLoss output) {
  mlp::Architecture a;
  a.sizes = std::move(sizes);
  a.hidden = hidden;
  a.output = output;
  return a;
}

// W1 = [0.5 -0.3; 0.8 0.2], b1 = [0.1; -0.2] for every 2-2-n net below.
template <typename Net>
void set_first_layer(Net& net) {
  auto& l = net.layer(0);
  l.w(0, 0) = 0.5, l.w(0, 1) = -0.3, l.w(1, 0) = 0.8, l.w(1, 1) = 0.2;
  l.b(0) = 0.1, l.b(1) = -0.2;
}

}  // namespace

TEST_CASE("a 2-2-1 sigmoid network with BCE gives the hand-computed output and loss", "[network]") {
  mlp::Network<double> net(arch_of({2, 2, 1}, Activation::Sigmoid, OutputLoss::SigmoidBce));
  set_first_layer(net);
  net.layer(1).w(0, 0) = 1.5, net.layer(1).w(0, 1) = -1.0, net.layer(1).b(0) = 0.3;

  Matrix<double> x(2, 2);
  x << 1.0, -0.5,  //
      2.0, 0.25;
  Matrix<double> y(1, 2);
  y << 1.0, 0.0;

  double expected_loss = 0;
  Matrix<double> expected(1, 2);
  for (int j = 0; j < 2; ++j) {
    const double h0 = sigmoid(0.5 * x(0, j) - 0.3 * x(1, j) + 0.1);
    const double h1 = sigmoid(0.8 * x(0, j) + 0.2 * x(1, j) - 0.2);
    const double p = sigmoid(1.5 * h0 - 1.0 * h1 + 0.3);
    expected(0, j) = p;
    expected_loss += -(y(0, j) * std::log(p) + (1 - y(0, j)) * std::log(1 - p));
  }
  const Matrix<double> p = net.forward(x);
  REQUIRE(p.rows() == 1);
  REQUIRE(p.cols() == 2);
  CHECK(p(0, 0) == Approx(expected(0, 0)).epsilon(1e-12));
  CHECK(p(0, 1) == Approx(expected(0, 1)).epsilon(1e-12));
  CHECK(net.loss_sum(y) == Approx(expected_loss).epsilon(1e-12));
}

TEST_CASE("2-2-2 tanh and relu networks with softmax give the hand-computed output", "[network]") {
  const auto hidden = GENERATE(Activation::Tanh, Activation::Relu);
  CAPTURE(mlp::to_string(hidden));
  mlp::Network<double> net(arch_of({2, 2, 2}, hidden, OutputLoss::SoftmaxCe));
  set_first_layer(net);
  auto& out = net.layer(1);
  out.w(0, 0) = 1.0, out.w(0, 1) = -2.0, out.w(1, 0) = 0.5, out.w(1, 1) = 1.5;
  out.b(0) = 0.0, out.b(1) = -0.4;

  Matrix<double> x(2, 1);
  x << 1.0, -1.0;  // pre-activations 0.9 and 0.4: both active under relu
  const double a0 = 0.5 * 1.0 - 0.3 * -1.0 + 0.1, a1 = 0.8 * 1.0 + 0.2 * -1.0 - 0.2;
  const double h0 = hidden == Activation::Tanh ? std::tanh(a0) : a0;
  const double h1 = hidden == Activation::Tanh ? std::tanh(a1) : a1;
  const double z0 = 1.0 * h0 - 2.0 * h1, z1 = 0.5 * h0 + 1.5 * h1 - 0.4;
  const double p0 = std::exp(z0) / (std::exp(z0) + std::exp(z1));

  const Matrix<double> p = net.forward(x);
  CHECK(p(0, 0) == Approx(p0).epsilon(1e-12));
  CHECK(p(1, 0) == Approx(1 - p0).epsilon(1e-12));
  Matrix<double> y(2, 1);
  y << 0.0, 1.0;
  CHECK(net.loss_sum(y) == Approx(-std::log(1 - p0)).epsilon(1e-12));
}

TEST_CASE("relu zeroes negative hidden pre-activations", "[network]") {
  mlp::Network<double> net(arch_of({2, 2, 1}, Activation::Relu, OutputLoss::SigmoidBce));
  set_first_layer(net);
  net.layer(1).w(0, 0) = 1.0, net.layer(1).w(0, 1) = 1.0;
  Matrix<double> x(2, 1);
  x << -1.0, 0.0;  // a0 = -0.4 (cut), a1 = -1.0 (cut)
  CHECK(net.forward(x)(0, 0) == Approx(0.5).epsilon(1e-15));
}

TEST_CASE("a single softmax layer has the hand-computed gradients", "[network][gradient]") {
  mlp::Network<double> net(arch_of({2, 2}, Activation::Sigmoid, OutputLoss::SoftmaxCe));
  set_first_layer(net);
  Matrix<double> x(2, 1);
  x << 2.0, -1.0;
  Matrix<double> y(2, 1);
  y << 0.0, 1.0;
  const double scale = 0.5, l2 = 0.1;
  const double z0 = 0.5 * 2.0 - 0.3 * -1.0 + 0.1, z1 = 0.8 * 2.0 + 0.2 * -1.0 - 0.2;
  const double p0 = std::exp(z0) / (std::exp(z0) + std::exp(z1)), p1 = 1 - p0;
  const double g0 = scale * (p0 - 0.0), g1 = scale * (p1 - 1.0);  // ∂J/∂z = scale (p - y)

  net.forward(x);
  net.backward(x, y, scale, l2);
  const auto& l = net.layer(0);
  CHECK(l.dw(0, 0) == Approx(g0 * 2.0 + l2 * 0.5).epsilon(1e-12));
  CHECK(l.dw(0, 1) == Approx(g0 * -1.0 + l2 * -0.3).epsilon(1e-12));
  CHECK(l.dw(1, 0) == Approx(g1 * 2.0 + l2 * 0.8).epsilon(1e-12));
  CHECK(l.dw(1, 1) == Approx(g1 * -1.0 + l2 * 0.2).epsilon(1e-12));
  CHECK(l.db(0) == Approx(g0).epsilon(1e-12));  // biases are not decayed
  CHECK(l.db(1) == Approx(g1).epsilon(1e-12));
}

TEST_CASE("l2_penalty is half the squared norm of the weights, biases excluded", "[network]") {
  mlp::Network<double> net(arch_of({2, 2, 1}, Activation::Sigmoid, OutputLoss::SigmoidBce));
  set_first_layer(net);
  net.layer(1).w(0, 0) = 1.5, net.layer(1).w(0, 1) = -1.0, net.layer(1).b(0) = 7.0;
  const double expected = 0.5 * (0.25 + 0.09 + 0.64 + 0.04 + 2.25 + 1.0);
  CHECK(net.l2_penalty() == Approx(expected).epsilon(1e-14));
}

TEST_CASE("parameters are one flat vector, layer by layer, W (out x in) then b", "[network]") {
  mlp::Network<float> net(arch_of({3, 4, 2}, Activation::Sigmoid, OutputLoss::SigmoidBce));
  REQUIRE(net.parameters().size() == 3 * 4 + 4 + 4 * 2 + 2);
  REQUIRE(net.gradients().size() == net.parameters().size());
  REQUIRE(net.architecture().parameter_count() == net.parameters().size());
  const float* base = net.parameters().data();
  CHECK(net.layer(0).w.data() == base);
  CHECK(net.layer(0).w.rows() == 4);
  CHECK(net.layer(0).w.cols() == 3);
  CHECK(net.layer(0).b.data() == base + 12);
  CHECK(net.layer(1).w.data() == base + 16);
  CHECK(net.layer(1).b.data() == base + 24);
  CHECK(net.layer(1).dw.data() == net.gradients().data() + 16);
  // Writing through the flat vector is seen by the layer views.
  net.parameters()[25] = 3.5f;
  CHECK(net.layer(1).b(1) == 3.5f);
}

TEST_CASE("initialize draws Glorot (sigmoid, tanh) or He (relu) uniform weights and zero biases",
          "[network]") {
  const auto hidden = GENERATE(Activation::Sigmoid, Activation::Tanh, Activation::Relu);
  CAPTURE(mlp::to_string(hidden));
  mlp::Network<float> net(arch_of({30, 20, 10}, hidden, OutputLoss::SigmoidBce));
  CHECK(net.parameters().isZero(0));  // zero until initialize()
  mlp::Random rng(3);
  net.initialize(rng);
  for (int k = 0; k < net.layer_count(); ++k) {
    const auto& l = net.layer(k);
    const double in = l.inputs(), out = l.outputs();
    const double limit = hidden == Activation::Relu ? std::sqrt(6 / in) : std::sqrt(6 / (in + out));
    CHECK(l.w.cwiseAbs().maxCoeff() <= limit);
    CHECK(l.w.cwiseAbs().maxCoeff() > 0.8 * limit);  // uses the full range
    CHECK(std::abs(l.w.mean()) < 0.1 * limit);       // centred
    CHECK(l.b.isZero(0));
  }
  mlp::Network<float> again(net.architecture());
  mlp::Random rng2(3);
  again.initialize(rng2);
  CHECK(again.parameters() == net.parameters());
}

TEST_CASE("a copied network owns its parameters", "[network]") {
  mlp::Network<double> net(arch_of({3, 4, 2}, Activation::Tanh, OutputLoss::SoftmaxCe));
  mlp::Random rng(4);
  net.initialize(rng);
  net.reserve(5);
  mlp::Network<double> copy(net);
  REQUIRE(copy.parameters() == net.parameters());
  CHECK(copy.layer(0).w.data() == copy.parameters().data());
  CHECK(copy.layer(1).b.data() != net.layer(1).b.data());
  const Matrix<double> x = mlp_test::random_matrix<double>(3, 5, rng);
  const Matrix<double> before = net.forward(x);
  copy.layer(1).b(0) += 1.0;
  CHECK(Matrix<double>(net.forward(x)) == before);
  CHECK(Matrix<double>(copy.forward(x)) != before);
}

TEST_CASE("a moved network keeps working views", "[network]") {
  mlp::Network<double> net(arch_of({3, 4, 2}, Activation::Sigmoid, OutputLoss::SoftmaxCe));
  mlp::Random rng(4);
  net.initialize(rng);
  const Matrix<double> x = mlp_test::random_matrix<double>(3, 2, rng);
  const Matrix<double> before = net.forward(x);
  mlp::Network<double> moved(std::move(net));
  CHECK(moved.layer(0).w.data() == moved.parameters().data());
  CHECK(Matrix<double>(moved.forward(x)) == before);
}

TEST_CASE("forward grows the workspace on demand and rejects a wrong input size", "[network]") {
  mlp::Network<float> net(arch_of({3, 4, 2}, Activation::Sigmoid, OutputLoss::SoftmaxCe));
  mlp::Random rng(6);
  net.initialize(rng);
  net.reserve(2);
  CHECK(net.capacity() == 2);
  const Matrix<float> x = mlp_test::random_matrix<float>(3, 5, rng);
  const Matrix<float> p = net.forward(x);
  CHECK(net.capacity() >= 5);
  CHECK(p.cols() == 5);
  // Each column equals a forward pass of that sample alone.
  for (int j = 0; j < 5; ++j) {
    const Matrix<float> single = net.forward(x.col(j));
    CHECK(single.isApprox(p.col(j), 1e-6f));
  }
  REQUIRE_THROWS_AS(net.forward(Matrix<float>::Zero(4, 1)), mlp::Error);
  REQUIRE_THROWS_WITH(net.forward(Matrix<float>::Zero(4, 1)), Catch::Contains("expects 3"));
}

TEST_CASE("architecture validation rejects bad sizes with a message", "[network][config]") {
  mlp::Architecture a;
  SECTION("default is the report's 784-20-10") {
    CHECK(a.describe() == "784-20-10");
    CHECK(a.parameter_count() == 784 * 20 + 20 + 20 * 10 + 10);
    CHECK_NOTHROW(a.validate());
  }
  SECTION("fewer than two sizes") {
    a.sizes = {784};
    REQUIRE_THROWS_WITH(a.validate(), Catch::Contains("at least an input and an output"));
  }
  SECTION("zero or negative size") {
    a.sizes = {784, GENERATE(0, -5), 10};
    REQUIRE_THROWS_AS(a.validate(), mlp::ConfigError);
    REQUIRE_THROWS_WITH(a.validate(), Catch::Contains("at least 1"));
    REQUIRE_THROWS_AS(mlp::Network<float>(a), mlp::ConfigError);
    REQUIRE_THROWS_WITH(mlp::Network<float>(a),
                        Catch::Contains("layer 1 has size") && Catch::Contains("at least 1"));
  }
  SECTION("absurd width") {
    a.sizes = {784, 100000, 10};
    REQUIRE_THROWS_WITH(a.validate(), Catch::Contains("maximum width"));
  }
  SECTION("too many parameters") {
    a.sizes = {65536, 65536, 10};
    REQUIRE_THROWS_WITH(a.validate(), Catch::Contains("parameters"));
  }
}

TEST_CASE("parse_sizes accepts dashes, commas and x and rejects junk by name", "[network][config]") {
  CHECK(mlp::parse_sizes("784-20-10") == std::vector<int>{784, 20, 10});
  CHECK(mlp::parse_sizes("784,800,10") == std::vector<int>{784, 800, 10});
  CHECK(mlp::parse_sizes("784x20x10") == std::vector<int>{784, 20, 10});
  for (const char* bad : {"784--10", "", "784-20-", "784-x1-10"}) {  // x separates too
    CAPTURE(bad);
    REQUIRE_THROWS_AS(mlp::parse_sizes(bad), mlp::ConfigError);
    REQUIRE_THROWS_WITH(mlp::parse_sizes(bad), "layer sizes '" + std::string(bad) + "' have an empty entry");
  }
  for (const char* bad : {"a1", "0", "1e3", "99999999999"}) {
    CAPTURE(bad);
    REQUIRE_THROWS_AS(mlp::parse_sizes(std::string("784-") + bad + "-10"), mlp::ConfigError);
    REQUIRE_THROWS_WITH(mlp::parse_sizes(std::string("784-") + bad + "-10"),
                        "layer size '" + std::string(bad) + "' is not a positive integer");
  }
}
