#include "model_file.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "config_field.hpp"
#include "errors.hpp"
#include "layer_tensors.hpp"
#include "random.hpp"
#include "safetensors.hpp"
#include "untrusted_json.hpp"

namespace mlp {
namespace {

using nlohmann::json;

std::string layer_name(int k, const char* part) {
  return "layers." + std::to_string(k) + "." + part;
}

// Every message is short: the parts quoted from the file are excerpts, and the whole is capped again.
[[noreturn]] void fail(const std::string& message) {
  throw ModelFileError("model file: " + excerpt(message, 400));
}

// A progress counter: a JSON integer (not a float, not a boolean) in [0, max],
// read without any conversion before the range check.
long long progress_counter(const json& j, const std::string& what, double max) {
  if (!j.is_number_integer())
    fail("progress metadata: " + what + " must be a whole number, got " + describe_json(j));
  if (!j.is_number_unsigned() && j.get<std::int64_t>() < 0)
    fail("progress metadata has negative counters (" + what + " is " + std::to_string(j.get<std::int64_t>()) +
         ")");
  if (j.get<double>() > max)
    fail("progress metadata: " + what + " must be at most " + std::to_string(static_cast<long long>(max)) +
         ", got " + describe_json(j));
  return static_cast<long long>(j.get<std::uint64_t>());
}

const char* section_of(const ConfigField& f) {
  return f.group == FieldGroup::Architecture ? "architecture" : "training";
}

json value_json(const ConfigField& f, const FieldValue& v) {
  switch (f.kind) {
    case FieldKind::Integer:
      return static_cast<std::int64_t>(std::get<double>(v));
    case FieldKind::Number:
      return std::get<double>(v);
    case FieldKind::Boolean:
      return std::get<bool>(v);
    case FieldKind::Choice:
      return std::get<std::string>(v);
    case FieldKind::Sizes:
      return std::get<std::vector<int>>(v);
  }
  return nullptr;
}

// A field's JSON value as a FieldValue, its JSON type checked (check_value then checks its range).
FieldValue field_value(const ConfigField& f, const json& j) {
  const auto wrong = [&](const char* what) -> FieldValue {
    fail("metadata '" + std::string(section_of(f)) + "': '" + std::string(f.name) + "' must be " + what +
         ", got " + describe_json(j));
  };
  switch (f.kind) {
    case FieldKind::Number:
      return j.is_number() ? FieldValue(j.get<double>()) : wrong("a number");
    case FieldKind::Integer: {
      // As save_model writes it: a JSON integer (check_value then checks the range of its double).
      if (j.is_number_integer()) return j.get<double>();
      // Files written before the schema store the seed as a string of digits, as std::to_string wrote it.
      const std::string* text = j.is_string() ? &j.get_ref<const std::string&>() : nullptr;
      if (text && !text->empty() && text->size() <= 16 &&
          text->find_first_not_of("0123456789") == std::string::npos &&
          (text->size() == 1 || (*text)[0] != '0'))
        return std::stod(*text);
      return wrong("a whole number");
    }
    case FieldKind::Boolean:
      return j.is_boolean() ? FieldValue(j.get<bool>()) : wrong("true or false");
    case FieldKind::Choice:
      return j.is_string() ? FieldValue(j.get<std::string>()) : wrong("a string");
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
json metadata_json(const std::map<std::string, std::string>& metadata, const std::string& key) {
  auto it = metadata.find(key);
  if (it == metadata.end()) fail("metadata '" + key + "' is missing");
  const std::string& text = it->second;
  return parse_untrusted_json(text.data(), text.data() + text.size(), "metadata '" + key + "'");
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
      if (std::string(f.name) == "gradient" && it == section.end() && legacy != training.end() &&
          legacy->is_boolean()) {
        assign(c, f, std::string(legacy->get<bool>() ? "sum" : "mean"));
        continue;
      }
      if (it == section.end()) {
        if (f.required_in_file)
          fail("metadata '" + std::string(section_of(f)) + "' lacks '" + std::string(f.name) + "'");
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
  if (it == file.tensors.end()) fail("tensor '" + excerpt(name) + "' is missing");
  if (it->second.shape != shape)
    fail("tensor '" + excerpt(name) + "' has shape " + shape_text(it->second.shape) + ", expected " +
         shape_text(shape));
  if (it->second.stored != DType::F32)
    fail("tensor '" + excerpt(name) + "' is " + dtype_name(it->second.stored) +
         "; model files of this trainer hold F32");
  return it->second;
}

// Where the run is. Counters leave room to count on: epoch and batch fit an
// int with one to spare, steps are exact in a double (and in JavaScript).
Progress parse_progress(const json& p, long long& optimizer_steps) {
  if (!p.is_object()) fail("metadata 'progress' is not a JSON object");
  const auto field = [&](const char* key) -> const json& {
    const auto it = p.find(key);
    if (it == p.end()) fail(std::string("progress metadata is incomplete ('") + key + "' is missing)");
    return *it;
  };
  const auto counter = [&](const char* key, double max) {
    return progress_counter(field(key), std::string("'") + key + "'", max);
  };
  const auto state = [&](const char* key) {
    const json& s = field(key);
    if (!s.is_string())
      fail(std::string("progress metadata: '") + key + "' must be a string, got " + describe_json(s));
    const std::string& text = s.get_ref<const std::string&>();
    if (!text.empty()) {
      try {
        Random::parse_state_hex(text);
      } catch (const Error& e) {
        fail(std::string("progress metadata: ") + e.what());
      }
    }
    return text;
  };
  Progress progress;
  progress.epoch = static_cast<int>(counter("epoch", 2147483646.0));
  progress.batch_in_epoch = static_cast<int>(counter("batch_in_epoch", 2147483646.0));
  progress.step = counter("step", 9007199254740991.0);
  optimizer_steps = counter("optimizer_steps", 9007199254740991.0);
  progress.epoch_rng_state = state("epoch_rng_state");
  progress.rng_state = state("rng_state");
  return progress;
}

}  // namespace

ModelWriter::ModelWriter(TrainerStateView state) : state_(std::move(state)) {
  const TrainConfig& config = *state_.config;
  const auto& arch = config.architecture;
  std::map<std::string, std::string> metadata;
  metadata["format"] = kModelFormat;
  json sections{{"architecture", json::object()}, {"training", json::object()}};
  for (const auto& f : config_fields()) sections[section_of(f)][f.name] = value_json(f, f.get(config));
  metadata["architecture"] = sections["architecture"].dump();
  metadata["training"] = sections["training"].dump();
  const auto& p = state_.progress;
  metadata["progress"] = json{
      {"epoch", p.epoch},
      {"batch_in_epoch", p.batch_in_epoch},
      {"step", p.step},
      {"optimizer_steps", state_.optimizer_steps},
      {"epoch_rng_state", p.epoch_rng_state},
      {"rng_state",
       p.rng_state}}.dump();
  // The tensors by name, the order encode_safetensors lays them out in.
  std::map<std::string, std::pair<Piece, std::vector<std::int64_t>>> tensors;
  for (int k = 0; k < arch.layer_count(); ++k) {
    const int in = arch.sizes[k], out = arch.sizes[k + 1];
    tensors[layer_name(k, "weight")] = {{k, true, nullptr}, {out, in}};  // row-major [out, in], as nn.Linear
    tensors[layer_name(k, "bias")] = {{k, false, nullptr}, {out}};
  }
  for (const auto& [name, vec] : state_.optimizer_state)
    tensors["optimizer." + name] = {{-1, false, vec}, {static_cast<std::int64_t>(vec->size())}};
  std::vector<TensorEntry> entries;
  for (const auto& [name, t] : tensors) {
    entries.push_back({name, t.second});
    pieces_.push_back(t.first);
    std::int64_t n = 1;
    for (auto d : t.second) n *= d;
    data_bytes_ += static_cast<std::size_t>(n) * sizeof(float);
  }
  header_ = safetensors_header(metadata, entries);
}

void ModelWriter::write(const Sink& sink) const {
  const auto& sizes = state_.config->architecture.sizes;
  const std::vector<Eigen::Index> offsets = layer_offsets(sizes);
  sink(header_.data(), header_.size());
  for (const Piece& piece : pieces_) {
    if (piece.layer < 0)  // little-endian hosts
      sink(reinterpret_cast<const std::uint8_t*>(piece.vector->data()),
           static_cast<std::size_t>(piece.vector->size()) * sizeof(float));
    else
      write_layer_tensor(state_.parameters->data(), sizes, offsets, piece.layer, piece.weight, sink);
  }
}

std::vector<std::uint8_t> save_model(const TrainerState& state) {
  const ModelWriter writer(view_of(state));
  std::vector<std::uint8_t> out;
  out.reserve(writer.size());
  writer.write([&](const std::uint8_t* p, std::size_t n) { out.insert(out.end(), p, p + n); });
  return out;
}

TrainConfig model_file_config(const std::map<std::string, std::string>& metadata) {
  auto format = metadata.find("format");
  if (format == metadata.end() || format->second != kModelFormat)
    fail("not a model of this trainer (metadata 'format' must be '" + std::string(kModelFormat) + "')");
  return parse_config(metadata_json(metadata, "architecture"), metadata_json(metadata, "training"));
}

TrainerState load_model(const std::uint8_t* data, std::size_t size) {
  const SafeTensors file = decode_safetensors(data, size);
  TrainerState state;
  state.config = model_file_config(file.metadata);
  state.progress = parse_progress(metadata_json(file.metadata, "progress"), state.optimizer_steps);
  const auto& arch = state.config.architecture;

  // Every tensor's shape is checked before the parameters are allocated, so
  // their size is bounded by the bytes the file holds, not by what it claims.
  const long long parameters = arch.parameter_count();
  std::size_t expected_tensors = 0;
  for (int k = 0; k < arch.layer_count(); ++k) {
    const int in = arch.sizes[k], out = arch.sizes[k + 1];
    tensor(file, layer_name(k, "weight"), {out, in});
    tensor(file, layer_name(k, "bias"), {out});
    expected_tensors += 2;
  }
  for (const auto& [name, t] : file.tensors) {
    if (name.rfind("optimizer.", 0) != 0) continue;
    tensor(file, name, {parameters});
    ++expected_tensors;
  }
  if (file.tensors.size() != expected_tensors) {
    for (const auto& [name, t] : file.tensors)
      if (name.rfind("optimizer.", 0) != 0 && name.rfind("layers.", 0) != 0)
        fail("unexpected tensor '" + excerpt(name) + "'");
    fail("the file has layer tensors beyond the " + std::to_string(arch.layer_count()) + " layers of " +
         arch.describe());
  }

  state.parameters.resize(static_cast<Eigen::Index>(parameters));
  Eigen::Index offset = 0;
  for (int k = 0; k < arch.layer_count(); ++k) {
    const int in = arch.sizes[k], out = arch.sizes[k + 1];
    const auto& w = file.tensors.at(layer_name(k, "weight"));
    // Row-major [out, in] into column-major W, 16 rows at a time: both sides a cache line at a time
    // (element by element, a 6000×6000 layer takes seconds).
    float* to = state.parameters.data() + offset;
    for (int r = 0; r < out; r += 16)
      for (int j = 0; j < in; ++j)
        for (int i = r; i < std::min(out, r + 16); ++i)
          to[static_cast<Eigen::Index>(j) * out + i] = w.data[static_cast<std::size_t>(i) * in + j];
    offset += static_cast<Eigen::Index>(out) * in;
    const auto& b = file.tensors.at(layer_name(k, "bias"));
    std::copy(b.data.begin(), b.data.end(), state.parameters.data() + offset);
    offset += out;
  }
  if (!state.parameters.allFinite()) fail("the weights contain NaN or infinite values");
  for (const auto& [name, vec] : file.tensors)
    if (name.rfind("optimizer.", 0) == 0)
      state.optimizer_state.emplace_back(name.substr(10),
                                         Eigen::Map<const Vector<float>>(vec.data.data(), vec.data.size()));
  return state;
}

}  // namespace mlp
