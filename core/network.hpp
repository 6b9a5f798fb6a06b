#pragma once
// A multilayer perceptron: dense layers with one hidden activation and an
// output + loss pair. Parameters live in one flat vector (layer by layer,
// W then b); the workspace holds one column per sample for up to capacity()
// samples, so forward/backward never allocate once reserve() has been called.
//
// Dimension letters: in/out = a layer's widths, b = samples in the batch.
#include <type_traits>
#include <vector>

#include "architecture.hpp"
#include "dense_layer.hpp"
#include "initialization.hpp"
#include "output_loss.hpp"
#include "random.hpp"

namespace mlp {

class ThreadPool;

template <typename T>
class Network {
 public:
  explicit Network(Architecture arch);  // validates; weights zero until initialize()
  Network(const Network& other);
  Network& operator=(const Network&) = delete;
  Network(Network&&) noexcept = default;
  Network& operator=(Network&&) = delete;

  const Architecture& architecture() const { return arch_; }
  int layer_count() const { return static_cast<int>(layers_.size()); }
  int input_size() const { return arch_.sizes.front(); }
  int output_size() const { return arch_.sizes.back(); }
  const DenseLayer<T>& layer(int k) const { return layers_[k]; }
  DenseLayer<T>& layer(int k) { return layers_[k]; }

  Vector<T>& parameters() { return params_; }
  const Vector<T>& parameters() const { return params_; }
  Vector<T>& gradients() { return grads_; }
  const Vector<T>& gradients() const { return grads_; }

  // New weights and biases drawn as `scheme` says (initialization.hpp).
  void initialize(Random& rng, Initialization scheme = Initialization::Uniform);

  void reserve(int batch);  // allocate the workspace for up to `batch` columns
  int capacity() const { return capacity_; }

  // Forward pass. x: (in, b) with b ≤ capacity(). Returns p: (out, b).
  Eigen::Block<Matrix<T>, Eigen::Dynamic, Eigen::Dynamic, true> forward(const Eigen::Ref<const Matrix<T>>& x);
  // Σ over the batch of the loss of the last forward() against y: (out, b).
  T loss_sum(const Eigen::Ref<const Matrix<T>>& y);
  // Backpropagation (the report's Fig. 1) for the last forward() on x:
  // gradients of  scale·Σ_batch L + λ·Ω,  Ω = ½ Σ_k ‖W_k‖²  (biases not decayed).
  void backward(const Eigen::Ref<const Matrix<T>>& x, const Eigen::Ref<const Matrix<T>>& y, T scale, T l2);
  T l2_penalty() const;  // Ω

  // forward() and backward() are these steps, run in this order (backward
  // from the last layer down); they are public so that a profiler can time
  // each on its own and still run exactly the code that trains. Each works on
  // the batch of the last forward(): its b columns of the workspace. x and y
  // are that batch's input (in, b) and targets (out, b); only layer 0 reads x.
  void forward_affine(int k, const Eigen::Ref<const Matrix<T>>& x);  // a_k = W_k h_{k-1} + b_k,  h_{-1} = x
  void forward_activation(int k);                                    // h_k = g(a_k), hidden layers only
  void forward_output();                                             // p = output(z),  z = a_last
  void backward_output(const Eigen::Ref<const Matrix<T>>& y, T scale);       // G_last ← scale (p - y)
  void backward_weights(int k, const Eigen::Ref<const Matrix<T>>& x, T l2);  // ∇W_k, ∇b_k from G_k
  void backward_input(int k);       // k ≥ 1: G_{k-1} ← W_kᵀ G_k
  void backward_activation(int k);  // k ≥ 1: G_{k-1} ← G_{k-1} ⊙ g'(a_{k-1})

  // The last forward()'s h_k for a hidden layer k, the logits z for the last
  // one: (out_k, b), a view of the workspace valid until the next forward().
  // For looking inside (inspection.hpp).
  Eigen::Block<const Matrix<T>, Eigen::Dynamic, Eigen::Dynamic, true> activations(int k) const {
    return act_[k].leftCols(last_batch_);
  }
  // ---- The training step as tiles, for threads ----------------------------
  // The same step split into independent tasks of two kinds, whose
  // boundaries depend only on the layer sizes and the batch, never on how
  // many threads run them, so that every thread count gives bit-identical
  // results (each output element is computed by one task with one summation
  // order; nothing is reduced across tasks except in tile order):
  //  - sample tiles: columns [32t, 32t + 32) of the batch through the forward
  //    pass, the loss, the output gradient and the input gradients (layers ≥ 1);
  //  - weight tiles: 64 input columns of one layer's ∇W (the layer's last
  //    tile also ∇b), a contiguous range of the flat gradient vector.
  // step_tiles() runs both rounds; it is the step Trainer trains with, and the
  // one tests/core/gradient_check_test.cpp checks against central differences.
  static constexpr int kSampleTile = 32;
  static constexpr int kWeightTile = 64;
  static constexpr int kWeightDepth = 4096;  // the batch size the weight products' buffers are reserved for
  struct Columns {
    int begin, count;
  };
  struct WeightTile {
    int layer, begin, count;    // input columns [begin, begin + count) of layer's ∇W
    Eigen::Index offset, size;  // the flat gradient range it writes (∇b too for a layer's last tile)
  };
  // A task (tile index, thread) handed to step_tiles: a non-owning reference
  // to a callable that must outlive the call (no allocation, one indirect call
  // per tile). Empty by default.
  class TileTask {
   public:
    TileTask() = default;
    template <typename F, typename = std::enable_if_t<!std::is_same<std::decay_t<F>, TileTask>::value>>
    TileTask(F& f)  // NOLINT: implicit, so that hooks read {gather, score, update}
        : ctx_(const_cast<void*>(static_cast<const void*>(&f))),
          fn_([](void* ctx, int t, int thread) { (*static_cast<F*>(ctx))(t, thread); }) {}
    explicit operator bool() const { return fn_ != nullptr; }
    void operator()(int t, int thread) const { fn_(ctx_, t, thread); }

   private:
    void* ctx_ = nullptr;
    void (*fn_)(void*, int, int) = nullptr;
  };
  // What a caller adds inside step_tiles' tasks, on the thread that runs them.
  struct StepHooks {
    TileTask before_sample_tile;  // before sample tile t's forward pass (e.g. gather its columns of x and y)
    TileTask after_sample_tile;   // after its loss and gradients (e.g. read probabilities_tile(t))
    TileTask after_weight_tile;   // after weight tile t's ∇W, ∇b (e.g. the optimiser's step on its range)
  };
  // One training step on x (in, b), y (out, b), b ≥ 1, on the pool's active
  // threads (null: this thread): writes the gradients of
  //   scale·Σ_batch L + λ·Ω,  Ω = ½ Σ_k ‖W_k‖²  (biases not decayed)
  // into gradients() (overwritten, not accumulated) and returns Σ_batch L,
  // summed tile by tile in tile order. A loss that is not finite ends the
  // step after the sample tiles: the gradients are then not written (a step
  // on them could only be undone). The same results on any thread count.
  double step_tiles(const Eigen::Ref<const Matrix<T>>& x, const Eigen::Ref<const Matrix<T>>& y, T scale, T l2,
                    ThreadPool* pool, const StepHooks& hooks = {});
  void reserve_threads(int threads);  // product buffers for `threads` threads (after reserve())
  int reserved_threads() const { return static_cast<int>(tile_work_.size()); }
  // The tiles of the last step_tiles() or forward_tiles() batch.
  int sample_tiles() const { return (last_batch_ + kSampleTile - 1) / kSampleTile; }
  Columns sample_tile(int t) const;
  // Tile t's probabilities: p (out, count), valid from its forward pass on.
  Eigen::Block<Matrix<T>, Eigen::Dynamic, Eigen::Dynamic, true> probabilities_tile(int t);
  const std::vector<WeightTile>& weight_tiles() const { return weight_tiles_; }
  // forward(), as sample tiles on the pool's active threads (null: this
  // thread): the same probabilities on any thread count. Then loss_sum(y)
  // sees this batch.
  Eigen::Block<Matrix<T>, Eigen::Dynamic, Eigen::Dynamic, true> forward_tiles(
      const Eigen::Ref<const Matrix<T>>& x, ThreadPool* pool);

 private:
  void bind_layers();
  void plan_weight_tiles();
  // step_tiles' tasks, each on the batch set by begin_tiles(b) (b ≤ capacity());
  // `thread` picks that thread's product buffers (reserve_threads).
  void begin_tiles(int b);
  // Copies W_kᵀ (k ≥ 1) for backward_tile's input gradients, which then read
  // their A operand column by column (the product is the same). Once per
  // step, after the weights change and before backward_tile.
  void prepare_backward();
  // Forward pass of tile t's columns of x (in, b): activations and probabilities.
  void forward_tile(int t, const Eigen::Ref<const Matrix<T>>& x, int thread);
  // Σ over tile t's columns of the loss of its forward_tile against y (out, b).
  T loss_tile(int t, const Eigen::Ref<const Matrix<T>>& y, int thread);
  // G_last ← scale (p - y), then G_{k-1} ← Wᵀ G_k ⊙ g'(a_{k-1}) for k ≥ 1, on tile t's columns.
  void backward_tile(int t, const Eigen::Ref<const Matrix<T>>& y, T scale, int thread);
  // ∇W_k (its tile's columns) = G_k h_{k-1}ᵀ + λW_k, and ∇b_k = G_k 1 on a layer's last tile.
  void weight_tile_gradients(int t, const Eigen::Ref<const Matrix<T>>& x, T l2, int thread);
  struct TileWork {                               // one thread's product buffers and scratch
    std::vector<Gemm<T>> forward, weight, input;  // per layer
    OutputScratch<T> scratch;
  };
  std::vector<TileWork> tile_work_;
  std::vector<Matrix<T>> transposed_;  // transposed_[k]: W_kᵀ (in_k, out_k) for k ≥ 1
  std::vector<WeightTile> weight_tiles_;

  Architecture arch_;
  Vector<T> params_;
  Vector<T> grads_;
  std::vector<DenseLayer<T>> layers_;
  int capacity_ = 0;
  std::vector<Matrix<T>> act_;   // act_[k]: (out_k, capacity) h_k, or logits z for the last layer
  std::vector<Matrix<T>> grad_;  // grad_[k]: (out_k, capacity) ∂J/∂a_k
  Matrix<T> prob_;               // (out, capacity)
  OutputScratch<T> scratch_;
  std::vector<double> tile_loss_;  // per sample tile of step_tiles' batch, summed in tile order
  int last_batch_ = 0;
};

extern template class Network<float>;
extern template class Network<double>;

}  // namespace mlp
