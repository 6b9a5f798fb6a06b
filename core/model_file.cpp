#include "model_file.hpp"

#include <nlohmann/json.hpp>

#include "errors.hpp"
#include "safetensors.hpp"

namespace mlp {
namespace {

using nlohmann::json;
constexpr const char* kFormat = "mnist-mlp/1";

std::string layer_name(int k, const char* part) { return "layers." + std::to_string(k) + "." + part; }

[[noreturn]] void fail(const std::string& message) { throw ModelFileError("model file: " + message); }

json training_json(const TrainConfig& c) {
  const auto& o = c.optimizer;
  return {{"optimizer", to_string(o.kind)}, {"learning_rate", o.learning_rate}, {"momentum", o.momentum},
          {"beta1", o.beta1}, {"beta2", o.beta2}, {"epsilon", o.epsilon},
          {"batch_size", c.batch_size}, {"l2", c.l2}, {"seed", std::to_string(c.seed)},
          {"sum_gradients", c.sum_gradients}};
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
  TrainConfig c;
  try {
    c.architecture.sizes = arch.at("sizes").get<std::vector<int>>();
    c.architecture.hidden = parse_activation(arch.at("hidden").get<std::string>());
    c.architecture.output = parse_output_loss(arch.at("output").get<std::string>());
    auto& o = c.optimizer;
    o.kind = parse_optimizer(training.at("optimizer").get<std::string>());
    o.learning_rate = training.at("learning_rate").get<double>();
    o.momentum = training.at("momentum").get<double>();
    o.beta1 = training.at("beta1").get<double>();
    o.beta2 = training.at("beta2").get<double>();
    o.epsilon = training.at("epsilon").get<double>();
    c.batch_size = training.at("batch_size").get<int>();
    c.l2 = training.at("l2").get<double>();
    c.seed = std::stoull(training.at("seed").get<std::string>());
    c.sum_gradients = training.at("sum_gradients").get<bool>();
    c.validate();
  } catch (const json::exception& e) {
    fail(std::string("architecture or training metadata is incomplete (") + e.what() + ")");
  } catch (const std::logic_error&) {
    fail("the training seed is not a number");
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
  file.metadata["architecture"] =
      json{{"sizes", arch.sizes}, {"hidden", to_string(arch.hidden)}, {"output", to_string(arch.output)}}.dump();
  file.metadata["training"] = training_json(state.config).dump();
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
