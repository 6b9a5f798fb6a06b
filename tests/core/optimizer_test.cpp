// Optimisers on f(θ) = ½ θᵀAθ with diagonal A (∇f = Aθ): the first steps
// against the update formulas written out here independently, convergence
// towards 0, and validation of the hyperparameters.
#include "core/optimizer.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "core/errors.hpp"

using mlp::OptimizerConfig;
using mlp::OptimizerKind;
using mlp::Vector;

namespace {

const Vector<double>& curvature() {
  static const Vector<double> a = (Vector<double>(4) << 1.0, 0.5, 2.0, 0.1).finished();
  return a;
}
Vector<double> start() {
  return (Vector<double>(4) << 1.0, -2.0, 0.5, 3.0).finished();
}
Vector<double> gradient(const Vector<double>& theta) {
  return curvature().cwiseProduct(theta);
}

OptimizerConfig config_for(OptimizerKind kind) {
  OptimizerConfig c;
  c.kind = kind;
  c.learning_rate = kind == OptimizerKind::Adam ? 0.05 : 0.1;
  c.momentum = 0.8;
  c.beta1 = 0.9;
  c.beta2 = 0.99;
  c.epsilon = 1e-8;
  return c;
}

// The textbook updates, one scalar component at a time.
struct Reference {
  OptimizerConfig c;
  Vector<double> theta, v, m, s;
  int t = 0;
  explicit Reference(const OptimizerConfig& config) : c(config), theta(start()) {
    v = m = s = Vector<double>::Zero(theta.size());
  }
  void step() {
    ++t;
    const Vector<double> g = gradient(theta);
    for (Eigen::Index i = 0; i < theta.size(); ++i) {
      switch (c.kind) {
        case OptimizerKind::Sgd:
          theta[i] -= c.learning_rate * g[i];
          break;
        case OptimizerKind::Momentum:
          v[i] = c.momentum * v[i] + g[i];
          theta[i] -= c.learning_rate * v[i];
          break;
        case OptimizerKind::Nesterov:  // PyTorch's form: look ahead along the new velocity
          v[i] = c.momentum * v[i] + g[i];
          theta[i] -= c.learning_rate * (g[i] + c.momentum * v[i]);
          break;
        case OptimizerKind::Adam: {
          m[i] = c.beta1 * m[i] + (1 - c.beta1) * g[i];
          s[i] = c.beta2 * s[i] + (1 - c.beta2) * g[i] * g[i];
          const double m_hat = m[i] / (1 - std::pow(c.beta1, t));
          const double s_hat = s[i] / (1 - std::pow(c.beta2, t));
          theta[i] -= c.learning_rate * m_hat / (std::sqrt(s_hat) + c.epsilon);
          break;
        }
      }
    }
  }
};

}  // namespace

TEST_CASE("each optimiser's first steps follow its update formula", "[optimizer]") {
  const auto kind =
      GENERATE(OptimizerKind::Sgd, OptimizerKind::Momentum, OptimizerKind::Nesterov, OptimizerKind::Adam);
  CAPTURE(mlp::to_string(kind));
  const OptimizerConfig c = config_for(kind);
  auto opt = mlp::make_optimizer<double>(c, 4);
  Reference ref(c);
  Vector<double> theta = start();
  for (int t = 1; t <= 6; ++t) {
    opt->step(theta, gradient(theta));
    ref.step();
    CAPTURE(t);
    CHECK(opt->steps() == t);
    for (Eigen::Index i = 0; i < 4; ++i) CHECK(theta[i] == Approx(ref.theta[i]).epsilon(1e-12));
  }
  // The steps really moved θ (a no-op optimiser would fail above only if the
  // reference also stood still).
  CHECK((theta - start()).norm() > 0.1);
}

TEST_CASE("each optimiser converges towards the minimum of a quadratic", "[optimizer]") {
  const auto kind =
      GENERATE(OptimizerKind::Sgd, OptimizerKind::Momentum, OptimizerKind::Nesterov, OptimizerKind::Adam);
  CAPTURE(mlp::to_string(kind));
  OptimizerConfig c = config_for(kind);
  auto opt = mlp::make_optimizer<double>(c, 4);
  Vector<double> theta = start();
  for (int t = 0; t < 3000; ++t) opt->step(theta, gradient(theta));
  CAPTURE(theta.transpose());
  CHECK(theta.allFinite());
  CHECK(theta.norm() < 1e-3 * start().norm());
}

TEST_CASE("optimiser state vectors are named and start at zero", "[optimizer]") {
  auto sgd = mlp::make_optimizer<float>(config_for(OptimizerKind::Sgd), 3);
  CHECK(sgd->state().empty());
  auto momentum = mlp::make_optimizer<float>(config_for(OptimizerKind::Nesterov), 3);
  auto ms = momentum->state();
  REQUIRE(ms.size() == 1);
  CHECK(ms[0].first == "velocity");
  CHECK(ms[0].second->size() == 3);
  CHECK(ms[0].second->isZero(0));
  auto adam = mlp::make_optimizer<float>(config_for(OptimizerKind::Adam), 3);
  auto as = adam->state();
  REQUIRE(as.size() == 2);
  CHECK(as[0].first == "m");
  CHECK(as[1].first == "v");

  // Restoring state and step count reproduces the continuation exactly.
  Vector<float> theta = start().head(3).cast<float>(), g(3);
  g << 0.5f, -1.0f, 2.0f;
  adam->step(theta, g);
  adam->step(theta, g);
  auto resumed = mlp::make_optimizer<float>(config_for(OptimizerKind::Adam), 3);
  auto rs = resumed->state();
  *rs[0].second = *as[0].second;
  *rs[1].second = *as[1].second;
  resumed->set_steps(adam->steps());
  Vector<float> a = theta, b = theta;
  adam->step(a, g);
  resumed->step(b, g);
  CHECK(a == b);
}

TEST_CASE("set_learning_rate changes the step and validates", "[optimizer][config]") {
  auto opt = mlp::make_optimizer<double>(config_for(OptimizerKind::Sgd), 4);
  opt->set_learning_rate(0.5);
  CHECK(opt->config().learning_rate == 0.5);
  Vector<double> theta = start();
  const Vector<double> g = gradient(theta);
  opt->step(theta, g);
  CHECK(theta.isApprox(start() - 0.5 * g, 1e-15));

  const double bad = GENERATE(0.0, -0.1, std::numeric_limits<double>::quiet_NaN(),
                              std::numeric_limits<double>::infinity(), 1e6);
  CAPTURE(bad);
  REQUIRE_THROWS_AS(opt->set_learning_rate(bad), mlp::ConfigError);
  REQUIRE_THROWS_WITH(opt->set_learning_rate(bad), Catch::Contains("learning rate"));
  CHECK(opt->config().learning_rate == 0.5);  // unchanged after a rejected value
}

TEST_CASE("invalid optimiser configurations are rejected with a specific message", "[optimizer][config]") {
  OptimizerConfig c;
  c.kind = OptimizerKind::Adam;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  SECTION("valid default") {
    CHECK_NOTHROW(c.validate());
  }
  SECTION("learning rate 0") {
    c.learning_rate = 0;
    REQUIRE_THROWS_WITH(c.validate(), Catch::Contains("learning rate"));
  }
  SECTION("negative learning rate") {
    c.learning_rate = -1e-3;
    REQUIRE_THROWS_WITH(c.validate(), Catch::Contains("learning rate"));
  }
  SECTION("NaN learning rate") {
    c.learning_rate = nan;
    REQUIRE_THROWS_WITH(c.validate(), Catch::Contains("learning rate") && Catch::Contains("NaN"));
  }
  SECTION("momentum 1") {
    c.momentum = 1.0;
    REQUIRE_THROWS_WITH(c.validate(), Catch::Contains("momentum"));
  }
  SECTION("negative momentum") {
    c.momentum = -0.5;
    REQUIRE_THROWS_WITH(c.validate(), Catch::Contains("momentum"));
  }
  SECTION("beta1 1") {
    c.beta1 = 1.0;
    REQUIRE_THROWS_WITH(c.validate(), Catch::Contains("beta1"));
  }
  SECTION("beta2 NaN") {
    c.beta2 = nan;
    REQUIRE_THROWS_WITH(c.validate(), Catch::Contains("beta2"));
  }
  SECTION("epsilon 0") {
    c.epsilon = 0;
    REQUIRE_THROWS_WITH(c.validate(), Catch::Contains("epsilon"));
  }
  SECTION("make_optimizer validates too") {
    c.momentum = 2.0;
    REQUIRE_THROWS_AS(mlp::make_optimizer<float>(c, 3), mlp::ConfigError);
    REQUIRE_THROWS_WITH(mlp::make_optimizer<float>(c, 3),
                        Catch::Contains("momentum") && Catch::Contains("got 2"));
  }
}

TEST_CASE("optimiser names round-trip and unknown names are rejected", "[optimizer]") {
  for (auto k : {OptimizerKind::Sgd, OptimizerKind::Momentum, OptimizerKind::Nesterov, OptimizerKind::Adam})
    CHECK(mlp::parse_optimizer(mlp::to_string(k)) == k);
  REQUIRE_THROWS_AS(mlp::parse_optimizer("rmsprop"), mlp::ConfigError);
  REQUIRE_THROWS_WITH(mlp::parse_optimizer("rmsprop"), Catch::Contains("unknown optimizer 'rmsprop'"));
}
