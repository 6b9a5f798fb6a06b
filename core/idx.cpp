#include "idx.hpp"

#include <cstring>
#include <filesystem>
#include <fstream>

#include "errors.hpp"

namespace mlp {
namespace {

constexpr std::uint8_t kUnsignedByte = 0x08;
constexpr std::uint32_t kMaxDimension = 1u << 16;

std::uint32_t read_be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

void put_be32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

// Validates the header and returns the dimensions; the payload must follow
// exactly, with no byte missing and none extra.
std::vector<std::uint32_t> read_header(const std::uint8_t* data, std::size_t size, const std::string& what,
                                       int expected_dims) {
  const std::string kind = expected_dims == 3 ? "image" : "label";
  if (size < 4)
    throw IdxError(what + ": file is " + std::to_string(size) + " bytes, too short for an IDX header");
  if (data[0] != 0 || data[1] != 0)
    throw IdxError(what + ": not an IDX file (magic number must start with two zero bytes)");
  if (data[2] != kUnsignedByte)
    throw IdxError(what + ": IDX data type " + std::to_string(data[2]) +
                   " is not supported (expected 8, unsigned byte)");
  if (data[3] != expected_dims)
    throw IdxError(what + ": IDX file has " + std::to_string(data[3]) + " dimension(s), an " + kind +
                   " file must have " + std::to_string(expected_dims));
  const std::size_t header = 4 + 4 * static_cast<std::size_t>(expected_dims);
  if (size < header) throw IdxError(what + ": truncated IDX header (" + std::to_string(size) + " bytes)");
  std::vector<std::uint32_t> dims;
  unsigned long long payload = 1;
  for (int d = 0; d < expected_dims; ++d) {
    const std::uint32_t n = read_be32(data + 4 + 4 * d);
    if (d > 0 && (n == 0 || n > kMaxDimension))
      throw IdxError(what + ": image dimension " + std::to_string(n) + " is out of range (1.." +
                     std::to_string(kMaxDimension) + ")");
    dims.push_back(n);
    payload *= n;  // ≤ 2^32 · 2^16 · 2^16: cannot overflow 64 bits
  }
  const unsigned long long available = size - header;
  if (payload > available)
    throw IdxError(what + ": truncated: header announces " + std::to_string(payload) +
                   " data bytes but only " + std::to_string(available) + " follow");
  if (payload < available)
    throw IdxError(what + ": " + std::to_string(available - payload) +
                   " unexpected bytes after the data announced by the header");
  return dims;
}

}  // namespace

IdxImages parse_idx_images(const std::uint8_t* data, std::size_t size, const std::string& what) {
  const auto dims = read_header(data, size, what, 3);
  if (dims[0] > 0x7fffffffu)
    throw IdxError(what + ": image count " + std::to_string(dims[0]) + " is too large");
  IdxImages images;
  images.count = static_cast<int>(dims[0]);
  images.rows = static_cast<int>(dims[1]);
  images.cols = static_cast<int>(dims[2]);
  const auto pixels = static_cast<Eigen::Index>(images.rows) * images.cols;
  images.pixels.resize(pixels, images.count);
  if (images.count > 0)  // no images: no buffer (data() is null), nothing to copy
    std::memcpy(images.pixels.data(), data + 16, static_cast<std::size_t>(pixels) * images.count);
  return images;
}

std::vector<std::uint8_t> parse_idx_labels(const std::uint8_t* data, std::size_t size,
                                           const std::string& what, int num_classes) {
  read_header(data, size, what, 1);
  std::vector<std::uint8_t> labels(data + 8, data + size);
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] >= num_classes)
      throw IdxError(what + ": label " + std::to_string(labels[i]) + " at index " + std::to_string(i) +
                     " is outside 0.." + std::to_string(num_classes - 1));
  return labels;
}

std::vector<std::uint8_t> encode_idx_images(const IdxImages& images) {
  std::vector<std::uint8_t> out{0, 0, kUnsignedByte, 3};
  put_be32(out, static_cast<std::uint32_t>(images.count));
  put_be32(out, static_cast<std::uint32_t>(images.rows));
  put_be32(out, static_cast<std::uint32_t>(images.cols));
  out.insert(out.end(), images.pixels.data(), images.pixels.data() + images.pixels.size());
  return out;
}

std::vector<std::uint8_t> encode_idx_labels(const std::vector<std::uint8_t>& labels) {
  std::vector<std::uint8_t> out{0, 0, kUnsignedByte, 1};
  put_be32(out, static_cast<std::uint32_t>(labels.size()));
  out.insert(out.end(), labels.begin(), labels.end());
  return out;
}

std::vector<std::uint8_t> read_file(const std::string& path) {
  // Only regular files: a folder reads as empty, a device or a pipe may never end.
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (error || !std::filesystem::exists(status)) throw Error("cannot open '" + path + "'");
  if (!std::filesystem::is_regular_file(status)) throw Error("'" + path + "' is not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open '" + path + "'");
  // One allocation of the file's size (growing a vector byte by byte peaks at up to twice that).
  const auto size = std::filesystem::file_size(path, error);
  if (error) throw Error("cannot read '" + path + "'");
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  if (!bytes.empty() &&
      !in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size())))
    throw Error("cannot read '" + path + "'");
  return bytes;
}

}  // namespace mlp
