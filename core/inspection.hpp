#pragma once
// Looking inside a network while it learns: one image's path through every
// layer (trace_digit), and, over a fixed sample of images, each layer's
// health (inspect_health): how its activations are spread, how many of its
// units are saturated (sigmoid, tanh) or inactive (ReLU), and how large the
// gradient of its weights is. Nothing here trains or changes a parameter:
// the functions run forward (and, for the health, backward) passes on the
// network's workspace and gradient vector, which the next batch overwrites
// anyway (gradients are written with `=` every batch).
//
// Dimension letters: in/out = a layer's widths, n = images in the sample.
#include <vector>

#include "health_sample.hpp"
#include "network.hpp"

namespace mlp {

// A unit is saturated on an image when g'(a) < kSaturationDerivative: for
// the sigmoid when |a| > 4.6 (h < 0.0101 or h > 0.9899), for tanh when
// |a| > 3.0 (|h| > 0.995). For ReLU g'(a) is 0 or 1: "saturated" is a ≤ 0,
// the unit is off; a unit off on every image of the sample is dead.
inline constexpr double kSaturationDerivative = 0.01;

// A read-only view of images, one column each; T is taken from the network
// alone, so any Eigen expression (a matrix, a column) converts to it.
template <typename T>
struct ConstRefOf {
  using type = Eigen::Ref<const Matrix<T>>;
};
template <typename T>
using ConstRef = const typename ConstRefOf<T>::type&;

// g'(a), written through h = g(a) as activation.hpp's apply_derivative does.
template <typename T>
T derivative_from_output(Activation kind, T h) {
  switch (kind) {
    case Activation::Sigmoid:
      return h * (1 - h);
    case Activation::Tanh:
      return 1 - h * h;
    case Activation::Relu:
      return h > T(0) ? T(1) : T(0);
  }
  return T(1);
}

template <typename T>
bool is_saturated(Activation kind, T h) {
  return derivative_from_output(kind, h) < T(kSaturationDerivative);
}

// One image's way through the network.
template <typename T>
struct DigitPath {
  std::vector<Vector<T>> hidden;  // h_k of each hidden layer k = 0 … L−2: (out_k)
  Vector<T> logits;               // z: (out)
  Vector<T> probabilities;        // p: (out)
  int predicted = 0;              // argmax p
  // What each unit feeding the output layer (the last hidden layer's, or the
  // input's when there is none) added to the winning logit:
  // contributions_j = h_j · W_out[predicted, j], so z_predicted = Σ_j contributions_j + bias.
  Vector<T> contributions;  // (in_out)
  T bias = 0;               // b_out[predicted]
};

// x: one image (in, 1).
template <typename T>
DigitPath<T> trace_digit(Network<T>& net, ConstRef<T> x);

// One weight layer k over the sample.
struct LayerHealth {
  int units = 0;  // out_k
  // Activations h_k = g(a_k): hidden layers only (empty histogram for the output layer).
  std::vector<int>
      histogram;  // counts of h_k over the out_k · n (unit, image) pairs, equal bins of [low, high]
  double low = 0, high = 0;  // sigmoid [0, 1], tanh [−1, 1], ReLU [0, the sample's largest h]
  double mean = 0;           // mean of h_k
  double saturated = 0;      // share of (unit, image) pairs with g'(a) < kSaturationDerivative
  double stuck = 0;          // share of units saturated on every image (ReLU: dead units)
  // The gradient of the mean loss over the sample (without the λΩ term).
  double weight_gradient_norm = 0;  // ‖∇W_k‖_F
  double bias_gradient_norm = 0;    // ‖∇b_k‖
  double weight_norm = 0;           // ‖W_k‖_F
};

struct NetworkHealth {
  std::vector<LayerHealth> layers;  // one per weight layer, input side first
  int samples = 0;                  // n
  double loss = 0;                  // mean loss over the sample
};

// x: (in, n) images, y: (out, n) targets; bins ≥ 1 histogram bins. The
// network's workspace grows to n columns if it is smaller.
template <typename T>
NetworkHealth inspect_health(Network<T>& net, ConstRef<T> x, ConstRef<T> y, int bins = kHealthBins);

extern template DigitPath<float> trace_digit<float>(Network<float>&, ConstRef<float>);
extern template DigitPath<double> trace_digit<double>(Network<double>&, ConstRef<double>);
extern template NetworkHealth inspect_health<float>(Network<float>&, ConstRef<float>, ConstRef<float>, int);
extern template NetworkHealth inspect_health<double>(Network<double>&, ConstRef<double>, ConstRef<double>,
                                                     int);

}  // namespace mlp
