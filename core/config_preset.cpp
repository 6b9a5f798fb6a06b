#include "config_preset.hpp"

#include "errors.hpp"

namespace mlp {
namespace {

constexpr ConfigPreset kPresets[] = {
    {"report-code",
     "the report's code",
     "as the course template the report's code was built on trains: the first 3,000 training images, "
     "Gaussian "
     "initialisation, batches sliced between two random indices, a step of η/2 times the summed gradient",
     {{"train_limit", "3000"}, {"init", "gaussian"}, {"batching", "slices"}, {"gradient", "half"}}},
    {"proper-mean",
     "done properly, mean gradient",
     "all 50,000 training images, shuffled batches that see every image once an epoch, Glorot "
     "initialisation, a "
     "step of η times the batch's mean gradient",
     {{"train_limit", "0"}, {"init", "uniform"}, {"batching", "shuffled"}, {"gradient", "mean"}}},
    {"proper-sum",
     "done properly, summed gradient",
     "all 50,000 training images, shuffled batches, Glorot initialisation, a step of η times the batch's "
     "summed "
     "gradient (128 times the mean's)",
     {{"train_limit", "0"}, {"init", "uniform"}, {"batching", "shuffled"}, {"gradient", "sum"}}},
};

}  // namespace

ConfigPresets config_presets() {
  return {kPresets, sizeof kPresets / sizeof kPresets[0]};
}

const ConfigPreset& config_preset(const std::string& name) {
  std::string known;
  for (const auto& p : config_presets()) {
    if (name == p.name) return p;
    known += (known.empty() ? "" : ", ") + std::string(p.name);
  }
  throw ConfigError("unknown preset '" + name.substr(0, 32) + "' (expected " + known + ")");
}

void apply(TrainConfig& c, const ConfigPreset& preset) {
  for (const auto& v : preset.values) {
    if (!v.field) continue;
    const ConfigField& f = config_field(v.field);
    assign(c, f, parse_value(f, v.text, f.name));
  }
}

}  // namespace mlp
