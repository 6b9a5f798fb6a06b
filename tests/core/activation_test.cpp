// Hidden activations: values against the textbook formulas, derivatives
// against finite differences, saturation without NaN, and name parsing.
#include "core/activation.hpp"

#include <catch2/catch.hpp>
#include <cmath>

#include "core/errors.hpp"

using mlp::Activation;
using mlp::Matrix;

namespace {

double reference(Activation kind, double a) {
  switch (kind) {
    case Activation::Sigmoid:
      return 1.0 / (1.0 + std::exp(-a));
    case Activation::Tanh:
      return (std::exp(a) - std::exp(-a)) / (std::exp(a) + std::exp(-a));
    case Activation::Relu:
      return a > 0 ? a : 0.0;
  }
  return NAN;
}

Matrix<double> sample_inputs() {
  Matrix<double> a(2, 4);
  a << -3.0, -0.7, 0.25, 2.5,  //
      -1.5, 0.9, -0.1, 4.0;
  return a;
}

}  // namespace

TEST_CASE("activate matches the textbook formula elementwise", "[activation]") {
  const auto kind = GENERATE(Activation::Sigmoid, Activation::Tanh, Activation::Relu);
  CAPTURE(mlp::to_string(kind));
  const Matrix<double> a = sample_inputs();
  Matrix<double> h = a;
  mlp::activate(kind, h);
  for (Eigen::Index i = 0; i < a.size(); ++i) CHECK(h(i) == Approx(reference(kind, a(i))).epsilon(1e-12));
}

TEST_CASE("activate works on a block of a larger matrix and leaves the rest alone", "[activation]") {
  Matrix<double> m = Matrix<double>::Constant(3, 4, -2.0);
  mlp::activate(Activation::Relu, m.leftCols(2));
  CHECK((m.leftCols(2).array() == 0.0).all());
  CHECK((m.rightCols(2).array() == -2.0).all());
}

TEST_CASE("apply_derivative multiplies by g'(a), expressed through h = g(a)", "[activation]") {
  const auto kind = GENERATE(Activation::Sigmoid, Activation::Tanh, Activation::Relu);
  CAPTURE(mlp::to_string(kind));
  const Matrix<double> a = sample_inputs();  // no entry near relu's kink
  Matrix<double> h = a;
  mlp::activate(kind, h);
  Matrix<double> g(2, 4);
  g << 0.5, -1.0, 2.0, 1.5,  //
      -0.25, 3.0, 1.0, -2.0;
  Matrix<double> out = g;
  mlp::apply_derivative(kind, out, h);
  const double step = 1e-6;
  for (Eigen::Index i = 0; i < a.size(); ++i) {
    const double numeric = (reference(kind, a(i) + step) - reference(kind, a(i) - step)) / (2 * step);
    CHECK(out(i) == Approx(g(i) * numeric).epsilon(1e-7).margin(1e-12));
  }
}

TEST_CASE("relu's derivative is 0 for negative inputs and 1 for positive ones", "[activation]") {
  Matrix<float> a(1, 3);
  a << -2.0f, 0.0f, 3.0f;
  Matrix<float> h = a;
  mlp::activate(Activation::Relu, h);
  Matrix<float> g = Matrix<float>::Constant(1, 3, 5.0f);
  mlp::apply_derivative(Activation::Relu, g, h);
  CHECK(g(0) == 0.0f);
  CHECK(g(1) == 0.0f);  // the subgradient chosen at the kink
  CHECK(g(2) == 5.0f);
}

TEST_CASE("activations saturate without NaN or infinity for huge inputs", "[activation][stability]") {
  const auto kind = GENERATE(Activation::Sigmoid, Activation::Tanh, Activation::Relu);
  CAPTURE(mlp::to_string(kind));
  Matrix<float> h(1, 4);
  h << -1000.0f, -100.0f, 100.0f, 1000.0f;
  mlp::activate(kind, h);
  CHECK(h.allFinite());
  if (kind == Activation::Sigmoid) {
    CHECK(h(0) >= 0.0f);  // Eigen's exp clamps its argument: e^1000 → ~3e38, 1/(1+3e38) ≈ 0
    CHECK(h(0) < 1e-30f);
    CHECK(h(3) == 1.0f);
  } else if (kind == Activation::Tanh) {
    // Eigen's vectorised tanh is a clamped rational approximation.
    CHECK(h(0) == Approx(-1.0f).margin(1e-6));
    CHECK(h(3) == Approx(1.0f).margin(1e-6));
  } else {
    CHECK(h(0) == 0.0f);
    CHECK(h(3) == 1000.0f);
  }
  Matrix<float> g = Matrix<float>::Ones(1, 4);
  mlp::apply_derivative(kind, g, h);
  CHECK(g.allFinite());
}

TEST_CASE("activation names round-trip and unknown names are rejected", "[activation]") {
  for (auto kind : {Activation::Sigmoid, Activation::Tanh, Activation::Relu})
    CHECK(mlp::parse_activation(mlp::to_string(kind)) == kind);
  CHECK(mlp::to_string(Activation::Relu) == "relu");
  REQUIRE_THROWS_AS(mlp::parse_activation("softplus"), mlp::ConfigError);
  REQUIRE_THROWS_WITH(mlp::parse_activation("softplus"), Catch::Contains("unknown activation 'softplus'"));
  REQUIRE_THROWS_AS(mlp::parse_activation(""), mlp::ConfigError);
  REQUIRE_THROWS_WITH(mlp::parse_activation(""), "unknown activation '' (expected sigmoid, tanh or relu)");
}
