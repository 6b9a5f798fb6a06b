#pragma once
// Model files: a TrainerState in the safetensors format, so numpy/PyTorch
// users can open them. Tensors (f32, little-endian, row-major):
//   layers.K.weight  [out, in]   (PyTorch nn.Linear layout)
//   layers.K.bias    [out]
//   optimizer.NAME   [parameters] (momentum buffer, Adam moments)
// __metadata__ holds "format", "architecture", "training" and "progress",
// the last three as JSON strings.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "trainer_state.hpp"

namespace mlp {

// The value of __metadata__["format"] that marks a model file of this trainer.
inline constexpr const char* kModelFormat = "mnist-mlp/1";

std::vector<std::uint8_t> save_model(const TrainerState& state);

// A model file written in pieces straight from the vectors the view points
// at, so saving a trainer copies neither its weights nor its optimiser state:
// the pieces are its header, each vector's bytes and each weight matrix
// transposed a block of rows at a time (at most 16 rows, or 64 KB). The
// bytes are save_model's.
class ModelWriter {
 public:
  using Sink = std::function<void(const std::uint8_t* data, std::size_t size)>;

  explicit ModelWriter(TrainerStateView state);
  std::size_t size() const { return header_.size() + data_bytes_; }
  void write(const Sink& sink) const;  // calls sink for consecutive pieces, size() bytes in all

 private:
  struct Piece {
    int layer;  // a layer's weights (transposed) or bias; -1: an optimiser vector
    bool weight;
    const Vector<float>* vector;  // the optimiser vector
  };
  TrainerStateView state_;
  std::vector<std::uint8_t> header_;
  std::vector<Piece> pieces_;  // in file order
  std::size_t data_bytes_ = 0;
};
// Validates everything (header, offsets, dtypes, shapes, config); throws ModelFileError.
TrainerState load_model(const std::uint8_t* data, std::size_t size);

// The configuration a model file's metadata records (format, architecture,
// training), checked as load_model checks it; the tensors are not read.
TrainConfig model_file_config(const std::map<std::string, std::string>& metadata);

}  // namespace mlp
