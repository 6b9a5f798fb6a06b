// What a network costs to train (core/training_cost.hpp), against counts
// written out by hand for the report's two networks.
#include "core/training_cost.hpp"

#include <catch2/catch.hpp>

#include "core/architecture.hpp"
#include "core/errors.hpp"

TEST_CASE("the report's 784-20-10: parameters and FLOPs per sample counted by hand", "[cost]") {
  const mlp::TrainingCost c = mlp::training_cost({784, 20, 10});
  // Weights 784·20 = 15,680 and 20·10 = 200; biases 20 + 10.
  CHECK(c.parameters == 15680 + 200 + 20 + 10);  // 15,910
  // Forward 2·(15,680 + 200) = 31,760; ∇W the same, 31,760; Wᵀ G for the
  // second layer only, 2·200 = 400.
  CHECK(c.flops_per_sample == 31760.0 + 31760.0 + 400.0);  // 63,920
  CHECK(c.parameters == mlp::parameter_count({784, 20, 10}));
}

TEST_CASE("the report's deep 784-80-40-20-10: parameters and FLOPs per sample counted by hand", "[cost]") {
  const mlp::TrainingCost c = mlp::training_cost({784, 80, 40, 20, 10});
  // Weights 62,720 + 3,200 + 800 + 200 = 66,920; biases 80 + 40 + 20 + 10 = 150.
  CHECK(c.parameters == 67070);
  // Forward 2·66,920 = 133,840; ∇W 133,840; Wᵀ G for layers 2..4: 2·(3,200 + 800 + 200) = 8,400.
  CHECK(c.flops_per_sample == 133840.0 + 133840.0 + 8400.0);  // 276,080
}

TEST_CASE("a cost needs two sizes of at least 1", "[cost]") {
  CHECK_THROWS_AS(mlp::training_cost({784}), mlp::ConfigError);
  CHECK_THROWS_WITH(mlp::training_cost({784, 0, 10}), Catch::Contains("layer 1 has size 0"));
}
