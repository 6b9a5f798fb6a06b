#pragma once
// Spikes in a training curve: the report's deep network (784-80-40-20-10)
// shows sudden jumps of its training accuracy late in training. A spike is a
// change of more than `threshold` (a fraction: 0.02 is 2 points) between an
// epoch and the previous epoch that has a value, after the first `after`
// epochs (early training rises fast without anything going wrong). A drop
// and its recovery are two spikes, of opposite signs.
#include <vector>

namespace mlp {

struct SpikeRule {
  double threshold = 0.02;  // |Δ accuracy| strictly above this is a spike
  int after = 10;           // epochs 1..after are never spikes
  void validate() const;    // throws ConfigError: threshold finite and ≥ 0, after ≥ 0
};

struct Spike {
  int epoch;      // 1-based: the epoch whose value jumped
  double change;  // accuracy(epoch) − accuracy(the previous epoch with a value), signed
};

// accuracy_per_epoch: index 0 is epoch 1; NaN (or infinite) entries are
// epochs without a value, skipped. Spikes in epoch order.
std::vector<Spike> detect_spikes(const std::vector<double>& accuracy_per_epoch, SpikeRule rule = {});

}  // namespace mlp
