// The learning-rate range test (core/lr_range_test.hpp): the pick on a
// synthetic loss curve, options that make no sense, the trainer left bit
// for bit as it was, and on a real small run a pick that trains better than
// the range's ends.
#include "core/lr_range_test.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <memory>
#include <vector>

#include "core/errors.hpp"
#include "core/trainer.hpp"
#include "test_support.hpp"

using mlp::LrRangeOptions;

namespace {

// 100 rates from 1e-6 to 10 (as lr_range_test spaces them) and a loss that
// falls as a sigmoid in log₁₀ η, steepest at η = 1e-3, flattens, then blows
// up past η = 0.1.
struct Curve {
  std::vector<double> rates, loss;
};
Curve synthetic_curve() {
  Curve c;
  for (int i = 0; i < 100; ++i) {
    const double rate = 1e-6 * std::pow(1e7, i / 99.0);
    const double x = std::log10(rate);
    double loss = 2.3 - 2.0 / (1 + std::exp(-3 * (x + 3)));
    if (x > -1) loss += std::exp(5 * (x + 1)) - 1;
    c.rates.push_back(rate);
    c.loss.push_back(loss);
  }
  return c;
}

// Mean training loss after `batches` batches at `rate` from the trainer's state (a diverged run: infinity).
double loss_after(const mlp::Trainer& from, double rate, int batches) {
  mlp::Trainer t(from.state(), from.training_data());
  t.set_learning_rate(rate);
  try {
    for (int done = 0; done < batches;) done += t.train_batches(batches - done).batches;
  } catch (const mlp::DivergedError&) {
    return INFINITY;
  }
  const double loss = t.evaluate_training().loss;
  return std::isfinite(loss) ? loss : INFINITY;
}

}  // namespace

TEST_CASE("the pick is where the smoothed loss falls fastest, before its minimum", "[lr-range]") {
  const Curve c = synthetic_curve();
  const mlp::LrPick p = mlp::pick_learning_rate(c.rates, c.loss);
  // The steepest point, log₁₀ η = −3, lies between grid points 42 and 43 (steps of 7/99).
  CHECK(p.pick_index >= 41);
  CHECK(p.pick_index <= 44);
  CHECK(std::abs(std::log10(p.pick) + 3) <= 1.5 * 7 / 99.0);
  CHECK(p.pick == c.rates[static_cast<std::size_t>(p.pick_index)]);
  CHECK_THAT(p.reason, Catch::Contains("falls fastest"));
}

TEST_CASE("without a fall before the minimum the pick is the minimum's rate / 10", "[lr-range]") {
  const std::vector<double> rates{1e-3, 1e-2, 1e-1, 1, 10, 100};
  const mlp::LrPick rising = mlp::pick_learning_rate(rates, {1, 2, 3, 4, 5, 6});
  CHECK(rising.pick == Approx(1e-4));
  CHECK(rising.pick_index == 0);
  CHECK_THAT(rising.reason, Catch::Contains("/ 10"));
  // The minimum (at η = 1) within the first 2·kSlopeWindow rates: no window ends before it.
  const mlp::LrPick early = mlp::pick_learning_rate(rates, {3, 2.5, 2, 1, 4, 5});
  CHECK(early.pick == Approx(0.1));
  CHECK(early.pick_index == 2);
  CHECK_THAT(early.reason, Catch::Contains("lowest within the first few rates"));
  // A fall right before a late minimum is a fall: picked.
  CHECK(mlp::pick_learning_rate(rates, {3, 3, 3, 3, 3, 1}).pick_index == 3);
  CHECK_THROWS_AS(mlp::pick_learning_rate(rates, {1, 2}), mlp::Error);
  CHECK_THROWS_WITH(mlp::pick_learning_rate({1, 1, 2}, {1, 2, 3}), Catch::Contains("increasing"));
  CHECK_THROWS_WITH(mlp::pick_learning_rate({1, 2}, {NAN, NAN}), Catch::Contains("finite"));
}

TEST_CASE("range test options that make no sense are refused with what is wrong", "[lr-range]") {
  mlp::Trainer trainer(mlp_test::small_config(), mlp_test::share(mlp_test::make_quadrants(256)));
  const auto refused = [&](LrRangeOptions o, const char* text) {
    CHECK_THROWS_AS(mlp::lr_range_test(trainer, o), mlp::ConfigError);
    CHECK_THROWS_WITH(mlp::lr_range_test(trainer, o), Catch::Contains(text));
  };
  refused({1, 1e-3}, "must be below its end rate");
  refused({1, 1}, "must be below its end rate");
  refused({0, 1}, "finite and > 0");
  refused({NAN, 1}, "finite and > 0");
  refused({1e-6, INFINITY}, "finite and > 0");
  refused({1e-6, 10, 9}, "between 10 and 100000 batches");
  refused({1e-6, 10, 200, 1.0}, "smoothing");
  refused({1e-6, 10, 200, 0.98, 1}, "stop factor");
  mlp::Trainer empty(mlp_test::small_config(), nullptr);
  CHECK_THROWS_WITH(mlp::lr_range_test(empty), Catch::Contains("no training data"));
}

TEST_CASE("the range test leaves the trainer bit for bit as it was, and its pick trains better than its ends",
          "[lr-range]") {
  // The summed gradient (8× the mean's step) up to η = 100: the loss blows up before the range ends.
  mlp::TrainConfig c = mlp_test::small_config();
  c.gradient = mlp::GradientScale::Sum;
  mlp::Trainer trainer(c, mlp_test::share(mlp_test::make_quadrants(512)));
  trainer.train_batches(5);
  const mlp::TrainerState before = trainer.state();
  LrRangeOptions options;
  options.end = 100;
  options.batches = 100;
  const mlp::LrRangeResult r = mlp::lr_range_test(trainer, options);
  const mlp::TrainerState after = trainer.state();
  CHECK(after.parameters == before.parameters);
  CHECK(after.progress.step == before.progress.step);
  CHECK(after.progress.rng_state == before.progress.rng_state);
  CHECK(after.config.optimizer.learning_rate == before.config.optimizer.learning_rate);

  REQUIRE(!r.rates.empty());
  CHECK(r.rates.size() == r.losses.size());
  CHECK(r.rates.size() == r.smoothed.size());
  CHECK(r.rates.front() == options.start);
  CHECK(r.rates.size() < 100);  // stopped early: the loss blew up
  REQUIRE(r.pick_index >= 0);
  CHECK(r.pick == r.rates[static_cast<std::size_t>(r.pick_index)]);
  INFO("pick " << r.pick << " after " << r.rates.size() << " rates: " << r.reason);
  const double at_pick = loss_after(trainer, r.pick, 100);
  CHECK(at_pick < loss_after(trainer, options.start, 100));
  CHECK(at_pick < loss_after(trainer, options.end, 100));
}
