#pragma once
// The safetensors container: 8-byte little-endian header length, a JSON
// header {name: {dtype, shape, data_offsets}, "__metadata__": {str: str}},
// then the tensor bytes. Files are read as the reference implementation
// (huggingface/safetensors) reads them, every dtype included, with tighter
// limits of our own (tests/data/safetensors-spec/ lists both side by side);
// tensors of the floating-point dtypes F32, F64, F16 and BF16 can be read as
// float32. Only F32 tensors are written.
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

// One tensor of a parsed file: what its header entry says, and its bytes in
// place (valid while the file's buffer is).
struct TensorView {
  DType dtype = DType::F32;
  std::vector<std::int64_t> shape;
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;  // bytes
};
struct SafeTensorsView {
  std::map<std::string, std::string> metadata;
  std::map<std::string, TensorView> tensors;
};

// The container checked, nothing copied. Accepts what the reference reader
// accepts, except headers over 1 MB, JSON nested deeper than 16 levels,
// shapes of more than 16 dimensions or with a dimension above 2^30, and
// tensors of more than 2^32 elements. Throws ModelFileError for a bad header
// length, a header that is not UTF-8 or not JSON, an unknown dtype, a shape
// whose size is not whole bytes or disagrees with its offsets, offsets out of
// bounds, overlapping or leaving holes, or bytes after the last tensor.
SafeTensorsView parse_safetensors(const std::uint8_t* data, std::size_t size);

// How many elements a tensor holds (its shape's product).
std::size_t element_count(const TensorView& tensor);
// A tensor's elements as float32: F32 copied, F16 and BF16 widened, F64
// rounded (beyond float32's range to ±infinity). Throws ModelFileError,
// naming the tensor as `what`, for the other dtypes.
std::vector<float> tensor_floats(const TensorView& tensor, const std::string& what);
// The same for elements [first, first + count) only, into out.
void read_floats(const TensorView& tensor, std::size_t first, std::size_t count, float* out,
                 const std::string& what);

// parse_safetensors, then every tensor read as float32 (tensor_floats).
SafeTensors decode_safetensors(const std::uint8_t* data, std::size_t size);

}  // namespace mlp
