#pragma once
// How each layer learns, over time. While training, every N-th batch, a
// trainer records per weight layer what that batch's step did: the size of
// the gradient it stepped on, how far the step moved the weights relative to
// their size, and how the layer's activations were spread over the batch
// (and how many were saturated). The records go into a ring buffer
// (DynamicsLog) that the trainer fills and a caller drains. Recording is off
// by default; it allocates nothing while training (the buffer is sized when
// it is switched on) and reuses what the step computed (the activations of
// the forward pass, the gradient vector), so it costs a few passes over the
// layer's activations and weights on the recorded batches only.
#include <cstdint>
#include <vector>

#include "architecture.hpp"

namespace mlp {

// One weight layer k after one recorded step.
struct LayerDynamics {
  // ‖∇W_k‖_F of the gradient the optimiser stepped on: f·Σ_batch ∇L + λW_k
  // (f the step's factor: mean, sum, ½), weights only.
  float grad_norm = 0;
  // ‖ΔW_k‖_F / ‖W_k‖_F: the step's change of the weights over their size before it.
  float update_ratio = 0;
  // Over the batch's units × samples: the mean and the (population) standard
  // deviation of h_k = g(a_k) for a hidden layer, of the probabilities ŷ for
  // the output layer.
  float activation_mean = 0;
  float activation_std = 0;
  // Share of units × samples saturated: g'(a) < 0.01 for sigmoid and tanh,
  // a ≤ 0 for ReLU (inspection.hpp's kSaturationDerivative); for the output
  // layer ŷ(1 − ŷ) < 0.01 (an output that has all but decided).
  float saturated = 0;
};

// The whole recorded step, over all parameters (weights and biases).
struct StepDynamics {
  int batch_size = 0;   // samples in the batch (slices: 0 … thousands)
  float loss = 0;       // the batch's mean loss per sample (NaN for an empty slice)
  float grad_norm = 0;  // ‖g‖ of the gradient stepped on (f·Σ∇L + λW, after clipping)
  float step_norm = 0;  // ‖Δθ‖ of the update
};

// Drained records, oldest first, one column per quantity and layer.
struct DynamicsSeries {
  std::vector<std::int64_t> steps;  // the batch each record follows: progress().step after it (1, 2, …)
  // StepDynamics, aligned with steps. An empty slice (batching = slices, no
  // samples: no step) is recorded too: batch size 0, loss NaN, norms 0, and
  // its layers' activation figures NaN.
  std::vector<int> batch_size;
  std::vector<float> loss, grad_norm, step_norm;
  struct Layer {
    std::vector<float> grad_norm, update_ratio, activation_mean, activation_std, saturated;
  };
  std::vector<Layer> layers;  // one per weight layer, input side first
  long long dropped = 0;      // records overwritten before they were drained (the buffer was full)
};

// A ring buffer of records of `layers` layers each.
class DynamicsLog {
 public:
  static constexpr int kDefaultCapacity = 1024;

  // every: record every `every`-th batch (0: off, the buffer freed). Clears the records.
  void configure(int every, int layers, int capacity = kDefaultCapacity);
  int every() const { return every_; }
  int capacity() const { return capacity_; }
  int size() const { return size_; }
  // Whether the batch that makes progress().step equal to `step` is recorded.
  bool due(long long step) const { return every_ > 0 && step % every_ == 0; }
  // The next record, its step figures set, and its layers (`layers` of them, to fill) returned,
  // overwriting the oldest when full.
  LayerDynamics* push(long long step, const StepDynamics& totals);
  // Forgets the records after `step` (batches a divergence undid).
  void drop_after(long long step);
  // The records, oldest first; the log is then empty (its capacity kept).
  DynamicsSeries take();

 private:
  int every_ = 0, layers_ = 0, capacity_ = 0;
  int head_ = 0, size_ = 0;  // oldest record's slot, records held
  long long dropped_ = 0;
  std::vector<std::int64_t> steps_;   // (capacity)
  std::vector<StepDynamics> totals_;  // (capacity)
  std::vector<LayerDynamics> rows_;   // (capacity × layers)
};

// The mean loss per sample a network starts near, for the page to show
// beside the measured one: every logit 0 (weights small, biases 0, as
// Glorot/He initialisation starts), so ŷ = ½ for sigmoid + BCE, summed over
// the outputs: out · ln 2 (10 ln 2 ≈ 6.93); and ŷ = 1/out for softmax + CE:
// ln out (ln 10 ≈ 2.30). Independent of λ (Ω is not part of the loss). A
// fresh network's logits spread around 0, which moves its first loss a
// little (a fresh 784-20-10: within ~15 %); for softmax + CE over uniform
// labels only upwards (ln Σ e^z − mean z ≥ ln out). The course template's
// N(0, 1) biases spread them further.
double expected_initial_loss(const Architecture& arch);

}  // namespace mlp
