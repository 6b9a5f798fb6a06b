#include "network.hpp"

#include <algorithm>
#include <cmath>

#include "errors.hpp"
#include "thread_pool.hpp"

namespace mlp {

template <typename T>
Network<T>::Network(Architecture arch) : arch_(std::move(arch)) {
  arch_.validate();
  const auto n = static_cast<Eigen::Index>(arch_.parameter_count());
  params_ = Vector<T>::Zero(n);
  grads_ = Vector<T>::Zero(n);
  bind_layers();
  plan_weight_tiles();
  transposed_.resize(layers_.size());
  for (std::size_t k = 1; k < layers_.size(); ++k)
    transposed_[k].resize(layers_[k].inputs(), layers_[k].outputs());
}

template <typename T>
Network<T>::Network(const Network& other) : Network(other.arch_) {
  params_ = other.params_;
  reserve(other.capacity_);
  reserve_threads(other.reserved_threads());
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
      for (Eigen::Index i = 0; i < layer.w.size(); ++i)
        layer.w.data()[i] = static_cast<T>(rng.normal() * scale);
      for (Eigen::Index i = 0; i < layer.b.size(); ++i) layer.b[i] = static_cast<T>(rng.normal());
      continue;
    }
    const double limit = arch_.hidden == Activation::Relu ? std::sqrt(6.0 / in) : std::sqrt(6.0 / (in + out));
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
  tile_loss_.resize(static_cast<std::size_t>((batch + kSampleTile - 1) / kSampleTile));
  capacity_ = batch;
  // The tiles' product buffers keep the shapes reserve_threads() gave them
  // (a larger evaluation batch must not change their blocking).
}

template <typename T>
Eigen::Block<Matrix<T>, Eigen::Dynamic, Eigen::Dynamic, true> Network<T>::forward(
    const Eigen::Ref<const Matrix<T>>& x) {
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
  if (k == 0)
    layers_[0].forward(x, a);
  else
    layers_[k].forward(act_[k - 1].leftCols(last_batch_), a);
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
void Network<T>::backward(const Eigen::Ref<const Matrix<T>>& x, const Eigen::Ref<const Matrix<T>>& y, T scale,
                          T l2) {
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
  if (k == 0)
    layers_[0].weight_gradients(g, x, l2);
  else
    layers_[k].weight_gradients(g, act_[k - 1].leftCols(last_batch_), l2);
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

// ---- Tiles --------------------------------------------------------------------

template <typename T>
void Network<T>::plan_weight_tiles() {
  // Largest tiles first, so that threads taking tasks in order end together.
  weight_tiles_.clear();
  Eigen::Index offset = 0;
  for (int k = 0; k < layer_count(); ++k) {
    const int in = arch_.sizes[k], out = arch_.sizes[k + 1];
    for (int begin = 0; begin < in; begin += kWeightTile) {
      const int count = std::min(kWeightTile, in - begin);
      const bool last = begin + count == in;
      weight_tiles_.push_back({k, begin, count, offset + static_cast<Eigen::Index>(begin) * out,
                               static_cast<Eigen::Index>(count) * out + (last ? out : 0)});
    }
    offset += DenseLayer<T>::parameter_count(in, out);
  }
  std::stable_sort(weight_tiles_.begin(), weight_tiles_.end(), [&](const WeightTile& a, const WeightTile& b) {
    return static_cast<long long>(a.count) * arch_.sizes[a.layer + 1] >
           static_cast<long long>(b.count) * arch_.sizes[b.layer + 1];
  });
}

template <typename T>
void Network<T>::reserve_threads(int threads) {
  // Every thread reserves the same shapes, so that Eigen chooses the same
  // blocking (and so the same summation order) on each.
  while (reserved_threads() < threads) {
    TileWork w;
    w.forward.resize(layers_.size());
    w.weight.resize(layers_.size());
    w.input.resize(layers_.size());
    for (std::size_t k = 0; k < layers_.size(); ++k) {
      const int in = layers_[k].inputs(), out = layers_[k].outputs();
      w.forward[k].reserve(out, kSampleTile, in);
      // Depth: any batch (Eigen's blocking then caps it by the cache size,
      // so every later product runs through the same blocks).
      w.weight[k].reserve(out, std::min(kWeightTile, in), kWeightDepth);
      if (k > 0) w.input[k].reserve(in, kSampleTile, out);
    }
    w.scratch.reserve(kSampleTile);
    tile_work_.push_back(std::move(w));
  }
}

template <typename T>
void Network<T>::begin_tiles(int b) {
  if (b > capacity_)
    throw Error("a batch of " + std::to_string(b) + " exceeds the workspace of " + std::to_string(capacity_));
  last_batch_ = b;
}

template <typename T>
typename Network<T>::Columns Network<T>::sample_tile(int t) const {
  const int begin = t * kSampleTile;
  return {begin, std::min(kSampleTile, last_batch_ - begin)};
}

template <typename T>
Eigen::Block<Matrix<T>, Eigen::Dynamic, Eigen::Dynamic, true> Network<T>::forward_tiles(
    const Eigen::Ref<const Matrix<T>>& x, ThreadPool* pool) {
  const auto b = x.cols();
  if (x.rows() != input_size())
    throw Error("input has " + std::to_string(x.rows()) + " rows, the network expects " +
                std::to_string(input_size()));
  if (b > capacity_) reserve(static_cast<int>(b));
  reserve_threads(pool ? pool->size() : 1);
  begin_tiles(static_cast<int>(b));
  if (pool)
    pool->run(sample_tiles(), [&](int t, int thread) { forward_tile(t, x, thread); });
  else
    for (int t = 0; t < sample_tiles(); ++t) forward_tile(t, x, 0);
  return prob_.leftCols(b);
}

template <typename T>
double Network<T>::step_tiles(const Eigen::Ref<const Matrix<T>>& x, const Eigen::Ref<const Matrix<T>>& y,
                              T scale, T l2, ThreadPool* pool, const StepHooks& hooks) {
  const auto b = x.cols();
  if (x.rows() != input_size())
    throw Error("input has " + std::to_string(x.rows()) + " rows, the network expects " +
                std::to_string(input_size()));
  if (y.rows() != output_size() || y.cols() != b)
    throw Error("targets are " + std::to_string(y.rows()) + "×" + std::to_string(y.cols()) + ", expected " +
                std::to_string(output_size()) + "×" + std::to_string(b));
  if (b < 1) throw Error("a training step needs at least one sample");
  if (b > capacity_) reserve(static_cast<int>(b));
  reserve_threads(pool ? pool->size() : 1);
  begin_tiles(static_cast<int>(b));
  prepare_backward();
  // Round 1, sample tiles: forward, Σ L, G_last = scale (p − y), G_{k−1} = Wᵀ G_k ⊙ g'(a_{k−1}).
  const auto sample_task = [&](int t, int thread) {
    if (hooks.before_sample_tile) hooks.before_sample_tile(t, thread);
    forward_tile(t, x, thread);
    tile_loss_[static_cast<std::size_t>(t)] = loss_tile(t, y, thread);
    backward_tile(t, y, scale, thread);
    if (hooks.after_sample_tile) hooks.after_sample_tile(t, thread);
  };
  if (pool)
    pool->run(sample_tiles(), sample_task);
  else
    for (int t = 0; t < sample_tiles(); ++t) sample_task(t, 0);
  double loss = 0;
  for (int t = 0; t < sample_tiles(); ++t) loss += tile_loss_[static_cast<std::size_t>(t)];
  if (!std::isfinite(loss)) return loss;
  // Round 2, weight tiles: ∇W_k = G_k h_{k−1}ᵀ + λW_k, ∇b_k = G_k 1.
  const auto weight_task = [&](int t, int thread) {
    weight_tile_gradients(t, x, l2, thread);
    if (hooks.after_weight_tile) hooks.after_weight_tile(t, thread);
  };
  const int weight_tile_count = static_cast<int>(weight_tiles_.size());
  if (pool)
    pool->run(weight_tile_count, weight_task);
  else
    for (int t = 0; t < weight_tile_count; ++t) weight_task(t, 0);
  return loss;
}

template <typename T>
T Network<T>::loss_tile(int t, const Eigen::Ref<const Matrix<T>>& y, int thread) {
  const Columns c = sample_tile(t);
  return output_loss_sum<T>(arch_.output, act_.back().middleCols(c.begin, c.count),
                            y.middleCols(c.begin, c.count),
                            tile_work_[static_cast<std::size_t>(thread)].scratch);
}

template <typename T>
void Network<T>::forward_tile(int t, const Eigen::Ref<const Matrix<T>>& x, int thread) {
  const Columns c = sample_tile(t);
  TileWork& w = tile_work_[static_cast<std::size_t>(thread)];
  const int last = layer_count() - 1;
  for (int k = 0; k <= last; ++k) {
    auto a = act_[k].middleCols(c.begin, c.count);  // (out_k, count)
    a.colwise() = layers_[k].b;
    // a_k = W_k h_{k-1} + b_k,  h_{-1} = x
    if (k == 0)
      w.forward[0].template accumulate<false, false>(a, layers_[0].w, x.middleCols(c.begin, c.count));
    else
      w.forward[k].template accumulate<false, false>(a, layers_[k].w,
                                                     act_[k - 1].middleCols(c.begin, c.count));
    if (k < last) activate(arch_.hidden, a);
  }
  const auto z = act_.back().middleCols(c.begin, c.count);
  auto p = prob_.middleCols(c.begin, c.count);
  output_probabilities<T>(arch_.output, z, p, w.scratch);
}

template <typename T>
Eigen::Block<Matrix<T>, Eigen::Dynamic, Eigen::Dynamic, true> Network<T>::probabilities_tile(int t) {
  const Columns c = sample_tile(t);
  return prob_.middleCols(c.begin, c.count);
}

template <typename T>
void Network<T>::prepare_backward() {
  for (std::size_t k = 1; k < layers_.size(); ++k) transposed_[k] = layers_[k].w.transpose();
}

template <typename T>
void Network<T>::backward_tile(int t, const Eigen::Ref<const Matrix<T>>& y, T scale, int thread) {
  const Columns c = sample_tile(t);
  TileWork& w = tile_work_[static_cast<std::size_t>(thread)];
  // G ← scale (p - y)
  grad_.back().middleCols(c.begin, c.count) =
      scale * (prob_.middleCols(c.begin, c.count) - y.middleCols(c.begin, c.count));
  for (int k = layer_count() - 1; k >= 1; --k) {
    auto g_prev = grad_[k - 1].middleCols(c.begin, c.count);  // (in_k, count)
    g_prev.setZero();
    w.input[k].template accumulate<false, false>(g_prev, transposed_[k],
                                                 grad_[k].middleCols(c.begin, c.count));
    apply_derivative(arch_.hidden, g_prev, act_[k - 1].middleCols(c.begin, c.count));  // ⊙ g'(a), from h
  }
}

template <typename T>
void Network<T>::weight_tile_gradients(int t, const Eigen::Ref<const Matrix<T>>& x, T l2, int thread) {
  const WeightTile& tile = weight_tiles_[static_cast<std::size_t>(t)];
  const int k = tile.layer;
  DenseLayer<T>& layer = layers_[k];
  const auto g = grad_[k].leftCols(last_batch_);  // (out_k, b)
  auto dw = layer.dw.middleCols(tile.begin, tile.count);
  if (l2 != T(0))
    dw = l2 * layer.w.middleCols(tile.begin, tile.count);
  else
    dw.setZero();
  // ∇W(:, cols) = G h_{k-1}(cols, :)ᵀ
  if (k == 0)
    tile_work_[static_cast<std::size_t>(thread)].weight[0].template accumulate<false, true>(
        dw, g, x.block(tile.begin, 0, tile.count, last_batch_));
  else
    tile_work_[static_cast<std::size_t>(thread)].weight[k].template accumulate<false, true>(
        dw, g, act_[k - 1].block(tile.begin, 0, tile.count, last_batch_));
  if (tile.begin + tile.count == layer.inputs()) layer.db = g.rowwise().sum();
}

template class Network<float>;
template class Network<double>;

}  // namespace mlp
