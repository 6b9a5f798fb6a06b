// The backward pass as data (core/backprop_trace.hpp): the trace's numbers
// are the training step's for a batch of one, its own gradient check passes
// at 1e-6 in double, the report's derivation holds unit by unit, and the
// step it predicts is the step a trainer takes on that image alone.
#include "core/backprop_trace.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "core/errors.hpp"
#include "core/trainer.hpp"
#include "test_support.hpp"

using mlp::Activation;
using mlp::Matrix;
using mlp::OptimizerKind;
using mlp::OutputLoss;
using mlp::Vector;

namespace {

// A config of `depth` hidden layers (widths 9, 7, 6) between 12 inputs and 4 outputs.
mlp::TrainConfig trace_config(Activation hidden, OutputLoss output, int depth, double l2) {
  mlp::TrainConfig c;
  c.architecture.sizes = {12};
  for (int d = 0; d < depth; ++d) c.architecture.sizes.push_back(9 - (d == 0 ? 0 : d + 1));
  c.architecture.sizes.push_back(4);
  c.architecture.hidden = hidden;
  c.architecture.output = output;
  c.l2 = l2;
  c.batch_size = 1;
  return c;
}

// A trainer whose weights and biases are all non-zero, drawn from `seed`.
mlp::TrainerState random_state(const mlp::TrainConfig& config, std::uint64_t seed) {
  mlp::TrainerState s;
  s.config = config;
  mlp::Random rng(seed);
  s.parameters.resize(static_cast<Eigen::Index>(config.architecture.parameter_count()));
  for (Eigen::Index i = 0; i < s.parameters.size(); ++i)
    s.parameters[i] = static_cast<float>(rng.symmetric(0.8));
  return s;
}

Vector<float> random_image(int n, mlp::Random& rng) {
  Vector<float> x(n);
  for (int i = 0; i < n; ++i) x[i] = static_cast<float>(rng.below(256)) / 255.0f;
  return x;
}

double relative_difference(const Vector<double>& a, const Vector<double>& b) {
  return (a - b).norm() / std::max(a.norm() + b.norm(), 1e-300);
}

// The trace's ∇W and ∇b, laid out as the network's flat gradient vector.
Vector<double> flat_gradients(const mlp::BackpropTrace& t, const mlp::Architecture& arch) {
  Vector<double> g(static_cast<Eigen::Index>(arch.parameter_count()));
  Eigen::Index offset = 0;
  for (int k = 0; k < arch.layer_count(); ++k) {
    const auto& b = t.backward[static_cast<std::size_t>(arch.layer_count() - 1 - k)];  // K..1
    REQUIRE(b.layer == k + 1);
    const Eigen::Index w = b.grad_w.size();
    g.segment(offset, w) = Eigen::Map<const Vector<double>>(b.grad_w.data(), w);  // column-major, as W is
    g.segment(offset + w, b.grad_b.size()) = b.grad_b;
    offset += w + b.grad_b.size();
  }
  return g;
}

}  // namespace

TEST_CASE("the trace's gradients are the training step's for a batch of one", "[trace][gradient]") {
  const auto hidden = GENERATE(Activation::Sigmoid, Activation::Tanh, Activation::Relu);
  const auto output = GENERATE(OutputLoss::SigmoidBce, OutputLoss::SoftmaxCe);
  const int depth = GENERATE(1, 2, 3);
  const double l2 = GENERATE(0.0, 0.05);
  const auto scaling = GENERATE(mlp::GradientScale::Mean, mlp::GradientScale::Half);
  CAPTURE(mlp::to_string(hidden), mlp::to_string(output), depth, l2, mlp::to_string(scaling));
  mlp::TrainConfig config = trace_config(hidden, output, depth, l2);
  config.gradient = scaling;
  const mlp::TrainerState state = random_state(config, 40 + depth);
  const mlp::Trainer trainer(state, nullptr);
  mlp::Random rng(7 + depth);
  const Vector<float> x = random_image(12, rng);
  const int label = static_cast<int>(rng.below(4));

  const mlp::BackpropTrace t = trainer.trace_backprop(x, label);
  const int layers = config.architecture.layer_count();
  REQUIRE(static_cast<int>(t.forward.size()) == layers);
  REQUIRE(static_cast<int>(t.backward.size()) == layers);
  const double f = mlp::gradient_factor(scaling, 1);
  const double lambda = static_cast<float>(l2);
  CHECK(t.factor == f);
  CHECK(t.l2 == lambda);

  // The training step's code in double, on the same weights, for this image alone.
  mlp::Network<double> net(config.architecture);
  net.parameters() = state.parameters.cast<double>();
  const Matrix<double> xd = x.cast<double>();
  Matrix<double> y = Matrix<double>::Zero(4, 1);
  y(label, 0) = 1;
  const double loss = net.step_tiles(xd, y, f, lambda, nullptr);
  CHECK(t.loss == Approx(loss).epsilon(1e-12));
  CHECK(relative_difference(flat_gradients(t, config.architecture), net.gradients()) < 1e-12);
  net.forward(xd);
  for (int k = 0; k + 1 < layers; ++k) {
    const Vector<double> h = net.activations(k).col(0);
    CHECK(relative_difference(t.forward[static_cast<std::size_t>(k)].h, h) < 1e-12);
  }
  const Vector<double> z = net.activations(layers - 1).col(0), p = net.forward(xd).col(0);
  CHECK(relative_difference(t.forward.back().a, z) < 1e-12);
  CHECK(relative_difference(t.forward.back().h, p) < 1e-12);

  // And in float, as the trainer really trains: the same to float precision.
  mlp::Network<float> fnet(config.architecture);
  fnet.parameters() = state.parameters;
  const Matrix<float> yf = y.cast<float>();
  fnet.step_tiles(x, yf, static_cast<float>(f), static_cast<float>(l2), nullptr);
  CHECK(relative_difference(flat_gradients(t, config.architecture), fnet.gradients().cast<double>()) < 1e-5);

  // Fig. 1 line by line: G at the output is ŷ − y; each layer's G_a is the
  // next layer's G_h_prev ⊙ g'(a); ∇b = f G_a; ∇W = f G_a hᵀ + λW; G_h_prev = Wᵀ G_a.
  CHECK(relative_difference(t.backward.front().g_a, t.forward.back().h - y.col(0)) < 1e-15);
  for (std::size_t i = 0; i < t.backward.size(); ++i) {
    const auto& b = t.backward[i];
    const int k = b.layer - 1;
    const auto& layer = trainer.network().layer(k);
    const Vector<double> h_prev = k > 0 ? t.forward[static_cast<std::size_t>(k) - 1].h : xd.col(0);
    CHECK(b.grad_b == f * b.g_a);
    const Matrix<double> expected_w = f * b.g_a * h_prev.transpose() + lambda * layer.w.cast<double>();
    CHECK((b.grad_w - expected_w).norm() <= 1e-14 * (expected_w.norm() + 1));
    const Vector<double> expected_h = layer.w.cast<double>().transpose() * b.g_a;
    CHECK(relative_difference(b.g_h_prev, expected_h) < 1e-14);
    if (i + 1 < t.backward.size()) {
      const Vector<double>& a = t.forward[static_cast<std::size_t>(k) - 1].a;
      Vector<double> g = b.g_h_prev;
      for (Eigen::Index j = 0; j < g.size(); ++j) {
        const double d = hidden == Activation::Sigmoid
                             ? 1 / (1 + std::exp(-a[j])) * (1 - 1 / (1 + std::exp(-a[j])))
                         : hidden == Activation::Tanh ? 1 - std::tanh(a[j]) * std::tanh(a[j])
                                                      : (a[j] > 0 ? 1.0 : 0.0);
        g[j] *= d;
      }
      CHECK(relative_difference(t.backward[i + 1].g_a, g) < 1e-12);
    }
  }
}

TEST_CASE("the trace's gradient check passes at 1e-6 in double for every activation, loss and depth",
          "[trace][gradient]") {
  const auto hidden = GENERATE(Activation::Sigmoid, Activation::Tanh, Activation::Relu);
  const auto output = GENERATE(OutputLoss::SigmoidBce, OutputLoss::SoftmaxCe);
  const int depth = GENERATE(1, 2, 3);
  const double l2 = GENERATE(0.0, 0.05);
  CAPTURE(mlp::to_string(hidden), mlp::to_string(output), depth, l2);
  const mlp::TrainConfig config = trace_config(hidden, output, depth, l2);
  const mlp::Trainer trainer(random_state(config, 90 + depth), nullptr);
  mlp::Random rng(3 + depth);
  const Vector<float> x = random_image(12, rng);
  const mlp::BackpropTrace t = trainer.trace_backprop(x, static_cast<int>(rng.below(4)));

  REQUIRE(t.gradient_check.size() == t.backward.size());
  for (std::size_t i = 0; i < t.gradient_check.size(); ++i) {
    const auto& c = t.gradient_check[i];
    const auto& b = t.backward[i];
    CAPTURE(c.layer, c.checked, c.kinks, c.relative_error, c.max_relative_error);
    CHECK(c.layer == b.layer);
    const Eigen::Index size = b.grad_w.size() + b.grad_b.size();
    CHECK(c.checked + c.kinks == std::min<Eigen::Index>(20, size));
    CHECK(c.checked >= 15);
    CHECK(c.relative_error < 1e-6);
    CHECK(c.max_relative_error < 1e-6);
    // The ten largest |∇| of the layer are among those checked.
    std::vector<double> all(b.grad_w.data(), b.grad_w.data() + b.grad_w.size());
    all.insert(all.end(), b.grad_b.data(), b.grad_b.data() + b.grad_b.size());
    for (auto& v : all) v = std::abs(v);
    std::sort(all.rbegin(), all.rend());
    std::vector<double> picked;
    for (const auto& p : c.parameters) picked.push_back(std::abs(p.backprop));
    std::sort(picked.rbegin(), picked.rend());
    for (std::size_t j = 0; j < 10; ++j) CHECK(picked[j] == all[j]);
    // Each checked value is the trace's own gradient at that place.
    for (const auto& p : c.parameters)
      CHECK(p.backprop == (p.column < 0 ? b.grad_b[p.row] : b.grad_w(p.row, p.column)));
  }
  CHECK(t.output_check.relative_error < 1e-6);
  CHECK(t.output_check.max_relative_error < 1e-6);
  CHECK(t.output_check.delta == t.backward.front().g_a);
}

TEST_CASE("the trace's derivation columns are the report's Section II, unit by unit", "[trace]") {
  const auto output = GENERATE(OutputLoss::SigmoidBce, OutputLoss::SoftmaxCe);
  CAPTURE(mlp::to_string(output));
  const mlp::TrainConfig config = trace_config(Activation::Sigmoid, output, 1, 0);
  const mlp::Trainer trainer(random_state(config, 77), nullptr);
  mlp::Random rng(21);
  const mlp::BackpropTrace t = trainer.trace_backprop(random_image(12, rng), 2);
  const mlp::Derivation& d = t.derivation;
  CHECK(d.loss == output);
  REQUIRE(d.y.size() == 4);
  CHECK(d.y == Vector<double>::Unit(4, 2));
  CHECK(d.y_hat == t.forward.back().h);
  CHECK(d.delta == d.y_hat - d.y);
  for (Eigen::Index j = 0; j < 4; ++j) {
    const double y = d.y[j], p = d.y_hat[j];
    CAPTURE(j, y, p);
    if (output == OutputLoss::SigmoidBce) {
      CHECK(d.dl_dy_hat[j] == Approx(-y / p + (1 - y) / (1 - p)).epsilon(1e-12));
      CHECK(d.sigma_prime[j] == Approx(p * (1 - p)).epsilon(1e-12));
      CHECK(d.product[j] == Approx(d.dl_dy_hat[j] * d.sigma_prime[j]).epsilon(1e-15));
    } else {
      CHECK(d.sigma_prime.size() == 0);
      CHECK(d.dl_dy_hat[j] == (y != 0 ? Approx(-y / p).epsilon(1e-15) : Approx(0.0)));
    }
    // The identity: the chain rule's product is ŷ − y.
    CHECK(d.product[j] == Approx(p - y).epsilon(1e-12).margin(1e-15));
  }
  if (output == OutputLoss::SoftmaxCe) CHECK(d.y_hat.sum() == Approx(1.0).epsilon(1e-15));
}

TEST_CASE("the trace's step is the step a trainer takes on that image alone", "[trace]") {
  const auto kind = GENERATE(OptimizerKind::Sgd, OptimizerKind::Momentum, OptimizerKind::Adam);
  const double l2 = GENERATE(0.0, 0.01);
  CAPTURE(mlp::to_string(kind), l2);
  // A trainer that has trained a little (so momentum and Adam have state).
  mlp::TrainConfig config = trace_config(Activation::Relu, OutputLoss::SoftmaxCe, 2, l2);
  config.architecture.sizes.front() = 16;
  config.optimizer.kind = kind;
  config.optimizer.learning_rate = kind == OptimizerKind::Adam ? 0.01 : 0.1;
  config.batch_size = 8;
  config.gradient = mlp::GradientScale::Sum;
  mlp::Trainer trained(config, mlp_test::share(mlp_test::make_quadrants(40, 4)));
  trained.train_batches(3);
  const mlp::TrainerState before = trained.state();

  // One image as a dataset of one: a trainer from the same state takes one step on it.
  const auto one = mlp_test::share(mlp_test::make_quadrants(1, 4, 99));
  Matrix<float> x(16, 1), y(4, 1);
  const std::int32_t first = 0;
  mlp::gather_batch(*one, &first, x, y);
  const int label = one->labels[0];
  const mlp::BackpropTrace t = trained.trace_backprop(x.col(0), label, {20, 5});

  // The trace left the trainer as it was.
  const mlp::TrainerState after = trained.state();
  CHECK(after.parameters == before.parameters);
  REQUIRE(after.optimizer_state.size() == before.optimizer_state.size());
  for (std::size_t i = 0; i < after.optimizer_state.size(); ++i)
    CHECK(after.optimizer_state[i].second == before.optimizer_state[i].second);
  CHECK(after.optimizer_steps == before.optimizer_steps);
  CHECK(after.progress.rng_state == before.progress.rng_state);

  mlp::TrainerState alone_state = before;
  alone_state.config.batch_size = 1;
  alone_state.progress = {};
  mlp::Trainer alone(alone_state, one);
  const auto r = alone.train_batches(1);
  REQUIRE(r.samples == 1);
  CHECK(t.step.loss_before == (*r.records)[0].loss);
  CHECK(t.step.loss_after == alone.evaluate(*one).loss);
  CHECK(t.step.loss_after != t.step.loss_before);
  CHECK(t.step.learning_rate == config.optimizer.learning_rate);
  CHECK(t.step.factor == 1);
  CHECK(t.step.optimizer == kind);
  // Σ_u |ΔW⁽¹⁾[u, i]| per pixel, from the trainer's own weights before and after.
  const auto w0 = trained.network().layer(0).w, w1 = alone.network().layer(0).w;
  const Vector<double> moved = (w1 - w0).cwiseAbs().colwise().sum().transpose().cast<double>();
  CHECK(t.step.pixel_change == moved);
  REQUIRE(t.step.top_pixels.size() == 5);
  for (std::size_t i = 0; i < 5; ++i) {
    CHECK(t.step.top_pixels[i].second == moved[t.step.top_pixels[i].first]);
    if (i > 0) CHECK(t.step.top_pixels[i].second <= t.step.top_pixels[i - 1].second);
  }
  CHECK(t.step.top_pixels[0].second == moved.maxCoeff());
}

TEST_CASE("a trace refuses an image of the wrong size, a value that is not finite and a label out of range",
          "[trace]") {
  const mlp::TrainConfig config = trace_config(Activation::Sigmoid, OutputLoss::SigmoidBce, 1, 0);
  const mlp::Trainer trainer(random_state(config, 1), nullptr);
  Vector<float> x = Vector<float>::Constant(12, 0.5f);
  REQUIRE_THROWS_AS(trainer.trace_backprop(x.head(11), 0), mlp::Error);
  REQUIRE_THROWS_WITH(trainer.trace_backprop(x.head(11), 0),
                      "the image has 11 values, the network expects 12");
  REQUIRE_THROWS_WITH(trainer.trace_backprop(x, 4),
                      "label 4 is out of range: the network has 4 outputs (0..3)");
  REQUIRE_THROWS_WITH(trainer.trace_backprop(x, -1), Catch::Contains("label -1 is out of range"));
  x[3] = std::numeric_limits<float>::infinity();
  REQUIRE_THROWS_WITH(trainer.trace_backprop(x, 0), "the image's value 3 is not a finite number");
}
