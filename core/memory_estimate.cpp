#include "memory_estimate.hpp"

#include <algorithm>
#include <cstdio>

#include "errors.hpp"
#include "safetensors.hpp"

// The heap a trainer may plan on. The browser build sets it below its 2 GB
// WebAssembly heap (wasm/CMakeLists.txt), leaving room for the data and the
// runtime; natively the machine is the limit.
#ifndef MLP_MEMORY_BUDGET
#define MLP_MEMORY_BUDGET 17179869184.0  // 16 GiB
#endif

namespace mlp {
namespace {

constexpr double kFloat = sizeof(float);

// Vectors of optimiser state, each as long as the parameters.
double optimizer_vectors(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::Sgd:
      return 0;
    case OptimizerKind::Momentum:
    case OptimizerKind::Nesterov:
      return 1;
    case OptimizerKind::Adam:
      return 2;
  }
  return 2;
}

// The model file's header: metadata and one entry per tensor (generous).
double header_bytes(const TrainConfig& c) {
  return 4096 + 256.0 * (2 * c.architecture.layer_count() + 2);
}

// The network's workspace for `cols` columns (network.cpp reserve: h and ∂J/∂a
// of every layer, the probabilities, the output scratch) and the three
// products' packing buffers of each layer (gemm.hpp, simd_gemm.hpp: up to
// 256 rows of depth for each column of the product, plus Eigen's blocks).
double workspace_bytes(const std::vector<int>& sizes, double cols) {
  double units = 0, packs = 0;
  for (std::size_t k = 1; k < sizes.size(); ++k) {
    units += sizes[k];
    const double in = sizes[k - 1];
    packs += (cols + in + cols + 3 * 6) * 256 + 3 * (128 * 256);
  }
  const double out = sizes.back();
  // Wᵀ of every layer but the first, copied once per step for the input gradients
  // (Network::prepare_backward).
  double transposed = 0;
  for (std::size_t k = 2; k < sizes.size(); ++k) transposed += static_cast<double>(sizes[k]) * sizes[k - 1];
  return kFloat * (2 * units * cols + 2 * out * cols + 2 * cols + packs + transposed) +
         3 * (1 << 20) * (sizes.size() - 1);
}

}  // namespace

MemoryEstimate estimate_memory(const TrainConfig& c) {
  const auto& sizes = c.architecture.sizes;
  MemoryEstimate e;
  e.parameters = parameter_count(sizes);
  const double p = kFloat * e.parameters;  // one vector as long as the parameters
  const double k = optimizer_vectors(c.optimizer.kind);
  const double b = c.batch_size;
  const double in = sizes.front(), out = sizes.back();
  // Evaluation and prediction run in chunks of max(batch, 1000) through the same workspace.
  const double cols = std::max(b, 1000.0);
  const double workspace = workspace_bytes(sizes, cols) + kFloat * (in + out) * (b + cols);
  // Weights and gradients, the optimiser's k vectors, the snapshot of weights
  // and optimiser state taken before each chunk, a summed gradient for slices.
  const double vectors = p * (2 + k) + p * (1 + k) + (c.batching == Batching::Slices ? p : 0);
  e.training = vectors + workspace;
  e.file = p * (1 + k) + header_bytes(c);
  // ModelWriter: the header and one block of a weight matrix's rows (16, or 64 KB) transposed at a time.
  e.saving = header_bytes(c) * 2;
  for (std::size_t k = 1; k < sizes.size(); ++k)
    e.saving = std::max(e.saving,
                        header_bytes(c) * 2 +
                            kFloat * sizes[k - 1] *
                                std::min<double>(sizes[k], std::max(16.0, 65536 / (kFloat * sizes[k - 1]))));
  // Reading the file: its bytes, the decoded tensors and the state they
  // become (load_model), then the state and the trainer built from it,
  // before its first chunk takes the snapshot.
  e.loading = std::max(3 * e.file, e.file + p * (2 + k) + workspace) * 1.01;  // + 1 %: the allocator's own
  return e;
}

double memory_budget() {
  return static_cast<double>(MLP_MEMORY_BUDGET);
}

double max_model_file_bytes(double max_parameters) {
  // + the longest header a model file may have
  return std::min(memory_budget() / 3, 3 * kFloat * max_parameters) +
         static_cast<double>(kMaxSafetensorsHeaderBytes);
}

std::string format_bytes(double bytes) {
  char buf[32];
  if (bytes >= 1e9)
    std::snprintf(buf, sizeof buf, "%.2f GB", bytes / 1e9);
  else
    std::snprintf(buf, sizeof buf, "%.0f MB", std::max(1.0, bytes / 1e6));
  return buf;
}

void check_memory(const TrainConfig& c) {
  const MemoryEstimate e = estimate_memory(c);
  const double budget = memory_budget();
  if (e.peak() <= budget) return;
  const char* what = e.loading > e.training + e.saving ? "to reload its saved model" : "to train and save";
  throw ConfigError(
      "the network " + c.architecture.describe() + " with " + to_string(c.optimizer.kind) +
      " and batches of " + std::to_string(c.batch_size) + " needs about " + format_bytes(e.peak()) +
      " of memory " + what + ", more than the " + format_bytes(budget) +
      " this engine can use; use fewer or narrower layers" +
      (c.optimizer.kind == OptimizerKind::Sgd ? "" : ", an optimiser with less state (SGD keeps none)") +
      (c.batch_size > 1000 ? " or a smaller batch" : ""));
}

}  // namespace mlp
