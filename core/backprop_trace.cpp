#include "backprop_trace.hpp"

#include <algorithm>
#include <cmath>
#include <queue>
#include <string>

#include "errors.hpp"
#include "gradient_clipping.hpp"
#include "network.hpp"
#include "random.hpp"
#include "train_config.hpp"

namespace mlp {
namespace {

// ---- The network in double, read from the float parameters -----------------

struct LayerView {
  Eigen::Map<const Matrix<float>> w;  // (out, in)
  Eigen::Map<const Vector<float>> b;  // (out)
  int inputs() const { return static_cast<int>(w.cols()); }
  int outputs() const { return static_cast<int>(w.rows()); }
};

std::vector<LayerView> layer_views(const Architecture& arch, const Vector<float>& params) {
  std::vector<LayerView> layers;
  const float* p = params.data();
  for (int k = 0; k < arch.layer_count(); ++k) {
    const int in = arch.sizes[static_cast<std::size_t>(k)], out = arch.sizes[static_cast<std::size_t>(k) + 1];
    layers.push_back({Eigen::Map<const Matrix<float>>(p, out, in),
                      Eigen::Map<const Vector<float>>(p + static_cast<Eigen::Index>(out) * in, out)});
    p += DenseLayer<float>::parameter_count(in, out);
  }
  return layers;
}

// One parameter moved by δ during a forward pass: W⁽ᵏ⁾[row, column], or
// b⁽ᵏ⁾[row] when column is −1. layer −1: none.
struct Perturbation {
  int layer = -1, row = 0, column = 0;
  double delta = 0;
};

double hidden(Activation g, double a) {
  switch (g) {
    case Activation::Sigmoid:
      return 1 / (1 + std::exp(-a));
    case Activation::Tanh:
      return std::tanh(a);
    case Activation::Relu:
      return a > 0 ? a : 0;
  }
  return a;
}

// g'(a), from a itself (the training step writes it through h = g(a)).
double hidden_derivative(Activation g, double a) {
  switch (g) {
    case Activation::Sigmoid: {
      const double s = 1 / (1 + std::exp(-a));
      return s * (1 - s);
    }
    case Activation::Tanh: {
      const double t = std::tanh(a);
      return 1 - t * t;
    }
    case Activation::Relu:
      return a > 0 ? 1 : 0;
  }
  return 1;
}

double loss_of(OutputLoss kind, const Vector<double>& u, const Vector<double>& y) {
  OutputScratch<double> scratch;
  scratch.reserve(1);
  return output_loss_sum<double>(kind, u, y, scratch);
}

struct Pass {
  std::vector<Vector<double>> a, h;  // per layer k = 1..K (index k − 1)
  std::vector<char> on;              // ReLU: a > 0 of every hidden unit, layer after layer
  double loss = 0;
};

// The forward pass in double, with at most one parameter perturbed.
void forward(const Architecture& arch, const std::vector<LayerView>& layers, const Vector<double>& x,
             const Vector<double>& y, const Perturbation& moved, Pass& pass) {
  const int count = static_cast<int>(layers.size());
  pass.a.resize(static_cast<std::size_t>(count));
  pass.h.resize(static_cast<std::size_t>(count));
  pass.on.clear();
  const Vector<double>* h_prev = &x;
  for (int k = 0; k < count; ++k) {
    const LayerView& l = layers[static_cast<std::size_t>(k)];
    Vector<double>& a = pass.a[static_cast<std::size_t>(k)];
    Vector<double>& h = pass.h[static_cast<std::size_t>(k)];
    // a⁽ᵏ⁾ = b⁽ᵏ⁾ + Σ_j W⁽ᵏ⁾[:, j] h⁽ᵏ⁻¹⁾_j
    a = l.b.cast<double>();
    for (int j = 0; j < l.inputs(); ++j) a += l.w.col(j).cast<double>() * (*h_prev)[j];
    if (moved.layer == k) a[moved.row] += moved.delta * (moved.column < 0 ? 1.0 : (*h_prev)[moved.column]);
    if (k + 1 < count) {
      h.resize(a.size());  // h⁽ᵏ⁾ = g(a⁽ᵏ⁾)
      for (Eigen::Index i = 0; i < a.size(); ++i) {
        h[i] = hidden(arch.hidden, a[i]);
        if (arch.hidden == Activation::Relu) pass.on.push_back(a[i] > 0);
      }
    } else {
      Matrix<double> p(a.size(), 1);  // ŷ = output(a⁽ᴷ⁾)
      OutputScratch<double> scratch;
      scratch.reserve(1);
      output_probabilities<double>(arch.output, a, p, scratch);
      h = p.col(0);
    }
    h_prev = &h;
  }
  pass.loss = loss_of(arch.output, pass.a.back(), y);
}

// |g − ĝ| / max(|g| + |ĝ|, floor), floor > 0 (kTraceFloor).
double relative(double g, double n, double floor) {
  return std::abs(g - n) / std::max(std::abs(g) + std::abs(n), floor);
}

// Indices into a layer's out·in + out parameters (weights column-major, then
// biases) to difference: the n/2 largest |∇| (ties: the lower index), then
// pseudo-random others from a stream seeded by the layer, until n.
std::vector<Eigen::Index> pick_parameters(const Matrix<double>& grad_w, const Vector<double>& grad_b, int n,
                                          int layer) {
  const Eigen::Index weights = grad_w.size(), size = weights + grad_b.size();
  const auto at = [&](Eigen::Index i) {
    return std::abs(i < weights ? grad_w.data()[i] : grad_b[i - weights]);
  };
  std::vector<Eigen::Index> picked;
  if (size <= n) {
    for (Eigen::Index i = 0; i < size; ++i) picked.push_back(i);
    return picked;
  }
  // The largest by a bounded heap whose top is the smallest kept (a layer may hold millions).
  const int largest = (n + 1) / 2;
  const auto ranks_before = [&](Eigen::Index a, Eigen::Index b) {
    return at(a) > at(b) || (at(a) == at(b) && a < b);
  };
  std::priority_queue<Eigen::Index, std::vector<Eigen::Index>, decltype(ranks_before)> heap(ranks_before);
  for (Eigen::Index i = 0; i < size; ++i) {
    if (static_cast<int>(heap.size()) < largest) {
      heap.push(i);
    } else if (ranks_before(i, heap.top())) {
      heap.pop();
      heap.push(i);
    }
  }
  for (; !heap.empty(); heap.pop()) picked.push_back(heap.top());
  std::reverse(picked.begin(), picked.end());  // largest first
  Random rng(0x7ace0000u + static_cast<std::uint64_t>(layer));
  while (static_cast<int>(picked.size()) < n) {
    const Eigen::Index i =
        rng.below(static_cast<std::uint32_t>(size));  // size < 2^31 (at most 50 M parameters)
    if (std::find(picked.begin(), picked.end(), i) == picked.end()) picked.push_back(i);
  }
  return picked;
}

void check_input(const TrainerStateView& state, const Eigen::Ref<const Vector<float>>& x, int label) {
  const Architecture& arch = state.config->architecture;
  if (x.size() != arch.sizes.front())
    throw Error("the image has " + std::to_string(x.size()) + " values, the network expects " +
                std::to_string(arch.sizes.front()));
  for (Eigen::Index i = 0; i < x.size(); ++i)
    if (!std::isfinite(x[i]))
      throw Error("the image's value " + std::to_string(i) + " is not a finite number");
  if (label < 0 || label >= arch.sizes.back())
    throw Error("label " + std::to_string(label) + " is out of range: the network has " +
                std::to_string(arch.sizes.back()) + " outputs (0.." + std::to_string(arch.sizes.back() - 1) +
                ")");
  if (state.parameters->size() != arch.parameter_count())
    throw Error("the state has " + std::to_string(state.parameters->size()) + " parameters, the network " +
                arch.describe() + " needs " + std::to_string(arch.parameter_count()));
}

Derivation derive(OutputLoss kind, const Vector<double>& u, const Vector<double>& y_hat,
                  const Vector<double>& y) {
  Derivation d;
  d.loss = kind;
  d.y = y;
  d.y_hat = y_hat;
  const Eigen::Index n = u.size();
  d.dl_dy_hat.resize(n);
  d.product.resize(n);
  d.delta = y_hat - y;
  if (kind == OutputLoss::SigmoidBce) {
    d.sigma_prime.resize(n);
    for (Eigen::Index j = 0; j < n; ++j) {
      const double p = y_hat[j],
                   q = 1 / (1 + std::exp(u[j]));  // ŷ and 1 − ŷ = σ(−u), each without cancellation
      // ∂L/∂ŷ = −y/ŷ + (1 − y)/(1 − ŷ)
      d.dl_dy_hat[j] = (y[j] != 0 ? -y[j] / p : 0.0) + (y[j] != 1 ? (1 - y[j]) / q : 0.0);
      d.sigma_prime[j] = p * q;                          // σ'(u) = ŷ(1 − ŷ)
      d.product[j] = d.dl_dy_hat[j] * d.sigma_prime[j];  // = ŷ − y
    }
    return d;
  }
  for (Eigen::Index i = 0; i < n; ++i)
    d.dl_dy_hat[i] = y[i] != 0 ? -y[i] / y_hat[i] : 0.0;  // ∂L/∂ŷ_i = −y_i/ŷ_i
  for (Eigen::Index j = 0; j < n; ++j) {
    double sum = 0;  // Σ_i ∂ŷ_i/∂u_j ∂L/∂ŷ_i,  ∂ŷ_i/∂u_j = ŷ_i(δ_ij − ŷ_j)
    for (Eigen::Index i = 0; i < n; ++i)
      if (d.dl_dy_hat[i] != 0) sum += y_hat[i] * ((i == j ? 1.0 : 0.0) - y_hat[j]) * d.dl_dy_hat[i];
    d.product[j] = sum;
  }
  return d;
}

StepEffect one_step(const TrainerStateView& state, const Eigen::Ref<const Vector<float>>& x, int label,
                    int top_pixels) {
  const TrainConfig& config = *state.config;
  StepEffect s;
  s.optimizer = config.optimizer.kind;
  s.learning_rate = config.optimizer.learning_rate;
  const float factor = gradient_factor(config.gradient, 1), l2 = static_cast<float>(config.l2);
  s.factor = factor;
  s.l2 = l2;

  Network<float> net(config.architecture);
  net.parameters() = *state.parameters;
  auto optimizer = make_optimizer<float>(config.optimizer, net.parameters().size());
  for (auto& [name, vec] : optimizer->state()) {
    const auto it = std::find_if(state.optimizer_state.begin(), state.optimizer_state.end(),
                                 [&n = name](const auto& entry) { return entry.first == n; });
    if (it == state.optimizer_state.end() || it->second->size() != vec->size())
      throw Error("the state lacks optimizer state '" + name + "' of " + std::to_string(vec->size()) +
                  " values");
    *vec = *it->second;
  }
  optimizer->set_steps(state.optimizer_steps);

  const Matrix<float> xb = x;  // (in, 1)
  Matrix<float> yb = Matrix<float>::Zero(net.output_size(), 1);
  yb(label, 0) = 1;
  net.forward(xb);
  s.loss_before = net.loss_sum(yb);
  net.step_tiles(xb, yb, factor, l2, nullptr);  // the training step, for a batch of one
  const double clip = clip_factor(net.gradients().cast<double>().norm(), config.optimizer.clip_norm);
  if (clip != 1.0) net.gradients() *= static_cast<float>(clip);  // as training clips
  optimizer->step(net.parameters(), net.gradients());
  net.forward(xb);
  s.loss_after = net.loss_sum(yb);

  // Σ_u |ΔW⁽¹⁾[u, i]|: how far the weights from input i moved.
  const LayerView before = layer_views(config.architecture, *state.parameters).front();
  s.pixel_change = (net.layer(0).w - before.w).cwiseAbs().colwise().sum().transpose().cast<double>();
  std::vector<int> order(static_cast<std::size_t>(s.pixel_change.size()));
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  const auto n = std::min<std::size_t>(static_cast<std::size_t>(std::max(top_pixels, 0)), order.size());
  std::partial_sort(
      order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n), order.end(), [&](int a, int b) {
        return s.pixel_change[a] > s.pixel_change[b] || (s.pixel_change[a] == s.pixel_change[b] && a < b);
      });
  for (std::size_t i = 0; i < n; ++i) s.top_pixels.emplace_back(order[i], s.pixel_change[order[i]]);
  return s;
}

}  // namespace

BackpropTrace trace_backprop(const TrainerStateView& state, const Eigen::Ref<const Vector<float>>& x,
                             int label, const TraceOptions& options) {
  check_input(state, x, label);
  const TrainConfig& config = *state.config;
  const Architecture& arch = config.architecture;
  const std::vector<LayerView> layers = layer_views(arch, *state.parameters);
  const int count = static_cast<int>(layers.size());

  BackpropTrace t;
  t.label = label;
  t.factor = gradient_factor(config.gradient, 1);
  t.l2 = static_cast<float>(config.l2);
  const Vector<double> xd = x.cast<double>();
  Vector<double> y = Vector<double>::Zero(arch.sizes.back());
  y[label] = 1;

  // Forward: a⁽ᵏ⁾ and h⁽ᵏ⁾ for k = 1..K, and L.
  Pass base;
  forward(arch, layers, xd, y, {}, base);
  t.loss = base.loss;
  for (int k = 0; k < count; ++k)
    t.forward.push_back({k + 1, base.a[static_cast<std::size_t>(k)], base.h[static_cast<std::size_t>(k)]});

  // Backward, Fig. 1.
  Vector<double> g = base.h.back() - y;  // G ← ∇_{a⁽ᴷ⁾} L = ŷ − y
  for (int k = count - 1; k >= 0; --k) {
    const LayerView& l = layers[static_cast<std::size_t>(k)];
    const Vector<double>& h_prev = k > 0 ? base.h[static_cast<std::size_t>(k) - 1] : xd;
    TraceBackward b;
    b.layer = k + 1;
    if (k + 1 < count)  // G ← G ⊙ g'(a⁽ᵏ⁾)
      for (Eigen::Index i = 0; i < g.size(); ++i)
        g[i] *= hidden_derivative(arch.hidden, base.a[static_cast<std::size_t>(k)][i]);
    b.g_a = g;
    b.grad_b = t.factor * g;                                                   // ∇b = f·G
    b.grad_w = t.factor * g * h_prev.transpose() + t.l2 * l.w.cast<double>();  // ∇W = f·G h⁽ᵏ⁻¹⁾ᵀ + λW
    b.g_h_prev = l.w.cast<double>().transpose() * g;                           // G ← W⁽ᵏ⁾ᵀ G
    g = b.g_h_prev;
    t.backward.push_back(std::move(b));
  }

  // Central differences of J = f·L + λΩ for a sample of each layer's parameters.
  const double floor = kTraceFloor * std::max(1.0, std::abs(t.loss));
  Pass moved;
  for (const TraceBackward& b : t.backward) {
    const int k = b.layer - 1;
    const LayerView& l = layers[static_cast<std::size_t>(k)];
    const int out = l.outputs();
    LayerCheck check;
    check.layer = b.layer;
    check.floor = floor;
    double diff = 0, g_norm = 0, n_norm = 0;
    for (const Eigen::Index i : pick_parameters(b.grad_w, b.grad_b, options.checks_per_layer, b.layer)) {
      CheckedParameter c;
      const bool weight = i < b.grad_w.size();
      c.row = static_cast<int>(weight ? i % out : i - b.grad_w.size());
      c.column = weight ? static_cast<int>(i / out) : -1;
      c.backprop = weight ? b.grad_w(c.row, c.column) : b.grad_b[c.row];
      const double theta =
          weight ? static_cast<double>(l.w(c.row, c.column)) : static_cast<double>(l.b[c.row]);
      double loss[2];
      for (int side = 0; side < 2; ++side) {
        const double delta = side == 0 ? kTraceStep : -kTraceStep;
        forward(arch, layers, xd, y, {k, c.row, c.column, delta}, moved);
        loss[side] = moved.loss;
        c.kink = c.kink || moved.on != base.on;
      }
      // ĝ = (J(θ + δ) − J(θ − δ)) / 2δ; of λΩ only the term of this weight changes: ½λ(θ ± δ)².
      const double penalty = weight ? t.l2 / 2 *
                                          ((theta + kTraceStep) * (theta + kTraceStep) -
                                           (theta - kTraceStep) * (theta - kTraceStep))
                                    : 0.0;
      c.numeric = (t.factor * (loss[0] - loss[1]) + penalty) / (2 * kTraceStep);
      if (c.kink) {
        ++check.kinks;
      } else {
        ++check.checked;
        diff += (c.backprop - c.numeric) * (c.backprop - c.numeric);
        g_norm += c.backprop * c.backprop;
        n_norm += c.numeric * c.numeric;
        check.max_relative_error = std::max(check.max_relative_error, relative(c.backprop, c.numeric, floor));
      }
      check.parameters.push_back(c);
    }
    const double norms = std::sqrt(g_norm) + std::sqrt(n_norm);
    check.relative_error = norms > 0 ? std::sqrt(diff) / norms : 0.0;
    t.gradient_check.push_back(std::move(check));
  }

  // The output delta against central differences of L in the logits.
  const Vector<double>& u = base.a.back();
  t.output_check.delta = base.h.back() - y;
  t.output_check.numeric.resize(u.size());
  t.output_check.floor = floor;
  double diff = 0;
  for (Eigen::Index j = 0; j < u.size(); ++j) {
    Vector<double> up = u, down = u;
    up[j] += kTraceStep;
    down[j] -= kTraceStep;
    const double n = (loss_of(arch.output, up, y) - loss_of(arch.output, down, y)) / (2 * kTraceStep);
    t.output_check.numeric[j] = n;
    diff += (t.output_check.delta[j] - n) * (t.output_check.delta[j] - n);
    t.output_check.max_relative_error =
        std::max(t.output_check.max_relative_error, relative(t.output_check.delta[j], n, floor));
  }
  const double norms = t.output_check.delta.norm() + t.output_check.numeric.norm();
  t.output_check.relative_error = norms > 0 ? std::sqrt(diff) / norms : 0.0;

  t.derivation = derive(arch.output, u, base.h.back(), y);
  t.step = one_step(state, x, label, options.top_pixels);
  return t;
}

}  // namespace mlp
