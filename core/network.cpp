#include "network.hpp"

#include <cmath>

#include "errors.hpp"

namespace mlp {

template <typename T>
Network<T>::Network(Architecture arch) : arch_(std::move(arch)) {
  arch_.validate();
  const auto n = static_cast<Eigen::Index>(arch_.parameter_count());
  params_ = Vector<T>::Zero(n);
  grads_ = Vector<T>::Zero(n);
  bind_layers();
}

template <typename T>
Network<T>::Network(const Network& other) : Network(other.arch_) {
  params_ = other.params_;
  reserve(other.capacity_);
}

template <typename T>
void Network<T>::bind_layers() {
  layers_.clear();
  Eigen::Index offset = 0;
  for (int k = 0; k < arch_.layer_count(); ++k) {
    const int in = arch_.sizes[k], out = arch_.sizes[k + 1];
    layers_.emplace_back(in, out, params_.data() + offset, grads_.data() + offset);
    offset += DenseLayer<T>::parameter_count(in, out);
  }
}

template <typename T>
void Network<T>::initialize(Random& rng, Initialization scheme) {
  for (auto& layer : layers_) {
    const double in = layer.inputs(), out = layer.outputs();
    if (scheme == Initialization::Gaussian) {  // W ~ N(0, 1)/√in, b ~ N(0, 1)
      const double scale = 1 / std::sqrt(in);
      for (Eigen::Index i = 0; i < layer.w.size(); ++i) layer.w.data()[i] = static_cast<T>(rng.normal() * scale);
      for (Eigen::Index i = 0; i < layer.b.size(); ++i) layer.b[i] = static_cast<T>(rng.normal());
      continue;
    }
    const double limit = arch_.hidden == Activation::Relu ? std::sqrt(6.0 / in)
                                                          : std::sqrt(6.0 / (in + out));
    for (Eigen::Index i = 0; i < layer.w.size(); ++i)
      layer.w.data()[i] = static_cast<T>(rng.symmetric(limit));
    layer.b.setZero();
  }
}

template <typename T>
void Network<T>::reserve(int batch) {
  if (batch <= capacity_) return;
  act_.resize(layers_.size());
  grad_.resize(layers_.size());
  for (std::size_t k = 0; k < layers_.size(); ++k) {
    act_[k].resize(layers_[k].outputs(), batch);
    grad_[k].resize(layers_[k].outputs(), batch);
  }
  for (auto& layer : layers_) layer.reserve(batch);
  prob_.resize(output_size(), batch);
  scratch_.reserve(batch);
  capacity_ = batch;
}

template <typename T>
Eigen::Block<Matrix<T>, Eigen::Dynamic, Eigen::Dynamic, true> Network<T>::forward(const Eigen::Ref<const Matrix<T>>& x) {
  const auto b = x.cols();
  if (x.rows() != input_size())
    throw Error("input has " + std::to_string(x.rows()) + " rows, the network expects " +
                std::to_string(input_size()));
  if (b > capacity_) reserve(static_cast<int>(b));
  last_batch_ = static_cast<int>(b);
  const int last = layer_count() - 1;
  for (int k = 0; k <= last; ++k) {
    forward_affine(k, x);
    if (k < last) forward_activation(k);
  }
  forward_output();
  return prob_.leftCols(b);  // (out, b)
}

template <typename T>
void Network<T>::forward_affine(int k, const Eigen::Ref<const Matrix<T>>& x) {
  auto a = act_[k].leftCols(last_batch_);  // (out_k, b)
  if (k == 0) layers_[0].forward(x, a);
  else layers_[k].forward(act_[k - 1].leftCols(last_batch_), a);
}

template <typename T>
void Network<T>::forward_activation(int k) {
  auto a = act_[k].leftCols(last_batch_);  // (out_k, b)
  activate(arch_.hidden, a);               // h_k = g(a_k), in place
}

template <typename T>
void Network<T>::forward_output() {
  auto p = prob_.leftCols(last_batch_);  // (out, b)
  output_probabilities<T>(arch_.output, act_.back().leftCols(last_batch_), p, scratch_);
}

template <typename T>
T Network<T>::loss_sum(const Eigen::Ref<const Matrix<T>>& y) {
  return output_loss_sum<T>(arch_.output, act_.back().leftCols(last_batch_), y, scratch_);
}

template <typename T>
void Network<T>::backward(const Eigen::Ref<const Matrix<T>>& x,
                          const Eigen::Ref<const Matrix<T>>& y, T scale, T l2) {
  backward_output(y, scale);
  for (int k = layer_count() - 1; k >= 0; --k) {
    backward_weights(k, x, l2);
    if (k == 0) break;  // ∇x is not needed: skipping it saves a third of the first layer's work
    backward_input(k);
    backward_activation(k);
  }
}

template <typename T>
void Network<T>::backward_output(const Eigen::Ref<const Matrix<T>>& y, T scale) {
  // G ← ∇_z J = scale (p - y): the fused output + loss gradient.
  grad_.back().leftCols(last_batch_) = scale * (prob_.leftCols(last_batch_) - y);
}

template <typename T>
void Network<T>::backward_weights(int k, const Eigen::Ref<const Matrix<T>>& x, T l2) {
  auto g = grad_[k].leftCols(last_batch_);  // (out_k, b)
  // ∇W_k = G h_{k-1}ᵀ + λW_k,  ∇b_k = G 1,  h_{-1} = x: (in_k, b)
  if (k == 0) layers_[0].weight_gradients(g, x, l2);
  else layers_[k].weight_gradients(g, act_[k - 1].leftCols(last_batch_), l2);
}

template <typename T>
void Network<T>::backward_input(int k) {
  auto g = grad_[k].leftCols(last_batch_);           // (out_k, b)
  auto g_prev = grad_[k - 1].leftCols(last_batch_);  // (in_k, b)
  layers_[k].input_gradient(g, g_prev);              // G ← Wᵀ G
}

template <typename T>
void Network<T>::backward_activation(int k) {
  auto g_prev = grad_[k - 1].leftCols(last_batch_);  // (in_k, b)
  auto h_prev = act_[k - 1].leftCols(last_batch_);   // (in_k, b)
  apply_derivative(arch_.hidden, g_prev, h_prev);    // G ← G ⊙ g'(a), from h = g(a)
}

template <typename T>
T Network<T>::l2_penalty() const {
  T sum = 0;
  for (const auto& layer : layers_) sum += layer.w.squaredNorm();
  return sum / 2;
}

template class Network<float>;
template class Network<double>;

}  // namespace mlp
