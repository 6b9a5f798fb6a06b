#include "safetensors.hpp"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "errors.hpp"

namespace mlp {
namespace {

using nlohmann::json;
constexpr std::uint64_t kMaxHeader = 100u << 20;  // the reference reader's limit

std::int64_t element_count(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

[[noreturn]] void fail(const std::string& message) { throw ModelFileError("model file: " + message); }

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
    std::memcpy(data, tensor.data.data(), tensor.data.size() * sizeof(float));
    data += tensor.data.size() * sizeof(float);
  }
  return out;
}

SafeTensors decode_safetensors(const std::uint8_t* bytes, std::size_t size) {
  if (size < 8) fail("file is " + std::to_string(size) + " bytes, too short for a safetensors header");
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[i];
  if (n > kMaxHeader) fail("header length " + std::to_string(n) + " is larger than the 100 MB limit");
  if (n > size - 8)
    fail("header length " + std::to_string(n) + " runs past the end of the file (" + std::to_string(size) +
         " bytes)");
  json header;
  try {
    header = json::parse(bytes + 8, bytes + 8 + n);
  } catch (const json::exception& e) {
    fail(std::string("header is not valid JSON (") + e.what() + ")");
  }
  if (!header.is_object()) fail("header is not a JSON object");

  SafeTensors file;
  const std::uint64_t data_size = size - 8 - n;
  const std::uint8_t* data = bytes + 8 + n;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object()) fail("__metadata__ is not an object");
      for (const auto& [key, value] : entry.items()) {
        if (!value.is_string()) fail("metadata '" + key + "' is not a string");
        file.metadata[key] = value.get<std::string>();
      }
      continue;
    }
    const std::string where = "tensor '" + name + "'";
    if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") ||
        !entry.contains("data_offsets"))
      fail(where + " needs dtype, shape and data_offsets");
    if (!entry["dtype"].is_string()) fail(where + " has a non-string dtype");
    const auto dtype = entry["dtype"].get<std::string>();
    if (dtype != "F32") fail(where + " has dtype " + dtype + "; only F32 is supported");
    Tensor tensor;
    const auto& shape = entry["shape"];
    if (!shape.is_array()) fail(where + " has a shape that is not an array");
    std::uint64_t elements = 1;
    for (const auto& d : shape) {
      if (!d.is_number_unsigned() || d.get<std::uint64_t>() > (1u << 30))
        fail(where + " has an invalid dimension " + d.dump());
      tensor.shape.push_back(d.get<std::int64_t>());
      elements *= d.get<std::uint64_t>();  // ≤ 2^32 · 2^30: no overflow
      if (elements > (1ull << 32)) fail(where + " has shape " + shape.dump() + ", more than 2^32 elements");
    }
    const auto& offsets = entry["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned())
      fail(where + " needs data_offsets [begin, end]");
    const auto begin = offsets[0].get<std::uint64_t>(), end = offsets[1].get<std::uint64_t>();
    if (begin > end || end > data_size)
      fail(where + " has data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
           "] outside the " + std::to_string(data_size) + " data bytes");
    const std::int64_t count = element_count(tensor.shape);
    if (static_cast<std::uint64_t>(count) * sizeof(float) != end - begin)
      fail(where + " has shape " + shape.dump() + " (" + std::to_string(count * 4) + " bytes) but " +
           std::to_string(end - begin) + " data bytes");
    tensor.data.resize(static_cast<std::size_t>(count));
    std::memcpy(tensor.data.data(), data + begin, end - begin);
    ranges.emplace_back(begin, end);
    file.tensors.emplace(name, std::move(tensor));
  }
  std::sort(ranges.begin(), ranges.end());
  std::uint64_t expected = 0;
  for (const auto& [begin, end] : ranges) {
    if (begin < expected) fail("tensors overlap at byte " + std::to_string(begin));
    if (begin > expected) fail("the data has a hole at bytes " + std::to_string(expected) + ".." + std::to_string(begin));
    expected = end;
  }
  if (expected != data_size)
    fail(std::to_string(data_size - expected) + " data bytes after the last tensor are not described by the header");
  return file;
}

}  // namespace mlp
