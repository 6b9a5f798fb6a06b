#pragma once
// Safetensors files as PyTorch users have them, for the import tests: each
// tensor in a dtype of its own (F32, F64, F16, BF16, or any other with raw
// bytes), the header padded with spaces to a multiple of 8 as the
// safetensors library writes it, __metadata__ {"format": "pt"} or none.
#include <cstdint>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/tensor.hpp"

namespace mlp_test {

struct FileTensor {
  std::string name;
  std::string dtype;  // "F32", "F64", "F16", "BF16", or another with `raw`
  std::vector<std::int64_t> shape;
  std::vector<double> values;  // row-major; for F16 and BF16 exactly representable (e.g. k/256, |k| < 256)
  std::vector<std::uint8_t> raw{};  // the bytes, for other dtypes
};

// A float's bits as F16 or BF16, for values those hold exactly (normal or zero).
inline std::uint16_t narrow_bits(double v, bool bf16) {
  const float f = static_cast<float>(v);
  std::uint32_t bits;
  std::memcpy(&bits, &f, 4);
  if (bf16) return static_cast<std::uint16_t>(bits >> 16);
  if ((bits & 0x7FFFFFFFu) == 0) return static_cast<std::uint16_t>(bits >> 16);
  if ((bits & 0x7F800000u) == 0x7F800000u)  // ±inf, NaN
    return static_cast<std::uint16_t>((bits >> 16 & 0x8000u) | 0x7C00u | ((bits & 0x7FFFFFu) ? 0x200u : 0u));
  const int exponent = static_cast<int>(bits >> 23 & 0xFF) - 127 + 15;
  return static_cast<std::uint16_t>((bits >> 16 & 0x8000u) | static_cast<std::uint32_t>(exponent) << 10 |
                                    (bits & 0x7FFFFFu) >> 13);
}

inline std::vector<std::uint8_t> tensor_bytes(const FileTensor& t) {
  if (!t.raw.empty() || (t.dtype != "F32" && t.dtype != "F64" && t.dtype != "F16" && t.dtype != "BF16"))
    return t.raw;
  std::vector<std::uint8_t> out;
  for (double v : t.values) {
    std::uint8_t b[8];
    std::size_t n;
    if (t.dtype == "F64") {
      std::memcpy(b, &v, 8);
      n = 8;
    } else if (t.dtype == "F32") {
      const float f = static_cast<float>(v);
      std::memcpy(b, &f, 4);
      n = 4;
    } else {
      const std::uint16_t h = narrow_bits(v, t.dtype == "BF16");
      b[0] = static_cast<std::uint8_t>(h);
      b[1] = static_cast<std::uint8_t>(h >> 8);
      n = 2;
    }
    out.insert(out.end(), b, b + n);
  }
  return out;
}

// The file: tensors laid out in the order given, the header as safetensors writes it.
inline std::vector<std::uint8_t> state_dict_file(const std::vector<FileTensor>& tensors,
                                                 const std::map<std::string, std::string>& metadata = {
                                                     {"format", "pt"}}) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<std::uint8_t> data;
  for (const auto& t : tensors) {
    const std::vector<std::uint8_t> bytes = tensor_bytes(t);
    header[t.name] = {
        {"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {data.size(), data.size() + bytes.size()}}};
    data.insert(data.end(), bytes.begin(), bytes.end());
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  std::vector<std::uint8_t> out(8);
  for (int i = 0; i < 8; ++i)
    out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(text.size() >> (8 * i));
  out.insert(out.end(), text.begin(), text.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

}  // namespace mlp_test
