#include "inspection.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "errors.hpp"

namespace mlp {

template <typename T>
DigitPath<T> trace_digit(Network<T>& net, ConstRef<T> x) {
  if (x.cols() != 1) throw Error("trace_digit takes one image, got " + std::to_string(x.cols()));
  DigitPath<T> path;
  path.probabilities = net.forward(x);  // checks x's rows
  const int last = net.layer_count() - 1;
  for (int k = 0; k < last; ++k) path.hidden.emplace_back(net.activations(k));
  path.logits = net.activations(last);
  Eigen::Index best = 0;
  path.probabilities.maxCoeff(&best);
  path.predicted = static_cast<int>(best);
  // z_c = Σ_j W[c, j] h_j + b_c: the terms of the winning logit's sum.
  const auto& out = net.layer(last);
  const Vector<T> feed = last > 0 ? path.hidden.back() : Vector<T>(x.col(0));
  path.contributions = out.w.row(best).transpose().cwiseProduct(feed);
  path.bias = out.b(best);
  return path;
}

template <typename T>
NetworkHealth inspect_health(Network<T>& net, ConstRef<T> x, ConstRef<T> y, int bins) {
  const auto n = x.cols();
  if (n < 1) throw Error("the health of a network needs at least one image");
  if (y.cols() != n || y.rows() != net.output_size())
    throw Error("targets are " + std::to_string(y.rows()) + "×" + std::to_string(y.cols()) + ", expected " +
                std::to_string(net.output_size()) + "×" + std::to_string(n));
  bins = std::max(1, bins);
  const Activation kind = net.architecture().hidden;
  const int last = net.layer_count() - 1;

  NetworkHealth health;
  health.samples = static_cast<int>(n);
  net.forward(x);
  health.loss = static_cast<double>(net.loss_sum(y)) / static_cast<double>(n);
  health.layers.resize(static_cast<std::size_t>(last + 1));
  for (int k = 0; k < last; ++k) {
    LayerHealth& layer = health.layers[static_cast<std::size_t>(k)];
    const auto h = net.activations(k);  // (out_k, n)
    layer.units = static_cast<int>(h.rows());
    layer.low = kind == Activation::Tanh ? -1 : 0;
    layer.high = kind == Activation::Relu ? std::max(1e-6, static_cast<double>(h.maxCoeff())) : 1;
    layer.histogram.assign(static_cast<std::size_t>(bins), 0);
    const double width = (layer.high - layer.low) / bins;
    long long saturated = 0, stuck = 0;
    double sum = 0;
    for (Eigen::Index u = 0; u < h.rows(); ++u) {
      long long on_unit = 0;
      for (Eigen::Index j = 0; j < n; ++j) {
        const T v = h(u, j);
        sum += static_cast<double>(v);
        const int bin = static_cast<int>((static_cast<double>(v) - layer.low) / width);
        ++layer.histogram[static_cast<std::size_t>(std::clamp(bin, 0, bins - 1))];
        on_unit += is_saturated(kind, v);
      }
      saturated += on_unit;
      stuck += on_unit == n;
    }
    const double pairs = static_cast<double>(h.size());
    layer.mean = sum / pairs;
    layer.saturated = static_cast<double>(saturated) / pairs;
    layer.stuck = static_cast<double>(stuck) / static_cast<double>(h.rows());
  }
  health.layers.back().units = net.output_size();

  // The gradients of (1/n) Σ L over the sample, λ = 0.
  net.backward(x, y, T(1) / static_cast<T>(n), T(0));
  for (int k = 0; k <= last; ++k) {
    LayerHealth& layer = health.layers[static_cast<std::size_t>(k)];
    const auto& l = net.layer(k);
    layer.weight_gradient_norm = static_cast<double>(l.dw.norm());
    layer.bias_gradient_norm = static_cast<double>(l.db.norm());
    layer.weight_norm = static_cast<double>(l.w.norm());
  }
  return health;
}

template DigitPath<float> trace_digit<float>(Network<float>&, ConstRef<float>);
template DigitPath<double> trace_digit<double>(Network<double>&, ConstRef<double>);
template NetworkHealth inspect_health<float>(Network<float>&, ConstRef<float>, ConstRef<float>, int);
template NetworkHealth inspect_health<double>(Network<double>&, ConstRef<double>, ConstRef<double>, int);

}  // namespace mlp
