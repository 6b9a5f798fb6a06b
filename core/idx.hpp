#pragma once
// IDX files (the MNIST format) parsed from a byte buffer, so the same code
// reads native files and bytes handed over by the browser. Only unsigned-byte
// data is accepted: 3-dimensional for images, 1-dimensional for labels.
// Every check runs before anything is allocated, so a header claiming
// gigabytes fails fast and nothing is half-loaded.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "matrix.hpp"

namespace mlp {

struct IdxImages {
  int count = 0, rows = 0, cols = 0;
  ByteMatrix pixels;  // (rows*cols, count), one column per image, row-major pixels
};

// `what` names the buffer in error messages (e.g. "train-images").
IdxImages parse_idx_images(const std::uint8_t* data, std::size_t size, const std::string& what);
std::vector<std::uint8_t> parse_idx_labels(const std::uint8_t* data, std::size_t size,
                                           const std::string& what, int num_classes = 10);

std::vector<std::uint8_t> encode_idx_images(const IdxImages& images);
std::vector<std::uint8_t> encode_idx_labels(const std::vector<std::uint8_t>& labels);

std::vector<std::uint8_t> read_file(const std::string& path);  // throws Error

}  // namespace mlp
