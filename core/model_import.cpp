#include "model_import.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "errors.hpp"
#include "model_file.hpp"
#include "safetensors.hpp"
#include "untrusted_json.hpp"

namespace mlp {
namespace {

// Every message is short: the parts quoted from the file are excerpts, and the whole is capped again.
[[noreturn]] void fail(const std::string& message) {
  throw ModelFileError("model file: " + excerpt(message, 400));
}

// "[10, 30]", as PyTorch prints a size.
std::string dims(const std::vector<std::int64_t>& shape) {
  std::string out = "[";
  for (std::size_t k = 0; k < shape.size(); ++k) out += (k ? ", " : "") + std::to_string(shape[k]);
  return out + "]";
}

std::string in_quotes(const std::string& name) {
  return "'" + excerpt(name) + "'";
}

bool ends_with(const std::string& s, const std::string& end) {
  return s.size() >= end.size() && s.compare(s.size() - end.size(), end.size(), end) == 0;
}

// One linear layer's two tensors in the file.
struct Layer {
  std::string stem;  // the names without ".weight" / ".bias"
  long number = 0;   // the number in the stem that orders the layers
  const TensorView* weight = nullptr;
  const TensorView* bias = nullptr;
};

std::string tensor_name(const std::string& stem, const char* part) {
  return stem.empty() ? part : stem + "." + part;
}

// The layers of a state_dict in order: every tensor is a weight or a bias,
// the stems share one pattern with a number in it, the numbers evenly spaced.
std::vector<Layer> find_layers(const SafeTensorsView& file) {
  std::map<std::string, Layer> by_stem;
  for (const auto& [name, tensor] : file.tensors) {
    const bool weight = name == "weight" || ends_with(name, ".weight");
    if (!weight && name != "bias" && !ends_with(name, ".bias"))
      fail("tensor " + in_quotes(name) +
           " is neither a weight nor a bias: only MLPs of linear layers (weight and bias) can be read");
    const std::size_t part = weight ? 6 : 4;
    const std::string stem = name.size() > part ? name.substr(0, name.size() - part - 1) : "";
    Layer& layer = by_stem[stem];
    layer.stem = stem;
    (weight ? layer.weight : layer.bias) = &tensor;
  }
  if (by_stem.empty()) fail("the file holds no tensors: a model needs a weight and a bias per layer");
  std::vector<Layer> layers;
  for (auto& [stem, layer] : by_stem) layers.push_back(layer);
  if (layers.size() == 1) return layers;

  // The longest prefix and suffix all stems share, neither cutting into a
  // number (fc1 and fc10 share "fc", not "fc1"); what lies between must be digits.
  std::string prefix = layers.front().stem, suffix = prefix;
  std::size_t shortest = prefix.size();
  for (const auto& l : layers) {
    const std::string& s = l.stem;
    std::size_t p = 0;
    while (p < prefix.size() && p < s.size() && prefix[p] == s[p]) ++p;
    prefix.resize(p);
    std::size_t q = 0;
    while (q < suffix.size() && q < s.size() && suffix[suffix.size() - 1 - q] == s[s.size() - 1 - q]) ++q;
    suffix = suffix.substr(suffix.size() - q);
    shortest = std::min(shortest, s.size());
  }
  while (!prefix.empty() && std::isdigit(static_cast<unsigned char>(prefix.back()))) prefix.pop_back();
  if (prefix.size() + suffix.size() > shortest)
    suffix = suffix.substr(prefix.size() + suffix.size() - shortest);
  while (!suffix.empty() && std::isdigit(static_cast<unsigned char>(suffix.front()))) suffix.erase(0, 1);
  for (auto& l : layers) {
    const std::string middle = l.stem.substr(prefix.size(), l.stem.size() - prefix.size() - suffix.size());
    const bool digits =
        !middle.empty() && middle.size() <= 9 &&
        std::all_of(middle.begin(), middle.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits)
      fail("the layer names " + in_quotes(layers.front().stem) + " and " +
           in_quotes(l.stem == layers.front().stem ? layers.back().stem : l.stem) +
           " do not share one numbered pattern (such as layers.0, layers.1 or fc1, fc2)");
    l.number = std::stol(middle);
  }
  std::stable_sort(layers.begin(), layers.end(),
                   [](const Layer& a, const Layer& b) { return a.number < b.number; });
  std::string numbers;
  for (std::size_t k = 0; k < layers.size() && k < 12; ++k)
    numbers += (k ? ", " : "") + std::to_string(layers[k].number);
  if (layers.size() > 12) numbers += ", …";
  const long step = layers[1].number - layers[0].number;
  for (std::size_t k = 1; k < layers.size(); ++k) {
    if (layers[k].number == layers[k - 1].number)
      fail("two layers are numbered " + std::to_string(layers[k].number) + ": " +
           in_quotes(layers[k - 1].stem) + " and " + in_quotes(layers[k].stem));
    if (layers[k].number - layers[k - 1].number != step)
      fail("the layers are numbered " + numbers + ": a gap after " + in_quotes(layers[k - 1].stem) +
           " (a missing layer? the numbers must be evenly spaced, as 0, 1, 2 or nn.Sequential's 0, 2, 4)");
  }
  return layers;
}

// Checks each layer's tensors (both there, dtypes, shapes) and that the
// shapes chain from the data's pixels to its classes; returns the sizes.
std::vector<int> check_layers(const std::vector<Layer>& layers, DataShape data) {
  std::vector<int> sizes;
  for (std::size_t k = 0; k < layers.size(); ++k) {
    const Layer& l = layers[k];
    const std::string which = "layer " + std::to_string(k + 1);
    const std::string named = l.stem.empty() ? "" : " (" + in_quotes(l.stem) + ")";
    if (!l.bias) fail(which + named + " has a weight but no bias " + in_quotes(tensor_name(l.stem, "bias")));
    if (!l.weight)
      fail(which + named + " has a bias but no weight " + in_quotes(tensor_name(l.stem, "weight")));
    for (const char* part : {"weight", "bias"}) {
      const TensorView* t = part[0] == 'w' ? l.weight : l.bias;
      if (!readable_as_float(t->dtype))
        fail(which + "'s " + part + " " + in_quotes(tensor_name(l.stem, part)) + " is " +
             dtype_name(t->dtype) + "; weights and biases must be F32, F64, F16 or BF16");
    }
    const auto& w = l.weight->shape;
    const auto& b = l.bias->shape;
    if (w.size() != 2) fail(which + "'s weight is " + dims(w) + ", not a matrix [out, in]");
    if (b.size() != 1 || b[0] != w[0])
      fail(which + "'s bias is " + dims(b) + " but its weight is " + dims(w));
    if (k == 0) {
      if (data.inputs > 0 && w[1] != data.inputs)
        fail(which + "'s weight is " + dims(w) + " but the images have " + std::to_string(data.inputs) +
             " pixels");
      sizes.push_back(static_cast<int>(w[1]));
    } else if (w[1] != sizes.back()) {
      fail(which + "'s weight is " + dims(w) + " but layer " + std::to_string(k) + " outputs " +
           std::to_string(sizes.back()));
    }
    sizes.push_back(static_cast<int>(w[0]));  // dimensions are at most 2^30 (parse_safetensors)
  }
  if (data.classes > 0 && sizes.back() != data.classes)
    fail("the last layer (layer " + std::to_string(layers.size()) + ") outputs " +
         std::to_string(sizes.back()) + " but the data has " + std::to_string(data.classes) + " classes");
  return sizes;
}

// The distinct dtypes of the layers' tensors: "F32", "F16+F32".
std::string dtypes_of(const std::vector<Layer>& layers) {
  std::set<std::string> names;
  for (const auto& l : layers)
    for (const TensorView* t : {l.weight, l.bias})
      if (t) names.insert(dtype_name(t->dtype));
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : "+") + n;
  return out;
}

// A file in PyTorch's form: metadata {"format": "pt"} or none (ours is told apart before).
void check_pytorch_metadata(const SafeTensorsView& file) {
  const auto format = file.metadata.find("format");
  if (format != file.metadata.end() && format->second != "pt")
    fail("metadata 'format' is " + in_quotes(format->second) +
         ": only PyTorch files (format 'pt', or none) and model files of this trainer can be read");
}

bool is_ours(const SafeTensorsView& file) {
  const auto format = file.metadata.find("format");
  return format != file.metadata.end() && format->second == kModelFormat;
}

// `config` with the file's sizes, checked as a whole (sizes, widths, memory).
TrainConfig with_sizes(TrainConfig config, std::vector<int> sizes) {
  config.architecture.sizes = std::move(sizes);
  try {
    config.validate();
  } catch (const ConfigError& e) {
    fail("the network " + describe_sizes(config.architecture.sizes) + " cannot be used: " + e.what());
  }
  return config;
}

}  // namespace

TrainConfig imported_defaults() {
  TrainConfig c;
  c.architecture.hidden = Activation::Relu;
  c.architecture.output = OutputLoss::SoftmaxCe;
  return c;
}

ModelFileInfo inspect_model_file(const std::uint8_t* data, std::size_t size, DataShape shape) {
  const SafeTensorsView file = parse_safetensors(data, size);
  ModelFileInfo info;
  if (is_ours(file)) {
    info.kind = ModelFileKind::Ours;
    info.config = model_file_config(file.metadata);
    info.sizes = info.config.architecture.sizes;
    std::set<std::string> names;
    for (int k = 0; k + 1 < static_cast<int>(info.sizes.size()); ++k) {
      info.layer_names.push_back("layers." + std::to_string(k));
      for (const char* part : {".weight", ".bias"}) {
        const auto it = file.tensors.find(info.layer_names.back() + part);
        if (it != file.tensors.end()) names.insert(dtype_name(it->second.dtype));
      }
    }
    for (const auto& n : names) info.dtype += (info.dtype.empty() ? "" : "+") + n;
  } else {
    check_pytorch_metadata(file);
    info.kind = ModelFileKind::PyTorch;
    const std::vector<Layer> layers = find_layers(file);
    info.sizes = check_layers(layers, shape);
    info.config = with_sizes(imported_defaults(), info.sizes);
    info.dtype = dtypes_of(layers);
    for (const auto& l : layers) info.layer_names.push_back(l.stem);
    info.missing = {"activation", "loss"};
  }
  info.parameters = parameter_count(info.sizes);
  return info;
}

TrainerState import_model(const std::uint8_t* data, std::size_t size, const TrainConfig& config,
                          DataShape shape) {
  const SafeTensorsView file = parse_safetensors(data, size);
  if (is_ours(file))
    fail("this is a model file of this trainer (format " + std::string(kModelFormat) +
         "): load it as one, to resume its run");
  check_pytorch_metadata(file);
  const std::vector<Layer> layers = find_layers(file);
  TrainerState state;
  state.config = with_sizes(config, check_layers(layers, shape));
  state.fresh_optimizer = true;

  // Each layer's W (out, in) column-major, then b, as the network lays them
  // out: rows of the row-major [out, in] tensor converted 16 at a time, then
  // scattered (both sides a cache line at a time).
  const auto& sizes = state.config.architecture.sizes;
  state.parameters.resize(static_cast<Eigen::Index>(state.config.architecture.parameter_count()));
  float* to = state.parameters.data();
  std::vector<float> rows;
  for (std::size_t k = 0; k < layers.size(); ++k) {
    const int in = sizes[k], out = sizes[k + 1];
    const std::string which = "layer " + std::to_string(k + 1);
    const std::string weight = tensor_name(layers[k].stem, "weight"),
                      bias = tensor_name(layers[k].stem, "bias");
    rows.resize(static_cast<std::size_t>(16) * static_cast<std::size_t>(in));
    for (int r = 0; r < out; r += 16) {
      const int n = std::min(16, out - r);
      read_floats(*layers[k].weight, static_cast<std::size_t>(r) * in, static_cast<std::size_t>(n) * in,
                  rows.data(), "tensor " + in_quotes(weight));
      for (int j = 0; j < in; ++j)
        for (int i = 0; i < n; ++i)
          to[static_cast<Eigen::Index>(j) * out + r + i] = rows[static_cast<std::size_t>(i) * in + j];
    }
    const auto w = Eigen::Map<const Vector<float>>(to, static_cast<Eigen::Index>(out) * in);
    const std::string f64 = layers[k].weight->dtype == DType::F64 ? ", or values beyond float32's range" : "";
    if (!w.allFinite())
      fail(which + "'s weight " + in_quotes(weight) + " holds NaN or infinite values" + f64);
    to += static_cast<Eigen::Index>(out) * in;
    read_floats(*layers[k].bias, 0, static_cast<std::size_t>(out), to, "tensor " + in_quotes(bias));
    if (!Eigen::Map<const Vector<float>>(to, out).allFinite())
      fail(which + "'s bias " + in_quotes(bias) + " holds NaN or infinite values" +
           (layers[k].bias->dtype == DType::F64 ? ", or values beyond float32's range" : ""));
    to += out;
  }
  return state;
}

}  // namespace mlp
