#pragma once
// How much heap a training configuration needs, from its parameter count,
// optimiser and batch size: what a trainer holds while it trains, what
// saving its model file adds, and the peak while that file is read back
// (after a reload or a crash). TrainConfig::validate() refuses a
// configuration whose peak exceeds memory_budget(), a per-build constant
// (the browser build's 2 GB WebAssembly heap less room for the data), so an
// engine never starts a run it could not save and restore; the page asks
// the engine rather than repeating the sums.
#include <string>

#include "train_config.hpp"

namespace mlp {

struct MemoryEstimate {
  double parameters = 0;  // weights and biases
  double file = 0;        // bytes of its model file (weights + optimiser state + header)
  double training = 0;    // a training trainer: weights, gradients, optimiser state, the divergence
                          // snapshot of both, the batch and evaluation workspace
  double saving = 0;      // added by save(): the model file is written from the live vectors in pieces
  double loading = 0;  // peak while the model file is read: the bytes, their tensors, the state, the trainer
  double peak() const { return training + saving > loading ? training + saving : loading; }
};

MemoryEstimate estimate_memory(const TrainConfig& config);

// Bytes of heap one engine may plan to use for a trainer (MLP_MEMORY_BUDGET).
double memory_budget();

// Throws ConfigError, naming the network, the optimiser, the batch size and
// what to change, when estimate_memory(config).peak() > memory_budget().
void check_memory(const TrainConfig& config);

// The largest model file a network this engine accepts can have: its file
// is read back within the budget (three copies at once, estimate_memory), and
// at most 3 vectors of max_parameters (Adam), plus the longest header the
// reader accepts (kMaxSafetensorsHeaderBytes). Uploads larger than this are
// refused before they are read.
double max_model_file_bytes(double max_parameters);

// "1.25 GB", "300 MB"
std::string format_bytes(double bytes);

}  // namespace mlp
