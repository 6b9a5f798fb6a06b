// Benchmark-only entry points of the dist-bench module (built by
// tests/benchmarks/wasm/CMakeLists.txt next to the product's build/wasm/dist;
// tests/benchmarks/browser/ calls them from its worker through the raw
// Emscripten module):
//
//   gemmBench(m, k, n, op, minMs)   float GEMM throughput of the core's own
//       product path (mlp::Gemm, Eigen's kernel) with the module's compile
//       flags: C(m×n) = op(A)·op(B) for op "NN" (A·B),
//       "NT" (A·Bᵀ) or "TN" (Aᵀ·B) — the three products a dense layer uses
//       (forward W·X, weight gradient G·Xᵀ, input gradient Wᵀ·G).
//       → { gflops, msPerCall, calls, flops }  (median over timed blocks)
//
//   profileTrainStep(config, batch, minMs)   the core's training step split
//       into its phases, each timed on its own. The phases are the very calls
//       Network::forward and Network::backward are made of (forward_affine,
//       forward_activation, ..., backward_activation), the core's optimizer
//       and gather_batch, so the profile runs the code that trains, for the
//       network, output + loss and optimizer of `config` ({ layers,
//       activation, loss, optimizer, learningRate }, as engine.createTrainer
//       takes them). → { phases: [{ name, ms }], stepMs, ... }
//
//   simdPeak(minMs)   the f32x4 multiply-then-add roofline, GFLOP/s.
//
// Nothing here is used by the page or the trainer; it only measures. The
// same file also builds natively as build/native-*/tests/benchmarks/gemm_bench
// (GEMM_BENCH_MAIN) to time the identical code outside the browser.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "core/architecture.hpp"
#include "core/dataset.hpp"
#include "core/evaluation.hpp"
#include "core/gemm.hpp"
#include "core/matrix.hpp"
#include "core/network.hpp"
#include "core/optimizer.hpp"
#include "core/random.hpp"
#include "tests/support/synthetic_data.hpp"

#ifdef __EMSCRIPTEN__
#include <emscripten/bind.h>
#include <emscripten/emscripten.h>
#include <emscripten/val.h>
#else
#include <chrono>
#endif

namespace {

using Mat = mlp::Matrix<float>;

double now_ms() {
#ifdef __EMSCRIPTEN__
  return emscripten_get_now();
#else
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
#endif
}

// Median time per call of f: calls are grouped in blocks of at least ~2 ms
// (so the timer's resolution does not matter), and blocks are repeated
// until minMs has passed (at least 5 blocks). One untimed warm-up block.
struct Timing {
  double ms_per_call = 0;  // median block
  double best_ms = 0;      // fastest block (least disturbed by other load)
  long long calls = 0;
};

Timing time_calls(const std::function<void()>& f, double min_ms) {
  f();
  int per_block = 1;
  for (;;) {  // size the block
    const double t0 = now_ms();
    for (int i = 0; i < per_block; ++i) f();
    const double dt = now_ms() - t0;
    if (dt >= 2.0 || per_block >= (1 << 20)) break;
    per_block *= dt < 0.2 ? 8 : 2;
  }
  std::vector<double> blocks;
  const double start = now_ms();
  while (blocks.size() < 5 || (now_ms() - start < min_ms && blocks.size() < 1000)) {
    const double t0 = now_ms();
    for (int i = 0; i < per_block; ++i) f();
    blocks.push_back((now_ms() - t0) / per_block);
  }
  std::sort(blocks.begin(), blocks.end());
  Timing t;
  t.ms_per_call = blocks[blocks.size() / 2];
  t.best_ms = blocks.front();
  t.calls = static_cast<long long>(blocks.size()) * per_block;
  return t;
}

void fill_random(Mat& m, mlp::Random& rng, double scale) {
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(rng.symmetric(scale));
}

struct GemmResult {
  double gflops = 0;       // from the median block
  double best_gflops = 0;  // from the fastest block
  double ms_per_call = 0;
  long long calls = 0;
  double flops = 0;
  bool ok = false;
};

GemmResult gemm_bench(int m, int k, int n, const std::string& op, double min_ms) {
  GemmResult r;
  if (m < 1 || k < 1 || n < 1 || m > 8192 || k > 8192 || n > 8192) return r;
  if (op != "NN" && op != "NT" && op != "TN") return r;
  mlp::Random rng(42);
  // Stored shapes so that op(A) is m×k and op(B) is k×n.
  Mat a = op == "TN" ? Mat(k, m) : Mat(m, k);
  Mat b = op == "NT" ? Mat(n, k) : Mat(k, n);
  Mat c(m, n);
  fill_random(a, rng, 1.0);
  fill_random(b, rng, 1.0);
  // Through the core's own product path (mlp::Gemm, as DenseLayer uses it):
  // C is cleared, then op(A)·op(B) is accumulated into it.
  mlp::Gemm<float> gemm;
  std::function<void()> f;
  if (op == "NN")
    f = [&] {
      c.setZero();
      gemm.accumulate<false, false>(c, a, b);
    };
  else if (op == "NT")
    f = [&] {
      c.setZero();
      gemm.accumulate<false, true>(c, a, b);
    };
  else
    f = [&] {
      c.setZero();
      gemm.accumulate<true, false>(c, a, b);
    };
  const Timing t = time_calls(f, min_ms);
  r.flops = 2.0 * m * k * n;
  r.ms_per_call = t.ms_per_call;
  r.calls = t.calls;
  r.gflops = r.flops / (t.ms_per_call * 1e6);
  r.best_gflops = r.flops / (t.best_ms * 1e6);
  r.ok = true;
  return r;
}

// The arithmetic roofline a GEMM kernel can reach here: 12 independent
// chains of 4-lane multiply-then-add (WebAssembly SIMD has no fused
// multiply-add, so a GEMM does exactly this per element pair). GFLOP/s.
double simd_peak(double min_ms) {
  typedef float v4f __attribute__((vector_size(16)));
  constexpr int kChains = 12, kIters = 1000;  // 12 + 2 constants fit 16 SIMD registers
  volatile float seed = 1.0f, sink = 0;
  const Timing t = time_calls(
      [&] {
        // Everything local, so the accumulators live in registers.
        const float s0 = seed;
        v4f acc[kChains];
        for (int i = 0; i < kChains; ++i) acc[i] = v4f{s0 + i * 1e-3f, s0, s0, s0};
        const v4f m = {0.9999f, 0.9999f, 0.9999f, 0.9999f}, c = {1e-4f, 1e-4f, 1e-4f, 1e-4f};
        for (int it = 0; it < kIters; ++it)
          for (int i = 0; i < kChains; ++i) acc[i] = acc[i] * m + c;
        v4f sum = acc[0];
        for (int i = 1; i < kChains; ++i) sum += acc[i];  // every chain is live
        sink = sum[0] + sum[3];
      },
      min_ms);
  (void)sink;
  return 2.0 * 4 * kChains * kIters / (t.best_ms * 1e6);
}

struct Phase {
  std::string name;
  double ms = 0;       // per batch, median block
  double best_ms = 0;  // per batch, fastest block
};

struct ProfileResult {
  std::vector<Phase> phases;
  double step_ms = 0;  // median; the whole step through Network and the optimizer (forward, loss, argmax,
                       // backward, update)
  double step_best_ms = 0;
  double gather_ms = 0;  // gather_batch (uint8 → float, one-hot): also part of Trainer's step
  bool ok = false;
};

// What profile_train_step runs: the network and optimizer of a training config.
struct ProfileConfig {
  mlp::Architecture architecture;
  mlp::OptimizerConfig optimizer;
};

// The training step of Trainer::train_batches, phase by phase. Every phase
// is one of the calls Network::forward/backward are made of, in their order,
// or the core's optimizer step: nothing here recomputes the network's math.
ProfileResult profile_train_step(const ProfileConfig& config, int batch, double min_ms) {
  ProfileResult r;
  try {
    config.architecture.validate();
    config.optimizer.validate();
  } catch (...) {
    return r;
  }
  if (batch < 1 || batch > 65536) return r;
  const mlp::Architecture& arch = config.architecture;
  mlp::Random rng(7);
  mlp::Network<float> net(arch);
  net.initialize(rng);
  net.reserve(batch);
  auto optimizer = mlp::make_optimizer<float>(config.optimizer, net.parameters().size());

  // MNIST-shaped noise from the one synthetic generator, as many images as
  // MNIST's training split (so the gather misses caches as in real
  // training), visited in a random permutation.
  const int in = net.input_size(), out = net.output_size(), layers = net.layer_count();
  const int n = std::max(50000, 2 * batch);
  const mlp::Dataset data = mlp_test::make_noise(n, in, out, 7);
  std::vector<std::int32_t> order(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  rng.shuffle(order);
  Mat x(in, batch), y(out, batch);
  mlp::gather_batch(data, order.data(), x, y);
  std::vector<int> predicted;
  const float scale = 1.0f / static_cast<float>(batch), l2 = 0.0f;
  const Mat x0 = x, y0 = y;

  auto add = [&](const std::string& name, const std::function<void()>& f) {
    const Timing t = time_calls(f, min_ms);
    r.phases.push_back({name, t.ms_per_call, t.best_ms});
  };
  // An in-place step (an activation or its derivative) cannot be repeated on
  // its own output: it is timed together with the step that writes its input,
  // and that step's time, measured alone, is subtracted.
  auto add_after = [&](const std::string& name, const std::function<void()>& prep,
                       const std::function<void()>& f) {
    const Timing t = time_calls(
                     [&] {
                       prep();
                       f();
                     },
                     min_ms),
                 c = time_calls(prep, min_ms);
    r.phases.push_back(
        {name, std::max(0.0, t.ms_per_call - c.ms_per_call), std::max(0.0, t.best_ms - c.best_ms)});
  };
  int cursor = 0;
  add("gather (u8→float, one-hot)", [&] {
    mlp::gather_batch(data, order.data() + cursor, x, y);
    cursor = (cursor + batch) % (n - batch + 1);
  });
  x = x0;
  y = y0;

  const std::string hidden = mlp::to_string(arch.hidden), output = mlp::to_string(arch.output);
  auto tag_of = [&](int k) {
    return "L" + std::to_string(k + 1) + " " + std::to_string(arch.sizes[k]) + "→" +
           std::to_string(arch.sizes[k + 1]);
  };
  // Forward, step by step. One forward() first sets the batch; each step
  // then leaves the workspace as forward() would for the steps after it.
  auto p = net.forward(x);
  for (int k = 0; k < layers; ++k) {
    add(tag_of(k) + " forward W·X+b (GEMM)", [&] { net.forward_affine(k, x); });
    if (k < layers - 1)
      add_after(
          tag_of(k) + " " + hidden, [&] { net.forward_affine(k, x); }, [&] { net.forward_activation(k); });
  }
  add("output (" + output + ") probabilities", [&] { net.forward_output(); });
  add("loss (" + output + ") sum", [&] {
    volatile float s = net.loss_sum(y);
    (void)s;
  });
  add("argmax", [&] { mlp::argmax_columns(p, predicted); });

  // Backward, step by step, from the last layer down.
  add("output grad s(p-y)", [&] { net.backward_output(y, scale); });
  for (int k = layers - 1; k >= 0; --k) {
    add(tag_of(k) + " weight grads G·Xᵀ, rowsum (GEMM)", [&] { net.backward_weights(k, x, l2); });
    if (k == 0) break;
    add(tag_of(k) + " input grad Wᵀ·G (GEMM)", [&] { net.backward_input(k); });
    add_after(
        tag_of(k) + " " + hidden + "' G⊙g'(a)", [&] { net.backward_input(k); },
        [&] { net.backward_activation(k); });
  }

  mlp::Vector<float> saved_params = net.parameters();
  add(mlp::to_string(config.optimizer.kind) + " update θ -= η·step",
      [&] { optimizer->step(net.parameters(), net.gradients()); });
  // Thousands of steps along one gradient saturate the units, and the step
  // timed below would then run on subnormal floats (many times slower on
  // x86, natively and in wasm): start it from the original weights and a
  // fresh optimizer.
  net.parameters() = saved_params;
  optimizer = mlp::make_optimizer<float>(config.optimizer, net.parameters().size());
  add("snapshot copy (per chunk)", [&] { saved_params = net.parameters(); });
  add("allFinite (per chunk)", [&] {
    volatile bool s = net.parameters().allFinite();
    (void)s;
  });

  // The whole step as Trainer runs it (minus the gather and the per-chunk snapshot).
  r.gather_ms = r.phases.front().ms;
  const Timing step = time_calls(
      [&] {
        const auto prob = net.forward(x);
        volatile float loss = net.loss_sum(y);
        (void)loss;
        mlp::argmax_columns(prob, predicted);
        net.backward(x, y, scale, l2);
        optimizer->step(net.parameters(), net.gradients());
      },
      min_ms);
  r.step_ms = step.ms_per_call;
  r.step_best_ms = step.best_ms;
  r.ok = true;
  return r;
}

}  // namespace

#ifdef __EMSCRIPTEN__

namespace {

using emscripten::val;

val gemm_bench_js(int m, int k, int n, std::string op, double min_ms) {
  const GemmResult g = gemm_bench(m, k, n, op, min_ms);
  if (!g.ok) return val::null();
  val out = val::object();
  out.set("m", m);
  out.set("k", k);
  out.set("n", n);
  out.set("op", op);
  out.set("gflops", g.gflops);
  out.set("bestGflops", g.best_gflops);
  out.set("msPerCall", g.ms_per_call);
  out.set("calls", static_cast<double>(g.calls));
  out.set("flops", g.flops);
  return out;
}

// { layers, activation, loss, optimizer, learningRate } → ProfileConfig; the
// fields default as engine.createTrainer's do. Throws on bad input (the
// caller turns that into null).
ProfileConfig profile_config_from(const val& config) {
  ProfileConfig c;
  const val layers = config["layers"];
  const int len = layers["length"].as<int>();
  c.architecture.sizes.clear();
  for (int i = 0; i < len; ++i) c.architecture.sizes.push_back(layers[i].as<int>());
  auto text = [&](const char* key, const char* fallback) {
    const val v = config[key];
    return v.isUndefined() ? std::string(fallback) : v.as<std::string>();
  };
  c.architecture.hidden = mlp::parse_activation(text("activation", "sigmoid"));
  c.architecture.output = mlp::parse_output_loss(text("loss", "sigmoid-bce"));
  c.optimizer.kind = mlp::parse_optimizer(text("optimizer", "sgd"));
  const val lr = config["learningRate"];
  if (!lr.isUndefined()) c.optimizer.learning_rate = lr.as<double>();
  return c;
}

val profile_train_step_js(val config_js, int batch, double min_ms) {
  ProfileConfig config;
  try {
    config = profile_config_from(config_js);
  } catch (const std::exception&) {
    return val::null();
  }
  const ProfileResult p = profile_train_step(config, batch, min_ms);
  if (!p.ok) return val::null();
  val phases = val::array();
  for (const auto& ph : p.phases) {
    val o = val::object();
    o.set("name", ph.name);
    o.set("ms", ph.ms);
    o.set("bestMs", ph.best_ms);
    phases.call<void>("push", o);
  }
  val out = val::object();
  out.set("phases", phases);
  out.set("stepMs", p.step_ms);
  out.set("stepBestMs", p.step_best_ms);
  out.set("gatherMs", p.gather_ms);
  out.set("batch", batch);
  out.set("network", config.architecture.describe());
  out.set("activation", mlp::to_string(config.architecture.hidden));
  out.set("loss", mlp::to_string(config.architecture.output));
  out.set("optimizer", mlp::to_string(config.optimizer.kind));
  return out;
}

}  // namespace

EMSCRIPTEN_BINDINGS(gemm_bench) {
  emscripten::function("gemmBench", &gemm_bench_js);
  emscripten::function("simdPeak", &simd_peak);
  emscripten::function("profileTrainStep", &profile_train_step_js);
}

#elif defined(GEMM_BENCH_MAIN)

#include <cstdio>

int main(int argc, char** argv) {
  const double min_ms = argc > 1 ? std::atof(argv[1]) : 300;
  std::printf("4-lane mul+add peak: %.1f GFLOP/s\n", simd_peak(min_ms));
  const int shapes[][3] = {{256, 256, 256}, {800, 784, 128}, {128, 784, 800}, {80, 784, 128}, {20, 784, 128}};
  for (const auto& s : shapes) {
    const GemmResult g = gemm_bench(s[0], s[1], s[2], "NN", min_ms);
    std::printf("gemm NN %dx%dx%d: %.1f GFLOP/s (best %.1f; %.3f ms)\n", s[0], s[1], s[2], g.gflops,
                g.best_gflops, g.ms_per_call);
  }
  for (int h : {20, 80, 800}) {
    ProfileConfig c;  // the benchmark's configuration: sigmoid, sigmoid + BCE, SGD
    c.architecture.sizes = {784, h, 10};
    c.optimizer.learning_rate = 1e-3;
    const ProfileResult p = profile_train_step(c, 128, min_ms);
    if (!p.ok) return 1;
    std::printf("784-%d-10 step %.4f ms (best %.4f) + gather %.4f\n", h, p.step_ms, p.step_best_ms,
                p.gather_ms);
    for (const auto& ph : p.phases)
      std::printf("  %-44s %.4f ms (best %.4f)\n", ph.name.c_str(), ph.ms, ph.best_ms);
  }
}

#endif
