#include "architecture.hpp"


#include "dense_layer.hpp"
#include "errors.hpp"

namespace mlp {

std::string to_string(Activation a) {
  switch (a) {
    case Activation::Sigmoid: return "sigmoid";
    case Activation::Tanh: return "tanh";
    case Activation::Relu: return "relu";
  }
  return "?";
}

Activation parse_activation(const std::string& name) {
  if (name == "sigmoid") return Activation::Sigmoid;
  if (name == "tanh") return Activation::Tanh;
  if (name == "relu") return Activation::Relu;
  throw ConfigError("unknown activation '" + name + "' (expected sigmoid, tanh or relu)");
}

long long Architecture::parameter_count() const {
  long long n = 0;
  for (std::size_t k = 0; k + 1 < sizes.size(); ++k)
    n += static_cast<long long>(sizes[k]) * sizes[k + 1] + sizes[k + 1];
  return n;
}

void Architecture::validate() const {
  constexpr int kMaxWidth = 1 << 16;
  constexpr long long kMaxParameters = 1LL << 28;
  if (sizes.size() < 2)
    throw ConfigError("a network needs at least an input and an output size, got " +
                      std::to_string(sizes.size()) + " size(s)");
  if (sizes.size() > 34) throw ConfigError("at most 32 hidden layers are supported");
  for (std::size_t k = 0; k < sizes.size(); ++k) {
    if (sizes[k] < 1)
      throw ConfigError("layer " + std::to_string(k) + " has size " + std::to_string(sizes[k]) +
                        "; every size must be at least 1");
    if (sizes[k] > kMaxWidth)
      throw ConfigError("layer " + std::to_string(k) + " has size " + std::to_string(sizes[k]) +
                        ", more than the maximum width " + std::to_string(kMaxWidth));
  }
  if (parameter_count() > kMaxParameters)
    throw ConfigError("the network " + describe() + " has " + std::to_string(parameter_count()) +
                      " parameters, more than the maximum " + std::to_string(kMaxParameters));
}

std::string Architecture::describe() const {
  std::string out;
  for (std::size_t k = 0; k < sizes.size(); ++k) out += (k ? "-" : "") + std::to_string(sizes[k]);
  return out;
}

std::vector<int> parse_sizes(const std::string& text) {
  std::vector<int> sizes;
  std::string token;
  auto flush = [&] {
    if (token.empty()) throw ConfigError("layer sizes '" + text + "' have an empty entry");
    std::size_t used = 0;
    long value = 0;
    try {
      value = std::stol(token, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != token.size() || value < 1 || value > (1L << 30))
      throw ConfigError("layer size '" + token + "' is not a positive integer");
    sizes.push_back(static_cast<int>(value));
    token.clear();
  };
  for (char c : text) {
    if (c == '-' || c == ',' || c == 'x') flush();
    else token += c;
  }
  flush();
  return sizes;
}

}  // namespace mlp
