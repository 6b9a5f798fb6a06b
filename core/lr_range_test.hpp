#pragma once
// The learning-rate range test (Smith 2015; fastai's lr_find): train a copy
// of a run for a few hundred batches while the learning rate grows
// geometrically from tiny to huge, watch the loss fall, flatten and blow up,
// and pick the rate where it falls fastest. The trainer itself is left as
// it was (the test trains a copy made from its state).
#include <string>
#include <vector>

namespace mlp {

class Trainer;

struct LrRangeOptions {
  double start = 1e-6;      // the first batch's η
  double end = 10;          // the last batch's η
  int batches = 200;        // at most this many batches, η_i = start·(end/start)^(i/(batches−1))
  double smoothing = 0.98;  // β of the exponential moving average of the loss
  double stop_factor = 4;   // stop once the smoothed loss exceeds this × its minimum
  void validate() const;    // throws ConfigError
};

struct LrRangeResult {
  std::vector<double> rates;     // η of each batch trained
  std::vector<double> losses;    // that batch's mean loss per sample (before its step)
  std::vector<double> smoothed;  // bias-corrected moving average of losses
  double pick = 0;               // the suggested learning rate
  int pick_index = -1;           // its batch, or for a fallback the last batch whose η ≤ pick
  std::string reason;            // how it was picked, in a sentence
};

struct LrPick {
  double pick = 0;
  int pick_index = -1;
  std::string reason;
};

// The rate where the smoothed loss falls fastest against ln η: the most
// negative slope (s[i+w] − s[i−w]) / (ln η[i+w] − ln η[i−w]), w = kSlopeWindow,
// among points whose window ends at or before the minimum of the smoothed
// loss. Without such a point (the minimum too early, or no fall), the
// minimum's rate / 10. rates: increasing and > 0; both the same size
// (Error otherwise). NaN smoothed values count as above everything.
LrPick pick_learning_rate(const std::vector<double>& rates, const std::vector<double>& smoothed);
inline constexpr int kSlopeWindow = 2;

// Trains a copy of `trainer` (its weights, optimiser state, progress and
// data) on one thread: one batch per rate, an empty slice skipped, until
// `batches` rates are done, the smoothed loss exceeds stop_factor × its
// minimum or is not finite, or the copy diverges. Then pick_learning_rate.
LrRangeResult lr_range_test(const Trainer& trainer, const LrRangeOptions& options = {});

}  // namespace mlp
