#pragma once
// Protocol Buffers' wire format, only what writing an ONNX model needs
// (onnx_export.hpp): varints, 64-bit integers, strings and nested messages,
// field by field (https://protobuf.dev/programming-guides/encoding/).
//
// Why by hand and not libprotobuf: the exporter is one implementation for
// the command line and the browser, and the WebAssembly build has no
// protobuf library (Emscripten 3.1.6's ports cannot be fetched here, and
// Debian's libprotobuf is native only). The handful of encodings below is
// all an ONNX graph of dense layers uses; the tests read the result with
// two well-kept protobuf parsers (onnx's checker and ONNX Runtime).
#include <cstdint>
#include <string_view>
#include <vector>

namespace mlp::protobuf {

enum class WireType : std::uint8_t { Varint = 0, I64 = 1, Len = 2, I32 = 5 };

// One message's bytes, appended field by field.
class Message {
 public:
  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      bytes_.push_back(static_cast<std::uint8_t>(v | 0x80));
      v >>= 7;
    }
    bytes_.push_back(static_cast<std::uint8_t>(v));
  }
  void tag(int field, WireType type) {
    varint(static_cast<std::uint64_t>(field) << 3 | static_cast<std::uint64_t>(type));
  }
  // int64 / int32 / enum fields: a varint (a negative value as its 64-bit two's complement).
  void integer(int field, std::int64_t v) {
    tag(field, WireType::Varint);
    varint(static_cast<std::uint64_t>(v));
  }
  void string(int field, std::string_view s) {
    tag(field, WireType::Len);
    varint(s.size());
    bytes_.insert(bytes_.end(), s.begin(), s.end());
  }
  void message(int field, const Message& m) {
    tag(field, WireType::Len);
    varint(m.bytes_.size());
    bytes_.insert(bytes_.end(), m.bytes_.begin(), m.bytes_.end());
  }
  // The start of a length-delimited field whose `size` bytes the caller writes next (streamed data).
  void length_prefix(int field, std::uint64_t size) {
    tag(field, WireType::Len);
    varint(size);
  }

  const std::vector<std::uint8_t>& bytes() const { return bytes_; }
  std::size_t size() const { return bytes_.size(); }

 private:
  std::vector<std::uint8_t> bytes_;
};

}  // namespace mlp::protobuf
