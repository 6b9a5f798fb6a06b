// Model files: a saved run reloads bit for bit, resumes training exactly
// as if it had never stopped, is laid out as PyTorch/numpy users expect, and
// inconsistent files are rejected with a message.
#include "core/model_file.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "core/errors.hpp"
#include "core/safetensors.hpp"
#include "core/trainer.hpp"
#include "test_support.hpp"

using Bytes = std::vector<std::uint8_t>;
using mlp::OptimizerKind;
using nlohmann::json;

namespace {

mlp::TrainerState load(const Bytes& b) {
  return mlp::load_model(b.data(), b.size());
}

mlp::SafeTensors decoded(const Bytes& b) {
  return mlp::decode_safetensors(b.data(), b.size());
}

Bytes reencode(const mlp::SafeTensors& f) {
  return mlp::encode_safetensors(f);
}

// Trains until `batches` batches are done (train_batches stops at epoch ends).
void train(mlp::Trainer& t, int batches) {
  while (batches > 0) batches -= t.train_batches(batches).batches;
}

mlp::TrainConfig config_for(OptimizerKind kind) {
  mlp::TrainConfig c = mlp_test::small_config(kind);
  c.architecture.sizes = {16, 6, 5, 4};
  c.architecture.hidden = mlp::Activation::Tanh;
  c.architecture.output = mlp::OutputLoss::SoftmaxCe;
  c.l2 = 1e-3;
  c.batch_size = 6;
  c.seed = 777;
  return c;
}

// A saved, partly trained run.
Bytes saved_model(OptimizerKind kind = OptimizerKind::Adam) {
  mlp::Trainer t(config_for(kind), mlp_test::share(mlp_test::make_quadrants(20)));
  train(t, 5);
  return mlp::save_model(t.state());
}

}  // namespace

TEST_CASE("save_model then load_model restores the complete trainer state", "[model]") {
  const auto kind =
      GENERATE(OptimizerKind::Sgd, OptimizerKind::Momentum, OptimizerKind::Nesterov, OptimizerKind::Adam);
  CAPTURE(mlp::to_string(kind));
  mlp::TrainConfig c = config_for(kind);
  c.gradient = mlp::GradientScale::Sum;
  mlp::Trainer t(c, mlp_test::share(mlp_test::make_quadrants(20)));
  train(t, 5);
  const mlp::TrainerState s = t.state();
  const mlp::TrainerState back = load(mlp::save_model(s));

  CHECK(back.config.architecture.sizes == c.architecture.sizes);
  CHECK(back.config.architecture.hidden == c.architecture.hidden);
  CHECK(back.config.architecture.output == c.architecture.output);
  CHECK(back.config.optimizer.kind == kind);
  CHECK(back.config.optimizer.learning_rate == c.optimizer.learning_rate);
  CHECK(back.config.optimizer.momentum == c.optimizer.momentum);
  CHECK(back.config.optimizer.beta1 == c.optimizer.beta1);
  CHECK(back.config.optimizer.beta2 == c.optimizer.beta2);
  CHECK(back.config.optimizer.epsilon == c.optimizer.epsilon);
  CHECK(back.config.batch_size == c.batch_size);
  CHECK(back.config.l2 == c.l2);
  CHECK(back.config.seed == c.seed);
  CHECK(back.config.gradient == mlp::GradientScale::Sum);
  CHECK(back.parameters == s.parameters);
  REQUIRE(back.optimizer_state.size() == s.optimizer_state.size());
  for (std::size_t i = 0; i < s.optimizer_state.size(); ++i) {
    CHECK(back.optimizer_state[i].first == s.optimizer_state[i].first);
    CHECK(back.optimizer_state[i].second == s.optimizer_state[i].second);
  }
  CHECK(back.optimizer_steps == s.optimizer_steps);
  CHECK(back.progress.epoch == s.progress.epoch);
  CHECK(back.progress.batch_in_epoch == s.progress.batch_in_epoch);
  CHECK(back.progress.step == s.progress.step);
  CHECK(back.progress.epoch_rng_state == s.progress.epoch_rng_state);
  CHECK(back.progress.rng_state == s.progress.rng_state);
}

TEST_CASE("the largest seed, 2^53 - 1, survives the round trip; larger ones are refused", "[model]") {
  // Seeds are whole numbers that JavaScript represents exactly, so the page,
  // the CLI and model files accept the same ones.
  mlp::TrainConfig c = config_for(OptimizerKind::Sgd);
  c.seed = (1ULL << 53) - 1;
  mlp::Trainer t(c, nullptr);
  CHECK(load(mlp::save_model(t.state())).config.seed == c.seed);
  c.seed = 1ULL << 53;
  REQUIRE_THROWS_WITH(c.validate(), Catch::Contains("seed must be between 0 and 9007199254740991"));
}

TEST_CASE("a reloaded model predicts bit for bit the same", "[model]") {
  const auto data = mlp_test::share(mlp_test::make_quadrants(20));
  mlp::Trainer t(config_for(OptimizerKind::Adam), data);
  train(t, 7);
  mlp::Trainer reloaded(load(mlp::save_model(t.state())), nullptr);
  mlp::Random rng(3);
  const mlp::Matrix<float> x = mlp_test::random_matrix<float>(16, 9, rng).cwiseAbs();
  const mlp::Matrix<float> a = t.predict(x), b = reloaded.predict(x);
  CHECK(a == b);
  const auto ea = t.evaluate(*data), eb = reloaded.evaluate(*data);
  CHECK(ea.loss == eb.loss);
  CHECK(ea.confusion == eb.confusion);
}

TEST_CASE("training resumed from a saved file continues exactly as an uninterrupted run", "[model]") {
  const auto kind =
      GENERATE(OptimizerKind::Sgd, OptimizerKind::Momentum, OptimizerKind::Nesterov, OptimizerKind::Adam);
  const int k = GENERATE(1, 3, 4, 7);  // 4 batches per epoch: mid-epoch, at an epoch end, in the next epoch
  CAPTURE(mlp::to_string(kind), k);
  constexpr int kTotal = 11;
  const auto data = mlp_test::share(mlp_test::make_quadrants(20));  // batches 6, 6, 6, 2

  mlp::Trainer straight(config_for(kind), data);
  train(straight, kTotal);

  Bytes file;
  {
    mlp::Trainer first(config_for(kind), data);
    train(first, k);
    file = mlp::save_model(first.state());
  }
  mlp::Trainer resumed(load(file), data);
  CHECK(resumed.progress().step == k);
  train(resumed, kTotal - k);

  CHECK(resumed.network().parameters() == straight.network().parameters());
  CHECK(resumed.progress().step == straight.progress().step);
  CHECK(resumed.progress().epoch == straight.progress().epoch);
  CHECK(resumed.progress().batch_in_epoch == straight.progress().batch_in_epoch);
  const auto a = straight.state(), b = resumed.state();
  CHECK(a.optimizer_steps == b.optimizer_steps);
  for (std::size_t i = 0; i < a.optimizer_state.size(); ++i)
    CHECK(a.optimizer_state[i].second == b.optimizer_state[i].second);
  CHECK(a.progress.rng_state == b.progress.rng_state);
  // And the next chunk reports the same numbers.
  const auto ra = straight.train_batches(2), rb = resumed.train_batches(2);
  CHECK(ra.loss == rb.loss);
  CHECK(ra.accuracy == rb.accuracy);
}

TEST_CASE("a model file is plain safetensors with PyTorch-layout weights", "[model]") {
  const auto data = mlp_test::share(mlp_test::make_quadrants(20));
  mlp::Trainer t(config_for(OptimizerKind::Momentum), data);
  train(t, 3);
  const Bytes file = mlp::save_model(t.state());
  const auto f = decoded(file);

  CHECK(f.metadata.at("format").size() > 0);
  for (const char* key : {"architecture", "training", "progress"}) {
    CAPTURE(key);
    REQUIRE(f.metadata.count(key) == 1);
    CHECK(json::parse(f.metadata.at(key)).is_object());
  }
  CHECK(json::parse(f.metadata.at("architecture"))["sizes"] == std::vector<int>{16, 6, 5, 4});

  const auto& net = t.network();
  REQUIRE(f.tensors.size() == 2 * 3 + 1);  // 3 layers + the momentum buffer
  for (int k = 0; k < net.layer_count(); ++k) {
    const auto& layer = net.layer(k);
    const auto& w = f.tensors.at("layers." + std::to_string(k) + ".weight");
    const auto& b = f.tensors.at("layers." + std::to_string(k) + ".bias");
    REQUIRE(w.shape == std::vector<std::int64_t>{layer.outputs(), layer.inputs()});
    REQUIRE(b.shape == std::vector<std::int64_t>{layer.outputs()});
    for (int r = 0; r < layer.outputs(); ++r) {
      for (int c = 0; c < layer.inputs(); ++c)
        REQUIRE(w.data[static_cast<std::size_t>(r * layer.inputs() + c)] == layer.w(r, c));  // row-major
      REQUIRE(b.data[static_cast<std::size_t>(r)] == layer.b(r));
    }
  }
  const auto& v = f.tensors.at("optimizer.velocity");
  CHECK(v.shape == std::vector<std::int64_t>{net.parameters().size()});

  // Read again without the core's decoder, as Python's safetensors would:
  // u64 little-endian header size, a JSON object whose __metadata__ maps
  // strings to strings, F32 tensors whose offsets tile the data exactly.
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | file[static_cast<std::size_t>(i)];
  REQUIRE(8 + n <= file.size());
  const json header = json::parse(file.begin() + 8, file.begin() + 8 + static_cast<std::ptrdiff_t>(n));
  REQUIRE(header.is_object());
  REQUIRE(header.contains("__metadata__"));
  for (const auto& [key, value] : header["__metadata__"].items()) {
    CAPTURE(key);
    CHECK(value.is_string());
  }
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") continue;
    CAPTURE(name);
    CHECK(entry["dtype"] == "F32");
    std::uint64_t count = 1;
    for (const auto& d : entry["shape"]) count *= d.get<std::uint64_t>();
    const auto begin = entry["data_offsets"][0].get<std::uint64_t>();
    const auto end = entry["data_offsets"][1].get<std::uint64_t>();
    CHECK(end - begin == 4 * count);
    ranges.emplace_back(begin, end);
  }
  CHECK(ranges.size() == f.tensors.size());
  std::sort(ranges.begin(), ranges.end());
  std::uint64_t at = 0;
  for (const auto& [begin, end] : ranges) {
    CHECK(begin == at);
    at = end;
  }
  CHECK(8 + n + at == file.size());
}

TEST_CASE("inconsistent model files are rejected with a message", "[model][malformed]") {
  const Bytes good = saved_model(OptimizerKind::Adam);
  REQUIRE_NOTHROW(load(good));
  auto f = decoded(good);

  SECTION("not safetensors at all") {
    const Bytes junk{'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0};
    REQUIRE_THROWS_AS(load(junk), mlp::ModelFileError);
    REQUIRE_THROWS_WITH(load(junk), Catch::Contains("header length") && Catch::Contains("runs past the end"));
  }
  SECTION("truncated file") {
    const Bytes cut(good.begin(), good.end() - 5);
    REQUIRE_THROWS_AS(load(cut), mlp::ModelFileError);
    REQUIRE_THROWS_WITH(load(cut), Catch::Contains("outside the") && Catch::Contains("data bytes"));
  }
  SECTION("missing layer tensor") {
    f.tensors.erase("layers.1.bias");
    REQUIRE_THROWS_AS(load(reencode(f)), mlp::ModelFileError);
    REQUIRE_THROWS_WITH(load(reencode(f)), Catch::Contains("'layers.1.bias' is missing"));
  }
  SECTION("wrong weight shape") {
    auto& w = f.tensors.at("layers.0.weight");
    w.shape = {16, 6};  // transposed
    REQUIRE_THROWS_WITH(load(reencode(f)), Catch::Contains("layers.0.weight") && Catch::Contains("[16,6]") &&
                                               Catch::Contains("expected [6,16]"));
  }
  SECTION("an extra layer") {
    f.tensors["layers.3.weight"] = {{4, 4}, std::vector<float>(16, 0.0f)};
    REQUIRE_THROWS_AS(load(reencode(f)), mlp::ModelFileError);
    REQUIRE_THROWS_WITH(load(reencode(f)), Catch::Contains("layer tensors beyond the 3 layers of 16-6-5-4"));
  }
  SECTION("an unknown tensor") {
    f.tensors["embedding"] = {{2}, {1.0f, 2.0f}};
    REQUIRE_THROWS_WITH(load(reencode(f)), Catch::Contains("unexpected tensor 'embedding'"));
  }
  SECTION("optimizer state of the wrong length") {
    f.tensors.at("optimizer.m").shape = {3};
    f.tensors.at("optimizer.m").data.resize(3);
    REQUIRE_THROWS_WITH(load(reencode(f)), Catch::Contains("optimizer.m"));
  }
  SECTION("unknown or missing format") {
    f.metadata["format"] = "someone-else/7";
    REQUIRE_THROWS_WITH(load(reencode(f)), Catch::Contains("format"));
    f.metadata.erase("format");
    REQUIRE_THROWS_WITH(load(reencode(f)), Catch::Contains("format"));
  }
  SECTION("NaN or infinite weights") {
    const float bad =
        GENERATE(std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity());
    f.tensors.at("layers.2.weight").data[3] = bad;
    REQUIRE_THROWS_WITH(load(reencode(f)), Catch::Contains("NaN or infinite"));
  }
  SECTION("missing or invalid metadata") {
    const std::string key = GENERATE("architecture", "training", "progress");
    CAPTURE(key);
    f.metadata[key] = "{not json";
    REQUIRE_THROWS_WITH(load(reencode(f)), Catch::Contains(key));
    f.metadata.erase(key);
    REQUIRE_THROWS_WITH(load(reencode(f)), Catch::Contains(key) && Catch::Contains("missing"));
  }
  SECTION("metadata that is JSON but not an object") {
    const std::string key = GENERATE("architecture", "training");
    CAPTURE(key);
    f.metadata[key] = GENERATE(std::string("[16, 6, 5, 4]"), std::string("42"));
    REQUIRE_THROWS_AS(load(reencode(f)), mlp::ModelFileError);
    REQUIRE_THROWS_WITH(load(reencode(f)), "model file: metadata '" + key + "' is not a JSON object");
  }
  SECTION("an invalid configuration") {
    auto training = json::parse(f.metadata.at("training"));
    training["learning_rate"] = -1.0;
    f.metadata["training"] = training.dump();
    REQUIRE_THROWS_AS(load(reencode(f)), mlp::ModelFileError);
    REQUIRE_THROWS_WITH(load(reencode(f)), Catch::Contains("learning rate"));
  }
  SECTION("an unknown activation") {
    auto arch = json::parse(f.metadata.at("architecture"));
    arch["hidden"] = "gelu";
    f.metadata["architecture"] = arch.dump();
    REQUIRE_THROWS_WITH(load(reencode(f)), Catch::Contains("gelu"));
  }
  SECTION("negative progress counters") {
    const std::string counter = GENERATE("epoch", "batch_in_epoch", "step", "optimizer_steps");
    CAPTURE(counter);
    auto progress = json::parse(f.metadata.at("progress"));
    progress[counter] = -3;
    f.metadata["progress"] = progress.dump();
    REQUIRE_THROWS_AS(load(reencode(f)), mlp::ModelFileError);
    REQUIRE_THROWS_WITH(load(reencode(f)), Catch::Contains("progress metadata has negative counters"));
  }
  SECTION("a broken or degenerate random state") {
    auto progress = json::parse(f.metadata.at("progress"));
    const auto [state, message] = GENERATE(std::make_pair(std::string("xyz"), "64 hex digits"),
                                           std::make_pair(std::string(64, '0'), "must not be all zero"));
    const std::string key = GENERATE("rng_state", "epoch_rng_state");
    CAPTURE(key, state);
    progress[key] = state;
    f.metadata["progress"] = progress.dump();
    REQUIRE_THROWS_AS(load(reencode(f)), mlp::ModelFileError);
    REQUIRE_THROWS_WITH(load(reencode(f)),
                        Catch::Contains("progress metadata: random state") && Catch::Contains(message));
  }
}

TEST_CASE("a state that does not fit the trainer is rejected", "[model][trainer]") {
  mlp::TrainerState s = load(saved_model(OptimizerKind::Adam));
  SECTION("missing optimizer state") {
    s.optimizer_state.pop_back();
    REQUIRE_THROWS_AS(mlp::Trainer(s, nullptr), mlp::Error);
    REQUIRE_THROWS_WITH(mlp::Trainer(s, nullptr), Catch::Contains("saved state lacks optimizer state 'v'"));
  }
  SECTION("optimizer state of the wrong length") {
    const auto n = s.parameters.size();
    s.optimizer_state[0].second.conservativeResize(n - 1);
    REQUIRE_THROWS_WITH(mlp::Trainer(s, nullptr),
                        "saved state lacks optimizer state 'm' of " + std::to_string(n) + " values");
  }
  SECTION("parameter count") {
    s.parameters.conservativeResize(s.parameters.size() - 1);
    REQUIRE_THROWS_WITH(mlp::Trainer(s, nullptr), Catch::Contains("parameters"));
  }
}
