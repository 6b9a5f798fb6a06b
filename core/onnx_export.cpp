#include "onnx_export.hpp"

#include <algorithm>
#include <string>

#include "errors.hpp"
#include "layer_tensors.hpp"
#include "protobuf_writer.hpp"

namespace mlp {
namespace {

using protobuf::Message;

// Field numbers of onnx.proto (onnx 1.12, IR version 8) that the graph uses.
namespace model {  // ModelProto
constexpr int kIrVersion = 1, kProducerName = 2, kProducerVersion = 3, kDocString = 6, kGraph = 7,
              kOpsetImport = 8, kMetadataProps = 14;
}
namespace opset {  // OperatorSetIdProto
constexpr int kDomain = 1, kVersion = 2;
}
namespace entry {  // StringStringEntryProto
constexpr int kKey = 1, kValue = 2;
}
namespace graph {  // GraphProto
constexpr int kNode = 1, kName = 2, kInitializer = 5, kDocString = 10, kInput = 11, kOutput = 12;
}
namespace node {  // NodeProto
constexpr int kInput = 1, kOutput = 2, kName = 3, kOpType = 4, kAttribute = 5;
}
namespace attribute {  // AttributeProto
constexpr int kName = 1, kI = 3, kType = 20;
constexpr int kTypeInt = 2;  // AttributeProto.AttributeType.INT
}  // namespace attribute
namespace tensor {  // TensorProto
constexpr int kDims = 1, kDataType = 2, kName = 8, kRawData = 9;
constexpr int kFloat = 1;  // TensorProto.DataType.FLOAT
}  // namespace tensor
namespace value_info {  // ValueInfoProto, TypeProto, TypeProto.Tensor, TensorShapeProto(.Dimension)
constexpr int kName = 1, kType = 2, kTensorType = 1, kElemType = 1, kShape = 2, kDim = 1, kDimValue = 1,
              kDimParam = 2;
}

Message int_attribute(const char* name, std::int64_t value) {
  Message a;
  a.string(attribute::kName, name);
  a.integer(attribute::kType, attribute::kTypeInt);
  a.integer(attribute::kI, value);
  return a;
}

Message make_node(const std::string& name, const char* op, const std::vector<std::string>& inputs,
                  const std::string& output, const std::vector<Message>& attributes = {}) {
  Message n;
  for (const auto& in : inputs) n.string(node::kInput, in);
  n.string(node::kOutput, output);
  n.string(node::kName, name);
  n.string(node::kOpType, op);
  for (const auto& a : attributes) n.message(node::kAttribute, a);
  return n;
}

// A float32 tensor [N, width] with N the dynamic batch dimension.
Message batch_value(const std::string& name, int width) {
  Message batch, features, shape, tensor_type, type, value;
  batch.string(value_info::kDimParam, "N");
  features.integer(value_info::kDimValue, width);
  shape.message(value_info::kDim, batch);
  shape.message(value_info::kDim, features);
  tensor_type.integer(value_info::kElemType, tensor::kFloat);
  tensor_type.message(value_info::kShape, shape);
  type.message(value_info::kTensorType, tensor_type);
  value.string(value_info::kName, name);
  value.message(value_info::kType, type);
  return value;
}

const char* activation_op(Activation a) {
  switch (a) {
    case Activation::Sigmoid:
      return "Sigmoid";
    case Activation::Tanh:
      return "Tanh";
    case Activation::Relu:
      return "Relu";
  }
  return "?";
}

std::string doc_string(const Architecture& arch) {
  const int in = arch.sizes.front(), classes = arch.sizes.back();
  const std::string n = std::to_string(in), c = std::to_string(classes);
  const std::string output =
      arch.output == OutputLoss::SoftmaxCe
          ? "softmax of the last layer: one probability per class, summing to 1 (trained with softmax + "
            "cross-entropy)"
          : "sigmoid of each of the last layer's outputs: one probability per class, independently (trained "
            "with sigmoid + binary cross-entropy per class)";
  return "A multilayer perceptron " + arch.describe() + " (" + to_string(arch.hidden) +
         " hidden layers) written by mnist-mlp. Input 'input': float32 [N, " + n + "], N images, each its " +
         n +
         " pixels row by row, scaled as training scales them: the byte value divided by 255, in [0, 1] (for "
         "MNIST: 28x28, 0 = background). Output 'probabilities': float32 [N, " +
         c + "], the " + output + "; the predicted class is the largest.";
}

Message model_fields(const Architecture& arch) {
  Message m, op;
  m.integer(model::kIrVersion, kOnnxIrVersion);
  op.string(opset::kDomain, "");
  op.integer(opset::kVersion, kOnnxOpset);
  m.message(model::kOpsetImport, op);
  m.string(model::kProducerName, "mnist-mlp");
  m.string(model::kProducerVersion, "1");
  m.string(model::kDocString, doc_string(arch));
  const std::pair<const char*, std::string> props[] = {
      {"layers", arch.describe()},
      {"activation", to_string(arch.hidden)},
      {"loss", to_string(arch.output)},
      {"input_scale", "1/255"},
  };
  for (const auto& [key, value] : props) {
    Message e;
    e.string(entry::kKey, key);
    e.string(entry::kValue, value);
    m.message(model::kMetadataProps, e);
  }
  return m;
}

// The graph's fields but its initializers: nodes, name, input, output.
Message graph_fields(const Architecture& arch) {
  Message g;
  std::string h = "input";
  const int layers = arch.layer_count();
  for (int k = 0; k < layers; ++k) {
    const std::string layer = "layers." + std::to_string(k);
    const bool last = k + 1 == layers;
    const std::string a = last ? "logits" : layer + ".linear";
    g.message(graph::kNode, make_node(layer + ".gemm", "Gemm", {h, layer + ".weight", layer + ".bias"}, a,
                                      {int_attribute("transB", 1)}));
    if (last) {
      if (arch.output == OutputLoss::SoftmaxCe)
        g.message(graph::kNode,
                  make_node("output.softmax", "Softmax", {a}, "probabilities", {int_attribute("axis", 1)}));
      else
        g.message(graph::kNode, make_node("output.sigmoid", "Sigmoid", {a}, "probabilities"));
    } else {
      h = layer + "." + to_string(arch.hidden);
      g.message(graph::kNode,
                make_node(layer + "." + to_string(arch.hidden), activation_op(arch.hidden), {a}, h));
    }
  }
  g.string(graph::kName, "mlp_" + arch.describe());
  g.string(graph::kDocString, "Gemm (transB=1) and the activation per layer, then the output.");
  g.message(graph::kInput, batch_value("input", arch.sizes.front()));
  g.message(graph::kOutput, batch_value("probabilities", arch.sizes.back()));
  return g;
}

// An initializer's fields up to its raw data's length prefix; `raw` bytes follow.
Message initializer_head(const std::string& name, const std::vector<std::int64_t>& dims, std::uint64_t raw) {
  Message t;
  for (auto d : dims) t.integer(tensor::kDims, d);
  t.integer(tensor::kDataType, tensor::kFloat);
  t.string(tensor::kName, name);
  t.length_prefix(tensor::kRawData, raw);
  return t;
}

}  // namespace

OnnxWriter::OnnxWriter(const Architecture& arch, const Vector<float>& parameters)
    : arch_(arch), parameters_(&parameters) {
  if (parameters.size() != arch.parameter_count())
    throw Error("the network " + arch.describe() + " has " + std::to_string(arch.parameter_count()) +
                " parameters, not " + std::to_string(parameters.size()));
  // Initializers last, each as its fields and then its raw floats; the graph
  // and the model around them need the lengths first.
  std::vector<Piece> initializers;
  std::uint64_t initializer_bytes = 0;
  for (int k = 0; k < arch.layer_count(); ++k) {
    const std::int64_t in = arch.sizes[k], out = arch.sizes[k + 1];
    const std::string layer = "layers." + std::to_string(k);
    for (const bool weight : {true, false}) {
      const std::uint64_t raw = static_cast<std::uint64_t>(weight ? out * in : out) * sizeof(float);
      const Message head =
          initializer_head(layer + (weight ? ".weight" : ".bias"),
                           weight ? std::vector<std::int64_t>{out, in} : std::vector<std::int64_t>{out}, raw);
      Message field;
      field.length_prefix(graph::kInitializer, head.size() + raw);
      Piece piece{field.bytes(), k, weight};
      piece.bytes.insert(piece.bytes.end(), head.bytes().begin(), head.bytes().end());
      initializer_bytes += piece.bytes.size() + raw;
      initializers.push_back(std::move(piece));
    }
  }
  Message head = model_fields(arch);
  const Message graph = graph_fields(arch);
  head.length_prefix(model::kGraph, graph.size() + initializer_bytes);
  Piece first{head.bytes()};
  first.bytes.insert(first.bytes.end(), graph.bytes().begin(), graph.bytes().end());
  size_ = first.bytes.size() + initializer_bytes;
  pieces_.push_back(std::move(first));
  for (auto& p : initializers) pieces_.push_back(std::move(p));
}

void OnnxWriter::write(const Sink& sink) const {
  const auto& sizes = arch_.sizes;
  const std::vector<Eigen::Index> offsets = layer_offsets(sizes);
  for (const Piece& piece : pieces_) {
    sink(piece.bytes.data(), piece.bytes.size());
    if (piece.layer >= 0)
      write_layer_tensor(parameters_->data(), sizes, offsets, piece.layer, piece.weight, sink);
  }
}

std::vector<std::uint8_t> export_onnx(const Architecture& arch, const Vector<float>& parameters) {
  const OnnxWriter writer(arch, parameters);
  std::vector<std::uint8_t> out;
  out.reserve(writer.size());
  writer.write([&](const std::uint8_t* p, std::size_t n) { out.insert(out.end(), p, p + n); });
  return out;
}

}  // namespace mlp
