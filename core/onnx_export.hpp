#pragma once
// A network as an ONNX model, for ONNX Runtime and the other runtimes and
// converters that read ONNX. One implementation for the command line
// (mlp_train --export-onnx) and the browser (trainer.exportOnnx()).
//
// The graph (ONNX IR version 8, opset 17: ONNX Runtime 1.31 and onnx 1.12
// read both):
//   input          "input"          float32 [N, inputs]: the pixels scaled as
//                                   training scales them (byte / 255, in [0, 1]),
//                                   image after image, each row-major
//   per layer k    Gemm(h, layers.k.weight, layers.k.bias, transB=1)  (the weight
//                  [out, in] as nn.Linear and our model files hold it), then the
//                  hidden activation (Sigmoid, Tanh or Relu)
//   output         Sigmoid or Softmax(axis=1) of the last Gemm
//                  "probabilities"  float32 [N, classes], what trainer.predict gives
// N is a dynamic batch dimension. The model's doc_string says all this, and
// metadata_props hold layers, activation, loss and input_scale.
#include <cstdint>
#include <functional>
#include <vector>

#include "architecture.hpp"
#include "matrix.hpp"

namespace mlp {

inline constexpr int kOnnxIrVersion = 8;
inline constexpr int kOnnxOpset = 17;

// The model written in pieces, straight from the parameters it points at
// (each layer's W, column-major (out, in), then b, as Network lays them out):
// weights are transposed into rows a block at a time, so exporting copies
// no whole weight matrix.
class OnnxWriter {
 public:
  using Sink = std::function<void(const std::uint8_t* data, std::size_t size)>;

  // `parameters` must outlive the writer and hold arch.parameter_count() values.
  OnnxWriter(const Architecture& arch, const Vector<float>& parameters);
  std::size_t size() const { return size_; }
  void write(const Sink& sink) const;  // calls sink for consecutive pieces, size() bytes in all

 private:
  struct Piece {
    std::vector<std::uint8_t> bytes;  // written first
    int layer = -1;                   // then, for layer ≥ 0, its weight (row-major) or bias
    bool weight = false;
  };
  Architecture arch_;
  const Vector<float>* parameters_;
  std::vector<Piece> pieces_;
  std::size_t size_ = 0;
};

std::vector<std::uint8_t> export_onnx(const Architecture& arch, const Vector<float>& parameters);

}  // namespace mlp
