#pragma once
// The safetensors container: 8-byte little-endian header length, a JSON
// header {name: {dtype, shape, data_offsets}, "__metadata__": {str: str}},
// then the tensor bytes. Only F32 tensors are read or written.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tensor.hpp"

namespace mlp {

// The longest JSON header decode_safetensors reads. The reference reader
// allows 100 MB; ours are 1-2 KB, and parsing a header costs tens of times
// its size in memory.
inline constexpr std::uint64_t kMaxSafetensorsHeaderBytes = 1u << 20;

struct SafeTensors {
  std::map<std::string, std::string> metadata;
  std::map<std::string, Tensor> tensors;
};

std::vector<std::uint8_t> encode_safetensors(const SafeTensors& file);

// What a file's header says of one F32 tensor.
struct TensorEntry {
  std::string name;
  std::vector<std::int64_t> shape;
};
// The first bytes of a file whose F32 tensors follow in the order given
// (by name, as encode_safetensors lays them out): the 8-byte length, then
// the JSON header padded to a multiple of 8. For writers that stream the data.
std::vector<std::uint8_t> safetensors_header(const std::map<std::string, std::string>& metadata,
                                             const std::vector<TensorEntry>& tensors);
// Throws ModelFileError for a bad header length, invalid JSON, unknown dtype,
// offsets out of bounds, overlapping or leaving holes, or shape/size mismatch.
SafeTensors decode_safetensors(const std::uint8_t* data, std::size_t size);

}  // namespace mlp
