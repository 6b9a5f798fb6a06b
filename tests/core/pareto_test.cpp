// The Pareto front and its knee (core/pareto.hpp) on constructed sets:
// dominated points, ties, duplicates, a clear knee, every step paying.
#include "core/pareto.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "core/errors.hpp"

using mlp::ParetoPoint;
using Indices = std::vector<int>;

TEST_CASE("the front keeps the non-dominated points, cheapest first", "[pareto]") {
  const std::vector<ParetoPoint> points{
      {4, 0.95},  // 0: front
      {1, 0.80},  // 1: front
      {2, 0.79},  // 2: dominated by 1 (cheaper, better)
      {2, 0.90},  // 3: front
      {8, 0.95},  // 4: dominated by 0 (same value, cheaper)
      {3, 0.90},  // 5: dominated by 3 (same value, cheaper)
  };
  CHECK(mlp::pareto_front(points) == Indices{1, 3, 0});
}

TEST_CASE("ties: at equal cost the better value, of equal points the first", "[pareto]") {
  CHECK(mlp::pareto_front({{1, 0.5}, {1, 0.7}, {1, 0.6}}) == Indices{1});
  CHECK(mlp::pareto_front({{2, 0.9}, {1, 0.5}, {2, 0.9}, {1, 0.5}}) == Indices{1, 0});
  CHECK(mlp::pareto_front({}).empty());
  CHECK_THROWS_AS(mlp::pareto_front({{1, NAN}}), mlp::Error);
}

TEST_CASE("the knee: the last point after which a doubling of cost buys too little", "[pareto]") {
  // Costs doubling; gains per doubling 0.10, 0.05, 0.004, 0.002.
  const std::vector<ParetoPoint> points{{1, 0.80}, {2, 0.90}, {4, 0.95}, {8, 0.954}, {16, 0.956}};
  const auto front = mlp::pareto_front(points);
  REQUIRE(front == Indices{0, 1, 2, 3, 4});
  const mlp::Knee k = mlp::knee(points, front, 0.01);
  CHECK(k.index == 2);
  CHECK(k.gain_per_doubling_next == Approx(0.004));
  // Per doubling, not per step: a 4× step of +0.06 pays 0.03 a doubling.
  const std::vector<ParetoPoint> wide{{1, 0.80}, {4, 0.86}, {8, 0.865}};
  CHECK(mlp::knee(wide, mlp::pareto_front(wide), 0.02).index == 1);
  CHECK(mlp::knee(wide, mlp::pareto_front(wide), 0.04).index == 0);
}

TEST_CASE("the knee when every step pays, and of too short a front", "[pareto]") {
  const std::vector<ParetoPoint> points{{1, 0.5}, {2, 0.7}, {4, 0.9}};
  const mlp::Knee all = mlp::knee(points, mlp::pareto_front(points), 0.1);
  CHECK(all.index == 2);
  CHECK(std::isnan(all.gain_per_doubling_next));
  CHECK(mlp::knee(points, {1}, 0.1).index == -1);
  CHECK(mlp::knee(points, {}, 0.1).index == -1);
  CHECK_THROWS_WITH(mlp::knee({{0, 0.5}, {1, 0.6}}, {0, 1}, 0.1), Catch::Contains("costs > 0"));
  CHECK_THROWS_AS(mlp::knee(points, {0, 7}, 0.1), mlp::Error);
}
