#pragma once
// Mini-batch training of a Network<float> on a Dataset, in chunks of batches
// so that a caller (the CLI, the browser worker) keeps control between them.
// Each epoch visits the training set in a fresh permutation drawn from the
// run's one random stream; the last batch of an epoch may be smaller.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "backprop_trace.hpp"
#include "dataset.hpp"
#include "evaluation.hpp"
#include "network.hpp"
#include "optimizer.hpp"
#include "thread_pool.hpp"
#include "train_config.hpp"
#include "trainer_state.hpp"
#include "training_dynamics.hpp"

namespace mlp {

struct BatchRecord {
  float loss;      // mean per sample over the batch (NaN for an empty slice)
  float accuracy;  // fraction of the batch classified right, before the update (NaN for an empty slice)
};

struct ChunkResult {
  int batches = 0;
  long long samples = 0;
  double loss = 0;      // mean per sample over the chunk (0 when it had no samples)
  double accuracy = 0;  // fraction over the chunk (0 when it had no samples)
  bool epoch_finished = false;
  const std::vector<BatchRecord>* records = nullptr;  // one per batch, valid until the next call
  // Wall time inside the training steps (Network::step_tiles) and the other
  // rounds of tasks: the part that runs on every thread (and the per-step
  // copies of Wᵀ); the rest of the call ran on the calling thread alone.
  double parallel_ms = 0;
};

class Trainer {
 public:
  // A new run: weights initialised from config.seed. `train` may be null
  // (then only evaluation and prediction work until set_training_data).
  Trainer(const TrainConfig& config, std::shared_ptr<const Dataset> train);
  // Resumes a saved run exactly where it stopped.
  Trainer(const TrainerState& state, std::shared_ptr<const Dataset> train);

  // Trains at most max_batches batches, stopping early at the end of an
  // epoch. On a NaN/Inf loss or weight, restores the state from before this
  // call and throws DivergedError.
  ChunkResult train_batches(int max_batches);

  Evaluation evaluate(const Dataset& data);
  // The images it trains on (the first training_size(), or the first `count` of them).
  Evaluation evaluate_training(int count = -1);
  Predictions predict_dataset(const Dataset& data);
  Matrix<float> predict(const Eigen::Ref<const Matrix<float>>& x);  // (out, n)
  // One image's backpropagation with its checks and one step's effect
  // (backprop_trace.hpp), on copies: the trainer is left as it was.
  BackpropTrace trace_backprop(const Eigen::Ref<const Vector<float>>& x, int label,
                               const TraceOptions& options = {}) const;

  void set_training_data(std::shared_ptr<const Dataset> train);
  // Trains each batch on the pool's active threads (null: on the calling
  // thread alone). The weights after any number of batches are the same,
  // bit for bit, whatever the pool and its active count; the count may change
  // between calls. The pool must outlive the trainer, or be reset to null.
  void set_thread_pool(ThreadPool* pool);
  void set_learning_rate(double lr);
  // Switches optimiser between batches, keeping the weights; its state starts at zero.
  void set_optimizer(const OptimizerConfig& config);
  // Records how each layer learns (training_dynamics.hpp) after every
  // `every_batches`-th batch (those that make progress().step a multiple of
  // it), keeping the last `capacity` records; 0 switches it off (the
  // default) and frees the buffer. Clears the records either way. Throws
  // ConfigError outside 0..1,000,000 and 1..1,000,000.
  void set_dynamics(int every_batches, int capacity = DynamicsLog::kDefaultCapacity);
  int dynamics_every() const { return dynamics_.every(); }
  // The records since the last call, oldest first (a divergence forgets those
  // of the batches it undid). Recording changes nothing in training: the
  // weights are bit for bit those of a run without it.
  DynamicsSeries take_dynamics() { return dynamics_.take(); }

  const TrainConfig& config() const { return config_; }
  const Network<float>& network() const { return net_; }
  // The training set it was given (null before one is set); it trains on the first training_size() images.
  const std::shared_ptr<const Dataset>& training_data() const { return train_; }
  const Progress& progress() const { return progress_; }
  int batches_per_epoch() const;
  int training_size() const;  // the training images used: the first train_limit, or all
  TrainerState state() const;
  // The same, pointing at the trainer's own vectors (valid until it changes): saving without a copy.
  TrainerStateView state_view() const;

 private:
  void check_fits(const Dataset& data) const;  // throws Error
  template <typename F>
  auto timed(F&& f);  // f(), its wall time counted as parallel (the rounds of tasks)
  template <typename F>
  void run_tasks(int count, F&& task);  // on the pool, or here
  double train_batch(const std::int32_t* samples, int count, int& correct);
  // The optimiser's update of weight tile t's range from grads; while
  // recording, in pieces that measure ‖∇W‖², ‖ΔW‖² and ‖W‖² on the way.
  void step_weight_tile(int t, const Vector<float>& grads);
  void measure_sample_tile(int t);  // tile t's activation moments, while recording
  // The recorded batch (`count` samples, loss sum `loss`) into the log; an empty slice when count is 0.
  void record_dynamics(long long step, int count, double loss);
  // Gradient clipping: scales `grads` to the global norm config().optimizer.clip_norm when it is larger.
  void clip_gradient(Vector<float>& grads);
  void draw_epoch_order();
  void snapshot();
  bool parameters_finite();  // every weight and bias finite
  void restore_snapshot();
  [[noreturn]] void diverged(const std::string& what);

  TrainConfig config_;
  Network<float> net_;
  std::unique_ptr<Optimizer<float>> optimizer_;
  std::vector<std::pair<std::string, Vector<float>*>> optimizer_state_;
  std::shared_ptr<const Dataset> train_;
  Random rng_;
  Progress progress_;
  std::vector<std::int32_t> order_;     // the current epoch's permutation
  std::vector<std::int32_t> identity_;  // 0..n-1: slices index the data in order
  Vector<float> gradient_sum_;          // a slice's gradient, summed over workspace-sized pieces
  Matrix<float> x_;                     // (in, batch)
  Matrix<float> y_;                     // (out, batch)
  std::vector<BatchRecord> records_;
  ThreadPool* pool_ = nullptr;
  std::vector<int> tile_correct_;  // per sample tile of the batch
  std::vector<char> tile_finite_;  // per weight tile, for parameters_finite()
  // Dynamics: the log, whether this batch is recorded, and its sums (no
  // allocation while training: sized with the tiles).
  struct Moments {  // of activations: count, mean, Σ(h − mean)², saturated count
    double n = 0, mean = 0, m2 = 0, saturated = 0;
    void add(const Moments& other);  // Chan et al.'s pairwise combination
  };
  struct WeightSums {  // of a weight tile's weights: Σ ∇W², Σ ΔW², Σ W² (before the step); of its biases Σ
                       // ∇b², Σ Δb²
    double gradient = 0, update = 0, weight = 0, bias_gradient = 0, bias_update = 0;
  };
  DynamicsLog dynamics_;
  bool recording_ = false;
  std::vector<Moments> tile_moments_;    // (sample tiles × layers), the current piece's
  std::vector<Moments> layer_moments_;   // (layers), the batch's
  std::vector<WeightSums> weight_sums_;  // (weight tiles)
  std::vector<double> tile_squares_;     // (weight tiles): Σ g² of each tile's range, for clipping
  double parallel_seconds_ = 0;          // of the current train_batches()
  // Last good state, for recovery from divergence.
  Vector<float> saved_parameters_;
  std::vector<Vector<float>> saved_optimizer_state_;
  Progress saved_progress_;
  long long saved_optimizer_steps_ = 0;
};

}  // namespace mlp
