#include "lr_range_test.hpp"

#include <cmath>
#include <limits>
#include <sstream>

#include "config_field.hpp"
#include "errors.hpp"
#include "trainer.hpp"

namespace mlp {

namespace {

std::string rate_text(double x) {
  std::ostringstream s;
  s.precision(3);
  s << x;
  return s.str();
}

}  // namespace

void LrRangeOptions::validate() const {
  if (!std::isfinite(start) || !std::isfinite(end) || !(start > 0))
    throw ConfigError("the range test's rates must be finite and > 0, got start " + rate_text(start) +
                      " and end " + rate_text(end));
  if (!(start < end))
    throw ConfigError("the range test's start rate (" + rate_text(start) + ") must be below its end rate (" +
                      rate_text(end) + ")");
  const Interval& rates = config_field("learning_rate").range;
  if (!rates.contains(start) || !rates.contains(end))
    throw ConfigError("the range test's rates must be learning rates, in " + rates.describe() +
                      ", got start " + rate_text(start) + " and end " + rate_text(end));
  if (batches < 10 || batches > 100000)
    throw ConfigError("the range test needs between 10 and 100000 batches, got " + std::to_string(batches));
  if (!(smoothing >= 0 && smoothing < 1))
    throw ConfigError("the range test's smoothing must be in [0, 1), got " + rate_text(smoothing));
  if (!std::isfinite(stop_factor) || !(stop_factor > 1))
    throw ConfigError("the range test's stop factor must be a finite number > 1, got " +
                      rate_text(stop_factor));
}

LrPick pick_learning_rate(const std::vector<double>& rates, const std::vector<double>& smoothed) {
  if (rates.size() != smoothed.size())
    throw Error("rates and smoothed losses differ in length (" + std::to_string(rates.size()) + " and " +
                std::to_string(smoothed.size()) + ")");
  if (rates.empty()) throw Error("no rates to pick from");
  for (std::size_t i = 0; i < rates.size(); ++i)
    if (!std::isfinite(rates[i]) || !(rates[i] > 0) || (i > 0 && !(rates[i] > rates[i - 1])))
      throw Error("rates must be finite, > 0 and increasing; rates[" + std::to_string(i) + "] is " +
                  rate_text(rates[i]));
  const int n = static_cast<int>(rates.size());
  int minimum = -1;
  for (int i = 0; i < n; ++i)
    if (std::isfinite(smoothed[static_cast<std::size_t>(i)]) &&
        (minimum < 0 || smoothed[static_cast<std::size_t>(i)] < smoothed[static_cast<std::size_t>(minimum)]))
      minimum = i;
  if (minimum < 0) throw Error("no smoothed loss is a finite number");
  const auto at = [&](const std::vector<double>& v, int i) { return v[static_cast<std::size_t>(i)]; };
  int best = -1;
  double steepest = 0;
  for (int i = kSlopeWindow; i + kSlopeWindow <= minimum; ++i) {
    const double rise = at(smoothed, i + kSlopeWindow) - at(smoothed, i - kSlopeWindow);
    const double run = std::log(at(rates, i + kSlopeWindow)) - std::log(at(rates, i - kSlopeWindow));
    const double slope = rise / run;
    if (std::isfinite(slope) && slope < steepest) {
      steepest = slope;
      best = i;
    }
  }
  LrPick p;
  if (best >= 0) {
    p.pick = at(rates, best);
    p.pick_index = best;
    p.reason = "the smoothed loss falls fastest at η = " + rate_text(p.pick) + " (" + rate_text(steepest) +
               " per e-fold of η), before its minimum at η = " + rate_text(at(rates, minimum));
    return p;
  }
  p.pick = at(rates, minimum) / 10;
  p.pick_index = 0;
  for (int i = 0; i < n; ++i)
    if (at(rates, i) <= p.pick) p.pick_index = i;
  p.reason = std::string(minimum < 2 * kSlopeWindow ? "the smoothed loss is lowest within the first few rates"
                                                    : "the smoothed loss never falls before its minimum") +
             ", so the pick is the minimum's rate / 10: " + rate_text(p.pick);
  return p;
}

LrRangeResult lr_range_test(const Trainer& trainer, const LrRangeOptions& options) {
  options.validate();
  if (!trainer.training_data()) throw Error("no training data: load a dataset first");
  Trainer copy(trainer.state(), trainer.training_data());  // one thread: no pool
  LrRangeResult r;
  const double ratio = options.end / options.start;
  double average = 0, lowest = std::numeric_limits<double>::infinity();
  const int attempts = 10 * options.batches;  // empty slices are skipped, but not forever
  std::string stopped;
  for (int attempt = 0; attempt < attempts && static_cast<int>(r.rates.size()) < options.batches; ++attempt) {
    const int i = static_cast<int>(r.rates.size());
    const double rate = options.start * std::pow(ratio, static_cast<double>(i) / (options.batches - 1));
    copy.set_learning_rate(rate);
    double loss;
    try {
      const ChunkResult c = copy.train_batches(1);
      if (c.samples == 0) continue;  // an empty slice: no loss, no step
      loss = c.loss;
    } catch (const DivergedError&) {
      stopped = "training diverged at η = " + rate_text(rate);
      break;
    }
    average = options.smoothing * average + (1 - options.smoothing) * loss;
    const double smooth = average / (1 - std::pow(options.smoothing, i + 1));  // bias-corrected
    r.rates.push_back(rate);
    r.losses.push_back(loss);
    r.smoothed.push_back(smooth);
    if (!std::isfinite(smooth)) {
      stopped = "the loss stopped being finite at η = " + rate_text(rate);
      break;
    }
    lowest = std::min(lowest, smooth);
    if (smooth > options.stop_factor * lowest) {
      stopped = "the smoothed loss passed " + rate_text(options.stop_factor) +
                "× its minimum at η = " + rate_text(rate);
      break;
    }
  }
  if (r.rates.empty()) throw Error("the range test trained no batch: " + stopped);
  LrPick p = pick_learning_rate(r.rates, r.smoothed);
  r.pick = p.pick;
  r.pick_index = p.pick_index;
  r.reason = p.reason + (stopped.empty() ? "" : "; stopped early: " + stopped);
  return r;
}

}  // namespace mlp
