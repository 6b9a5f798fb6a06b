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
  // Throws ConfigError for fewer than two sizes, a size < 1, or a network
  // too large to be sensible (a width over 1<<16 or over 2^28 parameters).
  void validate() const;
  std::string describe() const;  // "784-20-10"
};

std::vector<int> parse_sizes(const std::string& text);  // "784-20-10" or "784,20,10"

}  // namespace mlp
