#pragma once
// How a new network's parameters are drawn.
//   Uniform:  W ~ U(−r, r), r = √(6 / (in + out)) (Glorot) for sigmoid and
//             tanh, √(6 / in) (He) for ReLU; b = 0.
//   Gaussian: W ~ N(0, 1) / √in, b ~ N(0, 1): the course template the
//             report's code was built on (network2.py's default initializer).
#include "enum_names.hpp"

namespace mlp {

enum class Initialization { Uniform, Gaussian };
inline constexpr EnumNames<2> kInitializationNames{"uniform", "gaussian"};

inline std::string to_string(Initialization i) {
  return enum_name(kInitializationNames, i);
}

}  // namespace mlp
