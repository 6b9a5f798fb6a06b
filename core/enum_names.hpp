#pragma once
// Enums named by a fixed array of strings indexed by the enum's value: one
// list serves printing, parsing and the choices of the configuration schema.
#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "errors.hpp"

namespace mlp {

template <std::size_t N>
using EnumNames = std::array<const char*, N>;

// "a, b or c"
template <std::size_t N>
std::string name_list(const EnumNames<N>& names) {
  std::string out;
  for (std::size_t i = 0; i < N; ++i)
    out += (i == 0 ? "" : i + 1 == N ? " or " : ", ") + std::string(names[i]);
  return out;
}

template <typename E, std::size_t N>
std::string enum_name(const EnumNames<N>& names, E value) {
  const auto i = static_cast<std::size_t>(value);
  return i < N ? names[i] : "?";
}

// Throws ConfigError "unknown <what> '<name>' (expected a, b or c)".
template <typename E, std::size_t N>
E parse_enum(const EnumNames<N>& names, const std::string& name, const char* what) {
  for (std::size_t i = 0; i < N; ++i)
    if (name == names[i]) return static_cast<E>(i);
  const std::string shown = name.size() > 32 ? name.substr(0, 32) + "…" : name;
  throw ConfigError("unknown " + std::string(what) + " '" + shown + "' (expected " + name_list(names) + ")");
}

template <std::size_t N>
std::vector<std::string> name_vector(const EnumNames<N>& names) {
  return {names.begin(), names.end()};
}

}  // namespace mlp
