#pragma once
// Hidden-layer activations g. Each is applied in place to a pre-activation
// block A = W h + b, turning it into h = g(A); the backward step needs only h,
// because every derivative here can be written in terms of the output.
#include <string>

#include "enum_names.hpp"
#include "matrix.hpp"

namespace mlp {

enum class Activation { Sigmoid, Tanh, Relu };
inline constexpr EnumNames<3> kActivationNames{"sigmoid", "tanh", "relu"};

inline std::string to_string(Activation a) {
  return enum_name(kActivationNames, a);
}
inline Activation parse_activation(const std::string& name) {  // throws ConfigError
  return parse_enum<Activation>(kActivationNames, name, "activation");
}

// h = g(a), elementwise, in place.
template <typename Block>
void activate(Activation kind, Block&& a) {
  auto x = a.array();
  switch (kind) {
    case Activation::Sigmoid:
      // 1/(1+e^-a) overflows e^-a for a << 0 only to +inf, giving 0: safe.
      x = (1 + (-x).exp()).inverse();
      break;
    case Activation::Tanh:
      x = x.tanh();
      break;
    case Activation::Relu:
      x = x.max(0);
      break;
  }
}

// G <- G ⊙ g'(a), with g' expressed through h = g(a).
template <typename GBlock, typename HBlock>
void apply_derivative(Activation kind, GBlock&& g, const HBlock& h) {
  auto ga = g.array();
  auto ha = h.array();
  using T = typename std::decay_t<HBlock>::Scalar;
  switch (kind) {
    case Activation::Sigmoid:  // σ' = h (1 - h)
      ga *= ha * (1 - ha);
      break;
    case Activation::Tanh:  // tanh' = 1 - h²
      ga *= 1 - ha.square();
      break;
    case Activation::Relu:  // relu' = [h > 0]
      ga = (ha > T(0)).select(ga, T(0));
      break;
  }
}

}  // namespace mlp
