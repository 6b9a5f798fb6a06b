#include "architecture.hpp"

#include "config_field.hpp"
#include "errors.hpp"

namespace mlp {

double parameter_count(const std::vector<int>& sizes) {
  double n = 0;
  for (std::size_t k = 0; k + 1 < sizes.size(); ++k)
    n += static_cast<double>(sizes[k + 1]) * (static_cast<double>(sizes[k]) + 1);
  return n;
}

std::string describe_sizes(const std::vector<int>& sizes) {
  std::string out;
  for (std::size_t k = 0; k < sizes.size(); ++k) out += (k ? "-" : "") + std::to_string(sizes[k]);
  return out;
}

long long Architecture::parameter_count() const {
  return static_cast<long long>(mlp::parameter_count(sizes));
}

void Architecture::validate() const {
  TrainConfig c;
  c.architecture = *this;
  validate_group(c, FieldGroup::Architecture);
}

std::string Architecture::describe() const {
  return describe_sizes(sizes);
}

std::vector<int> parse_sizes(const std::string& text) {
  std::vector<int> sizes;
  std::string token;
  auto flush = [&] {
    if (token.empty()) throw ConfigError("layer sizes '" + text + "' have an empty entry");
    bool digits = token.size() <= 9;  // below 10^9: fits an int; larger sizes fail the width check anyway
    for (char c : token) digits = digits && c >= '0' && c <= '9';
    if (!digits || std::stol(token) < 1)
      throw ConfigError("layer size '" + token + "' is not a positive integer");
    sizes.push_back(static_cast<int>(std::stol(token)));
    token.clear();
  };
  for (char c : text) {
    if (c == '-' || c == ',' || c == 'x')
      flush();
    else
      token += c;
  }
  flush();
  return sizes;
}

}  // namespace mlp
