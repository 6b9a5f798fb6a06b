// Threads: the pool runs every task exactly once on any number of threads,
// and a trainer gives bit-identical weights, optimiser state and losses
// whether it trains on 1, 2, 3 or 4 threads, also when the count changes
// between chunks (core/network.hpp's tiles never depend on it).
#include "core/thread_pool.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <set>
#include <vector>

#include "core/trainer.hpp"
#include "test_support.hpp"

using mlp::OptimizerKind;

TEST_CASE("ThreadPool runs every task exactly once, on every active thread count", "[threads]") {
  mlp::ThreadPool pool(4);
  REQUIRE(pool.size() == 4);
  const int active = GENERATE(1, 2, 3, 4);
  pool.set_active(active);
  CHECK(pool.active() == active);
  for (int count : {0, 1, 3, 4, 17, 200}) {
    std::vector<std::atomic<int>> runs(static_cast<std::size_t>(count));
    std::vector<int> thread_of(static_cast<std::size_t>(count), -1);
    for (int round = 0; round < 20; ++round) {
      pool.run(count, [&](int i, int thread) {
        runs[static_cast<std::size_t>(i)].fetch_add(1);
        thread_of[static_cast<std::size_t>(i)] = thread;
      });
    }
    for (int i = 0; i < count; ++i) {
      CHECK(runs[static_cast<std::size_t>(i)].load() == 20);
      CHECK(thread_of[static_cast<std::size_t>(i)] >= 0);
      CHECK(thread_of[static_cast<std::size_t>(i)] < active);
    }
  }
}

TEST_CASE("ThreadPool never runs a task of a finished job when the counts alternate", "[threads]") {
  // A late thread of a small job must not claim an index of the next,
  // larger job through the old job's claim word: it would call the finished
  // job's task, whose captures have gone out of scope.
  mlp::ThreadPool pool(4);
  std::atomic<int> live{-1};
  std::atomic<int> stale{0};
  std::atomic<long> ran{0};
  long expected = 0;
  for (int job = 0; job < 40000; ++job) {
    const int count = job % 2 == 0 ? 3 : 9;
    live.store(job);
    pool.run(count, [&, job](int, int) {
      if (live.load() != job) stale.fetch_add(1);
      ran.fetch_add(1);
    });
    live.store(-1);
    expected += count;
  }
  CHECK(stale.load() == 0);
  CHECK(ran.load() == expected);
}

TEST_CASE("ThreadPool clamps its sizes and survives idle periods", "[threads]") {
  CHECK(mlp::ThreadPool(0).size() == 1);
  mlp::ThreadPool pool(3);
  pool.set_active(9);
  CHECK(pool.active() == 3);
  pool.set_active(0);
  CHECK(pool.active() == 1);
  pool.set_active(3);
  std::atomic<int> sum{0};
  for (int round = 0; round < 5; ++round) {
    // Longer than the spin: the workers have gone to sleep and must wake up.
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    pool.run(10, [&](int i, int) { sum += i; });
  }
  CHECK(sum.load() == 5 * 45);
  CHECK(mlp::ThreadPool::hardware_threads() >= 1);
}

namespace {

struct Run {
  mlp::Vector<float> parameters;
  std::vector<mlp::Vector<float>> optimizer_state;
  std::vector<double> losses;
};

// Three chunks of training with `threads` threads (0: no pool), the thread
// count cycling through `schedule` between chunks when given.
Run train(const mlp::TrainConfig& config, const std::shared_ptr<const mlp::Dataset>& data, int threads,
          const std::vector<int>& schedule = {}) {
  mlp::Trainer t(config, data);
  std::unique_ptr<mlp::ThreadPool> pool;
  if (threads > 0) {
    pool = std::make_unique<mlp::ThreadPool>(threads);
    t.set_thread_pool(pool.get());
  }
  Run run;
  for (int chunk = 0; chunk < 3; ++chunk) {
    if (pool && !schedule.empty())
      pool->set_active(schedule[static_cast<std::size_t>(chunk) % schedule.size()]);
    const auto r = t.train_batches(5);
    run.losses.push_back(r.loss);
    for (const auto& rec : *r.records) run.losses.push_back(rec.loss);
  }
  const mlp::TrainerState s = t.state();
  run.parameters = s.parameters;
  for (const auto& [name, v] : s.optimizer_state) run.optimizer_state.push_back(v);
  return run;
}

void require_identical(const Run& a, const Run& b) {
  REQUIRE(a.parameters.size() == b.parameters.size());
  // Bitwise: == on floats, element by element (no tolerance).
  Eigen::Index differing = 0;
  for (Eigen::Index i = 0; i < a.parameters.size(); ++i) differing += a.parameters[i] != b.parameters[i];
  CHECK(differing == 0);
  REQUIRE(a.optimizer_state.size() == b.optimizer_state.size());
  for (std::size_t s = 0; s < a.optimizer_state.size(); ++s)
    CHECK(a.optimizer_state[s] == b.optimizer_state[s]);
  // Losses too, NaN (an empty slice's record) matching NaN.
  REQUIRE(a.losses.size() == b.losses.size());
  for (std::size_t i = 0; i < a.losses.size(); ++i) {
    CAPTURE(i, a.losses[i], b.losses[i]);
    CHECK((a.losses[i] == b.losses[i] || (std::isnan(a.losses[i]) && std::isnan(b.losses[i]))));
  }
}

}  // namespace

TEST_CASE("training gives bit-identical results on 1, 2, 3 and 4 threads", "[threads][determinism]") {
  const auto kind = GENERATE(OptimizerKind::Sgd, OptimizerKind::Momentum, OptimizerKind::Adam);
  const auto hidden = GENERATE(mlp::Activation::Sigmoid, mlp::Activation::Relu);
  const auto output = GENERATE(mlp::OutputLoss::SigmoidBce, mlp::OutputLoss::SoftmaxCe);
  CAPTURE(mlp::to_string(kind), mlp::to_string(hidden), mlp::to_string(output));
  // Several sample tiles (batch 80: 32 + 32 + 16, last batch 60: 32 + 28) and
  // weight tiles (200 inputs: 64 × 3 + 8), three layers, L2 on.
  mlp::TrainConfig c;
  c.architecture.sizes = {200, 70, 24, 10};
  c.architecture.hidden = hidden;
  c.architecture.output = output;
  c.optimizer.kind = kind;
  c.optimizer.learning_rate = kind == OptimizerKind::Adam ? 0.003 : 0.05;
  c.batch_size = 80;
  c.l2 = 1e-4;
  c.seed = 5;
  const auto data = mlp_test::share(mlp_test::make_noise(300, 200, 10, 11));  // 3 batches of 80, then 60
  const Run serial = train(c, data, 0);
  for (int threads : {1, 2, 3, 4}) {
    CAPTURE(threads);
    require_identical(serial, train(c, data, threads));
  }
  // The count changes between chunks: still the same weights.
  require_identical(serial, train(c, data, 4, {3, 1, 4}));
}

TEST_CASE("slices larger than the workspace train identically on any thread count",
          "[threads][determinism]") {
  // The course template's slices: pieces of the workspace's size whose
  // gradients are summed before one step.
  mlp::TrainConfig c;
  c.architecture.sizes = {100, 40, 10};
  c.batching = mlp::Batching::Slices;
  c.batch_size = 16;
  c.train_limit = 200;
  c.optimizer.learning_rate = 0.01;
  c.gradient = mlp::GradientScale::Sum;
  const auto data = mlp_test::share(mlp_test::make_noise(240, 100, 10, 4));
  const Run serial = train(c, data, 0);
  for (int threads : {2, 3}) {
    CAPTURE(threads);
    require_identical(serial, train(c, data, threads));
  }
}
