// The memory estimate (memory_estimate.hpp) and the streamed model writer
// (model_file.hpp ModelWriter): the writer's pieces are save_model's bytes,
// written from a live trainer without copying its state; the estimate grows
// with the parameters, the optimiser's state and the batch, and validate()
// refuses a configuration over the budget with a message that says why.
#include "core/memory_estimate.hpp"

#include <catch2/catch.hpp>

#include "core/errors.hpp"
#include "core/model_file.hpp"
#include "core/trainer.hpp"

namespace {

mlp::TrainConfig config_of(std::vector<int> sizes, mlp::OptimizerKind kind, int batch) {
  mlp::TrainConfig c;
  c.architecture.sizes = std::move(sizes);
  c.optimizer.kind = kind;
  c.batch_size = batch;
  return c;
}

}  // namespace

TEST_CASE("ModelWriter writes save_model's bytes from a trainer's own vectors", "[model_file][memory]") {
  for (auto kind : {mlp::OptimizerKind::Sgd, mlp::OptimizerKind::Momentum, mlp::OptimizerKind::Adam}) {
    // 12 layers: names sort "layers.10" before "layers.2", as the file lays them out.
    mlp::Trainer trainer(config_of({8, 40, 7, 5, 6, 3, 9, 4, 8, 2, 5, 6, 3}, kind, 4), nullptr);
    const mlp::ModelWriter writer(trainer.state_view());
    std::vector<std::uint8_t> streamed;
    std::size_t pieces = 0;
    writer.write([&](const std::uint8_t* p, std::size_t n) {
      streamed.insert(streamed.end(), p, p + n);
      ++pieces;
    });
    const std::vector<std::uint8_t> whole = mlp::save_model(trainer.state());
    REQUIRE(streamed.size() == writer.size());
    REQUIRE(streamed == whole);
    REQUIRE(pieces > 12);
    const mlp::TrainerState back = mlp::load_model(streamed.data(), streamed.size());
    REQUIRE(back.parameters == trainer.network().parameters());
  }
}

TEST_CASE("the memory estimate follows parameters, optimiser state and batch", "[memory]") {
  using K = mlp::OptimizerKind;
  const auto sgd = mlp::estimate_memory(config_of({784, 1000, 10}, K::Sgd, 128));
  const auto adam = mlp::estimate_memory(config_of({784, 1000, 10}, K::Adam, 128));
  const auto big_batch = mlp::estimate_memory(config_of({784, 1000, 10}, K::Sgd, 8192));
  const double p = 4 * sgd.parameters;
  REQUIRE(sgd.parameters == 795010);
  REQUIRE(sgd.file == Approx(p).margin(30000));
  REQUIRE(adam.file == Approx(3 * p).margin(30000));
  REQUIRE(adam.training - sgd.training == Approx(4 * p));  // two moments and their snapshot
  REQUIRE(big_batch.training > sgd.training + 4.0 * 1010 * 2 * (8192 - 1000));
  REQUIRE(adam.peak() >= adam.loading);
  REQUIRE(adam.loading >= 3 * adam.file);
  REQUIRE(sgd.saving < 1e6);  // streamed: no copy of the model
}

TEST_CASE("validate() refuses a configuration whose memory exceeds the budget, naming what to change",
          "[memory]") {
  // 37 GB for the activations of 65,536 columns alone: more than any build's budget (16 GiB natively).
  const mlp::TrainConfig c = config_of({784, 65536, 10}, mlp::OptimizerKind::Adam, 65536);
  REQUIRE(mlp::estimate_memory(c).peak() > mlp::memory_budget());
  try {
    c.validate();
    FAIL("accepted");
  } catch (const mlp::ConfigError& e) {
    const std::string m = e.what();
    REQUIRE_THAT(m, Catch::Contains("784-65536-10 with adam and batches of 65536 needs about"));
    REQUIRE_THAT(m, Catch::Contains("this engine can use"));
    REQUIRE_THAT(m, Catch::Contains("smaller batch"));
  }
  REQUIRE_NOTHROW(config_of({784, 20, 10}, mlp::OptimizerKind::Adam, 128).validate());
}
