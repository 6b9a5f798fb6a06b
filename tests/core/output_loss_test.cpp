// Output + loss pairs: probabilities and losses against the textbook
// formulas for moderate logits, and finite results for logits of ±1000.
#include "core/output_loss.hpp"

#include <catch2/catch.hpp>
#include <cmath>

#include "core/errors.hpp"
#include "test_support.hpp"

using mlp::Matrix;
using mlp::OutputLoss;

namespace {

template <typename T>
Matrix<T> probabilities(OutputLoss kind, const Matrix<T>& z) {
  mlp::OutputScratch<T> scratch;
  scratch.reserve(z.cols());
  Matrix<T> p(z.rows(), z.cols());
  mlp::output_probabilities<T>(kind, z, p, scratch);
  return p;
}

template <typename T>
T loss_sum(OutputLoss kind, const Matrix<T>& z, const Matrix<T>& y) {
  mlp::OutputScratch<T> scratch;
  scratch.reserve(z.cols());
  return mlp::output_loss_sum<T>(kind, z, y, scratch);
}

}  // namespace

TEST_CASE("sigmoid output is 1/(1+e^-z) elementwise", "[output]") {
  Matrix<double> z(3, 2);
  z << -2.0, 0.5, 0.0, 3.0, 1.25, -0.75;
  const Matrix<double> p = probabilities(OutputLoss::SigmoidBce, z);
  for (Eigen::Index i = 0; i < z.size(); ++i) CHECK(p(i) == Approx(1.0 / (1.0 + std::exp(-z(i)))));
}

TEST_CASE("softmax output is e^z / Σ e^z per column, and columns sum to 1", "[output]") {
  mlp::Random rng(11);
  const Matrix<double> z = mlp_test::random_matrix<double>(5, 7, rng, 4.0);
  const Matrix<double> p = probabilities(OutputLoss::SoftmaxCe, z);
  for (Eigen::Index j = 0; j < z.cols(); ++j) {
    double total = 0;
    for (Eigen::Index k = 0; k < z.rows(); ++k) total += std::exp(z(k, j));
    for (Eigen::Index k = 0; k < z.rows(); ++k) CHECK(p(k, j) == Approx(std::exp(z(k, j)) / total));
    CHECK(p.col(j).sum() == Approx(1.0).epsilon(1e-14));
  }
  const Matrix<float> pf = probabilities(OutputLoss::SoftmaxCe, Matrix<float>(z.cast<float>()));
  for (Eigen::Index j = 0; j < z.cols(); ++j) CHECK(pf.col(j).sum() == Approx(1.0f).epsilon(1e-6));
}

TEST_CASE("BCE from logits equals the textbook formula for moderate logits", "[output]") {
  Matrix<double> z(3, 2), y(3, 2);
  z << -2.0, 0.5, 0.0, 3.0, 1.25, -0.75;
  y << 0.0, 1.0, 1.0, 0.0, 0.3, 1.0;  // fractional targets are allowed too
  double expected = 0;
  for (Eigen::Index i = 0; i < z.size(); ++i) {
    const double p = 1.0 / (1.0 + std::exp(-z(i)));
    expected += -y(i) * std::log(p) - (1 - y(i)) * std::log(1 - p);
  }
  CHECK(loss_sum(OutputLoss::SigmoidBce, z, y) == Approx(expected).epsilon(1e-12));
}

TEST_CASE("softmax cross-entropy equals -Σ y ln softmax(z) for moderate logits", "[output]") {
  mlp::Random rng(12);
  const Matrix<double> z = mlp_test::random_matrix<double>(4, 6, rng, 3.0);
  const Matrix<double> y = mlp_test::random_one_hot<double>(4, 6, rng);
  double expected = 0;
  for (Eigen::Index j = 0; j < z.cols(); ++j) {
    double total = 0;
    for (Eigen::Index k = 0; k < z.rows(); ++k) total += std::exp(z(k, j));
    for (Eigen::Index k = 0; k < z.rows(); ++k) expected -= y(k, j) * std::log(std::exp(z(k, j)) / total);
  }
  CHECK(loss_sum(OutputLoss::SoftmaxCe, z, y) == Approx(expected).epsilon(1e-12));
}

TEST_CASE("softmax with logits of ±1000 gives finite probabilities and losses", "[output][stability]") {
  Matrix<float> z(3, 3);
  z << 1000.0f, -1000.0f, 0.0f,  //
      -1000.0f, 1000.0f, 0.0f,   //
      0.0f, 0.0f, 1000.0f;
  const Matrix<float> p = probabilities(OutputLoss::SoftmaxCe, z);
  REQUIRE(p.allFinite());
  CHECK(p(0, 0) == 1.0f);
  CHECK(p(1, 0) == 0.0f);
  CHECK(p(2, 0) == 0.0f);
  CHECK(p(1, 1) == 1.0f);
  CHECK(p(2, 2) == 1.0f);

  // Right answers cost nothing; a wrong one costs the logit gap.
  Matrix<float> right = Matrix<float>::Identity(3, 3);
  CHECK(loss_sum(OutputLoss::SoftmaxCe, z, right) == Approx(0.0f).margin(1e-5));
  Matrix<float> wrong = Matrix<float>::Zero(3, 3);
  wrong(1, 0) = 1;  // true class has logit -1000 against a max of 1000
  wrong(0, 1) = 1;
  wrong(0, 2) = 1;  // logit 0 against 1000
  const float l = loss_sum(OutputLoss::SoftmaxCe, z, wrong);
  REQUIRE(std::isfinite(l));
  CHECK(l == Approx(2000.0f + 2000.0f + 1000.0f).epsilon(1e-5));
}

TEST_CASE("sigmoid BCE with logits of ±1000 gives finite probabilities and losses", "[output][stability]") {
  const auto scalar = GENERATE(0, 1);  // float and double
  Matrix<double> z(2, 2), y(2, 2);
  z << 1000.0, -1000.0, -1000.0, 1000.0;
  y << 1.0, 0.0, 1.0, 0.0;  // (0,0) and (0,1) right, (1,0) and (1,1) wrong by 1000 each
  if (scalar == 0) {
    const Matrix<float> zf = z.cast<float>(), yf = y.cast<float>();
    const Matrix<float> p = probabilities(OutputLoss::SigmoidBce, zf);
    REQUIRE(p.allFinite());
    CHECK(((p.array() >= 0) && (p.array() <= 1)).all());
    const float l = loss_sum(OutputLoss::SigmoidBce, zf, yf);
    REQUIRE(std::isfinite(l));
    CHECK(l == Approx(2000.0f).epsilon(1e-6));
  } else {
    const Matrix<double> p = probabilities(OutputLoss::SigmoidBce, z);
    REQUIRE(p.allFinite());
    CHECK(loss_sum(OutputLoss::SigmoidBce, z, y) == Approx(2000.0).epsilon(1e-12));
  }
}

TEST_CASE("the batch loss keeps its precision when logits are large", "[output][stability]") {
  // Column j: logits c_j + (0, -1, -2) with c_j up to 6.4e6, true class 0.
  // Each sample's loss is ln(1 + e^-1 + e^-2) whatever c_j is; summing the
  // c_j over the batch before cancelling them would lose it in float.
  constexpr int kBatch = 64;
  Matrix<float> z(3, kBatch), y = Matrix<float>::Zero(3, kBatch);
  for (int j = 0; j < kBatch; ++j) {
    const float c = 1e5f * static_cast<float>(j + 1);
    z(0, j) = c;
    z(1, j) = c - 1;
    z(2, j) = c - 2;
    y(0, j) = 1;
  }
  const double per_sample = std::log(1 + std::exp(-1.0) + std::exp(-2.0));
  CHECK(loss_sum(OutputLoss::SoftmaxCe, z, y) == Approx(kBatch * per_sample).epsilon(1e-5));

  // Logits near float's limit: every sample's loss is ln 3, the sum finite.
  Matrix<float> big = Matrix<float>::Constant(3, kBatch, 3e37f);
  Matrix<float> yb = Matrix<float>::Zero(3, kBatch);
  yb.row(1).setOnes();
  const float l = loss_sum(OutputLoss::SoftmaxCe, big, yb);
  REQUIRE(std::isfinite(l));
  CHECK(l == Approx(kBatch * std::log(3.0)).epsilon(1e-5));
}

TEST_CASE("loss sums over the batch", "[output]") {
  const auto kind = GENERATE(OutputLoss::SigmoidBce, OutputLoss::SoftmaxCe);
  mlp::Random rng(13);
  const Matrix<double> z = mlp_test::random_matrix<double>(3, 4, rng, 2.0);
  const Matrix<double> y = mlp_test::random_one_hot<double>(3, 4, rng);
  double per_column = 0;
  for (Eigen::Index j = 0; j < z.cols(); ++j)
    per_column += loss_sum(kind, Matrix<double>(z.col(j)), Matrix<double>(y.col(j)));
  CHECK(loss_sum(kind, z, y) == Approx(per_column).epsilon(1e-13));
}

TEST_CASE("output-loss names round-trip and unknown names are rejected", "[output]") {
  for (auto kind : {OutputLoss::SigmoidBce, OutputLoss::SoftmaxCe})
    CHECK(mlp::parse_output_loss(mlp::to_string(kind)) == kind);
  CHECK(mlp::to_string(OutputLoss::SigmoidBce) == "sigmoid-bce");
  CHECK(mlp::to_string(OutputLoss::SoftmaxCe) == "softmax-ce");
  REQUIRE_THROWS_AS(mlp::parse_output_loss("mse"), mlp::ConfigError);
  REQUIRE_THROWS_WITH(mlp::parse_output_loss("mse"), Catch::Contains("unknown loss 'mse'"));
}
