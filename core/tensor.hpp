#pragma once
// A named n-dimensional array of floats as files hold it: a shape and its
// elements in row-major order (the safetensors layout; see safetensors.hpp),
// and the element type the file stored them in.
#include <cstdint>
#include <vector>

#include "enum_names.hpp"

namespace mlp {

// The element types of the safetensors format, in the reference
// implementation's order (huggingface/safetensors, Dtype), with their widths.
enum class DType {
  Bool,
  F4,
  F6_E2M3,
  F6_E3M2,
  U8,
  I8,
  F8_E5M2,
  F8_E4M3,
  F8_E8M0,
  I16,
  U16,
  F16,
  BF16,
  I32,
  U32,
  F32,
  C64,
  F64,
  I64,
  U64,
};
inline constexpr EnumNames<20> kDTypeNames{
    "BOOL", "F4",  "F6_E2M3", "F6_E3M2", "U8",  "I8",  "F8_E5M2", "F8_E4M3", "F8_E8M0", "I16",
    "U16",  "F16", "BF16",    "I32",     "U32", "F32", "C64",     "F64",     "I64",     "U64",
};
inline constexpr int kDTypeBits[20] = {8, 4, 6, 6, 8, 8, 8, 8, 8, 16, 16, 16, 16, 32, 32, 32, 64, 64, 64, 64};

inline const char* dtype_name(DType d) {
  return kDTypeNames[static_cast<std::size_t>(d)];
}
inline int dtype_bits(DType d) {
  return kDTypeBits[static_cast<std::size_t>(d)];
}
// The floating-point types read as float32: F32 as it is, F64 rounded, F16 and BF16 exactly.
inline bool readable_as_float(DType d) {
  return d == DType::F32 || d == DType::F64 || d == DType::F16 || d == DType::BF16;
}

struct Tensor {
  std::vector<std::int64_t> shape;
  std::vector<float> data;    // row-major
  DType stored = DType::F32;  // the element type in the file it was read from
};

}  // namespace mlp
