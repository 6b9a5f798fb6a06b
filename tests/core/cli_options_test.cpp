// mlp_train's options: the defaults that are facts of the core come from the
// core's one home of each (data_split.hpp), so the command line, the engine
// and the page cannot drift apart; flags override them. (Test names do not
// start with "--", which Catch would read as its own option, nor hold ";",
// which splits a ctest name.)
#include <catch2/catch.hpp>
#include <initializer_list>
#include <string>
#include <vector>

#include "core/cli/options.hpp"
#include "core/data_split.hpp"
#include "core/errors.hpp"

namespace {

mlp::cli::Options parse(std::initializer_list<const char*> flags) {
  std::vector<const char*> argv{"mlp_train"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  return mlp::cli::parse_options(static_cast<int>(argv.size()), argv.data());
}

}  // namespace

TEST_CASE("mlp_train's --validation defaults to the core's hold-out, and its help says so", "[cli]") {
  CHECK(parse({}).validation == mlp::kValidationImages);
  CHECK(mlp::kValidationImages == 10000);  // MNIST's usual split: 50,000 to train on, 10,000 to validate
  CHECK_THAT(mlp::cli::usage(),
             Catch::Contains("held out (default " + std::to_string(mlp::kValidationImages) + ")"));
}

TEST_CASE("mlp_train's --validation N overrides the default, and a negative N is refused", "[cli]") {
  CHECK(parse({"--validation", "2500"}).validation == 2500);
  CHECK(parse({"--validation", "0"}).validation == 0);
  REQUIRE_THROWS_AS(parse({"--validation", "-1"}), mlp::ConfigError);
}
