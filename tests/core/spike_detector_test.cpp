// Spikes in a training curve (core/spike_detector.hpp) on constructed
// curves: one spike and its recovery, a steady rise, noise under the
// threshold, a jump in the first epochs, a change exactly at the threshold,
// epochs without a value, and rules that make no sense.
#include "core/spike_detector.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "core/errors.hpp"

using mlp::detect_spikes;
using mlp::SpikeRule;

namespace {

// 40 epochs at a plateau of 0.9.
std::vector<double> plateau(double level = 0.9, int epochs = 40) {
  return std::vector<double>(static_cast<std::size_t>(epochs), level);
}

}  // namespace

TEST_CASE("a drop and its recovery are two spikes, with their epochs and signed changes", "[spikes]") {
  std::vector<double> acc = plateau();
  acc[24] = 0.8;  // epoch 25 drops 10 points, epoch 26 recovers them
  const auto spikes = detect_spikes(acc);
  REQUIRE(spikes.size() == 2);
  CHECK(spikes[0].epoch == 25);
  CHECK(spikes[0].change == Approx(-0.1));
  CHECK(spikes[1].epoch == 26);
  CHECK(spikes[1].change == Approx(0.1));
}

TEST_CASE("a steady rise of 1.5 points an epoch is no spike", "[spikes]") {
  std::vector<double> acc;
  for (int e = 0; e < 60; ++e) acc.push_back(0.1 + 0.015 * e);
  CHECK(detect_spikes(acc).empty());
}

TEST_CASE("noise under the threshold is no spike", "[spikes]") {
  std::vector<double> acc = plateau();
  for (std::size_t i = 0; i < acc.size(); ++i) acc[i] += (i % 2 ? 0.009 : -0.009);  // swings of 1.8 points
  CHECK(detect_spikes(acc).empty());
}

TEST_CASE("jumps within the first epochs are ignored, from the rule's epoch on they count", "[spikes]") {
  std::vector<double> acc = plateau();
  acc[4] = 0.5;  // epochs 5 and 6 jump by 40 points
  CHECK(detect_spikes(acc).empty());
  acc[9] = 0.5;  // epoch 10 (the last ignored) drops, epoch 11 recovers
  const auto spikes = detect_spikes(acc);
  REQUIRE(spikes.size() == 1);
  CHECK(spikes[0].epoch == 11);
  CHECK(detect_spikes(acc, {0.02, 0}).size() == 4);  // nothing ignored
}

TEST_CASE("a change exactly at the threshold is no spike, just above it is", "[spikes]") {
  // Powers of two, so that the differences are exact.
  const SpikeRule rule{0.125, 10};
  std::vector<double> acc = plateau(0.5);
  acc[19] = 0.625;  // +0.125 then −0.125
  CHECK(detect_spikes(acc, rule).empty());
  acc[19] = 0.625 + 0x1p-20;
  CHECK(detect_spikes(acc, rule).size() == 2);
}

TEST_CASE("epochs without a value are skipped: the change is from the previous epoch with one", "[spikes]") {
  std::vector<double> acc = plateau();
  acc[20] = NAN;
  acc[21] = NAN;
  acc[22] = 0.85;  // epoch 23 against epoch 20
  const auto spikes = detect_spikes(acc);
  REQUIRE(spikes.size() == 2);
  CHECK(spikes[0].epoch == 23);
  CHECK(spikes[0].change == Approx(-0.05));
  CHECK(spikes[1].epoch == 24);
  CHECK(detect_spikes({}).empty());
  CHECK(detect_spikes({NAN, NAN}).empty());
}

TEST_CASE("the default rule is 2 points after 10 epochs; rules that make no sense are refused", "[spikes]") {
  CHECK(SpikeRule{}.threshold == 0.02);
  CHECK(SpikeRule{}.after == 10);
  CHECK_THROWS_AS(detect_spikes(plateau(), {-0.01, 10}), mlp::ConfigError);
  CHECK_THROWS_WITH(detect_spikes(plateau(), {NAN, 10}), Catch::Contains("spike threshold"));
  CHECK_THROWS_AS(detect_spikes(plateau(), {0.02, -1}), mlp::ConfigError);
}
