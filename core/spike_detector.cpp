#include "spike_detector.hpp"

#include <cmath>
#include <string>

#include "errors.hpp"

namespace mlp {

void SpikeRule::validate() const {
  if (!std::isfinite(threshold) || threshold < 0)
    throw ConfigError("the spike threshold must be a finite number ≥ 0, got " + std::to_string(threshold));
  if (after < 0) throw ConfigError("the spike rule's first epochs must be ≥ 0, got " + std::to_string(after));
}

std::vector<Spike> detect_spikes(const std::vector<double>& accuracy_per_epoch, SpikeRule rule) {
  rule.validate();
  std::vector<Spike> spikes;
  int previous = -1;  // index of the last finite entry
  for (int i = 0; i < static_cast<int>(accuracy_per_epoch.size()); ++i) {
    const double a = accuracy_per_epoch[static_cast<std::size_t>(i)];
    if (!std::isfinite(a)) continue;
    const int epoch = i + 1;
    if (previous >= 0 && epoch > rule.after) {
      const double change = a - accuracy_per_epoch[static_cast<std::size_t>(previous)];
      if (std::abs(change) > rule.threshold) spikes.push_back({epoch, change});
    }
    previous = i;
  }
  return spikes;
}

}  // namespace mlp
