// Models from PyTorch: a state_dict of linear layers in safetensors, whatever
// its layers are called and whichever float dtype it holds, is read into
// exactly the weights it holds, classifies as the network it came from,
// trains on and saves as a model file of ours; bad files get short messages
// that say which layer is wrong.
#include "core/model_import.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/evaluation.hpp"
#include "core/model_file.hpp"
#include "core/trainer.hpp"
#include "state_dict_file.hpp"
#include "test_support.hpp"

using Bytes = std::vector<std::uint8_t>;
using mlp_test::FileTensor;
using mlp_test::state_dict_file;

namespace {

// The quadrant data's shape: 16 pixels, 4 classes.
constexpr mlp::DataShape kQuadrants{16, 4};

mlp::TrainerState import(const Bytes& b, const mlp::TrainConfig& config = mlp::imported_defaults(),
                         mlp::DataShape shape = kQuadrants) {
  return mlp::import_model(b.data(), b.size(), config, shape);
}

std::string message_of(const Bytes& b, mlp::DataShape shape = kQuadrants) {
  try {
    import(b, mlp::imported_defaults(), shape);
  } catch (const mlp::ModelFileError& e) {
    return e.what();
  }
  FAIL("the file was accepted");
  return "";
}

// Layer k's weight [out, in] and bias [out] of a network of these sizes,
// values k/256 (exact in every float dtype), different for every element.
struct Weights {
  std::vector<int> sizes;
  std::vector<std::vector<double>> w, b;

  explicit Weights(std::vector<int> s, int seed = 1) : sizes(std::move(s)) {
    mlp::Random rng(static_cast<std::uint64_t>(seed));
    for (std::size_t k = 0; k + 1 < sizes.size(); ++k) {
      w.emplace_back(static_cast<std::size_t>(sizes[k + 1] * sizes[k]));
      b.emplace_back(static_cast<std::size_t>(sizes[k + 1]));
      for (auto* v : {&w.back(), &b.back()})
        for (double& x : *v) x = (static_cast<int>(rng.below(255)) - 127) / 256.0;
    }
  }

  // As a state_dict: layer k named name(k) ("layers.0", "fc1"...), each tensor in `dtype`.
  std::vector<FileTensor> tensors(const std::function<std::string(int)>& name,
                                  const std::string& dtype = "F32",
                                  const std::string& bias_dtype = "") const {
    std::vector<FileTensor> out;
    for (std::size_t k = 0; k < w.size(); ++k) {
      const std::int64_t in = sizes[k], o = sizes[k + 1];
      out.push_back({name(static_cast<int>(k)) + ".weight", dtype, {o, in}, w[k]});
      out.push_back(
          {name(static_cast<int>(k)) + ".bias", bias_dtype.empty() ? dtype : bias_dtype, {o}, b[k]});
    }
    return out;
  }

  // The flat parameters a network of these sizes holds: per layer W (out, in) column-major, then b.
  mlp::Vector<float> parameters() const {
    std::vector<float> p;
    for (std::size_t k = 0; k < w.size(); ++k) {
      const int in = sizes[k], o = sizes[k + 1];
      for (int j = 0; j < in; ++j)
        for (int i = 0; i < o; ++i)
          p.push_back(static_cast<float>(w[k][static_cast<std::size_t>(i * in + j)]));
      for (double x : b[k]) p.push_back(static_cast<float>(x));
    }
    return Eigen::Map<mlp::Vector<float>>(p.data(), static_cast<Eigen::Index>(p.size()));
  }
};

std::function<std::string(int)> numbered(const std::string& prefix, int first, int step,
                                         const std::string& suffix = "") {
  return [=](int k) { return prefix + std::to_string(first + k * step) + suffix; };
}

}  // namespace

TEST_CASE("a PyTorch MLP is read whatever its layers are called", "[import]") {
  struct Naming {
    const char* what;
    std::function<std::string(int)> name;
    std::vector<std::string> stems;
  };
  const Naming naming = GENERATE(
      Naming{"a ModuleList", numbered("layers.", 0, 1), {"layers.0", "layers.1", "layers.2"}},
      Naming{"an nn.Sequential with activations between", numbered("", 0, 2), {"0", "2", "4"}},
      Naming{"nn.Sequential(Flatten, Linear, ReLU, Dropout, ...)", numbered("", 1, 3), {"1", "4", "7"}},
      Naming{"attributes fc1, fc2, fc3", numbered("fc", 1, 1), {"fc1", "fc2", "fc3"}},
      Naming{"a Sequential inside modules",
             numbered("model.net.", 0, 2),
             {"model.net.0", "model.net.2", "model.net.4"}},
      Naming{"a suffix after the number",
             numbered("blocks.", 0, 1, ".linear"),
             {"blocks.0.linear", "blocks.1.linear", "blocks.2.linear"}});
  CAPTURE(naming.what);
  const Weights weights({16, 8, 6, 4});
  const Bytes file = state_dict_file(weights.tensors(naming.name));

  const mlp::ModelFileInfo info = mlp::inspect_model_file(file.data(), file.size(), kQuadrants);
  CHECK(info.kind == mlp::ModelFileKind::PyTorch);
  CHECK(info.sizes == std::vector<int>{16, 8, 6, 4});
  CHECK(info.layer_names == naming.stems);
  CHECK(info.dtype == "F32");
  CHECK(info.missing == std::vector<std::string>{"activation", "loss"});
  CHECK(info.parameters == 16 * 8 + 8 + 8 * 6 + 6 + 6 * 4 + 4);

  const mlp::TrainerState state = import(file);
  CHECK(state.config.architecture.sizes == weights.sizes);
  CHECK(state.parameters ==
        weights.parameters());  // [out, in] read as nn.Linear's W: nothing transposed wrongly
  CHECK(state.fresh_optimizer);
  CHECK(state.optimizer_state.empty());
  CHECK(state.progress.step == 0);
}

TEST_CASE("layers are ordered by the number in their names, not as text", "[import]") {
  // fc1 … fc12: as text, fc10 would come before fc2.
  std::vector<int> sizes{16};
  for (int k = 0; k < 11; ++k) sizes.push_back(5 + k);
  sizes.push_back(4);
  const Weights weights(sizes);
  const Bytes file = state_dict_file(weights.tensors(numbered("fc", 1, 1)));
  const mlp::TrainerState state = import(file);
  CHECK(state.config.architecture.sizes == sizes);
  CHECK(state.parameters == weights.parameters());
}

TEST_CASE("one nn.Linear alone (weight and bias) is a one-layer network", "[import]") {
  const Weights weights({16, 4});
  const Bytes file =
      state_dict_file({{"weight", "F32", {4, 16}, weights.w[0]}, {"bias", "F32", {4}, weights.b[0]}});
  const mlp::TrainerState state = import(file);
  CHECK(state.config.architecture.sizes == std::vector<int>{16, 4});
  CHECK(state.parameters == weights.parameters());
}

TEST_CASE("F32, F64, F16 and BF16 weights are read as the same float32 values", "[import]") {
  const Weights weights({16, 8, 4});
  const mlp::Vector<float> expected = weights.parameters();
  const std::string dtype = GENERATE("F32", "F64", "F16", "BF16");
  CAPTURE(dtype);
  const Bytes file = state_dict_file(weights.tensors(numbered("", 0, 2), dtype));
  CHECK(import(file).parameters == expected);
  CHECK(mlp::inspect_model_file(file.data(), file.size(), kQuadrants).dtype == dtype);

  SECTION("mixed: half-precision weights, float biases") {
    const Bytes mixed = state_dict_file(weights.tensors(numbered("", 0, 2), dtype, "F32"));
    CHECK(import(mixed).parameters == expected);
    const std::string seen = mlp::inspect_model_file(mixed.data(), mixed.size(), kQuadrants).dtype;
    CHECK(seen == (dtype == std::string("F32")  ? "F32"
                   : std::string(dtype) < "F32" ? dtype + "+F32"
                                                : "F32+" + dtype));
  }
}

TEST_CASE("__metadata__ may say format pt or nothing; another format is refused", "[import]") {
  const Weights weights({16, 4});
  const auto tensors = weights.tensors(numbered("layers.", 0, 1));
  CHECK_NOTHROW(import(state_dict_file(tensors, {})));
  CHECK_NOTHROW(import(state_dict_file(tensors, {{"format", "pt"}})));
  CHECK_NOTHROW(import(state_dict_file(tensors, {{"format", "pt"}, {"note", "trained on a laptop"}})));
  CHECK(message_of(state_dict_file(tensors, {{"format", "tf"}})) ==
        "model file: metadata 'format' is 'tf': only PyTorch files (format 'pt', or none) and model files of "
        "this trainer can be read");
}

TEST_CASE("the imported network classifies as the one it came from, trains on and saves as ours",
          "[import]") {
  // A network trained here, its weights written as PyTorch would (an nn.Sequential, F32).
  const auto data = mlp_test::share(mlp_test::make_quadrants(64));
  mlp::TrainConfig original_config = mlp_test::small_config(mlp::OptimizerKind::Adam);
  original_config.architecture.hidden = mlp::Activation::Tanh;
  original_config.architecture.output = mlp::OutputLoss::SigmoidBce;
  mlp::Trainer original(original_config, data);
  original.train_batches(16);
  const mlp::TrainerState trained = original.state();
  const auto& sizes = original_config.architecture.sizes;
  std::vector<FileTensor> tensors;
  Eigen::Index at = 0;
  for (std::size_t k = 0; k + 1 < sizes.size(); ++k) {
    const int in = sizes[k], out = sizes[k + 1];
    FileTensor w{std::to_string(2 * k) + ".weight", "F32", {out, in}, {}},
        b{std::to_string(2 * k) + ".bias", "F32", {out}, {}};
    for (int i = 0; i < out; ++i)
      for (int j = 0; j < in; ++j)
        w.values.push_back(trained.parameters[at + static_cast<Eigen::Index>(j) * out + i]);
    at += static_cast<Eigen::Index>(out) * in;
    for (int i = 0; i < out; ++i) b.values.push_back(trained.parameters[at + i]);
    at += out;
    tensors.push_back(w);
    tensors.push_back(b);
  }
  const Bytes file = state_dict_file(tensors);

  // What the file does not say comes from the caller: here the original's activation and loss, SGD.
  mlp::TrainConfig config = mlp::imported_defaults();
  config.architecture.hidden = mlp::Activation::Tanh;
  config.architecture.output = mlp::OutputLoss::SigmoidBce;
  config.optimizer.kind = mlp::OptimizerKind::Momentum;
  config.optimizer.learning_rate = 0.1;
  config.batch_size = 8;
  mlp::Trainer imported(import(file, config), data);
  CHECK(imported.config().architecture.sizes == sizes);
  CHECK(imported.config().optimizer.kind == mlp::OptimizerKind::Momentum);
  CHECK(imported.progress().step == 0);
  CHECK(imported.state().optimizer_steps == 0);
  REQUIRE(imported.state().optimizer_state.size() == 1);
  CHECK(imported.state().optimizer_state[0].second.isZero());  // fresh: nothing carried over
  CHECK(imported.predict_dataset(*data).probabilities == original.predict_dataset(*data).probabilities);
  CHECK(imported.evaluate(*data).accuracy == original.evaluate(*data).accuracy);

  SECTION("ReLU and softmax are the defaults, as PyTorch users expect") {
    const mlp::TrainerState s = import(file);
    CHECK(s.config.architecture.hidden == mlp::Activation::Relu);
    CHECK(s.config.architecture.output == mlp::OutputLoss::SoftmaxCe);
    CHECK(s.config.optimizer.kind == mlp::TrainConfig{}.optimizer.kind);
    CHECK(s.config.batch_size == mlp::TrainConfig{}.batch_size);
  }
  SECTION("it trains on, and saves and loads as a model file of ours") {
    const double before = imported.evaluate(*data).loss;
    for (int i = 0; i < 40; ++i) imported.train_batches(8);
    CHECK(imported.evaluate(*data).loss < before);
    CHECK(imported.state().optimizer_steps == 40 * 8);
    const Bytes ours = mlp::save_model(imported.state());
    mlp::Trainer reloaded(mlp::load_model(ours.data(), ours.size()), data);
    CHECK(reloaded.config().architecture.hidden == mlp::Activation::Tanh);
    CHECK(reloaded.predict_dataset(*data).probabilities == imported.predict_dataset(*data).probabilities);
    const mlp::ModelFileInfo info = mlp::inspect_model_file(ours.data(), ours.size(), kQuadrants);
    CHECK(info.kind == mlp::ModelFileKind::Ours);
    CHECK(info.missing.empty());
    CHECK(info.sizes == sizes);
    CHECK(info.dtype == "F32");
    CHECK(info.layer_names == std::vector<std::string>{"layers.0", "layers.1"});
    CHECK(info.config.optimizer.kind == mlp::OptimizerKind::Momentum);
  }
}

TEST_CASE("a model file of ours is not imported: loading it resumes its run", "[import]") {
  mlp::Trainer t(mlp_test::small_config(), nullptr);
  const Bytes ours = mlp::save_model(t.state());
  CHECK(message_of(ours) ==
        "model file: this is a model file of this trainer (format mnist-mlp/1): load it as one, to resume "
        "its run");
}

TEST_CASE("a PyTorch file that is not a fitting MLP is refused, saying which layer is wrong",
          "[import][malformed]") {
  const Weights w({16, 20, 4});
  const auto f32 = [](std::string name, std::vector<std::int64_t> shape) {
    std::int64_t n = 1;
    for (auto d : shape) n *= d;
    return FileTensor{std::move(name), "F32", std::move(shape),
                      std::vector<double>(static_cast<std::size_t>(n), 0.5)};
  };
  SECTION("shapes that do not chain") {
    const Bytes b = state_dict_file(
        {f32("0.weight", {20, 16}), f32("0.bias", {20}), f32("2.weight", {10, 30}), f32("2.bias", {10})});
    CHECK(message_of(b, {16, 10}) == "model file: layer 2's weight is [10, 30] but layer 1 outputs 20");
  }
  SECTION("a first layer for other images") {
    const Bytes b = state_dict_file({f32("fc1.weight", {20, 100}), f32("fc1.bias", {20}),
                                     f32("fc2.weight", {4, 20}), f32("fc2.bias", {4})});
    CHECK(message_of(b) == "model file: layer 1's weight is [20, 100] but the images have 16 pixels");
  }
  SECTION("a last layer for other classes") {
    const Bytes b = state_dict_file({f32("fc1.weight", {20, 16}), f32("fc1.bias", {20}),
                                     f32("fc2.weight", {5, 20}), f32("fc2.bias", {5})});
    CHECK(message_of(b) == "model file: the last layer (layer 2) outputs 5 but the data has 4 classes");
    CHECK_NOTHROW(import(b, mlp::imported_defaults(), {16, 5}));
    CHECK(mlp::inspect_model_file(b.data(), b.size(), {0, 0}).sizes ==
          std::vector<int>{16, 20, 5});  // unchecked
  }
  SECTION("a missing bias or weight") {
    CHECK(message_of(state_dict_file(
              {f32("fc1.weight", {20, 16}), f32("fc1.bias", {20}), f32("fc2.weight", {4, 20})})) ==
          "model file: layer 2 ('fc2') has a weight but no bias 'fc2.bias'");
    CHECK(message_of(
              state_dict_file({f32("fc1.weight", {20, 16}), f32("fc1.bias", {20}), f32("fc2.bias", {4})})) ==
          "model file: layer 2 ('fc2') has a bias but no weight 'fc2.weight'");
    CHECK(message_of(state_dict_file({f32("weight", {4, 16})})) ==
          "model file: layer 1 has a weight but no bias 'bias'");
  }
  SECTION("names with a gap") {
    const Bytes b = state_dict_file(
        Weights({16, 5, 5, 4}).tensors([](int k) { return "layers." + std::to_string(k == 2 ? 3 : k); }));
    CHECK(message_of(b) ==
          "model file: the layers are numbered 0, 1, 3: a gap after 'layers.1' (a missing layer? the numbers "
          "must be "
          "evenly spaced, as 0, 1, 2 or nn.Sequential's 0, 2, 4)");
  }
  SECTION("names without one numbered pattern, or numbered twice") {
    CHECK(message_of(state_dict_file({f32("fc1.weight", {20, 16}), f32("fc1.bias", {20}),
                                      f32("out.weight", {4, 20}), f32("out.bias", {4})})) ==
          "model file: the layer names 'fc1' and 'out' do not share one numbered pattern (such as layers.0, "
          "layers.1 or "
          "fc1, fc2)");
    CHECK(message_of(state_dict_file({f32("fc01.weight", {20, 16}), f32("fc01.bias", {20}),
                                      f32("fc1.weight", {4, 20}), f32("fc1.bias", {4})})) ==
          "model file: two layers are numbered 1: 'fc01' and 'fc1'");
  }
  SECTION("tensors of other modules") {
    CHECK(message_of(state_dict_file(
              {f32("fc1.weight", {4, 16}), f32("fc1.bias", {4}), f32("bn.running_mean", {4})})) ==
          "model file: tensor 'bn.running_mean' is neither a weight nor a bias: only MLPs of linear layers "
          "(weight "
          "and bias) can be read");
    CHECK(message_of(state_dict_file({})) ==
          "model file: the file holds no tensors: a model needs a weight and a bias per layer");
  }
  SECTION("shapes that are not a linear layer's") {
    CHECK(message_of(state_dict_file({f32("fc1.weight", {16}), f32("fc1.bias", {16})})) ==
          "model file: layer 1's weight is [16], not a matrix [out, in]");
    CHECK(message_of(state_dict_file({f32("fc1.weight", {4, 16}), f32("fc1.bias", {7})})) ==
          "model file: layer 1's bias is [7] but its weight is [4, 16]");
    CHECK(message_of(state_dict_file({f32("fc1.weight", {4, 16}), f32("fc1.bias", {1, 4})})) ==
          "model file: layer 1's bias is [1, 4] but its weight is [4, 16]");
  }
  SECTION("a dtype that is not floating-point") {
    FileTensor weight{"0.weight", "I64", {4, 16}, {}, std::vector<std::uint8_t>(4 * 16 * 8, 0)};
    CHECK(message_of(state_dict_file({weight, f32("0.bias", {4})})) ==
          "model file: layer 1's weight '0.weight' is I64; weights and biases must be F32, F64, F16 or BF16");
    FileTensor bias{"0.bias", "F8_E4M3", {4}, {}, std::vector<std::uint8_t>(4, 0)};
    CHECK(message_of(state_dict_file({f32("0.weight", {4, 16}), bias})) ==
          "model file: layer 1's bias '0.bias' is F8_E4M3; weights and biases must be F32, F64, F16 or BF16");
  }
  SECTION("NaN or infinite weights") {
    const double nan = std::numeric_limits<double>::quiet_NaN(),
                 inf = std::numeric_limits<double>::infinity();
    const std::string dtype = GENERATE("F32", "F64", "F16", "BF16");
    CAPTURE(dtype);
    auto tensors = w.tensors(numbered("fc", 1, 1), dtype);
    tensors[2].values[7] = nan;  // fc2.weight
    CHECK(message_of(state_dict_file(tensors)) ==
          "model file: layer 2's weight 'fc2.weight' holds NaN or infinite values" +
              std::string(dtype == std::string("F64") ? ", or values beyond float32's range" : ""));
    tensors = w.tensors(numbered("fc", 1, 1), dtype);
    tensors[1].values[3] = -inf;  // fc1.bias
    CHECK_THAT(message_of(state_dict_file(tensors)),
               Catch::StartsWith("model file: layer 1's bias 'fc1.bias' holds NaN or infinite values"));
  }
  SECTION("F64 values beyond float32's range") {
    auto tensors = w.tensors(numbered("fc", 1, 1), "F64");
    tensors[0].values[0] = 1e300;
    CHECK(message_of(state_dict_file(tensors)) ==
          "model file: layer 1's weight 'fc1.weight' holds NaN or infinite values, or values beyond "
          "float32's range");
  }
  SECTION("a network the engine does not take") {
    std::vector<int> sizes(36, 1);  // 34 hidden layers, 2 more than the most
    sizes.front() = 16;
    sizes.back() = 4;
    const std::string m = message_of(state_dict_file(Weights(sizes).tensors(numbered("layers.", 0, 1))));
    CHECK_THAT(m, Catch::StartsWith("model file: the network 16-1-1-") &&
                      Catch::EndsWith("cannot be used: at most 32 hidden layers are supported, got 34"));
  }
}
