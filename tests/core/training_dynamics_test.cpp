// How each layer learns, over time (core/training_dynamics.hpp): recording
// is off by default, changes nothing in training, allocates nothing while
// training, records what the step did (checked against the step recomputed in
// double and the trainer's own weights before and after), keeps the last
// records when its buffer is full and forgets those a divergence undid; and
// the loss a network starts at (or a little above).
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>

#include "core/errors.hpp"
#include "core/inspection.hpp"
#include "core/trainer.hpp"
#include "test_support.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define MLP_COUNT_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MLP_COUNT_MALLOC 1
#endif
#endif
#ifdef MLP_COUNT_MALLOC
#include <atomic>
extern "C" int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void*,
                                                                             std::size_t),
                                                         void (*free_hook)(const volatile void*));
#endif

using mlp::Activation;
using mlp::Matrix;
using mlp::OptimizerKind;
using mlp::OutputLoss;
using mlp::Vector;

namespace {

#ifdef MLP_COUNT_MALLOC
std::atomic<long long> g_mallocs{0};
std::atomic<bool> g_counting{false};
void count_malloc(const volatile void*, std::size_t) {
  if (g_counting) ++g_mallocs;
}
void ignore_free(const volatile void*) {}
#endif

// Heap allocations (any, by any thread) while f runs; -1 without AddressSanitizer.
template <typename F>
long long allocations(F&& f) {
#ifdef MLP_COUNT_MALLOC
  static const bool installed = (__sanitizer_install_malloc_and_free_hooks(count_malloc, ignore_free), true);
  (void)installed;
  g_mallocs = 0;
  g_counting = true;
  f();
  g_counting = false;
  return g_mallocs;
#else
  f();
  return -1;
#endif
}

// Several weight tiles per layer (70 inputs: 64 + 6 columns; 64 × 20 = 1280
// weights in a tile, more than one piece of 1024; the second layer's tile,
// parameters 1420..2680, starts off a packet boundary and crosses the piece
// boundary at 2048) and sample tiles (batch 40).
mlp::TrainConfig dynamics_config(OptimizerKind kind, Activation hidden, OutputLoss output) {
  mlp::TrainConfig c;
  c.architecture.sizes = {70, 20, 60, 4};
  c.architecture.hidden = hidden;
  c.architecture.output = output;
  c.optimizer.kind = kind;
  c.optimizer.learning_rate = kind == OptimizerKind::Adam ? 0.01 : 0.2;
  c.batch_size = 40;
  c.l2 = 1e-3;
  c.seed = 9;
  return c;
}

}  // namespace

TEST_CASE("dynamics are off by default and refuse bad settings", "[dynamics]") {
  mlp::Trainer t(mlp_test::small_config(), mlp_test::share(mlp_test::make_quadrants(32)));
  CHECK(t.dynamics_every() == 0);
  t.train_batches(4);
  const mlp::DynamicsSeries s = t.take_dynamics();
  CHECK(s.steps.empty());
  CHECK(s.dropped == 0);
  REQUIRE_THROWS_AS(t.set_dynamics(-1), mlp::ConfigError);
  REQUIRE_THROWS_WITH(t.set_dynamics(-1),
                      "the dynamics interval must be between 0 (off) and 1000000 batches, got -1");
  REQUIRE_THROWS_WITH(t.set_dynamics(8, 0),
                      "the dynamics buffer must hold between 1 and 1000000 records, got 0");
  CHECK(t.dynamics_every() == 0);
}

TEST_CASE("recording dynamics leaves training bit for bit as it was", "[dynamics][determinism]") {
  const auto kind = GENERATE(OptimizerKind::Sgd, OptimizerKind::Nesterov, OptimizerKind::Adam);
  const int threads = GENERATE(0, 2);
  const bool slices = GENERATE(false, true);
  CAPTURE(mlp::to_string(kind), threads, slices);
  mlp::TrainConfig c = dynamics_config(kind, Activation::Sigmoid, OutputLoss::SigmoidBce);
  if (slices) {  // pieces of the workspace summed before one step
    c.batching = mlp::Batching::Slices;
    c.batch_size = 16;
    c.gradient = mlp::GradientScale::Half;
  }
  const auto data = mlp_test::share(mlp_test::make_noise(150, 70, 4, 12));
  mlp::Trainer plain(c, data), watched(c, data);
  watched.set_dynamics(1);
  std::unique_ptr<mlp::ThreadPool> pool;
  if (threads) {
    pool = std::make_unique<mlp::ThreadPool>(threads);
    plain.set_thread_pool(pool.get());
    watched.set_thread_pool(pool.get());
  }
  int batches = 0;
  for (int chunk = 0; chunk < 3; ++chunk) {
    const auto a = plain.train_batches(3), b = watched.train_batches(3);
    REQUIRE(a.batches == b.batches);
    CHECK(a.loss == b.loss);
    batches += a.batches;
  }
  Eigen::Index differing = 0;
  for (Eigen::Index i = 0; i < plain.network().parameters().size(); ++i)
    differing += plain.network().parameters()[i] != watched.network().parameters()[i];
  CHECK(differing == 0);
  const mlp::DynamicsSeries s = watched.take_dynamics();
  // Every batch, the empty slices too (batch size 0, no loss, nothing moved).
  CHECK(static_cast<int>(s.steps.size()) == batches);
  REQUIRE(s.batch_size.size() == s.steps.size());
  for (std::size_t i = 0; i < s.steps.size(); ++i) {
    CAPTURE(i, s.batch_size[i]);
    if (s.batch_size[i] == 0) {
      CHECK(slices);
      CHECK(std::isnan(s.loss[i]));
      CHECK(s.step_norm[i] == 0);
      CHECK(std::isnan(s.layers[0].activation_mean[i]));
    } else {
      CHECK(std::isfinite(s.loss[i]));
      CHECK(s.grad_norm[i] > 0);
      CHECK(s.step_norm[i] > 0);
    }
  }
}

TEST_CASE("an empty slice is recorded: batch size 0, loss NaN, no gradient, no step", "[dynamics]") {
  mlp::TrainConfig c = mlp_test::small_config();
  c.batching = mlp::Batching::Slices;
  c.gradient = mlp::GradientScale::Half;
  mlp::Trainer t(c, mlp_test::share(mlp_test::make_quadrants(24)));
  t.set_dynamics(1);
  long long empty = 0, trained = 0;
  for (int i = 0; i < 60 && (empty == 0 || trained == 0); ++i) {
    const auto r = t.train_batches(1);
    (r.samples == 0 ? empty : trained) += 1;
  }
  REQUIRE(empty > 0);  // slices between two random indices: often empty on 3 batches of 8
  const mlp::DynamicsSeries s = t.take_dynamics();
  REQUIRE(static_cast<long long>(s.steps.size()) == empty + trained);
  long long zero = 0;
  for (std::size_t i = 0; i < s.steps.size(); ++i)
    if (s.batch_size[i] == 0) {
      ++zero;
      CHECK(std::isnan(s.loss[i]));
      CHECK(s.grad_norm[i] == 0);
      CHECK(s.step_norm[i] == 0);
      CHECK(s.layers[1].update_ratio[i] == 0);
      CHECK(std::isnan(s.layers[1].saturated[i]));
    }
  CHECK(zero == empty);
}

TEST_CASE("a record is what the step did, recomputed independently", "[dynamics]") {
  const auto hidden = GENERATE(Activation::Sigmoid, Activation::Tanh, Activation::Relu);
  const auto output = GENERATE(OutputLoss::SigmoidBce, OutputLoss::SoftmaxCe);
  const auto kind = GENERATE(OptimizerKind::Sgd, OptimizerKind::Adam);
  CAPTURE(mlp::to_string(hidden), mlp::to_string(output), mlp::to_string(kind));
  mlp::TrainConfig c = dynamics_config(kind, hidden, output);
  c.batch_size = 45;  // the whole set in one batch: 32 + 13 columns
  const auto data = mlp_test::share(mlp_test::make_noise(45, 70, 4, 5));
  mlp::Trainer t(c, data);
  t.train_batches(1);  // some optimiser state
  t.train_batches(1);
  t.set_dynamics(1);
  const Vector<float> w0 = t.network().parameters();
  t.train_batches(1);
  const Vector<float>& w1 = t.network().parameters();
  const mlp::DynamicsSeries s = t.take_dynamics();
  REQUIRE(s.steps.size() == 1);
  CHECK(s.steps[0] == 3);
  REQUIRE(s.layers.size() == 3);

  // The batch (every image; its order does not matter here) through the weights before the step, in double.
  mlp::Network<double> net(c.architecture);
  net.parameters() = w0.cast<double>();
  Matrix<float> xf(70, 45), yf(4, 45);
  std::vector<std::int32_t> all(45);
  std::iota(all.begin(), all.end(), 0);
  mlp::gather_batch(*data, all.data(), xf, yf);
  const Matrix<double> x = xf.cast<double>(), y = yf.cast<double>();
  const Matrix<double> p = net.forward(x);
  const double loss_sum = net.loss_sum(y);
  net.backward(x, y, 1.0 / 45, static_cast<float>(c.l2));
  Eigen::Index offset = 0;
  for (int k = 0; k < 3; ++k) {
    CAPTURE(k);
    const auto& layer = net.layer(k);
    const Eigen::Index weights = layer.w.size();
    const auto& d = s.layers[static_cast<std::size_t>(k)];
    CHECK(d.grad_norm[0] == Approx(layer.dw.norm()).epsilon(1e-4));
    const double moved = (w1.segment(offset, weights) - w0.segment(offset, weights)).cast<double>().norm();
    CHECK(d.update_ratio[0] ==
          Approx(moved / w0.segment(offset, weights).cast<double>().norm()).epsilon(1e-5));
    CHECK(d.update_ratio[0] > 0);
    const Matrix<double> h = k < 2 ? Matrix<double>(net.activations(k)) : p;
    const double mean = h.mean();
    const double std = std::sqrt((h.array() - mean).square().mean());
    CHECK(d.activation_mean[0] == Approx(mean).epsilon(1e-5));
    CHECK(d.activation_std[0] == Approx(std).epsilon(1e-4));
    double saturated = 0;
    for (Eigen::Index i = 0; i < h.size(); ++i)
      saturated += mlp::is_saturated(k < 2 ? hidden : Activation::Sigmoid, h.data()[i]);
    CHECK(d.saturated[0] == Approx(saturated / static_cast<double>(h.size())).margin(1.5 / h.size()));
    offset += weights + layer.b.size();
  }
  // The whole step: the batch, its mean loss, ‖g‖ and ‖Δθ‖ over weights and biases.
  REQUIRE(s.batch_size.size() == 1);
  CHECK(s.batch_size[0] == 45);
  double squares = 0;
  for (int k = 0; k < 3; ++k) squares += net.layer(k).dw.squaredNorm() + net.layer(k).db.squaredNorm();
  CHECK(s.grad_norm[0] == Approx(std::sqrt(squares)).epsilon(1e-4));
  CHECK(s.step_norm[0] == Approx((w1 - w0).cast<double>().norm()).epsilon(1e-4));
  CHECK(s.loss[0] == Approx(loss_sum / 45).epsilon(1e-4));
}

TEST_CASE("every n-th batch is recorded; a full buffer keeps the newest and counts the rest", "[dynamics]") {
  mlp::Trainer t(mlp_test::small_config(),
                 mlp_test::share(mlp_test::make_quadrants(48)));  // 6 batches an epoch
  t.set_dynamics(3);
  CHECK(t.train_batches(4).batches == 4);
  CHECK(t.train_batches(5).batches == 2);  // to the end of the epoch
  CHECK(t.train_batches(3).batches == 3);
  mlp::DynamicsSeries s = t.take_dynamics();
  CHECK(s.steps == std::vector<std::int64_t>{3, 6, 9});
  REQUIRE(s.layers.size() == 2);
  CHECK(s.layers[0].grad_norm.size() == 3);
  CHECK(s.layers[1].saturated.size() == 3);
  CHECK(s.dropped == 0);
  CHECK(t.take_dynamics().steps.empty());  // drained

  t.set_dynamics(1, 2);
  const long long start = t.progress().step;
  CHECK(t.train_batches(6).batches == 3);  // 10, 11, 12
  CHECK(t.train_batches(2).batches == 2);  // 13, 14
  s = t.take_dynamics();
  CHECK(start == 9);
  CHECK(s.steps == std::vector<std::int64_t>{13, 14});
  CHECK(s.dropped == 3);
  t.set_dynamics(0);
  t.train_batches(2);
  CHECK(t.take_dynamics().steps.empty());
}

TEST_CASE("a divergence forgets the records of the batches it undid", "[dynamics]") {
  // As in trainer_test.cpp: ReLU layers at lr 100 on summed gradients explode within a few batches.
  mlp::TrainConfig c = mlp_test::small_config();
  c.architecture.hidden = Activation::Relu;
  c.architecture.output = OutputLoss::SoftmaxCe;
  c.architecture.sizes = {16, 32, 32, 32, 4};
  c.gradient = mlp::GradientScale::Sum;
  mlp::Trainer t(c, mlp_test::share(mlp_test::make_quadrants(64)));
  t.set_dynamics(1);
  t.train_batches(2);
  t.set_learning_rate(100);
  bool diverged = false;
  for (int i = 0; i < 200 && !diverged; ++i) {
    try {
      t.train_batches(3);
    } catch (const mlp::DivergedError&) {
      diverged = true;
    }
  }
  REQUIRE(diverged);
  const mlp::DynamicsSeries s = t.take_dynamics();
  REQUIRE(!s.steps.empty());
  CHECK(s.steps.back() == t.progress().step);
}

TEST_CASE("training with dynamics on allocates nothing after warm-up", "[dynamics][allocation]") {
  const int threads = GENERATE(0, 3);
  const double clip = GENERATE(0.0, 1e-3);  // clipping's norm and scaling allocate nothing either
  CAPTURE(threads, clip);
  mlp::TrainConfig c = dynamics_config(OptimizerKind::Adam, Activation::Tanh, OutputLoss::SoftmaxCe);
  c.optimizer.clip_norm = clip;
  const auto data = mlp_test::share(mlp_test::make_noise(150, 70, 4, 2));
  mlp::Trainer plain(c, data), watched(c, data);
  watched.set_dynamics(2);
  std::unique_ptr<mlp::ThreadPool> pool;
  if (threads) {
    pool = std::make_unique<mlp::ThreadPool>(threads);
    plain.set_thread_pool(pool.get());
    watched.set_thread_pool(pool.get());
  }
  // Warm-up: an epoch (4 batches); the next epoch's first batch, which draws
  // its permutation (and names the random state in a string); one more chunk,
  // whose snapshot of the progress first copies that string.
  for (mlp::Trainer* t : {&plain, &watched}) {
    REQUIRE(t->train_batches(4).epoch_finished);
    t->train_batches(1);
    t->train_batches(1);
  }
  long long off = 0, on = 0;
  {
    Eigen::internal::set_is_malloc_allowed(false);  // and none by Eigen (debug builds assert)
    off = allocations([&] { plain.train_batches(2); });
    on = allocations([&] { watched.train_batches(2); });
    Eigen::internal::set_is_malloc_allowed(true);
  }
  CAPTURE(off, on);
#ifdef MLP_COUNT_MALLOC
  CHECK(off == 0);
  CHECK(on == 0);
#else
  WARN("no AddressSanitizer: heap allocations are not counted, only Eigen's are refused");
#endif
  CHECK(watched.take_dynamics().steps == std::vector<std::int64_t>{2, 4, 6, 8});
}

TEST_CASE("the expected initial loss is that of all-zero logits, near a fresh network's", "[dynamics]") {
  const auto output = GENERATE(OutputLoss::SigmoidBce, OutputLoss::SoftmaxCe);
  const int classes = GENERATE(4, 10);
  CAPTURE(mlp::to_string(output), classes);
  mlp::Architecture arch;
  arch.sizes = {784, 20, classes};
  arch.output = output;
  const double expected = mlp::expected_initial_loss(arch);
  CHECK(expected == Approx(output == OutputLoss::SigmoidBce ? classes * std::log(2.0) : std::log(classes)));
  if (classes == 10)
    CHECK(expected == Approx(output == OutputLoss::SigmoidBce ? 6.931 : 2.303).epsilon(1e-3));

  const auto data = mlp_test::make_noise(200, 784, classes, 8);
  mlp::TrainConfig c;
  c.architecture = arch;
  mlp::Trainer fresh(c, nullptr);
  // A fresh Glorot network's logits spread a little around 0: its loss is
  // near; for softmax + CE over (nearly) uniform labels never below, since
  // ln Σ_k e^{z_k} − mean_k z_k ≥ ln K (Jensen).
  const double first = fresh.evaluate(data).loss;
  CHECK(first == Approx(expected).epsilon(0.2));
  if (output == OutputLoss::SoftmaxCe) CHECK(first >= expected * 0.98);
  mlp::TrainerState zero = fresh.state();
  zero.parameters.setZero();
  CHECK(mlp::Trainer(zero, nullptr).evaluate(data).loss == Approx(expected).epsilon(1e-5));
}
