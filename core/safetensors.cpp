#include "safetensors.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <string_view>

#include "errors.hpp"
#include "untrusted_json.hpp"

namespace mlp {
namespace {

using nlohmann::json;
constexpr std::size_t kMaxDimensions = 16;

std::int64_t shape_elements(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

// Every message is short: the parts quoted from the file are excerpts, and the whole is capped again.
[[noreturn]] void fail(const std::string& message) {
  throw ModelFileError("model file: " + excerpt(message, 400));
}

// IEEE 754 half precision (1 sign, 5 exponent, 10 fraction bits) to float, exactly.
float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  std::uint32_t exponent = (h >> 10) & 0x1Fu, fraction = h & 0x3FFu, bits;
  if (exponent == 0x1F) {  // infinity, NaN
    bits = sign | 0x7F800000u | (fraction << 13);
  } else if (exponent != 0) {  // normal: rebias 15 → 127
    bits = sign | ((exponent + 112) << 23) | (fraction << 13);
  } else if (fraction == 0) {  // ±0
    bits = sign;
  } else {  // subnormal: fraction · 2^-24, normal as a float
    exponent = 113;
    while (!(fraction & 0x400u)) {
      fraction <<= 1;
      --exponent;
    }
    bits = sign | (exponent << 23) | ((fraction & 0x3FFu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

}  // namespace

std::vector<std::uint8_t> safetensors_header(const std::map<std::string, std::string>& metadata,
                                             const std::vector<TensorEntry>& tensors) {
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::uint64_t offset = 0;
  for (const auto& t : tensors) {
    const std::uint64_t bytes = static_cast<std::uint64_t>(shape_elements(t.shape)) * sizeof(float);
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
    if (static_cast<std::int64_t>(tensor.data.size()) != shape_elements(tensor.shape))
      throw Error("tensor '" + name + "' has " + std::to_string(tensor.data.size()) +
                  " values but its shape holds " + std::to_string(shape_elements(tensor.shape)));
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

SafeTensorsView parse_safetensors(const std::uint8_t* bytes, std::size_t size) {
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
  const std::size_t bad = first_invalid_utf8(std::string_view(text, n));
  if (bad < n) {
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned>(static_cast<unsigned char>(text[bad])));
    fail("header is not UTF-8 (byte " + std::string(byte) + " at offset " + std::to_string(bad) + ")");
  }
  const json header = parse_untrusted_json(text, text + n, "header");
  if (!header.is_object()) fail("header is not a JSON object");

  // Every entry is checked, then the data ranges are laid side by side.
  struct Entry {
    const std::string* name;
    TensorView view;
    std::uint64_t begin, end;
  };
  SafeTensorsView file;
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
    Entry e{&name, {}, 0, 0};
    const auto& dtype_text = dtype.get_ref<const std::string&>();
    const auto known = std::find(kDTypeNames.begin(), kDTypeNames.end(), dtype_text);
    if (known == kDTypeNames.end()) fail(where + " has an unknown dtype '" + excerpt(dtype_text, 16) + "'");
    e.view.dtype = static_cast<DType>(known - kDTypeNames.begin());
    const auto& shape = entry["shape"];
    if (!shape.is_array()) fail(where + " has a shape that is not an array");
    if (shape.size() > kMaxDimensions)
      fail(where + " has " + std::to_string(shape.size()) + " dimensions, more than " +
           std::to_string(kMaxDimensions));
    std::uint64_t elements = 1;
    for (const auto& d : shape) {
      if (!d.is_number_unsigned() || d.get<std::uint64_t>() > (1u << 30))
        fail(where + " has an invalid dimension: " + describe_json(d));
      e.view.shape.push_back(d.get<std::int64_t>());
      elements *= d.get<std::uint64_t>();  // ≤ 2^32 · 2^30: no overflow
      if (elements > (1ull << 32)) fail(where + " has more than 2^32 elements");
    }
    const auto& offsets = entry["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned())
      fail(where + " needs data_offsets [begin, end] of whole numbers");
    e.begin = offsets[0].get<std::uint64_t>();
    e.end = offsets[1].get<std::uint64_t>();
    const std::string range = "[" + std::to_string(e.begin) + ", " + std::to_string(e.end) + "]";
    if (e.begin > e.end) fail(where + " has data_offsets " + range + " that end before they begin");
    const std::uint64_t bits = elements * static_cast<std::uint64_t>(dtype_bits(e.view.dtype));  // ≤ 2^38
    if (bits % 8 != 0)
      fail(where + " has " + std::to_string(elements) + " elements of " + dtype_name(e.view.dtype) + ", " +
           std::to_string(bits) + " bits: not a whole number of bytes");
    if (bits / 8 != e.end - e.begin)
      fail(where + " has shape " + shape_text(e.view.shape) + " (" + std::to_string(bits / 8) +
           (bits == 8 ? " byte of " : " bytes of ") + dtype_name(e.view.dtype) + ") but " +
           std::to_string(e.end - e.begin) + " data bytes");
    if (e.end > data_size)
      fail(where + " has data_offsets " + range + " outside the " + std::to_string(data_size) +
           " data bytes");
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
    e.view.data = data + e.begin;
    e.view.size = e.end - e.begin;
    file.tensors.emplace(*e.name, std::move(e.view));
  }
  return file;
}

std::size_t element_count(const TensorView& tensor) {
  return tensor.size * 8 / static_cast<std::size_t>(dtype_bits(tensor.dtype));
}

void read_floats(const TensorView& tensor, std::size_t first, std::size_t count, float* out,
                 const std::string& what) {
  if (!readable_as_float(tensor.dtype))
    fail(what + " has dtype " + dtype_name(tensor.dtype) +
         "; only F32, F64, F16 and BF16 can be read as numbers");
  if (first > element_count(tensor) || count > element_count(tensor) - first)
    throw Error(what + ": elements " + std::to_string(first) + "+" + std::to_string(count) + " out of range");
  // Little-endian, as the format and our hosts (x86, wasm) are.
  const std::uint8_t* p = tensor.data + first * static_cast<std::size_t>(dtype_bits(tensor.dtype) / 8);
  switch (tensor.dtype) {
    case DType::F32:
      if (count) std::memcpy(out, p, count * sizeof(float));
      break;
    case DType::F64:
      for (std::size_t i = 0; i < count; ++i) {
        double d;
        std::memcpy(&d, p + 8 * i, 8);
        // Beyond float32's range: ±infinity (a plain conversion would be undefined).
        constexpr double kMax = std::numeric_limits<float>::max();
        out[i] = d > kMax    ? std::numeric_limits<float>::infinity()
                 : d < -kMax ? -std::numeric_limits<float>::infinity()
                             : static_cast<float>(d);
      }
      break;
    case DType::F16:
      for (std::size_t i = 0; i < count; ++i)
        out[i] = half_to_float(static_cast<std::uint16_t>(p[2 * i] | p[2 * i + 1] << 8));
      break;
    case DType::BF16:  // the upper half of a float32
      for (std::size_t i = 0; i < count; ++i) {
        const std::uint32_t bits = static_cast<std::uint32_t>(p[2 * i] | p[2 * i + 1] << 8) << 16;
        std::memcpy(out + i, &bits, 4);
      }
      break;
    default:
      break;
  }
}

std::vector<float> tensor_floats(const TensorView& tensor, const std::string& what) {
  if (!readable_as_float(tensor.dtype))  // before allocating
    fail(what + " has dtype " + dtype_name(tensor.dtype) +
         "; only F32, F64, F16 and BF16 can be read as numbers");
  std::vector<float> out(element_count(tensor));
  read_floats(tensor, 0, out.size(), out.data(), what);
  return out;
}

SafeTensors decode_safetensors(const std::uint8_t* bytes, std::size_t size) {
  SafeTensorsView view = parse_safetensors(bytes, size);
  SafeTensors file;
  file.metadata = std::move(view.metadata);
  for (auto& [name, t] : view.tensors) {
    Tensor tensor{std::move(t.shape), tensor_floats(t, "tensor '" + excerpt(name) + "'"), t.dtype};
    file.tensors.emplace(name, std::move(tensor));
  }
  return file;
}

}  // namespace mlp
