#pragma once
// Model files: a TrainerState in the safetensors format, so numpy/PyTorch
// users can open them. Tensors (f32, little-endian, row-major):
//   layers.K.weight  [out, in]   (PyTorch nn.Linear layout)
//   layers.K.bias    [out]
//   optimizer.NAME   [parameters] (momentum buffer, Adam moments)
// __metadata__ holds "format", "architecture", "training" and "progress",
// the last three as JSON strings.
#include <cstdint>
#include <vector>

#include "trainer_state.hpp"

namespace mlp {

std::vector<std::uint8_t> save_model(const TrainerState& state);
// Validates everything (header, offsets, dtypes, shapes, config); throws ModelFileError.
TrainerState load_model(const std::uint8_t* data, std::size_t size);

}  // namespace mlp
