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
#include <benchmark/benchmark.h>

#include <memory>

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

BENCHMARK_MAIN();
