// Learning: on separable synthetic data every activation, loss and
// optimiser drives the loss down and reaches 100 % accuracy; and after
// warm-up a training chunk performs no Eigen heap allocation.
#include <catch2/catch.hpp>

#include "core/trainer.hpp"
#include "test_support.hpp"

using mlp::Activation;
using mlp::OptimizerKind;
using mlp::OutputLoss;

namespace {

// Forbids Eigen heap allocation while alive. With EIGEN_RUNTIME_NO_MALLOC
// (set for mlp_core and everything linking it) an Eigen allocation then
// fails eigen_assert, which aborts the test binary, and ctest reports the
// case as failed. Under NDEBUG eigen_assert is compiled out: there the
// guard checks nothing, so the test says so.
struct NoEigenMalloc {
  NoEigenMalloc() { Eigen::internal::set_is_malloc_allowed(false); }
  ~NoEigenMalloc() { Eigen::internal::set_is_malloc_allowed(true); }
  NoEigenMalloc(const NoEigenMalloc&) = delete;
  NoEigenMalloc& operator=(const NoEigenMalloc&) = delete;
};

}  // namespace

TEST_CASE("training on separable data lowers the loss and reaches 100 % accuracy", "[learning]") {
  const auto hidden = GENERATE(Activation::Sigmoid, Activation::Tanh, Activation::Relu);
  const auto output = GENERATE(OutputLoss::SigmoidBce, OutputLoss::SoftmaxCe);
  const auto kind =
      GENERATE(OptimizerKind::Sgd, OptimizerKind::Momentum, OptimizerKind::Nesterov, OptimizerKind::Adam);
  CAPTURE(mlp::to_string(hidden), mlp::to_string(output), mlp::to_string(kind));

  const auto train = mlp_test::share(mlp_test::make_quadrants(96, 4, 7));
  const auto held_out = mlp_test::make_quadrants(40, 4, 8);  // same classes, other noise
  mlp::TrainConfig c = mlp_test::small_config(kind);
  c.architecture.hidden = hidden;
  c.architecture.output = output;
  if (kind == OptimizerKind::Momentum || kind == OptimizerKind::Nesterov) c.optimizer.learning_rate = 0.1;
  mlp::Trainer t(c, train);

  const auto before = t.evaluate(*train);
  double first_epoch_loss = 0, last_epoch_loss = 0;
  for (int epoch = 0; epoch < 30; ++epoch) {
    const auto r = t.train_batches(1000);
    REQUIRE(r.epoch_finished);
    REQUIRE(r.batches == 12);
    if (epoch == 0) first_epoch_loss = r.loss;
    last_epoch_loss = r.loss;
  }
  const auto after = t.evaluate(*train);
  CAPTURE(before.loss, after.loss, first_epoch_loss, last_epoch_loss, after.accuracy);
  CHECK(after.loss < 0.5 * before.loss);
  CHECK(last_epoch_loss < 0.5 * first_epoch_loss);
  CHECK(after.accuracy == 1.0);
  CHECK(t.evaluate(held_out).accuracy == 1.0);
}

TEST_CASE("a training chunk makes no Eigen heap allocation after warm-up", "[learning][allocation]") {
#ifdef NDEBUG
  WARN("NDEBUG build: Eigen's malloc assertion is compiled out, this test only runs the code");
#endif
  const auto kind =
      GENERATE(OptimizerKind::Sgd, OptimizerKind::Momentum, OptimizerKind::Nesterov, OptimizerKind::Adam);
  const auto output = GENERATE(OutputLoss::SigmoidBce, OutputLoss::SoftmaxCe);
  const double l2 = GENERATE(0.0, 1e-3);
  CAPTURE(mlp::to_string(kind), mlp::to_string(output), l2);

  mlp::TrainConfig c = mlp_test::small_config(kind);
  c.architecture.output = output;
  c.architecture.sizes = {16, 12, 6, 4};
  c.batch_size = 8;
  c.l2 = l2;
  mlp::Trainer t(c, mlp_test::share(mlp_test::make_quadrants(29)));  // 3 batches of 8, then 5
  REQUIRE(t.batches_per_epoch() == 4);

  // Warm-up: one whole epoch, including the partial batch.
  REQUIRE(t.train_batches(4).epoch_finished);
  const mlp::Vector<float> warmed = t.network().parameters();

  mlp::ChunkResult a, b, d;
  {
    NoEigenMalloc guard;
    a = t.train_batches(2);  // starts an epoch: draws a new permutation
    b = t.train_batches(5);  // two batches, the last one partial; ends the epoch
    d = t.train_batches(3);  // and into the next epoch
  }
  CHECK(a.batches == 2);
  CHECK(b.batches == 2);
  CHECK(b.samples == 8 + 5);
  CHECK(b.epoch_finished);
  CHECK(d.batches == 3);
  CHECK(t.network().parameters() != warmed);
  CHECK(mlp_test::all_finite(t.network().parameters()));
}

TEST_CASE("training with 784 inputs and batch 128 makes no Eigen heap allocation after warm-up",
          "[learning][allocation]") {
  // MNIST's input size and the default batch, with a hidden layer small
  // enough that Eigen's GEMM packing buffers stay under its stack limit.
  const auto kind = GENERATE(OptimizerKind::Sgd, OptimizerKind::Adam);
  CAPTURE(mlp::to_string(kind));
  mlp::TrainConfig c;
  c.architecture.sizes = {784, 32, 10};
  c.optimizer.kind = kind;
  c.batch_size = 128;
  mlp::Trainer t(c, mlp_test::share(mlp_test::make_noise(200, 784, 10)));  // batches of 128 and 72
  REQUIRE(t.train_batches(2).epoch_finished);
  {
    NoEigenMalloc guard;
    const auto r = t.train_batches(2);
    CHECK(r.samples == 200);
  }
  CHECK(mlp_test::all_finite(t.network().parameters()));
}

// With 784-80-10 or 784-800-10 at batch 128, Eigen's blocked GEMM needs
// packing buffers of 200 KB to 1.3 MB per product, over
// EIGEN_STACK_ALLOCATION_LIMIT (128 KB): a plain `noalias()` product would
// malloc them on every batch. core/gemm.hpp reserves them once.
TEST_CASE("report-sized networks make no Eigen heap allocation after warm-up", "[learning][allocation]") {
  const int hidden = GENERATE(80, 800);
  const int threads = GENERATE(0, 3);  // 0: no pool; 3: the pool's threads allocate nothing either
  CAPTURE(hidden, threads);
  mlp::TrainConfig c;
  c.architecture.sizes = {784, hidden, 10};
  c.batch_size = 128;
  mlp::Trainer t(c, mlp_test::share(mlp_test::make_noise(200, 784, 10)));
  std::unique_ptr<mlp::ThreadPool> pool;
  if (threads > 0) {
    pool = std::make_unique<mlp::ThreadPool>(threads);
    t.set_thread_pool(pool.get());
  }
  REQUIRE(t.train_batches(2).epoch_finished);
  {
    NoEigenMalloc guard;
    CHECK(t.train_batches(2).samples == 200);
  }
}
