#pragma once
// Named readings of the report, as values for some configuration fields (the
// rest keep their defaults, which are the report's network: 784-20-10
// sigmoid, BCE, SGD at η = 0.001, batches of 128). Shared by the CLI
// (--preset) and, through the engine's presets() call, the page. Constant data.
#include <cstddef>
#include <string>

#include "config_field.hpp"

namespace mlp {

struct PresetValue {
  const char* field = nullptr;  // model-file name
  const char* text = nullptr;   // as the command line writes it (parse_value)
};

struct ConfigPreset {
  const char* name;         // "report-code"
  const char* label;        // "the report's code"
  const char* description;  // one sentence
  PresetValue values[4];
};

struct ConfigPresets {
  const ConfigPreset* first;
  std::size_t count;
  const ConfigPreset* begin() const { return first; }
  const ConfigPreset* end() const { return first + count; }
};

ConfigPresets config_presets();
// The preset called `name`; throws ConfigError naming the known ones.
const ConfigPreset& config_preset(const std::string& name);
// Sets the preset's fields on c.
void apply(TrainConfig& c, const ConfigPreset& preset);

}  // namespace mlp
