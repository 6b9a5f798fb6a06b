// ONNX export: the protobuf encodings it is made of, and the model read back
// field by field: the graph's operators in order, its input and output, and
// initializers holding exactly the network's weights in nn.Linear's layout.
// (The model is also checked by onnx's own checker and run by ONNX Runtime:
// tests/interop/interop_test.py, tests/wasm/onnx_export.test.mjs.)
#include "core/onnx_export.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "core/protobuf_writer.hpp"
#include "core/trainer.hpp"
#include "test_support.hpp"

using Bytes = std::vector<std::uint8_t>;

namespace {

// One field of a protobuf message as the wire format has it.
struct Field {
  int number = 0;
  int wire = 0;
  std::uint64_t value = 0;  // varint
  Bytes bytes;              // length-delimited
  std::string text() const { return std::string(bytes.begin(), bytes.end()); }
};

// Every field of a message; a malformed message fails the test.
std::vector<Field> fields(const Bytes& m) {
  std::vector<Field> out;
  std::size_t i = 0;
  const auto varint = [&] {
    std::uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      REQUIRE(i < m.size());
      REQUIRE(shift < 64);
      const std::uint8_t b = m[i++];
      v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
  };
  while (i < m.size()) {
    const std::uint64_t key = varint();
    Field f;
    f.number = static_cast<int>(key >> 3);
    f.wire = static_cast<int>(key & 7);
    REQUIRE(f.number > 0);
    if (f.wire == 0) {
      f.value = varint();
    } else {
      REQUIRE(f.wire == 2);  // the exporter writes nothing else
      const std::uint64_t n = varint();
      REQUIRE(n <= m.size() - i);
      f.bytes.assign(m.begin() + static_cast<std::ptrdiff_t>(i),
                     m.begin() + static_cast<std::ptrdiff_t>(i + n));
      i += n;
    }
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<Field> all(const std::vector<Field>& fs, int number) {
  std::vector<Field> out;
  for (const auto& f : fs)
    if (f.number == number) out.push_back(f);
  return out;
}

Field one(const std::vector<Field>& fs, int number) {
  const auto found = all(fs, number);
  REQUIRE(found.size() == 1);
  return found[0];
}

// "input" [N, 16] from a ValueInfoProto: its name, the symbolic batch, the width.
void check_value_info(const Field& v, const std::string& name, int width) {
  const auto vi = fields(v.bytes);
  CHECK(one(vi, 1).text() == name);
  const auto tensor_type = fields(one(fields(one(vi, 2).bytes), 1).bytes);
  CHECK(one(tensor_type, 1).value == 1);  // FLOAT
  const auto dims = all(fields(one(tensor_type, 2).bytes), 1);
  REQUIRE(dims.size() == 2);
  CHECK(one(fields(dims[0].bytes), 2).text() == "N");
  CHECK(one(fields(dims[1].bytes), 1).value == static_cast<std::uint64_t>(width));
}

}  // namespace

TEST_CASE("protobuf encodings: varints, negative integers, strings, nested messages", "[onnx]") {
  mlp::protobuf::Message m;
  m.varint(300);
  CHECK(m.bytes() == Bytes{0xAC, 0x02});
  mlp::protobuf::Message n;
  n.integer(1, -1);  // a 64-bit two's complement: 10 bytes
  CHECK(n.bytes() == Bytes{0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01});
  mlp::protobuf::Message s, outer;
  s.string(2, "hi");
  CHECK(s.bytes() == Bytes{0x12, 0x02, 'h', 'i'});
  outer.message(7, s);
  CHECK(outer.bytes() == Bytes{0x3A, 0x04, 0x12, 0x02, 'h', 'i'});
}

TEST_CASE("an exported network reads back as its ONNX graph with its weights", "[onnx]") {
  const auto hidden = GENERATE(mlp::Activation::Sigmoid, mlp::Activation::Tanh, mlp::Activation::Relu);
  const auto output = GENERATE(mlp::OutputLoss::SigmoidBce, mlp::OutputLoss::SoftmaxCe);
  CAPTURE(mlp::to_string(hidden), mlp::to_string(output));
  mlp::TrainConfig c = mlp_test::small_config();
  c.architecture = {{16, 8, 6, 4}, hidden, output};
  mlp::Trainer trainer(c, nullptr);
  const auto& arch = trainer.config().architecture;
  const mlp::Vector<float>& params = trainer.network().parameters();

  const Bytes bytes = mlp::export_onnx(arch, params);
  const mlp::OnnxWriter writer(arch, params);
  CHECK(writer.size() == bytes.size());
  Bytes streamed;
  int pieces = 0;
  writer.write([&](const std::uint8_t* p, std::size_t n) {
    streamed.insert(streamed.end(), p, p + n);
    ++pieces;
  });
  CHECK(streamed == bytes);
  CHECK(pieces > 3);

  const auto model = fields(bytes);
  CHECK(one(model, 1).value == 8);  // ir_version
  const auto opset = fields(one(model, 8).bytes);
  CHECK(one(opset, 1).text().empty());  // the default domain
  CHECK(one(opset, 2).value == 17);
  CHECK_THAT(one(model, 6).text(), Catch::Contains("divided by 255") && Catch::Contains("[N, 16]"));
  std::map<std::string, std::string> props;
  for (const auto& p : all(model, 14)) props[one(fields(p.bytes), 1).text()] = one(fields(p.bytes), 2).text();
  CHECK(props == std::map<std::string, std::string>{{"layers", "16-8-6-4"},
                                                    {"activation", mlp::to_string(hidden)},
                                                    {"loss", mlp::to_string(output)},
                                                    {"input_scale", "1/255"}});

  const auto graph = fields(one(model, 7).bytes);
  // Nodes: Gemm and the activation per hidden layer, Gemm and the output; each consuming the last one's
  // output.
  const std::string act = hidden == mlp::Activation::Sigmoid ? "Sigmoid"
                          : hidden == mlp::Activation::Tanh  ? "Tanh"
                                                             : "Relu";
  const std::string out = output == mlp::OutputLoss::SoftmaxCe ? "Softmax" : "Sigmoid";
  std::vector<std::string> ops;
  std::string previous = "input";
  for (const auto& n : all(graph, 1)) {
    const auto node = fields(n.bytes);
    ops.push_back(one(node, 4).text());
    const auto inputs = all(node, 1);
    REQUIRE(!inputs.empty());
    CHECK(inputs[0].text() == previous);
    previous = one(node, 2).text();
    std::map<std::string, std::uint64_t> attributes;
    for (const auto& a : all(node, 5)) {
      const auto attribute = fields(a.bytes);
      CHECK(one(attribute, 20).value == 2);  // INT
      attributes[one(attribute, 1).text()] = one(attribute, 3).value;
    }
    if (ops.back() == "Gemm") {
      REQUIRE(inputs.size() == 3);
      const std::string layer = inputs[1].text().substr(0, inputs[1].text().find(".weight"));
      CHECK(inputs[2].text() == layer + ".bias");
      CHECK(attributes == std::map<std::string, std::uint64_t>{{"transB", 1}});
    } else if (ops.back() == "Softmax") {
      CHECK(attributes == std::map<std::string, std::uint64_t>{{"axis", 1}});
    } else {
      CHECK(attributes.empty());
    }
  }
  CHECK(ops == std::vector<std::string>{"Gemm", act, "Gemm", act, "Gemm", out});
  CHECK(previous == "probabilities");
  check_value_info(one(graph, 11), "input", 16);
  check_value_info(one(graph, 12), "probabilities", 4);

  // Initializers: layers.K.weight [out, in] row-major (nn.Linear's layout), layers.K.bias [out], FLOAT.
  const auto initializers = all(graph, 5);
  REQUIRE(initializers.size() == 6);
  for (int k = 0; k < 3; ++k) {
    const auto& layer = trainer.network().layer(k);
    for (const bool weight : {true, false}) {
      const auto t = fields(initializers[static_cast<std::size_t>(2 * k + (weight ? 0 : 1))].bytes);
      CHECK(one(t, 8).text() == "layers." + std::to_string(k) + (weight ? ".weight" : ".bias"));
      CHECK(one(t, 2).value == 1);
      std::vector<std::uint64_t> dims;
      for (const auto& d : all(t, 1)) dims.push_back(d.value);
      const auto rows = static_cast<std::uint64_t>(layer.outputs()),
                 cols = static_cast<std::uint64_t>(layer.inputs());
      CHECK(dims == (weight ? std::vector<std::uint64_t>{rows, cols} : std::vector<std::uint64_t>{rows}));
      const Bytes raw = one(t, 9).bytes;
      std::vector<float> expected;
      if (weight) {
        for (Eigen::Index i = 0; i < layer.w.rows(); ++i)
          for (Eigen::Index j = 0; j < layer.w.cols(); ++j) expected.push_back(layer.w(i, j));
      } else {
        for (Eigen::Index i = 0; i < layer.b.size(); ++i) expected.push_back(layer.b(i));
      }
      REQUIRE(raw.size() == expected.size() * 4);
      CHECK(std::memcmp(raw.data(), expected.data(), raw.size()) == 0);
    }
  }
}

TEST_CASE("a large layer is streamed in blocks of rows, never as a whole copy", "[onnx]") {
  // 784-3000-10: the first weight is 9.4 MB; the writer hands it over in blocks of 16 rows or 64 KB,
  // whichever is more (16 rows of the second layer are 192 KB).
  mlp::Architecture arch{{784, 3000, 10}, mlp::Activation::Relu, mlp::OutputLoss::SoftmaxCe};
  mlp::Vector<float> params =
      mlp::Vector<float>::LinSpaced(static_cast<Eigen::Index>(arch.parameter_count()), -1, 1);
  const mlp::OnnxWriter writer(arch, params);
  std::size_t largest = 0, total = 0;
  writer.write([&](const std::uint8_t*, std::size_t n) {
    largest = std::max(largest, n);
    total += n;
  });
  CHECK(total == writer.size());
  CHECK(largest <= 16 * 3000 * 4);
  CHECK_THROWS_AS(mlp::OnnxWriter(arch, mlp::Vector<float>(10)), mlp::Error);
}
