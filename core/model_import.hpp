#pragma once
// Model files from elsewhere: the weights of a multilayer perceptron saved
// from PyTorch (a state_dict of nn.Linear layers, as safetensors.torch's
// save_file writes it), read into a TrainerState that classifies, can be
// inspected, trains on and saves as a model file of ours; and a look at any
// model file before it is loaded.
//
// What such a file holds, and how it is read:
//  - each layer's weight [out, in] (nn.Linear's layout) and bias [out], named
//    <prefix><number><suffix>.weight / .bias with one number that orders
//    them: layers.0, layers.1 (a ModuleList); 0, 2, 4 (an nn.Sequential,
//    whose activations take the indices between); fc1, fc2; model.net.0 …
//    A single layer may be just weight and bias. The numbers must be evenly
//    spaced, so that a missing layer is noticed, not skipped;
//  - the shapes chain from the data's input size (784 pixels) to its class
//    count (10);
//  - dtypes F32, F64, F16 or BF16, read as float32; no NaN or infinity;
//  - __metadata__ {"format": "pt"}, or none.
// What it does not say — the hidden activation, the output and loss, every
// training setting — comes from the caller's TrainConfig (imported_defaults():
// ReLU and softmax + cross-entropy, as PyTorch MLPs for MNIST usually are).
// The optimiser starts afresh, the run at epoch 0.
#include <cstdint>
#include <string>
#include <vector>

#include "enum_names.hpp"
#include "train_config.hpp"
#include "trainer_state.hpp"

namespace mlp {

// What the data gives a network: pixels per image and classes (0: not checked).
struct DataShape {
  int inputs = 784;
  int classes = 10;
};

enum class ModelFileKind { Ours, PyTorch };
inline constexpr EnumNames<2> kModelFileKindNames{"ours", "pytorch"};

struct ModelFileInfo {
  ModelFileKind kind = ModelFileKind::Ours;
  std::vector<int> sizes;                // input, hidden..., output
  std::string dtype;                     // of the weights and biases: "F32", or "F16+F32" when they differ
  std::vector<std::string> layer_names;  // each layer's tensors without .weight/.bias ("layers.0", "fc1")
  std::vector<std::string> missing;      // what the caller must choose: {"activation", "loss"} for PyTorch
  TrainConfig config;                    // ours: the file's; PyTorch: imported_defaults() with its sizes
  double parameters = 0;                 // weights and biases
};

// What a model file is, without reading its weights: ours (format
// mnist-mlp/1; its metadata checked as load_model checks it) or a PyTorch
// MLP (checked as import_model checks it, but for NaN/Inf values). Throws
// ModelFileError with what is wrong.
ModelFileInfo inspect_model_file(const std::uint8_t* data, std::size_t size, DataShape shape = {});

// TrainConfig's defaults with ReLU hidden layers and softmax + cross-entropy.
TrainConfig imported_defaults();

// A PyTorch MLP as a new run: `config` (every field but the layer sizes,
// which are the file's), the file's weights and biases, a fresh optimiser,
// no progress. Throws ModelFileError (also for a model file of ours, which
// load_model reads).
TrainerState import_model(const std::uint8_t* data, std::size_t size, const TrainConfig& config,
                          DataShape shape = {});

}  // namespace mlp
