// Training and inference throughput of the core on synthetic MNIST-shaped
// data (random bytes, random labels, from tests/support/synthetic_data.hpp):
// no dataset files needed.
//
//   build/native-release/tests/benchmarks/mlp_bench
//
// Training: 784-H-10, sigmoid hidden layer, sigmoid + BCE output, SGD,
// batch 128, one Trainer::train_batches(1) per iteration; items/s is
// training samples per second. Inference: Trainer::predict on 1024 images
// at once; items/s is images per second. Each runs on 1 thread and on all
// logical CPUs (threads:N, a ThreadPool; wall-clock time).
//
//   build/native-release/tests/benchmarks/mlp_bench --dynamics [--every N] [--rounds R]
//
// The cost of recording how each layer learns (Trainer::set_dynamics): for
// 784-20-10, 784-80-40-20-10 and 784-800-10 on 1 thread and on all, two
// trainers of the same run, one recording every N-th batch (default 8),
// timed in alternating rounds of the same batches (R rounds, default 9);
// prints the median samples/s of each, by wall clock and by CPU time, and
// their ratio. Also a Google Benchmark, BM_TrainDynamics (every 8th batch).
#include <benchmark/benchmark.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/trainer.hpp"
#include "tests/support/synthetic_data.hpp"

namespace {

constexpr int kBatch = 128;
constexpr int kBatchesPerEpoch = 64;  // so train_batches(1) always runs one full batch

// MNIST-shaped noise from the one synthetic generator.
std::shared_ptr<const mlp::Dataset> synthetic_mnist(int n) {
  return mlp_test::share(mlp_test::make_noise(n, 784, 10, 2024));
}

mlp::TrainConfig report_config(int hidden) {
  mlp::TrainConfig c;  // sigmoid, sigmoid-bce, SGD
  c.architecture.sizes = {784, hidden, 10};
  c.optimizer.kind = mlp::OptimizerKind::Sgd;
  c.optimizer.learning_rate = 0.1;
  c.batch_size = kBatch;
  return c;
}

void BM_Train(benchmark::State& state) {
  const int hidden = static_cast<int>(state.range(0));
  mlp::ThreadPool pool(static_cast<int>(state.range(1)));
  mlp::Trainer trainer(report_config(hidden), synthetic_mnist(kBatch * kBatchesPerEpoch));
  trainer.set_thread_pool(&pool);
  trainer.train_batches(2);  // warm-up: workspaces allocated, caches filled
  for (auto _ : state) {
    auto result = trainer.train_batches(1);
    benchmark::DoNotOptimize(result.loss);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetLabel("784-" + std::to_string(hidden) + "-10 sigmoid/bce SGD, batch 128");
}

// 784-20-10, 784-80-40-20-10, 784-800-10: the report's default, its deepest and the widest benchmarked.
std::vector<int> dynamics_shape(int index) {
  switch (index) {
    case 0:
      return {784, 20, 10};
    case 1:
      return {784, 80, 40, 20, 10};
    default:
      return {784, 800, 10};
  }
}

void BM_TrainDynamics(benchmark::State& state) {
  mlp::TrainConfig c = report_config(20);
  c.architecture.sizes = dynamics_shape(static_cast<int>(state.range(0)));
  mlp::ThreadPool pool(static_cast<int>(state.range(1)));
  mlp::Trainer trainer(c, synthetic_mnist(kBatch * kBatchesPerEpoch));
  trainer.set_thread_pool(&pool);
  trainer.set_dynamics(static_cast<int>(state.range(2)));
  trainer.train_batches(2);
  for (auto _ : state) {
    auto result = trainer.train_batches(1);
    benchmark::DoNotOptimize(result.loss);
    if (trainer.progress().step % 1024 == 0) trainer.take_dynamics();
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetLabel(c.architecture.describe() + " sigmoid/bce SGD, batch 128, dynamics every " +
                 std::to_string(state.range(2)));
}

void BM_Predict(benchmark::State& state) {
  const int hidden = static_cast<int>(state.range(0));
  constexpr int kImages = 1024;
  mlp::ThreadPool pool(static_cast<int>(state.range(1)));
  mlp::Trainer trainer(report_config(hidden), nullptr);
  trainer.set_thread_pool(&pool);
  const mlp::Matrix<float> x = mlp_test::make_noise(kImages, 784, 10, 7).images.cast<float>() / 255.0f;
  benchmark::DoNotOptimize(trainer.predict(x).data());  // warm-up
  for (auto _ : state) {
    mlp::Matrix<float> p = trainer.predict(x);
    benchmark::DoNotOptimize(p.data());
  }
  state.SetItemsProcessed(state.iterations() * kImages);
  state.SetLabel("784-" + std::to_string(hidden) + "-10, 1024 images per call");
}

// hidden ∈ {20, 80, 800} × threads ∈ {1, all}.
void shapes(benchmark::internal::Benchmark* b) {
  const int all = mlp::ThreadPool::hardware_threads();
  for (int hidden : {20, 80, 800})
    for (int threads : {1, all}) {
      b->Args({hidden, threads});
      if (all == 1) break;
    }
}

}  // namespace

BENCHMARK(BM_Train)
    ->ArgNames({"hidden", "threads"})
    ->Apply(shapes)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Predict)
    ->ArgNames({"hidden", "threads"})
    ->Apply(shapes)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

BENCHMARK(BM_TrainDynamics)
    ->ArgNames({"shape", "threads", "every"})
    ->Apply([](benchmark::internal::Benchmark* b) {
      const int all = mlp::ThreadPool::hardware_threads();
      for (int shape : {0, 1, 2})
        for (int threads : {1, all}) {
          b->Args({shape, threads, 8});
          if (all == 1) break;
        }
    })
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

namespace {

double cpu_seconds() {  // of the whole process: every thread of the pool
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// --dynamics: the cost of recording, off and on, in alternating rounds.
int compare_dynamics(int every, int rounds) {
  std::printf("dynamics every %d batches, %d alternating rounds, medians (batch %d, SGD, sigmoid/bce)\n",
              every, rounds, kBatch);
  std::printf("%-18s %7s %14s %14s %8s %14s %14s %8s\n", "layers", "threads", "off samples/s", "on samples/s",
              "on/off", "off (CPU)", "on (CPU)", "on/off");
  const int all = mlp::ThreadPool::hardware_threads();
  for (int shape : {0, 1, 2})
    for (int threads : {1, all}) {
      mlp::TrainConfig c = report_config(20);
      c.architecture.sizes = dynamics_shape(shape);
      const auto data = synthetic_mnist(kBatch * kBatchesPerEpoch);
      mlp::ThreadPool pool(threads);
      mlp::Trainer off(c, data), on(c, data);
      on.set_dynamics(every);
      for (mlp::Trainer* t : {&off, &on}) {
        t->set_thread_pool(&pool);
        t->train_batches(4);
      }
      // A round: a multiple of `every` batches, about 0.25 s.
      const auto t0 = std::chrono::steady_clock::now();
      off.train_batches(8);
      const double per_batch =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / 8;
      const int batches = std::max(every, static_cast<int>(0.25 / per_batch) / every * every);
      std::vector<double> wall[2], cpu[2];
      for (int r = 0; r < rounds; ++r)
        for (int i = 0; i < 2; ++i) {
          const int which = (r + i) % 2;  // alternate which goes first
          mlp::Trainer& t = which ? on : off;
          const auto w0 = std::chrono::steady_clock::now();
          const double c0 = cpu_seconds();
          for (int done = 0; done < batches;) done += t.train_batches(batches - done).batches;
          const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
          wall[which].push_back(batches * kBatch / seconds);
          cpu[which].push_back(batches * kBatch / (cpu_seconds() - c0));
          if (which) t.take_dynamics();
        }
      const double w_off = median(wall[0]), w_on = median(wall[1]), c_off = median(cpu[0]),
                   c_on = median(cpu[1]);
      std::printf("%-18s %7d %14.0f %14.0f %8.3f %14.0f %14.0f %8.3f\n", c.architecture.describe().c_str(),
                  threads, w_off, w_on, w_on / w_off, c_off, c_on, c_on / c_off);
      std::fflush(stdout);
      if (all == 1) break;
    }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--dynamics") == 0) {
      int every = 8, rounds = 9;
      for (int j = 1; j + 1 < argc; ++j) {
        if (std::strcmp(argv[j], "--every") == 0) every = std::max(1, std::atoi(argv[j + 1]));
        if (std::strcmp(argv[j], "--rounds") == 0) rounds = std::max(1, std::atoi(argv[j + 1]));
      }
      return compare_dynamics(every, rounds);
    }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
