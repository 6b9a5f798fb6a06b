#include "safetensors.hpp"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "errors.hpp"
#include "untrusted_json.hpp"

namespace mlp {
namespace {

using nlohmann::json;
constexpr std::size_t kMaxDimensions = 16;

std::int64_t element_count(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

// Every message is short: the parts quoted from the file are excerpts, and the whole is capped again.
[[noreturn]] void fail(const std::string& message) {
  throw ModelFileError("model file: " + excerpt(message, 400));
}

}  // namespace

std::vector<std::uint8_t> safetensors_header(const std::map<std::string, std::string>& metadata,
                                             const std::vector<TensorEntry>& tensors) {
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::uint64_t offset = 0;
  for (const auto& t : tensors) {
    const std::uint64_t bytes = static_cast<std::uint64_t>(element_count(t.shape)) * sizeof(float);
    header[t.name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // keeps the tensor data 8-byte aligned
  std::vector<std::uint8_t> out(8 + text.size());
  const std::uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(n >> (8 * i));
  std::memcpy(out.data() + 8, text.data(), text.size());
  return out;
}

std::vector<std::uint8_t> encode_safetensors(const SafeTensors& file) {
  std::vector<TensorEntry> entries;
  std::uint64_t data_bytes = 0;
  for (const auto& [name, tensor] : file.tensors) {
    if (static_cast<std::int64_t>(tensor.data.size()) != element_count(tensor.shape))
      throw Error("tensor '" + name + "' has " + std::to_string(tensor.data.size()) +
                  " values but its shape holds " + std::to_string(element_count(tensor.shape)));
    entries.push_back({name, tensor.shape});
    data_bytes += tensor.data.size() * sizeof(float);
  }
  std::vector<std::uint8_t> out = safetensors_header(file.metadata, entries);
  const std::size_t header = out.size();
  out.resize(header + data_bytes);
  std::uint8_t* data = out.data() + header;
  for (const auto& [name, tensor] : file.tensors) {  // little-endian hosts only (x86, wasm)
    if (!tensor.data.empty()) std::memcpy(data, tensor.data.data(), tensor.data.size() * sizeof(float));
    data += tensor.data.size() * sizeof(float);
  }
  return out;
}

SafeTensors decode_safetensors(const std::uint8_t* bytes, std::size_t size) {
  if (size < 8) fail("file is " + std::to_string(size) + " bytes, too short for a safetensors header");
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[i];
  if (n > size - 8)
    fail("header length " + std::to_string(n) + " runs past the end of the file (" + std::to_string(size) +
         " bytes)");
  if (n > kMaxSafetensorsHeaderBytes)
    fail("header length " + std::to_string(n) + " is larger than the " +
         std::to_string(kMaxSafetensorsHeaderBytes >> 20) + " MB limit");
  const auto* text = reinterpret_cast<const char*>(bytes + 8);
  const json header = parse_untrusted_json(text, text + n, "header");
  if (!header.is_object()) fail("header is not a JSON object");

  // First every entry is checked and the data ranges are laid side by side;
  // only then are the tensors allocated, each no larger than its own bytes.
  struct Entry {
    const std::string* name;
    std::vector<std::int64_t> shape;
    std::uint64_t begin, end;
  };
  SafeTensors file;
  const std::uint64_t data_size = size - 8 - n;
  const std::uint8_t* data = bytes + 8 + n;
  std::vector<Entry> entries;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object()) fail("__metadata__ is not an object");
      for (const auto& [key, value] : entry.items()) {
        if (!value.is_string())
          fail("metadata '" + excerpt(key) + "' is not a string but " + describe_json(value));
        file.metadata[key] = value.get<std::string>();
      }
      continue;
    }
    const std::string where = "tensor '" + excerpt(name) + "'";
    if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") ||
        !entry.contains("data_offsets"))
      fail(where + " needs dtype, shape and data_offsets");
    const auto& dtype = entry["dtype"];
    if (!dtype.is_string()) fail(where + " has a non-string dtype");
    if (dtype != "F32")
      fail(where + " has dtype " + excerpt(dtype.get_ref<const std::string&>(), 16) +
           "; only F32 is supported");
    const auto& shape = entry["shape"];
    if (!shape.is_array()) fail(where + " has a shape that is not an array");
    if (shape.size() > kMaxDimensions)
      fail(where + " has " + std::to_string(shape.size()) + " dimensions, more than " +
           std::to_string(kMaxDimensions));
    Entry e{&name, {}, 0, 0};
    std::uint64_t elements = 1;
    for (const auto& d : shape) {
      if (!d.is_number_unsigned() || d.get<std::uint64_t>() > (1u << 30))
        fail(where + " has an invalid dimension: " + describe_json(d));
      e.shape.push_back(d.get<std::int64_t>());
      elements *= d.get<std::uint64_t>();  // ≤ 2^32 · 2^30: no overflow
      if (elements > (1ull << 32)) fail(where + " has more than 2^32 elements");
    }
    const auto& offsets = entry["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned())
      fail(where + " needs data_offsets [begin, end] of whole numbers");
    e.begin = offsets[0].get<std::uint64_t>();
    e.end = offsets[1].get<std::uint64_t>();
    if (e.begin > e.end || e.end > data_size)
      fail(where + " has data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
           "] outside the " + std::to_string(data_size) + " data bytes");
    if (elements * sizeof(float) != e.end - e.begin)
      fail(where + " has shape " + shape_text(e.shape) + " (" + std::to_string(elements * sizeof(float)) +
           " bytes) but " + std::to_string(e.end - e.begin) + " data bytes");
    entries.push_back(std::move(e));
  }
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  for (const auto& e : entries) ranges.emplace_back(e.begin, e.end);
  std::sort(ranges.begin(), ranges.end());
  std::uint64_t expected = 0;
  for (const auto& [begin, end] : ranges) {
    if (begin < expected) fail("tensors overlap at byte " + std::to_string(begin));
    if (begin > expected)
      fail("the data has a hole at bytes " + std::to_string(expected) + ".." + std::to_string(begin));
    expected = end;
  }
  if (expected != data_size)
    fail(std::to_string(data_size - expected) +
         " data bytes after the last tensor are not described by the header");

  for (auto& e : entries) {
    Tensor tensor{std::move(e.shape), std::vector<float>((e.end - e.begin) / sizeof(float))};
    if (!tensor.data.empty()) std::memcpy(tensor.data.data(), data + e.begin, e.end - e.begin);
    file.tensors.emplace(*e.name, std::move(tensor));
  }
  return file;
}

}  // namespace mlp
