#pragma once
// What a network is: layer sizes, hidden activation, output + loss.
#include <string>
#include <vector>

#include "activation.hpp"
#include "output_loss.hpp"

namespace mlp {

struct Architecture {
  std::vector<int> sizes{784, 20, 10};  // input, hidden..., output
  Activation hidden = Activation::Sigmoid;
  OutputLoss output = OutputLoss::SigmoidBce;

  int layer_count() const { return static_cast<int>(sizes.size()) - 1; }
  long long parameter_count() const;
  // Throws ConfigError unless every field of the architecture is in its
  // range (config_field.hpp: sizes, widths, parameter count).
  void validate() const;
  std::string describe() const;  // "784-20-10"
};

// Weights and biases of a network of these sizes: Σ_k out_k · (in_k + 1).
double parameter_count(const std::vector<int>& sizes);
std::string describe_sizes(const std::vector<int>& sizes);  // "784-20-10"
std::vector<int> parse_sizes(const std::string& text);      // "784-20-10" or "784,20,10"

}  // namespace mlp
