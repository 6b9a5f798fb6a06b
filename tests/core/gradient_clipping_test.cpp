// Gradient clipping (optimizer.clip_norm, applied by the trainer): a tiny
// clip makes every SGD step exactly η·clip long, with the whole batch or
// with slices summed in pieces, on any thread count; a clip never reached
// and clipping off train bit for bit alike; model files keep it, and files
// written before it existed load with it off.
#include <catch2/catch.hpp>
#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/model_file.hpp"
#include "core/safetensors.hpp"
#include "core/trainer.hpp"
#include "test_support.hpp"

using mlp::Vector;

namespace {

mlp::TrainConfig clip_config(double clip) {
  mlp::TrainConfig c = mlp_test::small_config();
  c.architecture.sizes = {16, 80, 4};  // two weight tiles in the second layer's inputs
  c.l2 = 1e-3;
  c.optimizer.clip_norm = clip;
  return c;
}

}  // namespace

TEST_CASE("with a tiny clip every SGD step moves the parameters by exactly η·clip", "[clip]") {
  const bool slices = GENERATE(false, true);
  const int threads = GENERATE(0, 2);
  CAPTURE(slices, threads);
  mlp::TrainConfig c = clip_config(1e-3);
  if (slices) {  // batches up to the whole set, summed in pieces of 8
    c.batching = mlp::Batching::Slices;
    c.gradient = mlp::GradientScale::Half;
  }
  mlp::Trainer t(c, mlp_test::share(mlp_test::make_quadrants(64)));
  std::unique_ptr<mlp::ThreadPool> pool;
  if (threads) {
    pool = std::make_unique<mlp::ThreadPool>(threads);
    t.set_thread_pool(pool.get());
  }
  t.set_dynamics(1);
  int steps = 0;
  for (int i = 0; i < 6; ++i) {
    const Vector<float> before = t.network().parameters();
    const auto r = t.train_batches(1);
    const double moved = (t.network().parameters() - before).cast<double>().norm();
    CAPTURE(i, r.samples);
    if (r.samples == 0) {
      CHECK(moved == 0);  // an empty slice: no step
      continue;
    }
    ++steps;
    CHECK(moved == Approx(c.optimizer.learning_rate * c.optimizer.clip_norm).epsilon(1e-3));
  }
  CHECK(steps > 0);
  const mlp::DynamicsSeries s = t.take_dynamics();
  for (std::size_t i = 0; i < s.steps.size(); ++i)
    if (s.batch_size[i] > 0) {
      CHECK(s.grad_norm[i] == Approx(c.optimizer.clip_norm).epsilon(1e-3));
      CHECK(s.step_norm[i] == Approx(c.optimizer.learning_rate * c.optimizer.clip_norm).epsilon(1e-3));
    }
}

TEST_CASE("clipping off, or a clip never reached, trains bit for bit alike", "[clip][determinism]") {
  const auto kind = GENERATE(mlp::OptimizerKind::Sgd, mlp::OptimizerKind::Adam);
  const bool slices = GENERATE(false, true);
  CAPTURE(mlp::to_string(kind), slices);
  mlp::TrainConfig off = clip_config(0);
  off.optimizer = mlp_test::small_config(kind).optimizer;
  if (slices) off.batching = mlp::Batching::Slices;
  mlp::TrainConfig far = off;
  far.optimizer.clip_norm = 1e6;
  const auto data = mlp_test::share(mlp_test::make_quadrants(64));
  mlp::Trainer a(off, data), b(far, data);
  for (int i = 0; i < 4; ++i) {
    const auto ra = a.train_batches(5), rb = b.train_batches(5);
    CHECK(ra.loss == rb.loss);
  }
  CHECK(a.network().parameters() == b.network().parameters());
}

TEST_CASE("a clip that bites changes training; an invalid clip is refused", "[clip]") {
  const auto data = mlp_test::share(mlp_test::make_quadrants(64));
  mlp::Trainer a(clip_config(0), data), b(clip_config(0.01), data);
  a.train_batches(4);
  b.train_batches(4);
  CHECK(a.network().parameters() != b.network().parameters());
  mlp::TrainConfig bad = clip_config(-1);
  CHECK_THROWS_AS(mlp::Trainer(bad, data), mlp::ConfigError);
  bad.optimizer.clip_norm = NAN;
  CHECK_THROWS_AS(bad.validate(), mlp::ConfigError);
}

TEST_CASE("model files keep the clip; files from before it load with clipping off", "[clip][model]") {
  const auto data = mlp_test::share(mlp_test::make_quadrants(32));
  mlp::Trainer t(clip_config(0.25), data);
  t.train_batches(2);
  const std::vector<std::uint8_t> file = mlp::save_model(t.state());
  CHECK(mlp::load_model(file.data(), file.size()).config.optimizer.clip_norm == 0.25);

  mlp::SafeTensors f = mlp::decode_safetensors(file.data(), file.size());
  auto training = nlohmann::json::parse(f.metadata.at("training"));
  REQUIRE(training.at("clip_norm") == 0.25);
  training.erase("clip_norm");
  f.metadata["training"] = training.dump();
  const std::vector<std::uint8_t> old = mlp::encode_safetensors(f);
  CHECK(mlp::load_model(old.data(), old.size()).config.optimizer.clip_norm == 0);
}
