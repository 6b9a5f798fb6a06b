#pragma once
// Backpropagation as data: for one image x with label y and a network's
// current weights, every number the report's Fig. 1 computes, layer by layer,
// checked against central differences; the report's Section II derivation
// per output unit; and what one SGD (or momentum, Adam) step on this image
// alone would do. Nothing here changes a trainer: the trace reads its weights
// and optimiser state (TrainerStateView) and works on copies.
//
// Layers are numbered k = 1..K from the input, as in Fig. 1; h⁽⁰⁾ = x. The
// trace is computed in double precision from the float weights, by its own
// loops (not the training step's code), so that the tests can hold the
// training step to it and it to central differences:
//   forward   a⁽ᵏ⁾ = W⁽ᵏ⁾ h⁽ᵏ⁻¹⁾ + b⁽ᵏ⁾,  h⁽ᵏ⁾ = g(a⁽ᵏ⁾),  ŷ = h⁽ᴷ⁾ = output(a⁽ᴷ⁾)
//   backward  G ← ∇_{a⁽ᴷ⁾} L = ŷ − y          (sigmoid + BCE and softmax + CE alike)
//             for k = K..1:  G ← G ⊙ g'(a⁽ᵏ⁾) (k < K)
//                            ∇b⁽ᵏ⁾ = f·G,  ∇W⁽ᵏ⁾ = f·G h⁽ᵏ⁻¹⁾ᵀ + λW⁽ᵏ⁾
//                            G ← W⁽ᵏ⁾ᵀ G      (∇_{h⁽ᵏ⁻¹⁾} L)
// ∇b and ∇W are the gradient the training step uses for a batch of this one
// image: f is the configuration's factor on the summed gradient for b = 1
// (mean: 1, sum: 1, half: ½) and λ its L2 weight (Ω = ½ Σ‖W‖², biases not
// decayed), taken in float as training takes it. G_a and G_h_prev are
// gradients of this image's loss L alone (no f, no λ).
#include <utility>
#include <vector>

#include "matrix.hpp"
#include "optimizer.hpp"
#include "output_loss.hpp"
#include "trainer_state.hpp"

namespace mlp {

struct TraceOptions {
  // Parameters differenced per layer: the largest |∇| first (half of them),
  // then a fixed pseudo-random sample of the others (the same on every
  // build); every parameter of a layer that has no more than this.
  int checks_per_layer = 20;
  int top_pixels = 10;  // the first-layer inputs whose weights one step moves most
};

// The central differences' step δ, on the parameter itself: ĝ = (J(θ + δ) − J(θ − δ)) / 2δ.
inline constexpr double kTraceStep = 1e-5;
// A difference of two losses is only known to their rounding, about
// 1e-16 · max(1, L), so ĝ only to about 1e-11 · max(1, L) (δ = 1e-5): a
// gradient of 1e-7 cannot be checked to a relative 1e-6. Per parameter, the
// relative error therefore divides by at least kTraceFloor · max(1, L): a
// gradient smaller than that is held to an absolute standard (a relative
// 1e-6 then means |g − ĝ| < 1e-9 · max(1, L)). The norms' relative error
// ‖g − ĝ‖ / (‖g‖ + ‖ĝ‖) has no floor.
inline constexpr double kTraceFloor = 1e-3;

struct TraceForward {  // layer k
  int layer = 0;
  Vector<double> a;  // a⁽ᵏ⁾ = W⁽ᵏ⁾ h⁽ᵏ⁻¹⁾ + b⁽ᵏ⁾   (out_k)
  Vector<double> h;  // h⁽ᵏ⁾ = g(a⁽ᵏ⁾); for k = K the output probabilities ŷ   (out_k)
};

struct TraceBackward {  // layer k, in Fig. 1's order K..1
  int layer = 0;
  Vector<double> g_a;     // ∇_{a⁽ᵏ⁾} L   (out_k)
  Vector<double> grad_b;  // f·G_a   (out_k)
  Matrix<double> grad_w;  // f·G_a h⁽ᵏ⁻¹⁾ᵀ + λW⁽ᵏ⁾   (out_k, in_k)
  Vector<double> g_h_prev;  // W⁽ᵏ⁾ᵀ G_a = ∇_{h⁽ᵏ⁻¹⁾} L   (in_k; for k = 1 the gradient w.r.t. the pixels)
};

struct CheckedParameter {
  int row = 0, column = 0;  // W⁽ᵏ⁾[row, column]; column −1: the bias b⁽ᵏ⁾[row]
  double backprop = 0;      // grad_w / grad_b
  double numeric = 0;       // central difference of J = f·L + λΩ
  // The difference moved a ReLU unit across its kink (a = 0), where the
  // derivative does not exist: reported, left out of the errors.
  bool kink = false;
};

struct LayerCheck {  // layer k, in Fig. 1's order K..1
  int layer = 0;
  int checked = 0;  // parameters compared (kinks left out)
  int kinks = 0;
  // Over the parameters compared: ‖g − ĝ‖ / (‖g‖ + ‖ĝ‖), and the largest
  // |g_i − ĝ_i| / max(|g_i| + |ĝ_i|, floor) of one of them.
  double relative_error = 0;
  double max_relative_error = 0;
  double floor = 0;                          // kTraceFloor · max(1, L)
  std::vector<CheckedParameter> parameters;  // in the order they were picked
};

// The output delta ŷ − y against the central differences of L in the logits u = a⁽ᴷ⁾.
struct OutputCheck {
  Vector<double> delta;                                          // ŷ − y
  Vector<double> numeric;                                        // (L(u + δe_j) − L(u − δe_j)) / 2δ
  double relative_error = 0, max_relative_error = 0, floor = 0;  // as LayerCheck's
};

// The report's Section II per output unit j, written out without the fusion:
//   sigmoid + BCE: ∂L/∂ŷ = −y/ŷ + (1−y)/(1−ŷ),  σ'(u) = ŷ(1−ŷ),  product ∂L/∂ŷ · σ'(u) = ŷ − y
//   softmax + CE:  ∂L/∂ŷ = −y/ŷ,  product Σ_i ∂ŷ_i/∂u_j ∂L/∂ŷ_i = Σ_i ŷ_i(δ_ij − ŷ_j) ∂L/∂ŷ_i = ŷ − y
// A term whose y factor is 0 is 0 (L does not depend on it), never 0/0.
struct Derivation {
  OutputLoss loss = OutputLoss::SigmoidBce;
  Vector<double> y, y_hat;
  Vector<double> dl_dy_hat;    // ∂L/∂ŷ
  Vector<double> sigma_prime;  // σ'(u) = ŷ(1 − ŷ); sigmoid + BCE only (empty otherwise)
  Vector<double> product;      // the chain rule's product, computed from the two factors
  Vector<double> delta;        // ŷ − y, the fused form
};

// One optimiser step on this image alone (a batch of one), from the
// trainer's weights and optimiser state, on copies; in float, by the
// training step's own code (Network::step_tiles, Optimizer::step).
struct StepEffect {
  OptimizerKind optimizer = OptimizerKind::Sgd;
  double learning_rate = 0;
  double factor = 0;                               // f for a batch of one
  double l2 = 0;                                   // λ
  double loss_before = 0, loss_after = 0;          // L of this image (float, as training computes it)
  Vector<double> pixel_change;                     // Σ_u |ΔW⁽¹⁾[u, i]| for each input i   (in_1)
  std::vector<std::pair<int, double>> top_pixels;  // (input i, its change), largest first
};

struct BackpropTrace {
  int label = 0;
  double factor = 0;                    // f for a batch of one
  double l2 = 0;                        // λ, as training takes it (a float)
  double loss = 0;                      // L(ŷ, y) of this image: BCE summed over the outputs, or CE; no λΩ
  std::vector<TraceForward> forward;    // k = 1..K
  std::vector<TraceBackward> backward;  // k = K..1
  std::vector<LayerCheck> gradient_check;  // k = K..1
  OutputCheck output_check;
  Derivation derivation;
  StepEffect step;
};

// x: one image (in), scaled as training scales it (gather_batch: pixel / 255).
// label: its class, < the output size. Throws Error on a wrong size, a value
// that is not finite, a label out of range or optimiser state that does not
// fit the configuration.
BackpropTrace trace_backprop(const TrainerStateView& state, const Eigen::Ref<const Vector<float>>& x,
                             int label, const TraceOptions& options = {});

}  // namespace mlp
