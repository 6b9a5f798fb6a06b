#include "model_file.hpp"

#include <nlohmann/json.hpp>

#include "config_field.hpp"
#include "errors.hpp"
#include "random.hpp"
#include "safetensors.hpp"

namespace mlp {
namespace {

using nlohmann::json;
constexpr const char* kFormat = "mnist-mlp/1";

std::string layer_name(int k, const char* part) { return "layers." + std::to_string(k) + "." + part; }

[[noreturn]] void fail(const std::string& message) { throw ModelFileError("model file: " + message); }

const char* section_of(const ConfigField& f) {
  return f.group == FieldGroup::Architecture ? "architecture" : "training";
}

json value_json(const ConfigField& f, const FieldValue& v) {
  switch (f.kind) {
    case FieldKind::Integer: return static_cast<std::int64_t>(std::get<double>(v));
    case FieldKind::Number: return std::get<double>(v);
    case FieldKind::Boolean: return std::get<bool>(v);
    case FieldKind::Choice: return std::get<std::string>(v);
    case FieldKind::Sizes: return std::get<std::vector<int>>(v);
  }
  return nullptr;
}

// A field's JSON value as a FieldValue, its JSON type checked (check_value then checks its range).
FieldValue field_value(const ConfigField& f, const json& j) {
  const auto wrong = [&](const char* what) -> FieldValue {
    fail("metadata '" + std::string(section_of(f)) + "': '" + std::string(f.name) + "' must be " + what + ", got a " +
         j.type_name());
  };
  switch (f.kind) {
    case FieldKind::Number: return j.is_number() ? FieldValue(j.get<double>()) : wrong("a number");
    case FieldKind::Integer:
      if (j.is_number()) return j.get<double>();
      // Files written before the schema store the seed as a string of digits.
      if (j.is_string() && !j.get_ref<const std::string&>().empty() && j.get_ref<const std::string&>().size() <= 16 &&
          j.get_ref<const std::string&>().find_first_not_of("0123456789") == std::string::npos)
        return std::stod(j.get<std::string>());
      return wrong("a whole number");
    case FieldKind::Boolean: return j.is_boolean() ? FieldValue(j.get<bool>()) : wrong("true or false");
    case FieldKind::Choice: return j.is_string() ? FieldValue(j.get<std::string>()) : wrong("a string");
    case FieldKind::Sizes: {
      if (!j.is_array() || j.size() > 1000) return wrong("an array of at most 1000 sizes");
      std::vector<int> sizes;
      for (const auto& e : j) {
        if (!e.is_number_integer() || e.get<double>() < -2147483648.0 || e.get<double>() > 2147483647.0)
          return wrong("an array of whole numbers");
        sizes.push_back(e.get<int>());
      }
      return sizes;
    }
  }
  return wrong("valid");
}

// Reads a JSON string from metadata, with the key named in any error.
json metadata_json(const SafeTensors& file, const std::string& key) {
  auto it = file.metadata.find(key);
  if (it == file.metadata.end()) fail("metadata '" + key + "' is missing");
  try {
    return json::parse(it->second);
  } catch (const json::exception& e) {
    fail("metadata '" + key + "' is not valid JSON (" + e.what() + ")");
  }
}

TrainConfig parse_config(const json& arch, const json& training) {
  if (!arch.is_object()) fail("metadata 'architecture' is not a JSON object");
  if (!training.is_object()) fail("metadata 'training' is not a JSON object");
  TrainConfig c;
  try {
    for (const auto& f : config_fields()) {
      const json& section = f.group == FieldGroup::Architecture ? arch : training;
      const auto it = section.find(f.name);
      // Files written before the step factor was a choice say sum_gradients: true/false.
      const auto legacy = training.find("sum_gradients");
      if (std::string(f.name) == "gradient" && it == section.end() && legacy != training.end() && legacy->is_boolean()) {
        assign(c, f, std::string(legacy->get<bool>() ? "sum" : "mean"));
        continue;
      }
      if (it == section.end()) {
        if (f.required_in_file) fail("metadata '" + std::string(section_of(f)) + "' lacks '" + std::string(f.name) + "'");
        continue;
      }
      assign(c, f, field_value(f, *it));
    }
    c.validate();
  } catch (const ConfigError& e) {
    fail(std::string("invalid configuration: ") + e.what());
  }
  return c;
}

const Tensor& tensor(const SafeTensors& file, const std::string& name, std::vector<std::int64_t> shape) {
  auto it = file.tensors.find(name);
  if (it == file.tensors.end()) fail("tensor '" + name + "' is missing");
  if (it->second.shape != shape)
    fail("tensor '" + name + "' has shape " + json(it->second.shape).dump() + ", expected " + json(shape).dump());
  return it->second;
}

}  // namespace

std::vector<std::uint8_t> save_model(const TrainerState& state) {
  const auto& arch = state.config.architecture;
  SafeTensors file;
  file.metadata["format"] = kFormat;
  json sections{{"architecture", json::object()}, {"training", json::object()}};
  for (const auto& f : config_fields()) sections[section_of(f)][f.name] = value_json(f, f.get(state.config));
  file.metadata["architecture"] = sections["architecture"].dump();
  file.metadata["training"] = sections["training"].dump();
  const auto& p = state.progress;
  file.metadata["progress"] = json{{"epoch", p.epoch}, {"batch_in_epoch", p.batch_in_epoch}, {"step", p.step},
                                   {"optimizer_steps", state.optimizer_steps},
                                   {"epoch_rng_state", p.epoch_rng_state}, {"rng_state", p.rng_state}}
                                  .dump();
  Eigen::Index offset = 0;
  for (int k = 0; k < arch.layer_count(); ++k) {
    const int in = arch.sizes[k], out = arch.sizes[k + 1];
    Tensor w{{out, in}, std::vector<float>(static_cast<std::size_t>(out) * in)};
    // Row-major [out, in], as PyTorch's nn.Linear stores it.
    Eigen::Map<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(w.data.data(), out, in) =
        Eigen::Map<const Matrix<float>>(state.parameters.data() + offset, out, in);
    offset += static_cast<Eigen::Index>(out) * in;
    Tensor b{{out}, std::vector<float>(state.parameters.data() + offset, state.parameters.data() + offset + out)};
    offset += out;
    file.tensors[layer_name(k, "weight")] = std::move(w);
    file.tensors[layer_name(k, "bias")] = std::move(b);
  }
  for (const auto& [name, vec] : state.optimizer_state)
    file.tensors["optimizer." + name] = Tensor{{vec.size()}, std::vector<float>(vec.data(), vec.data() + vec.size())};
  return encode_safetensors(file);
}

TrainerState load_model(const std::uint8_t* data, std::size_t size) {
  const SafeTensors file = decode_safetensors(data, size);
  auto format = file.metadata.find("format");
  if (format == file.metadata.end() || format->second != kFormat)
    fail("not a model of this trainer (metadata 'format' must be '" + std::string(kFormat) + "')");
  TrainerState state;
  state.config = parse_config(metadata_json(file, "architecture"), metadata_json(file, "training"));
  const auto& arch = state.config.architecture;

  state.parameters.resize(static_cast<Eigen::Index>(arch.parameter_count()));
  std::size_t expected_tensors = 0;
  Eigen::Index offset = 0;
  for (int k = 0; k < arch.layer_count(); ++k) {
    const int in = arch.sizes[k], out = arch.sizes[k + 1];
    const auto& w = tensor(file, layer_name(k, "weight"), {out, in});
    Eigen::Map<Matrix<float>>(state.parameters.data() + offset, out, in) =
        Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(w.data.data(), out, in);
    offset += static_cast<Eigen::Index>(out) * in;
    const auto& b = tensor(file, layer_name(k, "bias"), {out});
    std::copy(b.data.begin(), b.data.end(), state.parameters.data() + offset);
    offset += out;
    expected_tensors += 2;
  }
  if (!state.parameters.allFinite()) fail("the weights contain NaN or infinite values");

  for (const auto& [name, t] : file.tensors) {
    if (name.rfind("optimizer.", 0) != 0) continue;
    const auto& vec = tensor(file, name, {state.parameters.size()});
    state.optimizer_state.emplace_back(name.substr(10), Eigen::Map<const Vector<float>>(vec.data.data(), vec.data.size()));
    ++expected_tensors;
  }
  if (file.tensors.size() != expected_tensors) {
    for (const auto& [name, t] : file.tensors)
      if (name.rfind("optimizer.", 0) != 0 && name.rfind("layers.", 0) != 0) fail("unexpected tensor '" + name + "'");
    fail("the file has layer tensors beyond the " + std::to_string(arch.layer_count()) + " layers of " +
         arch.describe());
  }
  try {
    const json p = metadata_json(file, "progress");
    state.progress.epoch = p.at("epoch").get<int>();
    state.progress.batch_in_epoch = p.at("batch_in_epoch").get<int>();
    state.progress.step = p.at("step").get<long long>();
    state.optimizer_steps = p.at("optimizer_steps").get<long long>();
    state.progress.epoch_rng_state = p.at("epoch_rng_state").get<std::string>();
    state.progress.rng_state = p.at("rng_state").get<std::string>();
    for (const auto* s : {&state.progress.epoch_rng_state, &state.progress.rng_state})
      if (!s->empty()) Random::parse_state_hex(*s);
  } catch (const json::exception& e) {
    fail(std::string("progress metadata is incomplete (") + e.what() + ")");
  } catch (const ModelFileError&) {
    throw;
  } catch (const Error& e) {
    fail(std::string("progress metadata: ") + e.what());
  }
  if (state.progress.epoch < 0 || state.progress.batch_in_epoch < 0 || state.progress.step < 0 ||
      state.optimizer_steps < 0)
    fail("progress metadata has negative counters");
  return state;
}

}  // namespace mlp
